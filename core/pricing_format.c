/* pricing_format.c — money as text: dollars from nano-dollars for every
 * screen, table and message (the one money rule), and as a JSON double. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/pricing.h"

char *
pricing_format_usd(int64_t nanos, int decimals, int group, char *buf, size_t n)
{
	char digits[32], out[64];
	uint64_t u, scale = 1, whole, frac;
	size_t len, i, j = 0;
	int neg = nanos < 0, d;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	for (d = decimals; d < 9; d++)
		scale *= 10;
	u = neg ? (uint64_t)0 - (uint64_t)nanos : (uint64_t)nanos;
	/* round half up (away from zero) to the shown decimals */
	u = u / scale + (u % scale * 2 >= scale && scale > 1 ? 1 : 0);
	for (d = 0, scale = 1; d < decimals; d++)
		scale *= 10;
	whole = u / scale;
	frac = u % scale;
	if (whole == 0 && frac == 0)
		neg = 0;
	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)whole);
	len = strlen(digits);
	if (neg)
		out[j++] = '-';
	out[j++] = '$';
	for (i = 0; i < len; i++) {
		if (group && i > 0 && (len - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
	if (decimals > 0)
		snprintf(out + j, sizeof(out) - j, ".%0*llu", decimals, (unsigned long long)frac);
	if (n > 0)
		usage_strlcpy(buf, out, n);
	return buf;
}

/* Does a non-zero nanos round to zero at `decimals` places (half up)? */
static int
reads_zero(int64_t nanos, int decimals)
{
	uint64_t u = nanos < 0 ? (uint64_t)0 - (uint64_t)nanos : (uint64_t)nanos, scale = 1;
	int d;

	for (d = decimals; d < 9; d++)
		scale *= 10;
	return nanos != 0 && (u / scale + (u % scale * 2 >= scale && scale > 1 ? 1 : 0)) == 0;
}

char *
pricing_format_money(int64_t nanos, int min_decimals, char *buf, size_t n)
{
	int d = min_decimals < 0 ? 0 : min_decimals > 9 ? 9 : min_decimals;

	while (d < 9 && reads_zero(nanos, d))
		d = d < 2 ? 2 : d < 4 ? 4 : d + 1;
	return pricing_format_usd(nanos, d, 1, buf, n);
}

char *
pricing_format_cost(int64_t nanos, int64_t requests, int64_t unpriced, int min_decimals,
                    char *buf, size_t n)
{
	char m[48];

	if (unpriced > 0 && unpriced >= requests) {
		usage_strlcpy(buf, "unpriced", n);
		return buf;
	}
	pricing_format_money(nanos, min_decimals, m, sizeof(m));
	snprintf(buf, n, "%s%s", m, unpriced > 0 ? PRICING_UNPRICED_MARK : "");
	return buf;
}

double
pricing_usd(int64_t nanos)
{
	return (double)nanos / (double)NANOS_PER_USD;
}
