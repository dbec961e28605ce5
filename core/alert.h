/* alert.h — alert rules (config "alerts": [{"when": …, "to": …}]) and the
 * crossings they raise.
 *
 * A rule says when (budget thresholds, a burn-rate spike, a share of
 * errors through the proxy, a batch that ended, a model without a price)
 * and to whom (a webhook URL, or a command). Evaluation is pure: the
 * figures come from the caller, and what comes out is a list of crossings,
 * each with a key that names it once and for all ("every process raises
 * it, the ledger keeps one"), a text line and its figures as JSON. Nothing
 * here touches SQL, curl or the screen.
 *
 * The webhook URL is a secret (a Slack URL is a bearer token): it lives in
 * struct alert_rule only. Everything said about a target elsewhere — keys,
 * the ledger, messages, the screen — uses its fingerprint (target).
 */
#ifndef TOKENTOP_ALERT_H
#define TOKENTOP_ALERT_H

#include <stddef.h>
#include <stdint.h>

#define ALERT_MAX_RULES   16
#define ALERT_MAX_LEVELS  8          /* thresholds per period */
#define ALERT_TO_MAX      1024
#define ALERT_KEY_MAX     256
#define ALERT_TEXT_MAX    512
#define ALERT_FIELDS_MAX  2048
#define ALERT_TARGET_MAX  32
#define ALERT_BURN_DAYS   7          /* burn_rate compares with the past 7 days */
#define ALERT_ERRORS_MS   300000LL   /* errors: the last five minutes */

enum alert_when { ALERT_BUDGET, ALERT_BURN_RATE, ALERT_ERRORS, ALERT_BATCH, ALERT_UNPRICED };
enum alert_to { ALERT_TO_WEBHOOK, ALERT_TO_COMMAND };

struct alert_rule {
	enum alert_when when;
	/* budget: percent thresholds per period, ascending; tag "" with
	 * has_tag 0 = every budget, else only the budget of that tag */
	int     daily[ALERT_MAX_LEVELS], ndaily;
	int     monthly[ALERT_MAX_LEVELS], nmonthly;
	char    tag[96];
	int     has_tag;
	/* burn_rate: the last hour's $/h above factor_milli/1000 × the mean
	 * of the same hour over the past 7 days, and above floor_nanos per hour */
	int64_t factor_milli;
	int64_t floor_nanos;
	/* errors: 429/5xx share above share_permille, with min_requests at least */
	int64_t share_permille;
	int64_t min_requests;
	/* where it goes */
	enum alert_to to_kind;
	char    to[ALERT_TO_MAX];       /* the URL or the command: never printed or stored */
	int     json;                   /* "format": "json": every figure, structured */
	char    target[ALERT_TARGET_MAX]; /* "webhook#1a2b3c4d" / "command#…": printable */
	char    id[12];                 /* hash of the rule (when + to): prefix of its keys */
};

/* "budget", "burn_rate", "errors", "batch", "unpriced". */
const char *alert_when_name(enum alert_when w);

/*
 * Parse the config's "alerts" array (a jansson json_t *, borrowed) into
 * out[0..*n) (at most max). Errors name the file, the rule and the field:
 * "FILE: alerts[1].when.budget.daily[0]: 150x: expected a percent
 * 1..1000". A webhook URL never appears in an error (a command may). 0, or
 * -1 with err.
 */
struct json_t;
int alert_rules_parse(struct json_t *arr, const char *file, struct alert_rule *out, size_t max,
                      size_t *n, char *err, size_t errlen);

/* A crossing to raise: its identity, what to say, its figures. Plain
 * value. level orders a rule's crossings of one period (the highest of
 * those newly reached is sent, the others are kept as passed). */
struct alert_crossing {
	int     rule;                          /* index in the config */
	int     group;                         /* crossings of one limit share it */
	enum alert_when when;
	char    key[ALERT_KEY_MAX];            /* "ID|budget|daily||2026-12-02|100" */
	char    after[ALERT_KEY_MAX];          /* "" or the key of the episode's previous
	                                          window: when it exists, this is the same
	                                          episode, kept quiet */
	int     level;
	char    text[ALERT_TEXT_MAX];          /* one line for people */
	char    fields[ALERT_FIELDS_MAX];      /* JSON object: every figure */
};

/* A growing list of crossings; alert_list_done frees. */
struct alert_list {
	struct alert_crossing *v;
	size_t n, cap;
	int    groups;                         /* groups handed out so far */
};
void alert_list_done(struct alert_list *l);     /* NULL fine; leaves l zeroed */

/* ---- evaluation: the figures in, crossings out (0, or -1 out of memory) ---- */

struct budget_status;

/* budget: every threshold each limit reached, one group per rule ×
 * limit: the same key prefix, levels ascending. */
int alert_eval_budget(const struct alert_rule *r, int idx, const struct budget_status *s,
                      size_t n, struct alert_list *out);

/* burn_rate at now_ms: hour_nanos the last hour's spend, past[i] the
 * spend of the same hour i + 1 days before. One window per UTC hour. */
int alert_eval_burn(const struct alert_rule *r, int idx, int64_t now_ms, int64_t hour_nanos,
                    const int64_t past[ALERT_BURN_DAYS], struct alert_list *out);

/* errors at now_ms: requests and errors (429, 5xx) through the proxy to
 * provider ("anthropic", "openai", "other"; "" = not known) in the last
 * five minutes. One window per five minutes and provider. */
int alert_eval_errors(const struct alert_rule *r, int idx, int64_t now_ms, const char *provider,
                      int64_t requests, int64_t errors, struct alert_list *out);

/* batch: a batch that ended (counts of its results). */
int alert_eval_batch(const struct alert_rule *r, int idx, const char *id, const char *status,
                     int64_t succeeded, int64_t errored, int64_t expired, int64_t canceled,
                     struct alert_list *out);

/* unpriced: a model without a price seen in the ledger. */
int alert_eval_unpriced(const struct alert_rule *r, int idx, const char *model,
                        struct alert_list *out);

/*
 * The body a webhook gets for an alert: {"text": text} (Slack's incoming
 * webhooks, Mattermost, Discord's /slack) or, with json, {"text", "kind",
 * "key", "created" (RFC 3339), "idempotency_key", ...fields}. The caller
 * frees it (malloc). NULL when out of memory.
 */
#define ALERT_IDEM_MAX 48

/*
 * The alert's idempotency key: "tokentop-" + 16 hex digits of a 64-bit
 * FNV-1a hash of its ledger key + "-" + its creation time (ms). The same on
 * every attempt, from every process and host (the alert is raised once in
 * the ledger), so a receiver that keeps the keys it has seen drops a
 * repeated delivery. Sent as the Idempotency-Key header of a webhook, in a
 * JSON body, and as TOKENTOP_ALERT_IDEMPOTENCY_KEY to a command. Only
 * [a-z0-9-]: safe in a header. Returns buf (n >= ALERT_IDEM_MAX).
 */
char *alert_idempotency_key(const char *key, int64_t created_ms, char *buf, size_t n);

char *alert_body(int json, const char *kind, const char *key, int64_t created_ms,
                 const char *text, const char *fields);

/* Write the target fingerprint of a URL or command ("webhook#1a2b3c4d"). */
void alert_target(enum alert_to kind, const char *to, char *buf, size_t n);

/* Replace every occurrence of secret in buf (in place) by "<target>": an
 * error text from a transport must not carry the URL. */
void alert_scrub(char *buf, const char *secret, const char *target);

#endif
