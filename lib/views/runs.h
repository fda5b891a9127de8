#ifndef TESTVIS_RUNS_H
#define TESTVIS_RUNS_H
#include <stdint.h>

struct db_query;
#include <jansson.h>

#include "runstream.h"

struct db;
struct jcol;

/* Filters of GET /api/tests/runs; NULL / -1 when not given. */
struct runs_filter {
	const char	*branch, *status, *git_sha, *session_id, *job;
	int64_t		 since, until;
	const char	*cursor;
	int		 limit;
};

/* Filters of GET /api/tests/runs/{run_id}/results. */
struct results_filter {
	int		 status;	/* -1 any, else 0..3 */
	const char	*q;		/* name substring or NULL */
	const char	*cursor;
	int		 limit;
};

/* The columns runs_row_json() reads, in its order. */
#define RUNS_COLS \
	"run_id, started_at, finished_at, duration_ms, git_sha, branch, " \
	"session_id, env_fingerprint, triggered_by, ci_url, tags, status, " \
	"tests, passed, failed, errors, skipped, flaky, new_tests, shards, " \
	"job, id"
#define RUNS_NCOLS 22	/* runs.id is the last */

json_t	*runs_row_json(struct db_query *);
#define RUNS_RESULT_COLS	6
extern const struct jcol runs_result_cols[RUNS_RESULT_COLS];
void	 runs_result_fields(json_t *, struct db_query *, int);
int	 runs_list(struct db *, int64_t, const struct runs_filter *,
	    json_t **);
int	 runs_detail(struct db *, int64_t, const char *, json_t **);

int	 runs_results(struct db *, int64_t, const char *,
	    const struct results_filter *, json_t **);
json_t	*runs_recent(struct db *, int64_t, int);
const char *like_pattern(const char *, char *, size_t);

#endif
