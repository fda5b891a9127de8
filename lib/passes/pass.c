/*
 * What every batch pass (spool, mapping, flaky, integrity, retention)
 * shares: the pass context, its summary notes, chunked commits with the
 * crash test hook, the per-project watermarks in batch_marks, and the one
 * loop over the items stored after a watermark, one transaction each.
 * It is not the runner: which passes run, in which order, under which
 * lock and how often is lib/passes/batch.c, which includes the passes; the
 * passes include this module and never the runner.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "pass.h"

enum stmt {
	STMT_MARK_GET,
	STMT_MARK_SET,
	STMT_RUN_NEXT,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_MARK_GET] =
	    "SELECT watermark, state FROM batch_marks WHERE pass = ?1 AND "
	    "project_id = ?2",
	[STMT_MARK_SET] =
	    "INSERT INTO batch_marks (pass, project_id, watermark, state) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (pass, project_id) DO "
	    "UPDATE SET watermark = ?3, state = ?4",
	[STMT_RUN_NEXT] =
	    "SELECT id FROM runs WHERE project_id = ?1 AND id > ?2 "
	    "ORDER BY id LIMIT 1",
};

/* pass_each_run()'s work for one run, handed through pass_each_new(). */
struct each_run {
	int	(*fn)(struct pass_ctx *, int64_t, void *);
	void	 *arg;
};

/* Appends a formatted note to the pass's summary (", " separated);
 * a note that does not fit is cut. */
void
pass_note(struct pass_ctx *c, const char *fmt, ...)
{
	size_t n = strlen(c->summary);
	va_list ap;

	if (n > 0 && n + 2 < sizeof(c->summary)) {
		memcpy(c->summary + n, ", ", 3);
		n += 2;
	}
	if (n >= sizeof(c->summary) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(c->summary + n, sizeof(c->summary) - n, fmt, ap);
	va_end(ap);
}

/*
 * Commits the open transaction of a pass: one chunk of work together
 * with its watermark.  The test hook TESTVIS_BATCH_CRASH_AFTER=N (read
 * by the runner into crash_after) kills the process after the Nth
 * commit, so tests can show that a killed batch loses nothing.  Returns
 * 0 or -1.
 */
int
pass_commit(struct pass_ctx *c)
{
	if (db_commit(c->db) == -1)
		return -1;
	c->chunks++;
	if (c->crash_after > 0 && c->chunks >= c->crash_after) {
		fprintf(stderr, "batch: test hook: killed after %ld commits\n",
		    c->chunks);
		_exit(137);
	}
	return 0;
}

/*
 * Reads the watermark and state (copied into state, statesz bytes; may
 * be NULL) of the named mark for the context's project; both 0 / ""
 * when the pass never set it.  Returns 0 or -1.
 */
int
pass_mark_get(struct pass_ctx *c, const char *name, int64_t *mark,
    char *state, size_t statesz)
{
	struct db_query *st;
	int rc;

	*mark = 0;
	if (state != NULL && statesz > 0)
		state[0] = '\0';
	if ((st = DB_STMT(c->db, DBM_PASS, STMT_MARK_GET)) == NULL ||
	    db_bind_text(c->db, st, 1, name) == -1 ||
	    db_bind_int(c->db, st, 2, c->project_id) == -1)
		return -1;
	if ((rc = db_step(c->db, st)) == DB_ROW) {
		*mark = db_col_int(st, 0);
		if (state != NULL && statesz > 0 && !db_col_null(st, 1))
			snprintf(state, statesz, "%s", db_column_text(st, 1));
	}
	db_reset(st);
	return rc == -1 ? -1 : 0;
}

/*
 * Stores the named mark's watermark and state (NULL: none) for the
 * context's project, inside the caller's transaction, so the mark moves
 * with the work.  Returns 0 or -1.
 */
int
pass_mark_set(struct pass_ctx *c, const char *name, int64_t mark,
    const char *state)
{
	struct db_query *st;

	if ((st = DB_STMT(c->db, DBM_PASS, STMT_MARK_SET)) == NULL ||
	    db_bind_text(c->db, st, 1, name) == -1 ||
	    db_bind_int(c->db, st, 2, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 3, mark) == -1 ||
	    db_bind_text(c->db, st, 4, state) == -1)
		return -1;
	return db_step_done(c->db, st);
}

/*
 * Works through what was stored after the named watermark, one
 * transaction per step: step(c, &mark, arg) runs inside the transaction,
 * does the work of the next item(s) after *mark and moves *mark to the
 * last one done (returns 1), or says nothing is left (returns 0), or
 * fails (returns -1).  After a 1 the mark is stored with the work and
 * committed; a failure leaves the open transaction to the runner, which
 * rolls it back (what was committed before stays, with its mark).
 * Returns the number of committed steps, or -1.
 */
long
pass_each_new(struct pass_ctx *c, const char *name,
    int (*step)(struct pass_ctx *, int64_t *, void *), void *arg)
{
	int64_t mark;
	long n = 0;
	int rc;

	if (pass_mark_get(c, name, &mark, NULL, 0) == -1)
		return -1;
	for (;;) {
		if (db_begin(c->db) == -1 ||
		    (rc = step(c, &mark, arg)) == -1)
			return -1;
		if (rc == 0) {
			db_rollback(c->db);
			return n;
		}
		if (pass_mark_set(c, name, mark, NULL) == -1 ||
		    pass_commit(c) == -1)
			return -1;
		n++;
	}
}

/*
 * pass_each_new() step of pass_each_run(): hands the project's next run
 * after *mark to the pass.  Returns 1 with *mark on it, 0 when no run is
 * left, or -1.
 */
static int
run_step(struct pass_ctx *c, int64_t *mark, void *arg)
{
	struct each_run *e = arg;
	struct db_query *st;
	int64_t run;
	int rc;

	if ((st = DB_STMT(c->db, DBM_PASS, STMT_RUN_NEXT)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, *mark) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	run = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_reset(st);
	if (run == 0)
		return 0;
	if (e->fn(c, run, e->arg) == -1)
		return -1;
	*mark = run;
	return 1;
}

/*
 * The loop of the passes that look at each new run once (flaky,
 * integrity): fn(c, run, arg) gets the runs.id of every run of the
 * project stored after the named watermark, in id order, each inside its
 * own transaction that also moves the watermark; it returns 0 or -1.
 * Returns the number of runs done, or -1 (see pass_each_new()).
 */
long
pass_each_run(struct pass_ctx *c, const char *name,
    int (*fn)(struct pass_ctx *, int64_t, void *), void *arg)
{
	struct each_run e;

	e.fn = fn;
	e.arg = arg;
	return pass_each_new(c, name, run_step, &e);
}

/* Predicate: name is an item of the comma-separated list. */
int
pass_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}
