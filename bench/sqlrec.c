/*
 * sqlrec.c: an LD_PRELOAD shim that writes down the SQL a testvis
 * program runs, for the point-read floor (bench/fcgi-fixed.c, FLOOR_DB):
 * each execution of a statement from the process's first "BEGIN" on, as
 * one line "STEPS<TAB>SQL" appended to $SQLREC_FILE: the SQL with its
 * bound values written in (sqlite3_expanded_sql()), and how many times
 * it was stepped before its reset, 0 when it ran to its end.  A line is
 * written when the execution ends (its last row, or its reset), so the
 * floor steps each statement as often as the program did.
 *
 *   cc -O2 -shared -fPIC -o sqlrec.so bench/sqlrec.c -ldl
 *   SQLREC_FILE=q.sql LD_PRELOAD=./sqlrec.so build/cgi-bin/testvis-tests
 *
 * bench/read-bench.sh (FLOOR=1) preloads it into FastCGI programs and
 * keeps the lines of one request, the second.  Only the outermost calls
 * count (sqlite3_exec() steps statements of its own).  Never part of
 * `make check`.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define OPEN_MAX	64	/* executions under way at once, at most */

/* An execution under way: its statement and the steps so far. */
struct open {
	sqlite3_stmt	*st;
	long		 steps;
};

static int (*real_step)(sqlite3_stmt *);
static int (*real_reset)(sqlite3_stmt *);
static int (*real_finalize)(sqlite3_stmt *);
static int (*real_exec)(sqlite3 *, const char *,
    int (*)(void *, int, char **, char **), void *, char **);
static struct open opens[OPEN_MAX];
static int depth, recording;

/* Appends "steps<TAB>sql" to $SQLREC_FILE, once the first BEGIN came. */
static void
record(long steps, const char *sql)
{
	const char *path = getenv("SQLREC_FILE");
	const char *p;
	FILE *f;

	if (sql == NULL || path == NULL)
		return;
	if (!recording && strcmp(sql, "BEGIN") != 0)
		return;
	recording = 1;
	if ((f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%ld\t", steps);
	for (p = sql; *p != '\0'; p++)
		fputc(*p == '\n' || *p == '\t' ? ' ' : *p, f);
	fputc('\n', f);
	fclose(f);
}

/* The execution of st under way, or NULL. */
static struct open *
open_of(sqlite3_stmt *st)
{
	int i;

	for (i = 0; i < OPEN_MAX; i++)
		if (opens[i].st == st)
			return &opens[i];
	return NULL;
}

/* Ends st's execution under way, if any, recording it with steps. */
static void
close_of(sqlite3_stmt *st, int to_end)
{
	struct open *o = open_of(st);
	char *sql;

	if (o == NULL || st == NULL)
		return;
	sql = sqlite3_expanded_sql(st);
	record(to_end ? 0 : o->steps, sql);
	sqlite3_free(sql);
	o->st = NULL;
}

int
sqlite3_step(sqlite3_stmt *st)
{
	struct open *o;
	int rc;

	if (real_step == NULL)
		real_step = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT,
		    "sqlite3_step");
	if (depth > 0)
		return real_step(st);
	if ((o = open_of(st)) == NULL && (o = open_of(NULL)) != NULL) {
		o->st = st;
		o->steps = 0;
	}
	depth++;
	rc = real_step(st);
	depth--;
	if (o != NULL)
		o->steps++;
	if (rc != SQLITE_ROW)
		close_of(st, 1);
	return rc;
}

int
sqlite3_reset(sqlite3_stmt *st)
{
	if (real_reset == NULL)
		real_reset = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT,
		    "sqlite3_reset");
	if (depth == 0)
		close_of(st, 0);
	return real_reset(st);
}

/* A statement finalized on a row ends its execution there too. */
int
sqlite3_finalize(sqlite3_stmt *st)
{
	if (real_finalize == NULL)
		real_finalize = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT,
		    "sqlite3_finalize");
	if (depth == 0)
		close_of(st, 0);
	return real_finalize(st);
}

/* sqlite3_exec() (COMMIT) is recorded as its text, run to its end. */
int
sqlite3_exec(sqlite3 *db, const char *sql,
    int (*cb)(void *, int, char **, char **), void *arg, char **err)
{
	int rc;

	if (real_exec == NULL)
		real_exec = (int (*)(sqlite3 *, const char *, int (*)(void *,
		    int, char **, char **), void *, char **))dlsym(RTLD_NEXT,
		    "sqlite3_exec");
	if (depth == 0)
		record(0, sql);
	depth++;
	rc = real_exec(db, sql, cb, arg, err);
	depth--;
	return rc;
}
