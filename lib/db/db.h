#ifndef TESTVIS_DB_H
#define TESTVIS_DB_H
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

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
	DBM__MAX
};

/* db_open() flags */
#define DB_CREATE	0x01	/* create the file if missing */

struct db;

struct db	*db_open(const char *, int, char *, size_t);
void		 db_close(struct db *);
sqlite3		*db_handle(struct db *);
sqlite3_stmt	*db_stmt(struct db *, enum db_module, const char *const *,
		    size_t, size_t);
int		 db_step(struct db *, sqlite3_stmt *);
int		 db_step_done(struct db *, sqlite3_stmt *);
int		 db_bind_text_opt(struct db *, sqlite3_stmt *, int,
		    const char *);
int		 db_bind_int_opt(struct db *, sqlite3_stmt *, int, int64_t);
/* A module's statement i of its static `sql` table (STMT__MAX long). */
#define DB_STMT(db, module, i) \
	db_stmt((db), (module), sql, STMT__MAX, (i))
int		 db_bind_text(struct db *, sqlite3_stmt *, int, const char *);
int		 db_bind_int(struct db *, sqlite3_stmt *, int, int64_t);
int		 db_bind_null(struct db *, sqlite3_stmt *, int);
int		 db_exec(struct db *, const char *);
int		 db_limit_size(struct db *, long long);
void		 db_shrink(struct db *, long long);
int		 db_begin(struct db *);
int		 db_commit(struct db *);
void		 db_rollback(struct db *);
int		 db_read_begin(struct db *, int64_t *);
void		 db_idle(struct db *);

/* What db_failure() says the last logged error was. */
#define DB_FAIL_BUSY	1
#define DB_FAIL_FULL	2
#define DB_FAIL_OTHER	3
int		 db_failure(const struct db *);
void		 db_failure_clear(struct db *);
int		 db_migrate(struct db *, int *);
int		 db_schema_version(struct db *);
int		 db_schema_latest(void);
const char	*db_column_text(sqlite3_stmt *, int);

#endif
