/* openai_org.c — OpenAI's organisation reports behind the org ops
 * (api-notes §8): /v1/organization/usage/completions (Unix-second buckets,
 * input INCLUDING the cached tokens) and /v1/organization/costs (dollars as
 * a JSON number, one result per line item). The paging is orgsync.c's. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/openai.h"
#include "core/orgsync.h"

#define SECONDS_MAX 253402300799LL      /* 9999-12-31T23:59:59Z */

int
openai_usd_to_nanos(double usd, int64_t *nanos)
{
	char buf[64], *dot, *end;
	long long whole, frac;
	int neg = usd < 0;

	if (!isfinite(usd) || fabs(usd) > (double)(ORGSYNC_AMOUNT_MAX / 1000000000LL))
		return -1;
	/* the double's own decimal digits, rounded once at the nano-dollar */
	snprintf(buf, sizeof(buf), "%.9f", fabs(usd));
	if ((dot = strchr(buf, '.')) == NULL)
		return -1;
	*dot = '\0';
	whole = strtoll(buf, &end, 10);
	if (*end != '\0')
		return -1;
	frac = strtoll(dot + 1, &end, 10);
	if (*end != '\0' || strlen(dot + 1) != 9)
		return -1;
	*nanos = (int64_t)whole * 1000000000LL + (int64_t)frac;
	if (*nanos > ORGSYNC_AMOUNT_MAX)
		return -1;
	if (neg)
		*nanos = -*nanos;
	return 0;
}

static void
page_path(enum orgsync_stage stage, int64_t from, int64_t to, int limit, const char *page,
          char *path, size_t n)
{
	static const char groups[] = "&group_by=model&group_by=project_id&group_by=api_key_id"
	    "&group_by=batch&group_by=service_tier";
	long long s0 = from / 1000, s1 = (to + 999) / 1000;   /* the bucket holding `to` too */

	snprintf(path, n, "/v1/organization/%s?start_time=%lld&end_time=%lld&bucket_width=%s%s"
	    "&limit=%d%s%s", stage == ORGSYNC_COST ? "costs" : "usage/completions", s0, s1,
	    stage == ORGSYNC_MINUTES ? "1m" : "1d",
	    stage == ORGSYNC_COST ? "&group_by=line_item" : groups, limit,
	    page[0] ? "&page=" : "", page);
}

static int
bucket_start(json_t *b, int64_t *ms, const char **bad)
{
	json_t *v = json_object_get(b, "start_time");

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > SECONDS_MAX)
		return *bad = "start_time: not a Unix time", -1;
	*ms = (int64_t)json_integer_value(v) * 1000;
	return 0;
}

/* input_tokens INCLUDE input_cached_tokens (api-notes §8): the record's
 * input is the uncached part. A batch row is service tier "batch" (priced
 * at the batch factor). */
static int
usage_result(json_t *o, struct org_usage *u, const char **bad)
{
	int64_t input, cached;
	json_t *batch = json_object_get(o, "batch");

	if (orgsync_member_int(o, "input_tokens", 1, &input) != 0)
		return *bad = "input_tokens", -1;
	if (orgsync_member_int(o, "input_cached_tokens", 0, &cached) != 0 || cached > input)
		return *bad = "input_cached_tokens", -1;
	if (orgsync_member_int(o, "output_tokens", 1, &u->tok.output) != 0)
		return *bad = "output_tokens", -1;
	u->tok.input = input - cached;
	u->tok.cache_read = cached;
	if (orgsync_member_str(o, "model", u->model, sizeof(u->model)) != 0)
		return *bad = "model", -1;
	if (orgsync_member_str(o, "api_key_id", u->api_key_id, sizeof(u->api_key_id)) != 0)
		return *bad = "api_key_id", -1;
	if (orgsync_member_str(o, "project_id", u->workspace_id, sizeof(u->workspace_id)) != 0)
		return *bad = "project_id", -1;
	if (orgsync_member_str(o, "service_tier", u->service_tier, sizeof(u->service_tier)) != 0)
		return *bad = "service_tier", -1;
	if (batch != NULL && !json_is_null(batch) && !json_is_boolean(batch))
		return *bad = "batch", -1;
	if (json_is_true(batch))
		usage_strlcpy(u->service_tier, "batch", sizeof(u->service_tier));
	return 0;
}

/* "batch | gpt-4.1-2025-04-14, cached input" → tier batch, model
 * gpt-4.1-2025-04-14, token type "cached input"; a line item of another
 * shape keeps its whole text as the description only. */
static void
line_item_parts(struct org_cost *c)
{
	const char *s = c->description, *bar = strstr(s, " | "), *comma;
	size_t n;

	if (bar != NULL && (size_t)(bar - s) < sizeof(c->service_tier)) {
		memcpy(c->service_tier, s, (size_t)(bar - s));
		c->service_tier[bar - s] = '\0';
		s = bar + 3;
	}
	if ((comma = strstr(s, ", ")) == NULL)
		return;
	n = (size_t)(comma - s);
	if (n >= sizeof(c->model))
		return;
	memcpy(c->model, s, n);
	c->model[n] = '\0';
	usage_strlcpy(c->token_type, comma + 2, sizeof(c->token_type));
}

static int
cost_result(json_t *o, struct org_cost *c, const char **bad)
{
	json_t *amount = json_object_get(o, "amount"), *v = json_object_get(amount, "value");
	const char *cur = json_string_value(json_object_get(amount, "currency"));

	if (!json_is_object(amount))
		return *bad = "amount", -1;
	if (!json_is_number(v) || openai_usd_to_nanos(json_number_value(v), &c->amount_nanos) != 0)
		return *bad = "amount.value", -1;
	if (cur == NULL || strcasecmp(cur, "usd") != 0)
		return *bad = "amount.currency", -1;
	usage_strlcpy(c->currency, "USD", sizeof(c->currency));
	if (orgsync_member_str(o, "line_item", c->description, sizeof(c->description)) != 0)
		return *bad = "line_item", -1;
	line_item_parts(c);
	return 0;
}

const struct provider_org_ops orgsync_openai = {
	.page_path = page_path,
	.bucket_start = bucket_start,
	.usage_result = usage_result,
	.cost_result = cost_result,
};
