/*
 * Queries about tests (API-7 … API-13): the catalogue with its rollups,
 * filters, sorts and keyset cursors; one test; its history, results,
 * timing, uptime and incidents; and the flaky list (API-21) as the flaky
 * pass (lib/passes/flakystate.c) left it in flaky_states.  Everything per test
 * reads its results in per-test order (lib/db/history.h) or the rollups
 * kept by ingest, never a scan of results.  Answers are JSON; HTTP is
 * cgi-bin's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "history.h"
#include "ident.h"
#include "jval.h"
#include "jwrite.h"
#include "junit.h"
#include "runs.h"
#include "tests.h"
#include "mappings.h"

const char *const tests_sort_names[SORT__MAX + 1] = {
	[SORT_NAME] = "name",
	[SORT_FAIL_RATE] = "fail_rate",
	[SORT_FLAKINESS] = "flakiness",
	[SORT_DURATION] = "duration",
	[SORT_LAST_FAILED] = "last_failed",
	[SORT__MAX] = NULL,
};

#define FAIL_RATE_KEY "coalesce(fail_rate, -1.0)"
#define FLAKY_KEY "flip_rate"
#define DURATION_KEY "coalesce(p95_ms, -1)"
#define LAST_FAILED_KEY "coalesce(last_failed_at, -1)"
#define IS_FLAKY "(flaky_count > 0 OR same_sha_flakes > 0 OR " \
	"flip_rate >= 0.2)"

/* "Strictly after the cursor's item" for a sort by key. */
#define AFTER_KEY(key, cmp) \
	"AND ((" key ", id) " cmp " (?7, ?8) OR ?7 IS NULL) "
/*
 * The same for the sort by name, whose cursor carries the id alone: a
 * name can be a kilobyte and more, and a cursor the server issued must
 * always fit what it accepts back (issue 11 item 4).
 */
#define AFTER_NAME "AND ((name, id) > ((SELECT k.name " \
	"FROM tests k WHERE k.id = ?8), ?8) OR ?8 IS NULL) "

/* The catalogue's filters on the definitions: owner ?5, tag ?6, feature
 * ?10, domain ?11 (and below). */
#define DEF_FILTERS \
	"AND (owner = ?5 OR ?5 IS NULL) " \
	"AND (lower(',' || coalesce(tags, '') || ',') LIKE " \
	"lower('%,' || ?6 || ',%') OR ?6 IS NULL) " \
	"AND (tests.feature = ?10 OR ?10 IS NULL) " \
	"AND (tests.feature IN (SELECT f.id FROM features f " \
	"JOIN domains d ON d.id = f.domain JOIN domains top ON top.id = ?11 " \
	"WHERE f.project_id = ?1 AND (d.id = top.id OR substr(d.path, 1, " \
	"length(top.path) + 1) = top.path || '/')) OR ?11 IS NULL) "

/* The catalogue query for one sort: key expression and direction. */
#define CATALOGUE(key, after, dir) \
	"SELECT " TESTS_COLS ", " key " FROM " TESTS_FROM " " \
	"WHERE tests.project_id = ?1 " \
	"AND (lower(name) LIKE lower(?2) ESCAPE '\\' OR ?2 IS NULL) " \
	"AND (coalesce(last_status, 'pending') = ?3 OR " \
	"(?3 = 'failing' AND last_status IN ('failed', 'error')) OR " \
	"?3 IS NULL) " \
	"AND (" IS_FLAKY " = ?4 OR ?4 IS NULL) " \
	DEF_FILTERS \
	after \
	"ORDER BY " key " " dir ", id " dir " LIMIT ?9"

/*
 * The same for a sort by a rollup when no filter needs the definitions
 * (q, owner, tag): sorted and limited within test_stats, definitions
 * joined for the page only.
 */
#define CATALOGUE_STATS(key) \
	"SELECT " TESTS_COLS ", " key " FROM (SELECT test AS sid FROM " \
	"test_stats WHERE project_id = ?1 " \
	"AND (coalesce(last_status, 'pending') = ?3 OR " \
	"(?3 = 'failing' AND last_status IN ('failed', 'error')) OR " \
	"?3 IS NULL) " \
	"AND (" IS_FLAKY " = ?4 OR ?4 IS NULL) " \
	"AND ((" key ", test) < (?7, ?8) OR ?7 IS NULL) " \
	"ORDER BY " key " DESC, test DESC LIMIT ?9) AS p " PAGE_JOIN " " \
	"ORDER BY " key " DESC, id DESC"

/* The stream of a test that ran it last, within the scope (a test most
 * streams of a branch have alone: this is asked only of the others). */
#define NEWEST_STREAM \
	"FROM stream_stats s2 WHERE s2.project_id = ?1 AND " \
	"s2.test = stream_stats.test AND (s2.branch = ?12 OR ?12 IS NULL) " \
	"AND (s2.job = ?13 OR ?13 IS NULL) ORDER BY s2.last_result_at DESC, " \
	"s2.branch, s2.job LIMIT 1"

/*
 * Per branch (issue 13 item 4): each test that ran on branch ?12 (NULL:
 * every branch) in job ?13 (NULL: every job) once, from stream_stats: its
 * status rank there (0 failed, 1 error, 2 passed, 3 skipped: the worst of
 * the latest of each stream, as the overview counts), its latest results,
 * runs, flaky evidence, and the status window and failure share of the
 * stream that ran it last; ?14 is the flaky window, ?15 one test or NULL.
 * Its flip rate is the flaky pass's on that branch (the highest of its
 * jobs' windows: what the flaky pass writes to test_stats.flip_rate for
 * the default branch), so every page shows one number per branch.
 */
#define STREAM_TESTS_OF(one_test) \
	"b AS (SELECT test AS bt, min(CASE last_status WHEN 'failed' " \
	"THEN 0 WHEN 'error' THEN 1 WHEN 'passed' THEN 2 ELSE 3 END) " \
	"AS b_rank, max(last_result_at) AS b_at, max(last_passed_at) AS " \
	"b_passed, max(last_failed_at) AS b_failed, sum(runs_count) AS " \
	"b_runs, max(flaky_at) AS b_flaky, CASE WHEN count(*) = 1 THEN " \
	"max(recent) ELSE (SELECT s2.recent " NEWEST_STREAM ") END AS " \
	"b_recent, CASE WHEN count(*) = 1 THEN max(fail_rate) ELSE " \
	"(SELECT s2.fail_rate " NEWEST_STREAM ") END AS b_fail " \
	"FROM stream_stats WHERE project_id = ?1 AND (" \
	"branch = ?12 OR ?12 IS NULL) AND (job = ?13 OR ?13 IS NULL) AND " \
	one_test " GROUP BY test)"
/* every test of the catalogue, or the one test ?15: each its own plan
 * (an "OR ?15 IS NULL" would make the one test scan the project's rows) */
#define STREAM_TESTS STREAM_TESTS_OF("(test = ?15 OR ?15 IS NULL)")
#define STREAM_TEST STREAM_TESTS_OF("test = ?15")
/* a test's flip rate in the scope (computed for the rows shown, or all
 * rows when it is the sort) */
#define B_FLIP \
	"coalesce((SELECT max(tv_flip_rate(substr(w.recent, " \
	"max(length(w.recent) - ?14 + 1, 1)))) FROM " \
	"flaky_windows w WHERE w.test = bt AND (" \
	"w.branch = ?12 OR ?12 IS NULL) AND (w.job = ?13 OR ?13 IS NULL)), 0.0)"
#define B_STATUS "CASE b_rank WHEN 0 THEN 'failed' WHEN 1 THEN 'error' " \
	"WHEN 2 THEN 'passed' WHEN 3 THEN 'skipped' END"
/* TESTS_COLS with the branch's figures (rollups of the whole project
 * where none is kept per stream: retry flakes, durations) */
#define B_COLS \
	"test_id, name, base_name, params, classname, file, line, " \
	"suite_path, tags, owner, tests.state, first_seen_at, b_at, " \
	B_STATUS ", b_at, b_passed, b_failed, coalesce(b_runs, 0), " \
	"flaky_count, p50_ms, p95_ms, (SELECT max(i.id) FROM incidents i " \
	"WHERE i.test = tests.id AND (i.branch = ?12 OR ?12 IS NULL) AND " \
	"i.closed_at IS NULL), coalesce(b_recent, ''), id, " B_FLIP
/* flaky there: the flaky pass holds it flaky and saw evidence there */
#define B_IS_FLAKY "(b_flaky IS NOT NULL AND EXISTS (SELECT 1 FROM " \
	"flaky_states f WHERE f.test = bt AND f.state = 'flaky'))"
#define B_FAIL_RATE_KEY "coalesce(b_fail, -1.0)"
#define B_FLAKY_KEY B_FLIP
#define B_LAST_FAILED_KEY "coalesce(b_failed, -1)"

/* The catalogue of a branch for one sort: key expression and direction. */
#define CATALOGUE_B(key, after, dir) \
	"WITH " STREAM_TESTS " SELECT " B_COLS ", " key " FROM b " \
	"JOIN tests ON tests.id = bt JOIN test_stats ON " \
	"test_stats.test = bt WHERE tests.project_id = ?1 " \
	"AND (lower(name) LIKE lower(?2) ESCAPE '\\' OR ?2 IS NULL) " \
	"AND (" B_STATUS " = ?3 OR " \
	"(?3 = 'failing' AND b_rank < 2) OR ?3 IS NULL) " \
	"AND (" B_IS_FLAKY " = ?4 OR ?4 IS NULL) " \
	DEF_FILTERS \
	after \
	"ORDER BY " key " " dir ", id " dir " LIMIT ?9"

enum stmt {
	STMT_LIST_NAME,
	STMT_LIST_FAIL_RATE,
	STMT_LIST_FLAKINESS,
	STMT_LIST_DURATION,
	STMT_LIST_LAST_FAILED,
	STMT_PAGE_FAIL_RATE,
	STMT_PAGE_FLAKINESS,
	STMT_PAGE_DURATION,
	STMT_PAGE_LAST_FAILED,
	STMT_B_NAME,
	STMT_B_FAIL_RATE,
	STMT_B_FLAKINESS,
	STMT_B_DURATION,
	STMT_B_LAST_FAILED,
	STMT_GET,
	STMT_GET_B,
	STMT_STREAMS,
	STMT_INCIDENT,
	STMT_HISTORY,
	STMT_RESULTS,
	STMT_RESULTS_AT,
	STMT_RESULTS_TOTAL,
	STMT_TIMING,
	STMT_TIMING_TOTAL,
	STMT_UPTIME,
	STMT_INCIDENTS,
	STMT_INCIDENTS_TOTAL,
	STMT_FLAKY,
	STMT__MAX
};

/* SQL: a result's run and its texts, over the alias r (BY_TEST_ROWS) */
#define TEST_ROW_JOINS \
	"JOIN runs u ON u.id = r.run LEFT JOIN result_texts x ON " \
	"x.run = r.run AND x.test = r.test"

/* SQL: a history entry's columns, its message from msg */
#define HISTORY_ROW(msg) \
	"u.run_id, r.started_at AS started_at, u.branch, u.git_sha, " \
	"r.status, r.duration_ms, r.attempts, r.flaky_in_run, " \
	"r.fingerprint, " msg ", r.run AS run"

/* SQL: a results entry's columns (over TEST_ROW_JOINS) */
#define RESULT_ROW \
	"u.run_id, r.status, r.duration_ms, x.details, x.message, " \
	"u.triggered_by, r.started_at AS started_at, u.finished_at, " \
	"r.run AS run"

/*
 * SQL: test ?1's count of results (col: a column of history_days, cond:
 * the rows it counts, over the alias r) from its days in the copy and
 * the pending runs (lib/db/history.h), where a count(*) over its results
 * read every one.
 */
#define DAYS_TOTAL(col, cond) \
	"SELECT (SELECT coalesce(sum(" col "), 0) FROM history_days " \
	"WHERE test = ?1) + " PENDING_COUNT("?1", cond)
/*
 * SQL: test ?1's results since ?2 (ms) meeting status (over the alias
 * r), counted in col of history_days: its days after ?3, the rest of the
 * day that holds ?2 (before ?4, its end) from the copy, and the pending
 * runs' rows.
 */
#define UPTIME_COUNT(col, status) \
	"(SELECT coalesce(sum(" col "), 0) FROM history_days " \
	"WHERE test = ?1 AND day > ?3) + (SELECT count(*) FROM " \
	"result_history r WHERE r.test = ?1 AND r.started_at >= ?2 AND " \
	"r.started_at < ?4 AND " status ") + " \
	PENDING_COUNT("?1", "r.started_at >= ?2 AND " status)

static const char *const sql[STMT__MAX] = {
	[STMT_LIST_NAME] = CATALOGUE("name", AFTER_NAME, "ASC"),
	[STMT_LIST_FAIL_RATE] = CATALOGUE(FAIL_RATE_KEY,
	    AFTER_KEY(FAIL_RATE_KEY, "<"), "DESC"),
	[STMT_LIST_FLAKINESS] = CATALOGUE(FLAKY_KEY, AFTER_KEY(FLAKY_KEY, "<"),
	    "DESC"),
	[STMT_LIST_DURATION] = CATALOGUE(DURATION_KEY,
	    AFTER_KEY(DURATION_KEY, "<"), "DESC"),
	[STMT_LIST_LAST_FAILED] = CATALOGUE(LAST_FAILED_KEY,
	    AFTER_KEY(LAST_FAILED_KEY, "<"), "DESC"),
	[STMT_PAGE_FAIL_RATE] = CATALOGUE_STATS(FAIL_RATE_KEY),
	[STMT_PAGE_FLAKINESS] = CATALOGUE_STATS(FLAKY_KEY),
	[STMT_PAGE_DURATION] = CATALOGUE_STATS(DURATION_KEY),
	[STMT_PAGE_LAST_FAILED] = CATALOGUE_STATS(LAST_FAILED_KEY),
	[STMT_B_NAME] = CATALOGUE_B("name", AFTER_NAME, "ASC"),
	[STMT_B_FAIL_RATE] = CATALOGUE_B(B_FAIL_RATE_KEY,
	    AFTER_KEY(B_FAIL_RATE_KEY, "<"), "DESC"),
	[STMT_B_FLAKINESS] = CATALOGUE_B(B_FLAKY_KEY,
	    AFTER_KEY(B_FLAKY_KEY, "<"), "DESC"),
	[STMT_B_DURATION] = CATALOGUE_B(DURATION_KEY,
	    AFTER_KEY(DURATION_KEY, "<"), "DESC"),
	[STMT_B_LAST_FAILED] = CATALOGUE_B(B_LAST_FAILED_KEY,
	    AFTER_KEY(B_LAST_FAILED_KEY, "<"), "DESC"),
	[STMT_GET] =
	    "SELECT " TESTS_COLS " FROM " TESTS_FROM " WHERE id = ?1 AND "
	    "tests.project_id = ?2 AND test_id = ?3",
	/* one test with its figures on a branch, pending when it never
	 * ran there */
	[STMT_GET_B] =
	    "WITH " STREAM_TEST " SELECT " B_COLS " FROM tests JOIN "
	    "test_stats ON test_stats.test = tests.id LEFT JOIN b ON "
	    "bt = tests.id WHERE tests.id = ?15 AND tests.project_id = ?1 "
	    "AND test_id = ?16",
	/* where a test ran: its streams, the newest first */
	[STMT_STREAMS] =
	    "SELECT branch, job, last_status, last_result_at, runs_count, "
	    "recent FROM stream_stats WHERE test = ?1 "
	    "ORDER BY last_result_at DESC, branch, job LIMIT 50",
	[STMT_INCIDENT] =
	    "SELECT i.id, o.run_id, i.opened_at, i.closed_at, c.run_id, "
	    "i.failure_count, i.fingerprint, i.message, x.details, "
	    "i.alert_sent, i.branch FROM incidents i "
	    "JOIN runs o ON o.id = i.opened_run "
	    "LEFT JOIN runs c ON c.id = i.closed_run "
	    "LEFT JOIN result_texts x ON x.run = i.opened_run AND "
	    "x.test = i.test WHERE i.id = ?1",
	/* by test: lib/db/history.h; each page read in index order, joined
	 * as it is read */
	[STMT_HISTORY] = BY_TEST_ROWS_2(HISTORY_ROW("r.message"),
	    "JOIN runs u ON u.id = r.run", HISTORY_ROW("x.message"),
	    TEST_ROW_JOINS, "?1",
	    "(CAST(?2 AS TEXT) IS NULL OR u.branch = ?2) AND "
	    "((r.started_at, r.run) < (?3, ?4) OR ?3 IS NULL)",
	    "ORDER BY started_at DESC, run DESC LIMIT ?5"),
	[STMT_RESULTS] = BY_TEST_ROWS(RESULT_ROW, TEST_ROW_JOINS, "?1", "1 = 1",
	    "ORDER BY started_at DESC, run DESC LIMIT ?2 OFFSET ?3"),
	/* a page past the first: its rows found first, then joined, so the
	 * rows the offset skips are not (SQLite sorts the page again) */
	[STMT_RESULTS_AT] =
	    "SELECT " RESULT_ROW " FROM (" BY_TEST("?1",
	    "1 = 1", "ORDER BY started_at DESC, run DESC LIMIT ?2 OFFSET ?3")
	    ") AS r " TEST_ROW_JOINS " ORDER BY r.started_at DESC, r.run DESC",
	[STMT_RESULTS_TOTAL] = DAYS_TOTAL("results", "1 = 1"),
	[STMT_TIMING] = BY_TEST_ROWS("r.started_at AS started_at, "
	    "r.duration_ms, u.run_id, r.run AS run", "JOIN runs u ON u.id = r.run", "?1",
	    "r.duration_ms IS NOT NULL",
	    "ORDER BY started_at DESC, run DESC LIMIT ?2"),
	[STMT_TIMING_TOTAL] = DAYS_TOTAL("timed", "r.duration_ms IS NOT NULL"),
	[STMT_UPTIME] =
	    "SELECT " UPTIME_COUNT("passed", "r.status = 0") ", "
	    UPTIME_COUNT("failed", "r.status IN (1, 2)"),
	[STMT_INCIDENTS] =
	    "SELECT i.id, o.run_id, i.opened_at, i.closed_at, c.run_id, "
	    "i.failure_count, i.fingerprint, i.message, x.details, "
	    "i.alert_sent, i.branch FROM incidents i "
	    "JOIN runs o ON o.id = i.opened_run "
	    "LEFT JOIN runs c ON c.id = i.closed_run "
	    "LEFT JOIN result_texts x ON x.run = i.opened_run AND "
	    "x.test = i.test WHERE i.test = ?1 "
	    "ORDER BY i.opened_at DESC, i.id DESC LIMIT ?2",
	[STMT_INCIDENTS_TOTAL] =
	    "SELECT count(*) FROM incidents WHERE test = ?1",
	/* states and order from flaky_states alone; definitions and
	 * stats joined for the page only */
	[STMT_FLAKY] =
	    "SELECT " TESTS_COLS ", fs.state, fs.first_at, fs.last_at, "
	    "fs.resolved_at, fs.same_sha, fs.retry_passes, fs.flip_rate, "
	    "fs.flip_branch, fs.flip_active, fs.monitors, fs.evidence, "
	    "fs.flip_job FROM (SELECT test AS sid FROM flaky_states "
	    "WHERE project_id = ?1 AND (state = ?2 OR ?2 IS NULL) AND "
	    "((last_at, test) < (?3, ?4) OR ?3 IS NULL) AND ("
	    "test = (SELECT t.id FROM tests t WHERE t.id = ?7 AND "
	    "t.test_id = ?6) OR ?6 IS NULL) AND ((CAST(?8 AS TEXT) IS NULL AND "
	    "CAST(?9 AS TEXT) IS NULL) OR test IN "
	    "(SELECT s.test FROM stream_stats s WHERE s.project_id = ?1 AND "
	    "(s.branch = ?8 OR ?8 IS NULL) AND (s.job = ?9 OR ?9 IS NULL) "
	    "AND s.flaky_at IS NOT NULL)) "
	    "ORDER BY last_at DESC, test DESC LIMIT ?5) AS p "
	    PAGE_JOIN " JOIN flaky_states fs ON fs.test = sid "
	    "ORDER BY fs.last_at DESC, sid DESC",
};

/* The tags column ("a,b") as a JSON array. */
static json_t *
tags_json(const char *tags)
{
	json_t *arr = jval_array();
	const char *p = tags, *e;

	while (p != NULL && *p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p)
			jval_push(arr, json_stringn(p, (size_t)(e - p)));
		p = *e != '\0' ? e + 1 : e;
	}
	return arr;
}

/* The catalogue object of the test row at st (TESTS_COLS). */
json_t *
tests_row_json(struct db_query *st)
{
	json_t *o = jval_object();
	const char *recent = db_column_text(st, 22);
	size_t n = 0, pass = 0, ran = 0;

	jval_set(o, "test_id", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	jval_set(o, "base_name", jval_col_text(st, 2));
	jval_set(o, "params", jval_col_text(st, 3));
	jval_set(o, "classname", jval_col_text(st, 4));
	jval_set(o, "file", jval_col_text(st, 5));
	jval_set(o, "line", jval_col_int(st, 6));
	jval_set(o, "suite_path", jval_col_text(st, 7));
	jval_set(o, "tags", tags_json(db_column_text(st, 8)));
	jval_set(o, "owner", jval_col_text(st, 9));
	jval_set(o, "state", jval_col_text(st, 10));
	jval_set(o, "first_seen_at", jval_col_time(st, 11));
	jval_set(o, "last_seen_at", jval_col_time(st, 12));
	jval_set(o, "last_status", db_col_type(st, 13) ==
	    DB_NULL ? jval_str("pending") : jval_col_text(st, 13));
	jval_set(o, "last_result_at", jval_col_time(st, 14));
	jval_set(o, "last_passed_at", jval_col_time(st, 15));
	jval_set(o, "last_failed_at", jval_col_time(st, 16));
	jval_set(o, "runs", jval_col_int(st, 17));
	jval_set(o, "flaky_runs", jval_col_int(st, 18));
	jval_set(o, "p50_ms", jval_col_int(st, 19));
	jval_set(o, "p95_ms", jval_col_int(st, 20));
	jval_set(o, "open_incident_id", jval_col_int(st, 21));
	for (n = 0; recent != NULL && recent[n] != '\0'; n++) {
		pass += recent[n] == 'P';
		ran += recent[n] != 'S';
	}
	jval_set(o, "recent", jval_col_text(st, 22));
	jval_set(o, "pass_rate", ran > 0 ? json_real((double)pass /
	    (double)ran) : json_null());
	/* the flaky pass's flip rate on the default branch (issue 13) */
	jval_set(o, "flaky_score", json_real(db_col_double(st, 24)));
	return o;
}

/* Sets the scope of an answer: "branch" (null: every branch) and "job"
 * (null: every job). */
static void
scope_json(json_t *o, const char *branch, const char *job)
{
	jval_set(o, "branch", branch != NULL ? jval_str(branch) :
	    json_null());
	jval_set(o, "job", job != NULL ? jval_str(job) : json_null());
}

/*
 * GET /api/tests: {"tests":[...], "sort", "branch", "job",
 * "next_cursor"}.  With a branch or job (f->branch, f->job), the tests
 * that ran there with their figures there (STREAM_TESTS), else every
 * test with the project's rollups.  Returns 0,
 * CURSOR_BAD or -1.  Each sort is its own list ("tests-<sort>"): by name
 * the cursor is the id alone (?8), else the sort key and the id (?7, ?8).
 */
int
tests_list(struct db *db, int64_t project, const struct tests_filter *f,
    json_t **out)
{
	static const enum stmt by_sort[SORT__MAX] = { STMT_LIST_NAME,
	    STMT_LIST_FAIL_RATE, STMT_LIST_FLAKINESS, STMT_LIST_DURATION,
	    STMT_LIST_LAST_FAILED };
	static const enum stmt paged[SORT__MAX] = { STMT_LIST_NAME,
	    STMT_PAGE_FAIL_RATE, STMT_PAGE_FLAKINESS, STMT_PAGE_DURATION,
	    STMT_PAGE_LAST_FAILED };
	static const enum stmt in_branch[SORT__MAX] = { STMT_B_NAME,
	    STMT_B_FAIL_RATE, STMT_B_FLAKINESS, STMT_B_DURATION,
	    STMT_B_LAST_FAILED };
	int scoped = f->branch != NULL || f->job != NULL;
	int stats_only = !scoped && f->q == NULL && f->owner == NULL &&
	    f->tag == NULL && f->feature_id <= 0 && f->domain_id <= 0;
	int named = f->sort == SORT_NAME;
	struct cursor_list paging = { NULL, named ? "i" : "ri",
	    { named ? 23 : TESTS_NCOLS, 23 } };
	char kind[32], like[600];
	struct cursor_page pg;
	struct db_query *st;
	json_t *o;

	snprintf(kind, sizeof(kind), "tests-%s", tests_sort_names[f->sort]);
	paging.kind = kind;
	if (cursor_page_open(&pg, &paging, f->cursor, f->limit) != 0)
		return CURSOR_BAD;
	if ((st = DB_STMT(db, DBM_TESTS, scoped ? in_branch[f->sort] :
	    stats_only ? paged[f->sort] : by_sort[f->sort])) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, like_pattern(f->q, like,
	    sizeof(like))) == -1 ||
	    db_bind_text(db, st, 3, f->status) == -1 ||
	    db_bind_int_opt(db, st, 4, f->flaky) == -1 ||
	    db_bind_text(db, st, 5, f->owner) == -1 ||
	    db_bind_text(db, st, 6, f->tag) == -1 ||
	    (!stats_only && (db_bind_int_opt(db, st, 10, f->feature_id > 0 ?
	    f->feature_id : -1) == -1 ||
	    db_bind_int_opt(db, st, 11, f->domain_id > 0 ? f->domain_id :
	    -1) == -1)) ||
	    (scoped && (db_bind_text_opt(db, st, 12, f->branch) == -1 ||
	    db_bind_text_opt(db, st, 13, f->job) == -1 ||
	    db_bind_int(db, st, 14, f->flaky_window) == -1 ||
	    db_bind_int_opt(db, st, 15, -1) == -1)) ||
	    cursor_page_bind(&pg, db, st, named ? 8 : 7, 9) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	o = jval_object();
	if (cursor_page_rows(&pg, db, st, tests_row_json, o, "tests") == -1) {
		json_decref(o);
		return -1;
	}
	jval_set(o, "sort", jval_str(tests_sort_names[f->sort]));
	scope_json(o, f->branch, f->job);
	cursor_page_finish(&pg, o);
	*out = o;
	return 0;
}

/*
 * Finds test_id in project: 1 with its row key (and object: with the
 * figures of scope's branch and job when sc is not NULL and names one),
 * 0, -1.
 */
static int
test_find(struct db *db, int64_t project, const char *test_id, int64_t *key,
    const struct tests_scope *sc, json_t **obj)
{
	struct db_query *st;
	int rc, scoped = sc != NULL && (sc->branch != NULL || sc->job != NULL);

	*key = ident_test_key(test_id);
	if (scoped) {
		if ((st = DB_STMT(db, DBM_TESTS, STMT_GET_B)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_text_opt(db, st, 12, sc->branch) == -1 ||
		    db_bind_text_opt(db, st, 13, sc->job) == -1 ||
		    db_bind_int(db, st, 14, sc->flaky_window) == -1 ||
		    db_bind_int(db, st, 15, *key) == -1 ||
		    db_bind_text(db, st, 16, test_id) == -1)
			return -1;
	} else if ((st = DB_STMT(db, DBM_TESTS, STMT_GET)) == NULL ||
	    db_bind_int(db, st, 1, *key) == -1 ||
	    db_bind_int(db, st, 2, project) == -1 ||
	    db_bind_text(db, st, 3, test_id) == -1)
		return -1;
	rc = db_step(db, st);
	if (rc == DB_ROW && obj != NULL)
		*obj = tests_row_json(st);
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/* One row of STMT_STREAMS: a branch and job the test ran in. */
static json_t *
stream_row(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "branch", jval_col_text(st, 0));
	jval_set(o, "job", db_col_len(st, 1) > 0 ?
	    jval_col_text(st, 1) : json_null());
	jval_set(o, "last_status", jval_col_text(st, 2));
	jval_set(o, "last_result_at", jval_col_time(st, 3));
	jval_set(o, "runs", jval_col_int(st, 4));
	jval_set(o, "recent", jval_col_text(st, 5));
	return o;
}

/* The incident object of the row at st (STMT_INCIDENT columns). */
static const struct jcol incident_cols[] = {
	{ "id", 0, JCOL_INT, NULL },
	{ "opened_run_id", 1, JCOL_TEXT, NULL },
	{ "started_at", 2, JCOL_TIME, NULL },
	{ "resolved_at", 3, JCOL_TIME, NULL },
	{ "resolved_run_id", 4, JCOL_TEXT, NULL },
	{ "failure_count", 5, JCOL_INT, NULL },
	{ "fingerprint", 6, JCOL_TEXT, NULL },
	{ "error", 7, JCOL_TEXT, NULL },
	{ "details", 8, JCOL_TEXT, NULL },
	{ "alert_sent", 9, JCOL_BOOL, NULL },
	{ "branch", 10, JCOL_TEXT, NULL },
};
#define INCIDENT_COLS	incident_cols, \
	sizeof(incident_cols) / sizeof(incident_cols[0])

/*
 * GET /api/tests/{test_id}: the catalogue fields (for sc's branch and job:
 * see tests_list) plus "open_incident" as an object, "mappings", and
 * "streams": each branch and job it ran in with its latest status there,
 * the newest first.  Returns 1, 0 (unknown test) or -1.
 */
int
tests_detail(struct db *db, int64_t project, const char *test_id,
    const struct tests_scope *sc, json_t **out)
{
	json_t *o = NULL, *inc = json_null();
	struct db_query *st;
	int64_t key;
	int rc;

	if ((rc = test_find(db, project, test_id, &key, sc, &o)) != 1)
		return rc;
	scope_json(o, sc->branch, sc->job);
	if (json_is_integer(json_object_get(o, "open_incident_id"))) {
		if ((st = DB_STMT(db, DBM_TESTS, STMT_INCIDENT)) == NULL ||
		    db_bind_int(db, st, 1, json_integer_value(
		    json_object_get(o, "open_incident_id"))) == -1 ||
		    (rc = db_step(db, st)) == -1) {
			json_decref(o);
			return -1;
		}
		if (rc == DB_ROW)
			inc = jval_row(st, INCIDENT_COLS);
		db_reset(st);
	}
	jval_set(o, "open_incident", inc);
	if ((inc = mappings_list(db, key)) == NULL) {
		json_decref(o);
		return -1;
	}
	jval_set(o, "mappings", inc);
	if ((st = DB_STMT(db, DBM_TESTS, STMT_STREAMS)) == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    (inc = jval_rows(db, st, stream_row)) == NULL) {
		json_decref(o);
		return -1;
	}
	jval_set(o, "streams", inc);
	*out = o;
	return 1;
}

/*
 * Starts a test's list answer in out: {"test_id": test_id, list: [ ...
 * (history, results, timing, incidents), the caller writing the entries
 * and what follows the list.
 */
static void
test_list_open(struct jwrite *w, struct buf *out, const char *test_id,
    const char *list)
{
	jw_init(w, out);
	jw_object(w);
	jw_key(w, "test_id");
	jw_str(w, test_id);
	jw_key(w, list);
	jw_array(w);
}

/* A history entry's own columns; runs_result_cols follow from 4 on. */
static const struct jcol history_cols[] = {
	{ "run_id", 0, JCOL_TEXT, NULL },
	{ "started_at", 1, JCOL_TIME, NULL },
	{ "branch", 2, JCOL_TEXT, NULL },
	{ "git_sha", 3, JCOL_TEXT, NULL },
};

/* A test's history pages by (started_at, run), newest first. */
static const struct cursor_list history_paging = { "history", "ii",
    { 1, 10 } };

/*
 * GET /api/tests/{test_id}/history: per-run results newest first, with a
 * keyset cursor; optional branch: {test_id, history:[...], next_cursor},
 * written into out, *rows the entries.  Returns 1, 0, CURSOR_BAD, -1.
 */
int
tests_history(struct db *db, int64_t project, const char *test_id,
    const char *branch, const char *cursor, int limit, struct buf *out,
    long *rows)
{
	struct cursor_page pg;
	struct db_query *st;
	struct jwrite w;
	int64_t key;
	char *next;
	int rc;

	*rows = 0;
	if (cursor_page_open(&pg, &history_paging, cursor, limit) != 0)
		return CURSOR_BAD;
	if ((rc = test_find(db, project, test_id, &key, NULL, NULL)) != 1) {
		cursor_page_clear(&pg);
		return rc;
	}
	if ((st = DB_STMT(db, DBM_TESTS, STMT_HISTORY)) == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    db_bind_text(db, st, 2, branch) == -1 ||
	    cursor_page_bind(&pg, db, st, 3, 5) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	test_list_open(&w, out, test_id, "history");
	while ((rc = cursor_page_step(&pg, db, st)) == DB_ROW) {
		jw_object(&w);
		jw_fields(&w, st, history_cols, sizeof(history_cols) /
		    sizeof(history_cols[0]), 0);
		jw_fields(&w, st, runs_result_cols, RUNS_RESULT_COLS, 4);
		jw_end_object(&w);
		(*rows)++;
	}
	db_reset(st);
	if (rc == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	jw_end_array(&w);
	jw_key(&w, "next_cursor");
	next = cursor_page_next(&pg);
	jw_str(&w, next);
	free(next);
	jw_end_object(&w);
	return 1;
}

/* Runs a count(*) statement bound to key; the count or -1. */
static int64_t
count_of(struct db *db, enum stmt s, int64_t key)
{
	struct db_query *st = DB_STMT(db, DBM_TESTS, s);
	int64_t n = -1;

	if (st == NULL || db_bind_int(db, st, 1, key) == -1)
		return -1;
	if (db_step(db, st) == DB_ROW)
		n = db_col_int(st, 0);
	db_reset(st);
	return n;
}

/*
 * GET /api/tests/{test_id}/results (API-10): offset pagination,
 * {test_id, results:[{run_id, passed, status, duration_ms, details,
 * error, triggered_by, started_at, completed_at}], total, limit, offset},
 * written into out (jwrite.c), *rows the results listed.  Returns 1, 0
 * or -1.
 */
int
tests_results(struct db *db, int64_t project, const char *test_id,
    int limit, int offset, struct buf *out, long *rows)
{
	struct db_query *st;
	struct jwrite w;
	int64_t key, total;
	int rc;

	*rows = 0;
	if ((rc = test_find(db, project, test_id, &key, NULL, NULL)) != 1)
		return rc;
	if ((total = count_of(db, STMT_RESULTS_TOTAL, key)) < 0 ||
	    (st = DB_STMT(db, DBM_TESTS, offset > 0 ? STMT_RESULTS_AT :
	    STMT_RESULTS)) == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    db_bind_int(db, st, 2, limit) == -1 ||
	    db_bind_int(db, st, 3, offset) == -1)
		return -1;
	test_list_open(&w, out, test_id, "results");
	while ((rc = db_step(db, st)) == DB_ROW) {
		int status = (int)db_col_int(st, 1);
		jw_object(&w);
		jw_key(&w, "run_id");
		jw_col_text(&w, st, 0);
		jw_key(&w, "passed");
		jw_bool(&w, status == ST_PASSED);
		jw_key(&w, "status");
		jw_str(&w, junit_status_name((enum tv_status)status));
		jw_key(&w, "duration_ms");
		jw_col_int(&w, st, 2);
		jw_key(&w, "details");
		jw_col_text(&w, st, 3);
		jw_key(&w, "error");
		jw_col_text(&w, st, 4);
		jw_key(&w, "triggered_by");
		jw_col_text(&w, st, 5);
		jw_key(&w, "started_at");
		jw_col_time(&w, st, 6);
		jw_key(&w, "completed_at");
		jw_col_time(&w, st, 7);
		jw_end_object(&w);
		(*rows)++;
	}
	db_reset(st);
	if (rc == -1)
		return -1;
	jw_end_array(&w);
	jw_key(&w, "total");
	jw_int(&w, total);
	jw_key(&w, "limit");
	jw_int(&w, limit);
	jw_key(&w, "offset");
	jw_int(&w, offset);
	jw_end_object(&w);
	return 1;
}

/*
 * GET /api/tests/{test_id}/timing (API-11): {test_id, timing:[{timestamp,
 * duration_ms, run_id}], total}, newest first, written into out, *rows
 * the entries; one entry per run, so equal durations all appear.
 * Returns 1, 0 or -1.
 */
int
tests_timing(struct db *db, int64_t project, const char *test_id, int limit,
    struct buf *out, long *rows)
{
	struct db_query *st;
	struct jwrite w;
	int64_t key, total;
	int rc;

	*rows = 0;
	if ((rc = test_find(db, project, test_id, &key, NULL, NULL)) != 1)
		return rc;
	if ((total = count_of(db, STMT_TIMING_TOTAL, key)) < 0 ||
	    (st = DB_STMT(db, DBM_TESTS, STMT_TIMING)) == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    db_bind_int(db, st, 2, limit) == -1)
		return -1;
	test_list_open(&w, out, test_id, "timing");
	while ((rc = db_step(db, st)) == DB_ROW) {
		jw_object(&w);
		jw_key(&w, "timestamp");
		jw_col_time(&w, st, 0);
		jw_key(&w, "duration_ms");
		jw_col_int(&w, st, 1);
		jw_key(&w, "run_id");
		jw_col_text(&w, st, 2);
		jw_end_object(&w);
		(*rows)++;
	}
	db_reset(st);
	if (rc == -1)
		return -1;
	jw_end_array(&w);
	jw_key(&w, "total");
	jw_int(&w, total);
	jw_end_object(&w);
	return 1;
}

/*
 * GET /api/tests/{test_id}/uptime (API-12): over the last `hours` before
 * now, passed / (passed + failed + errors) as a percentage, skipped
 * excluded; 100.0 with total_runs 0 when nothing ran.  Returns 1, 0, -1.
 */
int
tests_uptime(struct db *db, int64_t project, const char *test_id, int hours,
    int64_t now, json_t **out)
{
	struct db_query *st;
	int64_t key, passed, failed, since, day;
	int rc;

	if ((rc = test_find(db, project, test_id, &key, NULL, NULL)) != 1)
		return rc;
	/* history_days's day 0 holds (-1 day, 1 day): a window from
	 * before 1 day counts from its start to the end of day 0 */
	since = now - (int64_t)hours * 3600000;
	day = since > 0 ? since / HISTORY_DAY_MS : 0;
	if ((st = DB_STMT(db, DBM_TESTS, STMT_UPTIME)) == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    db_bind_int(db, st, 2, since) == -1 ||
	    db_bind_int(db, st, 3, day) == -1 ||
	    db_bind_int(db, st, 4, (day + 1) * HISTORY_DAY_MS) == -1 ||
	    db_step(db, st) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	passed = db_col_int(st, 0);
	failed = db_col_int(st, 1);
	db_reset(st);
	*out = json_pack("{sssfsIsIsIsi}", "test_id", test_id,
	    "uptime_pct", passed + failed == 0 ? 100.0 :
	    (double)(int64_t)((double)passed * 10000.0 /
	    (double)(passed + failed) + 0.5) / 100.0,
	    "total_runs", (json_int_t)(passed + failed),
	    "passed_runs", (json_int_t)passed,
	    "failed_runs", (json_int_t)failed, "window_hours", hours);
	return 1;
}

/*
 * GET /api/tests/{test_id}/incidents (API-13): {test_id, incidents:[...],
 * total}, newest first, written into out, *rows the incidents listed.
 * Returns 1, 0 or -1.
 */
int
tests_incidents(struct db *db, int64_t project, const char *test_id,
    int limit, struct buf *out, long *rows)
{
	struct db_query *st;
	struct jwrite w;
	int64_t key, total;
	int rc;

	*rows = 0;
	if ((rc = test_find(db, project, test_id, &key, NULL, NULL)) != 1)
		return rc;
	if ((total = count_of(db, STMT_INCIDENTS_TOTAL, key)) < 0 ||
	    (st = DB_STMT(db, DBM_TESTS, STMT_INCIDENTS)) == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    db_bind_int(db, st, 2, limit) == -1)
		return -1;
	test_list_open(&w, out, test_id, "incidents");
	while ((rc = db_step(db, st)) == DB_ROW) {
		jw_row(&w, st, INCIDENT_COLS);
		(*rows)++;
	}
	db_reset(st);
	if (rc == -1)
		return -1;
	jw_end_array(&w);
	jw_key(&w, "total");
	jw_int(&w, total);
	jw_end_object(&w);
	return 1;
}

/*
 * Stored evidence keeps times in ms; the API speaks ISO-8601 (I-5).
 * Items recorded before jobs (issue 13) name none: the unnamed job.
 */
static void
items_times(json_t *items)
{
	json_t *it, *at;
	size_t i;

	json_array_foreach(items, i, it) {
		if (json_is_integer(at = json_object_get(it, "at")))
			jval_set(it, "at", jval_time(json_integer_value(at)));
		if (json_object_get(it, "job") == NULL)
			jval_set(it, "job", json_null());
	}
}

/* One row of STMT_FLAKY: the test with its flaky state and evidence. */
static json_t *
flaky_row(struct db_query *st)
{
	json_t *o = tests_row_json(st), *ev, *items;
	int c = TESTS_NCOLS;

	jval_set(o, "flaky_state", jval_col_text(st, c));
	jval_set(o, "first_flaked_at", jval_col_time(st, c + 1));
	jval_set(o, "last_flaked_at", jval_col_time(st, c + 2));
	jval_set(o, "resolved_at", jval_col_time(st, c + 3));
	ev = jval_object();
	jval_set(ev, "same_sha_conflicts", jval_col_int(st, c + 4));
	jval_set(ev, "retry_passes", jval_col_int(st, c + 5));
	jval_set(ev, "flip_rate", json_real(db_col_double(st, c + 6)));
	jval_set(ev, "flip_branch", jval_col_text(st, c + 7));
	jval_set(ev, "flip_job", jval_col_text(st, c + 11));
	jval_set(ev, "flip_active", json_boolean((int)db_col_int(st,
	    c + 8)));
	items = jval_load(db_column_text(st, c + 10));
	if (!json_is_array(items)) {
		json_decref(items);
		items = jval_array();
	}
	items_times(items);
	jval_set(ev, "items", items);
	jval_set(o, "evidence", ev);
	jval_set(o, "monitors", jval_str(db_column_text(st, c + 9)));
	return o;
}

/* The flaky list pages by (last flaked, test), most recent first. */
static const struct cursor_list flaky_paging = { "flaky", "ii",
    { TESTS_NCOLS + 2, 23 } };

/*
 * GET /api/tests/flaky: tests the flaky pass (lib/passes/flakystate.c) found
 * flaky (state "flaky", "resolved", or NULL for both), most recently
 * flaky first, each with "flaky_state", "monitors", "evidence"
 * {same_sha_conflicts, retry_passes, flip_rate, flip_branch, flip_job,
 * items: newest runs, each naming its branch and job}, and first/last
 * flaked; only test_id's state when test_id
 * (16 hex digits) is not NULL; only tests with evidence in sc's branch
 * and job (stream_stats.flaky_at) when it names one.  Returns 0, CURSOR_BAD or -1.
 */
int
tests_flaky(struct db *db, int64_t project, const char *state,
    const char *test_id, const struct tests_scope *sc, const char *cursor,
    int limit, json_t **out)
{
	struct cursor_page pg;
	struct db_query *st;
	int rc;

	if (cursor_page_open(&pg, &flaky_paging, cursor, limit) != 0)
		return CURSOR_BAD;
	if ((st = DB_STMT(db, DBM_TESTS, STMT_FLAKY)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, state) == -1 ||
	    cursor_page_bind(&pg, db, st, 3, 5) == -1 ||
	    db_bind_text(db, st, 6, test_id) == -1 ||
	    db_bind_int(db, st, 7, test_id != NULL ?
	    ident_test_key(test_id) : 0) == -1 ||
	    db_bind_text_opt(db, st, 8, sc->branch) == -1 ||
	    db_bind_text_opt(db, st, 9, sc->job) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	if ((rc = cursor_page_list(&pg, db, st, flaky_row, "flaky", out)) ==
	    0)
		scope_json(*out, sc->branch, sc->job);
	return rc;
}
