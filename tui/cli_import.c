/* cli_import.c — `tokentop import`: files → the ledger, resumable, idempotent. */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/codex.h"
#include "core/import.h"
#include "core/openai.h"
#include "core/project.h"
#include "core/provider.h"
#include "core/text.h"
#include "tui/alerter.h"
#include "tui/cli.h"
#include "tui/import_sink.h"

#define IMPORT_CACHE_KIB (16 * 1024)   /* a group's dirty pages stay in memory */

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: tokentop import [--format auto|messages|batch-results|claude-code|\n"
	    "                        openai|openai-batch|codex] [--tag T] [--batch-id ID]\n"
	    "                       [--json] [PATH...]\n"
	    "\n"
	    "Read usage into the ledger. PATH is a file, or a directory searched\n"
	    "recursively for *.jsonl. With no PATH, reads the Claude Code transcript\n"
	    "folders (~/.claude/projects, ~/.config/claude/projects, or the folders in\n"
	    "CLAUDE_CONFIG_DIR, comma-separated) and the Codex CLI sessions folder\n"
	    "(${CODEX_HOME:-~/.codex}/sessions, its rollout-*.jsonl files).\n"
	    "\n"
	    "Formats (auto: decided per file from its first line that tells):\n"
	    "  messages       one Messages API response a line; a response has no time,\n"
	    "                 so rows take the import time, marked as such\n"
	    "  batch-results  a Message Batches results file; succeeded lines are batch\n"
	    "                 rows at the batch's end time when the ledger knows the batch\n"
	    "                 (else the import time, marked)\n"
	    "  claude-code    Claude Code transcripts; streaming copies of a response are\n"
	    "                 one row (the largest), sidechain replays are dropped\n"
	    "  openai         one OpenAI Chat Completions or Responses object a line, as an\n"
	    "                 application logs them; rows take their created time; the\n"
	    "                 response id is the dedupe key\n"
	    "  openai-batch   an OpenAI batch output or error file; status 200 bodies are\n"
	    "                 batch rows at the batch rate, the rest errored outcomes\n"
	    "                 (batch id from --batch-id or a batch_ID_output.jsonl name)\n"
	    "  codex          Codex CLI session files: each token_count event's increase of\n"
	    "                 the session's total, with the model of the latest turn_context\n"
	    "                 (a repeated total adds nothing; a session that logged no\n"
	    "                 token_count cannot be priced: its lines count as skipped)\n"
	    "\n"
	    "  --format F     force a format for every file\n"
	    "  --tag T        tag the imported rows\n"
	    "  --batch-id ID  the batch of a results file (default: from a file named\n"
	    "                 msgbatch_*.jsonl, or batch_*_output.jsonl / _error.jsonl)\n"
	    "  --json         print the summary as JSON: files, lines, added, duplicates,\n"
	    "                 replaced, skipped, malformed, stamped_at_import (rows with no\n"
	    "                 time of their own), unpriced_models, unreadable\n"
	    "  -h, --help     this help\n"
	    "\n"
	    "Rows are committed in groups, every 2 s (or 1,000,000 lines), each with the\n"
	    "marks of the lines it holds: a killed import loses at most its last group,\n"
	    "and the next run reads those lines again. TOKENTOP_IMPORT_GROUP_ROWS and\n"
	    "TOKENTOP_IMPORT_GROUP_MS override the group's lines and milliseconds (tests).\n"
	    "\n"
	    "Each file is read from where the last import stopped, so a second run reads\n"
	    "only new lines (a file that shrank, went back in time, or is another file\n"
	    "now: another inode, other first bytes, is read again; rows already in the\n"
	    "ledger are duplicates and change nothing). A line still being written (no\n"
	    "newline yet) is left for the next run. Only regular files are read; each\n"
	    "folder and file once, however many symbolic links lead to it.\n"
	    "\n"
	    "Summary: added = new rows; duplicates = rows already there (replaced: a\n"
	    "larger copy of a streaming response replaced a smaller one); skipped = lines\n"
	    "with no usage (other transcript lines, unbilled batch outcomes, malformed\n"
	    "lines); unpriced_models = models without a price (their tokens are kept).\n"
	    "\n"
	    "A malformed line is reported as FILE:LINE: reason on stderr and skipped; the\n"
	    "good rows are still imported. A file or folder that cannot be read (no\n"
	    "permission, gone, a FIFO or device) is named on stderr and in --json's\n"
	    "unreadable list, and everything else is still imported.\n"
	    "\n"
	    "Exit status: 0 every path and line read fine, 1 some line was malformed,\n"
	    "some path unreadable, or the import failed (the rows committed before a\n"
	    "failure are kept and counted, those rolled back are not), 2 usage error.\n");
}


static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A path as a JSON string: as it is when it is UTF-8, else with the bytes
 * that are not as U+FFFD (JSON cannot hold them). */
static json_t *
path_json(const char *path)
{
	json_t *j = json_string(path);
	char *clean;

	if (j == NULL && (clean = text_sanitize_dup(path, 0)) != NULL) {
		j = json_string(clean);
		free(clean);
	}
	return j;
}

static void
summary(struct imp *m, const struct import_stats *s, int json)
{
	char a[32], d[32], k[32], r[32];
	size_t i;

	if (m->nunpriced > 1)
		qsort(m->unpriced, m->nunpriced, sizeof(char *), cmp_str);
	if (json) {
		json_t *o = json_object(), *u = json_array();

		for (i = 0; i < m->nunpriced; i++)
			json_array_append_new(u, json_string(m->unpriced[i]));
		json_object_set_new(o, "files", json_integer(s->files));
		json_object_set_new(o, "lines", json_integer(s->lines));
		json_object_set_new(o, "added", json_integer(m->added));
		json_object_set_new(o, "duplicates", json_integer(m->duplicates));
		json_object_set_new(o, "replaced", json_integer(m->replaced));
		json_object_set_new(o, "skipped", json_integer(s->skipped));
		json_object_set_new(o, "malformed", json_integer(s->malformed));
		json_object_set_new(o, "stamped_at_import", json_integer(m->stamped));
		json_object_set_new(o, "unpriced_models", u);
		u = json_array();
		for (i = 0; i < m->bad.n; i++)
			json_array_append_new(u, path_json(m->bad.path[i]));
		json_object_set_new(o, "unreadable", u);
		cli_json(stdout, o, JSON_PRESERVE_ORDER | JSON_COMPACT);
		json_decref(o);
		return;
	}
	printf("%" PRId64 " file%s, %s line%s: %s added, %s duplicates", s->files,
	    s->files == 1 ? "" : "s", cli_group(s->lines, a, sizeof(a)), s->lines == 1 ? "" : "s",
	    cli_group(m->added, d, sizeof(d)), cli_group(m->duplicates, k, sizeof(k)));
	if (m->replaced > 0)
		printf(" (%s replaced by larger copies)", cli_group(m->replaced, r, sizeof(r)));
	printf(", %s skipped", cli_group(s->skipped, a, sizeof(a)));
	if (s->malformed > 0)
		printf(" (%s malformed)", cli_group(s->malformed, a, sizeof(a)));
	if (m->bad.n > 0)
		printf(", %zu unreadable", m->bad.n);
	printf("\n");
	if (m->stamped > 0)
		printf("%s row%s had no time of their own: stamped with the import time (not "
		    "counted in the console's burn rate)\n", cli_group(m->stamped, a, sizeof(a)),
		    m->stamped == 1 ? "" : "s");
	if (m->nunpriced > 0) {
		printf("unpriced models (tokens kept, no cost):");
		for (i = 0; i < m->nunpriced; i++) {
			putchar(' ');
			cli_put(stdout, m->unpriced[i]);
		}
		printf("\n");
	}
}

/* Options into *o; the PATHs are argv[*first…]. EXIT_OK or EXIT_USAGE. */
static int
parse_args(int argc, char **argv, struct import_opts *o, struct imp *m, int *json, int *first)
{
	int i;
	const char *v;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help(stdout);
			return -1;
		}
		if (strcmp(a, "--json") == 0) {
			*json = 1;
			continue;
		}
		v = strchr(a, '=');
		if (v != NULL)
			v++;
		else if (i + 1 < argc && (strcmp(a, "--format") == 0 || strcmp(a, "--tag") == 0 ||
		    strcmp(a, "--batch-id") == 0))
			v = argv[++i];
		if (strncmp(a, "--format", 8) == 0 && (a[8] == '\0' || a[8] == '=') && v != NULL) {
			if (import_format_parse(v, &o->format) != 0)
				return cli_usage_error("import", "unknown format '%s'", v);
		} else if (strncmp(a, "--tag", 5) == 0 && (a[5] == '\0' || a[5] == '=') && v != NULL) {
			m->tag = v;
		} else if (strncmp(a, "--batch-id", 10) == 0 && (a[10] == '\0' || a[10] == '=') &&
		    v != NULL && v[0] != '\0') {
			m->batch_flag = v;
		} else {
			return cli_usage_error("import", "unknown option or missing value: %s", a);
		}
	}
	*first = i;
	return EXIT_OK;
}

/* files += more, each with format f into fmts (both grown; more's strings
 * taken, its array freed). keep: only names starting with it. 0 or -1. */
static int
add_files(char ***files, enum import_format **fmts, size_t *n, char **more,
          enum import_format f, const char *keep)
{
	size_t k, add = 0;
	char **nf, *base;
	enum import_format *nm;

	for (k = 0; more[k] != NULL; k++)
		;
	nf = realloc(*files, (*n + k + 1) * sizeof(*nf));
	nm = nf != NULL ? realloc(*fmts, (*n + k + 1) * sizeof(*nm)) : NULL;
	if (nf != NULL)
		*files = nf;
	if (nm == NULL) {
		import_files_free(more);
		return -1;
	}
	*fmts = nm;
	for (k = 0; more[k] != NULL; k++) {
		base = strrchr(more[k], '/');
		base = base != NULL ? base + 1 : more[k];
		if (keep != NULL && strncmp(base, keep, strlen(keep)) != 0) {
			free(more[k]);
			continue;
		}
		nf[*n + add] = more[k];
		nm[*n + add++] = f;
	}
	*n += add;
	nf[*n] = NULL;
	free(more);
	return 0;
}

/*
 * The default folders' files: the Claude Code transcripts (claude-code) and
 * the Codex sessions folder's rollout-*.jsonl (codex), or the forced format
 * for both; paths that cannot be read go to bad. *files (NULL-terminated)
 * and *fmts the caller frees; EXIT_OK, or an exit status after saying why.
 */
static int
default_files(enum import_format forced, char ***files, enum import_format **fmts,
              struct import_unreadable *bad)
{
	char **dirs, **found, codex[4096], err[1024];
	size_t n = 0, k;
	int rc;

	*files = NULL;
	*fmts = NULL;
	if ((dirs = import_default_dirs()) == NULL)
		return cli_fail("import", "out of memory");
	for (k = 0; dirs[k] != NULL; k++)
		;
	rc = k > 0 ? import_collect((const char *const *)dirs, k, &found, bad, err, sizeof(err)) : 0;
	import_files_free(dirs);
	if (rc != 0)
		return cli_fail("import", "%s", err);
	if (k > 0 && add_files(files, fmts, &n, found, forced != IMPORT_AUTO ? forced :
	    IMPORT_CLAUDE_CODE, NULL) != 0)
		return cli_fail("import", "out of memory");
	if (codex_default_dir(codex, sizeof(codex)) == 0) {
		const char *one = codex;

		if (import_collect(&one, 1, &found, bad, err, sizeof(err)) != 0)
			return cli_fail("import", "%s", err);
		if (add_files(files, fmts, &n, found, forced != IMPORT_AUTO ? forced : IMPORT_CODEX,
		    "rollout-") != 0)
			return cli_fail("import", "out of memory");
		k++;
	}
	if (k == 0)
		return cli_fail("import", "no Claude Code transcript folders (~/.claude/projects, "
		    "~/.config/claude/projects, CLAUDE_CONFIG_DIR) and no Codex sessions folder "
		    "(${CODEX_HOME:-~/.codex}/sessions) found; give a PATH");
	if (*files == NULL && (*files = calloc(1, sizeof(char *))) == NULL)
		return cli_fail("import", "out of memory");
	return EXIT_OK;
}

int
cli_import(struct cli *cli, int argc, char **argv)
{
	struct import_opts o = { IMPORT_AUTO, 2000, 0, 0, NULL };
	enum import_format *fmts = NULL;
	struct import_stats s;
	struct imp m;
	struct alerter *al = NULL;
	char **files = NULL, *cut, err[1024];
	int json = 0, first = 1, rc;
	size_t i, j, k;

	memset(&m, 0, sizeof(m));
	memset(&s, 0, sizeof(s));
	m.cli = cli;
	if ((rc = parse_args(argc, argv, &o, &m, &json, &first)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (first >= argc) {
		if ((rc = default_files(o.format, &files, &fmts, &m.bad)) != EXIT_OK) {
			import_files_free(files);
			free(fmts);
			import_unreadable_free(&m.bad);
			return rc;
		}
	} else if (import_collect((const char *const *)argv + first, (size_t)(argc - first),
	    &files, &m.bad, err, sizeof(err)) != 0) {
		return cli_fail("import", "%s", err);
	}
	for (k = 0; k < m.bad.n; k++)
		cli_fail("import", "%s: %s", m.bad.path[k], m.bad.reason[k]);
	if ((rc = cli_open(cli, &m.st, &m.pr)) != EXIT_OK)
		goto out;
	m.now_ms = cli_now_ms();
	if ((m.projects = project_cache_new()) == NULL) {
		rc = cli_fail("import", "out of memory");
		goto out;
	}
	if (store_cache_kib(m.st, IMPORT_CACHE_KIB, err, sizeof(err)) != 0) {
		rc = cli_fail("import", "%s", err);
		goto out;
	}
	m.group_start = imp_mono_ms();
	m.group_max = GROUP_ROWS;
	if (getenv("TOKENTOP_IMPORT_GROUP_ROWS") != NULL &&
	    atoll(getenv("TOKENTOP_IMPORT_GROUP_ROWS")) > 0)
		m.group_max = atoll(getenv("TOKENTOP_IMPORT_GROUP_ROWS"));
	m.group_ms = GROUP_MS;
	if (getenv("TOKENTOP_IMPORT_GROUP_MS") != NULL &&
	    atoll(getenv("TOKENTOP_IMPORT_GROUP_MS")) > 0)
		m.group_ms = atoll(getenv("TOKENTOP_IMPORT_GROUP_MS"));
	if (o.checkpoint_rows > m.group_max)
		o.checkpoint_rows = m.group_max;     /* a group may end mid-file */
	m.ck = ickpt_start(cli->cfg.db_path, m.st);   /* (before our write lock) */
	if (store_begin(m.st, err, sizeof(err)) != 0) {
		rc = cli_fail("import", "%s", err);
		goto out;
	}
	if ((m.marks = imarks_load(m.st, err, sizeof(err))) == NULL) {
		rc = cli_fail("import", "%s", err);
		goto fail;
	}
	m.w = iw_start(&imp_writer_ops, &m);      /* NULL: this thread writes */
	o.pool = import_pool_new(0);         /* NULL: threads per file instead */
	/* one pipeline per run of files of one format (the default folders:
	 * Claude Code's, then Codex's) */
	for (i = 0; files[i] != NULL; i = j) {
		for (j = i + 1; files[j] != NULL && (fmts == NULL || fmts[j] == fmts[i]); j++)
			;
		if (fmts != NULL)
			o.format = fmts[i];
		cut = files[j];
		files[j] = NULL;
		rc = import_files(files + i, &o, &imp_sink, &m, &s, err, sizeof(err));
		files[j] = cut;
		if (rc != 0) {
			iw_stop(m.w);                /* before the store is this thread's */
			m.w = NULL;
			rc = cli_fail("import", "%s%s%s", err, m.err[0] != '\0' ? ": " : "", m.err);
			goto fail;
		}
	}
	rc = iw_stop(m.w);                   /* every row written (or why not) */
	m.w = NULL;
	if (rc != 0) {
		rc = cli_fail("import", "import stopped: %s", m.err);
		goto fail;
	}
	if (store_commit(m.st, err, sizeof(err)) != 0) {   /* (rolled back: not counted) */
		rc = cli_fail("import", "%s", err);
		goto fail;
	}
	ickpt_stop(m.ck, m.st);              /* the last group copied */
	m.ck = NULL;
	imp_fold_counts(&m);
	al = cli_alerter(cli, m.pr, "import", ALERTER_ONESHOT);   /* while the summary is written */
	summary(&m, &s, json);
	rc = s.malformed > 0 || m.bad.n > 0 ? EXIT_RUNTIME : EXIT_OK;
	goto out;
fail:
	store_rollback(m.st);     /* the rows since the last checkpoint: not counted */
	summary(&m, &s, json);
out:
	iw_stop(m.w);                        /* (an early failure: before any item) */
	ickpt_stop(m.ck, m.st);
	alerter_stop(al);
	import_pool_free(o.pool);
	imarks_free(m.marks);
	project_cache_free(m.projects);
	for (k = 0; k < m.nunpriced; k++)
		free(m.unpriced[k]);
	free(m.unpriced);
	import_files_free(files);
	free(fmts);
	import_unreadable_free(&m.bad);
	store_close(m.st);
	pricing_free(m.pr);
	return rc;
}
