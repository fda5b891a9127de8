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
#include "signals.h"
#include "jval.h"
#include "runs.h"

#define WEEK_MS (7LL * 86400 * 1000)

/* A failure_streams row within ?7 (branch) and ?8 (job), either NULL: any. */
#define IN_STREAM "(?7 IS NULL OR branch = ?7) AND (?8 IS NULL OR job = ?8) "

enum stmt {
	STMT_TESTS,
	STMT_INCIDENTS,
	STMT_PASS_RATE,
	STMT_FAILURES,
	STMT_FAILURES_IN,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_TESTS] =
	    "SELECT count(*), count(*) FILTER (WHERE last_seen_at >= ?2), "
	    "count(*) FILTER (WHERE last_status = 'passed'), "
	    "count(*) FILTER (WHERE last_status IN ('failed', 'error')), "
	    "count(*) FILTER (WHERE last_status = 'skipped'), "
	    /* flaky as the batch's flaky pass judged it (FLK-1) */
	    "(SELECT count(*) FROM flaky_states WHERE project_id = ?1 AND "
	    "state = 'flaky'), "
	    "count(*) FILTER (WHERE last_status IS NULL), "
	    /* "<> 'active'" lets the partial index tests_paused answer */
	    "(SELECT count(*) FROM tests WHERE project_id = ?1 AND "
	    "state <> 'active' AND state IN ('muted', 'quarantined')) "
	    "FROM test_stats WHERE project_id = ?1",
	[STMT_INCIDENTS] =
	    "SELECT count(*) FROM incidents WHERE project_id = ?1 AND "
	    "closed_at IS NULL",
	[STMT_PASS_RATE] =
	    "SELECT count(*), sum(passed), sum(failed + errors) FROM "
	    "(SELECT passed, failed, errors FROM runs WHERE project_id = ?1 "
	    "ORDER BY started_at DESC, id DESC LIMIT 30)",
	/* groups ranked by the tests they affect, then recency (issue 13
	 * item 7), from the rollups of every failure ever stored */
	[STMT_FAILURES] =
	    "SELECT g.fingerprint, g.message, g.error_type, g.occurrences, "
	    "g.first_seen_at, g.last_seen_at, s.tests, "
	    "(SELECT json_group_array(json_object('test_id', t.test_id, "
	    "'name', t.name, 'occurrences', f.occurrences)) FROM (SELECT * "
	    "FROM failure_tests f WHERE f.project_id = g.project_id AND "
	    "f.fingerprint = g.fingerprint ORDER BY f.occurrences DESC, "
	    "f.test LIMIT 5) f JOIN tests t ON t.id = f.test), "
	    "(SELECT json_group_array(branch) FROM failure_branches b WHERE "
	    "b.project_id = g.project_id AND b.fingerprint = g.fingerprint) "
	    "FROM (SELECT fingerprint, count(*) AS tests FROM failure_tests "
	    "WHERE project_id = ?1 GROUP BY fingerprint) s "
	    "JOIN failure_groups g ON g.project_id = ?1 AND "
	    "g.fingerprint = s.fingerprint "
	    "WHERE (?2 IS NULL OR g.last_seen_at >= ?2) "
	    "AND (?3 IS NULL OR (s.tests, g.last_seen_at, g.fingerprint) < "
	    "(?3, ?4, ?5)) "
	    "ORDER BY s.tests DESC, g.last_seen_at DESC, g.fingerprint DESC "
	    "LIMIT ?6",
	/* the same within a branch and job: the failures of their runs
	 * only, from failure_streams */
	[STMT_FAILURES_IN] =
	    "SELECT g.fingerprint, g.message, g.error_type, s.occ, "
	    "g.first_seen_at, s.last, s.tests, "
	    "(SELECT json_group_array(json_object('test_id', t.test_id, "
	    "'name', t.name, 'occurrences', f.n)) FROM (SELECT test, "
	    "sum(occurrences) AS n FROM failure_streams WHERE "
	    "project_id = ?1 AND fingerprint = g.fingerprint AND " IN_STREAM
	    "GROUP BY test ORDER BY n DESC, test LIMIT 5) f "
	    "JOIN tests t ON t.id = f.test), "
	    "(SELECT json_group_array(branch) FROM (SELECT DISTINCT branch "
	    "FROM failure_streams WHERE project_id = ?1 AND "
	    "fingerprint = g.fingerprint AND " IN_STREAM "ORDER BY branch)) "
	    "FROM (SELECT fingerprint, count(DISTINCT test) AS tests, "
	    "sum(occurrences) AS occ, max(last_seen_at) AS last "
	    "FROM failure_streams WHERE project_id = ?1 AND " IN_STREAM
	    "GROUP BY fingerprint) s JOIN failure_groups g ON "
	    "g.project_id = ?1 AND g.fingerprint = s.fingerprint "
	    "WHERE (?2 IS NULL OR s.last >= ?2) "
	    "AND (?3 IS NULL OR (s.tests, s.last, s.fingerprint) < "
	    "(?3, ?4, ?5)) "
	    "ORDER BY s.tests DESC, s.last DESC, s.fingerprint DESC LIMIT ?6",
};

/*
 * GET /api/dashboard: test counts by latest status, flaky, pending and
 * paused, open incidents and signals, the pass rate of the last 30 runs
 * and the 5 newest runs.  NULL on a database error.
 */
json_t *
dash_overview(struct db *db, int64_t project, int64_t now)
{
	sqlite3_stmt *st;
	json_t *o = jval_object(), *recent;
	int64_t runs, passed, failed;

	if ((st = DB_STMT(db, DBM_DASH, STMT_TESTS)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, now - WEEK_MS) == -1 ||
	    db_step(db, st) != SQLITE_ROW)
		goto fail;
	jval_set(o, "total_tests", jval_col_int(st, 0));
	jval_set(o, "active_tests", jval_col_int(st, 1));
	jval_set(o, "passing", jval_col_int(st, 2));
	jval_set(o, "failing", jval_col_int(st, 3));
	jval_set(o, "skipped", jval_col_int(st, 4));
	jval_set(o, "flaky", jval_col_int(st, 5));
	jval_set(o, "pending", jval_col_int(st, 6));
	jval_set(o, "paused_tests", jval_col_int(st, 7));
	sqlite3_reset(st);
	if ((st = DB_STMT(db, DBM_DASH, STMT_INCIDENTS)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_step(db, st) != SQLITE_ROW)
		goto fail;
	jval_set(o, "open_incidents", jval_col_int(st, 0));
	sqlite3_reset(st);
	if ((runs = signals_open_count(db, project)) == -1)
		goto fail;
	jval_set(o, "open_signals", jval_int(runs));
	if ((st = DB_STMT(db, DBM_DASH, STMT_PASS_RATE)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_step(db, st) != SQLITE_ROW)
		goto fail;
	runs = sqlite3_column_int64(st, 0);
	passed = sqlite3_column_int64(st, 1);
	failed = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	jval_set(o, "pass_rate_runs", jval_int(runs));
	jval_set(o, "pass_rate", passed + failed > 0 ?
	    json_real((double)passed / (double)(passed + failed)) :
	    json_null());
	if ((recent = runs_recent(db, project, 5)) == NULL)
		goto fail;
	jval_set(o, "recent_runs", recent);
	return o;
fail:
	if (st != NULL)
		sqlite3_reset(st);
	json_decref(o);
	return NULL;
}

/* One row of STMT_FAILURES as a failure group. */
static json_t *
failure_row(sqlite3_stmt *st)
{
	json_t *o = jval_object(), *v;

	jval_set(o, "fingerprint", jval_col_text(st, 0));
	jval_set(o, "message", jval_col_text(st, 1));
	jval_set(o, "error_type", jval_col_text(st, 2));
	jval_set(o, "occurrences", jval_col_int(st, 3));
	jval_set(o, "first_seen_at", jval_col_time(st, 4));
	jval_set(o, "last_seen_at", jval_col_time(st, 5));
	jval_set(o, "test_count", jval_col_int(st, 6));
	v = json_loads(db_column_text(st, 7), 0, NULL);
	jval_set(o, "tests", v != NULL ? v : jval_array());
	v = json_loads(db_column_text(st, 8), 0, NULL);
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
	sqlite3_stmt *st;
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
			sqlite3_reset(st);
		cursor_page_clear(&pg);
		return -1;
	}
	return cursor_page_list(&pg, db, st, failure_row, "failures", out);
}
