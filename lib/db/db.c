/*
 * The SQLite handle every program shares: opening with the pragmas testvis
 * relies on (WAL, busy_timeout, foreign_keys), the forward-only migrations
 * compiled in from schema/sqlite, and per-module statement tables prepared
 * once per process.  SQL errors are logged here, once, with the SQL text.
 * Queries themselves live in the modules that own them, not here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "migrations.h"
#include "tvtime.h"

struct db {
	sqlite3		*h;
	int		 failure;	/* primary code of the last logged error */
	sqlite3_stmt	**cache[DBM__MAX];
	size_t		 ncache[DBM__MAX];
};

/* Logs the last error of the handle together with the SQL that caused it. */
static void
db_log(struct db *db, const char *sql)
{
	log_error("sqlite: %s (%d) in: %.300s", sqlite3_errmsg(db->h),
	    sqlite3_extended_errcode(db->h), sql != NULL ? sql : "?");
	db->failure = sqlite3_errcode(db->h) & 0xff;
}

/*
 * What the last logged error was, so that a caller that only saw -1 can
 * answer it rightly: DB_FAIL_BUSY (another writer held the lock past the
 * busy timeout), DB_FAIL_FULL (disk or size cap full), DB_FAIL_OTHER, or
 * 0 when nothing failed since db_failure_clear().
 */
int
db_failure(const struct db *db)
{
	switch (db->failure) {
	case 0:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_FAIL_BUSY;
	case SQLITE_FULL:
		return DB_FAIL_FULL;
	default:
		return DB_FAIL_OTHER;
	}
}

/* Forgets the last failure (at the start of each request). */
void
db_failure_clear(struct db *db)
{
	db->failure = 0;
}

/*
 * Opens the database at path with WAL, a 5 s busy timeout and foreign
 * keys.  DB_CREATE creates a missing file; otherwise a missing file is an
 * error.  Returns the handle (caller closes it with db_close()), or NULL
 * with a reason in err.
 */
struct db *
db_open(const char *path, int flags, char *err, size_t errsz)
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
	    "PRAGMA cache_size = -16384;";
	struct db *db;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	char *msg = NULL;

	if (strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0) {
		/* never the URL itself: it may hold a password */
		snprintf(err, errsz, "PostgreSQL databases are not served "
		    "yet: only 'testvis migrate' runs on them so far (the "
		    "programs run on SQLite: db = a file path)");
		return NULL;
	}
	if ((db = calloc(1, sizeof(*db))) == NULL)
		abort();
	if (flags & DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->h, oflags, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "cannot open database %s: %s", path,
		    db->h != NULL ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 5000);
	/*
	 * A new file must learn auto_vacuum before WAL and before the first
	 * table, or retention can never shrink it.
	 */
	if ((flags & DB_CREATE) && sqlite3_exec(db->h,
	    "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errsz, "cannot use database %s: %s", path,
		    msg != NULL ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		goto fail;
	}
	/*
	 * journal_mode needs a read of the file: this is where a file that
	 * is not a database, or cannot be read, is found out.
	 */
	if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL,
	    &msg) != SQLITE_OK || sqlite3_exec(db->h, pragmas, NULL, NULL,
	    &msg) != SQLITE_OK) {
		snprintf(err, errsz, "cannot use database %s: %s", path,
		    msg != NULL ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		goto fail;
	}
	return db;
fail:
	db_close(db);
	return NULL;
}

/* Finalizes every cached statement and closes the handle; accepts NULL. */
void
db_close(struct db *db)
{
	size_t m, i;

	if (db == NULL)
		return;
	for (m = 0; m < DBM__MAX; m++) {
		for (i = 0; i < db->ncache[m]; i++)
			sqlite3_finalize(db->cache[m][i]);
		free(db->cache[m]);
	}
	sqlite3_close(db->h);
	free(db);
}

/* The raw handle, borrowed, for modules needing SQLite calls not wrapped. */
sqlite3 *
db_handle(struct db *db)
{
	return db->h;
}

/*
 * Returns statement idx of module m's table sql[0..n), prepared on first
 * use and cached for the life of the handle, reset and with bindings
 * cleared.  The statement stays owned by db; callers reset it after use
 * (or the next db_stmt() does).  NULL when it cannot be prepared (logged).
 */
sqlite3_stmt *
db_stmt(struct db *db, enum db_module m, const char *const *sql, size_t n,
    size_t idx)
{
	sqlite3_stmt *st;

	if (db->cache[m] == NULL) {
		if ((db->cache[m] = calloc(n, sizeof(*db->cache[m]))) == NULL)
			abort();
		db->ncache[m] = n;
	}
	if (idx >= db->ncache[m])
		abort();	/* programmer error: table size mismatch */
	if ((st = db->cache[m][idx]) == NULL) {
		if (sqlite3_prepare_v3(db->h, sql[idx], -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			db_log(db, sql[idx]);
			return NULL;
		}
		db->cache[m][idx] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/*
 * Steps st.  Returns SQLITE_ROW or SQLITE_DONE; on any error logs the
 * message and the SQL, resets st and returns -1.
 */
int
db_step(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	db_log(db, sqlite3_sql(st));
	sqlite3_reset(st);
	return -1;
}

/*
 * Steps st, which must not return rows, and resets it.  Returns 0 when
 * it ran to its end, -1 on an error (logged by db_step()).
 */
int
db_step_done(struct db *db, sqlite3_stmt *st)
{
	int rc = db_step(db, st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Binds s, or SQL NULL when s is NULL or empty; 0 or -1 (logged). */
int
db_bind_text_opt(struct db *db, sqlite3_stmt *st, int i, const char *s)
{
	return db_bind_text(db, st, i, s != NULL && s[0] != '\0' ? s : NULL);
}

/* Binds v, or SQL NULL when v is negative (unknown); 0 or -1 (logged). */
int
db_bind_int_opt(struct db *db, sqlite3_stmt *st, int i, int64_t v)
{
	return v < 0 ? db_bind_null(db, st, i) : db_bind_int(db, st, i, v);
}

/* Binds NUL-terminated text (or NULL as SQL NULL); 0 or -1 (logged). */
int
db_bind_text(struct db *db, sqlite3_stmt *st, int i, const char *s)
{
	int rc = s == NULL ? sqlite3_bind_null(st, i) :
	    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);

	if (rc != SQLITE_OK) {
		db_log(db, sqlite3_sql(st));
		return -1;
	}
	return 0;
}

/* Binds a 64-bit integer; 0 or -1 (logged). */
int
db_bind_int(struct db *db, sqlite3_stmt *st, int i, int64_t v)
{
	if (sqlite3_bind_int64(st, i, v) != SQLITE_OK) {
		db_log(db, sqlite3_sql(st));
		return -1;
	}
	return 0;
}

/* Binds SQL NULL; 0 or -1 (logged). */
int
db_bind_null(struct db *db, sqlite3_stmt *st, int i)
{
	if (sqlite3_bind_null(st, i) != SQLITE_OK) {
		db_log(db, sqlite3_sql(st));
		return -1;
	}
	return 0;
}

/* Text of column i, or NULL for SQL NULL; borrowed until the next step. */
const char *
db_column_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/*
 * Caps the database file at max_mb MiB for this handle (0: no cap).  Past
 * the cap a write fails with SQLITE_FULL, exactly as on a full disk, so an
 * upload answers 507 storage_full and stores nothing; deleting data (the
 * retention pass) makes room again.  A file already larger keeps its size.
 * Returns 0 or -1 (logged).
 */
int
db_limit_size(struct db *db, long long max_mb)
{
	sqlite3_stmt *st;
	long long page = 0;
	char sql[64];
	int n;

	if (max_mb <= 0)
		return 0;
	if (sqlite3_prepare_v2(db->h, "PRAGMA page_size", -1, &st, NULL) !=
	    SQLITE_OK) {
		db_log(db, "PRAGMA page_size");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		page = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (page <= 0) {
		db_log(db, "PRAGMA page_size");
		return -1;
	}
	/* PRAGMAs take no parameters: the value is our own integer. */
	n = snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	    max_mb * 1024 * 1024 / page);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return -1;
	return db_exec(db, sql);
}

/*
 * Frees every page-cache page not in use when the cache holds more than
 * max bytes: an upload raises cache_size for its transaction, and its
 * pages would otherwise stay with the process after it (PERF-4).  Call
 * between requests.
 */
void
db_shrink(struct db *db, long long max)
{
	int cur = 0, hi = 0;

	if (sqlite3_db_status(db->h, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi,
	    0) == SQLITE_OK && cur > max)
		sqlite3_db_release_memory(db->h);
}

/* Runs one or more statements without results; 0 or -1 (logged). */
int
db_exec(struct db *db, const char *sql)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_log(db, sql);
		return -1;
	}
	return 0;
}

/* Starts a write transaction that takes the write lock at once. */
int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

/* Commits; on failure the transaction is rolled back. 0 or -1. */
int
db_commit(struct db *db)
{
	if (db_exec(db, "COMMIT") == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* Rolls back the open transaction, if any. */
void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* db.c's own statements, for db_stmt(); indexes below */
static const char *const db_sql[] = {
	"BEGIN",
	"PRAGMA data_version",
	"COMMIT",
};
enum { DB_BEGIN_READ, DB_DATA_VERSION, DB_COMMIT };

/*
 * Opens a read transaction and reads its snapshot's data version into
 * *version: the number changes whenever another connection committed
 * since this one last looked (see respcache.c).  Every query until
 * db_idle() sees the same snapshot.  0, or -1 (logged, nothing left
 * open).
 */
int
db_read_begin(struct db *db, int64_t *version)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, DBM_DB, db_sql, 3, DB_BEGIN_READ)) == NULL ||
	    db_step(db, st) != SQLITE_DONE)
		return -1;
	if ((st = db_stmt(db, DBM_DB, db_sql, 3, DB_DATA_VERSION)) == NULL ||
	    db_step(db, st) != SQLITE_ROW) {
		db_rollback(db);
		return -1;
	}
	*version = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/*
 * Brings the handle back to idle between requests: resets every statement
 * still positioned on a row (one would otherwise keep its old snapshot
 * open into the next request) and ends any transaction left open: a read
 * transaction (db_read_begin()) is committed, a write transaction is
 * rolled back (its owner failed before committing: nothing half-written).
 */
void
db_idle(struct db *db)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(db->h, st)) != NULL)
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	if (sqlite3_get_autocommit(db->h))
		return;
	if (sqlite3_txn_state(db->h, NULL) == SQLITE_TXN_WRITE) {
		db_rollback(db);
		return;
	}
	if ((st = db_stmt(db, DBM_DB, db_sql, 3, DB_COMMIT)) == NULL ||
	    db_step(db, st) != SQLITE_DONE)
		db_rollback(db);
	else
		sqlite3_reset(st);
}

/* The highest level the compiled-in migrations reach. */
int
db_schema_latest(void)
{
	return migrations_count;
}

/*
 * The level recorded in the database: 0 for a database never migrated,
 * -1 when it cannot be read (logged).
 */
int
db_schema_version(struct db *db)
{
	sqlite3_stmt *st;
	int v = -1, rc;

	rc = sqlite3_prepare_v2(db->h, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = 'schema_migrations'", -1, &st,
	    NULL);
	if (rc != SQLITE_OK) {
		db_log(db, "schema_migrations lookup");
		return -1;
	}
	rc = sqlite3_step(st);
	v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (v <= 0)
		return v;
	if (sqlite3_prepare_v2(db->h, "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations", -1, &st, NULL) != SQLITE_OK) {
		db_log(db, "SELECT max(version) FROM schema_migrations");
		return -1;
	}
	v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/*
 * Applies every migration above the database's level, each in its own
 * IMMEDIATE transaction that re-reads the level first, so concurrent
 * migrators are safe.  Stores the number applied in *applied.  Returns 0,
 * or -1 (logged) leaving the database at the last completed level.
 */
int
db_migrate(struct db *db, int *applied)
{
	sqlite3_stmt *st;
	int i, level;

	*applied = 0;
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at INTEGER NOT NULL)") == -1)
		return -1;
	for (i = 0; i < migrations_count; i++) {
		if (db_begin(db) == -1)
			return -1;
		if ((level = db_schema_version(db)) == -1)
			goto fail;
		if (level > migrations[i].version - 1) {
			db_rollback(db);
			continue;
		}
		if (db_exec(db, migrations[i].sql) == -1)
			goto fail;
		if (sqlite3_prepare_v2(db->h, "INSERT INTO schema_migrations "
		    "(version, name, applied_at) VALUES (?, ?, ?)", -1, &st,
		    NULL) != SQLITE_OK) {
			db_log(db, "INSERT INTO schema_migrations");
			goto fail;
		}
		sqlite3_bind_int(st, 1, migrations[i].version);
		sqlite3_bind_text(st, 2, migrations[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, tvtime_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_log(db, sqlite3_sql(st));
			sqlite3_finalize(st);
			goto fail;
		}
		sqlite3_finalize(st);
		if (db_commit(db) == -1)
			return -1;
		(*applied)++;
	}
	return 0;
fail:
	db_rollback(db);
	return -1;
}
