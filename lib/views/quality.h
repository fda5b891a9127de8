#ifndef TESTVIS_QUALITY_H
#define TESTVIS_QUALITY_H
#include <stdint.h>
#include <jansson.h>

struct db;

/* The scope and sizes of GET /api/quality (REP-3). */
struct quality_scope {
	const char	*branch;	/* NULL: every branch */
	const char	*job;		/* NULL: every job */
	int64_t		 since;		/* ms since the epoch */
	int64_t		 min_runs;	/* never_failing's least runs */
	int		 limit;		/* rows per list */
};

int	 quality_report(struct db *, int64_t, const struct quality_scope *,
	    json_t **);

#endif
