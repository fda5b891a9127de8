#ifndef TESTVIS_DB_SQLITE_H
#define TESTVIS_DB_SQLITE_H
/* Within the SQLite adapter: db_sqlite.c and its SQL functions. */
#include <sqlite3.h>

struct db;

int	 sqlitefn_register(sqlite3 *);
sqlite3	*db_sqlite_handle(struct db *);	/* for tests and fuzzers only */

#endif
