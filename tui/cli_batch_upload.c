/* cli_batch_upload.c — a batch whose requests go up as a file first
 * (OpenAI: /v1/files, then /v1/batches), created exactly once:
 *   - the intent (data/intents.c) is stored BEFORE the upload, with a random
 *     token; the uploaded file is named tokentop-<token>.jsonl and the create
 *     carries the token in the batch's metadata;
 *   - the create goes without the client's automatic retries; after an
 *     ambiguous failure (no answer, a timeout, a 5xx) the batch list is read
 *     and the batch whose metadata holds the token is adopted — exactly,
 *     not by time and size as Anthropic's (batch_adopt.h); only when none
 *     holds it is the create sent again;
 *   - the batch row and the intent's status change in one transaction;
 *   - an intent left pending by a crash is reconciled at the next start the
 *     same way; one that made no batch is abandoned, and the files uploaded
 *     for it (found by name) are deleted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/batch_adopt.h"
#include "core/config.h"
#include "core/openai_batch.h"
#include "tui/cli_batch.h"

/* A random token for an intent: "tt" and 16 hex digits. */
static int
new_token(char *buf, size_t n)
{
	unsigned char r[8];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(buf, n, "tt");
	for (i = 0; i < sizeof(r); i++)
		snprintf(buf + 2 + 2 * i, n - 2 - 2 * i, "%02x", r[i]);
	return 0;
}

static void
upload_name(const char *token, char *buf, size_t n)
{
	snprintf(buf, n, "tokentop-%s.jsonl", token);
}

/* ---- the part's file ------------------------------------------------------- */

static int
write_line(void *arg, const struct batch_req *r)
{
	FILE *f = arg;

	return fwrite(r->json, 1, r->json_len, f) != r->json_len || putc('\n', f) == EOF;
}

/* The part's requests as JSONL in dir/upload-<token>.jsonl (0600). 0 with
 * path, or -1 after printing why. */
static int
write_part(const char *dir, const char *token, const char *input, const struct batch_part *part,
           const struct batch_opts *o, char *path, size_t n)
{
	char err[1024];
	FILE *f;
	int rc;

	if (config_mkdirs_for(dir) != 0 || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
		cli_fail(CMD, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, n, "%s/upload-%s.jsonl", dir, token);
	if ((f = config_fopen_private(path)) == NULL) {
		cli_fail(CMD, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = batch_part_each(input, part, o, write_line, f, err, sizeof(err));
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		cli_fail(CMD, "%s", err);
		unlink(path);
	}
	return rc;
}

/* ---- adoption -------------------------------------------------------------- */

/* The batch of list whose metadata holds token, or NULL. */
static const struct api_batch *
find_token(const struct api_batch *list, size_t n, const char *token)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (token[0] != '\0' && strcmp(list[i].intent, token) == 0)
			return &list[i];
	return NULL;
}

/* Files uploaded for an intent that its batch (keep; NULL: none) does not
 * use: deleted. A failure is only a warning: the file costs storage, not
 * money. */
static void
sweep(struct http_multi *m, const struct batch_intent *in, const char *keep, FILE *out)
{
	struct http_error he;
	char name[80], e[600];
	int n = 0;

	upload_name(in->token, name, sizeof(name));
	if (openai_files_delete_named(m, name, keep, &n, &he) != 0)
		cli_line(out, "tokentop batch: %s: uploaded file not deleted: %s", name,
		    api_error_string(&he, e, sizeof(e)));
}

/* Adopt b for in (batch row + intent created, one transaction). 1 adopted,
 * 0 taken already (another process recorded it), -1 error (msg). */
static int
adopt(struct store *st, const struct batch_intent *in, const struct api_batch *b, char *msg,
      size_t msglen)
{
	struct batch_rec r;
	char err[512];
	int taken = 0;

	memset(&r, 0, sizeof(r));
	cli_batch_rec_from_api(&r, b);
	if (store_intent_created(st, in->id, &r, 1, &taken, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "%s: %s", b->id, err);
		return -1;
	}
	return !taken;
}

/* ---- the create -------------------------------------------------------------- */

/* The hooks of the create loop (cli_batch_send_create): adoption by token. */
struct up_ctx {
	struct http_multi         *m;
	struct store              *st;
	const struct batch_client *c;
	const struct batch_intent *in;
};

/* After an ambiguous failure: 1 = the batch exists and is adopted (*b),
 * 0 = no batch holds the token (send again), -1 = cannot tell (stop). */
static int
up_lookup(void *arg, const char *why, struct api_batch *b)
{
	struct up_ctx *u = arg;
	struct api_batch *list = NULL;
	const struct api_batch *hit;
	struct http_error he;
	char msg[1024], e[600];
	size_t n = 0;
	int rc;

	cli_warn("batch", "create: %s; looking for the batch in the API's list", why);
	if (batch_client_list_since(u->c, u->m, batch_adopt_since(u->in->created_ms), &list, &n,
	    &he) != 0) {
		cli_fail(CMD, "listing batches: %s; the create may have gone through, so it is "
		    "not sent again (tokentop batch reconcile checks again)",
		    api_error_string(&he, e, sizeof(e)));
		return -1;
	}
	if ((hit = find_token(list, n, u->in->token)) == NULL) {
		free(list);
		return 0;
	}
	*b = *hit;
	free(list);
	if ((rc = adopt(u->st, u->in, b, msg, sizeof(msg))) < 0) {
		cli_fail(CMD, "batch %s was created but could not be recorded: %s", b->id, msg);
		return -1;
	}
	cli_warn("batch", "found %s (its metadata holds this create's token): the create had "
	    "gone through; recorded it, not sent again", b->id);
	return 1;
}

/* The create made no batch: the intent is abandoned and its upload deleted. */
static void
up_abandon(void *arg)
{
	struct up_ctx *u = arg;
	char err[256];

	if (store_intent_abandon(u->st, u->in->id, err, sizeof(err)) != 0)
		cli_warn("batch", "%s", err);
	else
		sweep(u->m, u->in, NULL, stderr);
}

int
cli_batch_create_uploaded(struct cli *cli, struct http_multi *m, struct store *st,
                          const struct batch_client *c, struct batch_intent *in,
                          const char *input, const struct batch_part *part,
                          const struct batch_opts *o, const char *endpoint,
                          struct api_batch *b)
{
	static const struct cli_create_hooks hooks = { up_lookup, up_abandon };
	char dir[CONFIG_PATH_MAX + 16], path[CONFIG_PATH_MAX + 64], name[80], fid[USAGE_ID_MAX];
	char why[700], *body;
	struct http_error he;
	struct up_ctx u;
	json_t *j;
	int rc;

	if (new_token(in->token, sizeof(in->token)) != 0) {
		cli_fail(CMD, "/dev/urandom: %s; nothing was sent", strerror(errno));
		return -1;
	}
	usage_strlcpy(in->provider, c->pv->name, sizeof(in->provider));
	if (cli_batch_intent_begin(st, in) != 0)
		return -1;
	cli_batch_results_dir(cli, dir, sizeof(dir));
	if (write_part(dir, in->token, input, part, o, path, sizeof(path)) != 0) {
		store_intent_abandon(st, in->id, why, sizeof(why));
		return -1;
	}
	upload_name(in->token, name, sizeof(name));
	rc = openai_file_upload(m, path, name, fid, &he);
	unlink(path);
	if (rc != 0) {
		cli_fail(CMD, "upload: %s", api_error_string(&he, why, sizeof(why)));
		if (store_intent_abandon(st, in->id, why, sizeof(why)) == 0)
			sweep(m, in, NULL, stderr);     /* an upload that went through unanswered */
		return -1;
	}
	if ((j = openai_batch_create_body(fid, endpoint, in->token)) == NULL ||
	    (body = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		cli_fail(CMD, "out of memory");
		return -1;
	}
	json_decref(j);
	in->created_ms = cli_now_ms();      /* the list is read from the create's send on */
	u.m = m;
	u.st = st;
	u.c = c;
	u.in = in;
	rc = cli_batch_send_create(cli, m, c, body, strlen(body), &hooks, &u, b);
	free(body);
	return rc <= 0 ? rc : cli_batch_record_created(st, in, b);
}

/* ---- reconciling at start ---------------------------------------------------- */

/* "q.jsonl" of an intent's input file. */
static const char *
base_of(const struct batch_intent *in)
{
	const char *b = strrchr(in->input_file, '/');

	return b != NULL ? b + 1 : in->input_file;
}

/* One due intent, against the listed batches. Its local copy of the part
 * (left by a process killed before the upload ended) goes in any case. */
static void
reconcile_one(struct http_multi *m, struct store *st, const char *dir,
              const struct batch_intent *in, const struct api_batch *list, size_t nl,
              FILE *out)
{
	const struct api_batch *hit;
	char msg[1024], err[600], when[40], path[CONFIG_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/upload-%s.jsonl", dir, in->token);
	if (in->token[0] != '\0')
		unlink(path);
	cli_batch_fmt_time(in->created_ms, when, sizeof(when));
	if ((hit = find_token(list, nl, in->token)) != NULL) {
		switch (adopt(st, in, hit, msg, sizeof(msg))) {
		case 1:
			cli_line(out, "tokentop batch: %s part %d: adopted %s — its create (sent %s) "
			    "had gone through but was never recorded", base_of(in), in->part,
			    hit->id, when);
			sweep(m, in, hit->input_file_id, out);
			break;
		case 0:
			break;          /* another tokentop recorded it meanwhile */
		default:
			cli_line(out, "tokentop batch: %s", msg);
		}
	} else if (cli_now_ms() - in->created_ms < BATCH_ADOPT_STALE_MS) {
		/* a create the dying process had sent may still be carried out */
		cli_line(out, "tokentop batch: %s part %d: the create sent %s has no batch yet; "
		    "looked for again at the next start", base_of(in), in->part, when);
	} else if (store_intent_abandon(st, in->id, err, sizeof(err)) != 0) {
		cli_line(out, "tokentop batch: %s", err);
	} else {
		sweep(m, in, NULL, out);
		cli_line(out, "tokentop batch: %s part %d: the create sent %s made no batch; marked "
		    "abandoned, its uploaded file deleted", base_of(in), in->part, when);
	}
}

void
cli_batch_reconcile_uploaded(struct http_multi *m, struct store *st, const char *dir,
                             const struct batch_client *c, const struct batch_intent *v,
                             size_t n, FILE *out)
{
	struct api_batch *list = NULL;
	struct http_error he;
	int64_t since = INT64_MAX;
	char err[600];
	size_t i, nl = 0, mine = 0;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].provider, c->pv->name) == 0) {
			mine++;
			if (batch_adopt_since(v[i].created_ms) < since)
				since = batch_adopt_since(v[i].created_ms);
		}
	if (mine == 0)
		return;
	if (!http_multi_has_key(m, (int)c->pv->id)) {
		cli_line(out, "tokentop batch: %zu %s batch create%s not confirmed; set %s to look "
		    "for %s", mine, c->pv->label, mine == 1 ? " is" : "s are", c->pv->key_env,
		    mine == 1 ? "it" : "them");
		return;
	}
	if (batch_client_list_since(c, m, since, &list, &nl, &he) != 0) {
		cli_line(out, "tokentop batch: %zu %s batch create%s not confirmed; could not list "
		    "batches: %s", mine, c->pv->label, mine == 1 ? " is" : "s are",
		    api_error_string(&he, err, sizeof(err)));
		return;
	}
	for (i = 0; i < n; i++)
		if (strcmp(v[i].provider, c->pv->name) == 0)
			reconcile_one(m, st, dir, &v[i], list, nl, out);
	free(list);
}
