/* fk_openai_models.c — the OpenAI models the double knows (api-notes §8): ids, which
 * reason, list prices for the organisation cost report; GET /v1/models. */
#include <stdio.h>
#include <string.h>

#include "fk.h"

struct model {
	const char *id;		/* what responses report (dated when one exists) */
	const char *alias;	/* the undated id, or NULL */
	int	reasoning;	/* o-series and gpt-5*: reasoning tokens, max_completion_tokens */
	long	price[3];	/* input, cached input, output: micro-dollars per MTok */
};

static const struct model models[] = {
	{ "gpt-5-2025-08-07", "gpt-5", 1, { 1250000, 125000, 10000000 } },
	{ "gpt-5-codex", NULL, 1, { 1250000, 125000, 10000000 } },
	{ "gpt-5-mini-2025-08-07", "gpt-5-mini", 1, { 250000, 25000, 2000000 } },
	{ "gpt-5-nano-2025-08-07", "gpt-5-nano", 1, { 50000, 5000, 400000 } },
	{ "gpt-4.1-2025-04-14", "gpt-4.1", 0, { 2000000, 500000, 8000000 } },
	{ "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini", 0, { 400000, 100000, 1600000 } },
	{ "gpt-4.1-nano-2025-04-14", "gpt-4.1-nano", 0, { 100000, 25000, 400000 } },
	{ "gpt-4o-2024-08-06", "gpt-4o", 0, { 2500000, 1250000, 10000000 } },
	{ "gpt-4o-mini-2024-07-18", "gpt-4o-mini", 0, { 150000, 75000, 600000 } },
	{ "o3-2025-04-16", "o3", 1, { 2000000, 500000, 8000000 } },
	{ "o4-mini-2025-04-16", "o4-mini", 1, { 1100000, 275000, 4400000 } },
};
#define NMODELS ((int)(sizeof models / sizeof models[0]))

/* Index of a model id (dated or undated), -1 when unknown. */
int
oa_model_find(const char *id)
{
	int	 i;

	for (i = 0; id != NULL && i < NMODELS; i++)
		if (strcmp(models[i].id, id) == 0 ||
		    (models[i].alias && strcmp(models[i].alias, id) == 0))
			return i;
	return -1;
}

const char *
oa_model_name(int m)
{
	return models[m].id;
}

int
oa_model_reasoning(int m)
{
	return models[m].reasoning;
}

const long *
oa_model_price(int m)
{
	return models[m].price;
}

int
oa_model_count(void)
{
	return NMODELS;
}

static json_t *
model_json(const char *id)
{
	return json_pack("{s:s, s:s, s:i, s:s}", "id", id, "object", "model",
	    "created", 1744316542, "owned_by", "system");
}

/* GET /v1/models (every id, dated and undated) and GET /v1/models/{id}. */
void
oa_models_route(const struct fk_req *q, struct fk_reply *r)
{
	const char *id = q->path + strlen("/v1/models");
	json_t	*data;
	int	 i;

	if (*id == '/' && oa_model_find(id + 1) >= 0)
		fk_reply_json(r, 200, model_json(id + 1));
	else if (*id == '/')
		oa_fail(r, 404, "model_not_found", "model", "The model '%s' does not exist", id + 1);
	else {
		data = json_array();
		for (i = 0; i < NMODELS; i++) {
			json_array_append_new(data, model_json(models[i].id));
			if (models[i].alias != NULL)
				json_array_append_new(data, model_json(models[i].alias));
		}
		fk_reply_json(r, 200, json_pack("{s:s, s:o}", "object", "list", "data", data));
	}
}
