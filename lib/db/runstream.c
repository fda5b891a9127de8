/*
 * The runs of a stream (a branch and a job; a run without a job follows
 * the runs without one), in the order they started: the run before a
 * run, which its diff, its quality gate and the alert rules compare
 * with, and the window of runs up to one that an alert rule's pass rate
 * or duration baseline reads.  Reads only, inside the caller's
 * transaction or none; served by the runs_stream index.
 */
#include <stdio.h>

#include "db.h"
#include "runstream.h"

enum stmt {
	STMT_PREV,
	STMT_PASS_COUNTS,
	STMT_DURATIONS,
	STMT__MAX
};

#define SAME_STREAM \
	"project_id = ?1 AND branch IS NOT DISTINCT FROM ?2 AND " \
	"job IS NOT DISTINCT FROM ?5 "

static const char *const sql[STMT__MAX] = {
	[STMT_PREV] =
	    "SELECT id, run_id, tests FROM runs WHERE " SAME_STREAM
	    "AND (started_at, id) < (?3, ?4) "
	    "ORDER BY started_at DESC, id DESC LIMIT 1",
	/* the last ?6 runs up to and with run ?4: passed, judged */
	[STMT_PASS_COUNTS] =
	    "SELECT coalesce(sum(passed), 0), coalesce(sum(passed + failed + "
	    "errors), 0) FROM (SELECT passed, failed, errors FROM runs WHERE "
	    SAME_STREAM "AND (started_at, id) <= (?3, ?4) "
	    "ORDER BY started_at DESC, id DESC LIMIT ?6) w",
	/* the durations of the last ?6 runs before run ?4 that have one */
	[STMT_DURATIONS] =
	    "SELECT duration_ms FROM runs WHERE " SAME_STREAM
	    "AND (started_at, id) < (?3, ?4) AND duration_ms IS NOT NULL "
	    "ORDER BY started_at DESC, id DESC LIMIT ?6",
};

#define STMT(db, i) DB_STMT((db), DBM_RUNSTREAM, (i))

/* Statement q bound to the stream and place of at, limit n; or NULL. */
static struct db_query *
bound(struct db *db, enum stmt q, int64_t project,
    const struct runstream_at *at, int n)
{
	struct db_query *st = STMT(db, q);

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text_opt(db, st, 2, at->branch) == -1 ||
	    db_bind_int(db, st, 3, at->started_at) == -1 ||
	    db_bind_int(db, st, 4, at->id) == -1 ||
	    db_bind_text_opt(db, st, 5, at->job) == -1 ||
	    (n > 0 && db_bind_int(db, st, 6, n) == -1)) {
		if (st != NULL)
			db_reset(st);
		return NULL;
	}
	return st;
}

/*
 * The previous run of the stream of run id (its branch and job, NULL
 * none), started at started, into *p.  Returns 1, 0 when it is the
 * first, or -1.
 */
int
runs_previous(struct db *db, int64_t project, const char *branch,
    const char *job, int64_t started, int64_t id, struct runs_prev *p)
{
	struct runstream_at at = { branch, job, started, id };
	struct db_query *st = bound(db, STMT_PREV, project, &at, 0);
	int rc;

	if (st == NULL || (rc = db_step(db, st)) == -1) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	if (rc == DB_ROW) {
		p->id = db_col_int(st, 0);
		snprintf(p->run_id, sizeof(p->run_id), "%s",
		    db_column_text(st, 1));
		p->tests = db_col_int(st, 2);
	}
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * The passed results and the judged ones (passed, failed and errors) of
 * the last n runs of the stream up to and with the run at, summed into
 * *passed and *judged.  0 or -1.
 */
int
runstream_pass_counts(struct db *db, int64_t project,
    const struct runstream_at *at, int n, int64_t *passed, int64_t *judged)
{
	struct db_query *st = bound(db, STMT_PASS_COUNTS, project, at, n);
	int rc;

	if (st == NULL || (rc = db_step(db, st)) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	*passed = db_col_int(st, 0);
	*judged = db_col_int(st, 1);
	db_reset(st);
	return 0;
}

/*
 * The durations of the last n (at most *len) runs of the stream before
 * the run at that have one, newest first, into ms; *len becomes their
 * number.  0 or -1.
 */
int
runstream_durations(struct db *db, int64_t project,
    const struct runstream_at *at, int n, int64_t *ms, size_t *len)
{
	struct db_query *st = bound(db, STMT_DURATIONS, project, at, n);
	size_t cap = *len;
	int rc;

	*len = 0;
	if (st == NULL)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW)
		if (*len < cap)
			ms[(*len)++] = db_col_int(st, 0);
	db_reset(st);
	return rc == -1 ? -1 : 0;
}
