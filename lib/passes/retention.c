/*
 * The batch `retention` pass (RET-1): deletes the results (and their
 * texts) of runs older than retention_days, in chunks of a few thousand
 * rows per transaction so readers and ingests never wait long, and old
 * events (never the newest: SQLite numbers a new row after the highest
 * id, and live clients count on event ids only growing); then gives the
 * space back to the file system (incremental vacuum and a WAL truncate)
 * and reports the bytes freed.  Run summaries,
 * test rollups, incidents, timelines and signals stay.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "history.h"
#include "log.h"
#include "pass.h"
#include "retention.h"

#define DAY_MS		86400000LL
#define CHUNK_ROWS	2000

enum stmt {
	STMT_OLD_RUN,
	STMT_HISTORY_CHUNK,
	STMT_RESULTS_CHUNK,
	STMT_TEXTS_CHUNK,
	STMT_MARK_PURGED,
	STMT_EVENTS_CHUNK,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_OLD_RUN] =
	    "SELECT id FROM runs WHERE project_id = ?1 AND started_at < ?2 "
	    "AND purged_at IS NULL ORDER BY started_at, id LIMIT 1",
	/* the per-test copy (lib/db/history.h), by its run index */
	[STMT_HISTORY_CHUNK] =
	    "DELETE FROM result_history WHERE (test, started_at, run) IN "
	    "(SELECT test, started_at, run FROM result_history WHERE "
	    "run = ?1 LIMIT " "2000" ")",
	[STMT_RESULTS_CHUNK] =
	    "DELETE FROM results WHERE run = ?1 AND test IN (SELECT test FROM "
	    "results WHERE run = ?1 LIMIT " "2000" ")",
	[STMT_TEXTS_CHUNK] =
	    "DELETE FROM result_texts WHERE id IN (SELECT id FROM "
	    "result_texts WHERE run = ?1 LIMIT " "2000" ")",
	[STMT_MARK_PURGED] = "UPDATE runs SET purged_at = ?2 WHERE id = ?1",
	[STMT_EVENTS_CHUNK] =
	    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE "
	    "project_id = ?1 AND at < ?2 AND id < (SELECT max(id) FROM "
	    "events) ORDER BY id LIMIT " "2000" ")",
};

/*
 * Repeats statement s (?1 = a, ?2 = b) in its own transaction until it
 * deletes fewer than a chunk.  Returns the rows deleted, or -1.
 */
static long
delete_chunks(struct pass_ctx *c, enum stmt s, int64_t a, int64_t b)
{
	struct db_query *st;
	long total = 0, n;

	do {
		if (db_begin(c->db) == -1 ||
		    (st = DB_STMT(c->db, DBM_RETENTION, s)) == NULL ||
		    db_bind_int(c->db, st, 1, a) == -1 ||
		    (s == STMT_EVENTS_CHUNK && db_bind_int(c->db, st, 2, b) ==
		    -1) || db_step(c->db, st) == -1)
			return -1;
		n = db_changes(c->db);
		if (pass_commit(c) == -1)
			return -1;
		total += n;
	} while (n >= CHUNK_ROWS);
	return total;
}

/*
 * The batch `retention` pass for one project: nothing when
 * retention_days is 0.  Returns 0 or -1.
 */
int
retention_pass(struct pass_ctx *c)
{
	struct db_query *st;
	int64_t cutoff, run, freed;
	long runs = 0, rows = 0, texts = 0, events, n;
	int rc;

	if (c->cfg->retention_days <= 0) {
		pass_note(c, "off (retention_days = 0)");
		return 0;
	}
	cutoff = c->now - c->cfg->retention_days * DAY_MS;
	for (;;) {
		st = DB_STMT(c->db, DBM_RETENTION, STMT_OLD_RUN);
		if (st == NULL ||
		    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
		    db_bind_int(c->db, st, 2, cutoff) == -1 ||
		    (rc = db_step(c->db, st)) == -1)
			return -1;
		run = rc == DB_ROW ? db_col_int(st, 0) : 0;
		db_reset(st);
		if (run == 0)
			break;
		if (delete_chunks(c, STMT_HISTORY_CHUNK, run, 0) == -1 ||
		    (n = delete_chunks(c, STMT_RESULTS_CHUNK, run, 0)) == -1)
			return -1;
		rows += n;
		if ((n = delete_chunks(c, STMT_TEXTS_CHUNK, run, 0)) == -1)
			return -1;
		texts += n;
		if (db_begin(c->db) == -1 ||
		    (st = DB_STMT(c->db, DBM_RETENTION, STMT_MARK_PURGED)) ==
		    NULL || db_bind_int(c->db, st, 1, run) == -1 ||
		    db_bind_int(c->db, st, 2, c->now) == -1 ||
		    db_step(c->db, st) == -1 || history_forget(c->db, run) == -1 ||
		    pass_commit(c) == -1)
			return -1;
		runs++;
	}
	if ((events = delete_chunks(c, STMT_EVENTS_CHUNK, c->project_id,
	    cutoff)) == -1)
		return -1;
	if ((freed = db_reclaim(c->db)) == -1)
		return -1;
	c->changed += runs;
	pass_note(c, "%ld runs purged (%ld results, %ld texts, %ld events), "
	    "%lld bytes freed", runs, rows, texts, events, (long long)freed);
	return 0;
}
