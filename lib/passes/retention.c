/*
 * The batch `retention` pass (RET-1): deletes the results (and their
 * texts) of runs older than retention_days, in chunks of a few thousand
 * rows per transaction so readers and ingests never wait long, and old
 * events; then gives the space back to the file system (incremental
 * vacuum and a WAL truncate) and reports the bytes freed.  Run summaries,
 * test rollups, incidents, timelines and signals stay.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "pass.h"
#include "retention.h"

#define DAY_MS		86400000LL
#define CHUNK_ROWS	2000
#define VACUUM_PAGES	4096

enum stmt {
	STMT_OLD_RUN,
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
	[STMT_RESULTS_CHUNK] =
	    "DELETE FROM results WHERE run = ?1 AND test IN (SELECT test FROM "
	    "results WHERE run = ?1 LIMIT " "2000" ")",
	[STMT_TEXTS_CHUNK] =
	    "DELETE FROM result_texts WHERE id IN (SELECT id FROM "
	    "result_texts WHERE run = ?1 LIMIT " "2000" ")",
	[STMT_MARK_PURGED] = "UPDATE runs SET purged_at = ?2 WHERE id = ?1",
	[STMT_EVENTS_CHUNK] =
	    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE "
	    "project_id = ?1 AND at < ?2 ORDER BY id LIMIT " "2000" ")",
};

/* The value of a one-number pragma, or -1. */
static int64_t
pragma_int(struct db *db, const char *pragma)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db_handle(db), pragma, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Repeats statement s (?1 = a, ?2 = b) in its own transaction until it
 * deletes fewer than a chunk.  Returns the rows deleted, or -1.
 */
static long
delete_chunks(struct pass_ctx *c, enum stmt s, int64_t a, int64_t b)
{
	sqlite3_stmt *st;
	long total = 0, n;

	do {
		if (db_begin(c->db) == -1 ||
		    (st = DB_STMT(c->db, DBM_RETENTION, s)) == NULL ||
		    db_bind_int(c->db, st, 1, a) == -1 ||
		    (s == STMT_EVENTS_CHUNK && db_bind_int(c->db, st, 2, b) ==
		    -1) || db_step(c->db, st) == -1)
			return -1;
		n = sqlite3_changes(db_handle(c->db));
		if (pass_commit(c) == -1)
			return -1;
		total += n;
	} while (n >= CHUNK_ROWS);
	return total;
}

/*
 * Gives free pages back: incremental vacuum in steps (a file made before
 * auto_vacuum was set is converted once by a full VACUUM), then a WAL
 * truncate.  Returns the bytes the database shrank by, or -1.
 */
static int64_t
reclaim(struct pass_ctx *c)
{
	int64_t before, after, psize, mode;
	char q[64];

	psize = pragma_int(c->db, "PRAGMA page_size");
	before = pragma_int(c->db, "PRAGMA page_count");
	if (psize <= 0 || before < 0)
		return -1;
	if (pragma_int(c->db, "PRAGMA freelist_count") <= 0)
		return 0;
	mode = pragma_int(c->db, "PRAGMA auto_vacuum");
	if (mode != 2) {
		log_error("retention: converting the database to incremental "
		    "auto_vacuum (one full VACUUM)");
		if (db_exec(c->db, "PRAGMA auto_vacuum = INCREMENTAL") == -1 ||
		    db_exec(c->db, "VACUUM") == -1)
			return -1;
	} else {
		snprintf(q, sizeof(q), "PRAGMA incremental_vacuum(%d)",
		    VACUUM_PAGES);
		while (pragma_int(c->db, "PRAGMA freelist_count") > 0)
			if (db_exec(c->db, q) == -1)
				return -1;
	}
	(void)db_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)");
	after = pragma_int(c->db, "PRAGMA page_count");
	return after < 0 ? -1 : (before - after) * psize;
}

/*
 * The batch `retention` pass for one project: nothing when
 * retention_days is 0.  Returns 0 or -1.
 */
int
retention_pass(struct pass_ctx *c)
{
	sqlite3_stmt *st;
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
		run = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (run == 0)
			break;
		if ((n = delete_chunks(c, STMT_RESULTS_CHUNK, run, 0)) == -1)
			return -1;
		rows += n;
		if ((n = delete_chunks(c, STMT_TEXTS_CHUNK, run, 0)) == -1)
			return -1;
		texts += n;
		if (db_begin(c->db) == -1 ||
		    (st = DB_STMT(c->db, DBM_RETENTION, STMT_MARK_PURGED)) ==
		    NULL || db_bind_int(c->db, st, 1, run) == -1 ||
		    db_bind_int(c->db, st, 2, c->now) == -1 ||
		    db_step(c->db, st) == -1 || pass_commit(c) == -1)
			return -1;
		runs++;
	}
	if ((events = delete_chunks(c, STMT_EVENTS_CHUNK, c->project_id,
	    cutoff)) == -1)
		return -1;
	if ((freed = reclaim(c)) == -1)
		return -1;
	pass_note(c, "%ld runs purged (%ld results, %ld texts, %ld events), "
	    "%lld bytes freed", runs, rows, texts, events, (long long)freed);
	return 0;
}
