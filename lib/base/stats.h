#ifndef TESTVIS_STATS_H
#define TESTVIS_STATS_H
#include <stddef.h>

/* A rolling band: median ± k·s, s = 1.4826·MAD (a robust sigma). */
struct stats_band {
	double	 median, mad, low, high;
};

/* A least-squares line y = a + b·x with what its prediction needs. */
struct stats_fit {
	double	 a, b;		/* intercept, slope */
	double	 s;		/* residual standard error */
	double	 xbar, sxx;
	size_t	 n;
};

double	 stats_median(double *, size_t);
int	 stats_band(const double *, size_t, double, struct stats_band *);
double	 stats_t975(size_t);
int	 stats_fit(const double *, const double *, size_t, struct stats_fit *);
void	 stats_predict(const struct stats_fit *, double, double *, double *,
	    double *);

#endif
