/*
 * Tests that misbehave over time, read from the rollups ingest keeps:
 * the flaky list with its evidence (API-21: runs of one git sha that
 * disagreed, passes after a retry, the pass/fail flip rate over the
 * recent window) and the slowest tests with duration regressions
 * (API-22).  The batch's flaky pass will add states with hysteresis and
 * thresholds; until then a test is flaky while it shows evidence.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "flaky.h"
#include "jval.h"
#include "runs.h"
#include "tests.h"

#define QUIET_MS (14LL * 86400 * 1000)	/* no evidence for this long */
#define FLIP_FLAKY 0.2			/* as in EVIDENCE */

enum stmt {
	STMT_FLAKY,
	STMT_SLOWEST_P50,
	STMT_SLOWEST_P95,
	STMT_REGRESSIONS,
	STMT__MAX
};

#define EVIDENCE \
	"(flaky_count > 0 OR same_sha_flakes > 0 OR flip_rate >= 0.2)"
/* The limit slowest by col among the project's stats, then joined. */
#define SLOWEST(col) \
	"SELECT " TESTS_COLS " FROM (SELECT test AS sid FROM test_stats " \
	"WHERE project_id = ?1 AND " col " IS NOT NULL ORDER BY " col \
	" DESC, test DESC LIMIT ?2) " PAGE_JOIN " " \
	"ORDER BY " col " DESC, id DESC"
#define FLAKY_KEY "coalesce(flaky_last_at, last_result_at, 0)"

static const char *const sql[STMT__MAX] = {
	/* evidence and order from test_stats alone; definitions joined for
	 * the page only */
	[STMT_FLAKY] =
	    "SELECT " TESTS_COLS ", same_sha_flakes, flaky_first_at, "
	    "flaky_last_at, flip_rate, " FLAKY_KEY " FROM (SELECT test AS sid "
	    "FROM test_stats WHERE project_id = ?1 AND " EVIDENCE " AND "
	    "(?2 IS NULL OR (" FLAKY_KEY ", test) < (?2, ?3)) ORDER BY "
	    FLAKY_KEY " DESC, test DESC LIMIT ?4) " PAGE_JOIN
	    " ORDER BY " FLAKY_KEY " DESC, id DESC",
	[STMT_SLOWEST_P50] = SLOWEST("p50_ms"),
	[STMT_SLOWEST_P95] = SLOWEST("p95_ms"),
	[STMT_REGRESSIONS] =
	    "SELECT " TESTS_COLS ", before_ms, after_ms FROM (SELECT test AS "
	    "sid, tv_half_pct(recent_ms, 0, 50) AS before_ms, "
	    "tv_half_pct(recent_ms, 1, 50) AS after_ms FROM test_stats "
	    /* a regression needs a newer-half p50 >= 50 ms, so at least a
	     * quarter of the window is >= 50 ms: p95 >= 50 is a safe filter */
	    "WHERE project_id = ?1 AND p95_ms >= 50) " PAGE_JOIN
	    " WHERE after_ms >= 1.5 * before_ms AND "
	    "after_ms - before_ms >= 50 "
	    "ORDER BY after_ms * 1.0 / max(before_ms, 1) DESC, id DESC "
	    "LIMIT ?2",
};

#define STMT(db, i) db_stmt((db), DBM_FLAKY, sql, STMT__MAX, (i))

/*
 * GET /api/tests/flaky: tests with flaky evidence, most recently flaky
 * first, each with "evidence" {same_sha_conflicts, retry_passes,
 * flip_rate}, first/last flaked, and "flaky_state" (flaky, or quiet after
 * QUIET_MS without new evidence).  Returns 0, QUERY_BAD_CURSOR or -1.
 */
int
flaky_list(struct db *db, int64_t project, int64_t now, const char *cursor,
    int limit, json_t **out)
{
	struct cursor cur;
	sqlite3_stmt *st;
	json_t *arr, *o, *ev;
	int64_t last_key = 0, last_id = 0, last_flaky;
	int rc, n = 0, more = 0, c = TESTS_NCOLS;

	memset(&cur, 0, sizeof(cur));
	if (cursor != NULL && cursor_decode(cursor, "flaky", "ii", &cur) == -1)
		return QUERY_BAD_CURSOR;
	if ((st = STMT(db, STMT_FLAKY)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    (cur.doc != NULL ? db_bind_int(db, st, 2, cursor_int(&cur, 0)) :
	    db_bind_null(db, st, 2)) == -1 ||
	    (cur.doc != NULL ? db_bind_int(db, st, 3, cursor_int(&cur, 1)) :
	    db_bind_null(db, st, 3)) == -1 ||
	    db_bind_int(db, st, 4, limit + 1) == -1) {
		cursor_clear(&cur);
		return -1;
	}
	cursor_clear(&cur);
	arr = jval_array();
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		if (n++ == limit) {
			more = 1;
			break;
		}
		o = tests_row_json(st);
		ev = jval_object();
		jval_set(ev, "same_sha_conflicts", jval_col_int(st, c));
		jval_set(ev, "retry_passes", jval_col_int(st, 18));
		jval_set(ev, "flip_rate", json_real(sqlite3_column_double(st,
		    c + 3)));
		jval_set(o, "evidence", ev);
		jval_set(o, "first_flaked_at", jval_col_time(st, c + 1));
		jval_set(o, "last_flaked_at", jval_col_time(st, c + 2));
		last_flaky = sqlite3_column_type(st, c + 2) == SQLITE_NULL ?
		    -1 : sqlite3_column_int64(st, c + 2);
		jval_set(o, "flaky_state", jval_str(sqlite3_column_double(st,
		    c + 3) >= FLIP_FLAKY || (last_flaky >= 0 && now -
		    last_flaky < QUIET_MS) ? "flaky" : "quiet"));
		jval_push(arr, o);
		last_key = sqlite3_column_int64(st, c + 4);
		last_id = sqlite3_column_int64(st, 23);
	}
	sqlite3_reset(st);
	if (rc == -1) {
		json_decref(arr);
		return -1;
	}
	*out = jval_object();
	jval_set(*out, "flaky", arr);
	cursor_set_next(*out, "flaky", more ? json_pack("[II]",
	    (json_int_t)last_key, (json_int_t)last_id) : NULL);
	return 0;
}

/* Runs a test-list statement into an array; extra adds the regression. */
static json_t *
test_rows(struct db *db, sqlite3_stmt *st, int extra)
{
	json_t *arr = jval_array(), *o;
	int rc;

	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		o = tests_row_json(st);
		if (extra) {
			int64_t before = sqlite3_column_int64(st, TESTS_NCOLS);
			int64_t after = sqlite3_column_int64(st,
			    TESTS_NCOLS + 1);
			jval_set(o, "before_p50_ms", jval_int(before));
			jval_set(o, "after_p50_ms", jval_int(after));
			jval_set(o, "slowdown", json_real((double)after /
			    (double)(before > 0 ? before : 1)));
		}
		jval_push(arr, o);
	}
	sqlite3_reset(st);
	if (rc == -1) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/*
 * GET /api/tests/slowest: {"by", "slowest": the limit slowest tests by
 * p50 or p95 over their recent runs, "regressions": tests whose newer
 * half of recent durations has a p50 at least 1.5x and 50 ms above the
 * older half's}.  NULL on a database error.
 */
json_t *
flaky_slowest(struct db *db, int64_t project, int by_p95, int limit)
{
	sqlite3_stmt *st;
	json_t *slowest, *reg, *o;

	if ((st = STMT(db, by_p95 ? STMT_SLOWEST_P95 : STMT_SLOWEST_P50)) ==
	    NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, limit) == -1 ||
	    (slowest = test_rows(db, st, 0)) == NULL)
		return NULL;
	if ((st = STMT(db, STMT_REGRESSIONS)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, limit) == -1 ||
	    (reg = test_rows(db, st, 1)) == NULL) {
		json_decref(slowest);
		return NULL;
	}
	o = jval_object();
	jval_set(o, "by", jval_str(by_p95 ? "p95" : "p50"));
	jval_set(o, "slowest", slowest);
	jval_set(o, "regressions", reg);
	return o;
}
