/* batchres.c — ingest a batch's results line by line: parse each into an
 * outcome for the caller to record, save the raw lines under a temp name
 * and rename the file only when the results are complete. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/batchres.h"
#include "core/config.h"

struct batch_ingest {
	char              batch_id[USAGE_ID_MAX];
	char              tag[USAGE_TAG_MAX];
	int64_t           ts_ms;
	char             *tmp_path;       /* NULL without a dir */
	char             *final_path;
	FILE             *out;
	batch_outcome_fn  fn;
	void             *arg;
	char             *pending;        /* a partial line between feeds */
	size_t            plen, pcap;
	struct batch_ingest_stats st;
	int               finished;
	struct tier      *tiers;          /* custom_id → routing tier, open addressing */
	size_t            ntiers_cap;
	batch_result_fn   parse;          /* the provider's results line reader */
};

struct tier {
	char id[72];
	char tier[16];
};

/* A batch id goes into a file name: refuse anything but [A-Za-z0-9_-]. */
static int
safe_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static void
tier_put(struct batch_ingest *in, const char *id, const char *tier)
{
	size_t j, mask = in->ntiers_cap - 1;

	for (j = hash(id) & mask; in->tiers[j].id[0] != '\0'; j = (j + 1) & mask)
		if (strcmp(in->tiers[j].id, id) == 0)
			break;
	usage_strlcpy(in->tiers[j].id, id, sizeof(in->tiers[j].id));
	usage_strlcpy(in->tiers[j].tier, tier, sizeof(in->tiers[j].tier));
}

static const char *
tier_get(const struct batch_ingest *in, const char *id)
{
	size_t j, mask = in->ntiers_cap - 1;

	if (in->tiers == NULL)
		return NULL;
	for (j = hash(id) & mask; in->tiers[j].id[0] != '\0'; j = (j + 1) & mask)
		if (strcmp(in->tiers[j].id, id) == 0)
			return in->tiers[j].tier;
	return NULL;
}

/* Read <dir>/<id>.tiers when it exists (a missing file: no tiers). */
static int
load_tiers(struct batch_ingest *in, const char *dir, char *err, size_t errlen)
{
	char path[2048], *line = NULL, *tab;
	size_t cap = 0, lines = 0;
	ssize_t got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.tiers", dir, in->batch_id);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &cap, f)) > 0)
		lines++;
	for (in->ntiers_cap = 16; in->ntiers_cap < lines * 2; in->ntiers_cap *= 2)
		;
	if ((in->tiers = calloc(in->ntiers_cap, sizeof(*in->tiers))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rewind(f);
	while ((got = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL || tab == line)
			continue;
		*tab = '\0';
		tier_put(in, line, tab + 1);
	}
	free(line);
	fclose(f);
	return 0;
fail:
	free(line);
	fclose(f);
	return -1;
}

int
batch_tiers_save(const char *dir, const char *batch_id, const char *text, size_t len,
                 char *err, size_t errlen)
{
	char tmp[2048], path[2048];
	FILE *f;

	if (!safe_name(batch_id)) {
		snprintf(err, errlen, "batch id \"%.80s\" is not a plain name", batch_id);
		return -1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.tiers", dir, batch_id);
	snprintf(tmp, sizeof(tmp), "%s.part", path);
	if ((f = config_fopen_private(tmp)) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
open_file(struct batch_ingest *in, const char *dir, char *err, size_t errlen)
{
	size_t n = strlen(dir) + strlen(in->batch_id) + 16;
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((in->tmp_path = malloc(n)) == NULL || (in->final_path = malloc(n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(in->final_path, n, "%s/%s.jsonl", dir, in->batch_id);
	snprintf(in->tmp_path, n, "%s/%s.jsonl.part", dir, in->batch_id);
	/* a .part left by a killed run is simply started over */
	fd = config_create_private(in->tmp_path);
	if (fd < 0 || (in->out = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", in->tmp_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

struct batch_ingest *
batch_ingest_new(const char *batch_id, const char *dir, const char *tag, int64_t ts_ms,
                 batch_outcome_fn fn, void *arg, char *err, size_t errlen)
{
	struct batch_ingest *in;

	if (!safe_name(batch_id) || strlen(batch_id) >= USAGE_ID_MAX) {
		snprintf(err, errlen, "batch id \"%.80s\" is not a plain name", batch_id);
		return NULL;
	}
	if ((in = calloc(1, sizeof(*in))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	usage_strlcpy(in->batch_id, batch_id, sizeof(in->batch_id));
	usage_strlcpy(in->tag, tag != NULL ? tag : "", sizeof(in->tag));
	in->ts_ms = ts_ms;
	in->parse = usage_result_from_obj;
	in->fn = fn;
	in->arg = arg;
	if (dir != NULL && (open_file(in, dir, err, errlen) != 0 ||
	    load_tiers(in, dir, err, errlen) != 0)) {
		batch_ingest_free(in);
		return NULL;
	}
	return in;
}

int
batch_ingest_line(struct batch_ingest *in, const char *line, size_t len, char *err,
                  size_t errlen)
{
	struct usage_result r;
	const char *tier;
	char why[512];
	json_t *root;
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	if (in->out != NULL && (fwrite(line, 1, len, in->out) != len || putc('\n', in->out) == EOF)) {
		snprintf(err, errlen, "%s: %s", in->tmp_path, strerror(errno));
		return -1;
	}
	in->st.lines++;
	memset(&r, 0, sizeof(r));
	if ((root = usage_load_line(line, len, why, sizeof(why))) == NULL) {
		in->st.bad++;
		return 0;
	}
	rc = in->parse(root, &r, why, sizeof(why));
	json_decref(root);
	if (rc != 0) {
		in->st.bad++;
		return 0;
	}
	if (strcmp(r.type, "succeeded") == 0) {
		usage_strlcpy(r.u.batch_id, in->batch_id, sizeof(r.u.batch_id));
		usage_strlcpy(r.u.tag, in->tag, sizeof(r.u.tag));
		usage_strlcpy(r.u.service_tier, "batch", sizeof(r.u.service_tier));
		r.u.ts_ms = in->ts_ms;
		if ((tier = tier_get(in, r.custom_id)) != NULL)
			usage_strlcpy(r.u.tier, tier, sizeof(r.u.tier));
	}
	if (in->fn != NULL && in->fn(in->arg, &r, err, errlen) != 0)
		return -1;
	in->st.recorded++;
	if (strcmp(r.type, "succeeded") == 0)
		in->st.succeeded++;
	else if (strcmp(r.type, "errored") == 0)
		in->st.errored++;
	else if (strcmp(r.type, "canceled") == 0)
		in->st.canceled++;
	else
		in->st.expired++;
	return 0;
}

static int
pending_add(struct batch_ingest *in, const char *data, size_t len)
{
	if (in->plen + len > in->pcap) {
		size_t cap = in->pcap == 0 ? 4096 : in->pcap;
		char *np;

		while (in->plen + len > cap)
			cap *= 2;
		if ((np = realloc(in->pending, cap)) == NULL)
			return -1;
		in->pending = np;
		in->pcap = cap;
	}
	memcpy(in->pending + in->plen, data, len);
	in->plen += len;
	return 0;
}

int
batch_ingest_feed(struct batch_ingest *in, const char *data, size_t len, char *err,
                  size_t errlen)
{
	const char *p = data, *end = data + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		if (in->plen > 0) {
			size_t n;

			if (pending_add(in, p, (size_t)(nl - p)) != 0)
				goto oom;
			n = in->plen;
			in->plen = 0;
			if (batch_ingest_line(in, in->pending, n, err, errlen) != 0)
				return -1;
		} else if (batch_ingest_line(in, p, (size_t)(nl - p), err, errlen) != 0)
			return -1;
		p = nl + 1;
	}
	if (p < end && pending_add(in, p, (size_t)(end - p)) != 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
batch_ingest_file(struct batch_ingest *in, FILE *f, char *err, size_t errlen)
{
	char buf[65536];
	size_t got;

	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		if (batch_ingest_feed(in, buf, got, err, errlen) != 0)
			return -1;
	if (ferror(f)) {
		snprintf(err, errlen, "read: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
batch_ingest_set_parser(struct batch_ingest *in, batch_result_fn parse)
{
	in->parse = parse != NULL ? parse : usage_result_from_obj;
}

void
batch_ingest_stats(const struct batch_ingest *in, struct batch_ingest_stats *st)
{
	*st = in->st;
}

int
batch_ingest_finish(struct batch_ingest *in, char *path, size_t pathlen, char *err,
                    size_t errlen)
{
	size_t n = in->plen;

	if (path != NULL && pathlen > 0)
		path[0] = '\0';
	in->plen = 0;
	if (n > 0 && batch_ingest_line(in, in->pending, n, err, errlen) != 0)
		return -1;
	if (in->out == NULL) {
		in->finished = 1;
		return 0;
	}
	if (fflush(in->out) != 0 || fsync(fileno(in->out)) != 0 || fclose(in->out) != 0) {
		in->out = NULL;
		snprintf(err, errlen, "%s: %s", in->tmp_path, strerror(errno));
		return -1;
	}
	in->out = NULL;
	if (rename(in->tmp_path, in->final_path) != 0) {
		snprintf(err, errlen, "%s: %s", in->final_path, strerror(errno));
		return -1;
	}
	in->finished = 1;
	if (path != NULL)
		usage_strlcpy(path, in->final_path, pathlen);
	return 0;
}

void
batch_ingest_free(struct batch_ingest *in)
{
	if (in == NULL)
		return;
	if (in->out != NULL)
		fclose(in->out);
	if (!in->finished && in->tmp_path != NULL)
		unlink(in->tmp_path);
	free(in->tmp_path);
	free(in->final_path);
	free(in->pending);
	free(in->tiers);
	free(in);
}
