/*
 * The per-test copy of the results (migration 0021, lib/db/history.h):
 * the writers of results list the runs they wrote as pending, the batch's
 * history pass copies pending runs into result_history, retention and a
 * dropped run forget theirs.  Inside the caller's transaction.
 */
#include <stdint.h>

#include "db.h"
#include "history.h"

/* per history_merge() call (one transaction of the pass, which holds
 * the write lock meanwhile): pending runs at most, and results at most
 * once one run is in.  The cost is one page per test rather than per
 * row, so the runs a pass copies go in one transaction where they can:
 * eight runs of 10,000 tests hold uploads back about a second at
 * PERF-2's scale. */
#define MERGE_MAX	64
#define MERGE_ROWS	100000

enum stmt {
	STMT_MARK,
	STMT_PENDING,
	STMT_DROP,
	STMT_COPY,
	STMT_DONE,
	STMT_FORGET_ROWS,
	STMT_FORGET_RUN,
	STMT_WAITING,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* gen moves on every write, so a pass that copied an older state
	 * leaves the run pending (STMT_DONE) */
	[STMT_MARK] =
	    "INSERT INTO history_pending (run, gen) VALUES (?1, 0) "
	    "ON CONFLICT (run) DO UPDATE SET gen = history_pending.gen + 1",
	/* with each run's size (a run gone since has none) */
	[STMT_PENDING] =
	    "SELECT q.run, q.gen, coalesce(u.tests, 0) FROM history_pending q "
	    "LEFT JOIN runs u ON u.id = q.run ORDER BY q.run LIMIT ?1",
	[STMT_DROP] =
	    "DELETE FROM result_history WHERE run IN (SELECT run FROM "
	    "history_pending WHERE run BETWEEN ?1 AND ?2)",
	/* in the table's order, so the pages fill in one sweep */
	[STMT_COPY] =
	    "INSERT INTO result_history (test, started_at, run, status, "
	    "duration_ms, attempts, flaky_in_run, fingerprint) "
	    "SELECT r.test, r.started_at, r.run, r.status, r.duration_ms, "
	    "r.attempts, r.flaky_in_run, r.fingerprint FROM history_pending q "
	    "JOIN results r ON r.run = q.run WHERE q.run BETWEEN ?1 AND ?2 "
	    "ORDER BY r.test, r.started_at, r.run",
	[STMT_DONE] =
	    "DELETE FROM history_pending WHERE run = ?1 AND gen = ?2",
	[STMT_FORGET_ROWS] = "DELETE FROM result_history WHERE run = ?1",
	[STMT_FORGET_RUN] = "DELETE FROM history_pending WHERE run = ?1",
	/* a run gone since waits since 0: copy (drop) it at once */
	[STMT_WAITING] =
	    "SELECT count(*), min(coalesce(u.ingested_at, 0)) FROM "
	    "history_pending q LEFT JOIN runs u ON u.id = q.run",
};

/* Runs statement i with run bound to ?1; 0 or -1. */
static int
run_step(struct db *db, int i, int64_t run)
{
	struct db_query *st = DB_STMT(db, DBM_HISTORY, i);

	if (st == NULL || db_bind_int(db, st, 1, run) == -1)
		return -1;
	return db_step_done(db, st);
}

/*
 * Lists run as pending: its results changed, and by-test reads take them
 * from results until the history pass copies them.  0 or -1.
 */
int
history_mark(struct db *db, int64_t run)
{
	return run_step(db, STMT_MARK, run);
}

/*
 * Deletes run's rows from result_history and from the pending list (the
 * run is going: retention, a provisional run merged away).  0 or -1.
 */
int
history_forget(struct db *db, int64_t run)
{
	if (run_step(db, STMT_FORGET_ROWS, run) == -1)
		return -1;
	return run_step(db, STMT_FORGET_RUN, run);
}

/*
 * How many runs are pending (*runs) and when the oldest of them was
 * uploaded (*oldest, ms; 0 when one is gone).  0 or -1.
 */
int
history_waiting(struct db *db, int64_t *runs, int64_t *oldest)
{
	struct db_query *st;

	if ((st = DB_STMT(db, DBM_HISTORY, STMT_WAITING)) == NULL ||
	    db_step(db, st) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	*runs = db_col_int(st, 0);
	*oldest = db_col_null(st, 1) ? 0 : db_col_int(st, 1);
	db_reset(st);
	return 0;
}

/*
 * Copies up to max (MERGE_MAX when 0 or more) pending runs, the oldest
 * ids first, as many as hold MERGE_ROWS results (one at least), into
 * result_history, replacing what it held of them, and takes them off the
 * list unless written since they were read.  Adds the rows copied to
 * *rows.  Returns the number of runs taken off, 0 when none was pending,
 * or -1.
 */
long
history_merge(struct db *db, int max, long *rows)
{
	struct db_query *st;
	int64_t run[MERGE_MAX], gen[MERGE_MAX], size = 0;
	long done = 0;
	int n = 0, i, rc = DB_DONE;

	if (max <= 0 || max > MERGE_MAX)
		max = MERGE_MAX;
	if ((st = DB_STMT(db, DBM_HISTORY, STMT_PENDING)) == NULL ||
	    db_bind_int(db, st, 1, max) == -1)
		return -1;
	while (n < max && (n == 0 || size < MERGE_ROWS) &&
	    (rc = db_step(db, st)) == DB_ROW) {
		run[n] = db_col_int(st, 0);
		gen[n++] = db_col_int(st, 1);
		size += db_col_int(st, 2);
	}
	db_reset(st);
	if (n == 0 || rc == -1)
		return rc == -1 ? -1 : 0;
	for (i = STMT_DROP; i <= STMT_COPY; i++) {
		if ((st = DB_STMT(db, DBM_HISTORY, i)) == NULL ||
		    db_bind_int(db, st, 1, run[0]) == -1 ||
		    db_bind_int(db, st, 2, run[n - 1]) == -1 ||
		    db_step_done(db, st) == -1)
			return -1;
		if (i == STMT_COPY)
			*rows += db_changes(db);
	}
	for (i = 0; i < n; i++) {
		if ((st = DB_STMT(db, DBM_HISTORY, STMT_DONE)) == NULL ||
		    db_bind_int(db, st, 1, run[i]) == -1 ||
		    db_bind_int(db, st, 2, gen[i]) == -1 ||
		    db_step_done(db, st) == -1)
			return -1;
		done++;
	}
	return done;
}
