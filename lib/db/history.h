#ifndef TESTVIS_HISTORY_H
#define TESTVIS_HISTORY_H
#include <stdint.h>

struct db;

/*
 * The results of one test, in per-test order (migration 0021): the rows
 * of result_history (test-major, filled by the batch's history pass) for
 * the runs the pass has copied, and for the runs written since
 * (history_pending) their rows in results, read by run and test.
 *
 * BY_TEST(t, cond, tail) is a compound SELECT of HISTORY_COLS for test
 * t (an SQL expression: "?1", "x.test"), the rows meeting cond (SQL over
 * the alias r, "1 = 1" for all), tail appended to the compound ("" or
 * its ORDER BY ... LIMIT: each side then reads in index order and stops
 * early).  Use it as FROM (BY_TEST(...)) AS r.
 */
#define HISTORY_COLS \
	"r.test, r.started_at, r.run, r.status, r.duration_ms, r.attempts, " \
	"r.flaky_in_run, r.fingerprint"
#define BY_TEST(t, cond, tail) \
	"SELECT " HISTORY_COLS " FROM result_history r WHERE r.test = " t \
	" AND r.run NOT IN (SELECT run FROM history_pending) AND " cond \
	" UNION ALL SELECT " HISTORY_COLS " FROM results r WHERE r.run IN " \
	"(SELECT run FROM history_pending) AND r.test = " t " AND " cond \
	" " tail

/*
 * BY_TEST_ROWS(cols, joins, t, cond, tail): the same rows with what each
 * joins (SQL over the alias r: "JOIN runs u ON u.id = r.run"), as a
 * compound SELECT of cols whose tail (ORDER BY started_at DESC, run DESC
 * LIMIT ...) applies to the whole; cols name started_at and run (AS:
 * the joined tables may have columns of those names too).  Read
 * in the copy's key order, the two sides are merged as they are read and
 * the joins run for the rows the limit keeps, no more: no copy of the
 * rows and no second sort, which FROM (BY_TEST(...)) AS r JOIN ... costs
 * (a third of a 50-row page's SQL).  Each row an OFFSET skips is joined
 * too, so a deep offset costs its joins.
 */
#define BY_TEST_ROWS(cols, joins, t, cond, tail) \
	BY_TEST_ROWS_2(cols, joins, cols, joins, t, cond, tail)
/*
 * BY_TEST_ROWS_2(copy_cols, copy_joins, cols, joins, t, cond, tail): the
 * same, the copy's side reading copy_cols with copy_joins (what the copy
 * holds itself, such as its message, it need not join), the pending
 * runs' side cols with joins.
 */
#define BY_TEST_ROWS_2(copy_cols, copy_joins, cols, joins, t, cond, tail) \
	"SELECT " copy_cols " FROM result_history r " copy_joins " WHERE " \
	"r.test = " t " AND r.run NOT IN (SELECT run FROM history_pending) " \
	"AND " cond " UNION ALL SELECT " cols " FROM results r " joins \
	" WHERE r.run IN (SELECT run FROM history_pending) AND r.test = " t \
	" AND " cond " " tail

/*
 * BY_TEST_JOIN(cols, from, t, cond): the same for the tests of a join,
 * where they need no per-test order: cols from "from JOIN <results of
 * test t> r" (t an expression over from) meeting cond, as a compound
 * SELECT.
 */
#define BY_TEST_JOIN(cols, from, t, cond) \
	"SELECT " cols " FROM " from " JOIN result_history r ON r.test = " t \
	" WHERE r.run NOT IN (SELECT run FROM history_pending) AND " cond \
	" UNION ALL SELECT " cols " FROM " from " JOIN results r ON " \
	"r.test = " t " AND r.run IN (SELECT run FROM history_pending) " \
	"WHERE " cond

/*
 * PENDING_COUNT(t, cond): what the pending runs add to a count of test
 * t's results (t an SQL expression) meeting cond (SQL over the alias r)
 * that was made from the copy, such as history_days's: their rows in
 * results less their rows in result_history.  Two seeks per pending run,
 * in that order whatever a planner without statistics would guess.
 */
#define PENDING_COUNT(t, cond) \
	"coalesce((SELECT sum((SELECT count(*) FROM results r WHERE " \
	"r.run = q.run AND r.test = " t " AND " cond ") - (SELECT count(*) " \
	"FROM result_history r WHERE r.run = q.run AND r.test = " t \
	" AND " cond ")) FROM history_pending q), 0)"

/* history_days's day of a started_at (ms since the epoch, UTC) */
#define HISTORY_DAY_MS	86400000

/*
 * A round of the history pass: the pending runs it copies (oldest first,
 * with the gen each had when the round began), a slice of the test ids at
 * a time: the first takes every id up to span, each next one span more,
 * and the one that reaches last (the highest id when the round began)
 * every id left, ending the round.  The pass keeps it between batches as
 * text (history_round_format()).
 */
#define HISTORY_ROUND_MAX	64
#define HISTORY_ROUND_TEXT	(HISTORY_ROUND_MAX * 42 + 48)
struct history_round {
	int64_t		 run[HISTORY_ROUND_MAX], gen[HISTORY_ROUND_MAX];
	int		 n;
	int64_t		 last, span;
};

int	 history_mark(struct db *, int64_t);
int	 history_forget(struct db *, int64_t);
int	 history_reread(struct db *);
int	 history_waiting(struct db *, int64_t *);
int	 history_round_start(struct db *, int, struct history_round *);
int	 history_round_copy(struct db *, const struct history_round *,
	    int64_t, int64_t, long *);
long	 history_round_end(struct db *, const struct history_round *);
void	 history_round_format(const struct history_round *, char *,
	    size_t);
int	 history_round_parse(const char *, struct history_round *);

#endif
