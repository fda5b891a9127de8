/*
 * The SQLite adapter of the storage layer (db.c): a file opened with the
 * pragmas testvis relies on (WAL, busy_timeout, foreign keys, incremental
 * auto_vacuum), statements prepared persistent, errors logged once with
 * their SQL, the tv_* SQL functions registered on every connection
 * (db_sqlite_fn.c), and the forward-only migrations compiled in from
 * schema/sqlite.  The data version is PRAGMA data_version; the batch's
 * lock is a file beside the database (batch.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_engine.h"
#include "db_sqlite.h"
#include "log.h"
#include "migrations.h"
#include "tvtime.h"

#define VACUUM_PAGES	4096	/* pages freed per incremental_vacuum step */

/* A prepared statement of this engine. */
struct lite_query {
	struct db_query	 q;
	sqlite3_stmt	*st;
};

/* The connection of a handle. */
static sqlite3 *
conn(struct db *db)
{
	return db->eng;
}

/*
 * The SQLite connection of an SQLite handle, for tests and fuzzers that
 * need SQLite's own calls (serialize, autocommit); borrowed.
 */
sqlite3 *
db_sqlite_handle(struct db *db)
{
	return conn(db);
}

/* The SQLite statement of q. */
static sqlite3_stmt *
stmt(struct db_query *q)
{
	return ((struct lite_query *)q)->st;
}

/* Logs the handle's last error with the SQL that caused it; classifies it. */
static void
lite_log(struct db *db, const char *sql)
{
	int code = sqlite3_errcode(conn(db)) & 0xff;

	log_error("sqlite: %s (%d) in: %.300s", sqlite3_errmsg(conn(db)),
	    sqlite3_extended_errcode(conn(db)), sql != NULL ? sql : "?");
	db->failure = code == SQLITE_BUSY || code == SQLITE_LOCKED ?
	    DB_FAIL_BUSY : code == SQLITE_FULL ? DB_FAIL_FULL : DB_FAIL_OTHER;
}

/* Closes the connection (statements are finalized already). */
static void
lite_close(struct db *db)
{
	sqlite3_close(conn(db));
}

/* Prepares sql (persistent when it is cached); NULL when it fails. */
static struct db_query *
lite_prepare(struct db *db, const char *sql, int persistent)
{
	struct lite_query *lq;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(conn(db), sql, -1, persistent ?
	    SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
		lite_log(db, sql);
		return NULL;
	}
	if ((lq = calloc(1, sizeof(*lq))) == NULL)
		abort();
	lq->q.db = db;
	lq->st = st;
	return &lq->q;
}

/* Finalizes and frees q. */
static void
lite_finalize(struct db_query *q)
{
	sqlite3_finalize(stmt(q));
	free(q);
}

/* Steps q: DB_ROW, DB_DONE, or -1 (logged, q reset). */
static int
lite_step(struct db_query *q)
{
	int rc = sqlite3_step(stmt(q));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	lite_log(q->db, sqlite3_sql(stmt(q)));
	sqlite3_reset(stmt(q));
	return -1;
}

/* Rewinds q and clears its bindings. */
static void
lite_reset(struct db_query *q)
{
	sqlite3_reset(stmt(q));
	sqlite3_clear_bindings(stmt(q));
}

/* Checks a bind's result code: 0, or -1 (logged). */
static int
bound(struct db_query *q, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	lite_log(q->db, sqlite3_sql(stmt(q)));
	return -1;
}

/* Binds text, copied. */
static int
lite_bind_text(struct db_query *q, int i, const char *s)
{
	return bound(q, sqlite3_bind_text(stmt(q), i, s, -1,
	    SQLITE_TRANSIENT));
}

/* Binds a 64-bit integer. */
static int
lite_bind_int(struct db_query *q, int i, int64_t v)
{
	return bound(q, sqlite3_bind_int64(stmt(q), i, v));
}

/* Binds a double. */
static int
lite_bind_double(struct db_query *q, int i, double v)
{
	return bound(q, sqlite3_bind_double(stmt(q), i, v));
}

/* Binds n bytes of p, copied, as a blob. */
static int
lite_bind_blob(struct db_query *q, int i, const void *p, size_t n)
{
	return bound(q, sqlite3_bind_blob64(stmt(q), i, p, n,
	    SQLITE_TRANSIENT));
}

/* Binds SQL NULL. */
static int
lite_bind_null(struct db_query *q, int i)
{
	return bound(q, sqlite3_bind_null(stmt(q), i));
}

/* Column i as an integer. */
static int64_t
lite_col_int(struct db_query *q, int i)
{
	return sqlite3_column_int64(stmt(q), i);
}

/* Column i as a double. */
static double
lite_col_double(struct db_query *q, int i)
{
	return sqlite3_column_double(stmt(q), i);
}

/* Column i as text, NULL for SQL NULL; borrowed. */
static const char *
lite_col_text(struct db_query *q, int i)
{
	return (const char *)sqlite3_column_text(stmt(q), i);
}

/* Column i as a blob and its size; borrowed. */
static const void *
lite_col_blob(struct db_query *q, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(stmt(q), i);

	*n = (size_t)sqlite3_column_bytes(stmt(q), i);
	return p;
}

/* The DB_* type of column i's value. */
static int
lite_col_type(struct db_query *q, int i)
{
	switch (sqlite3_column_type(stmt(q), i)) {
	case SQLITE_INTEGER:
		return DB_INT;
	case SQLITE_FLOAT:
		return DB_FLOAT;
	case SQLITE_TEXT:
		return DB_TEXT;
	case SQLITE_BLOB:
		return DB_BLOB;
	default:
		return DB_NULL;
	}
}

/* Bytes of column i's text or blob. */
static size_t
lite_col_len(struct db_query *q, int i)
{
	return (size_t)sqlite3_column_bytes(stmt(q), i);
}

/* Columns of q. */
static int
lite_col_count(struct db_query *q)
{
	return sqlite3_column_count(stmt(q));
}

/* Name of column i. */
static const char *
lite_col_name(struct db_query *q, int i)
{
	return sqlite3_column_name(stmt(q), i);
}

/* Rows changed by the last statement. */
static int64_t
lite_changes(struct db *db)
{
	return sqlite3_changes64(conn(db));
}

/* Runs statements without results; 0 or -1 (logged). */
static int
lite_exec(struct db *db, const char *sql)
{
	if (sqlite3_exec(conn(db), sql, NULL, NULL, NULL) != SQLITE_OK) {
		lite_log(db, sql);
		return -1;
	}
	return 0;
}

/* A write transaction that takes SQLite's write lock at once. */
static int
lite_begin(struct db *db)
{
	return lite_exec(db, "BEGIN IMMEDIATE");
}

/* Rolls back the open transaction, if any. */
static void
lite_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(conn(db)))
		sqlite3_exec(conn(db), "ROLLBACK", NULL, NULL, NULL);
}

/* Commits, rolling back when that fails; 0 or -1. */
static int
lite_commit(struct db *db)
{
	if (lite_exec(db, "COMMIT") == -1) {
		lite_rollback(db);
		return -1;
	}
	return 0;
}

/* The integer a one-row, one-column statement answers, or -1 (logged). */
static int64_t
lite_int(struct db *db, const char *sql)
{
	struct db_query *q;
	int64_t v = -1;

	if ((q = lite_prepare(db, sql, 0)) == NULL)
		return -1;
	if (lite_step(q) == DB_ROW)
		v = lite_col_int(q, 0);
	lite_finalize(q);
	return v;
}

/* A request's read transaction, prepared once (db_stmt, DBM_DB). */
enum { READ_BEGIN, READ_VERSION, READ_COMMIT, READ__MAX };
static const char *const read_sql[READ__MAX] = {
	[READ_BEGIN] = "BEGIN",
	[READ_VERSION] = "PRAGMA data_version",
	[READ_COMMIT] = "COMMIT",
};

/*
 * BEGIN (deferred: the snapshot starts at the first read, which is the
 * data version's) and PRAGMA data_version.
 */
static int
lite_read_begin(struct db *db, int64_t *version)
{
	struct db_query *q;

	if ((q = db_stmt(db, DBM_DB, read_sql, READ__MAX, READ_BEGIN)) ==
	    NULL || lite_step(q) != DB_DONE)
		return -1;
	if ((q = db_stmt(db, DBM_DB, read_sql, READ__MAX, READ_VERSION)) ==
	    NULL || lite_step(q) != DB_ROW) {
		lite_rollback(db);
		return -1;
	}
	*version = lite_col_int(q, 0);
	lite_reset(q);
	return 0;
}

/*
 * Resets every statement still positioned on a row (one would otherwise
 * keep its old snapshot open into the next request), commits a read
 * transaction (a COMMIT prepared once: sqlite3_exec would parse it at
 * every request) and rolls back a write transaction left open.
 */
static void
lite_idle(struct db *db)
{
	sqlite3_stmt *st = NULL;
	struct db_query *q;

	while ((st = sqlite3_next_stmt(conn(db), st)) != NULL)
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	if (sqlite3_get_autocommit(conn(db)))
		return;
	if (sqlite3_txn_state(conn(db), NULL) == SQLITE_TXN_WRITE ||
	    (q = db_stmt(db, DBM_DB, read_sql, READ__MAX, READ_COMMIT)) ==
	    NULL || lite_step(q) != DB_DONE)
		lite_rollback(db);
}

/* SQLite's busy handler waits up to ms for the write lock. */
static void
lite_busy_timeout(struct db *db, int ms)
{
	sqlite3_busy_timeout(conn(db), ms);
}

/*
 * Caps the file at max_mb MiB through max_page_count: past the cap a
 * write fails with SQLITE_FULL, exactly as on a full disk.  A file
 * already larger keeps its size.  0 or -1 (logged).
 */
static int
lite_limit_size(struct db *db, long long max_mb)
{
	long long page;
	char sql[64];
	int n;

	if (max_mb <= 0)
		return 0;
	if ((page = lite_int(db, "PRAGMA page_size")) <= 0)
		return -1;
	/* PRAGMAs take no parameters: the value is our own integer. */
	n = snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	    max_mb * 1024 * 1024 / page);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return -1;
	return lite_exec(db, sql);
}

/*
 * Frees every page-cache page not in use when the cache holds more than
 * max bytes: an upload raises cache_size for its transaction, and its
 * pages would otherwise stay with the process after it (PERF-4).
 */
static void
lite_shrink(struct db *db, long long max)
{
	int cur = 0, hi = 0;

	if (sqlite3_db_status(conn(db), SQLITE_DBSTATUS_CACHE_USED, &cur,
	    &hi, 0) == SQLITE_OK && cur > max)
		sqlite3_db_release_memory(conn(db));
}

/*
 * Gives free pages back: incremental vacuum in steps (a file made before
 * auto_vacuum was set is converted once by a full VACUUM), then a WAL
 * truncate.  Returns the bytes the file shrank by, or -1.
 */
static int64_t
lite_reclaim(struct db *db)
{
	int64_t before, after, psize;
	char q[64];

	psize = lite_int(db, "PRAGMA page_size");
	before = lite_int(db, "PRAGMA page_count");
	if (psize <= 0 || before < 0)
		return -1;
	if (lite_int(db, "PRAGMA freelist_count") <= 0)
		return 0;
	if (lite_int(db, "PRAGMA auto_vacuum") != 2) {
		log_error("retention: converting the database to incremental "
		    "auto_vacuum (one full VACUUM)");
		if (lite_exec(db, "PRAGMA auto_vacuum = INCREMENTAL") == -1 ||
		    lite_exec(db, "VACUUM") == -1)
			return -1;
	} else {
		snprintf(q, sizeof(q), "PRAGMA incremental_vacuum(%d)",
		    VACUUM_PAGES);
		while (lite_int(db, "PRAGMA freelist_count") > 0)
			if (lite_exec(db, q) == -1)
				return -1;
	}
	(void)lite_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	after = lite_int(db, "PRAGMA page_count");
	return after < 0 ? -1 : (before - after) * psize;
}

/*
 * A page cache of mb MiB for this connection: a big write touches pages
 * all over the file (no mmap: mapped pages would count against the
 * ingest's memory budget, PERF-4).
 */
static int
lite_cache_size(struct db *db, int mb)
{
	char sql[48];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", mb * 1024);
	return lite_exec(db, sql);
}

/*
 * The WAL hook of a deferring connection (lite_checkpoint()), after each
 * of its commits with the log's frame count: past the ceiling (ceiling
 * frames), copies the log and truncates it.  Not a passive checkpoint, as
 * SQLite's own autocheckpoint is: the next process to open the database
 * alone rebuilds the log's index and forgets what a passive checkpoint
 * copied, so that without a restart the log of programs that each commit
 * and exit (testvis ingest) would grow without bound.
 */
static int
lite_wal_hook(void *ceiling, sqlite3 *h, const char *name, int frames)
{
	/* busy (a reader still needs the log): the next commit tries again */
	if (frames >= (int)(intptr_t)ceiling)
		(void)sqlite3_wal_checkpoint_v2(h, name,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return SQLITE_OK;
}

/*
 * DB_CKPT_DEFER: commits of this connection stay in the WAL (no copy into
 * the file at commit, nor at close) until it holds DB_WAL_CEILING_MB;
 * DB_CKPT_NOW: a passive checkpoint, which copies what no reader still
 * needs and waits for nobody; DB_CKPT_RESET: that, then the log truncated
 * once no reader needs it (waiting up to the busy timeout), so that a
 * process opening the database later has no log to read.  See
 * db_checkpoint().  0 or -1.
 */
static int
lite_checkpoint(struct db *db, int mode)
{
	const char *hook;
	long long ceiling;
	int page, log = -1, done = -1;

	if (mode == DB_CKPT_NOW || mode == DB_CKPT_RESET) {
		if (sqlite3_wal_checkpoint_v2(conn(db), NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK) {
			log_error("sqlite: checkpoint: %s",
			    sqlite3_errmsg(conn(db)));
			return -1;
		}
		/* busy (a reader still needs the log): the next batch */
		if (mode == DB_CKPT_RESET && log > 0 && done == log)
			(void)sqlite3_wal_checkpoint_v2(conn(db), NULL,
			    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		return 0;
	}
	/* test hook: a ceiling in KiB instead of DB_WAL_CEILING_MB */
	ceiling = (hook = getenv("TESTVIS_WAL_CEILING_KB")) != NULL ?
	    strtoll(hook, NULL, 10) * 1024 : DB_WAL_CEILING_MB * 1048576LL;
	if ((page = lite_int(db, "PRAGMA page_size")) <= 0 || ceiling <= 0 ||
	    sqlite3_db_config(conn(db), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
	    (int *)NULL) != SQLITE_OK)
		return -1;
	sqlite3_wal_hook(conn(db), lite_wal_hook,
	    (void *)(intptr_t)(ceiling / page));
	return 0;
}

/* The SQLite batch locks a file (batch.c): always taken here. */
static int
lite_batch_lock(struct db *db, int wait)
{
	(void)db;
	(void)wait;
	return 1;
}

/* Nothing to release: see lite_batch_lock(). */
static void
lite_batch_unlock(struct db *db)
{
	(void)db;
}

/* The recorded schema level: 0 never migrated, -1 unreadable (logged). */
static int
lite_schema_version(struct db *db)
{
	int64_t v = lite_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'schema_migrations'");

	if (v <= 0)
		return (int)v;
	return (int)lite_int(db, "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations");
}

/* Records migration m as applied now; 0 or -1 (logged). */
static int
lite_record(struct db *db, const struct migration *m)
{
	struct db_query *q;
	int rc;

	if ((q = lite_prepare(db, "INSERT INTO schema_migrations (version, "
	    "name, applied_at) VALUES (?, ?, ?)", 0)) == NULL)
		return -1;
	rc = lite_bind_int(q, 1, m->version) == 0 &&
	    lite_bind_text(q, 2, m->name) == 0 &&
	    lite_bind_int(q, 3, tvtime_now_ms()) == 0 &&
	    lite_step(q) == DB_DONE ? 0 : -1;
	lite_finalize(q);
	return rc;
}

/*
 * Applies every migration above the level, each in its own IMMEDIATE
 * transaction that re-reads the level first, so concurrent migrators are
 * safe.
 */
static int
lite_migrate(struct db *db, int *applied)
{
	int i, level;

	*applied = 0;
	if (lite_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at INTEGER NOT NULL)") == -1)
		return -1;
	for (i = 0; i < migrations_count; i++) {
		if (lite_begin(db) == -1)
			return -1;
		if ((level = lite_schema_version(db)) == -1)
			goto fail;
		if (level > migrations[i].version - 1) {
			lite_rollback(db);
			continue;
		}
		if (lite_exec(db, migrations[i].sql) == -1 ||
		    lite_record(db, &migrations[i]) == -1)
			goto fail;
		if (lite_commit(db) == -1)
			return -1;
		(*applied)++;
	}
	return 0;
fail:
	lite_rollback(db);
	return -1;
}

/* A write at once: SQLite has no round trips to save. */
static int
lite_later(struct db_query *q, void (*done)(void *, int64_t), void *arg)
{
	int rc = lite_step(q);

	lite_reset(q);
	if (rc != DB_DONE)
		return -1;
	if (done != NULL)
		done(arg, lite_changes(q->db));
	return 0;
}

/* Nothing is ever pending on SQLite. */
static int
lite_sync(struct db *db)
{
	(void)db;
	return 0;
}

static const struct db_ops lite_ops = {
	DB_SQLITE, lite_close, lite_prepare, lite_finalize, lite_step,
	lite_reset, lite_bind_text, lite_bind_int, lite_bind_double,
	lite_bind_blob, lite_bind_null, lite_col_int, lite_col_double,
	lite_col_text, lite_col_blob, lite_col_type, lite_col_len,
	lite_col_count, lite_col_name, lite_changes, lite_exec, lite_begin,
	lite_commit, lite_rollback, lite_read_begin, lite_idle,
	lite_busy_timeout, lite_limit_size, lite_shrink, lite_reclaim,
	lite_cache_size, lite_batch_lock, lite_batch_unlock,
	lite_schema_version, lite_migrate, lite_later, lite_sync,
	lite_checkpoint
};

/*
 * Opens the file at path with WAL, a 5 s busy timeout, foreign keys and
 * the tv_* functions.  DB_CREATE creates a missing file.  Returns the
 * handle, or NULL with a reason in err.
 */
struct db *
db_sqlite_open(const char *path, int flags, char *err, size_t errsz)
{
	/*
	 * 16 MB of page cache: the catalogue, dashboard and flaky views scan
	 * a project's test rows (about 1 KB each) on every request, which
	 * SQLite's 2 MB default re-reads from the file each time; 16 MB keeps
	 * 10,000 tests in memory within the 32 MB a FastCGI process may use.
	 */
	static const char pragmas[] =
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA journal_size_limit = 67108864;"
	    "PRAGMA cache_size = -16384;";
	sqlite3 *h = NULL;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	char *msg = NULL;

	if (flags & DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	/*
	 * No bulk of 20 pages (87 KB) for each new page cache: every
	 * ephemeral table of a query (a GROUP BY, an ORDER BY's temporary
	 * b-tree) gets one, and glibc gives a chunk that large back to the
	 * kernel when it is freed at the top of the heap, to fault it in
	 * again at the next: 0.35 ms a statement (issue 18: the test detail,
	 * API-8, answered at 15-19% of the fixed FastCGI responder with it,
	 * 41-54% without).  Pages are then taken one at a time.  Before
	 * SQLite's initialization only: later calls fail, harmlessly.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	if (sqlite3_open_v2(path, &h, oflags, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "cannot open database %s: %s", path,
		    h != NULL ? sqlite3_errmsg(h) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, 5000);
	/*
	 * A new file must learn auto_vacuum before WAL and before the first
	 * table, or retention can never shrink it.  journal_mode needs a read
	 * of the file: this is where a file that is not a database, or cannot
	 * be read, is found out.
	 */
	if (((flags & DB_CREATE) && sqlite3_exec(h, "PRAGMA auto_vacuum = "
	    "INCREMENTAL", NULL, NULL, &msg) != SQLITE_OK) ||
	    sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL,
	    &msg) != SQLITE_OK ||
	    sqlite3_exec(h, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlitefn_register(h) == -1) {
		snprintf(err, errsz, "cannot use database %s: %s", path,
		    msg != NULL ? msg : sqlite3_errmsg(h));
		sqlite3_free(msg);
		goto fail;
	}
	return db_new(&lite_ops, h);
fail:
	sqlite3_close(h);
	return NULL;
}
