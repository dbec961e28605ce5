/* batch_adopt.c — the matching rule of batch_adopt.h: which listed batch is
 * the one a lost create made. Pure: no network, no SQL. */
#include "core/batch_adopt.h"

int64_t
batch_adopt_since(int64_t created_ms)
{
	return created_ms - BATCH_ADOPT_SKEW_MS;
}

int64_t
batch_adopt_hi(int64_t created_ms, int64_t now_ms, int in_progress)
{
	int64_t hi = now_ms;

	if (!in_progress && created_ms + BATCH_ADOPT_WINDOW_MS < hi)
		hi = created_ms + BATCH_ADOPT_WINDOW_MS;
	return hi + BATCH_ADOPT_SKEW_MS;
}

enum batch_adopt_failure
batch_adopt_classify(long status)
{
	if (status == 0 || status >= 500)
		return BATCH_ADOPT_FAIL_AMBIGUOUS;
	if (status == 408 || status == 409 || status == 429)
		return BATCH_ADOPT_FAIL_RETRY;
	return BATCH_ADOPT_FAIL_FINAL;
}

static int64_t
total(const struct api_batch *b)
{
	return b->processing + b->succeeded + b->errored + b->canceled + b->expired;
}

/* Rank of a candidate: side 0 = created at or after the send, 1 = before;
 * dist = how far from the send. Smaller is better, side first. */
struct rank {
	int     side;
	int64_t dist;
};

static int
better(struct rank a, struct rank b)
{
	return a.side != b.side ? a.side < b.side : a.dist < b.dist;
}

static struct rank
rank_of(int64_t sent_ms, int64_t created_ms)
{
	struct rank r;

	r.side = created_ms < sent_ms;
	r.dist = r.side ? sent_ms - created_ms : created_ms - sent_ms;
	return r;
}

/* Does a rival send rank the batch strictly better than ours (r)? */
static int
rival_claims(const struct batch_adopt_want *w, int64_t created_ms, struct rank r)
{
	size_t i;

	for (i = 0; i < w->nrivals; i++)
		if (better(rank_of(w->rivals[i], created_ms), r))
			return 1;
	return 0;
}

enum batch_adopt_verdict
batch_adopt_match(const struct batch_adopt_want *w, const struct api_batch *list, size_t n,
                  batch_adopt_known_fn known, void *arg, size_t *pick, size_t *other)
{
	struct rank best = { 2, 0 }, second = { 2, 0 }, r;
	size_t i, bi = 0, si = 0;
	int found = 0;

	for (i = 0; i < n; i++) {
		const struct api_batch *b = &list[i];

		if (total(b) != w->requests || b->created_ms < batch_adopt_since(w->created_ms) ||
		    b->created_ms > w->hi_ms)
			continue;
		if (known != NULL && known(arg, b->id))
			continue;
		r = rank_of(w->created_ms, b->created_ms);
		if (w->rivals != NULL && rival_claims(w, b->created_ms, r))
			continue;
		if (found == 0 || better(r, best)) {
			second = best;
			si = bi;
			best = r;
			bi = i;
		} else if (found == 1 || better(r, second)) {
			second = r;
			si = i;
		}
		found++;
	}
	if (found == 0)
		return BATCH_ADOPT_NONE;
	if (pick != NULL)
		*pick = bi;
	if (found > 1 && second.side == best.side && second.dist - best.dist < BATCH_ADOPT_TIE_MS) {
		if (other != NULL)
			*other = si;
		return BATCH_ADOPT_AMBIGUOUS;
	}
	return BATCH_ADOPT_ONE;
}
