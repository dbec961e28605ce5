/* cli_report_json.c — a report as JSON (`report --json`, the console's
 * export) and the figures every form of it derives the same way. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/num.h"
#include "core/provider.h"
#include "tui/cli.h"

/* A row's provider for JSON: its name, "mixed", or null (no tokens). */
static json_t *
json_provider(int p)
{
	if (p == REPORT_PROVIDER_MIXED)
		return json_string("mixed");
	return provider_at(p) != NULL ? json_string(provider_at(p)->name) : json_null();
}

int64_t
cli_report_saved(const struct savings *s)
{
	return num_sat_add(num_sat_add(s->cache, s->batch), num_sat_add(s->routing, s->compression));
}

double
cli_report_hit(const struct tokens *t)
{
	int64_t tot = usage_total_input(t);

	return tot > 0 ? (double)t->cache_read / (double)tot : 0.0;
}


/* A JSON string of s; bytes that are not valid UTF-8 (a --tag from a
 * latin-1 shell, say) become '?', so no key is ever silently dropped. */
static json_t *
json_str(const char *s)
{
	json_t *j = json_string(s);
	char *c;
	size_t i;

	if (j != NULL || (c = strdup(s)) == NULL)
		return j;
	for (i = 0; c[i] != '\0'; i++)
		if ((unsigned char)c[i] >= 0x80)
			c[i] = '?';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *
json_row(const char *key, const struct report_row *r, int with_key, int with_saved)
{
	json_t *o = json_object();

	if (with_key)
		json_object_set_new(o, key, json_str(r->key));
	json_object_set_new(o, "requests", json_integer(r->requests));
	json_object_set_new(o, "input_tokens", json_integer(r->tok.input));
	json_object_set_new(o, "cache_write_5m_tokens", json_integer(r->tok.write_5m));
	json_object_set_new(o, "cache_write_1h_tokens", json_integer(r->tok.write_1h));
	json_object_set_new(o, "cache_read_tokens", json_integer(r->tok.cache_read));
	json_object_set_new(o, "output_tokens", json_integer(r->tok.output));
	json_object_set_new(o, "cache_hit_ratio", json_real(cli_report_hit(&r->tok)));
	json_object_set_new(o, "cost_usd", json_real(pricing_usd(r->cost_nanos)));
	json_object_set_new(o, "tool_cost_usd", json_real(pricing_usd(r->tool_cost_nanos)));
	json_object_set_new(o, "web_search_requests", json_integer(r->web_search_requests));
	json_object_set_new(o, "code_execution_requests",
	    json_integer(r->code_execution_requests));
	if (strcmp(key, "provider") != 0 || !with_key)
		json_object_set_new(o, "provider", json_provider(r->provider));
	json_object_set_new(o, "reasoning_tokens", json_integer(r->reasoning_tokens));
	if (with_saved) {
		json_object_set_new(o, "saved_by_cache_usd", json_real(pricing_usd(r->saved.cache)));
		json_object_set_new(o, "saved_by_batch_usd", json_real(pricing_usd(r->saved.batch)));
		json_object_set_new(o, "saved_by_routing_usd",
		    json_real(pricing_usd(r->saved.routing)));
		json_object_set_new(o, "saved_by_compression_usd",
		    json_real(pricing_usd(r->saved.compression)));
		json_object_set_new(o, "saved_usd", json_real(pricing_usd(cli_report_saved(&r->saved))));
	}
	return o;
}

json_t *
cli_report_json(const char *key, int savings, const struct report *r)
{
	json_t *root = json_object(), *rows = json_array(), *unp = json_array();
	size_t i;

	for (i = 0; i < r->nrows; i++)
		json_array_append_new(rows, json_row(key, &r->rows[i], 1, savings));
	for (i = 0; i < r->nunpriced; i++)
		json_array_append_new(unp, json_str(r->unpriced[i]));
	json_object_set_new(root, "rows", rows);
	json_object_set_new(root, "totals", json_row(key, &r->totals, 0, 1));
	json_object_set_new(root, "unpriced_models", unp);
	return root;
}
