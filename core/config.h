/* config.h — where things live and what the user configured. */
#ifndef TOKENTOP_CONFIG_H
#define TOKENTOP_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "core/alert.h"
#include "core/provider.h"

#define CONFIG_PATH_MAX 1024

/* One provider's credentials, from its environment (provider.h: key_env,
 * base_env, admin_key_env). Held in memory only. */
struct config_cred {
	char base_url[512];                    /* "" = the provider's origin */
	char api_key[256];
	char admin_key[256];
};

struct budget {
	char    tag[96];          /* "" = all spend */
	int64_t daily_nanos;      /* 0 = none */
	int64_t monthly_nanos;    /* 0 = none */
};

/* `tokentop proxy`'s limits (config "proxy": {...}); 0 = the proxy's default. */
struct config_proxy {
	int64_t max_connections;      /* "max_connections" */
	int64_t max_per_address;      /* "max_per_address" */
	int64_t header_timeout_ms;    /* "header_timeout_seconds" */
	int64_t body_timeout_ms;      /* "body_timeout_seconds" */
	int64_t body_min_rate;        /* "body_min_rate" (bytes per second) */
	int64_t max_buffered_mb;      /* "max_buffered_mb" */
};

/*
 * Settings, from (later wins): built-in defaults, the config file
 * ($XDG_CONFIG_HOME/tokentop/config.json or --config), the environment.
 * The API key is held here in memory only; nothing in tokentop writes it out.
 */
struct config {
	char    db_path[CONFIG_PATH_MAX];      /* --db, TOKENTOP_DB, file "db", XDG default;
	                                          a path, or a postgres(ql):// URI that may
	                                          hold a password: never print it (the
	                                          store shows it masked: store_path) */
	char    data_home[CONFIG_PATH_MAX];    /* $XDG_DATA_HOME/tokentop: the default ledger's
	                                          directory (batch results of a ledger that
	                                          is no file go under it) */
	char    config_dir[CONFIG_PATH_MAX];   /* $XDG_CONFIG_HOME/tokentop */
	char    data_dir[CONFIG_PATH_MAX];     /* shipped data files (prices.json, router.json) */
	char    prices_path[CONFIG_PATH_MAX];  /* shipped prices */
	char    user_prices_path[CONFIG_PATH_MAX]; /* config_dir/prices.json */
	char    base_url[512];                 /* ANTHROPIC_BASE_URL, default https://api.anthropic.com */
	char    api_key[256];                  /* ANTHROPIC_API_KEY; never printed */
	char    admin_key[256];                /* ANTHROPIC_ADMIN_KEY; never printed */
	char    api_version[32];               /* anthropic-version, default 2023-06-01 */
	char    auth_style[16];                /* "x-api-key" (default) or "bearer" */
	int     max_retries;                   /* default 2 */
	int64_t timeout_ms;                    /* default 600000 */
	int64_t connect_timeout_ms;            /* default 5000 */
	char    default_model[96];             /* default claude-sonnet-4-5 */
	char    baseline_model[96];            /* routing savings baseline; "" = complex tier's */
	struct budget budgets[8];
	int     nbudgets;
	char    alert_command[1024];           /* run once per budget crossing; "" = none */
	struct alert_rule alerts[ALERT_MAX_RULES]; /* "alerts": rules, in the file's order */
	int     nalerts;
	char    tz[64];                        /* report time zone; "" = TZ / local */
	char    spool_path[CONFIG_PATH_MAX];   /* rows waiting for the ledger:
	                                          $XDG_STATE_HOME/tokentop/spool.db */
	struct config_proxy proxy;
	int     provider;                      /* enum provider_id the client talks to:
	                                          anthropic, unless config_for_provider */
	struct config_cred cred[PROVIDER_COUNT]; /* every provider's, by id (Anthropic's
	                                          mirror base_url, api_key, admin_key) */
	char    host[256];                     /* this machine's name: file "host", else
	                                          TOKENTOP_HOST, else gethostname() */
	int     metrics_tag_label;             /* "metrics": {"tag_label": true}: the exporter's
	                                          cost and request counters gain a tag label */
	char    warning[CONFIG_PATH_MAX + 128];/* for stderr ("" = none): the file holds a
	                                          key and others may read it */
	int     usage_error;                   /* config_load failed on a malformed rule
	                                          (exit 2, not 1) */
};

/*
 * Fill c from defaults, the file at config_file (NULL = the default path;
 * a missing default file is not an error, a missing named one is), then the
 * environment, then db_override (--db, may be NULL). Returns 0, or -1 with
 * "FILE: field: problem" in err.
 */
int config_load(struct config *c, const char *config_file, const char *db_override,
                char *err, size_t errlen);

/*
 * A config for talking to pv: c with base_url, api_key and admin_key taken
 * from pv's credentials (the base without trailing '/' and pv->base_suffix,
 * its origin when unset), provider = pv->id and, for a provider that only
 * takes Bearer keys, auth "bearer". Anthropic's comes back as c was.
 */
void config_for_provider(const struct config *c, const struct provider *pv, struct config *out);

/* Directory part of the data files: TOKENTOP_DATADIR, next to the executable
 * (../share/tokentop, ../share), then the compiled-in install path. */
/* This machine's name without a config file: TOKENTOP_HOST, else
 * gethostname(), else "localhost"; into out of size n. */
void config_default_host(char *out, size_t n);

int config_find_data_file(const char *name, char *out, size_t n);

/* "sk-ant-…" → "sk-ant-…XXXX" masked form for messages: never the whole key. */
const char *config_mask_key(const char *key, char *buf, size_t n);

/* Make the directories of path (mode 0700). 0 or -1 with errno. */
int config_mkdirs_for(const char *path);

/*
 * Create (or truncate) a file of tokentop's own for writing, mode 0600
 * whatever the umask, and an existing one made 0600 too. Every file
 * tokentop makes goes through here; a path the user names for an export
 * does not (it follows the umask, as cp does). config_create_private: a
 * descriptor (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC), or -1 with errno;
 * config_fopen_private: the same as a stream ("w"), or NULL with errno. The
 * caller closes it.
 */
int config_create_private(const char *path);
FILE *config_fopen_private(const char *path);

/* The API key configured for provider (enum provider_id, its cred[]);
 * "" when none or unknown. Borrowed from c. */
const char *config_provider_key(const struct config *c, int provider);

/* Parse "12.50" / "$12.50" into nanos. 0 or -1. */
int config_parse_usd(const char *s, int64_t *nanos);

#endif
