/* router.h — model routing: rules (data, from router.json) map a prompt to a
 * tier, each tier to a provider, a model and a default max_tokens; decisions
 * explain themselves. */
#ifndef TOKENTOP_ROUTER_H
#define TOKENTOP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/provider.h"

enum router_tier {
	ROUTER_SIMPLE,
	ROUTER_MEDIUM,
	ROUTER_COMPLEX,
	ROUTER_NTIERS
};

#define ROUTER_MODEL_MAX 96
#define ROUTER_RULE_MAX  160

/* Why a prompt went where it did. Plain value, copy with '='. */
struct router_decision {
	enum router_tier tier;
	char    rule[ROUTER_RULE_MAX];   /* keyword:complex:"analyse", words>500, words<100, default */
	char    model[ROUTER_MODEL_MAX];
	const struct provider *provider; /* the tier's ("provider", anthropic when absent) */
	int64_t max_tokens;              /* the tier's default */
	size_t  words;                   /* words counted in the prompt */
};

struct router;

/*
 * The rules in use: user_path (normally config_dir/router.json) when that
 * file exists, else the shipped path. The user file replaces the shipped one
 * entirely (rules are an ordered list; merging two would be ambiguous).
 * user_path may be NULL. Returns rules the caller frees with router_free, or
 * NULL with "FILE: rules[2].tier: unknown tier \"huge\"" in err.
 */
struct router *router_load(const char *path, const char *user_path, char *err, size_t errlen);

/* router_load with the paths of config c: config_dir/router.json over the
 * shipped router.json found by config_find_data_file. As router_load. */
struct router *router_load_config(const struct config *c, char *err, size_t errlen);

/* Rules from a JSON string (the file's format); name is used in messages. */
struct router *router_parse(const char *json, const char *name, char *err, size_t errlen);

/* Frees the rules; NULL is fine. */
void router_free(struct router *r);

/* Route prompt[0..len) (UTF-8). Fills *d; returns 0, or -1 when out of memory. */
int router_route(const struct router *r, const char *prompt, size_t len,
                 struct router_decision *d);

/* A tier's model, provider and default max_tokens. Borrowed, valid until router_free. */
const char *router_tier_model(const struct router *r, enum router_tier t);
const struct provider *router_tier_provider(const struct router *r, enum router_tier t);
int64_t router_tier_max_tokens(const struct router *r, enum router_tier t);

/* The model routing savings are measured against: configured (non-empty
 * config_baseline) or the complex tier's. Borrowed. */
const char *router_baseline_model(const struct router *r, const char *config_baseline);

/* The file the rules came from, for display. Borrowed. */
const char *router_origin(const struct router *r);

/* "simple"/"medium"/"complex"; and back: 0 with *t set, or -1 if unknown. */
const char *router_tier_name(enum router_tier t);
int router_tier_parse(const char *name, enum router_tier *t);

#endif
