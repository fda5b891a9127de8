/* Unit tests for lib/db/db.c: opening, migrations, statement cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "migrations.h"
#include "tap.h"

static char dir[] = "/tmp/t-db-XXXXXX";

static int
count(struct db *db, const char *sql)
{
	struct db_query *st;
	int n = -1;

	if ((st = db_prepare(db, sql)) != NULL && db_step(db, st) == DB_ROW)
		n = (int)db_col_int(st, 0);
	db_finalize(st);
	return n;
}

int
main(void)
{
	static const char *const sql[] = { "SELECT ?1 + 1",
	    DB_SQL2("SELECT 'lite', ?", "SELECT 'pg', ?") };
	char path[256], junk[256], err[512];
	struct db *db, *db2;
	struct db_query *st, *st2;
	int applied, i;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);

	for (i = 0; i < migrations_count; i++)
		check_int(migrations[i].version, ==, i + 1);
	ok(db_schema_latest() >= 1, "at least one migration compiled in");

	db = db_open(path, 0, err, sizeof(err));
	ok(db == NULL && strstr(err, "cannot open") != NULL,
	    "missing file without DB_CREATE fails: %s", err);

	db = db_open(path, DB_CREATE, err, sizeof(err));
	ok(db != NULL, "DB_CREATE creates the file");
	check_int(db_schema_version(db), ==, 0);
	check_int(db_migrate(db, &applied), ==, 0);
	check_int(applied, ==, db_schema_latest());
	check_int(db_schema_version(db), ==, db_schema_latest());
	check_int(count(db, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'projects'"), ==, 1);
	check_int(count(db, "PRAGMA foreign_keys"), ==, 1);
	check_int(count(db, "PRAGMA auto_vacuum"), ==, 2);
	check_int(count(db, "SELECT count(*) FROM schema_migrations"), ==,
	    db_schema_latest());

	db2 = db_open(path, 0, err, sizeof(err));
	ok(db2 != NULL, "second handle opens");
	check_int(db_migrate(db2, &applied), ==, 0);
	check_int(applied, ==, 0);
	db_close(db2);

	st = db_stmt(db, DBM_STATUS, sql, 2, 0);
	ok(st != NULL, "statement prepared");
	check_int(db_bind_int(db, st, 1, 41), ==, 0);
	check_int(db_step(db, st), ==, DB_ROW);
	check_int((int)db_col_int(st, 0), ==, 42);
	st2 = db_stmt(db, DBM_STATUS, sql, 2, 0);
	ok(st == st2, "second request returns the cached statement");
	check_int(db_bind_int(db, st2, 2, 1), ==, -1);	/* one parameter */
	check_int(db_step(db, st2), ==, DB_ROW);
	check_int(db_col_type(st2, 0), ==, DB_NULL);
	ok(db_col_null(st2, 0), "an unbound parameter is NULL");

	st = db_stmt(db, DBM_STATUS, sql, 2, 1);
	ok(st != NULL && db_bind_text(db, st, 1, "x") == 0 &&
	    db_step(db, st) == DB_ROW && strcmp(db_column_text(st, 0),
	    "lite") == 0 && strcmp(db_column_text(st, 1), "x") == 0 &&
	    db_col_len(st, 1) == 1, "a DB_SQL2 entry runs its SQLite text");
	db_reset(st);
	check_int(db_engine(db), ==, DB_SQLITE);
	ok(db_is_url("postgresql://u@h/d") && db_is_url("postgres://h/d") &&
	    !db_is_url("/var/db/testvis.db"), "URLs name PostgreSQL");

	check_int(db_exec(db, "SELECT * FROM no_such_table"), ==, -1);
	check_int(db_begin(db), ==, 0);
	check_int(db_exec(db, "INSERT INTO projects (slug, name, created_at) "
	    "VALUES ('p', 'p', 0)"), ==, 0);
	db_rollback(db);
	check_int(count(db, "SELECT count(*) FROM projects"), ==, 0);
	db_close(db);

	snprintf(junk, sizeof(junk), "%s/junk.db", dir);
	f = fopen(junk, "w");
	fputs("this is not an SQLite database, just some text that is long "
	    "enough to have a header...........................................",
	    f);
	fclose(f);
	db = db_open(junk, 0, err, sizeof(err));
	ok(db == NULL && strstr(err, "cannot use database") != NULL,
	    "a file that is not a database is refused: %s", err);

	unlink(junk);
	snprintf(junk, sizeof(junk), "%s/t.db-wal", dir); unlink(junk);
	snprintf(junk, sizeof(junk), "%s/t.db-shm", dir); unlink(junk);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
