/*
 * The project overview (API-3) and failure groups across tests (API-23),
 * both read from what ingest keeps (test rollups, runs, incidents,
 * failure_groups, failure_streams), so neither scans results.  JSON out;
 * HTTP is cgi-bin's.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "dash.h"
#include "history.h"
#include "jval.h"
#include "runs.h"

#define WEEK_MS (7LL * 86400 * 1000)
#define NOW_MAX 100	/* failing_now entries at most */

/*
 * a equals b, NULL equal to NULL, in a form both engines' planners take
 * to an index (PostgreSQL takes none to one for IS NOT DISTINCT FROM).
 */
#define SAME(a, b) "(" a " = " b " OR (" a " IS NULL AND " b " IS NULL))"

/*
 * The newest run of each job (NULL, the unnamed job, is one) of branch ?2
 * (NULL: runs without one), or of job ?3 alone: the jobs from the
 * index runs_stream, then each one's newest run from it.
 */
#define DASH_HEADS \
	"heads AS (SELECT (SELECT r.id FROM runs r WHERE r.project_id = ?1 " \
	"AND " SAME("r.branch", "?2") " AND " SAME("r.job", "g.job") " " \
	"ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS id, " \
	"g.job FROM (SELECT DISTINCT job FROM runs WHERE project_id = ?1 " \
	"AND " SAME("branch", "?2") " AND (CAST(?3 AS TEXT) IS NULL " \
	"OR job = ?3)) g)"

/*
 * Each test of branch ?3 (job ?4, NULL: every job) once: its status rank
 * there (0 failed, 1 error, 2 passed, 3 skipped: the worst of the latest
 * of each job), latest result and flaky evidence.
 */
#define BRANCH_TESTS \
	"b AS (SELECT test, min(CASE last_status WHEN 'failed' THEN 0 " \
	"WHEN 'error' THEN 1 WHEN 'passed' THEN 2 ELSE 3 END) AS rank, " \
	"max(last_result_at) AS at, max(flaky_at) AS flaky_at " \
	"FROM stream_stats WHERE project_id = ?1 AND branch = ?3 AND " \
	"(CAST(?4 AS TEXT) IS NULL OR job = ?4) GROUP BY test)"

/* A failure_streams row within ?7 (branch) and ?8 (job), either NULL: any. */
#define IN_STREAM "(CAST(?7 AS TEXT) IS NULL OR branch = ?7) AND " \
	"(CAST(?8 AS TEXT) IS NULL OR job = ?8) "
/*
 * A group's top tests and its branches as JSON arrays: SQLite's
 * json_group_array, PostgreSQL's json_agg (NULL over no rows, hence the
 * coalesce) in the order SQLite reads them.
 */
#define LITE_TOP(n) "json_group_array(json_object('test_id', t.test_id, " \
	"'name', t.name, 'occurrences', " n "))"
#define PG_TOP(n, order) "coalesce(json_agg(json_build_object('test_id', " \
	"t.test_id, 'name', t.name, 'occurrences', " n ") ORDER BY " order \
	"), '[]')"
#define LITE_BRANCHES "json_group_array(branch)"
#define PG_BRANCHES "coalesce(json_agg(branch ORDER BY branch), '[]')"
/* The failure groups of the project, ranked; top and branches: above. */
#define FAILURES(top, branches) \
	"SELECT g.fingerprint, g.message, g.error_type, g.occurrences, " \
	"g.first_seen_at, g.last_seen_at, s.tests, " \
	"(SELECT " top " FROM (SELECT * " \
	"FROM failure_tests f WHERE f.project_id = g.project_id AND " \
	"f.fingerprint = g.fingerprint ORDER BY f.occurrences DESC, " \
	"f.test LIMIT 5) f JOIN tests t ON t.id = f.test), " \
	"(SELECT " branches " FROM (SELECT DISTINCT branch " \
	"FROM failure_streams WHERE project_id = g.project_id AND " \
	"fingerprint = g.fingerprint ORDER BY branch) AS d) " \
	"FROM (SELECT fingerprint, count(*) AS tests FROM failure_tests " \
	"WHERE project_id = ?1 GROUP BY fingerprint) s " \
	"JOIN failure_groups g ON g.project_id = ?1 AND " \
	"g.fingerprint = s.fingerprint " \
	"WHERE (CAST(?2 AS BIGINT) IS NULL OR g.last_seen_at >= ?2) " \
	"AND (CAST(?3 AS BIGINT) IS NULL OR " \
	"(s.tests, g.last_seen_at, g.fingerprint) < (?3, ?4, ?5)) " \
	"ORDER BY s.tests DESC, g.last_seen_at DESC, g.fingerprint DESC " \
	"LIMIT ?6"
/* The same within a branch and job (IN_STREAM). */
#define FAILURES_IN(top, branches) \
	"SELECT g.fingerprint, g.message, g.error_type, s.occ, " \
	"g.first_seen_at, s.last, s.tests, " \
	"(SELECT " top " FROM (SELECT test, " \
	"sum(occurrences) AS n FROM failure_streams WHERE " \
	"project_id = ?1 AND fingerprint = g.fingerprint AND " IN_STREAM \
	"GROUP BY test ORDER BY n DESC, test LIMIT 5) f " \
	"JOIN tests t ON t.id = f.test), " \
	"(SELECT " branches " FROM (SELECT DISTINCT branch " \
	"FROM failure_streams WHERE project_id = ?1 AND " \
	"fingerprint = g.fingerprint AND " IN_STREAM "ORDER BY branch) AS d) " \
	"FROM (SELECT fingerprint, count(DISTINCT test) AS tests, " \
	"sum(occurrences) AS occ, max(last_seen_at) AS last " \
	"FROM failure_streams WHERE project_id = ?1 AND " IN_STREAM \
	"GROUP BY fingerprint) s JOIN failure_groups g ON " \
	"g.project_id = ?1 AND g.fingerprint = s.fingerprint " \
	"WHERE (CAST(?2 AS BIGINT) IS NULL OR s.last >= ?2) " \
	"AND (CAST(?3 AS BIGINT) IS NULL OR " \
	"(s.tests, s.last, s.fingerprint) < (?3, ?4, ?5)) " \
	"ORDER BY s.tests DESC, s.last DESC, s.fingerprint DESC LIMIT ?6"
/* A stream's results of test x.test in branch ?2 and job x.job. */
#define IN_X_STREAM \
	"u.project_id = ?1 AND " SAME("u.branch", "?2") " AND " \
	SAME("u.job", "x.job")

/* a streak's failures (lib/db/history.h's alias r): after its last
 * good result x.ok, up to its head x.at */
#define FAILED_SINCE_OK \
	"r.status IN (1, 2) AND r.started_at > coalesce(x.ok, -1) AND " \
	"r.started_at <= x.at"

enum stmt {
	STMT_TESTS,
	STMT_INCIDENTS,
	STMT_PASS_RATE,
	STMT_FAILURES,
	STMT_FAILURES_IN,
	STMT_RECENT,
	STMT_NOW_COUNT,
	STMT_NOW,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/*
	 * The tests of branch ?3 (and job ?4, NULL: every job) by their
	 * latest status there (stream_stats: a failure in the newest
	 * result of any job wins), flaky as the flaky pass judged them
	 * with evidence on the branch; pending and paused are the
	 * project's (never run anywhere; muted or quarantined).
	 */
	[STMT_TESTS] =
	    "WITH " BRANCH_TESTS " SELECT count(*), "
	    "count(*) FILTER (WHERE b.at >= ?2), "
	    "count(*) FILTER (WHERE b.rank = 2), "
	    "count(*) FILTER (WHERE b.rank < 2), "
	    "count(*) FILTER (WHERE b.rank = 3), "
	    "count(*) FILTER (WHERE b.flaky_at IS NOT NULL AND EXISTS "
	    "(SELECT 1 FROM flaky_states f WHERE f.test = b.test AND "
	    "f.state = 'flaky')), "
	    "(SELECT count(*) FROM test_stats WHERE project_id = ?1 AND "
	    "last_status IS NULL), "
	    /* "<> 'active'" lets the partial index tests_paused answer */
	    "(SELECT count(*) FROM tests WHERE project_id = ?1 AND "
	    "state <> 'active' AND state IN ('muted', 'quarantined')) "
	    "FROM b",
	/* incidents are kept per branch; signals count on the branch (and
	 * job) of the run that raised them */
	[STMT_INCIDENTS] =
	    "SELECT (SELECT count(*) FROM incidents WHERE project_id = ?1 AND "
	    "closed_at IS NULL AND branch = ?3), (SELECT count(*) FROM "
	    "signals g JOIN runs u ON u.id = g.run WHERE g.project_id = ?1 "
	    "AND g.status = 'open' AND coalesce(u.branch, '') = ?3 AND "
	    "(CAST(?4 AS TEXT) IS NULL OR u.job = ?4))",
	[STMT_PASS_RATE] =
	    "SELECT count(*), sum(passed), sum(failed + errors) FROM "
	    "(SELECT passed, failed, errors FROM runs WHERE project_id = ?1 "
	    "AND branch IS NOT DISTINCT FROM ?2 AND "
	    "(CAST(?3 AS TEXT) IS NULL OR job = ?3) "
	    "ORDER BY started_at DESC, id DESC LIMIT 30) AS r",
	/* groups ranked by the tests they affect, then recency (issue 13
	 * item 7), from the rollups of every failure ever stored */
	[STMT_FAILURES] = DB_SQL2(
	    FAILURES(LITE_TOP("f.occurrences"), LITE_BRANCHES),
	    FAILURES(PG_TOP("f.occurrences", "f.occurrences DESC, f.test"),
	    PG_BRANCHES)),
	/* the same within a branch and job: the failures of their runs
	 * only, from failure_streams */
	[STMT_FAILURES_IN] = DB_SQL2(
	    FAILURES_IN(LITE_TOP("f.n"), LITE_BRANCHES),
	    FAILURES_IN(PG_TOP("f.n", "f.n DESC, f.test"), PG_BRANCHES)),
	/* the dashboard's branch (NULL: runs without one) and job */
	[STMT_RECENT] =
	    "SELECT " RUNS_COLS " FROM runs WHERE project_id = ?1 AND "
	    "branch IS NOT DISTINCT FROM ?2 AND "
	    "(CAST(?3 AS TEXT) IS NULL OR job = ?3) "
	    "ORDER BY started_at DESC, id DESC LIMIT 5",
	[STMT_NOW_COUNT] =
	    "WITH " DASH_HEADS " SELECT count(*) FROM heads h JOIN results res "
	    "ON res.run = h.id AND res.status IN (1, 2)",
	/*
	 * The failing results of the heads, a page of them, then each one's
	 * streak: its failures in the stream since its last result there
	 * that did not fail (runs it did not run in neither break nor
	 * extend it).
	 */
	[STMT_NOW] =
	    "WITH " DASH_HEADS ", "
	    "page AS (SELECT h.job, r.run_id, r.started_at AS at, res.test, "
	    "res.fingerprint, t.test_id, t.name, t.state FROM heads h "
	    "JOIN runs r ON r.id = h.id JOIN results res ON res.run = h.id "
	    "AND res.status IN (1, 2) JOIN tests t ON t.id = res.test "
	    "ORDER BY h.job, t.name, t.id LIMIT ?4), "
	    /* the newest good result first, in index order: one probe
	     * back from the head, not the test's whole history */
	    "streak AS (SELECT x.*, (SELECT p.started_at FROM ("
	    BY_TEST("x.test", "r.status IN (0, 3) AND r.started_at < x.at "
	    "AND EXISTS (SELECT 1 FROM runs u WHERE u.id = r.run AND "
	    IN_X_STREAM ")", "ORDER BY started_at DESC LIMIT 1") ") AS p) "
	    "AS ok "
	    "FROM page x) "
	    "SELECT x.test_id, x.name, x.job, x.run_id, x.fingerprint, "
	    "(SELECT count(*) FROM (" BY_TEST("x.test", FAILED_SINCE_OK, "")
	    ") AS p JOIN runs u ON u.id = p.run WHERE " IN_X_STREAM "), "
	    "(SELECT min(p.started_at) FROM (" BY_TEST("x.test",
	    FAILED_SINCE_OK, "") ") AS p JOIN runs u ON u.id = p.run WHERE "
	    IN_X_STREAM "), "
	    "(SELECT i.id FROM incidents i WHERE i.test = x.test AND "
	    "i.branch = coalesce(?2, '') AND i.closed_at IS NULL), "
	    "EXISTS (SELECT 1 FROM flaky_states f WHERE f.test = x.test AND "
	    "f.state = 'flaky'), x.state "
	    "FROM streak x ORDER BY x.job, x.name, x.test",
};

/* Binds the dashboard's project, branch ("" for runs without one) and
 * job (NULL: every job) as ?1..?3 of st; 0 or -1. */
static int
dash_bind(struct db *db, struct db_query *st, int64_t project,
    const char *branch, const char *job)
{
	if (db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text_opt(db, st, 2, branch[0] != '\0' ? branch : NULL) ==
	    -1 || db_bind_text_opt(db, st, 3, job) == -1)
		return -1;
	return 0;
}

/* Binds project ?1, since ?2, branch ?3 ("" for runs without one) and
 * job ?4 (NULL: every job) of the count statements; 0 or -1. */
static int
dash_bind_counts(struct db *db, struct db_query *st, int64_t project,
    int64_t since, const char *branch, const char *job)
{
	if (db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, since) == -1 ||
	    db_bind_text(db, st, 3, branch) == -1 ||
	    db_bind_text_opt(db, st, 4, job) == -1)
		return -1;
	return 0;
}

/* One row of STMT_NOW as a failing-now entry. */
static json_t *
now_row(struct db_query *st)
{
	json_t *o = jval_object();
	int64_t n = db_col_int(st, 5);
	const char *state = db_column_text(st, 9);

	jval_set(o, "test_id", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	jval_set(o, "job", jval_col_text(st, 2));
	jval_set(o, "run_id", jval_col_text(st, 3));
	jval_set(o, "new", json_boolean(n <= 1));
	jval_set(o, "since", jval_col_time(st, 6));
	jval_set(o, "runs_failing", jval_int(n));
	jval_set(o, "incident_id", jval_col_int(st, 7));
	jval_set(o, "flaky", json_boolean((int)db_col_int(st, 8) != 0));
	jval_set(o, "quarantined", json_boolean(state != NULL &&
	    strcmp(state, "quarantined") == 0));
	jval_set(o, "state", jval_str(state));
	jval_set(o, "fingerprint", jval_col_text(st, 4));
	return o;
}

/*
 * Sets o's failing_now (at most NOW_MAX, by job and name) and
 * failing_now_total: the tests failed or errored in the newest run of
 * each job of branch (or of job alone).  0, or -1 on a database error.
 */
static int
dash_failing_now(struct db *db, json_t *o, int64_t project,
    const char *branch, const char *job)
{
	struct db_query *st;
	json_t *list;

	if ((st = DB_STMT(db, DBM_DASH, STMT_NOW_COUNT)) == NULL ||
	    dash_bind(db, st, project, branch, job) == -1 ||
	    db_step(db, st) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	jval_set(o, "failing_now_total", jval_col_int(st, 0));
	db_reset(st);
	if ((st = DB_STMT(db, DBM_DASH, STMT_NOW)) == NULL ||
	    dash_bind(db, st, project, branch, job) == -1 ||
	    db_bind_int(db, st, 4, NOW_MAX) == -1 ||
	    (list = jval_rows(db, st, now_row)) == NULL)
		return -1;
	jval_set(o, "failing_now", list);
	return 0;
}

/*
 * GET /api/dashboard for branch ("" for runs that name none) and job
 * (NULL: every job): the tests that ran on the branch (and job) by their
 * latest status there, those flaky there, open incidents of the branch
 * and open signals its runs raised; pending and paused tests of the
 * project; the pass rate of the branch's last 30 runs, its 5 newest runs
 * and the tests failing now.  NULL on a database error.
 */
json_t *
dash_overview(struct db *db, int64_t project, const char *branch,
    const char *job, int64_t now)
{
	struct db_query *st;
	json_t *o = jval_object(), *recent;
	int64_t runs, passed, failed;

	jval_set(o, "branch", jval_str(branch));
	jval_set(o, "job", job != NULL ? jval_str(job) : json_null());
	if ((st = DB_STMT(db, DBM_DASH, STMT_TESTS)) == NULL ||
	    dash_bind_counts(db, st, project, now - WEEK_MS, branch, job) ==
	    -1 || db_step(db, st) != DB_ROW)
		goto fail;
	jval_set(o, "total_tests", jval_col_int(st, 0));
	jval_set(o, "active_tests", jval_col_int(st, 1));
	jval_set(o, "passing", jval_col_int(st, 2));
	jval_set(o, "failing", jval_col_int(st, 3));
	jval_set(o, "skipped", jval_col_int(st, 4));
	jval_set(o, "flaky", jval_col_int(st, 5));
	jval_set(o, "pending", jval_col_int(st, 6));
	jval_set(o, "paused_tests", jval_col_int(st, 7));
	db_reset(st);
	if ((st = DB_STMT(db, DBM_DASH, STMT_INCIDENTS)) == NULL ||
	    dash_bind_counts(db, st, project, now - WEEK_MS, branch, job) ==
	    -1 || db_step(db, st) != DB_ROW)
		goto fail;
	jval_set(o, "open_incidents", jval_col_int(st, 0));
	jval_set(o, "open_signals", jval_col_int(st, 1));
	db_reset(st);
	if ((st = DB_STMT(db, DBM_DASH, STMT_PASS_RATE)) == NULL ||
	    dash_bind(db, st, project, branch, job) == -1 ||
	    db_step(db, st) != DB_ROW)
		goto fail;
	runs = db_col_int(st, 0);
	passed = db_col_int(st, 1);
	failed = db_col_int(st, 2);
	db_reset(st);
	jval_set(o, "pass_rate_runs", jval_int(runs));
	jval_set(o, "pass_rate", passed + failed > 0 ?
	    json_real((double)passed / (double)(passed + failed)) :
	    json_null());
	st = NULL;
	if ((st = DB_STMT(db, DBM_DASH, STMT_RECENT)) == NULL ||
	    dash_bind(db, st, project, branch, job) == -1 ||
	    (recent = jval_rows(db, st, runs_row_json)) == NULL)
		goto fail;
	jval_set(o, "recent_runs", recent);
	st = NULL;
	if (dash_failing_now(db, o, project, branch, job) == -1)
		goto fail;
	return o;
fail:
	if (st != NULL)
		db_reset(st);
	json_decref(o);
	return NULL;
}

/* One row of STMT_FAILURES as a failure group. */
static json_t *
failure_row(struct db_query *st)
{
	json_t *o = jval_object(), *v;

	jval_set(o, "fingerprint", jval_col_text(st, 0));
	jval_set(o, "message", jval_col_text(st, 1));
	jval_set(o, "error_type", jval_col_text(st, 2));
	jval_set(o, "occurrences", jval_col_int(st, 3));
	jval_set(o, "first_seen_at", jval_col_time(st, 4));
	jval_set(o, "last_seen_at", jval_col_time(st, 5));
	jval_set(o, "test_count", jval_col_int(st, 6));
	v = jval_load(db_column_text(st, 7));
	jval_set(o, "tests", v != NULL ? v : jval_array());
	v = jval_load(db_column_text(st, 8));
	jval_set(o, "branches", v != NULL ? v : jval_array());
	return o;
}

/* Failure groups page by (tests affected, last seen, fingerprint), the
 * largest first. */
static const struct cursor_list failures_paging = { "failures", "iis",
    { 6, 5, 0 } };

/*
 * GET /api/failures: failure groups (one per cause: see
 * ident_fingerprint_own), those affecting the most tests first, then the
 * most recently seen, each with a sample message, occurrences, how many
 * tests (and the top 5), the branches, first and last seen.  branch and
 * job (borrowed, NULL: any) keep the failures of runs of that branch and
 * job only; since keeps groups seen since then.  Returns 0, CURSOR_BAD or
 * -1.
 */
int
dash_failures(struct db *db, int64_t project, int64_t since,
    const char *branch, const char *job, const char *cursor, int limit,
    json_t **out)
{
	struct cursor_page pg;
	struct db_query *st;
	int in;

	if (cursor_page_open(&pg, &failures_paging, cursor, limit) != 0)
		return CURSOR_BAD;
	in = branch != NULL || job != NULL;
	if ((st = DB_STMT(db, DBM_DASH, in ? STMT_FAILURES_IN :
	    STMT_FAILURES)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int_opt(db, st, 2, since) == -1 ||
	    cursor_page_bind(&pg, db, st, 3, 6) == -1 ||
	    (in && (db_bind_text_opt(db, st, 7, branch) == -1 ||
	    db_bind_text_opt(db, st, 8, job) == -1))) {
		if (st != NULL)
			db_reset(st);
		cursor_page_clear(&pg);
		return -1;
	}
	return cursor_page_list(&pg, db, st, failure_row, "failures", out);
}
