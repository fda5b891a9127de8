/*
 * sqlprof: an LD_PRELOAD shim that says which SQL statements a testvis
 * program spends its time in, without touching testvis.  It wraps
 * sqlite3_step() and sqlite3_exec() (outermost calls only), sums wall
 * time and calls per statement, and at exit prints to stderr the
 * statements by total time, plus the time spent outside SQLite (parsing,
 * hashing, ...).
 *
 *   cc -O2 -shared -fPIC -o /tmp/bench-work/sqlprof.so bench/sqlprof.c -ldl
 *   LD_PRELOAD=/tmp/bench-work/sqlprof.so build/bin/testvis ingest ...
 *
 * SQLPROF_PRAGMA="PRAGMA cache_size = -65536;" runs that SQL right after
 * every sqlite3_open_v2(): a way to try a setting before changing db.c.
 * SQLPROF_WIDTH (default 110) truncates the statements printed.
 * SQLPROF_EQP=1 also prints each statement's EXPLAIN QUERY PLAN, taken at
 * its first step (the custom SQL functions are registered by then).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#define SLOTS 1024

struct slot {
	const void	*key;		/* sqlite3_sql() pointer, or text */
	char		*sql;
	char		*plan;		/* EXPLAIN QUERY PLAN, SQLPROF_EQP=1 */
	uint64_t	 ns, calls, rows;
};

static struct slot slots[SLOTS];
static uint64_t t_start, in_sql;
static __thread int depth;

static int (*real_step)(sqlite3_stmt *);
static int (*real_exec)(sqlite3 *, const char *,
    int (*)(void *, int, char **, char **), void *, char **);
static int (*real_open)(const char *, sqlite3 **, int, const char *);

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct slot *
slot_for(const void *key, const char *sql, int by_text)
{
	uintptr_t h = by_text ? 5381 : (uintptr_t)key >> 4;
	size_t i;

	if (by_text)
		for (i = 0; sql[i] != '\0'; i++)
			h = h * 33 + (unsigned char)sql[i];
	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[(h + i) % SLOTS];
		if (s->sql == NULL) {
			s->key = key;
			s->sql = strdup(sql != NULL ? sql : "?");
			return s;
		}
		if (by_text ? strcmp(s->sql, sql) == 0 : s->key == key)
			return s;
	}
	return NULL;
}

/* The query plan of st as "id parent detail" lines; malloc'ed or NULL. */
static char *
plan_of(sqlite3_stmt *st)
{
	const char *sql = sqlite3_sql(st);
	sqlite3_stmt *eqp = NULL;
	char *q, *out = NULL;
	size_t len = 0;

	if (sql == NULL || asprintf(&q, "EXPLAIN QUERY PLAN %s", sql) == -1)
		return NULL;
	if (sqlite3_prepare_v2(sqlite3_db_handle(st), q, -1, &eqp, NULL) ==
	    SQLITE_OK) {
		depth++;
		while (sqlite3_step(eqp) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(eqp, 3);
			char *line;
			int n = asprintf(&line, "      %3d %3d  %s\n",
			    sqlite3_column_int(eqp, 0),
			    sqlite3_column_int(eqp, 1), d != NULL ? d : "");
			if (n < 0)
				break;
			out = realloc(out, len + (size_t)n + 1);
			memcpy(out + len, line, (size_t)n + 1);
			len += (size_t)n;
			free(line);
		}
		depth--;
	}
	sqlite3_finalize(eqp);
	free(q);
	return out;
}

int
sqlite3_step(sqlite3_stmt *st)
{
	uint64_t t0;
	struct slot *s;
	int rc;

	if (real_step == NULL)
		real_step = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT,
		    "sqlite3_step");
	if (depth++ > 0) {
		rc = real_step(st);
		depth--;
		return rc;
	}
	t0 = now_ns();
	rc = real_step(st);
	t0 = now_ns() - t0;
	depth--;
	in_sql += t0;
	if ((s = slot_for(sqlite3_sql(st), sqlite3_sql(st), 0)) != NULL) {
		if (s->calls == 0 && getenv("SQLPROF_EQP") != NULL)
			s->plan = plan_of(st);
		s->ns += t0;
		s->calls++;
		s->rows += rc == SQLITE_ROW;
	}
	return rc;
}

int
sqlite3_exec(sqlite3 *db, const char *sql,
    int (*cb)(void *, int, char **, char **), void *arg, char **err)
{
	uint64_t t0;
	struct slot *s;
	int rc;

	if (real_exec == NULL)
		real_exec = (int (*)(sqlite3 *, const char *, int (*)(void *,
		    int, char **, char **), void *, char **))dlsym(RTLD_NEXT,
		    "sqlite3_exec");
	if (depth++ > 0) {
		rc = real_exec(db, sql, cb, arg, err);
		depth--;
		return rc;
	}
	t0 = now_ns();
	rc = real_exec(db, sql, cb, arg, err);
	t0 = now_ns() - t0;
	depth--;
	in_sql += t0;
	if ((s = slot_for(NULL, sql, 1)) != NULL) {
		s->ns += t0;
		s->calls++;
	}
	return rc;
}

int
sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
	const char *extra = getenv("SQLPROF_PRAGMA");
	int rc;

	if (real_open == NULL)
		real_open = (int (*)(const char *, sqlite3 **, int,
		    const char *))dlsym(RTLD_NEXT, "sqlite3_open_v2");
	rc = real_open(path, db, flags, vfs);
	if (rc == SQLITE_OK && extra != NULL && *extra != '\0') {
		if (real_exec == NULL)
			real_exec = (int (*)(sqlite3 *, const char *,
			    int (*)(void *, int, char **, char **), void *,
			    char **))dlsym(RTLD_NEXT, "sqlite3_exec");
		if (real_exec(*db, extra, NULL, NULL, NULL) != SQLITE_OK)
			fprintf(stderr, "sqlprof: %s: %s\n", extra,
			    sqlite3_errmsg(*db));
	}
	return rc;
}

__attribute__((constructor)) static void
sqlprof_start(void)
{
	t_start = now_ns();
}

static int
by_ns(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

__attribute__((destructor)) static void
sqlprof_report(void)
{
	uint64_t total = now_ns() - t_start;
	const char *w = getenv("SQLPROF_WIDTH");
	int width = w != NULL ? atoi(w) : 110;
	size_t i;

	if (total == 0)
		return;
	qsort(slots, SLOTS, sizeof(slots[0]), by_ns);
	fprintf(stderr, "sqlprof: %.3f s in all, %.3f s (%.1f%%) inside SQLite,"
	    " %.3f s outside\n", total / 1e9, in_sql / 1e9,
	    100.0 * in_sql / total, (total - in_sql) / 1e9);
	fprintf(stderr, "%9s %6s %9s %9s  %s\n", "seconds", "%", "calls", "rows",
	    "statement");
	for (i = 0; i < SLOTS && slots[i].sql != NULL; i++) {
		char *p;
		if (slots[i].ns < total / 2000)
			continue;
		for (p = slots[i].sql; *p != '\0'; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		fprintf(stderr, "%9.3f %6.1f %9llu %9llu  %.*s\n",
		    slots[i].ns / 1e9, 100.0 * slots[i].ns / total,
		    (unsigned long long)slots[i].calls,
		    (unsigned long long)slots[i].rows, width, slots[i].sql);
		if (slots[i].plan != NULL)
			fputs(slots[i].plan, stderr);
	}
}
