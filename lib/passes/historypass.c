/*
 * The batch `history` pass (issue 18): copies the results of the runs
 * written since its last run (history_pending) into result_history, the
 * per-test order the by-test reads use (lib/db/history.h).  Global: the
 * pending list is not per project.  Uploads do not pay for the per-test
 * order; the pass pays for it in test order, about one page per test
 * whether a round copies one run or several.  So a round copies the runs
 * pending when it begins a slice of the test ids per batch, over
 * history_copy_slices batches, and the runs uploaded meanwhile gather for
 * the next round: each batch pays a slice, never a whole copy.  A backlog
 * of more runs than a round takes (a bulk import) is copied in one go.
 * Reads take the pending runs' results from the runs themselves, so no
 * answer waits for a round.
 */
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "history.h"
#include "historypass.h"
#include "pass.h"

/* transactions per pass at most: a writer that keeps a run pending
 * (written again while it is copied) cannot hold the pass forever */
#define STEPS_MAX	10000
#define MARK		"history"

/* What one pass has done so far, for its summary line. */
struct htally {
	long	 runs, rows;
	int	 n;		/* runs of the round in progress */
	int64_t	 slice, slices;	/* its progress */
};

/*
 * One slice of the round in progress (or of a new one), in its own
 * transaction with the round's mark.  Returns 1 when the slice ended the
 * round, 0 when more slices are due, 2 when nothing was pending, -1.
 */
static int
history_step(struct pass_ctx *c, struct htally *t)
{
	struct history_round r;
	char state[HISTORY_ROUND_TEXT];
	int64_t after, upto;
	long n;
	int final;

	if (pass_mark_get(c, MARK, &after, state, sizeof(state)) == -1 ||
	    db_begin(c->db) == -1)
		return -1;
	if (state[0] == '\0' || history_round_parse(state, &r) == -1) {
		if ((n = history_round_start(c->db,
		    (int)c->cfg->history_copy_slices, &r)) <= 0)
			return n == 0 ? 2 : -1;
		after = INT64_MIN;
	}
	/* the first slice takes every id up to span, the last every id
	 * left: no id is missed whatever its sign, and nothing overflows */
	final = after == INT64_MIN ? r.span > r.last :
	    after > r.last - r.span;
	upto = final ? INT64_MAX : after == INT64_MIN ? r.span :
	    after + r.span;
	if (history_round_copy(c->db, &r, after, upto, &t->rows) == -1)
		return -1;
	if (final && (n = history_round_end(c->db, &r)) == -1)
		return -1;
	if (final)
		t->runs += n;
	history_round_format(&r, state, sizeof(state));
	if (pass_mark_set(c, MARK, final ? 0 : upto, final ? NULL : state) ==
	    -1 || pass_commit(c) == -1)
		return -1;
	t->n = final ? 0 : r.n;
	t->slice = upto / r.span;
	t->slices = r.last / r.span + 1;
	return final;
}

/*
 * The `history` pass: one slice of a round, or every round while a
 * backlog lasts or history_copy_slices is 1.  Returns 0 or -1 (the open
 * transaction is the runner's to roll back).
 */
int
history_pass(struct pass_ctx *c)
{
	struct htally t = { 0, 0, 0, 0, 0 };
	int64_t waiting;
	int step, rc = 2, backlog;

	if (history_waiting(c->db, &waiting) == -1)
		return -1;
	backlog = waiting > HISTORY_ROUND_MAX;
	for (step = 0; waiting > 0 && step < STEPS_MAX; step++) {
		if ((rc = history_step(c, &t)) == -1)
			return -1;
		if (rc == 2) {
			db_rollback(c->db);
			break;
		}
		/* one slice a batch; with 1 (say, just set while a round
		 * of more slices was under way) every round to the end */
		if (!backlog && c->cfg->history_copy_slices > 1)
			break;
	}
	if (waiting == 0 || (rc == 2 && t.runs == 0))
		pass_note(c, "nothing pending");
	else if (t.n > 0)
		pass_note(c, "%ld runs copied (%ld results); a round of %d "
		    "runs at slice %lld of %lld", t.runs, t.rows, t.n,
		    (long long)t.slice, (long long)t.slices);
	else
		pass_note(c, "%ld runs copied (%ld results)", t.runs, t.rows);
	return 0;
}
