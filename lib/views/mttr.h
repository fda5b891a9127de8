#ifndef TESTVIS_MTTR_H
#define TESTVIS_MTTR_H
#include <stdint.h>
#include <jansson.h>

struct db;

/* Which incidents the time to repair counts (the quality report's
 * scope). */
struct mttr_scope {
	const char	*branch;	/* NULL: every branch */
	const char	*job;		/* NULL: every job */
	int64_t		 since;		/* closed from then on (ms) */
	int		 limit;		/* groups per list */
};

json_t	*quality_mttr(struct db *, int64_t, const struct mttr_scope *);

#endif
