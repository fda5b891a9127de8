/*
 * pgprof: sqlprof.c's twin for PostgreSQL, an LD_PRELOAD shim that says
 * which statements a testvis program on `db = postgresql://...` spends
 * its time in, without touching testvis.  It wraps libpq's PQconnectdb,
 * PQprepare, PQexecPrepared and PQexec, sums wall time (a round trip to
 * the server and the statement's execution there), calls and result rows
 * per statement, and at exit prints to stderr the total time, the time
 * inside those calls against outside them (parsing, hashing, ...), and
 * the statements by total time.  Owns its tables; nothing is freed.
 *
 *   cc -O2 -shared -fPIC -I/usr/include/postgresql \
 *       -o /tmp/bench-work/pgprof.so bench/pgprof.c -ldl
 *   LD_PRELOAD=/tmp/bench-work/pgprof.so build/bin/testvis ingest ...
 *
 * PGPROF_WIDTH (default 110) truncates the statements printed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#define SLOTS 1024

struct slot {
	char		*key;		/* "P name", "E text" or "X name" */
	char		*sql;		/* what is printed */
	uint64_t	 ns, calls, rows;
};

static struct slot slots[SLOTS];
static uint64_t t_start, in_pq;

/* The monotonic clock in nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The slot of key (made with sql when new), or NULL when all are used. */
static struct slot *
slot_for(const char *key, const char *sql)
{
	uint64_t h = 5381;
	size_t i;

	for (i = 0; key[i] != '\0'; i++)
		h = h * 33 + (unsigned char)key[i];
	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[(h + i) % SLOTS];
		if (s->key == NULL) {
			s->key = strdup(key);
			s->sql = strdup(sql != NULL ? sql : "?");
			return s;
		}
		if (strcmp(s->key, key) == 0)
			return s;
	}
	return NULL;
}

/* The slot of kind ('P', 'E', 'X') and name or text. */
static struct slot *
slot_of(char kind, const char *name, const char *sql)
{
	char *key;
	struct slot *s;

	if (asprintf(&key, "%c %s", kind, name != NULL ? name : "") == -1)
		return NULL;
	s = slot_for(key, sql);
	free(key);
	return s;
}

/* Adds one call of dt ns returning res to s. */
static void
account(struct slot *s, uint64_t dt, const PGresult *res)
{
	in_pq += dt;
	if (s == NULL)
		return;
	s->ns += dt;
	s->calls++;
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
		s->rows += (uint64_t)PQntuples(res);
}

/* libpq's function called name (exits when it is missing). */
static void *
real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		fprintf(stderr, "pgprof: no %s\n", name);
		exit(1);
	}
	return f;
}

/* Wraps PQconnectdb: the connection's time. */
PGconn *
PQconnectdb(const char *conninfo)
{
	static PGconn *(*f)(const char *);
	uint64_t t0 = now_ns();
	PGconn *c;

	if (f == NULL)
		f = real("PQconnectdb");
	c = f(conninfo);
	account(slot_of('C', "", "(connect)"), now_ns() - t0, NULL);
	return c;
}

/* Wraps PQprepare: remembers the text of the statement name. */
PGresult *
PQprepare(PGconn *conn, const char *name, const char *query, int n,
    const Oid *types)
{
	static PGresult *(*f)(PGconn *, const char *, const char *, int,
	    const Oid *);
	uint64_t t0 = now_ns();
	PGresult *r;
	char *label;

	if (f == NULL)
		f = real("PQprepare");
	r = f(conn, name, query, n, types);
	if (asprintf(&label, "(prepare) %s", query) != -1) {
		account(slot_of('P', name, label), now_ns() - t0, NULL);
		free(label);
	}
	slot_of('X', name, query);	/* the text for PQexecPrepared */
	return r;
}

/* Wraps PQexecPrepared: time per prepared statement. */
PGresult *
PQexecPrepared(PGconn *conn, const char *name, int n,
    const char *const *values, const int *lengths, const int *formats,
    int rformat)
{
	static PGresult *(*f)(PGconn *, const char *, int,
	    const char *const *, const int *, const int *, int);
	uint64_t t0 = now_ns();
	PGresult *r;

	if (f == NULL)
		f = real("PQexecPrepared");
	r = f(conn, name, n, values, lengths, formats, rformat);
	account(slot_of('X', name, name), now_ns() - t0, r);
	return r;
}

/* Wraps PQexec: time per SQL text. */
PGresult *
PQexec(PGconn *conn, const char *query)
{
	static PGresult *(*f)(PGconn *, const char *);
	uint64_t t0 = now_ns();
	PGresult *r;

	if (f == NULL)
		f = real("PQexec");
	r = f(conn, query);
	account(slot_of('E', query, query), now_ns() - t0, r);
	return r;
}

/* Orders slots by total time, largest first. */
static int
by_time(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return (x->ns < y->ns) - (x->ns > y->ns);
}

/* Starts the clock when the program is loaded. */
__attribute__((constructor)) static void
start(void)
{
	t_start = now_ns();
}

/* Prints the totals and every statement that took time, at exit. */
__attribute__((destructor)) static void
report(void)
{
	uint64_t total = now_ns() - t_start;
	const char *w = getenv("PGPROF_WIDTH");
	int width = w != NULL ? atoi(w) : 110;
	size_t i, j;
	char *p;

	fprintf(stderr, "pgprof: total %.3f s, in libpq calls %.3f s (%.0f%%),"
	    " outside %.3f s\n", total / 1e9, in_pq / 1e9,
	    total ? 100.0 * in_pq / total : 0, (total - in_pq) / 1e9);
	qsort(slots, SLOTS, sizeof(slots[0]), by_time);
	fprintf(stderr, "%10s %5s %9s %9s %8s  %s\n", "ms", "%", "calls",
	    "rows", "us/call", "statement");
	for (i = 0; i < SLOTS && slots[i].key != NULL; i++) {
		if (slots[i].calls == 0)
			continue;
		for (p = slots[i].sql, j = 0; p[j] != '\0'; j++)
			if (p[j] == '\n' || p[j] == '\t')
				p[j] = ' ';
		fprintf(stderr, "%10.1f %5.1f %9llu %9llu %8.1f  %.*s\n",
		    slots[i].ns / 1e6, total ? 100.0 * slots[i].ns / total : 0,
		    (unsigned long long)slots[i].calls,
		    (unsigned long long)slots[i].rows,
		    slots[i].ns / 1e3 / slots[i].calls, width, slots[i].sql);
	}
}
