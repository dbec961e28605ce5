/* pricing.c — the price table (JSON, exact decimal strings) and lookup; dates in
 * pricing_at.c, dollar formatting in pricing_format.c;
 * the cost itself is in pricing_cost.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/pricing_int.h"
#include "core/provider.h"

/* ---- parsing -------------------------------------------------------------- */

/*
 * Parse a non-negative decimal string "12.345" into an integer scaled by
 * 10^scale ("3.75", 6 → 3750000). Digits past `scale` must be zeros: a rate
 * finer than one pico-dollar per token is refused, never rounded. 0 or -1.
 */
static int
parse_decimal(const char *s, int scale, int64_t *out)
{
	int64_t v = 0;
	int frac = -1, digits = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			if (s[1] < '0' || s[1] > '9')
				return -1;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -1;
		if (frac >= 0 && frac >= scale) {
			if (*s != '0')
				return -1;
			continue;
		}
		if (++digits > 15)
			return -1;
		v = v * 10 + (*s - '0');
		if (frac >= 0)
			frac++;
	}
	frac = frac < 0 ? 0 : frac;
	if (digits - frac + scale > 18)     /* the scaled value stays below 10^18 */
		return -1;
	for (; frac < scale; frac++)
		v *= 10;
	*out = v;
	return 0;
}

/* Context for error messages: "FILE: models[3].long.input". */
struct pctx {
	const char *name;
	char       *err;
	size_t      errlen;
};

static int
field_err(struct pctx *c, const char *where, const char *field, const char *why)
{
	snprintf(c->err, c->errlen, "%s: %s%s%s: %s", c->name, where,
	    where[0] != '\0' ? "." : "", field, why);
	return -1;
}

/* A required decimal-string member scaled by 10^scale. */
static int
get_decimal(struct pctx *c, json_t *obj, const char *where, const char *key, int scale,
            int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return field_err(c, where, key, "missing");
	if (!json_is_string(v))
		return field_err(c, where, key, "not a decimal string (write \"3.75\", not 3.75)");
	if (parse_decimal(json_string_value(v), scale, out) != 0) {
		char why[160];

		snprintf(why, sizeof(why), "not a decimal number with at most %d decimals, below"
		    " 10^%d: \"%.40s\"", scale, 18 - scale, json_string_value(v));
		return field_err(c, where, key, why);
	}
	return 0;
}

static int
get_count(struct pctx *c, json_t *obj, const char *where, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return field_err(c, where, key, "missing");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return field_err(c, where, key, "not a non-negative integer");
	*out = json_integer_value(v);
	return 0;
}

/* Refuse keys not in allowed (a typo in a user file must not pass silently). */
static int
check_keys(struct pctx *c, json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		if (key[0] == '_')
			continue;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return field_err(c, where, key, "unknown field");
	}
	return 0;
}

/* The five rates; writes_optional: write_5m and write_1h may be absent and
 * are then the input rate (a provider without a cache-write charge). */
static int
parse_rates(struct pctx *c, json_t *obj, const char *where, int writes_optional,
            struct rates *r)
{
	if (get_decimal(c, obj, where, "input", 6, &r->input) != 0)
		return -1;
	r->write_5m = r->write_1h = r->input;
	if ((!writes_optional || json_object_get(obj, "write_5m") != NULL) &&
	    get_decimal(c, obj, where, "write_5m", 6, &r->write_5m) != 0)
		return -1;
	if ((!writes_optional || json_object_get(obj, "write_1h") != NULL) &&
	    get_decimal(c, obj, where, "write_1h", 6, &r->write_1h) != 0)
		return -1;
	if (get_decimal(c, obj, where, "cache_read", 6, &r->cache_read) != 0 ||
	    get_decimal(c, obj, where, "output", 6, &r->output) != 0)
		return -1;
	return 0;
}

static const char *const model_keys[] = { "id", "aliases", "provider", "input", "write_5m",
	"write_1h", "cache_read", "output", "long", "min_cache_tokens", "fast", "us_geo",
	"priority", "note", "since", NULL };

/* The optional provider member: absent → anthropic. */
static int
get_provider(struct pctx *c, json_t *m, const char *where, int *out)
{
	json_t *v = json_object_get(m, "provider");
	const struct provider *pv;

	*out = PROVIDER_ANTHROPIC;
	if (v == NULL)
		return 0;
	pv = json_is_string(v) && json_string_length(v) > 0 ?
	    provider_by_name(json_string_value(v)) : NULL;
	if (pv == NULL)
		return field_err(c, where, "provider", "not anthropic or openai");
	*out = pv->id;
	return 0;
}
static const char *const long_keys[] = { "threshold", "input", "write_5m", "write_1h",
	"cache_read", "output", NULL };

/* Optional multiplier "6" / "1.1" into per-mille; absent → dflt. */
static int
get_multiplier(struct pctx *c, json_t *obj, const char *where, const char *key, int64_t dflt,
               int64_t *out)
{
	if (json_object_get(obj, key) == NULL) {
		*out = dflt;
		return 0;
	}
	if (get_decimal(c, obj, where, key, 3, out) != 0)
		return -1;
	if (*out == 0)
		return field_err(c, where, key, "must be above 0");
	return 0;
}

/* One models[i] entry into mp and a NULL-terminated alias array (*aliases, owned). */
static int
parse_model(struct pctx *c, json_t *m, size_t i, struct model_price *mp, char ***aliases)
{
	char where[48];
	json_t *v, *a;
	size_t k;

	snprintf(where, sizeof(where), "models[%zu]", i);
	memset(mp, 0, sizeof(*mp));
	*aliases = NULL;
	if (!json_is_object(m))
		return field_err(c, "", where, "not an object");
	if (check_keys(c, m, where, model_keys) != 0)
		return -1;
	v = json_object_get(m, "id");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return field_err(c, where, "id", "missing or not a string");
	if (json_string_length(v) >= sizeof(mp->id))
		return field_err(c, where, "id", "too long");
	usage_strlcpy(mp->id, json_string_value(v), sizeof(mp->id));
	if (get_provider(c, m, where, &mp->provider) != 0 ||
	    parse_rates(c, m, where, mp->provider == PROVIDER_OPENAI, &mp->base) != 0)
		return -1;
	if ((v = json_object_get(m, "long")) != NULL) {
		char lw[64];

		snprintf(lw, sizeof(lw), "%s.long", where);
		if (!json_is_object(v))
			return field_err(c, where, "long", "not an object");
		if (check_keys(c, v, lw, long_keys) != 0 ||
		    get_count(c, v, lw, "threshold", &mp->long_threshold) != 0 ||
		    parse_rates(c, v, lw, mp->provider == PROVIDER_OPENAI, &mp->lng) != 0)
			return -1;
		mp->has_long = 1;
	}
	if (json_object_get(m, "min_cache_tokens") != NULL &&
	    get_count(c, m, where, "min_cache_tokens", &mp->min_cache_tokens) != 0)
		return -1;
	if (get_multiplier(c, m, where, "fast", 0, &mp->fast_permille) != 0 ||
	    get_multiplier(c, m, where, "us_geo", 1000, &mp->us_geo_permille) != 0 ||
	    get_multiplier(c, m, where, "priority", 1000, &mp->priority_permille) != 0)
		return -1;
	if ((v = json_object_get(m, "note")) != NULL && !json_is_string(v))
		return field_err(c, where, "note", "not a string");
	if (pricing_get_since(m, c->name, where, &mp->since_ms, c->err, c->errlen) != 0)
		return -1;

	a = json_object_get(m, "aliases");
	if (a != NULL && !json_is_array(a))
		return field_err(c, where, "aliases", "not an array of strings");
	*aliases = calloc(json_array_size(a) + 1, sizeof(char *));
	if (*aliases == NULL)
		return field_err(c, where, "aliases", "out of memory");
	json_array_foreach(a, k, v) {
		if (!json_is_string(v) || json_string_length(v) == 0) {
			char ak[32];

			snprintf(ak, sizeof(ak), "aliases[%zu]", k);
			return field_err(c, where, ak, "not a non-empty string");
		}
		if (((*aliases)[k] = strdup(json_string_value(v))) == NULL)
			return field_err(c, where, "aliases", "out of memory");
	}
	return 0;
}

static void
free_aliases(char **a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; a[i] != NULL; i++)
		free(a[i]);
	free(a);
}

/* Add or replace (same id and since) one model; takes ownership of aliases. */
static int
put_model(struct pricing *p, const struct model_price *mp, char **aliases)
{
	size_t i;
	void *nm, *na;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->models[i].id, mp->id) == 0 && p->models[i].provider == mp->provider &&
		    p->models[i].since_ms == mp->since_ms) {
			p->models[i] = *mp;
			free_aliases(p->aliases[i]);
			p->aliases[i] = aliases;
			return 0;
		}
	}
	nm = realloc(p->models, (p->n + 1) * sizeof(*p->models));
	if (nm == NULL)
		return -1;
	p->models = nm;
	na = realloc(p->aliases, (p->n + 1) * sizeof(*p->aliases));
	if (na == NULL)
		return -1;
	p->aliases = na;
	p->models[p->n] = *mp;
	p->aliases[p->n] = aliases;
	p->n++;
	return 0;
}

/* Is models[i] (parsed into mp) the same id and date as an earlier entry of
 * the same file? -1 with the error naming the file and the model. */
static int
twice(struct pctx *c, json_t *models, size_t i, const struct model_price *mp)
{
	const struct provider *pv;
	char when[32];
	int64_t since;
	json_t *m;
	size_t j;

	for (j = 0; j < i; j++) {
		m = json_array_get(models, j);
		pv = provider_by_name(json_string_value(json_object_get(m, "provider")));
		if ((int)(pv != NULL ? pv->id : PROVIDER_ANTHROPIC) != mp->provider ||
		    !json_is_string(json_object_get(m, "id")) ||
		    strcmp(json_string_value(json_object_get(m, "id")), mp->id) != 0 ||
		    pricing_get_since(m, c->name, "", &since, c->err, c->errlen) != 0 ||
		    since != mp->since_ms)
			continue;
		pricing_since_text(since, when, sizeof(when));
		snprintf(c->err, c->errlen, "%s: models[%zu]: model %s: %s overlaps models[%zu] (one"
		    " price per model and date)", c->name, i, mp->id, when, j);
		return -1;
	}
	return 0;
}

/* Merge a parsed document into p. need_batch: the batch factor is required. */
static int
merge_doc(struct pricing *p, json_t *root, int need_batch, struct pctx *c)
{
	static const char *const top_keys[] = { "batch_factor", "models", "server_tools", NULL };
	json_t *bf, *models, *m;
	struct model_price mp;
	char **aliases;
	size_t i;

	if (!json_is_object(root))
		return field_err(c, "", "(top level)", "not a JSON object");
	if (check_keys(c, root, "", top_keys) != 0)
		return -1;
	bf = json_object_get(root, "batch_factor");
	if (bf == NULL && need_batch)
		return field_err(c, "", "batch_factor", "missing");
	if (bf != NULL) {
		int64_t num, den;

		if (!json_is_object(bf))
			return field_err(c, "", "batch_factor", "not an object {\"num\":1,\"den\":2}");
		if (get_count(c, bf, "batch_factor", "num", &num) != 0 ||
		    get_count(c, bf, "batch_factor", "den", &den) != 0)
			return -1;
		if (den == 0 || num > den)
			return field_err(c, "", "batch_factor", "need 0 <= num <= den, den > 0");
		p->batch_num = num;
		p->batch_den = den;
	}
	models = json_object_get(root, "models");
	if (models == NULL && need_batch)
		return field_err(c, "", "models", "missing");
	if (models != NULL && !json_is_array(models))
		return field_err(c, "", "models", "not an array");
	json_array_foreach(models, i, m) {
		if (parse_model(c, m, i, &mp, &aliases) != 0 || twice(c, models, i, &mp) != 0) {
			free_aliases(aliases);
			return -1;
		}
		if (put_model(p, &mp, aliases) != 0) {
			free_aliases(aliases);
			return field_err(c, "", "models", "out of memory");
		}
	}
	return pricing_parse_tools(p, json_object_get(root, "server_tools"), c->name, c->err,
	    c->errlen);
}

/* Copy the table's batch factor into every model and order the entries by
 * date (after all merging). 0, or -1 out of memory. */
static int
finish(struct pricing *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		p->models[i].batch_num = p->batch_num;
		p->models[i].batch_den = p->batch_den;
	}
	return pricing_order(p);
}

static struct pricing *
pricing_new(void)
{
	struct pricing *p = calloc(1, sizeof(*p));

	if (p != NULL) {
		p->batch_num = 1;
		p->batch_den = 2;
	}
	return p;
}

struct pricing *
pricing_parse(const char *json, const char *name, char *err, size_t errlen)
{
	struct pctx c = { name, err, errlen };
	struct pricing *p;
	json_error_t je;
	json_t *root;

	root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d: %s", name, je.line, je.text);
		return NULL;
	}
	if ((p = pricing_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
	} else if (merge_doc(p, root, 1, &c) != 0) {
		pricing_free(p);
		p = NULL;
	} else if (finish(p) != 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		pricing_free(p);
		p = NULL;
	} else {
		usage_strlcpy(p->origin, name, sizeof(p->origin));
	}
	json_decref(root);
	return p;
}

/* Load a file into root; *missing = 1 (and -1) when it does not exist. */
static json_t *
load_file(const char *path, int *missing, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	FILE *f;

	*missing = 0;
	if ((f = fopen(path, "r")) == NULL) {
		*missing = errno == ENOENT;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (root == NULL)
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
	return root;
}

struct pricing *
pricing_load(const char *path, const char *user_path, char *err, size_t errlen)
{
	struct pctx c = { path, err, errlen };
	struct pricing *p = NULL;
	json_t *root = NULL;
	int missing;

	if ((root = load_file(path, &missing, err, errlen)) == NULL)
		return NULL;
	if ((p = pricing_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (merge_doc(p, root, 1, &c) != 0)
		goto fail;
	usage_strlcpy(p->origin, path, sizeof(p->origin));
	json_decref(root);
	root = NULL;
	if (finish(p) != 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (user_path == NULL || user_path[0] == '\0')
		return p;
	if ((root = load_file(user_path, &missing, err, errlen)) == NULL) {
		if (missing)
			return p;
		goto fail;
	}
	c.name = user_path;
	if (merge_doc(p, root, 0, &c) != 0)
		goto fail;
	snprintf(p->origin, sizeof(p->origin), "%.1000s+%.1000s", path, user_path);
	if (finish(p) != 0) {
		snprintf(err, errlen, "%s: out of memory", user_path);
		goto fail;
	}
	json_decref(root);
	return p;
fail:
	json_decref(root);
	pricing_free(p);
	return NULL;
}

void
pricing_free(struct pricing *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free_aliases(p->aliases[i]);
	free(p->aliases);
	free(p->models);
	free(p->tools);
	free(p);
}

/* ---- lookup --------------------------------------------------------------- */

/* An entry named model (by id, then by alias); provider < 0: any provider. */
static const struct model_price *
find_exact(const struct pricing *p, int provider, const char *model)
{
	size_t i, k;

	for (i = 0; i < p->n; i++)
		if ((provider < 0 || p->models[i].provider == provider) &&
		    strcmp(p->models[i].id, model) == 0)
			return &p->models[i];
	for (i = 0; i < p->n; i++) {
		if (provider >= 0 && p->models[i].provider != provider)
			continue;
		for (k = 0; p->aliases[i][k] != NULL; k++)
			if (strcmp(p->aliases[i][k], model) == 0)
				return &p->models[i];
	}
	return NULL;
}

/* Does s[0..n) hold digits where pat has '9' and pat's other bytes? */
static int
shaped(const char *s, const char *pat)
{
	for (; *pat != '\0'; s++, pat++)
		if (*pat == '9' ? (*s < '0' || *s > '9') : *s != *pat)
			return 0;
	return 1;
}

static const struct model_price *
find(const struct pricing *p, int provider, const char *model)
{
	/* the date suffixes: claude-sonnet-4-5-20250929, gpt-4.1-2025-04-14 */
	static const char *const dates[] = { "-99999999", "-9999-99-99" };
	const struct model_price *mp;
	char undated[USAGE_MODEL_MAX];
	size_t len, i, k;

	if (p == NULL || model == NULL || model[0] == '\0')
		return NULL;
	if ((mp = find_exact(p, provider, model)) != NULL)
		return mp;
	len = strlen(model);
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		k = strlen(dates[i]);
		if (len <= k || len >= sizeof(undated) || !shaped(model + len - k, dates[i]))
			continue;
		memcpy(undated, model, len - k);
		undated[len - k] = '\0';
		return find_exact(p, provider, undated);
	}
	return NULL;
}

const struct model_price *
pricing_find_for_at(const struct pricing *p, int provider, const char *model, int64_t at_ms)
{
	return pricing_version_at(p, find(p, provider, model), at_ms);
}

const struct model_price *
pricing_find_for(const struct pricing *p, int provider, const char *model)
{
	return pricing_find_for_at(p, provider, model, (int64_t)time(NULL) * 1000);
}

const struct model_price *
pricing_find_at(const struct pricing *p, const char *model, int64_t at_ms)
{
	return pricing_find_for_at(p, -1, model, at_ms);
}

const struct model_price *
pricing_find(const struct pricing *p, const char *model)
{
	return pricing_find_for_at(p, -1, model, (int64_t)time(NULL) * 1000);
}

void
pricing_batch_factor(const struct pricing *p, int64_t *num, int64_t *den)
{
	*num = p->batch_num;
	*den = p->batch_den;
}

size_t
pricing_count(const struct pricing *p)
{
	return p != NULL ? p->n : 0;
}

const struct model_price *
pricing_at(const struct pricing *p, size_t i)
{
	return p != NULL && i < p->n ? &p->models[i] : NULL;
}

const char *const *
pricing_aliases(const struct pricing *p, size_t i)
{
	return p != NULL && i < p->n ? (const char *const *)p->aliases[i] : NULL;
}

const char *
pricing_origin(const struct pricing *p)
{
	return p->origin;
}
