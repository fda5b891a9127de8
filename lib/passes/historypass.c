/*
 * The batch `history` pass (issue 18): copies the results of the runs
 * written since its last run (history_pending) into result_history, the
 * per-test order the by-test reads use (lib/db/history.h), a few dozen
 * runs per transaction so uploads never wait long.  Global: the pending
 * list is not per project.  Uploads do not pay for the per-test order;
 * the pass pays for it once per run, in test order.
 */
#include <stdio.h>

#include "db.h"
#include "history.h"
#include "historypass.h"
#include "pass.h"

/* transactions per pass at most: a writer that keeps a run pending
 * (written again while it is copied) cannot hold the pass forever */
#define ROUNDS_MAX	10000

/*
 * The `history` pass: copies every pending run.  Returns 0 or -1 (the
 * open transaction is the runner's to roll back).
 */
int
history_pass(struct pass_ctx *c)
{
	long runs = 0, rows = 0, n;
	int round;

	for (round = 0; round < ROUNDS_MAX; round++) {
		if (db_begin(c->db) == -1 ||
		    (n = history_merge(c->db, 0, &rows)) == -1)
			return -1;
		if (n == 0) {
			db_rollback(c->db);
			break;
		}
		if (pass_commit(c) == -1)
			return -1;
		runs += n;
	}
	pass_note(c, "%ld runs copied (%ld results)", runs, rows);
	return 0;
}
