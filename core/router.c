/* router.c — routing rules loaded from JSON, and decisions that say which
 * rule matched. Nothing about tiers, keywords or thresholds is built in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/router.h"
#include "core/text.h"
#include "core/usage.h"

#define MAX_TOKENS_LIMIT 1000000

enum rule_type { RULE_KEYWORDS, RULE_WORDS_OVER, RULE_WORDS_UNDER };

struct keyword {
	char   *norm;        /* normalised: lower-case ASCII, single spaces */
	size_t  len;
	char   *shown;       /* as written in the file, for the explanation */
	int     word_start;  /* must begin a word (ASCII keywords) */
};

struct rule {
	enum rule_type   type;
	enum router_tier tier;
	size_t           words;
	struct keyword  *kw;
	size_t           nkw;
};

struct tier {
	char    model[ROUTER_MODEL_MAX];
	int64_t max_tokens;
	const struct provider *pv;     /* "provider"; anthropic when absent */
};

struct router {
	struct tier      tiers[ROUTER_NTIERS];
	enum router_tier def;
	struct rule     *rules;
	size_t           nrules;
	char             origin[CONFIG_PATH_MAX];
};

static const char *const tier_names[ROUTER_NTIERS] = { "simple", "medium", "complex" };

const char *
router_tier_name(enum router_tier t)
{
	return (unsigned)t < ROUTER_NTIERS ? tier_names[t] : "?";
}

int
router_tier_parse(const char *name, enum router_tier *t)
{
	int i;

	for (i = 0; i < ROUTER_NTIERS; i++)
		if (name != NULL && strcmp(name, tier_names[i]) == 0) {
			*t = (enum router_tier)i;
			return 0;
		}
	return -1;
}

void
router_free(struct router *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++) {
		for (j = 0; j < r->rules[i].nkw; j++) {
			free(r->rules[i].kw[j].norm);
			free(r->rules[i].kw[j].shown);
		}
		free(r->rules[i].kw);
	}
	free(r->rules);
	free(r);
}

/* Every member of obj must be in allowed (NULL-terminated) or start with '_'. */
static int
check_fields(json_t *obj, const char *const *allowed, const char *name, const char *where,
             char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	int i, ok;

	json_object_foreach(obj, key, v) {
		ok = key[0] == '_';
		for (i = 0; !ok && allowed[i] != NULL; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok) {
			snprintf(err, errlen, "%s: %s%s%s: unknown field", name, where,
			    where[0] != '\0' ? "." : "", key);
			return -1;
		}
	}
	return 0;
}

/* A tier name in member key of obj; where names obj in messages. */
static int
get_tier(json_t *obj, const char *key, enum router_tier *t, const char *name,
         const char *where, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	const char *dot = where[0] != '\0' ? "." : "";

	if (v == NULL) {
		snprintf(err, errlen, "%s: %s%s%s: missing", name, where, dot, key);
		return -1;
	}
	if (!json_is_string(v) || router_tier_parse(json_string_value(v), t) != 0) {
		snprintf(err, errlen, "%s: %s%s%s: unknown tier %s%s%s (simple, medium, complex)",
		    name, where, dot, key, json_is_string(v) ? "\"" : "",
		    json_is_string(v) ? json_string_value(v) : "(not a string)",
		    json_is_string(v) ? "\"" : "");
		return -1;
	}
	return 0;
}

static int
parse_tiers(struct router *r, json_t *tiers, const char *name, char *err, size_t errlen)
{
	static const char *const fields[] = { "model", "max_tokens", "provider", NULL };
	static const char *const names[] = { "simple", "medium", "complex", NULL };
	json_t *t, *m, *mt, *pv;
	char where[64];
	int i;

	if (!json_is_object(tiers)) {
		snprintf(err, errlen, "%s: tiers: %s", name,
		    tiers == NULL ? "missing" : "expected an object");
		return -1;
	}
	if (check_fields(tiers, names, name, "tiers", err, errlen) != 0)
		return -1;
	for (i = 0; i < ROUTER_NTIERS; i++) {
		snprintf(where, sizeof(where), "tiers.%s", tier_names[i]);
		t = json_object_get(tiers, tier_names[i]);
		if (!json_is_object(t)) {
			snprintf(err, errlen, "%s: %s: %s", name, where,
			    t == NULL ? "missing" : "expected an object");
			return -1;
		}
		if (check_fields(t, fields, name, where, err, errlen) != 0)
			return -1;
		m = json_object_get(t, "model");
		if (!json_is_string(m) || json_string_length(m) == 0 ||
		    json_string_length(m) >= ROUTER_MODEL_MAX) {
			snprintf(err, errlen, "%s: %s.model: %s", name, where,
			    m == NULL ? "missing" : "expected a model id (a non-empty string)");
			return -1;
		}
		usage_strlcpy(r->tiers[i].model, json_string_value(m), ROUTER_MODEL_MAX);
		mt = json_object_get(t, "max_tokens");
		if (!json_is_integer(mt) || json_integer_value(mt) < 1 ||
		    json_integer_value(mt) > MAX_TOKENS_LIMIT) {
			snprintf(err, errlen, "%s: %s.max_tokens: %s", name, where,
			    mt == NULL ? "missing" : "expected an integer from 1 to 1000000");
			return -1;
		}
		r->tiers[i].max_tokens = json_integer_value(mt);
		pv = json_object_get(t, "provider");
		r->tiers[i].pv = &provider_anthropic;
		if (pv != NULL && (!json_is_string(pv) || json_string_length(pv) == 0 ||
		    (r->tiers[i].pv = provider_by_name(json_string_value(pv))) == NULL)) {
			snprintf(err, errlen, "%s: %s.provider: %s%s%s", name, where,
			    json_is_string(pv) ? "unknown provider \"" : "expected a provider name",
			    json_is_string(pv) ? json_string_value(pv) : "",
			    json_is_string(pv) ? "\" (anthropic or openai)" : " (anthropic or openai)");
			return -1;
		}
	}
	return 0;
}

static int
parse_keywords(struct rule *ru, json_t *list, const char *name, const char *where,
               char *err, size_t errlen)
{
	json_t *v;
	size_t i;
	struct keyword *k;
	const unsigned char *c;

	if (!json_is_array(list) || json_array_size(list) == 0) {
		snprintf(err, errlen, "%s: %s.keywords: %s", name, where,
		    list == NULL ? "missing" : "expected a non-empty array of strings");
		return -1;
	}
	ru->kw = calloc(json_array_size(list), sizeof(*ru->kw));
	if (ru->kw == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	json_array_foreach(list, i, v) {
		k = &ru->kw[ru->nkw];
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s: %s.keywords[%zu]: expected a string", name, where, i);
			return -1;
		}
		k->norm = text_normalize(json_string_value(v), json_string_length(v), 1, &k->len);
		k->shown = strdup(json_string_value(v));
		ru->nkw++;
		if (k->norm == NULL || k->shown == NULL) {
			snprintf(err, errlen, "%s: out of memory", name);
			return -1;
		}
		if (k->len == 0) {
			snprintf(err, errlen, "%s: %s.keywords[%zu]: empty keyword", name, where, i);
			return -1;
		}
		c = (const unsigned char *)k->norm;
		k->word_start = (c[0] >= 'a' && c[0] <= 'z') || (c[0] >= '0' && c[0] <= '9');
	}
	return 0;
}

static int
parse_rule(struct rule *ru, json_t *o, size_t idx, const char *name, char *err, size_t errlen)
{
	static const char *const kw_fields[] = { "type", "tier", "keywords", NULL };
	static const char *const n_fields[] = { "type", "tier", "words", NULL };
	json_t *type, *w;
	const char *ts;
	char where[32];

	snprintf(where, sizeof(where), "rules[%zu]", idx);
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: %s: expected an object", name, where);
		return -1;
	}
	type = json_object_get(o, "type");
	ts = json_is_string(type) ? json_string_value(type) : "";
	if (strcmp(ts, "keywords") == 0)
		ru->type = RULE_KEYWORDS;
	else if (strcmp(ts, "words_over") == 0)
		ru->type = RULE_WORDS_OVER;
	else if (strcmp(ts, "words_under") == 0)
		ru->type = RULE_WORDS_UNDER;
	else {
		snprintf(err, errlen, "%s: %s.type: %s%s%s (keywords, words_over, words_under)",
		    name, where, type == NULL ? "missing" : "unknown rule type \"",
		    type == NULL ? "" : ts, type == NULL ? "" : "\"");
		return -1;
	}
	if (check_fields(o, ru->type == RULE_KEYWORDS ? kw_fields : n_fields, name, where,
	    err, errlen) != 0 || get_tier(o, "tier", &ru->tier, name, where, err, errlen) != 0)
		return -1;
	if (ru->type == RULE_KEYWORDS)
		return parse_keywords(ru, json_object_get(o, "keywords"), name, where, err, errlen);
	w = json_object_get(o, "words");
	if (!json_is_integer(w) || json_integer_value(w) < 0) {
		snprintf(err, errlen, "%s: %s.words: %s", name, where,
		    w == NULL ? "missing" : "expected a non-negative integer");
		return -1;
	}
	ru->words = (size_t)json_integer_value(w);
	return 0;
}

static int
parse_root(struct router *r, json_t *root, const char *name, char *err, size_t errlen)
{
	static const char *const fields[] = { "default_tier", "tiers", "rules", NULL };
	json_t *rules, *v;
	size_t i;

	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: expected a JSON object", name);
		return -1;
	}
	if (check_fields(root, fields, name, "", err, errlen) != 0 ||
	    parse_tiers(r, json_object_get(root, "tiers"), name, err, errlen) != 0)
		return -1;
	r->def = ROUTER_MEDIUM;
	if (json_object_get(root, "default_tier") != NULL &&
	    get_tier(root, "default_tier", &r->def, name, "", err, errlen) != 0)
		return -1;
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules)) {
		snprintf(err, errlen, "%s: rules: %s", name,
		    rules == NULL ? "missing" : "expected an array");
		return -1;
	}
	if (json_array_size(rules) > 0 &&
	    (r->rules = calloc(json_array_size(rules), sizeof(*r->rules))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	json_array_foreach(rules, i, v) {
		r->nrules++;
		if (parse_rule(&r->rules[i], v, i, name, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Rules from a parsed document; NULL with err filled. Does not take root. */
static struct router *
router_from_json(json_t *root, const char *name, char *err, size_t errlen)
{
	struct router *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	if (parse_root(r, root, name, err, errlen) != 0) {
		router_free(r);
		return NULL;
	}
	usage_strlcpy(r->origin, name, sizeof(r->origin));
	return r;
}

struct router *
router_parse(const char *json, const char *name, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	struct router *r;

	root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		return NULL;
	}
	r = router_from_json(root, name, err, errlen);
	json_decref(root);
	return r;
}

struct router *
router_load(const char *path, const char *user_path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	struct router *r;
	const char *use = path;

	if (user_path != NULL && user_path[0] != '\0' && access(user_path, F_OK) == 0)
		use = user_path;
	if (use == NULL || use[0] == '\0') {
		snprintf(err, errlen, "router.json: no rules file found");
		return NULL;
	}
	root = json_load_file(use, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		if (je.line <= 0)
			snprintf(err, errlen, "%s: %s", use, je.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", use, je.line, je.column, je.text);
		return NULL;
	}
	r = router_from_json(root, use, err, errlen);
	json_decref(root);
	return r;
}

struct router *
router_load_config(const struct config *c, char *err, size_t errlen)
{
	char shipped[CONFIG_PATH_MAX], user[CONFIG_PATH_MAX + 16];

	shipped[0] = '\0';
	if (config_find_data_file("router.json", shipped, sizeof(shipped)) != 0)
		shipped[0] = '\0';
	user[0] = '\0';
	if (c != NULL && c->config_dir[0] != '\0')
		snprintf(user, sizeof(user), "%s/router.json", c->config_dir);
	return router_load(shipped, user, err, errlen);
}

/* True when prompt p (normalised) contains keyword k under k's rule. */
static int
keyword_found(const char *p, size_t len, const struct keyword *k)
{
	const char *at = p, *hit;
	unsigned char prev;

	while ((hit = memmem(at, len - (size_t)(at - p), k->norm, k->len)) != NULL) {
		if (!k->word_start || hit == p)
			return 1;
		prev = (unsigned char)hit[-1];
		if (!((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9') ||
		    (prev >= 'A' && prev <= 'Z')))
			return 1;
		at = hit + 1;
	}
	return 0;
}

/* Does rule ru match? Fills the explanation into d->rule when it does. */
static int
rule_matches(const struct rule *ru, const char *norm, size_t nlen, size_t words,
             struct router_decision *d)
{
	size_t i;

	switch (ru->type) {
	case RULE_WORDS_OVER:
		if (words <= ru->words)
			return 0;
		snprintf(d->rule, sizeof(d->rule), "words>%zu", ru->words);
		return 1;
	case RULE_WORDS_UNDER:
		if (words >= ru->words)
			return 0;
		snprintf(d->rule, sizeof(d->rule), "words<%zu", ru->words);
		return 1;
	case RULE_KEYWORDS:
		for (i = 0; i < ru->nkw; i++)
			if (keyword_found(norm, nlen, &ru->kw[i])) {
				snprintf(d->rule, sizeof(d->rule), "keyword:%s:\"%s\"",
				    tier_names[ru->tier], ru->kw[i].shown);
				return 1;
			}
		return 0;
	}
	return 0;
}

int
router_route(const struct router *r, const char *prompt, size_t len,
             struct router_decision *d)
{
	char *norm;
	size_t nlen, i;

	memset(d, 0, sizeof(*d));
	norm = text_normalize(prompt, len, 1, &nlen);
	if (norm == NULL)
		return -1;
	d->words = text_count_words(norm, nlen);
	d->tier = r->def;
	snprintf(d->rule, sizeof(d->rule), "default");
	for (i = 0; i < r->nrules; i++)
		if (rule_matches(&r->rules[i], norm, nlen, d->words, d)) {
			d->tier = r->rules[i].tier;
			break;
		}
	free(norm);
	usage_strlcpy(d->model, r->tiers[d->tier].model, sizeof(d->model));
	d->max_tokens = r->tiers[d->tier].max_tokens;
	d->provider = r->tiers[d->tier].pv;
	return 0;
}

const char *
router_tier_model(const struct router *r, enum router_tier t)
{
	return (unsigned)t < ROUTER_NTIERS ? r->tiers[t].model : NULL;
}

const struct provider *
router_tier_provider(const struct router *r, enum router_tier t)
{
	return (unsigned)t < ROUTER_NTIERS ? r->tiers[t].pv : NULL;
}

int64_t
router_tier_max_tokens(const struct router *r, enum router_tier t)
{
	return (unsigned)t < ROUTER_NTIERS ? r->tiers[t].max_tokens : 0;
}

const char *
router_baseline_model(const struct router *r, const char *config_baseline)
{
	if (config_baseline != NULL && config_baseline[0] != '\0')
		return config_baseline;
	return r->tiers[ROUTER_COMPLEX].model;
}

const char *
router_origin(const struct router *r)
{
	return r->origin;
}
