/*
 * The storage layer every program shares, whatever the engine: db_open()
 * picks the adapter (SQLite for a file path, PostgreSQL for a
 * postgresql:// URL), and every statement, binding, step, column and
 * error goes through here to it.  Modules keep their statements in static
 * tables (portable SQL, or DB_SQL2 variants), prepared once per process
 * and cached per module here.  Only the adapters (db_sqlite.c, db_pg.c)
 * call an engine's library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_engine.h"
#include "migrations.h"

/* Predicate: path names a PostgreSQL database (a libpq URL). */
int
db_is_url(const char *path)
{
	return path != NULL && (strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0);
}

/*
 * Opens the database path: a PostgreSQL connection for a postgresql://
 * URL, else the SQLite file (DB_CREATE creates a missing file; otherwise a
 * missing file is an error).  Returns the handle (caller closes it with
 * db_close()), or NULL with a reason in err that never holds the URL (it
 * may hold a password).
 */
struct db *
db_open(const char *path, int flags, char *err, size_t errsz)
{
	if (db_is_url(path))
		return db_pg_open(path, err, errsz);
	return db_sqlite_open(path, flags, err, errsz);
}

/* A handle for an adapter's connection eng; the adapter's open calls it. */
struct db *
db_new(const struct db_ops *ops, void *eng)
{
	struct db *db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		abort();
	db->ops = ops;
	db->eng = eng;
	return db;
}

/*
 * The text of a statement-table entry for engine: the entry itself, or
 * for a DB_SQL2 entry the SQLite or the PostgreSQL part.
 */
const char *
db_sql_for(const char *sql, int engine)
{
	if (sql[0] != '\001')
		return sql;
	sql++;
	return engine == DB_SQLITE ? sql : sql + strlen(sql) + 1;
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
			if (db->cache[m][i] != NULL)
				db->ops->finalize(db->cache[m][i]);
		free(db->cache[m]);
	}
	db->ops->close(db);
	free(db);
}

/* DB_SQLITE or DB_POSTGRES. */
int
db_engine(const struct db *db)
{
	return db->ops->engine;
}

/*
 * Returns statement idx of module m's table sql[0..n), prepared on first
 * use and cached for the life of the handle, reset and with bindings
 * cleared.  The statement stays owned by db; callers reset it after use
 * (or the next db_stmt() does).  NULL when it cannot be prepared (logged).
 */
struct db_query *
db_stmt(struct db *db, enum db_module m, const char *const *sql, size_t n,
    size_t idx)
{
	struct db_query *q;

	if (db->cache[m] == NULL) {
		if ((db->cache[m] = calloc(n, sizeof(*db->cache[m]))) == NULL)
			abort();
		db->ncache[m] = n;
	}
	if (idx >= db->ncache[m])
		abort();	/* programmer error: table size mismatch */
	if ((q = db->cache[m][idx]) == NULL) {
		if ((q = db->ops->prepare(db, db_sql_for(sql[idx],
		    db->ops->engine), 1)) == NULL)
			return NULL;
		db->cache[m][idx] = q;
	}
	db->ops->reset(q);
	return q;
}

/*
 * Prepares sql (portable, or a DB_SQL2 pair) for one use; the caller
 * finalizes it with db_finalize().  NULL when it cannot (logged).
 */
struct db_query *
db_prepare(struct db *db, const char *sql)
{
	return db->ops->prepare(db, db_sql_for(sql, db->ops->engine), 0);
}

/* Frees a statement from db_prepare(); accepts NULL. */
void
db_finalize(struct db_query *q)
{
	if (q != NULL)
		q->db->ops->finalize(q);
}

/*
 * Steps q.  Returns DB_ROW or DB_DONE; on any error the adapter logged
 * the message and the SQL, q is reset and -1 returned.
 */
int
db_step(struct db *db, struct db_query *q)
{
	(void)db;
	return q->db->ops->step(q);
}

/*
 * Steps q, which must not return rows, and resets it.  Returns 0 when
 * it ran to its end, -1 on an error (logged by db_step()).
 */
int
db_step_done(struct db *db, struct db_query *q)
{
	int rc = db_step(db, q);

	db_reset(q);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * Binds the usual key of a row, the project (?1) and a text key such as
 * a run id (?2), and steps q for its first row.  Returns DB_ROW (q left
 * on the row, for the caller to read and reset), DB_DONE or -1; q is
 * reset unless DB_ROW.
 */
int
db_step_keyed(struct db *db, struct db_query *q, int64_t project,
    const char *key)
{
	int rc;

	if (q == NULL)
		return -1;
	rc = db_bind_int(db, q, 1, project) == -1 ||
	    db_bind_text(db, q, 2, key) == -1 ? -1 : db_step(db, q);
	if (rc != DB_ROW)
		db_reset(q);
	return rc;
}

/*
 * Whether q, keyed as db_step_keyed() binds it (its other parameters
 * bound by the caller), has a row: 1, 0, or -1.  q is reset.
 */
int
db_exists_keyed(struct db *db, struct db_query *q, int64_t project,
    const char *key)
{
	int rc = db_step_keyed(db, q, project, key);

	if (rc == DB_ROW)
		db_reset(q);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/*
 * Runs the bound write q, which returns no rows, when the engine likes:
 * at once on SQLite; on PostgreSQL sent ahead with others, so that many
 * cost one round trip.  done(arg, rows changed), when not NULL, is called
 * once its result is in: at the latest by db_sync() or the next
 * statement that waits for its answer.  q is reset.  Returns 0, or -1
 * (logged) when it or an earlier write sent ahead failed; a failure found
 * later fails that later call, and the commit.
 */
int
db_step_later(struct db *db, struct db_query *q, void (*done)(void *,
    int64_t), void *arg)
{
	return db->ops->later(q, done, arg);
}

/* Waits for every write sent ahead; 0, or -1 when one failed (logged). */
int
db_sync(struct db *db)
{
	return db->ops->sync(db);
}

/* Rewinds q and clears its bindings, releasing its rows. */
void
db_reset(struct db_query *q)
{
	q->db->ops->reset(q);
}

/* Binds NUL-terminated text (or NULL as SQL NULL); 0 or -1 (logged). */
int
db_bind_text(struct db *db, struct db_query *q, int i, const char *s)
{
	return s == NULL ? db->ops->bind_null(q, i) :
	    db->ops->bind_text(q, i, s);
}

/* Binds a 64-bit integer; 0 or -1 (logged). */
int
db_bind_int(struct db *db, struct db_query *q, int i, int64_t v)
{
	return db->ops->bind_int(q, i, v);
}

/* Binds a double; 0 or -1 (logged). */
int
db_bind_double(struct db *db, struct db_query *q, int i, double v)
{
	return db->ops->bind_double(q, i, v);
}

/* Binds n bytes of p (copied) as a blob; 0 or -1 (logged). */
int
db_bind_blob(struct db *db, struct db_query *q, int i, const void *p,
    size_t n)
{
	return db->ops->bind_blob(q, i, p, n);
}

/* Binds SQL NULL; 0 or -1 (logged). */
int
db_bind_null(struct db *db, struct db_query *q, int i)
{
	return db->ops->bind_null(q, i);
}

/* Binds s, or SQL NULL when s is NULL or empty; 0 or -1 (logged). */
int
db_bind_text_opt(struct db *db, struct db_query *q, int i, const char *s)
{
	return db_bind_text(db, q, i, s != NULL && s[0] != '\0' ? s : NULL);
}

/* Binds v, or SQL NULL when v is negative (unknown); 0 or -1 (logged). */
int
db_bind_int_opt(struct db *db, struct db_query *q, int i, int64_t v)
{
	return v < 0 ? db_bind_null(db, q, i) : db_bind_int(db, q, i, v);
}

/* Column i of the current row as an integer (0 for NULL). */
int64_t
db_col_int(struct db_query *q, int i)
{
	return q->db->ops->col_int(q, i);
}

/* Column i as a double (0.0 for NULL). */
double
db_col_double(struct db_query *q, int i)
{
	return q->db->ops->col_double(q, i);
}

/* Text of column i, or NULL for SQL NULL; borrowed until the next step. */
const char *
db_column_text(struct db_query *q, int i)
{
	return q->db->ops->col_text(q, i);
}

/*
 * Bytes of blob column i and their count in *n; NULL (and 0) for NULL or
 * an empty blob.  Borrowed until the next step.
 */
const void *
db_col_blob(struct db_query *q, int i, size_t *n)
{
	return q->db->ops->col_blob(q, i, n);
}

/* DB_NULL, DB_INT, DB_FLOAT, DB_TEXT or DB_BLOB: column i's value type. */
int
db_col_type(struct db_query *q, int i)
{
	return q->db->ops->col_type(q, i);
}

/* Predicate: column i is SQL NULL. */
int
db_col_null(struct db_query *q, int i)
{
	return q->db->ops->col_type(q, i) == DB_NULL;
}

/* Bytes of text or blob column i (0 for NULL). */
size_t
db_col_len(struct db_query *q, int i)
{
	return q->db->ops->col_len(q, i);
}

/* Columns of q's result. */
int
db_col_count(struct db_query *q)
{
	return q->db->ops->col_count(q);
}

/* Name of q's column i, borrowed. */
const char *
db_col_name(struct db_query *q, int i)
{
	return q->db->ops->col_name(q, i);
}

/* Rows the last INSERT, UPDATE or DELETE changed. */
int64_t
db_changes(struct db *db)
{
	return db->ops->changes(db);
}

/* Runs one or more statements without results or parameters; 0 or -1. */
int
db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, db_sql_for(sql, db->ops->engine));
}

/*
 * Starts a write transaction that holds the writers' lock at once (one
 * writer at a time on both engines).  0 or -1 (logged).
 */
int
db_begin(struct db *db)
{
	return db->ops->begin(db);
}

/* Commits; on failure the transaction is rolled back. 0 or -1. */
int
db_commit(struct db *db)
{
	return db->ops->commit(db);
}

/* Rolls back the open transaction, if any. */
void
db_rollback(struct db *db)
{
	db->ops->rollback(db);
}

/*
 * Opens a read transaction (one snapshot until db_idle()) and reads the
 * database's data version into *version: a number that changes whenever
 * another connection committed since (see respcache.c).  0, or -1
 * (logged, nothing left open).
 */
int
db_read_begin(struct db *db, int64_t *version)
{
	return db->ops->read_begin(db, version);
}

/*
 * Brings the handle back to idle between requests: no statement keeps a
 * snapshot, a read transaction is committed, a write transaction left
 * open is rolled back (its owner failed: nothing half-written).
 */
void
db_idle(struct db *db)
{
	db->ops->idle(db);
}

/* How long a statement waits for a lock before failing busy, in ms. */
void
db_busy_timeout(struct db *db, int ms)
{
	db->ops->busy_timeout(db, ms);
}

/*
 * Caps the database at max_mb MiB (0: no cap) where the engine can: past
 * it a write fails as on a full disk (507).  Returns 0 or -1 (logged).
 */
int
db_limit_size(struct db *db, long long max_mb)
{
	return db->ops->limit_size(db, max_mb);
}

/* Gives back cached memory above max bytes; call between requests. */
void
db_shrink(struct db *db, long long max)
{
	db->ops->shrink(db, max);
}

/*
 * Gives the space of deleted rows back (retention); returns the bytes
 * the database shrank by, or -1 (logged).
 */
int64_t
db_reclaim(struct db *db)
{
	return db->ops->reclaim(db);
}

/* Lets this connection cache mb MiB of pages for a big write; 0 or -1. */
int
db_cache_size(struct db *db, int mb)
{
	return db->ops->cache_size(db, mb);
}

/*
 * Where the writes of this connection reach the database file
 * (DB_CKPT_*): DB_CKPT_DEFER leaves them in the write-ahead log for a
 * later checkpoint (the batch's, or the FastCGI program's after its
 * answer is sent) instead of copying them at commit and at close, up to
 * a ceiling of DB_WAL_CEILING_MB; DB_CKPT_NOW copies what no reader still
 * needs now, without waiting for anyone; DB_CKPT_RESET also empties the
 * log when it was all copied (waiting for readers up to the busy
 * timeout), which the batch does.  Nothing to do on PostgreSQL,
 * whose server does it.  0 or -1 (logged).
 */
int
db_checkpoint(struct db *db, int mode)
{
	return db->ops->checkpoint(db, mode);
}

/*
 * Takes the batch's lock of this database without waiting (wait = 0) or
 * waiting: 1 taken, 0 held by another process, -1 error.  The SQLite
 * batch locks a file beside the database instead (batch.c).
 */
int
db_batch_lock(struct db *db, int wait)
{
	return db->ops->batch_lock(db, wait);
}

/* Releases db_batch_lock(). */
void
db_batch_unlock(struct db *db)
{
	db->ops->batch_unlock(db);
}

/*
 * What the last logged error was, so that a caller that only saw -1 can
 * answer it rightly: DB_FAIL_BUSY (another writer held the lock past the
 * busy timeout, or the connection was lost), DB_FAIL_FULL (disk or size
 * cap full), DB_FAIL_OTHER, or 0 when nothing failed since
 * db_failure_clear().
 */
int
db_failure(const struct db *db)
{
	return db->failure;
}

/* Forgets the last failure (at the start of each request). */
void
db_failure_clear(struct db *db)
{
	db->failure = 0;
}

/* The highest level the compiled-in migrations reach (both engines). */
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
	return db->ops->schema_version(db);
}

/*
 * Applies every migration above the database's level; stores the number
 * applied in *applied.  Returns 0, or -1 (logged) leaving the database at
 * the last completed level.
 */
int
db_migrate(struct db *db, int *applied)
{
	return db->ops->migrate(db, applied);
}
