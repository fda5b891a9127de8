/*
 * The per-test copy of the results (migration 0021, lib/db/history.h):
 * the writers of results list the runs they wrote as pending, the batch's
 * history pass copies pending runs into result_history in rounds, a slice
 * of the test ids at a time, and retention and a dropped run forget
 * theirs.  Inside the caller's transaction.
 *
 * A slice never shows half a run: by-test reads take every pending run's
 * results from results and ignore its rows in result_history, so a run
 * only counts as copied when the round that read it ends (and only if it
 * was not written since: its gen moved).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "history.h"

/* per round, results at most once one run is in, per slice: each slice
 * is one transaction of the pass, which holds the write lock meanwhile */
#define ROUND_ROWS	100000

enum stmt {
	STMT_MARK,
	STMT_PENDING,
	STMT_LAST_TEST,
	STMT_DROP,
	STMT_COPY,
	STMT_DONE,
	STMT_FORGET_ROWS,
	STMT_FORGET_RUN,
	STMT_WAITING,
	STMT_REREAD,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* gen moves on every write, so a round that read an older state
	 * leaves the run pending (STMT_DONE) */
	[STMT_MARK] =
	    "INSERT INTO history_pending (run, gen) VALUES (?1, 0) "
	    "ON CONFLICT (run) DO UPDATE SET gen = history_pending.gen + 1",
	/* with each run's size (a run gone since has none) */
	[STMT_PENDING] =
	    "SELECT q.run, q.gen, coalesce(u.tests, 0) FROM history_pending q "
	    "LEFT JOIN runs u ON u.id = q.run ORDER BY q.run LIMIT ?1",
	[STMT_LAST_TEST] = "SELECT coalesce(max(id), 0) FROM tests",
	/* the slice of the copy of the runs pending in [?1, ?2]: tests in
	 * (?3, ?4] */
	[STMT_DROP] =
	    "DELETE FROM result_history WHERE run IN (SELECT run FROM "
	    "history_pending WHERE run BETWEEN ?1 AND ?2) AND test > ?3 AND "
	    "test <= ?4",
	/* in the table's order, so the pages fill in one sweep; with each
	 * result's message (migration 0026) */
	[STMT_COPY] =
	    "INSERT INTO result_history (test, started_at, run, status, "
	    "duration_ms, attempts, flaky_in_run, fingerprint, message) "
	    "SELECT r.test, r.started_at, r.run, r.status, r.duration_ms, "
	    "r.attempts, r.flaky_in_run, r.fingerprint, x.message "
	    "FROM history_pending q JOIN results r ON r.run = q.run "
	    "LEFT JOIN result_texts x ON x.run = r.run AND x.test = r.test "
	    "WHERE q.run BETWEEN ?1 AND ?2 AND r.test > ?3 AND r.test <= ?4 "
	    "ORDER BY r.test, r.started_at, r.run",
	[STMT_DONE] =
	    "DELETE FROM history_pending WHERE run = ?1 AND gen = ?2",
	[STMT_FORGET_ROWS] = "DELETE FROM result_history WHERE run = ?1",
	/* kept pending with its gen moved, never deleted here: a round
	 * under way that read the run must not take a later write of it,
	 * which would start at gen 0 again, for the state it read */
	[STMT_FORGET_RUN] =
	    "UPDATE history_pending SET gen = gen + 1 WHERE run = ?1",
	[STMT_WAITING] = "SELECT count(*) FROM history_pending",
	[STMT_REREAD] = "UPDATE history_pending SET gen = gen + 1",
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
 * Deletes run's rows from result_history (the run is going: retention, a
 * provisional run merged away).  A run pending stays pending, its gen
 * moved, until a round copies what is left of it (nothing, or what was
 * written to it since) and takes it off.  0 or -1.
 */
int
history_forget(struct db *db, int64_t run)
{
	if (run_step(db, STMT_FORGET_ROWS, run) == -1)
		return -1;
	return run_step(db, STMT_FORGET_RUN, run);
}

/*
 * Has the history pass read every pending run again: a writer that moves
 * rows of result_history between tests (an alias) calls it, since a round
 * in progress may have passed the slice a test moves into.  0 or -1.
 */
int
history_reread(struct db *db)
{
	struct db_query *st = DB_STMT(db, DBM_HISTORY, STMT_REREAD);

	return st == NULL ? -1 : db_step_done(db, st);
}

/* Reads the single integer statement i answers into *v; 0 or -1. */
static int
read_one(struct db *db, int i, int64_t *v)
{
	struct db_query *st;

	if ((st = DB_STMT(db, DBM_HISTORY, i)) == NULL)
		return -1;
	if (db_step(db, st) != DB_ROW) {
		db_reset(st);
		return -1;
	}
	*v = db_col_int(st, 0);
	db_reset(st);
	return 0;
}

/* How many runs are pending, into *runs.  0 or -1. */
int
history_waiting(struct db *db, int64_t *runs)
{
	return read_one(db, STMT_WAITING, runs);
}

/*
 * Begins a round in *r: the oldest pending runs (HISTORY_ROUND_MAX at
 * most, as many as hold ROUND_ROWS results a slice, one at least) with
 * the gen each has now, copied over `slices` slices of the test ids.
 * Returns 1, 0 when no run is pending, or -1.
 */
int
history_round_start(struct db *db, int slices, struct history_round *r)
{
	struct db_query *st;
	int64_t size = 0;
	int rc = DB_DONE;

	if (slices < 1)
		slices = 1;
	r->n = 0;
	if (read_one(db, STMT_LAST_TEST, &r->last) == -1 ||
	    (st = DB_STMT(db, DBM_HISTORY, STMT_PENDING)) == NULL ||
	    db_bind_int(db, st, 1, HISTORY_ROUND_MAX) == -1)
		return -1;
	while (r->n < HISTORY_ROUND_MAX &&
	    (r->n == 0 || size < (int64_t)ROUND_ROWS * slices) &&
	    (rc = db_step(db, st)) == DB_ROW) {
		r->run[r->n] = db_col_int(st, 0);
		r->gen[r->n++] = db_col_int(st, 1);
		size += db_col_int(st, 2);
	}
	db_reset(st);
	if (rc == -1)
		return -1;
	r->span = r->last > 0 ? r->last / slices : 0;
	if (r->span < INT64_MAX)
		r->span++;
	return r->n > 0;
}

/*
 * Copies the slice of round r's runs for the tests with ids in (after,
 * upto] into result_history, replacing what it held of them there, and
 * adds the rows copied to *rows.  0 or -1.
 */
int
history_round_copy(struct db *db, const struct history_round *r,
    int64_t after, int64_t upto, long *rows)
{
	struct db_query *st;
	int i;

	for (i = STMT_DROP; i <= STMT_COPY; i++) {
		if ((st = DB_STMT(db, DBM_HISTORY, i)) == NULL ||
		    db_bind_int(db, st, 1, r->run[0]) == -1 ||
		    db_bind_int(db, st, 2, r->run[r->n - 1]) == -1 ||
		    db_bind_int(db, st, 3, after) == -1 ||
		    db_bind_int(db, st, 4, upto) == -1 ||
		    db_step_done(db, st) == -1)
			return -1;
		if (i == STMT_COPY)
			*rows += db_changes(db);
	}
	return 0;
}

/*
 * Ends round r: takes its runs off the pending list, but for those
 * written since the round read them.  Returns the number taken off, or
 * -1.
 */
long
history_round_end(struct db *db, const struct history_round *r)
{
	struct db_query *st;
	long done = 0;
	int i;

	for (i = 0; i < r->n; i++) {
		if ((st = DB_STMT(db, DBM_HISTORY, STMT_DONE)) == NULL ||
		    db_bind_int(db, st, 1, r->run[i]) == -1 ||
		    db_bind_int(db, st, 2, r->gen[i]) == -1 ||
		    db_step_done(db, st) == -1)
			return -1;
		done += db_changes(db) > 0;
	}
	return done;
}

/*
 * Writes round r as text into s (size HISTORY_ROUND_TEXT or more): "last
 * span run:gen ...", what the pass keeps between batches.
 */
void
history_round_format(const struct history_round *r, char *s, size_t size)
{
	size_t len;
	int i;

	len = (size_t)snprintf(s, size, "%" PRId64 " %" PRId64, r->last,
	    r->span);
	for (i = 0; i < r->n && len < size; i++)
		len += (size_t)snprintf(s + len, size - len, " %" PRId64 ":%"
		    PRId64, r->run[i], r->gen[i]);
}

/*
 * Reads a round from the text history_round_format() wrote.  0, or -1
 * when s is not such a text (the pass then begins a new round: that is
 * always safe, as no pending run counts as copied).
 */
int
history_round_parse(const char *s, struct history_round *r)
{
	char *end;

	r->n = 0;
	r->last = strtoll(s, &end, 10);
	if (end == s || *end != ' ')
		return -1;
	r->span = strtoll(s = end + 1, &end, 10);
	if (end == s || r->span < 1 || r->last < 0)
		return -1;
	while (*end == ' ' && r->n < HISTORY_ROUND_MAX) {
		r->run[r->n] = strtoll(s = end + 1, &end, 10);
		if (end == s || *end != ':')
			return -1;
		r->gen[r->n] = strtoll(s = end + 1, &end, 10);
		if (end == s)
			return -1;
		if (r->n > 0 && r->run[r->n] <= r->run[r->n - 1])
			return -1;
		r->n++;
	}
	return *end == '\0' && r->n > 0 ? 0 : -1;
}
