/*
 * The batch `history` pass (issue 18): copies the results of the runs
 * written since its last run (history_pending) into result_history, the
 * per-test order the by-test reads use (lib/db/history.h), a few dozen
 * runs per transaction so uploads never wait long.  Global: the pending
 * list is not per project.  Uploads do not pay for the per-test order;
 * the pass pays for it in test order, about one page per test whether it
 * copies one run or several, so it lets runs gather: it copies once
 * history_copy_runs wait, or once the oldest has waited
 * history_copy_wait_s.  Reads take the waiting runs' results from the
 * runs themselves meanwhile, so no answer waits for the copy.
 */
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "history.h"
#include "historypass.h"
#include "pass.h"

/* transactions per pass at most: a writer that keeps a run pending
 * (written again while it is copied) cannot hold the pass forever */
#define ROUNDS_MAX	10000

/*
 * Whether the pending runs are due for copying: none, 0 (noted), or 1.
 * Returns -1 on an error.
 */
static int
history_due(struct pass_ctx *c)
{
	int64_t waiting, oldest, wait_ms;

	if (history_waiting(c->db, &waiting, &oldest) == -1)
		return -1;
	wait_ms = c->cfg->history_copy_wait_s * 1000;
	if (waiting == 0) {
		pass_note(c, "nothing pending");
		return 0;
	}
	if (waiting < c->cfg->history_copy_runs && c->now - oldest < wait_ms) {
		pass_note(c, "%lld runs waiting (copied at %lld, or %lld s "
		    "after the oldest)", (long long)waiting,
		    c->cfg->history_copy_runs, c->cfg->history_copy_wait_s);
		return 0;
	}
	return 1;
}

/*
 * The `history` pass: copies every pending run once they are due.
 * Returns 0 or -1 (the open transaction is the runner's to roll back).
 */
int
history_pass(struct pass_ctx *c)
{
	long runs = 0, rows = 0, n;
	int round;

	if ((round = history_due(c)) <= 0)
		return round;
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
