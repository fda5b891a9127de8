#ifndef TESTVIS_DB_H
#define TESTVIS_DB_H
#include <stddef.h>
#include <stdint.h>

/*
 * The storage layer every module uses, whatever the engine: SQLite (a file
 * path) or PostgreSQL (a postgresql:// URL).  Statements, binding,
 * stepping, column access and errors go through here; only the engine
 * adapters (db_sqlite.c, db_pg.c) call sqlite3_* or PQ*.
 */

/* Modules owning a statement table; indexes the per-handle cache. */
enum db_module {
	DBM_DB,		/* db.c's own */
	DBM_AUTH,
	DBM_PROJECT,
	DBM_STATUS,
	DBM_INGEST,
	DBM_ROLLUP,
	DBM_RUNS,
	DBM_TESTS,
	DBM_DASH,
	DBM_SLOWEST,
	DBM_CORRELATE,
	DBM_BATCH,
	DBM_MAPPING,
	DBM_FEATUREHEALTH,
	DBM_FLAKYSTATE,
	DBM_INTEGRITY,
	DBM_SIGNALS,
	DBM_RETENTION,
	DBM_SPOOL,
	DBM_ALIAS,
	DBM_TESTSTATE,
	DBM_PASS,
	DBM_MAPPINGS,
	DBM_BRANCH,
	DBM_REFINGER,
	DBM_EVENTS,
	DBM_TICKET,
	DBM_TRENDS,
	DBM_DASHBOARDS,
	DBM_QUALITY,
	DBM_REPORTCELLS,
	DBM_REPORTS,
	DBM_REPORTDEF,
	DBM_REPAIRS,
	DBM_MTTR,
	DBM_RUNEXPORT,
	DBM_GATE,
	DBM_RUNSTREAM,
	DBM_ALERTS,
	DBM_ALERTSEND,
	DBM_ALERTVIEWS,
	DBM_EXPORTS,
	DBM_EXPORTJOBS,
	DBM_SUMMARY,
	DBM_HISTORY,
	DBM__MAX
};

/* db_open() flags */
#define DB_CREATE	0x01	/* create the file if missing (SQLite) */

/* db_checkpoint() modes */
#define DB_CKPT_DEFER	1	/* leave commits in the log (SQLite) */
#define DB_CKPT_NOW	2	/* copy the log into the file now (SQLite) */
#define DB_CKPT_RESET	3	/* that, and empty the log (SQLite) */
/* a deferring connection still checkpoints at commit past this log size */
#define DB_WAL_CEILING_MB	256

/* db_step() results (SQLite's own numbers, for familiarity) */
#define DB_ROW		100
#define DB_DONE		101

/* db_col_type() results */
#define DB_NULL		0
#define DB_INT		1
#define DB_FLOAT	2
#define DB_TEXT		3
#define DB_BLOB		4

/* db_engine() results */
#define DB_SQLITE	1
#define DB_POSTGRES	2

/*
 * A statement-table entry whose text differs between the engines: the
 * SQLite text first, the PostgreSQL text after it.  Written as one string
 * ("\001" marks it, a NUL separates the two) so that tables stay arrays of
 * strings and each variant sits beside its portable twin.
 */
#define DB_SQL2(lite, pg)	"\001" lite "\0" pg

struct db;
struct db_query;

struct db	*db_open(const char *, int, char *, size_t);
void		 db_close(struct db *);
int		 db_engine(const struct db *);
int		 db_is_url(const char *);

struct db_query	*db_stmt(struct db *, enum db_module, const char *const *,
		    size_t, size_t);
/* A module's statement i of its static `sql` table (STMT__MAX long). */
#define DB_STMT(db, module, i) \
	db_stmt((db), (module), sql, STMT__MAX, (i))
struct db_query	*db_prepare(struct db *, const char *);
void		 db_finalize(struct db_query *);
int		 db_step(struct db *, struct db_query *);
int		 db_step_done(struct db *, struct db_query *);
int		 db_step_keyed(struct db *, struct db_query *, int64_t,
		    const char *);
int		 db_exists_keyed(struct db *, struct db_query *, int64_t,
		    const char *);
int		 db_step_later(struct db *, struct db_query *,
		    void (*)(void *, int64_t), void *);
int		 db_sync(struct db *);
void		 db_reset(struct db_query *);

int		 db_bind_text(struct db *, struct db_query *, int,
		    const char *);
int		 db_bind_int(struct db *, struct db_query *, int, int64_t);
int		 db_bind_double(struct db *, struct db_query *, int, double);
int		 db_bind_blob(struct db *, struct db_query *, int,
		    const void *, size_t);
int		 db_bind_null(struct db *, struct db_query *, int);
int		 db_bind_text_opt(struct db *, struct db_query *, int,
		    const char *);
int		 db_bind_int_opt(struct db *, struct db_query *, int,
		    int64_t);

int64_t		 db_col_int(struct db_query *, int);
double		 db_col_double(struct db_query *, int);
const char	*db_column_text(struct db_query *, int);
const void	*db_col_blob(struct db_query *, int, size_t *);
int		 db_col_type(struct db_query *, int);
int		 db_col_null(struct db_query *, int);
size_t		 db_col_len(struct db_query *, int);
int		 db_col_count(struct db_query *);
const char	*db_col_name(struct db_query *, int);
int64_t		 db_changes(struct db *);

int		 db_exec(struct db *, const char *);
int		 db_begin(struct db *);
int		 db_commit(struct db *);
void		 db_rollback(struct db *);
int		 db_read_begin(struct db *, int64_t *);
void		 db_idle(struct db *);
void		 db_busy_timeout(struct db *, int);
int		 db_limit_size(struct db *, long long);
void		 db_shrink(struct db *, long long);
int64_t		 db_reclaim(struct db *);
int		 db_cache_size(struct db *, int);
int		 db_checkpoint(struct db *, int);
int		 db_batch_lock(struct db *, int);
void		 db_batch_unlock(struct db *);

/* What db_failure() says the last logged error was. */
#define DB_FAIL_BUSY	1
#define DB_FAIL_FULL	2
#define DB_FAIL_OTHER	3
int		 db_failure(const struct db *);
void		 db_failure_clear(struct db *);
int		 db_migrate(struct db *, int *);
int		 db_schema_version(struct db *);
int		 db_schema_latest(void);

#endif
