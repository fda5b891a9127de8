/*
 * The slowest tests and duration regressions (API-22), read from the
 * rollups ingest keeps (test_stats).  The flaky list (API-21) is
 * lib/views/tests.c's; the flaky pass that judges tests is lib/passes/flakystate.c.
 */
#include "db.h"
#include "jval.h"
#include "slowest.h"
#include "tests.h"

enum stmt {
	STMT_SLOWEST_P50,
	STMT_SLOWEST_P95,
	STMT_SLOW_P50,
	STMT_SLOW_P95,
	STMT_REGRESSIONS,
	STMT__MAX
};

/* The limit slowest by col among the project's stats, then joined. */
#define SLOWEST(col) \
	"SELECT " TESTS_COLS " FROM (SELECT test AS sid FROM test_stats " \
	"WHERE project_id = ?1 AND " col " IS NOT NULL ORDER BY " col \
	" DESC, test DESC LIMIT ?2) AS p " PAGE_JOIN " " \
	"ORDER BY " col " DESC, id DESC"

/*
 * The same among the slow tests (p95 >= SLOW_MS) alone, which the partial
 * index test_stats_slow holds (migration 0022): every test with col >=
 * SLOW_MS is there (p50 <= p95), so when it finds as many as the limit
 * asks for, they are the list.
 */
#define SLOW_MS "50"
#define SLOWEST_SLOW(col) \
	"SELECT " TESTS_COLS " FROM (SELECT test AS sid FROM test_stats " \
	"WHERE project_id = ?1 AND p95_ms >= " SLOW_MS " AND " col " >= " \
	SLOW_MS " ORDER BY " col " DESC, test DESC LIMIT ?2) AS p " \
	PAGE_JOIN " ORDER BY " col " DESC, id DESC"

static const char *const sql[STMT__MAX] = {
	/* order from test_stats alone; definitions joined for the page
	 * only */
	[STMT_SLOWEST_P50] = SLOWEST("p50_ms"),
	[STMT_SLOWEST_P95] = SLOWEST("p95_ms"),
	[STMT_SLOW_P50] = SLOWEST_SLOW("p50_ms"),
	[STMT_SLOW_P95] = SLOWEST_SLOW("p95_ms"),
	/* the halves are materialized: a flattened subquery would run
	 * tv_half_pct once per reference (filter, order, output) */
	[STMT_REGRESSIONS] =
	    "WITH h AS MATERIALIZED (SELECT test AS sid, "
	    "tv_half_pct(recent_ms, 0, 50) AS before_ms, "
	    "tv_half_pct(recent_ms, 1, 50) AS after_ms FROM test_stats "
	    /* a regression needs a newer-half p50 >= 50 ms, so at least a
	     * quarter of the window is >= 50 ms: p95 >= 50 is a safe filter */
	    "WHERE project_id = ?1 AND p95_ms >= " SLOW_MS "), "
	    "r AS MATERIALIZED (SELECT sid, before_ms, after_ms, "
	    "after_ms * 1.0 / max(before_ms, 1) AS slowdown FROM h "
	    "WHERE after_ms >= 1.5 * before_ms AND "
	    "after_ms - before_ms >= 50 ORDER BY slowdown DESC, sid DESC "
	    "LIMIT ?2) "
	    "SELECT " TESTS_COLS ", before_ms, after_ms FROM r " PAGE_JOIN
	    " ORDER BY slowdown DESC, sid DESC",
};

/* One row of STMT_REGRESSIONS: the test and how much slower it got. */
static json_t *
regression_row(struct db_query *st)
{
	json_t *o = tests_row_json(st);
	int64_t before = db_col_int(st, TESTS_NCOLS);
	int64_t after = db_col_int(st, TESTS_NCOLS + 1);

	jval_set(o, "before_p50_ms", jval_int(before));
	jval_set(o, "after_p50_ms", jval_int(after));
	jval_set(o, "slowdown", json_real((double)after /
	    (double)(before > 0 ? before : 1)));
	return o;
}

/*
 * The limit slowest tests of project by p50 or p95: statement slow (the
 * slow tests' index) when it finds limit of them, else statement all (a
 * scan of the project's tests).  A JSON array, or NULL on a database
 * error.
 */
static json_t *
slowest_rows(struct db *db, int64_t project, enum stmt slow, enum stmt all,
    int limit)
{
	struct db_query *st;
	json_t *rows;
	enum stmt i[2] = { slow, all };
	int k;

	for (k = 0; k < 2; k++) {
		if ((st = DB_STMT(db, DBM_SLOWEST, i[k])) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, limit) == -1 ||
		    (rows = jval_rows(db, st, tests_row_json)) == NULL)
			return NULL;
		if (k == 1 || json_array_size(rows) >= (size_t)limit)
			return rows;
		json_decref(rows);
	}
	return NULL;
}

/*
 * GET /api/tests/slowest: {"by", "slowest": the limit slowest tests by
 * p50 or p95 over their recent runs, "regressions": tests whose newer
 * half of recent durations has a p50 at least 1.5x and 50 ms above the
 * older half's}.  NULL on a database error.
 */
json_t *
slowest_list(struct db *db, int64_t project, int by_p95, int limit)
{
	struct db_query *st;
	json_t *slowest, *reg, *o;

	if ((slowest = slowest_rows(db, project, by_p95 ? STMT_SLOW_P95 :
	    STMT_SLOW_P50, by_p95 ? STMT_SLOWEST_P95 : STMT_SLOWEST_P50,
	    limit)) == NULL)
		return NULL;
	if ((st = DB_STMT(db, DBM_SLOWEST, STMT_REGRESSIONS)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, limit) == -1 ||
	    (reg = jval_rows(db, st, regression_row)) == NULL) {
		json_decref(slowest);
		return NULL;
	}
	o = jval_object();
	jval_set(o, "by", jval_str(by_p95 ? "p95" : "p50"));
	jval_set(o, "slowest", slowest);
	jval_set(o, "regressions", reg);
	return o;
}
