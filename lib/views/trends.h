#ifndef TESTVIS_TRENDS_H
#define TESTVIS_TRENDS_H
#include <stdint.h>
#include <jansson.h>

struct db;

enum trend_metric {
	TM_PASS_RATE,
	TM_FAILURES,
	TM_DURATION_P95,
	TM_TESTS_COUNT,
	TM_FLAKY_COUNT,
	TM_INCIDENTS_OPEN,
	TM__MAX
};

enum trend_interval {
	TI_DAY,
	TI_WEEK,
	TI__MAX
};

/* What a trend is asked for (GET /api/trends). */
struct trends_query {
	int		 metric;	/* enum trend_metric */
	int		 interval;	/* enum trend_interval */
	int		 window;	/* intervals in the series */
	int		 horizon;	/* intervals forecast */
	double		 k;		/* band half-width in robust sigmas */
	const char	*branch;	/* NULL: every branch ("" none) */
	const char	*job;		/* NULL: every job */
	int64_t		 until;		/* ms: the last interval holds it */
};

extern const char *const trends_metrics[];
extern const char *const trends_intervals[];

int64_t	 trends_interval_start(int, int64_t);
int	 trends_get(struct db *, int64_t, const struct trends_query *,
	    json_t **);

#endif
