/* gen_transcripts.c — a Claude Code-style transcript tree for `make bench`
 * and the import tests.
 *
 *   gen_transcripts --out DIR [--mb N] [--shape bytes|responses] [--seed S]
 *                   [--days D] [--end YYYY-MM-DD] [--prices FILE]
 *
 * Writes DIR/projects/<project>/<session>.jsonl (api-notes §7) until about N
 * MB (default 400) are written, over D days (default 90) ending the day
 * before --end (default: today, UTC). About 40% of the lines carry no usage
 * (user turns, tool results, summaries, snapshots); each assistant response
 * is written 2–4 times as streaming copies with growing output_tokens, some
 * are replayed with isSidechain, some are copied into the next session of
 * the same project, a few are <synthetic> or API errors, and some Task
 * results carry a "usage" object on a user line. Deterministic for the same
 * arguments.
 *
 * Two shapes of history:
 *   bytes      (default) few large sessions with long text: most bytes are
 *              tool output, ~90 responses per MB, a few dozen files;
 *   responses  many short sessions (~75 KB each, ≥ 4,000 files at 400 MB)
 *              with short text: ~250 responses per MB, what a busy agent's
 *              history looks like.
 *
 * DIR/manifest gets what a correct import must find: `responses` (rows after
 * dedupe), the five token sums, and the figures every report must show:
 *   day YYYY-MM-DD REQ INPUT W5M W1H READ OUTPUT COST_NANOS CACHE_SAVED_NANOS
 *   model ID       (the same nine figures, canonical model id)
 * Days are UTC (run the reports with TZ=UTC). Costs are priced with --prices
 * (default $TOKENTOP_DATADIR/prices.json, else share/prices.json) per UTC day
 * × model × price flags, as the ledger's day rollups price them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/lib/tally.h"
#include "tui/synth.h"

#define OUTBUF   (1 << 20)
#define POOLSIZE (4 << 20)
#define CARRYMAX (48 << 10)

/* Sizes of one shape of history: bytes of the text parts (log-uniform
 * up to these maxima) and of a session. */
struct shape {
	const char *name;
	int64_t     sess_lo, sess_hi;   /* bytes of one session file */
	int         nproj;              /* 0: MB / 8, within 3..60 */
	int64_t     user_hi, tool_hi, stdout_hi, text_hi, cmd_hi, think_hi;
};

static const struct shape shapes[] = {
	{ "bytes", 40000, 12000000, 0, 3000, 30000, 1500, 1500, 400, 3000 },
	{ "responses", 6000, 300000, 12, 400, 1200, 300, 300, 120, 600 },
};

struct out {
	int      fd;
	char    *buf;
	size_t   len;
	uint64_t total;
};

struct project {
	char  name[128];
	char  cwd[128];
	char *carry;           /* final assistant lines of its last session */
	size_t ncarry;
};

struct gen {
	struct synth_rng r;
	const struct shape *sh;
	char    *pool;         /* JSON-escaped text, words separated by spaces */
	size_t   npool;
	char     dir[1024];
	int64_t  start_ms;     /* first day, 00:00 UTC */
	int      days;
	struct project *proj;
	int      nproj;
	/* what an exact import must find */
	uint64_t files, lines, usage_lines, responses, bytes;
	struct tokens sum;
	struct tally *tally;   /* the figures every report must show */
};

static void
die(const char *what)
{
	fprintf(stderr, "gen_transcripts: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
out_flush(struct out *o)
{
	size_t off = 0;
	ssize_t n;

	while (off < o->len) {
		n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		off += (size_t)n;
	}
	o->len = 0;
}

/* Room for n more bytes in the buffer. */
static char *
out_room(struct out *o, size_t n)
{
	if (o->len + n > OUTBUF)
		out_flush(o);
	return o->buf + o->len;
}

static void
out_mem(struct out *o, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = n < OUTBUF / 2 ? n : OUTBUF / 2;

		memcpy(out_room(o, k), p, k);
		o->len += k;
		o->total += k;
		p += k;
		n -= k;
	}
}

static void
out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

/* printf into the buffer; lines' fixed parts are short (< 4 KB). */
__attribute__((format(printf, 2, 3))) static void
out_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p = out_room(o, 4096);

	va_start(ap, fmt);
	n = vsnprintf(p, 4096, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= 4096) {
		fprintf(stderr, "gen_transcripts: line part too long\n");
		exit(1);
	}
	o->len += (size_t)n;
	o->total += (size_t)n;
}

/* ---- text --------------------------------------------------------------- */

/* A slice of about len bytes of the escaped text pool. */
static void
out_text(struct gen *g, struct out *o, size_t len)
{
	size_t start, end;

	synth_slice(&g->r, g->pool, g->npool, len, &start, &end);
	out_mem(o, g->pool + start, end - start);
}

static void
uuid(struct synth_rng *r, char *buf)
{
	uint64_t a = synth_next(r), b = synth_next(r);

	snprintf(buf, 40, "%08llx-%04llx-4%03llx-%04llx-%012llx",
	    (unsigned long long)(a >> 32), (unsigned long long)((a >> 16) & 0xffff),
	    (unsigned long long)(a & 0xfff), (unsigned long long)(0x8000 | (b >> 50)),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

static void
iso(int64_t ms, char *buf)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* ---- one session -------------------------------------------------------- */

struct sess {
	struct gen     *g;
	struct project *p;
	struct out      o;
	char            id[40];
	char            parent[40];
	const char     *version;
	const char     *branch;
	int64_t         ts;
	size_t          model;      /* the session's main model */
	char           *finals;     /* final assistant lines, for the next session */
	size_t          nfinals;
};

static void
line_head(struct sess *s, int sidechain)
{
	out_fmt(&s->o, "{\"parentUuid\":\"%s\",\"isSidechain\":%s,\"userType\":\"external\","
	    "\"cwd\":\"%s\",\"sessionId\":\"%s\",\"version\":\"%s\",\"gitBranch\":\"%s\",",
	    s->parent, sidechain ? "true" : "false", s->p->cwd, s->id, s->version, s->branch);
}

/* uuid and timestamp closing a line; the new uuid becomes the next parent. */
static void
line_tail(struct sess *s, const char *extra)
{
	char u[40], t[32];

	uuid(&s->g->r, u);
	iso(s->ts, t);
	out_fmt(&s->o, "%s\"uuid\":\"%s\",\"timestamp\":\"%s\"}\n", extra, u, t);
	memcpy(s->parent, u, sizeof(u));
	s->g->lines++;
	s->ts += 200 + (int64_t)synth_below(&s->g->r, 9000);
}

static void
user_turn(struct sess *s)
{
	line_head(s, 0);
	out_str(&s->o, "\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"");
	out_text(s->g, &s->o, (size_t)synth_logu(&s->g->r, 20, s->g->sh->user_hi));
	out_str(&s->o, "\"},");
	line_tail(s, "");
}

static void
tool_result(struct sess *s)
{
	struct gen *g = s->g;
	char tid[64];
	size_t len = (size_t)synth_logu(&g->r, 40, g->sh->tool_hi);

	synth_id(&g->r, "toolu_01", 22, tid, sizeof(tid));
	line_head(s, 0);
	out_fmt(&s->o, "\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":"
	    "[{\"tool_use_id\":\"%s\",\"type\":\"tool_result\",\"content\":\"", tid);
	out_text(g, &s->o, len);
	out_str(&s->o, "\",\"is_error\":false}]},");
	if (synth_chance(&g->r, 15)) {
		/* a Task (sub-agent) result: real JSON usage on a user line */
		out_str(&s->o, "\"toolUseResult\":{\"content\":[{\"type\":\"text\",\"text\":\"");
		out_text(g, &s->o, 300);
		out_fmt(&s->o, "\"}],\"totalDurationMs\":%llu,\"totalTokens\":%llu,"
		    "\"totalToolUseCount\":%llu,\"usage\":{\"input_tokens\":%llu,"
		    "\"cache_creation_input_tokens\":%llu,\"cache_read_input_tokens\":%llu,"
		    "\"output_tokens\":%llu,\"service_tier\":\"standard\"}},",
		    (unsigned long long)synth_logu(&g->r, 2000, 400000),
		    (unsigned long long)synth_logu(&g->r, 5000, 200000),
		    (unsigned long long)synth_logu(&g->r, 1, 40),
		    (unsigned long long)synth_logu(&g->r, 1, 50),
		    (unsigned long long)synth_logu(&g->r, 100, 9000),
		    (unsigned long long)synth_logu(&g->r, 5000, 90000),
		    (unsigned long long)synth_logu(&g->r, 100, 4000));
	} else {
		out_str(&s->o, "\"toolUseResult\":{\"stdout\":\"");
		out_text(g, &s->o, len < (size_t)g->sh->stdout_hi ? len : (size_t)g->sh->stdout_hi);
		out_str(&s->o, "\",\"stderr\":\"\",\"interrupted\":false,\"isImage\":false},");
	}
	line_tail(s, "");
}

static void
misc_line(struct sess *s)
{
	struct gen *g = s->g;
	char u[40], t[32];

	uuid(&g->r, u);
	iso(s->ts, t);
	switch (synth_below(&g->r, 3)) {
	case 0:
		out_str(&s->o, "{\"type\":\"summary\",\"summary\":\"");
		out_text(g, &s->o, 60);
		out_fmt(&s->o, "\",\"leafUuid\":\"%s\"}\n", u);
		g->lines++;
		break;
	case 1:
		out_fmt(&s->o, "{\"type\":\"file-history-snapshot\",\"messageId\":\"%s\","
		    "\"snapshot\":{\"messageId\":\"%s\",\"trackedFileBackups\":{},"
		    "\"timestamp\":\"%s\"},\"isSnapshotUpdate\":false}\n", u, u, t);
		g->lines++;
		break;
	default:
		line_head(s, 0);
		out_str(&s->o, "\"type\":\"system\",\"subtype\":\"informational\",\"content\":\"");
		out_text(g, &s->o, 120);
		out_str(&s->o, "\",\"isMeta\":false,\"level\":\"info\",");
		line_tail(s, "");
	}
}

/* One content block of an assistant line. */
static void
content_block(struct sess *s, int kind)
{
	struct gen *g = s->g;
	char tid[64];

	if (kind == 0) {
		out_str(&s->o, "{\"type\":\"text\",\"text\":\"");
		out_text(g, &s->o, (size_t)synth_logu(&g->r, 10, g->sh->text_hi));
		out_str(&s->o, "\"}");
	} else if (kind == 1) {
		synth_id(&g->r, "toolu_01", 22, tid, sizeof(tid));
		out_fmt(&s->o, "{\"type\":\"tool_use\",\"id\":\"%s\",\"name\":\"Bash\","
		    "\"input\":{\"command\":\"", tid);
		out_text(g, &s->o, (size_t)synth_logu(&g->r, 10, g->sh->cmd_hi));
		out_str(&s->o, "\",\"description\":\"");
		out_text(g, &s->o, 40);
		out_str(&s->o, "\"}}");
	} else {
		out_str(&s->o, "{\"type\":\"thinking\",\"thinking\":\"");
		out_text(g, &s->o, (size_t)synth_logu(&g->r, 40, g->sh->think_hi));
		synth_id(&g->r, "", 120, tid, sizeof(tid));
		out_fmt(&s->o, "\",\"signature\":\"%s\"}", tid);
	}
}

/* One response as the ledger must keep it: at ts (its final copy's time). */
static void
tally(struct gen *g, int64_t ts, size_t model, const struct tokens *t)
{
	struct usage u;
	char err[256];

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	usage_strlcpy(u.model, synth_models[model], sizeof(u.model));
	usage_strlcpy(u.source, "import", sizeof(u.source));
	u.tok = *t;
	if (tally_add(g->tally, &u, err, sizeof(err)) != 0) {
		fprintf(stderr, "gen_transcripts: %s\n", err);
		exit(1);
	}
	g->responses++;
	(void)usage_tokens_add(&g->sum, t);   /* generated counts: far from overflow */
}

struct resp {
	char   msg[64], req[64];
	const char *model;
	struct tokens t;
};

static void
assistant_line(struct sess *s, const struct resp *rp, int64_t output, const char *stop,
               int sidechain, int kind)
{
	size_t mark = s->o.len;
	uint64_t mtotal = s->o.total;

	line_head(s, sidechain);
	out_fmt(&s->o, "\"message\":{\"id\":\"%s\",\"type\":\"message\",\"role\":\"assistant\","
	    "\"model\":\"%s\",\"content\":[", rp->msg, rp->model);
	content_block(s, kind);
	out_fmt(&s->o, "],\"stop_reason\":%s,\"stop_sequence\":null,\"usage\":{"
	    "\"input_tokens\":%lld,\"cache_creation_input_tokens\":%lld,"
	    "\"cache_read_input_tokens\":%lld,\"cache_creation\":{"
	    "\"ephemeral_5m_input_tokens\":%lld,\"ephemeral_1h_input_tokens\":%lld},"
	    "\"output_tokens\":%lld,\"service_tier\":\"standard\"}},\"requestId\":\"%s\","
	    "\"type\":\"assistant\",", stop, (long long)rp->t.input,
	    (long long)(rp->t.write_5m + rp->t.write_1h), (long long)rp->t.cache_read,
	    (long long)rp->t.write_5m, (long long)rp->t.write_1h, (long long)output, rp->req);
	line_tail(s, "");
	s->g->usage_lines++;
	/* keep final, non-replayed copies for the next session's resume */
	if (stop[0] != 'n' && !sidechain && s->o.total - mtotal < 8192 &&
	    s->o.len >= mark && s->o.len - mark == s->o.total - mtotal) {
		size_t n = s->o.len - mark;

		if (s->nfinals + n > CARRYMAX)
			s->nfinals = 0;
		memcpy(s->finals + s->nfinals, s->o.buf + mark, n);
		s->nfinals += n;
	}
}

/* One response: 2–4 streaming copies, maybe a sidechain replay. */
static void
response(struct sess *s, int sidechain)
{
	struct gen *g = s->g;
	struct resp rp;
	int copies = 2 + (int)synth_below(&g->r, 3), c;
	size_t model = synth_chance(&g->r, 850) ? s->model : synth_pick_model(&g->r);
	int kind_last = synth_chance(&g->r, 550) ? 1 : 0;

	synth_id(&g->r, "msg_01", 22, rp.msg, sizeof(rp.msg));
	synth_id(&g->r, "req_011C", 20, rp.req, sizeof(rp.req));
	rp.model = synth_models[model];
	synth_tokens(&g->r, model, 1, &rp.t);
	for (c = 0; c < copies; c++) {
		int last = c == copies - 1;
		int64_t out = last ? rp.t.output : 1 + rp.t.output * c / (copies * 2);

		if (last)
			tally(g, s->ts, model, &rp.t);   /* the copy the ledger keeps */
		assistant_line(s, &rp, out, last ? (kind_last ? "\"tool_use\"" : "\"end_turn\"") :
		    "null", sidechain, last ? kind_last : (c == 0 && synth_chance(&g->r, 300) ? 2 : 0));
	}
	if (synth_chance(&g->r, 40))
		assistant_line(s, &rp, rp.t.output, "\"end_turn\"", 1, 0);
}

/* A line that must be skipped: <synthetic> model or an API error message. */
static void
synthetic_line(struct sess *s)
{
	char u[40];

	uuid(&s->g->r, u);
	line_head(s, 0);
	out_fmt(&s->o, "\"message\":{\"id\":\"%s\",\"type\":\"message\",\"role\":\"assistant\","
	    "\"model\":\"<synthetic>\",\"content\":[{\"type\":\"text\",\"text\":"
	    "\"API Error: 529 {\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":"
	    "\\\"overloaded_error\\\",\\\"message\\\":\\\"Overloaded\\\"}}\"}],"
	    "\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"\",\"usage\":{"
	    "\"input_tokens\":0,\"output_tokens\":0,\"cache_creation_input_tokens\":0,"
	    "\"cache_read_input_tokens\":0}},\"type\":\"assistant\",\"isApiErrorMessage\":true,", u);
	line_tail(s, "");
	s->g->usage_lines++;
}

static const char *const versions[] = { "1.0.9", "1.0.44", "1.0.83", "2.0.14", "2.0.37" };
static const char *const branches[] = { "main", "main", "dev", "fix/cache-ttl", "feat/report" };

/* A resumed session starts with a summary and copies of the last one's
 * final lines: duplicates across files that an import must drop. */
static void
carry_in(struct sess *s)
{
	struct project *p = s->p;
	size_t i;

	if (p->ncarry == 0 || !synth_chance(&s->g->r, 300))
		return;
	misc_line(s);
	out_mem(&s->o, p->carry, p->ncarry);
	for (i = 0; i < p->ncarry; i++)
		if (p->carry[i] == '\n') {
			s->g->lines++;
			s->g->usage_lines++;
		}
}

/* Keep the session's last few whole final lines for the project's next one. */
static void
carry_out(struct sess *s)
{
	struct project *p = s->p;
	size_t keep = s->nfinals;
	char *nl;

	if (s->nfinals == 0)
		return;
	if (keep > 6000) {
		nl = memchr(s->finals + s->nfinals - 6000, '\n', 6000);
		keep = nl != NULL ? s->nfinals - (size_t)(nl + 1 - s->finals) : 0;
	}
	free(p->carry);
	if ((p->carry = malloc(keep + 1)) == NULL)
		die("malloc");
	memcpy(p->carry, s->finals + s->nfinals - keep, keep);
	p->ncarry = keep;
}

static void
session(struct gen *g, struct project *p, int64_t day_ms, uint64_t target)
{
	struct sess s;
	char path[2048];
	int k, nresp;

	memset(&s, 0, sizeof(s));
	s.g = g;
	s.p = p;
	s.version = versions[synth_below(&g->r, 5)];
	s.branch = branches[synth_below(&g->r, 5)];
	s.model = synth_pick_model(&g->r);
	s.ts = synth_time_in_day(&g->r, day_ms);
	uuid(&g->r, s.id);
	snprintf(path, sizeof(path), "%s/projects/%s/%s.jsonl", g->dir, p->name, s.id);
	if ((s.o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(path);
	s.o.buf = malloc(OUTBUF);
	s.finals = malloc(CARRYMAX);
	if (s.o.buf == NULL || s.finals == NULL)
		die("malloc");
	carry_in(&s);
	while (s.o.total < target) {
		user_turn(&s);
		nresp = (int)synth_logu(&g->r, 1, 14);
		for (k = 0; k < nresp; k++) {
			response(&s, synth_chance(&g->r, 60));
			tool_result(&s);
			if (synth_chance(&g->r, 250))
				tool_result(&s);
			if (synth_chance(&g->r, 500))
				misc_line(&s);
			if (synth_chance(&g->r, 3))
				synthetic_line(&s);
		}
	}
	out_flush(&s.o);
	close(s.o.fd);
	g->files++;
	g->bytes += s.o.total;
	carry_out(&s);
	free(s.finals);
	free(s.o.buf);
}

/* ---- the tree ----------------------------------------------------------- */

static const char *const projnames[] = { "api", "web", "infra", "billing", "search", "docs",
	"etl", "mobile", "auth", "ledger", "router", "cli", "ml", "bot", "site", "sdk" };

static void
make_projects(struct gen *g, int n)
{
	char path[2048];
	int i;

	g->proj = calloc((size_t)n, sizeof(*g->proj));
	if (g->proj == NULL)
		die("calloc");
	g->nproj = n;
	snprintf(path, sizeof(path), "%s/projects", g->dir);
	if (mkdir(g->dir, 0755) != 0 && errno != EEXIST)
		die(g->dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die(path);
	for (i = 0; i < n; i++) {
		const char *base = projnames[i % 16];

		snprintf(g->proj[i].cwd, sizeof(g->proj[i].cwd), "/home/dev/src/%s-%d", base, i);
		snprintf(g->proj[i].name, sizeof(g->proj[i].name), "-home-dev-src-%s-%d", base, i);
		snprintf(path, sizeof(path), "%s/projects/%s", g->dir, g->proj[i].name);
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			die(path);
	}
}

static int64_t
parse_day(const char *s)
{
	struct tm tm;
	int y, m, d;

	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm) * 1000;
}

static void
write_manifest(struct gen *g)
{
	char path[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest", g->dir);
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	fprintf(f, "shape %s\nfiles %llu\nbytes %llu\nlines %llu\nusage_lines %llu\n"
	    "responses %llu\ninput %lld\nwrite_5m %lld\nwrite_1h %lld\ncache_read %lld\n"
	    "output %lld\n", g->sh->name,
	    (unsigned long long)g->files, (unsigned long long)g->bytes,
	    (unsigned long long)g->lines, (unsigned long long)g->usage_lines,
	    (unsigned long long)g->responses, (long long)g->sum.input,
	    (long long)g->sum.write_5m, (long long)g->sum.write_1h,
	    (long long)g->sum.cache_read, (long long)g->sum.output);
	if (tally_write(g->tally, f) != 0)
		die(path);
	if (fclose(f) != 0)
		die(path);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen_transcripts --out DIR [--mb N] [--shape bytes|responses] "
	    "[--seed S] [--days D] [--end YYYY-MM-DD] [--prices FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct gen g;
	uint64_t target, seed = 1;
	double mb = 400;
	int64_t end_ms = (int64_t)time(NULL) / 86400 * 86400000;
	const char *dd = getenv("TOKENTOP_DATADIR");
	char prices[2048], err[512];
	size_t k;
	int i, np;

	memset(&g, 0, sizeof(g));
	g.days = 90;
	g.sh = &shapes[0];
	snprintf(prices, sizeof(prices), "%s/prices.json", dd != NULL ? dd : "share");
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--out") == 0)
			snprintf(g.dir, sizeof(g.dir), "%s", argv[++i]);
		else if (strcmp(argv[i], "--mb") == 0)
			mb = atof(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--days") == 0)
			g.days = atoi(argv[++i]);
		else if (strcmp(argv[i], "--prices") == 0)
			snprintf(prices, sizeof(prices), "%s", argv[++i]);
		else if (strcmp(argv[i], "--shape") == 0) {
			for (k = 0, i++; k < sizeof(shapes) / sizeof(shapes[0]); k++)
				if (strcmp(argv[i], shapes[k].name) == 0)
					g.sh = &shapes[k];
			if (strcmp(g.sh->name, argv[i]) != 0)
				usage();
		} else if (strcmp(argv[i], "--end") == 0) {
			if ((end_ms = parse_day(argv[++i])) < 0)
				usage();
		} else
			usage();
	}
	if (g.dir[0] == '\0' || mb <= 0 || g.days < 1 || g.days > 100000)
		usage();
	target = (uint64_t)(mb * 1048576.0);
	g.start_ms = end_ms - (int64_t)g.days * 86400000;
	if ((g.tally = tally_new(prices, g.start_ms, g.days, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gen_transcripts: %s\n", err);
		return 1;
	}
	synth_seed(&g.r, seed);
	if ((g.pool = synth_pool(&g.r, POOLSIZE, &g.npool)) == NULL)
		die("malloc");
	np = g.sh->nproj > 0 ? g.sh->nproj : mb / 8 < 3 ? 3 : mb / 8 > 60 ? 60 : (int)(mb / 8);
	make_projects(&g, np);
	while (g.bytes < target) {
		uint64_t left = target - g.bytes;
		uint64_t want = (uint64_t)synth_logu(&g.r, g.sh->sess_lo, g.sh->sess_hi);
		int64_t day = (int64_t)synth_below(&g.r, (uint64_t)g.days);

		session(&g, &g.proj[synth_below(&g.r, (uint64_t)g.nproj)],
		    g.start_ms + day * 86400000, want < left ? want : left);
	}
	write_manifest(&g);
	for (i = 0; i < g.nproj; i++)
		free(g.proj[i].carry);
	free(g.proj);
	free(g.pool);
	tally_free(g.tally);
	return 0;
}
