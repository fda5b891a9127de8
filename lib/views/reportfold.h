#ifndef TESTVIS_REPORTFOLD_H
#define TESTVIS_REPORTFOLD_H
#include <stdint.h>
#include <jansson.h>

struct rfold;

/* A run's part of a group, as read. */
struct rfold_row {
	int64_t		 run, dur;
	long		 tests, passed, failed, skipped;
	int		 hasdur;	/* dur is known */
};

struct rfold	*rfold_new(int);
void		 rfold_free(struct rfold *);
int		 rfold_add(struct rfold *, const char *const *,
		    const struct rfold_row *);
json_t		*rfold_groups_json(struct rfold *, const char *const *);
json_t		*rfold_totals_json(struct rfold *);

#endif
