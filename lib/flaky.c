/*
 * Tests that misbehave over time: the flaky list (API-21) as the batch's
 * flaky pass judged it (flaky_states: state, monitors and evidence, with
 * the hysteresis and quiet period of FLK-1), and the slowest tests with
 * duration regressions (API-22) from the rollups ingest keeps.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "flaky.h"
#include "ident.h"
#include "jval.h"
#include "runs.h"
#include "tests.h"


enum stmt {
	STMT_FLAKY,
	STMT_SLOWEST_P50,
	STMT_SLOWEST_P95,
	STMT_REGRESSIONS,
	STMT__MAX
};

/* The limit slowest by col among the project's stats, then joined. */
#define SLOWEST(col) \
	"SELECT " TESTS_COLS " FROM (SELECT test AS sid FROM test_stats " \
	"WHERE project_id = ?1 AND " col " IS NOT NULL ORDER BY " col \
	" DESC, test DESC LIMIT ?2) " PAGE_JOIN " " \
	"ORDER BY " col " DESC, id DESC"

static const char *const sql[STMT__MAX] = {
	/* evidence and order from test_stats alone; definitions joined for
	 * the page only */
	/* states and order from flaky_states alone; definitions and
	 * stats joined for the page only */
	[STMT_FLAKY] =
	    "SELECT " TESTS_COLS ", fs.state, fs.first_at, fs.last_at, "
	    "fs.resolved_at, fs.same_sha, fs.retry_passes, fs.flip_rate, "
	    "fs.flip_branch, fs.flip_active, fs.monitors, fs.evidence "
	    "FROM (SELECT test AS sid FROM flaky_states WHERE project_id = ?1 "
	    "AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR (last_at, test) "
	    "< (?3, ?4)) AND (?6 IS NULL OR test = (SELECT t.id FROM tests t "
	    "WHERE t.id = ?7 AND t.test_id = ?6)) "
	    "ORDER BY last_at DESC, test DESC LIMIT ?5) "
	    PAGE_JOIN " JOIN flaky_states fs ON fs.test = sid "
	    "ORDER BY fs.last_at DESC, sid DESC",
	[STMT_SLOWEST_P50] = SLOWEST("p50_ms"),
	[STMT_SLOWEST_P95] = SLOWEST("p95_ms"),
	/* the halves are materialized: a flattened subquery would run
	 * tv_half_pct once per reference (filter, order, output) */
	[STMT_REGRESSIONS] =
	    "WITH h AS MATERIALIZED (SELECT test AS sid, "
	    "tv_half_pct(recent_ms, 0, 50) AS before_ms, "
	    "tv_half_pct(recent_ms, 1, 50) AS after_ms FROM test_stats "
	    /* a regression needs a newer-half p50 >= 50 ms, so at least a
	     * quarter of the window is >= 50 ms: p95 >= 50 is a safe filter */
	    "WHERE project_id = ?1 AND p95_ms >= 50), "
	    "r AS MATERIALIZED (SELECT sid, before_ms, after_ms, "
	    "after_ms * 1.0 / max(before_ms, 1) AS slowdown FROM h "
	    "WHERE after_ms >= 1.5 * before_ms AND "
	    "after_ms - before_ms >= 50 ORDER BY slowdown DESC, sid DESC "
	    "LIMIT ?2) "
	    "SELECT " TESTS_COLS ", before_ms, after_ms FROM r " PAGE_JOIN
	    " ORDER BY slowdown DESC, sid DESC",
};

#define STMT(db, i) db_stmt((db), DBM_FLAKY, sql, STMT__MAX, (i))

/* Stored evidence keeps times in ms; the API speaks ISO-8601 (I-5). */
static void
items_times(json_t *items)
{
	json_t *it, *at;
	size_t i;

	json_array_foreach(items, i, it)
		if (json_is_integer(at = json_object_get(it, "at")))
			jval_set(it, "at", jval_time(json_integer_value(at)));
}

/*
 * GET /api/tests/flaky: tests the flaky pass found flaky (state "flaky",
 * "resolved", or NULL for both), most recently flaky first, each with
 * "flaky_state", "monitors", "evidence" {same_sha_conflicts,
 * retry_passes, flip_rate, flip_branch, items: newest runs}, and
 * first/last flaked; only test_id's state when test_id (16 hex digits)
 * is not NULL.  Returns 0, QUERY_BAD_CURSOR or -1.
 */
int
flaky_list(struct db *db, int64_t project, const char *state,
    const char *test_id, const char *cursor, int limit, json_t **out)
{
	struct cursor cur;
	sqlite3_stmt *st;
	json_t *arr, *o, *ev, *items;
	int64_t last_key = 0, last_id = 0;
	int rc, n = 0, more = 0, c = TESTS_NCOLS;

	memset(&cur, 0, sizeof(cur));
	if (cursor != NULL && cursor_decode(cursor, "flaky", "ii", &cur) == -1)
		return QUERY_BAD_CURSOR;
	if ((st = STMT(db, STMT_FLAKY)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, state) == -1 ||
	    cursor_bind_int(db, st, 3, &cur, 0) == -1 ||
	    cursor_bind_int(db, st, 4, &cur, 1) == -1 ||
	    db_bind_int(db, st, 5, limit + 1) == -1 ||
	    db_bind_text(db, st, 6, test_id) == -1 ||
	    db_bind_int(db, st, 7, test_id != NULL ?
	    ident_test_key(test_id) : 0) == -1) {
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
		jval_set(o, "flaky_state", jval_col_text(st, c));
		jval_set(o, "first_flaked_at", jval_col_time(st, c + 1));
		jval_set(o, "last_flaked_at", jval_col_time(st, c + 2));
		jval_set(o, "resolved_at", jval_col_time(st, c + 3));
		ev = jval_object();
		jval_set(ev, "same_sha_conflicts", jval_col_int(st, c + 4));
		jval_set(ev, "retry_passes", jval_col_int(st, c + 5));
		jval_set(ev, "flip_rate", json_real(sqlite3_column_double(st,
		    c + 6)));
		jval_set(ev, "flip_branch", jval_col_text(st, c + 7));
		jval_set(ev, "flip_active", json_boolean(sqlite3_column_int(st,
		    c + 8)));
		items = json_loads(db_column_text(st, c + 10), 0, NULL);
		if (!json_is_array(items)) {
			json_decref(items);
			items = jval_array();
		}
		items_times(items);
		jval_set(ev, "items", items);
		jval_set(o, "evidence", ev);
		jval_set(o, "monitors", jval_str(db_column_text(st,
		    c + 9)));
		jval_push(arr, o);
		last_key = sqlite3_column_int64(st, c + 2);
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
