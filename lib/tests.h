#ifndef TESTVIS_TESTS_H
#define TESTVIS_TESTS_H
#include <stdint.h>
#include <jansson.h>

struct db;

enum tests_sort {
	SORT_NAME,
	SORT_FAIL_RATE,
	SORT_FLAKINESS,
	SORT_DURATION,
	SORT_LAST_FAILED,
	SORT__MAX
};

/* Filters of GET /api/tests; NULL / -1 when not given. */
struct tests_filter {
	const char	*q, *status, *owner, *tag;
	int		 flaky;		/* -1 any, 0, 1 */
	enum tests_sort	 sort;
	const char	*cursor;
	int		 limit;
};

extern const char *const tests_sort_names[SORT__MAX + 1];

int	 tests_list(struct db *, int64_t, const struct tests_filter *,
	    json_t **);
int	 tests_detail(struct db *, int64_t, const char *, json_t **);
int	 tests_history(struct db *, int64_t, const char *, const char *,
	    const char *, int, json_t **);
int	 tests_results(struct db *, int64_t, const char *, int, int,
	    json_t **);
int	 tests_timing(struct db *, int64_t, const char *, int, json_t **);
int	 tests_uptime(struct db *, int64_t, const char *, int, int64_t,
	    json_t **);
int	 tests_incidents(struct db *, int64_t, const char *, int, json_t **);

#endif
