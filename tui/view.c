/* view.c — the console's pure view logic (no curses): see view.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/num.h"
#include "core/pricing.h"
#include "core/text.h"
#include "tui/view.h"

/* ---- UTF-8 -------------------------------------------------------------- */

/* Decode one UTF-8 sequence at s; returns its length (>= 1) and the code
 * point in *cp, or 0xFFFD with length 1 for an invalid byte. */
static size_t
utf8_next(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		c = s[0] & 0x07;
	} else
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates and beyond Unicode are invalid */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xFFFD;
	return 1;
}

static size_t
utf8_put(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

static int
cp_width(uint32_t c)
{
	int w = wcwidth((wchar_t)c);

	if (w >= 0)
		return w;
	return c < 0x20 || c == 0x7F ? 0 : 1;
}

int
view_width(const char *s)
{
	uint32_t c;
	int w = 0;

	while (*s != '\0') {
		s += utf8_next(s, &c);
		w += cp_width(c);
	}
	return w;
}

/* Longest prefix of s that fits in cols columns: its byte length. */
static size_t
prefix_fit(const char *s, int cols)
{
	size_t off = 0, len;
	uint32_t c;
	int w = 0, cw;

	while (s[off] != '\0') {
		len = utf8_next(s + off, &c);
		cw = cp_width(c);
		if (w + cw > cols)
			break;
		w += cw;
		off += len;
	}
	return off;
}

/* Byte offset of the shortest suffix of s that is as wide as possible but
 * fits in cols columns. */
static size_t
suffix_fit(const char *s, int cols)
{
	size_t n = strlen(s), off = n, start;
	uint32_t c;
	int w = 0, cw;

	while (off > 0) {
		start = off - 1;
		while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
			start--;
		utf8_next(s + start, &c);
		cw = cp_width(c);
		if (w + cw > cols)
			break;
		w += cw;
		off = start;
	}
	return off;
}

char *
view_truncate(const char *s, int cols, enum view_trunc how, const char *ell,
              char *out, size_t n)
{
	int ew = view_width(ell), room;
	size_t head, tail;

	if (n == 0)
		return out;
	if (cols <= 0) {
		out[0] = '\0';
		return out;
	}
	if (view_width(s) <= cols) {
		snprintf(out, n, "%s", s);
		return out;
	}
	if (cols <= ew) {
		snprintf(out, n, "%.*s", (int)prefix_fit(s, cols), s);
		return out;
	}
	room = cols - ew;
	if (how == VIEW_TRUNC_END) {
		snprintf(out, n, "%.*s%s", (int)prefix_fit(s, room), s, ell);
		return out;
	}
	/* the end of an id says most; the head takes any column the tail
	 * could not use (a wide character at the edge) */
	tail = suffix_fit(s, room / 2);
	head = prefix_fit(s, room - view_width(s + tail));
	if (tail < head)
		tail = head;
	snprintf(out, n, "%.*s%s%s", (int)head, s, ell, s + tail);
	return out;
}

size_t
view_wrap(const char *s, int cols)
{
	size_t off = 0, len, space = 0;
	uint32_t c;
	int w = 0, cw;

	while (s[off] != '\0' && s[off] != '\n') {
		len = utf8_next(s + off, &c);
		cw = c == '\t' ? 1 : cp_width(c);
		if (w + cw > cols && off > 0)
			return space > 0 ? space : off;
		if (c == ' ')
			space = off;
		w += cw;
		off += len;
	}
	return off;
}

char *
view_model_name(const char *model, int cols, const char *ell, char *out, size_t n)
{
	static const char *const vendors[] = { "claude-", "anthropic/", "anthropic.", NULL };
	size_t i, len;

	if (view_width(model) > cols)
		for (i = 0; vendors[i] != NULL; i++) {
			len = strlen(vendors[i]);
			if (strncmp(model, vendors[i], len) == 0 && model[len] != '\0') {
				model += len;
				break;
			}
		}
	return view_truncate(model, cols, VIEW_TRUNC_END, ell, out, n);
}

char *
view_fit_number(const char *s, int cols, char *out, size_t n)
{
	int i;

	if (view_width(s) <= cols) {
		snprintf(out, n, "%s", s);
		return out;
	}
	for (i = 0; i < cols && (size_t)i + 1 < n; i++)
		out[i] = '#';
	out[i < 0 ? 0 : i] = '\0';
	return out;
}

/* ---- numbers ------------------------------------------------------------ */

char *
view_fmt_count(int64_t v, char *buf, size_t n)
{
	char tmp[32], res[48];
	int len, i, o = 0, neg = v < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)u);
	if (neg)
		res[o++] = '-';
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			res[o++] = ',';
		res[o++] = tmp[i];
	}
	res[o] = '\0';
	snprintf(buf, n, "%s", res);
	return buf;
}

char *
view_fmt_tokens(int64_t v, char *buf, size_t n)
{
	int64_t tenths;

	if (v < 1000) {
		snprintf(buf, n, "%lld", (long long)v);
	} else if (v < 999500) {
		snprintf(buf, n, "%lldk", (long long)((v + 500) / 1000));
	} else if (v < 999950000LL) {
		tenths = (v + 50000) / 100000;
		snprintf(buf, n, "%lld.%lldM", (long long)(tenths / 10), (long long)(tenths % 10));
	} else {
		tenths = num_sat_add(v, 50000000) / 100000000;
		snprintf(buf, n, "%lld.%lldG", (long long)(tenths / 10), (long long)(tenths % 10));
	}
	return buf;
}

char *
view_fmt_money(int64_t nanos, int whole, char *buf, size_t n)
{
	return pricing_format_money(nanos, whole ? 0 : 2, buf, n);
}

char *
view_fmt_cost(int64_t nanos, int64_t requests, int64_t unpriced, char *buf, size_t n)
{
	return pricing_format_cost(nanos, requests, unpriced, 2, buf, n);
}

char *
view_fmt_pct(int64_t permille, char *buf, size_t n)
{
	snprintf(buf, n, "%lld%%", (long long)(num_sat_add(permille, 5) / 10));
	return buf;
}

char *
view_fmt_elapsed(int64_t ms, char *buf, size_t n)
{
	long long sec = ms < 0 ? 0 : (long long)(ms / 1000);

	if (sec < 60)
		snprintf(buf, n, "%llds", sec);
	else if (sec < 3600)
		snprintf(buf, n, "%lldm%02llds", sec / 60, sec % 60);
	else
		snprintf(buf, n, "%lldh%02lldm", sec / 3600, sec / 60 % 60);
	return buf;
}

/* ---- bars --------------------------------------------------------------- */

int
view_bar_eighths(int64_t v, int64_t max, int cols)
{
	int64_t e, full = (int64_t)cols * 8;

	if (max <= 0 || v <= 0 || cols <= 0)
		return 0;
	if (v >= max)
		return (int)full;
	/* v < max here, so v * full cannot overflow for sane columns unless v
	 * is huge: scale down first */
	while (v > INT64_MAX / (full + 1)) {
		v /= 2;
		max /= 2;
	}
	e = (num_sat_muldiv(v, 2 * full, max) + 1) / 2;     /* rounded, in 128 bits */
	return (int)(e < 1 ? 1 : e);
}

int
view_spark_level(int64_t v, int64_t max)
{
	if (v <= 0 || max <= 0)
		return 0;
	if (v >= max)
		return 8;
	while (v > INT64_MAX / 8) {
		v /= 2;
		max /= 2;
	}
	return 1 + (int)((v * 8 - 1) / max);
}

/* ---- model rows ---------------------------------------------------------- */

static const char *const col_names[VCOL_COUNT] = {
	"model", "reqs", "input", "output", "hit", "cost", "read", "written", "$/req",
};

const char *
view_col_name(enum view_col c)
{
	return c < VCOL_COUNT ? col_names[c] : "?";
}

int
view_col_by_name(const char *name)
{
	int i;

	for (i = 0; i < VCOL_COUNT; i++)
		if (strcmp(col_names[i], name) == 0)
			return i;
	return -1;
}

static enum view_col sort_col;
static int sort_desc;

static int64_t
col_value(const struct view_model_row *r)
{
	switch (sort_col) {
	case VCOL_REQS:   return r->requests;
	case VCOL_INPUT:  return r->input;
	case VCOL_OUTPUT: return r->output;
	case VCOL_HIT:    return r->hit_permille;
	case VCOL_COST:   return r->unpriced >= r->requests && r->unpriced > 0 ? -1 : r->cost_nanos;
	case VCOL_READ:   return r->cache_read;
	case VCOL_WRITE:  return r->cache_write;
	case VCOL_PERREQ:
		return (r->unpriced >= r->requests && r->unpriced > 0) || r->requests <= 0 ? -1 :
		    r->cost_nanos / r->requests;
	default:          return 0;
	}
}

static int
cmp_rows(const void *pa, const void *pb)
{
	const struct view_model_row *a = pa, *b = pb;
	int64_t va, vb;
	int c;

	if (sort_col == VCOL_MODEL) {
		c = strcmp(a->model, b->model);
		return sort_desc ? -c : c;
	}
	va = col_value(a);
	vb = col_value(b);
	if (va != vb) {
		c = va < vb ? -1 : 1;
		return sort_desc ? -c : c;
	}
	return strcmp(a->model, b->model);
}

void
view_sort_models(struct view_model_row *rows, size_t n, enum view_col c, int desc)
{
	sort_col = c;       /* qsort has no user pointer; one thread */
	sort_desc = desc;
	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_rows);
}

int
view_match(const char *hay, const char *needle)
{
	size_t i, nl;

	if (needle == NULL || needle[0] == '\0')
		return 1;
	if (hay == NULL)
		return 0;
	nl = strlen(needle);
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < nl; i++)
			if (tolower((unsigned char)hay[i]) != tolower((unsigned char)needle[i]))
				break;
		if (i == nl)
			return 1;
	}
	return 0;
}

size_t
view_filter_models(struct view_model_row *rows, size_t n, const char *needle)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (view_match(rows[i].model, needle))
			rows[k++] = rows[i];
	return k;
}

/* ---- lists -------------------------------------------------------------- */

int
view_move(int sel, int delta, int n)
{
	int64_t v = (int64_t)sel + delta;

	if (n <= 0 || v < 0)
		return 0;
	return v >= n ? n - 1 : (int)v;
}

int
view_scroll(int sel, int top, int vis, int n)
{
	if (vis < 1)
		vis = 1;
	if (sel >= 0 && sel < top)
		top = sel;
	if (sel >= 0 && sel >= top + vis)
		top = sel - vis + 1;
	if (top > n - vis)
		top = n - vis;
	return top < 0 ? 0 : top;
}

void
view_sum_models(const struct view_model_row *rows, size_t n, struct view_model_row *out)
{
	size_t i;
	int64_t all;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		out->requests = num_sat_add(out->requests, rows[i].requests);
		out->input = num_sat_add(out->input, rows[i].input);
		out->output = num_sat_add(out->output, rows[i].output);
		out->cache_read = num_sat_add(out->cache_read, rows[i].cache_read);
		out->cache_write = num_sat_add(out->cache_write, rows[i].cache_write);
		out->cost_nanos = num_sat_add(out->cost_nanos, rows[i].cost_nanos);
		out->unpriced = num_sat_add(out->unpriced, rows[i].unpriced);
	}
	all = num_sat_add(num_sat_add(out->input, out->cache_write), out->cache_read);
	/* as report_hit_permille: half up */
	out->hit_permille = all <= 0 ? 0 : out->cache_read <= INT64_MAX / 1000 - all ?
	    (out->cache_read * 1000 + all / 2) / all :
	    (int64_t)((long double)out->cache_read * 1000 / all + 0.5L);
}

/* ---- input -------------------------------------------------------------- */

void
view_input_clear(struct view_input *in)
{
	in->len = 0;
	in->buf[0] = '\0';
}

void
view_input_set(struct view_input *in, const char *s)
{
	size_t len = strlen(s);

	if (len >= sizeof(in->buf)) {
		len = sizeof(in->buf) - 1;
		/* never leave half a character */
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(in->buf, s, len);
	in->buf[len] = '\0';
	in->len = len;
}

int
view_input_add(struct view_input *in, uint32_t cp)
{
	char enc[4];
	size_t len;

	if (text_is_unsafe(cp) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	len = utf8_put(cp, enc);
	if (in->len + len >= sizeof(in->buf))
		return -1;
	memcpy(in->buf + in->len, enc, len);
	in->len += len;
	in->buf[in->len] = '\0';
	return 0;
}

void
view_input_backspace(struct view_input *in)
{
	while (in->len > 0) {
		in->len--;
		if (((unsigned char)in->buf[in->len] & 0xC0) != 0x80)
			break;
	}
	in->buf[in->len] = '\0';
}
