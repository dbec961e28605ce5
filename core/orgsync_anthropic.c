/* orgsync_anthropic.c — Anthropic's organisation reports behind the org ops
 * (api-notes §5): usage_report/messages and cost_report with RFC 3339
 * buckets, uncached input apart from the cache buckets, amounts as decimal
 * strings in cents. The paging is orgsync.c's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/api.h"
#include "core/orgsync.h"

int
orgsync_cents_to_nanos(const char *s, int64_t *nanos)
{
	const int64_t max = INT64_MAX / 10;
	int64_t v = 0;
	int neg = 0, frac = -1, digits = 0, roundup = 0;

	if (s == NULL)
		return -1;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s != '\0'; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return -1;
		digits++;
		if (frac >= 7) {                  /* below a nano-dollar: round once */
			if (frac++ == 7)
				roundup = *s >= '5';
			continue;
		}
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
		if (frac >= 0)
			frac++;
	}
	if (digits == 0)
		return -1;
	for (frac = frac < 0 ? 0 : frac; frac < 7; frac++) {
		if (v > max)
			return -1;
		v *= 10;
	}
	if (v == INT64_MAX && roundup)
		return -1;
	v += roundup;
	*nanos = neg ? -v : v;
	return 0;
}

/* Anthropic's bucket start: starting_at, RFC 3339. */
static int
anthropic_bucket_start(json_t *b, int64_t *start, const char **bad)
{
	const char *s = json_string_value(json_object_get(b, "starting_at"));

	if (s == NULL || api_parse_time(s, start) != 0)
		return *bad = "starting_at: not an RFC 3339 time", -1;
	return 0;
}

static int
anthropic_usage_result(json_t *o, struct org_usage *u, const char **bad)
{
	json_t *cc = json_object_get(o, "cache_creation");

	if (!json_is_object(o))
		return *bad = "", -1;
	if (orgsync_member_int(o, "uncached_input_tokens", 0, &u->tok.input) != 0)
		return *bad = "uncached_input_tokens", -1;
	if (orgsync_member_int(o, "cache_read_input_tokens", 0, &u->tok.cache_read) != 0)
		return *bad = "cache_read_input_tokens", -1;
	if (orgsync_member_int(o, "output_tokens", 0, &u->tok.output) != 0)
		return *bad = "output_tokens", -1;
	if (cc != NULL && !json_is_null(cc) && !json_is_object(cc))
		return *bad = "cache_creation", -1;
	if (orgsync_member_int(cc, "ephemeral_5m_input_tokens", 0, &u->tok.write_5m) != 0)
		return *bad = "cache_creation.ephemeral_5m_input_tokens", -1;
	if (orgsync_member_int(cc, "ephemeral_1h_input_tokens", 0, &u->tok.write_1h) != 0)
		return *bad = "cache_creation.ephemeral_1h_input_tokens", -1;
	if (orgsync_member_str(o, "model", u->model, sizeof(u->model)) != 0)
		return *bad = "model", -1;
	if (orgsync_member_str(o, "api_key_id", u->api_key_id, sizeof(u->api_key_id)) != 0)
		return *bad = "api_key_id", -1;
	if (orgsync_member_str(o, "workspace_id", u->workspace_id, sizeof(u->workspace_id)) != 0)
		return *bad = "workspace_id", -1;
	if (orgsync_member_str(o, "service_tier", u->service_tier, sizeof(u->service_tier)) != 0)
		return *bad = "service_tier", -1;
	return 0;
}

static int
anthropic_cost_result(json_t *o, struct org_cost *c, const char **bad)
{
	const char *amount = json_string_value(json_object_get(o, "amount"));

	if (amount == NULL || orgsync_cents_to_nanos(amount, &c->amount_nanos) != 0 ||
	    c->amount_nanos > ORGSYNC_AMOUNT_MAX || c->amount_nanos < -ORGSYNC_AMOUNT_MAX)
		return *bad = "amount", -1;
	if (orgsync_member_str(o, "currency", c->currency, sizeof(c->currency)) != 0 ||
	    (c->currency[0] != '\0' && strcmp(c->currency, "USD") != 0))
		return *bad = "currency", -1;
	if (orgsync_member_str(o, "description", c->description, sizeof(c->description)) != 0)
		return *bad = "description", -1;
	if (orgsync_member_str(o, "model", c->model, sizeof(c->model)) != 0)
		return *bad = "model", -1;
	if (orgsync_member_str(o, "token_type", c->token_type, sizeof(c->token_type)) != 0)
		return *bad = "token_type", -1;
	if (orgsync_member_str(o, "service_tier", c->service_tier, sizeof(c->service_tier)) != 0)
		return *bad = "service_tier", -1;
	return 0;
}

static void
rfc3339(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Anthropic's usage_report/messages and cost_report (api-notes §5). */
static void
anthropic_page_path(enum orgsync_stage stage, int64_t from, int64_t to, int limit,
                    const char *page, char *path, size_t n)
{
	static const char usage_groups[] = "&group_by%5B%5D=model&group_by%5B%5D=api_key_id"
	    "&group_by%5B%5D=workspace_id&group_by%5B%5D=service_tier";
	char s0[32], s1[32];

	rfc3339(from, s0, sizeof(s0));
	rfc3339(to + 999, s1, sizeof(s1));      /* the bucket holding `to` is included */
	snprintf(path, n, "/v1/organizations/%s?starting_at=%s&ending_at=%s"
	         "&bucket_width=%s%s&limit=%d%s%s",
	         stage == ORGSYNC_COST ? "cost_report" : "usage_report/messages", s0, s1,
	         stage == ORGSYNC_MINUTES ? "1m" : "1d",
	         stage == ORGSYNC_COST ? "&group_by%5B%5D=description" : usage_groups,
	         limit, page[0] ? "&page=" : "", page);
}

const struct provider_org_ops orgsync_anthropic = {
	.page_path = anthropic_page_path,
	.bucket_start = anthropic_bucket_start,
	.usage_result = anthropic_usage_result,
	.cost_result = anthropic_cost_result,
};
