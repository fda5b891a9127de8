/*
 * The derived data that ingest keeps in the same transaction as the
 * results (ING-7), so that read endpoints never scan history:
 * rollup_apply() runs set-based SQL over one shard's results to update
 * the per-test rollups and the incidents (with their events).  The
 * rollups use SQL functions that every connection has (in C on SQLite,
 * db_sqlite_fn.c; in SQL on PostgreSQL, schema/postgres/0010): a window of
 * the last ROLLUP_WINDOW statuses ("PPFPS", one character each) and
 * durations (little-endian int32 ms in a blob), and percentiles over the
 * duration window.
 *
 *   tv_push_status(window, status, replace)  status 0..3 → P F E S
 *   tv_push_ms(window, ms, replace)          NULL ms leaves the window
 *   tv_pct(window_ms, p)                     nearest-rank percentile
 *   tv_flip_rate(window)                     pass<->fail changes per
 *                                            pair of runs, skips ignored
 *   tv_fail_rate(window)                     failures / runs that ran,
 *                                            NULL when none ran
 *   tv_half_pct(window_ms, half, p)          percentile of the older (0)
 *                                            or newer (1) half; NULL
 *                                            under 6 durations
 *
 * test_stats.flip_rate is not kept here: the flaky pass
 * (lib/passes/flakystate.c) sets it to the test's flip rate on the default
 * branch, judged within each job (issue 13 item 5).
 *
 * replace = 1 overwrites the newest entry instead of appending: a later
 * shard of the same run re-reporting the same test.  A result older than
 * a test's latest (history imported out of order) updates the counters
 * but not the latest status or the windows.  Incidents follow ingest
 * order: a passing run closes only incidents whose last failure is not
 * newer than it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "rollup.h"

/* The window character of a result status (0 passed .. 3 skipped). */
char
rollup_status_char(int status)
{
	static const char chars[] = "PFES";

	return status >= 0 && status <= 3 ? chars[status] : '?';
}

/*
 * The flaky score of a status window: how often consecutive runs that ran
 * (skips ignored) changed between pass and fail, from 0.0 (stable) to 1.0
 * (alternating every run); 0.0 with fewer than two runs, and 0.0 with a
 * single change: a test that broke (P P F F) or was fixed once is not
 * flaky, however short its window (a job renamed yesterday has a short
 * one: issue 13's scenario).
 */
double
rollup_flip_rate(const char *w)
{
	int prev = -1, n = 0, flips = 0, cur;

	for (; w != NULL && *w != '\0'; w++) {
		if (*w == 'S')
			continue;
		cur = *w == 'P';
		if (prev >= 0 && cur != prev)
			flips++;
		prev = cur;
		n++;
	}
	return n < 2 || flips < 2 ? 0.0 : (double)flips / (double)(n - 1);
}

/* The incidents STMT_CLOSE_EVENTS reports closed. */
#define CLOSE_EVENTS_FROM \
	"FROM incidents i JOIN tests t ON t.id = i.test WHERE " CLOSING("i")
/*
 * The open incidents of branch ?3 that a pass in shard ?2 of run ?1 (at
 * ?4) closes: read from the project's open incidents (a partial index),
 * each probing the run's results by key, not from the run's passes (most
 * of a run) probing the incidents.
 */
#define CLOSING(i) \
	i ".project_id = (SELECT project_id FROM runs WHERE id = ?1) AND " \
	i ".closed_at IS NULL AND " i ".branch = ?3 AND " \
	i ".last_failed_at <= ?4 AND EXISTS (SELECT 1 FROM results p " \
	"WHERE p.run = ?1 AND p.test = " i ".test AND p.shard = ?2 AND " \
	"p.status = 0)"
/* a UTC day in ms: incident_days keys on the midnight of its day */
#define DAY_MS 86400000LL
/* 1 when the condition c holds, else 0 (a comparison is a boolean on
 * PostgreSQL, which does no arithmetic on booleans) */
#define ONE_IF(c) "CASE WHEN " c " THEN 1 ELSE 0 END"
/* The test's latest result is of this run ?1 (a shard posted again). */
#define SAME_LAST "last_run IS NOT DISTINCT FROM ?1"
/* A result of run ?1 is newer than the test's latest known one. */
#define NEWER "r.started_at >= coalesce(last_result_at, r.started_at)"
#define SHARD_RESULTS \
	"(SELECT test, status, duration_ms, flaky_in_run, started_at " \
	"FROM results WHERE run = ?1 AND shard = ?2) AS r"

/* The status name of a result status column. */
#define STATUS_NAME(c) "CASE " c " WHEN 0 THEN 'passed' WHEN 1 THEN " \
	"'failed' WHEN 2 THEN 'error' ELSE 'skipped' END"
/*
 * Column c of result r's texts, or NULL: one lookup by (run, test) per
 * result, whatever the planner thinks of a run it has no statistics for
 * yet (a join there let PostgreSQL scan the run's texts once per failure:
 * 10,000 x 12,000 rows for a 100,000-test upload).
 */
#define TEXT_OF(c) "(SELECT x." c " FROM result_texts x WHERE " \
	"x.run = r.run AND x.test = r.test)"
/* In an upsert of stream_stats: the new result is the stream's latest. */
#define S_NEWER "excluded.last_result_at >= stream_stats.last_result_at"
/* The new result's status as a number (0 passed .. 3 skipped). */
#define X_STATUS "CASE excluded.last_status WHEN 'passed' THEN 0 " \
	"WHEN 'failed' THEN 1 WHEN 'error' THEN 2 ELSE 3 END"
/* 1 when the stored latest is this run's own earlier status st, else 0. */
#define SAME_RUN(st) ONE_IF("stream_stats.last_run = ?1 AND " \
	"stream_stats.last_status = '" st "'")

enum stmt {
	STMT_CLOSE_EVENTS,
	STMT_REPAIRS,
	STMT_CLOSE,
	STMT_CONTINUE,
	STMT_MAX,
	STMT_OPEN,
	STMT_OPEN_EVENTS,
	STMT_TESTS,
	STMT_STREAM,
	STMT_GROUPS,
	STMT_GROUP_TESTS,
	STMT_GROUP_STREAMS,
	STMT_SAME_SHA,
	STMT_INCIDENT_DAY,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* incidents opened and closed on a day (trends' running sum) */
	[STMT_INCIDENT_DAY] =
	    "INSERT INTO incident_days (project_id, branch, day, opened, "
	    "closed) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (project_id, "
	    "branch, day) DO UPDATE SET opened = incident_days.opened + "
	    "excluded.opened, closed = incident_days.closed + excluded.closed",
	/* the payload: json_object on SQLite, jsonb_build_object (whose
	 * arguments need a type) on PostgreSQL */
	[STMT_CLOSE_EVENTS] = DB_SQL2(
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "SELECT i.project_id, ?5, 'incident_closed', t.test_id, "
	    "json_object('incident', i.id, 'run_id', ?6, 'branch', i.branch, "
	    "'failure_count', i.failure_count) " CLOSE_EVENTS_FROM,
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "SELECT i.project_id, ?5, 'incident_closed', t.test_id, "
	    "jsonb_build_object('incident', i.id, 'run_id', "
	    "CAST(?6 AS TEXT), 'branch', i.branch, 'failure_count', "
	    "i.failure_count) " CLOSE_EVENTS_FROM),
	/* the closes of STMT_CLOSE, counted into repair_times (0017) */
	[STMT_REPAIRS] =
	    "INSERT INTO repair_times (project_id, day, branch, feature, "
	    "secs, n, sum_ms) SELECT i.project_id, CAST(?4 AS BIGINT) / "
	    "86400000 * 86400000, i.branch, coalesce(t.feature, 0), "
	    "(CAST(?4 AS BIGINT) - i.opened_at) / 1000, count(*), "
	    "sum(CAST(?4 AS BIGINT) - i.opened_at) FROM incidents i JOIN "
	    "tests t ON t.id = i.test WHERE " CLOSING("i") " GROUP BY i.project_id, i.branch, "
	    "coalesce(t.feature, 0), (CAST(?4 AS BIGINT) - i.opened_at) / 1000 "
	    "ON CONFLICT (project_id, day, branch, feature, secs) DO UPDATE "
	    "SET n = repair_times.n + excluded.n, "
	    "sum_ms = repair_times.sum_ms + excluded.sum_ms",
	[STMT_CLOSE] =
	    "UPDATE incidents SET closed_run = ?1, closed_at = ?4 "
	    "WHERE " CLOSING("incidents"),
	[STMT_CONTINUE] =
	    "UPDATE incidents SET failure_count = failure_count + 1, "
	    "last_run = ?1, last_failed_at = max(last_failed_at, ?4) "
	    "WHERE project_id = (SELECT project_id FROM runs WHERE id = ?1) "
	    "AND closed_at IS NULL AND branch = ?3 AND last_run != ?1 AND "
	    "EXISTS (SELECT 1 FROM results p WHERE p.run = ?1 AND "
	    "p.test = incidents.test AND p.shard = ?2 AND "
	    "p.status IN (1, 2))",
	[STMT_MAX] =
	    "SELECT coalesce(max(id), 0) FROM incidents",
	[STMT_OPEN] =
	    "INSERT INTO incidents (project_id, test, branch, opened_run, "
	    "opened_at, last_run, last_failed_at, fingerprint, message) "
	    "SELECT ?5, r.test, ?3, ?1, ?4, ?1, ?4, r.fingerprint, "
	    TEXT_OF("message") " FROM results r WHERE r.run = ?1 AND "
	    "r.shard = ?2 AND r.status IN (1, 2) AND "
	    /* not when the test has an open incident on the branch: the
	     * branch's open incidents read once into a hash (SQLite: an
	     * ephemeral index), whatever the statistics.  As NOT EXISTS,
	     * PostgreSQL planned a scan of them per failure while the
	     * tables had no statistics yet; as a scalar probe, a scan of
	     * the table being inserted into per failure */
	    "r.test NOT IN (SELECT i.test FROM incidents i WHERE "
	    "i.branch = ?3 AND i.closed_at IS NULL)",
	[STMT_OPEN_EVENTS] = DB_SQL2(
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "SELECT i.project_id, ?2, 'incident_opened', t.test_id, "
	    "json_object('incident', i.id, 'run_id', ?3, 'branch', i.branch, "
	    "'fingerprint', i.fingerprint) FROM incidents i JOIN tests t "
	    "ON t.id = i.test WHERE i.id > ?1",
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "SELECT i.project_id, ?2, 'incident_opened', t.test_id, "
	    "jsonb_build_object('incident', i.id, 'run_id', "
	    "CAST(?3 AS TEXT), 'branch', i.branch, 'fingerprint', "
	    "i.fingerprint) FROM incidents i JOIN tests t "
	    "ON t.id = i.test WHERE i.id > ?1"),
	[STMT_TESTS] =
	    "UPDATE test_stats SET "
	    "last_seen_at = max(last_seen_at, r.started_at), "
	    "runs_count = runs_count + "
	    ONE_IF("last_run IS DISTINCT FROM ?1") ", "
	    "passed_count = passed_count + " ONE_IF("r.status = 0") " - "
	    ONE_IF(SAME_LAST " AND last_status = 'passed'") ", "
	    "failed_count = failed_count + " ONE_IF("r.status = 1") " - "
	    ONE_IF(SAME_LAST " AND last_status = 'failed'") ", "
	    "error_count = error_count + " ONE_IF("r.status = 2") " - "
	    ONE_IF(SAME_LAST " AND last_status = 'error'") ", "
	    "skipped_count = skipped_count + " ONE_IF("r.status = 3") " - "
	    ONE_IF(SAME_LAST " AND last_status = 'skipped'") ", "
	    "flaky_count = flaky_count + r.flaky_in_run, "
	    "last_status = CASE WHEN " NEWER " THEN CASE r.status "
	    "WHEN 0 THEN 'passed' WHEN 1 THEN 'failed' WHEN 2 THEN 'error' "
	    "ELSE 'skipped' END ELSE last_status END, "
	    "last_run = CASE WHEN " NEWER " THEN ?1 ELSE last_run END, "
	    "last_result_at = max(coalesce(last_result_at, r.started_at), "
	    "r.started_at), "
	    "last_passed_at = CASE WHEN r.status = 0 THEN "
	    "max(coalesce(last_passed_at, r.started_at), r.started_at) "
	    "ELSE last_passed_at END, "
	    "last_failed_at = CASE WHEN r.status IN (1, 2) THEN "
	    "max(coalesce(last_failed_at, r.started_at), r.started_at) "
	    "ELSE last_failed_at END, "
	    "recent = CASE WHEN " NEWER " THEN "
	    "tv_push_status(recent, r.status, " SAME_LAST ") "
	    "ELSE recent END, "
	    "fail_rate = CASE WHEN " NEWER " THEN tv_fail_rate("
	    "tv_push_status(recent, r.status, " SAME_LAST ")) "
	    "ELSE fail_rate END, "
	    "recent_ms = CASE WHEN " NEWER " AND r.status != 3 THEN "
	    "tv_push_ms(recent_ms, r.duration_ms, " SAME_LAST ") "
	    "ELSE recent_ms END, "
	    "p50_ms = CASE WHEN " NEWER " AND r.status != 3 THEN "
	    "tv_pct(tv_push_ms(recent_ms, r.duration_ms, " SAME_LAST "), 50) "
	    "ELSE p50_ms END, "
	    "p95_ms = CASE WHEN " NEWER " AND r.status != 3 THEN "
	    "tv_pct(tv_push_ms(recent_ms, r.duration_ms, " SAME_LAST "), 95) "
	    "ELSE p95_ms END, "
	    "flaky_first_at = CASE WHEN r.flaky_in_run <> 0 THEN "
	    "min(coalesce(flaky_first_at, r.started_at), r.started_at) "
	    "ELSE flaky_first_at END, "
	    "flaky_last_at = CASE WHEN r.flaky_in_run <> 0 THEN "
	    "max(coalesce(flaky_last_at, r.started_at), r.started_at) "
	    "ELSE flaky_last_at END, "
	    /* only a failure now, or an incident open before, can change it */
	    "open_incident = CASE WHEN r.status IN (1, 2) OR "
	    "open_incident IS NOT NULL THEN (SELECT max(i.id) FROM "
	    "incidents i WHERE i.test = test_stats.test AND "
	    "i.closed_at IS NULL) END "
	    "FROM " SHARD_RESULTS " WHERE test_stats.test = r.test",
	/*
	 * The same per stream (issue 13 item 4): the test's row of this
	 * run's (branch ?3, job) in stream_stats, made on its first result
	 * there.  A result of the same run again (a shard posted twice)
	 * replaces the run's status instead of counting a run more.
	 */
	[STMT_STREAM] =
	    "INSERT INTO stream_stats (project_id, branch, job, test, "
	    "last_status, last_run, last_result_at, last_passed_at, "
	    "last_failed_at, runs_count, passed_count, failed_count, "
	    "error_count, skipped_count, recent, fail_rate) "
	    "SELECT ?4, ?3, coalesce((SELECT job FROM runs WHERE id = ?1), "
	    "''), r.test, " STATUS_NAME("r.status") ", ?1, r.started_at, "
	    "CASE WHEN r.status = 0 THEN r.started_at END, "
	    "CASE WHEN r.status IN (1, 2) THEN r.started_at END, 1, "
	    ONE_IF("r.status = 0") ", " ONE_IF("r.status = 1") ", "
	    ONE_IF("r.status = 2") ", " ONE_IF("r.status = 3") ", "
	    "tv_push_status('', r.status, 0), "
	    "tv_fail_rate(tv_push_status('', r.status, 0)) "
	    "FROM results r WHERE r.run = ?1 AND r.shard = ?2 "
	    "ON CONFLICT (project_id, branch, job, test) DO UPDATE SET "
	    "runs_count = stream_stats.runs_count + "
	    ONE_IF("stream_stats.last_run <> ?1") ", "
	    "passed_count = stream_stats.passed_count + "
	    "excluded.passed_count - " SAME_RUN("passed") ", "
	    "failed_count = stream_stats.failed_count + "
	    "excluded.failed_count - " SAME_RUN("failed") ", "
	    "error_count = stream_stats.error_count + "
	    "excluded.error_count - " SAME_RUN("error") ", "
	    "skipped_count = stream_stats.skipped_count + "
	    "excluded.skipped_count - " SAME_RUN("skipped") ", "
	    "last_status = CASE WHEN " S_NEWER " THEN excluded.last_status "
	    "ELSE stream_stats.last_status END, "
	    "last_run = CASE WHEN " S_NEWER " THEN ?1 "
	    "ELSE stream_stats.last_run END, "
	    "last_result_at = max(stream_stats.last_result_at, "
	    "excluded.last_result_at), "
	    "last_passed_at = coalesce(max(stream_stats.last_passed_at, "
	    "excluded.last_passed_at), stream_stats.last_passed_at, "
	    "excluded.last_passed_at), "
	    "last_failed_at = coalesce(max(stream_stats.last_failed_at, "
	    "excluded.last_failed_at), stream_stats.last_failed_at, "
	    "excluded.last_failed_at), "
	    "recent = CASE WHEN " S_NEWER " THEN tv_push_status("
	    "stream_stats.recent, " X_STATUS ", stream_stats.last_run = ?1) "
	    "ELSE stream_stats.recent END, "
	    "fail_rate = CASE WHEN " S_NEWER " THEN tv_fail_rate("
	    "tv_push_status(stream_stats.recent, " X_STATUS ", "
	    "stream_stats.last_run = ?1)) ELSE stream_stats.fail_rate END",
	[STMT_GROUPS] =
	    "INSERT INTO failure_groups (project_id, fingerprint, occurrences, "
	    "first_seen_at, last_seen_at, message, error_type) "
	    "SELECT ?3, r.fingerprint, count(*), ?4, ?4, "
	    "max(" TEXT_OF("message") "), max(" TEXT_OF("error_type") ") "
	    "FROM results r WHERE r.run = ?1 AND "
	    "r.shard = ?2 AND r.status IN (1, 2) AND "
	    "r.fingerprint IS NOT NULL GROUP BY r.fingerprint "
	    "ON CONFLICT (project_id, fingerprint) DO UPDATE SET "
	    "occurrences = failure_groups.occurrences + "
	    "excluded.occurrences, first_seen_at = "
	    "min(failure_groups.first_seen_at, excluded.first_seen_at), "
	    "last_seen_at = max(failure_groups.last_seen_at, "
	    "excluded.last_seen_at), message = "
	    "coalesce(failure_groups.message, excluded.message), "
	    "error_type = coalesce(failure_groups.error_type, "
	    "excluded.error_type)",
	[STMT_GROUP_TESTS] =
	    "INSERT INTO failure_tests (project_id, fingerprint, test, "
	    "occurrences, last_seen_at) SELECT ?3, r.fingerprint, r.test, 1, "
	    "?4 FROM results r WHERE r.run = ?1 AND r.shard = ?2 AND "
	    "r.status IN (1, 2) AND r.fingerprint IS NOT NULL "
	    "ON CONFLICT (project_id, fingerprint, test) DO UPDATE SET "
	    "occurrences = failure_tests.occurrences + 1, last_seen_at = "
	    "max(failure_tests.last_seen_at, excluded.last_seen_at)",
	/* the group's tests per (branch, job): GET /api/failures filters
	 * and ranks by them (issue 13 item 7) */
	[STMT_GROUP_STREAMS] =
	    "INSERT INTO failure_streams (project_id, fingerprint, branch, "
	    "job, test, occurrences, last_seen_at) SELECT ?3, r.fingerprint, "
	    "?5, coalesce((SELECT job FROM runs WHERE id = ?1), ''), r.test, "
	    "1, ?4 FROM results r WHERE r.run = ?1 AND r.shard = ?2 AND "
	    "r.status IN (1, 2) AND r.fingerprint IS NOT NULL "
	    "ON CONFLICT (project_id, fingerprint, branch, job, test) DO "
	    "UPDATE SET occurrences = failure_streams.occurrences + 1, "
	    "last_seen_at = max(failure_streams.last_seen_at, "
	    "excluded.last_seen_at)",
	/* a pass and a failure of one git sha within one stream: the same
	 * branch and job (issue 13 item 5), as the flaky pass judges it */
	[STMT_SAME_SHA] =
	    "UPDATE test_stats SET same_sha_flakes = same_sha_flakes + 1, "
	    "flaky_first_at = min(coalesce(flaky_first_at, ?5), ?5), "
	    "flaky_last_at = max(coalesce(flaky_last_at, ?5), ?5) "
	    "WHERE test IN (SELECT r.test FROM results r JOIN results o ON "
	    "o.test = r.test AND o.run IN (SELECT o2.id FROM runs o2 JOIN "
	    "runs me ON me.id = ?1 WHERE o2.project_id = ?3 AND "
	    "o2.git_sha = ?4 AND o2.id != ?1 AND coalesce(o2.branch, '') = "
	    "coalesce(me.branch, '') AND o2.job IS NOT DISTINCT FROM me.job) "
	    "WHERE "
	    "r.run = ?1 AND r.shard = ?2 AND ((r.status = 0 AND "
	    "o.status IN (1, 2)) OR (r.status IN (1, 2) AND o.status = 0)))",
};


/*
 * Applies one shard's results (already stored) to the incidents of its
 * branch and to the rollups of its tests: a passing result closes the
 * test's open incident on the branch, a failing one counts into it or
 * opens one, with an event per incident opened or closed (a closed one
 * counted into repair_times); then every
 * test of the shard gets its counters, latest status, windows
 * (project-wide in test_stats, and in its stream's stream_stats row),
 * percentiles, open incident and flaky evidence (a retry pass, or a run of
 * the same git sha that disagreed); failures join their fingerprint's
 * group with its tests, branches and (branch, job) streams.  Runs inside
 * the caller's transaction.
 * Returns 0, or -1 (logged).
 */
int
rollup_apply(struct db *db, const struct rollup_shard *s)
{
	static const enum stmt inc[] = { STMT_CLOSE_EVENTS, STMT_REPAIRS,
	    STMT_CLOSE, STMT_CONTINUE };
	struct db_query *st;
	int64_t maxinc, closed = 0, opened;
	int i;

	for (i = 0; i < 4; i++) {
		if ((st = DB_STMT(db, DBM_ROLLUP, inc[i])) == NULL ||
		    db_bind_int(db, st, 1, s->run) == -1 ||
		    db_bind_int(db, st, 2, s->shard) == -1 ||
		    db_bind_text(db, st, 3, s->branch) == -1 ||
		    db_bind_int(db, st, 4, s->started_at) == -1 ||
		    (i == 0 && (db_bind_int(db, st, 5, s->now) == -1 ||
		    db_bind_text(db, st, 6, s->run_id) == -1)) ||
		    db_step_done(db, st) == -1)
			return -1;
		if (inc[i] == STMT_CLOSE)
			closed = db_changes(db);
	}
	if ((st = DB_STMT(db, DBM_ROLLUP, STMT_MAX)) == NULL ||
	    db_step(db, st) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	maxinc = db_col_int(st, 0);
	db_reset(st);
	if ((st = DB_STMT(db, DBM_ROLLUP, STMT_OPEN)) == NULL ||
	    db_bind_int(db, st, 1, s->run) == -1 ||
	    db_bind_int(db, st, 2, s->shard) == -1 ||
	    db_bind_text(db, st, 3, s->branch) == -1 ||
	    db_bind_int(db, st, 4, s->started_at) == -1 ||
	    db_bind_int(db, st, 5, s->project_id) == -1 ||
	    db_step_done(db, st) == -1)
		return -1;
	opened = db_changes(db);
	if ((opened > 0 || closed > 0) && ((st = DB_STMT(db, DBM_ROLLUP,
	    STMT_INCIDENT_DAY)) == NULL ||
	    db_bind_int(db, st, 1, s->project_id) == -1 ||
	    db_bind_text(db, st, 2, s->branch) == -1 ||
	    db_bind_int(db, st, 3, s->started_at / DAY_MS * DAY_MS) == -1 ||
	    db_bind_int(db, st, 4, opened) == -1 ||
	    db_bind_int(db, st, 5, closed) == -1 ||
	    db_step_done(db, st) == -1))
		return -1;
	if ((st = DB_STMT(db, DBM_ROLLUP, STMT_OPEN_EVENTS)) == NULL ||
	    db_bind_int(db, st, 1, maxinc) == -1 ||
	    db_bind_int(db, st, 2, s->now) == -1 ||
	    db_bind_text(db, st, 3, s->run_id) == -1 ||
	    db_step_done(db, st) == -1 ||
	    (st = DB_STMT(db, DBM_ROLLUP, STMT_TESTS)) == NULL ||
	    db_bind_int(db, st, 1, s->run) == -1 ||
	    db_bind_int(db, st, 2, s->shard) == -1 ||
	    db_step_done(db, st) == -1 ||
	    (st = DB_STMT(db, DBM_ROLLUP, STMT_STREAM)) == NULL ||
	    db_bind_int(db, st, 1, s->run) == -1 ||
	    db_bind_int(db, st, 2, s->shard) == -1 ||
	    db_bind_text(db, st, 3, s->branch) == -1 ||
	    db_bind_int(db, st, 4, s->project_id) == -1 ||
	    db_step_done(db, st) == -1)
		return -1;
	/* a group's branches are its streams' (migration 0025) */
	for (i = 0; i < 3; i++) {
		static const enum stmt groups[] = { STMT_GROUPS,
		    STMT_GROUP_TESTS, STMT_GROUP_STREAMS };
		if ((st = DB_STMT(db, DBM_ROLLUP, groups[i])) == NULL ||
		    db_bind_int(db, st, 1, s->run) == -1 ||
		    db_bind_int(db, st, 2, s->shard) == -1 ||
		    db_bind_int(db, st, 3, s->project_id) == -1 ||
		    db_bind_int(db, st, 4, s->started_at) == -1 ||
		    (i == 2 && db_bind_text(db, st, 5, s->branch) == -1) ||
		    db_step_done(db, st) == -1)
			return -1;
	}
	if (s->git_sha != NULL && ((st = DB_STMT(db, DBM_ROLLUP,
	    STMT_SAME_SHA)) == NULL ||
	    db_bind_int(db, st, 1, s->run) == -1 ||
	    db_bind_int(db, st, 2, s->shard) == -1 ||
	    db_bind_int(db, st, 3, s->project_id) == -1 ||
	    db_bind_text(db, st, 4, s->git_sha) == -1 ||
	    db_bind_int(db, st, 5, s->started_at) == -1 ||
	    db_step_done(db, st) == -1))
		return -1;
	return 0;
}
