/* fk_openai_files.c — OpenAI's /v1/files: multipart upload (libmicrohttpd's post
 * processor), retrieve, list, content download (with line-wise faults) and delete.
 * Batch output and error files live here too (purpose batch_output). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

static struct oa_file **files;		/* creation order; guarded by fk.lock */
static size_t nfiles;

/* Adds a file that owns data (malloc'd). Lock held. NULL when out of memory (data freed). */
struct oa_file *
oa_file_add(char *data, size_t len, const char *name, const char *purpose)
{
	struct oa_file *f = calloc(1, sizeof *f), **nf;

	if (f == NULL || (nf = realloc(files, (nfiles + 1) * sizeof *nf)) == NULL) {
		free(f);
		free(data);
		return NULL;
	}
	fk_id("file-", f->id, sizeof f->id);
	snprintf(f->filename, sizeof f->filename, "%s", name);
	snprintf(f->purpose, sizeof f->purpose, "%s", purpose);
	f->data = data;
	f->len = len;
	f->created = oa_unix(fk_now());
	f->refs = 1;
	(files = nf)[nfiles++] = f;
	return f;
}

struct oa_file *
oa_file_find(const char *id)
{
	size_t	 i;

	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i]->id, id) == 0)
			return files[i];
	return NULL;
}

void
oa_file_unref(struct oa_file *f)
{
	if (f == NULL || --f->refs > 0)
		return;
	free(f->data);
	free(f);
}

static json_t *
file_json(const struct oa_file *f)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:n, s:s, s:s, s:s, s:n}", "id", f->id,
	    "object", "file", "bytes", (json_int_t)f->len, "created_at",
	    (json_int_t)f->created, "expires_at", "filename", f->filename,
	    "purpose", f->purpose, "status", "processed", "status_details");
}

/* ---- upload ---- */

struct upload {
	char	*data;
	size_t	 len, cap;
	char	 filename[256];
	char	 purpose[32];
	int	 has_file, oom;
};

static enum MHD_Result
upload_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *ctype, const char *enc, const char *data, uint64_t off, size_t size)
{
	struct upload *u = cls;
	size_t	 n, ncap;
	char	*nd;

	if (strcmp(key, "file") == 0) {
		u->has_file = 1;
		if (filename != NULL)
			snprintf(u->filename, sizeof u->filename, "%s", filename);
		if (u->len + size + 1 > u->cap) {
			for (ncap = u->cap ? u->cap : 65536; ncap < u->len + size + 1; ncap *= 2)
				;
			if ((nd = realloc(u->data, ncap)) == NULL) {
				u->oom = 1;
				return MHD_NO;
			}
			u->data = nd;
			u->cap = ncap;
		}
		memcpy(u->data + u->len, data, size);
		u->len += size;
	} else if (strcmp(key, "purpose") == 0 &&
	    (n = strlen(u->purpose)) + size < sizeof u->purpose) {
		memcpy(u->purpose + n, data, size);
		u->purpose[n + size] = '\0';
	}
	return MHD_YES;
}

static int
purpose_ok(const char *p)
{
	static const char *ok[] = { "assistants", "batch", "fine-tune", "vision", "user_data",
	    "evals", NULL };
	int	 i;

	for (i = 0; ok[i]; i++)
		if (strcmp(ok[i], p) == 0)
			return 1;
	return 0;
}

/* POST /v1/files: multipart/form-data with purpose and file. */
static void
upload(const struct fk_req *q, struct fk_reply *r)
{
	struct upload u;
	struct MHD_PostProcessor *pp;
	struct oa_file *f;
	const char *ct = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "content-type");
	size_t	 n;
	int	 ok;

	memset(&u, 0, sizeof u);
	if (ct == NULL || strncmp(ct, "multipart/form-data", 19) != 0 ||
	    (pp = MHD_create_post_processor(q->conn, 65536, upload_field, &u)) == NULL) {
		oa_fail(r, 400, NULL, NULL, "Invalid Content-Type header (%s), expected "
		    "multipart/form-data.", ct ? ct : "none");
		return;
	}
	ok = MHD_post_process(pp, q->body, q->len) == MHD_YES;
	ok = MHD_destroy_post_processor(pp) == MHD_YES && ok;
	n = strlen(u.filename);
	if (u.oom)
		oa_fail(r, 500, NULL, NULL, "out of memory");
	else if (!ok)
		oa_fail(r, 400, NULL, NULL, "The multipart/form-data body could not be parsed.");
	else if (u.purpose[0] == '\0')
		oa_fail(r, 400, "missing_required_parameter", "purpose", "Missing required "
		    "parameter: 'purpose'.");
	else if (!purpose_ok(u.purpose))
		oa_fail(r, 400, "invalid_value", "purpose", "Invalid value for 'purpose': '%s'. "
		    "Supported values are: 'assistants', 'batch', 'fine-tune', 'vision', "
		    "'user_data' and 'evals'.", u.purpose);
	else if (!u.has_file)
		oa_fail(r, 400, "missing_required_parameter", "file", "Missing required "
		    "parameter: 'file'.");
	else if (strcmp(u.purpose, "batch") == 0 && (n < 6 || strcmp(u.filename + n - 6,
	    ".jsonl") != 0))
		oa_fail(r, 400, NULL, "file", "Invalid file format for Batch API. Must be .jsonl");
	else {
		pthread_mutex_lock(&fk.lock);
		f = oa_file_add(u.data ? u.data : calloc(1, 1), u.len,
		    u.filename[0] ? u.filename : "upload", u.purpose);
		u.data = NULL;
		if (f != NULL)
			fk_reply_json(r, 200, file_json(f));
		else
			oa_fail(r, 500, NULL, NULL, "out of memory");
		pthread_mutex_unlock(&fk.lock);
	}
	free(u.data);
}

/* ---- download ---- */

struct dl {
	struct oa_file *f;	/* a reference */
	size_t	 stop;		/* bytes sent before a cut (mode 1), clean end (mode 2) or
				   a pause (mode 3) */
	int	 mode;
	int	 stall_ms;	/* mode 3: the pause, then the rest */
};

static ssize_t
dl_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct dl *d = cls;
	size_t	 end = d->mode ? d->stop : d->f->len, n;

	if (d->mode == 3 && pos >= d->stop) {
		fk_sleep_ms(d->stall_ms);	/* half the lines are out: pause, then the rest */
		d->mode = 0;
		end = d->f->len;
	}
	if (pos >= end)
		return d->mode == 1 ? MHD_CONTENT_READER_END_WITH_ERROR :
		    MHD_CONTENT_READER_END_OF_STREAM;
	n = end - pos < max ? end - pos : max;
	memcpy(buf, d->f->data + pos, n);
	return (ssize_t)n;
}

static void
dl_free(void *cls)
{
	struct dl *d = cls;

	pthread_mutex_lock(&fk.lock);
	oa_file_unref(d->f);
	pthread_mutex_unlock(&fk.lock);
	free(d);
}

/* Where line k (0-based) starts, or len. */
static size_t
line_start(const char *s, size_t len, size_t k)
{
	size_t	 at = 0;
	const char *nl;

	while (k-- > 0 && at < len && (nl = memchr(s + at, '\n', len - at)) != NULL)
		at = (size_t)(nl - s) + 1;
	return k == (size_t)-1 ? at : len;
}

static size_t
count_lines(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n + (len > 0 && s[len - 1] != '\n');
}

/* The middle line replaced by broken JSON (a malformed fault); malloc'd. */
static char *
broken_copy(const struct oa_file *f, size_t *len)
{
	static const char bad[] = "{\"id\":\"batch_req_broken\",\"custom_id\":\"oo\n";
	size_t	 k = count_lines(f->data, f->len) / 2, a = line_start(f->data, f->len, k);
	size_t	 b = line_start(f->data, f->len, k + 1);
	char	*s = malloc(f->len + sizeof bad);

	if (s == NULL)
		return NULL;
	memcpy(s, f->data, a);
	memcpy(s + a, bad, sizeof bad - 1);
	memcpy(s + a + sizeof bad - 1, f->data + b, f->len - b);
	*len = a + sizeof bad - 1 + f->len - b;
	return s;
}

/* GET /v1/files/{id}/content: the bytes; cut_results/drop stop after half the lines
 * and break the connection, truncate ends cleanly there, malformed breaks the
 * middle line. Lock held. */
static void
content(const struct fk_req *q, struct fk_reply *r, struct oa_file *f)
{
	const struct fk_fault *fl = &q->fault;
	struct dl *d;

	r->status = 200;
	r->ctype = "application/octet-stream";
	if (q->has_fault && fl->malformed) {
		r->body = broken_copy(f, &r->len);
		return;
	}
	if ((d = calloc(1, sizeof *d)) == NULL) {
		oa_fail(r, 500, NULL, NULL, "out of memory");
		return;
	}
	d->f = f;
	f->refs++;
	d->mode = !q->has_fault ? 0 : fl->cut_results || fl->drop ? 1 : fl->truncate ? 2 :
	    fl->stall_ms > 0 ? 3 : 0;
	d->stall_ms = fl->stall_ms;
	d->stop = line_start(f->data, f->len, count_lines(f->data, f->len) / 2);
	r->resp = MHD_create_response_from_callback(d->mode && d->mode != 3 ? MHD_SIZE_UNKNOWN :
	    f->len,
	    64 * 1024, dl_read, d, dl_free);
	if (r->resp == NULL) {
		f->refs--;
		free(d);
		oa_fail(r, 500, NULL, NULL, "out of memory");
	}
}

/* GET /v1/files?purpose=&limit=&order=&after= Lock held. */
static void
list(const struct fk_req *q, struct fk_reply *r)
{
	const char *purpose = oa_arg(q, "purpose"), *lim = oa_arg(q, "limit");
	const char *order = oa_arg(q, "order"), *after = oa_arg(q, "after");
	long	 limit = 10000, i, n = (long)nfiles, k;
	int	 asc = order && strcmp(order, "asc") == 0, started = after == NULL;
	json_t	*data = json_array();
	char	*end;
	struct oa_file *f;

	if ((lim && ((limit = strtol(lim, &end, 10)) < 1 || limit > 10000 || *end)) ||
	    (order && !asc && strcmp(order, "desc") != 0)) {
		json_decref(data);
		oa_fail(r, 400, "invalid_value", lim ? "limit" : "order", "Invalid value: "
		    "limit is 1 to 10000, order asc or desc.");
		return;
	}
	for (k = 0; k < n && (long)json_array_size(data) <= limit; k++) {
		f = files[asc ? k : n - 1 - k];
		if (!started) {
			started = strcmp(f->id, after) == 0;
			continue;
		}
		if (purpose == NULL || strcmp(purpose, f->purpose) == 0)
			json_array_append_new(data, file_json(f));
	}
	i = (long)json_array_size(data) > limit;
	if (i)
		json_array_remove(data, (size_t)limit);
	fk_reply_json(r, 200, json_pack("{s:s, s:o, s:o, s:o, s:b}", "object", "list",
	    "first_id", json_array_size(data) ? json_copy(json_object_get(json_array_get(data,
	    0), "id")) : json_null(), "last_id", json_array_size(data) ?
	    json_copy(json_object_get(json_array_get(data, json_array_size(data) - 1), "id")) :
	    json_null(), "data", data, "has_more", (int)i));
}

/* Everything under /v1/files. */
void
oa_files_route(const struct fk_req *q, struct fk_reply *r)
{
	const char *rest = q->path + strlen("/v1/files");
	char	 id[64];
	size_t	 n, i;
	struct oa_file *f;

	if (*rest == '\0' && strcmp(q->method, "POST") == 0) {
		upload(q, r);
		return;
	}
	pthread_mutex_lock(&fk.lock);
	if (*rest == '\0' && strcmp(q->method, "GET") == 0)
		list(q, r);
	else if (*rest != '/' || (n = strcspn(rest + 1, "/")) == 0 || n >= sizeof id)
		oa_fail(r, 404, NULL, NULL, "Invalid URL (%s %s)", q->method, q->path);
	else {
		memcpy(id, rest + 1, n);
		id[n] = '\0';
		rest += 1 + n;
		if ((f = oa_file_find(id)) == NULL)
			oa_fail(r, 404, NULL, "id", "No such File object: %s", id);
		else if (strcmp(q->method, "GET") == 0 && *rest == '\0')
			fk_reply_json(r, 200, file_json(f));
		else if (strcmp(q->method, "GET") == 0 && strcmp(rest, "/content") == 0)
			content(q, r, f);
		else if (strcmp(q->method, "DELETE") == 0 && *rest == '\0') {
			for (i = 0; files[i] != f; i++)
				;
			memmove(&files[i], &files[i + 1], (nfiles - i - 1) * sizeof *files);
			nfiles--;
			fk_reply_json(r, 200, json_pack("{s:s, s:s, s:b}", "id", id,
			    "object", "file", "deleted", 1));
			oa_file_unref(f);
		} else
			oa_fail(r, 404, NULL, NULL, "Invalid URL (%s %s)", q->method, q->path);
	}
	pthread_mutex_unlock(&fk.lock);
}

/* Drops every file (downloads in progress keep theirs). Lock held. */
void
oa_files_reset(void)
{
	size_t	 i;

	for (i = 0; i < nfiles; i++)
		oa_file_unref(files[i]);
	free(files);
	files = NULL;
	nfiles = 0;
}
