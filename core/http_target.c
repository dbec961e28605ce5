/* http_target.c — where each provider's requests go and how they
 * authenticate: one client, a target per provider (its base URL, key, auth
 * and headers), so one loop talks to every provider (the console follows
 * Anthropic's and OpenAI's batches in one wait). No libcurl here. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/http_int.h"

/* A provider's target: its base URL (default the provider's origin) without
 * a trailing '/' or the provider's base_suffix (OPENAI_BASE_URL's /v1:
 * request paths carry it), its key and auth, its headers (provider.h). */
static void
target_set(struct http_target *t, const struct provider *pv, const char *base,
           const char *key, int bearer)
{
	size_t n, sl = pv->base_suffix != NULL ? strlen(pv->base_suffix) : 0;

	snprintf(t->base_url, sizeof(t->base_url), "%s", base[0] ? base : pv->origin);
	for (n = strlen(t->base_url); n > 0 && t->base_url[n - 1] == '/'; n--)
		t->base_url[n - 1] = '\0';
	if (sl > 0 && n > sl && strcmp(t->base_url + n - sl, pv->base_suffix) == 0)
		t->base_url[n - sl] = '\0';
	snprintf(t->api_key, sizeof(t->api_key), "%s", key);
	t->bearer = pv->bearer || bearer;
	t->version_header = pv->version_header;
	t->rid_header = pv->request_id_header;
	t->key_env = pv->key_env;
}

void
http_targets_init(struct http_targets *ts, const struct config *cfg)
{
	const struct provider *pv;
	int i;

	ts->own = provider_at(cfg->provider) != NULL ? cfg->provider : PROVIDER_ANTHROPIC;
	for (i = 0; (pv = provider_at(i)) != NULL && i < PROVIDER_COUNT; i++) {
		if (i == ts->own)
			target_set(&ts->t[i], pv, cfg->base_url, cfg->api_key,
			    strcasecmp(cfg->auth_style, "bearer") == 0);
		else
			target_set(&ts->t[i], pv, cfg->cred[i].base_url, cfg->cred[i].api_key, 0);
	}
}

const struct http_target *
http_target_of(const struct http_targets *ts, const struct provider *pv)
{
	return &ts->t[pv != NULL && (int)pv->id >= 0 && pv->id < PROVIDER_COUNT ? (int)pv->id :
	    ts->own];
}
