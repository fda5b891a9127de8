/*
 * ceiling: how fast ingest could be on this machine (issue 18 item 1).
 * Measures the two halves of an ingest apart, each at its cheapest:
 *
 *   ceiling parse REPORT      our reader alone (lib/ingest/stream.c and
 *                             junit.c: gunzip, content repair, the XML
 *                             reader with field extraction) with a
 *                             callback that only counts; then again with
 *                             the per-testcase identity work ingest does
 *                             (path, test_id, key, name split,
 *                             fingerprint of failures)
 *   ceiling store N DIR       N results written into fresh SQLite files
 *                             in DIR (WAL, synchronous NORMAL, as
 *                             testvis opens them), one transaction each,
 *                             the commit and a checkpoint counted, in
 *                             layouts from the cheapest up; and the
 *                             per-test rollups of a run, one UPDATE per
 *                             test against one set-based upsert; and what
 *                             a first ingest adds, the definitions of N
 *                             new tests and their bare stats rows
 *
 * Prints one line per measure: name, seconds, rows (or testcases) per
 * second.  bench/ceiling.sh runs it beside xmllint and testvis ingest.
 * Build: cc -O2 -Ilib/base -Ilib/ingest ... bench/ceiling.c
 * build/libtestvis.a (ceiling.sh does it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "fault.h"
#include "ident.h"
#include "junit.h"
#include "stream.h"

/* The monotonic clock in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints one measure. */
static void
report(const char *what, double s, long long n)
{
	printf("%-34s %8.3f s %12.0f /s\n", what, s, s > 0 ? (double)n / s :
	    0.0);
	fflush(stdout);
}

/* What the identity callback keeps between testcases (the buffers
 * ingest reuses). */
struct idwork {
	struct buf	 base, params;
	long long	 n;
	unsigned	 sink;
};

/* The reader's callback that only counts. */
static int
on_count(void *arg, const struct junit_case *c)
{
	(void)c;
	(*(long long *)arg)++;
	return 0;
}

/* The reader's callback doing ingest's per-testcase identity work. */
static int
on_ident(void *arg, const struct junit_case *c)
{
	struct idwork *w = arg;
	char tid[TEST_ID_LEN + 1], fp[FINGERPRINT_LEN + 1];
	const char *path = ident_path(c->classname, c->file, c->suite_path);

	ident_test_id("default", path, c->name, tid);
	w->sink += (unsigned)ident_test_key(tid);
	ident_split_params(c->name, &w->base, &w->params);
	if (c->status == ST_FAILED || c->status == ST_ERROR) {
		ident_fingerprint(c->error_type, c->message, c->details, fp);
		w->sink += (unsigned char)fp[0];
	}
	w->n++;
	return 0;
}

/* Reads REPORT through the reader once with callback cb(arg).  0/-1. */
static int
read_once(const char *path, int (*cb)(void *, const struct junit_case *),
    void *arg)
{
	struct junit_limits lim = { 4096, 65536 };
	struct junit_info info;
	struct stream *fd, *gz, *content;
	struct fault f;
	int rc, d;

	memset(&f, 0, sizeof(f));
	if ((d = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "ceiling: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fd = stream_fd(d, &f);
	gz = stream_gunzip(fd, 4LL << 30, &f);
	content = stream_content(gz, &f);
	rc = junit_read(content, &lim, cb, arg, &info, &f);
	if (rc == -1)
		fprintf(stderr, "ceiling: %s: %s\n", path, f.msg);
	stream_free(content);
	stream_free(gz);
	stream_free(fd);
	close(d);
	return rc == -1 ? -1 : 0;
}

/* ceiling parse REPORT. */
static int
cmd_parse(const char *path)
{
	struct idwork w;
	long long n = 0;
	double t;

	memset(&w, 0, sizeof(w));
	t = now_s();
	if (read_once(path, on_count, &n) == -1)
		return 1;
	report("parse: reader alone", now_s() - t, n);
	t = now_s();
	if (read_once(path, on_ident, &w) == -1)
		return 1;
	report("parse: reader + identity", now_s() - t, w.n);
	buf_free(&w.base);
	buf_free(&w.params);
	return w.sink == 0xffffffffu;	/* keeps the work from being elided */
}

/* Runs sql on db; exits on an error (a benchmark of fixed SQL). */
static void
run(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "ceiling: %s: %s\n", sql, err);
		exit(2);
	}
}

/* A fresh database file DIR/name, opened as testvis opens its own. */
static sqlite3 *
fresh(const char *dir, const char *name)
{
	char path[4096];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	unlink(path);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "-wal");
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "ceiling: %s: cannot open\n", path);
		exit(2);
	}
	run(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
	    "PRAGMA cache_size = -16384");
	return db;
}

/* The layouts measured, cheapest first. */
static const struct layout {
	const char	*name;
	const char	*schema;
	int		 rows_per_stmt;
	int		 sorted;	/* rows in test order, not report order */
} layouts[] = {
	{ "store: no index, 1 row/stmt",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER)", 1, 0 },
	{ "store: no index, 50 rows/stmt",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER)", 50, 0 },
	{ "store: run-major key, 50 rows/stmt",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER, PRIMARY KEY (run, test)) "
	  "WITHOUT ROWID", 50, 0 },
	{ "store: run-major key, sorted",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER, PRIMARY KEY (run, test)) "
	  "WITHOUT ROWID", 50, 1 },
	{ "store: two run-major indexes",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER); CREATE UNIQUE INDEX "
	  "r_run ON r (run, test); CREATE INDEX r_run_status ON r (run, "
	  "status)", 50, 0 },
	{ "store: two run-major, sorted",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER); CREATE UNIQUE INDEX "
	  "r_run ON r (run, test); CREATE INDEX r_run_status ON r (run, "
	  "status)", 50, 1 },
	{ "store: + a test-major index",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER); CREATE UNIQUE INDEX "
	  "r_run ON r (run, test); CREATE INDEX r_run_status ON r (run, "
	  "status); CREATE INDEX r_test ON r (test, run)", 50, 0 },
	{ "store: + test-major, sorted",
	  "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	  "duration_ms INTEGER, attempts INTEGER); CREATE UNIQUE INDEX "
	  "r_run ON r (run, test); CREATE INDEX r_run_status ON r (run, "
	  "status); CREATE INDEX r_test ON r (test, run)", 50, 1 },
};

/* The INSERT of k rows. */
static char *
insert_sql(int k)
{
	struct buf b;
	int i;

	memset(&b, 0, sizeof(b));
	buf_puts(&b, "INSERT INTO r VALUES ");
	for (i = 0; i < k; i++)
		buf_puts(&b, i ? ",(?,?,?,?,?)" : "(?,?,?,?,?)");
	return b.p;
}

/* Writes run run_no of n results (test ids in a shuffled order, as a
 * report lists tests first seen in other runs, unless sorted) into db
 * by statements of k rows, in one transaction. */
static void
write_run(sqlite3 *db, long n, int k, int run_no, int sorted)
{
	char *sql = insert_sql(k), *one = insert_sql(1);
	sqlite3_stmt *st, *st1;
	long i;
	int j, p;

	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	sqlite3_prepare_v2(db, one, -1, &st1, NULL);
	run(db, "BEGIN");
	for (i = 0; i < n; i += k) {
		sqlite3_stmt *s = i + k <= n ? st : st1;
		int m = i + k <= n ? k : 1;

		for (j = 0, p = 1; j < m; j++) {
			long t = sorted ? i + j + 1 : ((i + j) * 7919) % n + 1;

			sqlite3_bind_int64(s, p++, run_no);
			sqlite3_bind_int64(s, p++, t);
			sqlite3_bind_int(s, p++, t % 10 == 0 ? 1 : 0);
			sqlite3_bind_int(s, p++, (int)(t % 500));
			sqlite3_bind_int(s, p++, 1);
		}
		if (sqlite3_step(s) != SQLITE_DONE) {
			fprintf(stderr, "ceiling: insert: %s\n",
			    sqlite3_errmsg(db));
			exit(2);
		}
		sqlite3_reset(s);
		if (m == 1 && k > 1)
			i -= k - 1;
	}
	run(db, "COMMIT");
	run(db, "PRAGMA wal_checkpoint(PASSIVE)");
	sqlite3_finalize(st);
	sqlite3_finalize(st1);
	free(sql);
	free(one);
}

/* The rollups of run 2 over n tests already holding run 1's: one UPDATE
 * per test, then one set-based upsert from the run's rows. */
static void
rollups(const char *dir, long n)
{
	sqlite3 *db = fresh(dir, "rollup");
	sqlite3_stmt *up;
	double t;
	long i;

	run(db, "CREATE TABLE r (run INTEGER, test INTEGER, status INTEGER, "
	    "duration_ms INTEGER, attempts INTEGER, PRIMARY KEY (run, test)) "
	    "WITHOUT ROWID; CREATE TABLE roll (test INTEGER PRIMARY KEY, "
	    "runs INTEGER, fails INTEGER, last_status INTEGER, last_run "
	    "INTEGER, total_ms INTEGER)");
	write_run(db, n, 50, 1, 1);
	write_run(db, n, 50, 2, 1);
	run(db, "INSERT INTO roll SELECT test, 1, status <> 0, status, run, "
	    "duration_ms FROM r WHERE run = 1");
	sqlite3_prepare_v2(db, "UPDATE roll SET runs = runs + 1, fails = "
	    "fails + (?2 <> 0), last_status = ?2, last_run = 2, total_ms = "
	    "total_ms + ?3 WHERE test = ?1", -1, &up, NULL);
	t = now_s();
	run(db, "BEGIN");
	for (i = 1; i <= n; i++) {
		sqlite3_bind_int64(up, 1, i);
		sqlite3_bind_int(up, 2, i % 10 == 0);
		sqlite3_bind_int(up, 3, (int)(i % 500));
		sqlite3_step(up);
		sqlite3_reset(up);
	}
	run(db, "COMMIT");
	report("rollups: one UPDATE per test", now_s() - t, n);
	sqlite3_finalize(up);
	t = now_s();
	run(db, "BEGIN; INSERT INTO roll (test, runs, fails, last_status, "
	    "last_run, total_ms) SELECT test, 1, status <> 0, status, run, "
	    "duration_ms FROM r WHERE run = 2 ON CONFLICT (test) DO UPDATE "
	    "SET runs = runs + 1, fails = fails + excluded.fails, "
	    "last_status = excluded.last_status, last_run = "
	    "excluded.last_run, total_ms = total_ms + excluded.total_ms; "
	    "COMMIT");
	report("rollups: one set-based upsert", now_s() - t, n);
	sqlite3_close(db);
}

/*
 * What a first ingest must store besides its results, at its cheapest: n
 * new test definitions (the tests table and its indexes as migrations
 * 0002-0022 leave them, strings as long as gen-junit's) and their bare
 * test_stats rows (with test_stats' indexes), each table filled by one
 * INSERT ... SELECT in key order from rows made beforehand (no binding,
 * no per-row statement), in one transaction with the upload's page cache.
 * The names are in another order than the keys, as hashed keys make them.
 */
static void
definitions(const char *dir, long n)
{
	sqlite3 *db = fresh(dir, "defs");
	char sql[512];
	double t;

	run(db, "PRAGMA cache_size = -65536");	/* an upload's (ingeststore.c) */
	run(db, "CREATE TABLE tests (id INTEGER PRIMARY KEY, project_id "
	    "INTEGER NOT NULL, test_id TEXT NOT NULL, identity_path TEXT NOT "
	    "NULL, name TEXT NOT NULL, base_name TEXT NOT NULL, params TEXT "
	    "NOT NULL DEFAULT '', classname TEXT NOT NULL DEFAULT '', file "
	    "TEXT NOT NULL DEFAULT '', line INTEGER, suite_path TEXT NOT NULL "
	    "DEFAULT '', tags TEXT, owner TEXT, feature_hint TEXT, "
	    "domain_hint TEXT, state TEXT NOT NULL DEFAULT 'active', "
	    "first_seen_at INTEGER NOT NULL, first_run INTEGER, feature "
	    "INTEGER); CREATE INDEX tests_name ON tests(project_id, name); "
	    "CREATE INDEX tests_feature ON tests(project_id, feature); "
	    "CREATE INDEX tests_paused ON tests(project_id, state) WHERE "
	    "state <> 'active'; CREATE TABLE test_stats (test INTEGER "
	    "PRIMARY KEY, project_id INTEGER NOT NULL, last_seen_at INTEGER "
	    "NOT NULL, last_status TEXT, p95_ms INTEGER, def_digest INTEGER); "
	    "CREATE INDEX test_stats_known ON test_stats(project_id, test, "
	    "def_digest); CREATE INDEX test_stats_pending ON "
	    "test_stats(project_id) WHERE last_status IS NULL");
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE src AS WITH RECURSIVE "
	    "c(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM c WHERE k < %ld) "
	    "SELECT k, printf('test_api_%%08x_refund_tax', (k * 2654435761) "
	    "& 4294967295) AS name, printf('shop / tests.orders%%d / "
	    "tests.orders%%d.handlers.test_api_%%d', k %% 97, k %% 97, "
	    "k %% 1009) AS path FROM c", n);
	run(db, sql);
	t = now_s();
	run(db, "BEGIN; INSERT INTO tests (id, project_id, test_id, "
	    "identity_path, name, base_name, classname, file, suite_path, "
	    "first_seen_at) SELECT k, 1, substr(name, 10, 16), substr(path, "
	    "25), name, name, substr(path, 25), substr(path, 13), path, 0 "
	    "FROM src ORDER BY k; INSERT INTO test_stats (test, project_id, "
	    "last_seen_at, def_digest) SELECT k, 1, 0, k * 31 FROM src "
	    "ORDER BY k; COMMIT");
	report("first: definitions + stats rows", now_s() - t, n);
	sqlite3_close(db);
}

/* ceiling store N DIR. */
static int
cmd_store(long n, const char *dir)
{
	size_t i;
	double t;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		sqlite3 *db = fresh(dir, "store");

		run(db, layouts[i].schema);
		/* a history before: steady state, not an empty table */
		write_run(db, n, 50, 1, 1);
		t = now_s();
		write_run(db, n, layouts[i].rows_per_stmt, 2,
		    layouts[i].sorted);
		report(layouts[i].name, now_s() - t, n);
		sqlite3_close(db);
	}
	rollups(dir, n);
	definitions(dir, n);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return cmd_parse(argv[2]);
	if (argc == 4 && strcmp(argv[1], "store") == 0 && atol(argv[2]) > 0)
		return cmd_store(atol(argv[2]), argv[3]);
	fprintf(stderr, "usage: ceiling parse REPORT | ceiling store N DIR\n");
	return 2;
}
