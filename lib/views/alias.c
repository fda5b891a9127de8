/*
 * Aliases (API-25): a renamed or moved test keeps its history.  Creating
 * an alias moves everything stored under the old test (results, texts,
 * incidents, failure groups, flaky state, signals) to the new one in one
 * transaction, rebuilds the new test's rollups from the merged results,
 * and leaves the old definition behind marked alias_of; ingest stores
 * later results of the old name under the new test (lib/ingest/ingest.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "config.h"
#include "db.h"
#include "fault.h"
#include "history.h"
#include "jval.h"
#include "mapping.h"
#include "rollup.h"
#include "utf8.h"

enum stmt {
	STMT_TEST,
	STMT_SIGNALS_RESOLVE,
	STMT_RESULTS_MOVE,
	STMT_RESULTS_DROP,
	STMT_HISTORY_MOVE,
	STMT_HISTORY_DROP,
	STMT_TEXTS_MOVE,
	STMT_TEXTS_DROP,
	STMT_INCIDENTS_MOVE,
	STMT_INCIDENT_DAYS_CLOSE,
	STMT_INCIDENTS_CLOSE,
	STMT_FTESTS_MERGE,
	STMT_FTESTS_DROP,
	STMT_FLAKY_MOVE,
	STMT_FLAKY_DROP,
	STMT_WINDOWS_DROP,
	STMT_SIGNALS_MOVE,
	STMT_MAPPINGS_DROP,
	STMT_RECENT,
	STMT_STATS_MERGE,
	STMT_STATS_WINDOW,
	STMT_STATS_DROP,
	STMT_TEST_MARK,
	STMT_ALIASES_REPOINT,
	STMT_ALIAS_ADD,
	STMT_PROJECT_COUNT,
	STMT_EVENT,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_TEST] =
	    "SELECT id, alias_of, feature, name FROM tests WHERE "
	    "project_id = ?1 AND test_id = ?2",
	[STMT_SIGNALS_RESOLVE] =
	    "UPDATE signals SET status = 'resolved', updated_at = ?3, "
	    "note = 'renamed to ' || ?2 WHERE test = ?1 AND signal_type = "
	    "'test_removed' AND status <> 'resolved'",
	/* the rows the target has no twin of (SQLite's UPDATE OR IGNORE,
	 * spelled out for PostgreSQL): by run; by open incident's branch */
	[STMT_RESULTS_MOVE] =
	    "UPDATE results SET test = ?2 WHERE test = ?1 AND run IN "
	    "(SELECT run FROM (" BY_TEST("?1", "1 = 1", "") ") AS h) AND "
	    "NOT EXISTS (SELECT 1 FROM results o WHERE o.run = results.run "
	    "AND o.test = ?2)",
	[STMT_RESULTS_DROP] =
	    "DELETE FROM results WHERE test = ?1 AND run IN "
	    "(SELECT run FROM (" BY_TEST("?1", "1 = 1", "") ") AS h)",
	/* the per-test copy follows results by the same rule */
	[STMT_HISTORY_MOVE] =
	    "UPDATE result_history SET test = ?2 WHERE test = ?1 AND NOT "
	    "EXISTS (SELECT 1 FROM result_history o WHERE o.test = ?2 AND "
	    "o.started_at = result_history.started_at AND "
	    "o.run = result_history.run)",
	[STMT_HISTORY_DROP] = "DELETE FROM result_history WHERE test = ?1",
	[STMT_TEXTS_MOVE] =
	    "UPDATE result_texts SET test = ?2 WHERE test = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM result_texts o WHERE o.run = result_texts.run AND "
	    "o.test = ?2)",
	[STMT_TEXTS_DROP] = "DELETE FROM result_texts WHERE test = ?1",
	[STMT_INCIDENTS_MOVE] =
	    "UPDATE incidents SET test = ?2 WHERE test = ?1 AND (closed_at IS "
	    "NOT NULL OR NOT EXISTS (SELECT 1 FROM incidents o WHERE "
	    "o.test = ?2 AND o.branch = incidents.branch AND "
	    "o.closed_at IS NULL))",
	/* an open episode on a branch where the new test has one too */
	/* the closes of the next statement, counted into incident_days */
	[STMT_INCIDENT_DAYS_CLOSE] =
	    "INSERT INTO incident_days (project_id, branch, day, opened, "
	    "closed) SELECT project_id, branch, last_failed_at / 86400000 * "
	    "86400000, 0, count(*) FROM incidents WHERE test = ?1 AND "
	    "closed_at IS NULL GROUP BY project_id, branch, last_failed_at / "
	    "86400000 * 86400000 ON CONFLICT (project_id, branch, day) DO "
	    "UPDATE SET closed = incident_days.closed + excluded.closed",
	[STMT_INCIDENTS_CLOSE] =
	    "UPDATE incidents SET closed_at = last_failed_at, closed_run = "
	    "last_run, test = ?2 WHERE test = ?1",
	[STMT_FTESTS_MERGE] =
	    "INSERT INTO failure_tests (project_id, fingerprint, test, "
	    "occurrences, last_seen_at) SELECT project_id, fingerprint, ?2, "
	    "occurrences, last_seen_at FROM failure_tests WHERE test = ?1 "
	    "AND project_id = ?3 ORDER BY fingerprint "
	    "ON CONFLICT (project_id, fingerprint, test) DO UPDATE SET "
	    "occurrences = failure_tests.occurrences + excluded.occurrences, "
	    "last_seen_at = max(failure_tests.last_seen_at, "
	    "excluded.last_seen_at)",
	[STMT_FTESTS_DROP] =
	    "DELETE FROM failure_tests WHERE project_id = ?2 AND test = ?1",
	[STMT_FLAKY_MOVE] =
	    "UPDATE flaky_states SET test = ?2 WHERE test = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM flaky_states o WHERE o.test = ?2)",
	[STMT_FLAKY_DROP] = "DELETE FROM flaky_states WHERE test = ?1",
	[STMT_WINDOWS_DROP] = "DELETE FROM flaky_windows WHERE test = ?1",
	[STMT_SIGNALS_MOVE] = "UPDATE signals SET test = ?2 WHERE test = ?1",
	[STMT_MAPPINGS_DROP] = "DELETE FROM mappings WHERE test = ?1",
	[STMT_RECENT] =
	    "SELECT status, duration_ms FROM (" BY_TEST("?1", "1 = 1",
	    "ORDER BY started_at DESC, run DESC LIMIT " "50") ") AS r "
	    "ORDER BY started_at, run",
	/* counters add up; the latest result is the newer one's */
	[STMT_STATS_MERGE] =
	    "UPDATE test_stats SET "
	    "last_seen_at = max(test_stats.last_seen_at, o.last_seen_at), "
	    "last_status = CASE WHEN coalesce(o.last_result_at, 0) > "
	    "coalesce(test_stats.last_result_at, 0) THEN o.last_status ELSE "
	    "test_stats.last_status END, "
	    "last_run = CASE WHEN coalesce(o.last_result_at, 0) > "
	    "coalesce(test_stats.last_result_at, 0) THEN o.last_run ELSE "
	    "test_stats.last_run END, "
	    "last_result_at = max(coalesce(test_stats.last_result_at, 0), "
	    "coalesce(o.last_result_at, 0)), "
	    "last_passed_at = nullif(max(coalesce(test_stats.last_passed_at, "
	    "0), coalesce(o.last_passed_at, 0)), 0), "
	    "last_failed_at = nullif(max(coalesce(test_stats.last_failed_at, "
	    "0), coalesce(o.last_failed_at, 0)), 0), "
	    "runs_count = test_stats.runs_count + o.runs_count, "
	    "passed_count = test_stats.passed_count + o.passed_count, "
	    "failed_count = test_stats.failed_count + o.failed_count, "
	    "error_count = test_stats.error_count + o.error_count, "
	    "skipped_count = test_stats.skipped_count + o.skipped_count, "
	    "flaky_count = test_stats.flaky_count + o.flaky_count, "
	    "same_sha_flakes = test_stats.same_sha_flakes + o.same_sha_flakes, "
	    "flaky_first_at = nullif(min(coalesce(test_stats.flaky_first_at, "
	    "9e18), coalesce(o.flaky_first_at, 9e18)), 9e18), "
	    "flaky_last_at = nullif(max(coalesce(test_stats.flaky_last_at, 0), "
	    "coalesce(o.flaky_last_at, 0)), 0) "
	    "FROM (SELECT * FROM test_stats WHERE test = ?1) AS o "
	    "WHERE test_stats.test = ?2",
	[STMT_STATS_WINDOW] =
	    "UPDATE test_stats SET recent = ?2, recent_ms = ?3, "
	    "p50_ms = tv_pct(?3, 50), p95_ms = tv_pct(?3, 95), "
	    "fail_rate = tv_fail_rate(?2), flip_rate = tv_flip_rate(?2), "
	    "open_incident = (SELECT id FROM incidents WHERE test = ?1 AND "
	    "closed_at IS NULL ORDER BY opened_at DESC LIMIT 1) "
	    "WHERE test = ?1",
	[STMT_STATS_DROP] = "DELETE FROM test_stats WHERE test = ?1",
	[STMT_TEST_MARK] =
	    "UPDATE tests SET alias_of = ?2, feature = NULL WHERE id = ?1",
	[STMT_ALIASES_REPOINT] =
	    "UPDATE aliases SET to_test = ?2 WHERE to_test = ?1",
	[STMT_ALIAS_ADD] =
	    "INSERT INTO aliases (from_test, to_test, project_id, created_at) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[STMT_PROJECT_COUNT] =
	    "UPDATE projects SET test_count = test_count - 1 WHERE id = ?1",
	[STMT_EVENT] = DB_SQL2(
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'test_aliased', ?3, json_object('from', ?4, "
	    "'to', ?3))",
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'test_aliased', ?3, jsonb_build_object('from', "
	    "CAST(?4 AS TEXT), 'to', CAST(?3 AS TEXT)))"),
};

/* One test as found by its public id. */
struct atest {
	int64_t	 id, alias_of, feature;
};

/* Runs statement s with ?1 = a, ?2 = b (when b != 0); 0 or -1. */
static int
run2(struct db *db, enum stmt s, int64_t a, int64_t b)
{
	struct db_query *st;

	if ((st = DB_STMT(db, DBM_ALIAS, s)) == NULL ||
	    db_bind_int(db, st, 1, a) == -1 ||
	    (b != 0 && db_bind_int(db, st, 2, b) == -1))
		return -1;
	return db_step(db, st) == -1 ? -1 : 0;
}

/* Finds test_id in the project: 1 found, 0 not, -1 error. */
static int
find(struct db *db, int64_t project, const char *test_id, struct atest *t)
{
	struct db_query *st;
	int rc;

	if ((st = DB_STMT(db, DBM_ALIAS, STMT_TEST)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, test_id) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		t->id = db_col_int(st, 0);
		t->alias_of = db_col_int(st, 1);
		t->feature = db_col_int(st, 2);
	}
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * Rebuilds the status and duration windows of test from its newest 50
 * results, and everything derived from them.  Returns 0 or -1.
 */
static int
window_rebuild(struct db *db, int64_t test)
{
	char recent[64];
	unsigned char ms[4 * 50];
	struct db_query *st;
	size_t n = 0, m = 0;
	int rc;

	if ((st = DB_STMT(db, DBM_ALIAS, STMT_RECENT)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW && n < 50) {
		recent[n++] = rollup_status_char((int)db_col_int(st, 0));
		if (!db_col_null(st, 1)) {
			int64_t v = db_col_int(st, 1);
			uint32_t u = (uint32_t)(v < 0 ? 0 : v > INT32_MAX ?
			    INT32_MAX : v);
			ms[4 * m] = (unsigned char)u;
			ms[4 * m + 1] = (unsigned char)(u >> 8);
			ms[4 * m + 2] = (unsigned char)(u >> 16);
			ms[4 * m + 3] = (unsigned char)(u >> 24);
			m++;
		}
	}
	db_reset(st);
	if (rc == -1)
		return -1;
	recent[n] = '\0';
	if ((st = DB_STMT(db, DBM_ALIAS, STMT_STATS_WINDOW)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1 ||
	    db_bind_text(db, st, 2, recent) == -1 ||
	    db_bind_blob(db, st, 3, ms, 4 * m) == -1)
		return -1;
	return db_step(db, st) == -1 ? -1 : 0;
}

/*
 * POST /api/tests/aliases {"from": test_id, "to": test_id}: merges the
 * old test's history into the new one.  Runs its own transaction.
 * Returns 0 with *out {from, to, results_moved}, or -1 with f set: 400
 * bad body or from == to, 404 unknown test, 409 already an alias, 500.
 */
int
alias_create(struct db *db, const struct config *cfg, int64_t project,
    json_t *body, int64_t now, json_t **out, struct fault *f)
{
	json_t *jf = json_object_get(body, "from"), *jt = json_object_get(body,
	    "to");
	struct atest from, to;
	const char *k;
	json_t *x;
	struct db_query *st;
	int64_t moved, keep;
	int rc;

	*out = NULL;
	json_object_foreach(body, k, x)
		if (strcmp(k, "from") != 0 && strcmp(k, "to") != 0) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "unknown field '%.*s' (expected: from and "
			    "to, each a test_id)", UTF8_CUT(k, 64));
			return -1;
		}
	if (!json_is_string(jf) || !json_is_string(jt)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "from and to must both be test ids (the 16 hex "
		    "digits of test_id in GET /api/tests), not names");
		return -1;
	}
	if (strcmp(json_string_value(jf), json_string_value(jt)) == 0) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "from and to are the same test_id");
		return -1;
	}
	if ((rc = find(db, project, json_string_value(jf), &from)) == 1)
		rc = find(db, project, json_string_value(jt), &to);
	if (rc == -1) {
		fault_set(f, FAULT_STORAGE, "storage", "database error");
		return -1;
	}
	if (rc == 0) {
		fault_set(f, FAULT_NOT_FOUND, "not_found",
		    "no test with test_id '%.*s' in this project (from "
		    "and to take test ids, as GET /api/tests lists them, "
		    "not names)",
		    UTF8_CUT(find(db, project, json_string_value(jf), &from) ==
		    1 ? json_string_value(jt) : json_string_value(jf), 64));
		return -1;
	}
	if (from.alias_of != 0 || to.alias_of != 0) {
		fault_set(f, FAULT_CONFLICT, "conflict",
		    "%s is the test_id of a test already aliased to "
		    "another", from.alias_of != 0 ? "from" : "to");
		return -1;
	}
	if (db_begin(db) == -1)
		goto storage;
	if ((st = DB_STMT(db, DBM_ALIAS, STMT_SIGNALS_RESOLVE)) == NULL ||
	    db_bind_int(db, st, 1, from.id) == -1 ||
	    db_bind_text(db, st, 2, json_string_value(jt)) == -1 ||
	    db_bind_int(db, st, 3, now) == -1 || db_step(db, st) == -1)
		goto storage;
	if (run2(db, STMT_RESULTS_MOVE, from.id, to.id) == -1)
		goto storage;
	moved = db_changes(db);
	if ((st = DB_STMT(db, DBM_ALIAS, STMT_FTESTS_MERGE)) == NULL ||
	    db_bind_int(db, st, 1, from.id) == -1 ||
	    db_bind_int(db, st, 2, to.id) == -1 ||
	    db_bind_int(db, st, 3, project) == -1 || db_step(db, st) == -1)
		goto storage;
	if (run2(db, STMT_RESULTS_DROP, from.id, 0) == -1 ||
	    run2(db, STMT_HISTORY_MOVE, from.id, to.id) == -1 ||
	    run2(db, STMT_HISTORY_DROP, from.id, 0) == -1 ||
	    history_reread(db) == -1 ||
	    run2(db, STMT_TEXTS_MOVE, from.id, to.id) == -1 ||
	    run2(db, STMT_TEXTS_DROP, from.id, 0) == -1 ||
	    run2(db, STMT_INCIDENTS_MOVE, from.id, to.id) == -1 ||
	    run2(db, STMT_INCIDENT_DAYS_CLOSE, from.id, 0) == -1 ||
	    run2(db, STMT_INCIDENTS_CLOSE, from.id, to.id) == -1 ||
	    run2(db, STMT_FTESTS_DROP, from.id, project) == -1 ||
	    run2(db, STMT_FLAKY_MOVE, from.id, to.id) == -1 ||
	    run2(db, STMT_FLAKY_DROP, from.id, 0) == -1 ||
	    run2(db, STMT_WINDOWS_DROP, from.id, 0) == -1 ||
	    run2(db, STMT_SIGNALS_MOVE, from.id, to.id) == -1 ||
	    run2(db, STMT_MAPPINGS_DROP, from.id, 0) == -1 ||
	    run2(db, STMT_STATS_MERGE, from.id, to.id) == -1 ||
	    window_rebuild(db, to.id) == -1 ||
	    run2(db, STMT_STATS_DROP, from.id, 0) == -1 ||
	    run2(db, STMT_TEST_MARK, from.id, to.id) == -1 ||
	    run2(db, STMT_ALIASES_REPOINT, from.id, to.id) == -1 ||
	    run2(db, STMT_PROJECT_COUNT, project, 0) == -1)
		goto storage;
	if ((st = DB_STMT(db, DBM_ALIAS, STMT_ALIAS_ADD)) == NULL ||
	    db_bind_int(db, st, 1, from.id) == -1 ||
	    db_bind_int(db, st, 2, to.id) == -1 ||
	    db_bind_int(db, st, 3, project) == -1 ||
	    db_bind_int(db, st, 4, now) == -1 || db_step(db, st) == -1)
		goto storage;
	if ((st = DB_STMT(db, DBM_ALIAS, STMT_EVENT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, now) == -1 ||
	    db_bind_text(db, st, 3, json_string_value(jt)) == -1 ||
	    db_bind_text(db, st, 4, json_string_value(jf)) == -1 ||
	    db_step(db, st) == -1)
		goto storage;
	/* the moved results now count for the new test's feature */
	keep = cfg->retention_days > 0 ? now / 86400000 -
	    cfg->retention_days + 1 : 0;
	if (from.feature != 0 && from.feature != to.feature &&
	    (mapping_days_rebuild(db, project, from.feature, keep) == -1 ||
	    (to.feature != 0 && mapping_days_rebuild(db, project, to.feature,
	    keep) == -1)))
		goto storage;
	if (db_commit(db) == -1)
		goto storage;
	*out = json_pack("{sssssI}", "from", json_string_value(jf), "to",
	    json_string_value(jt), "results_moved", (json_int_t)moved);
	return 0;
storage:
	db_rollback(db);
	fault_set(f, FAULT_STORAGE, "storage", "the alias could not be stored");
	return -1;
}
