#ifndef TESTVIS_TESTS_H
#define TESTVIS_TESTS_H
#include <stdint.h>

struct db_query;
#include <jansson.h>

struct buf;
struct db;

enum tests_sort {
	SORT_NAME,
	SORT_FAIL_RATE,
	SORT_FLAKINESS,
	SORT_DURATION,
	SORT_LAST_FAILED,
	SORT__MAX
};

/* Where figures are taken (issue 13 item 4): branch (NULL: every branch)
 * and job (NULL: every job); the flaky window of flip rates. */
struct tests_scope {
	const char	*branch, *job;
	long long	 flaky_window;
};

/* Filters of GET /api/tests; NULL / -1 when not given. */
struct tests_filter {
	const char	*q, *status, *owner, *tag;
	int		 flaky;		/* -1 any, 0, 1 */
	int64_t		 feature_id;	/* 0: any */
	int64_t		 domain_id;	/* 0: any (else it and below) */
	enum tests_sort	 sort;
	const char	*cursor;
	int		 limit;
	const char	*branch, *job;	/* as in tests_scope */
	long long	 flaky_window;
};

/* The columns tests_row_json() reads, in its order. */
#define TESTS_COLS \
	"test_id, name, base_name, params, classname, file, line, " \
	"suite_path, tags, owner, tests.state, first_seen_at, last_seen_at, " \
	"last_status, last_result_at, last_passed_at, last_failed_at, " \
	"runs_count, flaky_count, p50_ms, p95_ms, open_incident, recent, " \
	"id, test_stats.flip_rate"
#define TESTS_NCOLS 25
/* The definitions with their rollups. */
#define TESTS_FROM "tests JOIN test_stats ON test_stats.test = tests.id"
/* Joins a subquery's page of test ids (sid) to definitions and stats. */
#define PAGE_JOIN \
	"JOIN tests ON tests.id = sid JOIN test_stats ON test_stats.test = sid"

extern const char *const tests_sort_names[SORT__MAX + 1];

json_t	*tests_row_json(struct db_query *);
int	 tests_list(struct db *, int64_t, const struct tests_filter *,
	    json_t **);
int	 tests_detail(struct db *, int64_t, const char *,
	    const struct tests_scope *, json_t **);
int	 tests_history(struct db *, int64_t, const char *, const char *,
	    const char *, int, struct buf *, long *);
int	 tests_results(struct db *, int64_t, const char *, int, int,
	    struct buf *, long *);
int	 tests_timing(struct db *, int64_t, const char *, int, struct buf *,
	    long *);
int	 tests_uptime(struct db *, int64_t, const char *, int, int64_t,
	    json_t **);
int	 tests_incidents(struct db *, int64_t, const char *, int, struct buf *,
	    long *);
int	 tests_flaky(struct db *, int64_t, const char *, const char *,
	    const struct tests_scope *, const char *, int, json_t **);

#endif
