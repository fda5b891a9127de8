/*
 * Unit tests for lib/base/stats.c on series whose answers are known: the
 * median, the robust band (an outlier is outside it, a flat series has a
 * band of width 0), Student's t, and a least-squares line through an
 * exact line (a 0-wide interval) and through a noisy one (values worked
 * out by hand: a = 1.1, b = 2, s = 0.48305, at x = 6: 13.1 within
 * [10.528, 15.672]).
 */
#include <math.h>
#include <stdio.h>

#include "stats.h"
#include "tap.h"

/* Predicate: a and b agree to 1e-3. */
static int
near(double a, double b)
{
	return fabs(a - b) < 1e-3;
}

int
main(void)
{
	double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 };
	double flat[] = { 1, 1, 1, 2, 1, 1, 1 }, noisy[] = { 10, 12, 11, 13, 9 };
	double x[] = { 0, 1, 2, 3, 4 }, line[] = { 1, 3, 5, 7, 9 };
	double y[] = { 1, 3.5, 4.5, 7.5, 9 }, same[] = { 2, 2, 2 };
	struct stats_band b;
	struct stats_fit f;
	double v, lo, hi;

	tap_ok(stats_median(odd, 3) == 2, "median of an odd count");
	tap_ok(stats_median(even, 4) == 2.5, "median of an even count");
	tap_ok(stats_band(flat, 2, 3, &b) == -1, "a band needs 3 values");
	tap_ok(stats_band(flat, 7, 3, &b) == 0 && b.median == 1 &&
	    b.mad == 0 && b.low == 1 && b.high == 1,
	    "a mostly flat series: median 1, MAD 0, band [1, 1]");
	tap_ok(stats_band(noisy, 5, 3, &b) == 0, "a band of 5 values");
	tap_ok(b.median == 11 && b.mad == 1 && near(b.low, 6.5522) &&
	    near(b.high, 15.4478), "median 11, MAD 1: band 11 -+ 3 x 1.4826 "
	    "(%.4f, %.4f)", b.low, b.high);
	tap_ok(20 > b.high && 11.5 < b.high && 11.5 > b.low,
	    "20 is outside it, 11.5 inside");
	tap_ok(stats_t975(1) == 12.706 && stats_t975(3) == 3.182 &&
	    stats_t975(1000) == 1.96, "Student's t at 1, 3 and many df");
	tap_ok(stats_fit(x, line, 2, &f) == -1, "a line needs 3 points");
	tap_ok(stats_fit(same, line, 3, &f) == -1, "... at more than one x");
	tap_ok(stats_fit(x, line, 5, &f) == 0 && near(f.a, 1) &&
	    near(f.b, 2) && near(f.s, 0), "an exact line: a 1, b 2, s 0");
	stats_predict(&f, 6, &v, &lo, &hi);
	tap_ok(near(v, 13) && near(lo, 13) && near(hi, 13),
	    "... predicts 13 at x 6, with no spread");
	tap_ok(stats_fit(x, y, 5, &f) == 0 && near(f.a, 1.1) && near(f.b, 2) &&
	    near(f.s, 0.48305), "a noisy line: a 1.1, b 2, s 0.48305");
	stats_predict(&f, 6, &v, &lo, &hi);
	tap_ok(near(v, 13.1) && near(lo, 10.528) && near(hi, 15.672),
	    "... predicts 13.1 in [10.528, 15.672] (%.3f, %.3f, %.3f)", v, lo,
	    hi);
	return done_testing();
}
