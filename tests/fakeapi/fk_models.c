/* fk_models.c — the models the double knows (api-notes §6) and their cache minimums. */
#include <stdlib.h>
#include <string.h>

#include "fk.h"

struct model {
	const char *id;		/* what responses report (dated when one exists) */
	const char *alias;	/* the other accepted id, or NULL */
	long	min_cache;	/* minimum cacheable prefix, tokens */
};

static struct model models[] = {
	{ "claude-opus-5", NULL, 2048 },
	{ "claude-opus-4-8", NULL, 2048 },
	{ "claude-opus-4-7", NULL, 2048 },
	{ "claude-opus-4-6", NULL, 4096 },
	{ "claude-opus-4-5-20251101", "claude-opus-4-5", 4096 },
	{ "claude-opus-4-1-20250805", "claude-opus-4-1", 1024 },
	{ "claude-opus-4-20250514", "claude-opus-4-0", 1024 },
	{ "claude-sonnet-5", NULL, 1024 },
	{ "claude-sonnet-4-6", NULL, 1024 },
	{ "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 1024 },
	{ "claude-sonnet-4-20250514", "claude-sonnet-4-0", 1024 },
	{ "claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest", 1024 },
	{ "claude-haiku-4-5-20251001", "claude-haiku-4-5", 4096 },
	{ "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest", 2048 },
	{ "claude-3-haiku-20240307", NULL, 2048 },
};
#define NMODELS ((int)(sizeof models / sizeof models[0]))

/* Index of a model id (dated or undated), -1 when unknown. */
int
fk_model_find(const char *id)
{
	int	 i;

	for (i = 0; i < NMODELS; i++)
		if (strcmp(models[i].id, id) == 0 ||
		    (models[i].alias && strcmp(models[i].alias, id) == 0))
			return i;
	return -1;
}

const char *
fk_model_name(int m)
{
	return models[m].id;
}

long
fk_model_min_cache(int m)
{
	return models[m].min_cache;
}

/* --min-cache MODEL=N: overrides a model's minimum (the uncertain Sonnet 4.6 figure). */
int
fk_model_set_min(const char *spec)
{
	const char *eq = strchr(spec, '=');
	char	 id[96];
	char	*end;
	long	 n;
	int	 m;

	if (eq == NULL || (size_t)(eq - spec) >= sizeof id)
		return -1;
	memcpy(id, spec, eq - spec);
	id[eq - spec] = '\0';
	n = strtol(eq + 1, &end, 10);
	if ((m = fk_model_find(id)) < 0 || *end != '\0' || n < 0)
		return -1;
	models[m].min_cache = n;
	return 0;
}
