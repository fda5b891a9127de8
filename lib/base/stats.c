/*
 * The few statistics the trends need (REP-2), on plain arrays: the
 * median, a rolling band of median ± k·MAD for anomalies (robust: one
 * outlier in the window does not widen it), and a least-squares line
 * with its 95% prediction interval for the forecast.  No allocation
 * beyond a copy for the median; the caller owns every array.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "xalloc.h"

/* qsort order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (n > 0); sorts v in place. */
double
stats_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The band of the values prev[0..n) (borrowed): their median m, their
 * median absolute deviation, and m ± k·1.4826·MAD.  Returns 0, or -1
 * when n < 3 (too few to judge by).
 */
int
stats_band(const double *prev, size_t n, double k, struct stats_band *out)
{
	double *v;
	size_t i;

	if (n < 3)
		return -1;
	v = xreallocarray(NULL, n, sizeof(*v));
	memcpy(v, prev, n * sizeof(*v));
	out->median = stats_median(v, n);
	for (i = 0; i < n; i++)
		v[i] = fabs(prev[i] - out->median);
	out->mad = stats_median(v, n);
	free(v);
	out->low = out->median - k * 1.4826 * out->mad;
	out->high = out->median + k * 1.4826 * out->mad;
	return 0;
}

/* The 97.5% quantile of Student's t with df degrees of freedom (df > 0):
 * the two-sided 95% factor. */
double
stats_t975(size_t df)
{
	static const double t[] = { 0, 12.706, 4.303, 3.182, 2.776, 2.571,
	    2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
	    2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
	    2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };

	if (df < sizeof(t) / sizeof(t[0]))
		return t[df > 0 ? df : 1];
	if (df <= 40)
		return 2.021;
	if (df <= 60)
		return 2.000;
	if (df <= 120)
		return 1.980;
	return 1.960;
}

/*
 * Fits y = a + b·x to the n points (x[i], y[i]) (borrowed) by least
 * squares into *f.  Returns 0, or -1 when n < 3 or every x is the same.
 */
int
stats_fit(const double *x, const double *y, size_t n, struct stats_fit *f)
{
	double sx = 0, sy = 0, sxy = 0, sse = 0, e;
	size_t i;

	if (n < 3)
		return -1;
	for (i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
	}
	f->n = n;
	f->xbar = sx / (double)n;
	f->sxx = 0;
	for (i = 0; i < n; i++) {
		f->sxx += (x[i] - f->xbar) * (x[i] - f->xbar);
		sxy += (x[i] - f->xbar) * (y[i] - sy / (double)n);
	}
	if (f->sxx == 0)
		return -1;
	f->b = sxy / f->sxx;
	f->a = sy / (double)n - f->b * f->xbar;
	for (i = 0; i < n; i++) {
		e = y[i] - (f->a + f->b * x[i]);
		sse += e * e;
	}
	f->s = sqrt(sse / (double)(n - 2));
	return 0;
}

/* The line's value at x and its 95% prediction interval [*low, *high]. */
void
stats_predict(const struct stats_fit *f, double x, double *y, double *low,
    double *high)
{
	double half = stats_t975(f->n - 2) * f->s * sqrt(1 + 1 / (double)f->n +
	    (x - f->xbar) * (x - f->xbar) / f->sxx);

	*y = f->a + f->b * x;
	*low = *y - half;
	*high = *y + half;
}
