/*
 * The SQL of an upload: every statement the ingest runs, registered up
 * front, and one small function per write or read.  The run and shard
 * rows (find, create, relabel, rename, merge into another run), one
 * testcase (its test's definition and its result, repeats merging into
 * one result with the last attempt winning, ING-1), the run's metadata,
 * the counts, the project's counters and the run event.  Faults of the
 * storage map to 503 busy, 507 storage_full or 500 here.  Deciding what
 * to write is the caller's (ingest.c, ingestrun.c; which metadata wins
 * is ingestmeta.c's); the transaction is opened here and committed by
 * the caller.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "db.h"
#include "history.h"
#include "fault.h"
#include "ingestmeta.h"
#include "ingeststore.h"
#include "rollup.h"
#include "xalloc.h"

/* How a repeated (run, test) merges: the last attempt wins (ING-1). */
#define RESULT_MERGE \
	"shard = excluded.shard, status = excluded.status, " \
	"duration_ms = coalesce(excluded.duration_ms, results.duration_ms), " \
	"attempts = results.attempts + excluded.attempts, " \
	"flaky_in_run = CASE WHEN excluded.status = 0 AND " \
	"(results.status IN (1, 2) OR results.flaky_in_run <> 0) THEN 1 " \
	"ELSE excluded.flaky_in_run END, " \
	"fingerprint = coalesce(excluded.fingerprint, results.fingerprint), " \
	"assertions = coalesce(excluded.assertions, results.assertions)"
#define TEXT_MERGE \
	"message = coalesce(excluded.message, result_texts.message), " \
	"error_type = coalesce(excluded.error_type, " \
	"result_texts.error_type), " \
	"details = coalesce(excluded.details, result_texts.details), " \
	"stdout = coalesce(excluded.stdout, result_texts.stdout), " \
	"stderr = coalesce(excluded.stderr, result_texts.stderr)"

enum stmt {
	STMT_RUN_FIND,
	STMT_RUN_INSERT,
	STMT_RUN_GET,
	STMT_RUN_META,
	STMT_RUN_RENAME,
	STMT_RUN_DELETE,
	STMT_RUN_COUNTS,
	STMT_RUN_SET_COUNTS,
	STMT_SHARD_FIND,
	STMT_SHARD_INSERT,
	STMT_SHARD_COUNTS,
	STMT_SHARD_SET,
	STMT_SHARD_MOVE,
	STMT_SHARD_RELABEL,
	STMT_TEST_INSERT,
	STMT_STATS_INSERT,
	STMT_TEST_REFRESH,
	STMT_TEST_OVERRIDE,
	STMT_RESULT_UPSERT,
	STMT_TEXT_UPSERT,
	STMT_MOVE_RESULTS,
	STMT_MOVE_TEXTS,
	STMT_DROP_RESULTS,
	STMT_DROP_TEXTS,
	STMT_RESTAMP,
	STMT_PROJECT_BUMP,
	STMT_EVENT,
	STMT_ALIASES,
	STMT_KNOWN,
	STMT_DIGEST_SET,
	STMT_DIGEST_RESET,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_RUN_FIND] =
	    "SELECT id FROM runs WHERE project_id = ?1 AND run_id = ?2",
	[STMT_RUN_INSERT] =
	    "INSERT INTO runs (project_id, run_id, started_at, ingested_at) "
	    "VALUES (?1, ?2, ?3, ?4) RETURNING id",
	[STMT_RUN_GET] =
	    "SELECT started_at, finished_at, duration_ms, git_sha, branch, "
	    "session_id, env_fingerprint, triggered_by, ci_url, job, tags "
	    "FROM runs WHERE id = ?1",
	[STMT_RUN_META] =
	    "UPDATE runs SET started_at = ?2, finished_at = ?3, "
	    "duration_ms = ?4, git_sha = ?5, branch = ?6, session_id = ?7, "
	    "env_fingerprint = ?8, triggered_by = ?9, ci_url = ?10, "
	    "job = ?11, tags = ?12 WHERE id = ?1",
	[STMT_RUN_RENAME] =
	    "UPDATE runs SET run_id = ?2 WHERE id = ?1",
	[STMT_RUN_DELETE] =
	    "DELETE FROM runs WHERE id = ?1",
	[STMT_RUN_COUNTS] =
	    "SELECT status, count(*), sum(flaky_in_run) FROM results "
	    "WHERE run = ?1 GROUP BY status",
	[STMT_RUN_SET_COUNTS] =
	    "UPDATE runs SET tests = ?2, passed = ?3, failed = ?4, "
	    "errors = ?5, skipped = ?6, flaky = ?7, status = ?8, "
	    "new_tests = new_tests + ?9, shards = (SELECT count(*) FROM "
	    "run_shards WHERE run = ?1) WHERE id = ?1",
	[STMT_SHARD_FIND] =
	    "SELECT id, tests, passed, failed, errors, skipped, flaky "
	    "FROM run_shards WHERE run = ?1 AND shard = ?2",
	[STMT_SHARD_INSERT] =
	    "INSERT INTO run_shards (run, shard, content_sha256, source, "
	    "received_at) VALUES (?1, ?2, '', ?3, ?4) RETURNING id",
	[STMT_SHARD_COUNTS] =
	    "SELECT status, count(*), sum(flaky_in_run) FROM results "
	    "WHERE run = ?1 AND shard = ?2 GROUP BY status",
	[STMT_SHARD_SET] =
	    "UPDATE run_shards SET content_sha256 = ?2, tests = ?3, "
	    "passed = ?4, failed = ?5, errors = ?6, skipped = ?7, flaky = ?8, "
	    "new_tests = ?9, warnings = ?10, diff = ?11, changed_files = ?12 "
	    "WHERE id = ?1",
	[STMT_SHARD_MOVE] =
	    "UPDATE run_shards SET run = ?2 WHERE id = ?1",
	[STMT_SHARD_RELABEL] =
	    "UPDATE run_shards SET shard = ?2 WHERE id = ?1",
	[STMT_TEST_INSERT] =
	    "INSERT INTO tests (id, project_id, test_id, identity_path, name, "
	    "base_name, params, classname, file, line, suite_path, tags, "
	    "owner, feature_hint, domain_hint, first_seen_at, first_run) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17) ON CONFLICT (id) DO NOTHING",
	[STMT_STATS_INSERT] =
	    "INSERT INTO test_stats (test, project_id, last_seen_at, "
	    "def_digest) VALUES (?1, ?3, ?2, ?4) ON CONFLICT (test) DO NOTHING",
	[STMT_TEST_REFRESH] =
	    "UPDATE tests SET file = coalesce(?2, file), "
	    "line = coalesce(?3, line), tags = coalesce(?4, tags), "
	    "owner = coalesce(?5, owner), "
	    "feature_hint = coalesce(?6, feature_hint), "
	    "domain_hint = coalesce(?7, domain_hint) WHERE id = ?1 AND ("
	    "file IS DISTINCT FROM coalesce(?2, file) OR "
	    "line IS DISTINCT FROM coalesce(?3, line) OR "
	    "tags IS DISTINCT FROM coalesce(?4, tags) OR "
	    "owner IS DISTINCT FROM coalesce(?5, owner) OR "
	    "feature_hint IS DISTINCT FROM coalesce(?6, feature_hint) OR "
	    "domain_hint IS DISTINCT FROM coalesce(?7, domain_hint))",
	[STMT_TEST_OVERRIDE] =
	    "UPDATE tests SET tags = coalesce(?3, tags), "
	    "owner = coalesce(?4, owner), "
	    "feature_hint = coalesce(?5, feature_hint), "
	    "domain_hint = coalesce(?6, domain_hint) "
	    "WHERE id = ?1 AND project_id = ?2",
	[STMT_RESULT_UPSERT] =
	    "INSERT INTO results (run, test, shard, started_at, status, "
	    "duration_ms, attempts, flaky_in_run, fingerprint, assertions) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	    "ON CONFLICT (run, test) DO UPDATE SET " RESULT_MERGE,
	[STMT_TEXT_UPSERT] =
	    "INSERT INTO result_texts (run, test, message, error_type, "
	    "details, stdout, stderr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (run, test) DO UPDATE SET " TEXT_MERGE,
	[STMT_MOVE_RESULTS] =
	    "INSERT INTO results (run, test, shard, started_at, status, "
	    "duration_ms, attempts, flaky_in_run, fingerprint, assertions) "
	    "SELECT ?2, test, shard, started_at, status, duration_ms, "
	    "attempts, flaky_in_run, fingerprint, assertions FROM results "
	    "WHERE run = ?1 ON CONFLICT (run, test) DO UPDATE SET "
	    RESULT_MERGE,
	[STMT_MOVE_TEXTS] =
	    "INSERT INTO result_texts (run, test, message, error_type, "
	    "details, stdout, stderr) SELECT ?2, test, message, error_type, "
	    "details, stdout, stderr FROM result_texts WHERE run = ?1 "
	    "ON CONFLICT (run, test) DO UPDATE SET " TEXT_MERGE,
	[STMT_DROP_RESULTS] =
	    "DELETE FROM results WHERE run = ?1",
	[STMT_DROP_TEXTS] =
	    "DELETE FROM result_texts WHERE run = ?1",
	[STMT_RESTAMP] =
	    "UPDATE results SET started_at = ?2 WHERE run = ?1 AND "
	    "started_at != ?2",
	[STMT_PROJECT_BUMP] =
	    "UPDATE projects SET run_count = run_count + ?2, "
	    "test_count = test_count + ?3, "
	    "last_run_at = max(coalesce(last_run_at, ?4), ?4) WHERE id = ?1",
	[STMT_EVENT] =
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_ALIASES] =
	    "SELECT from_test, to_test FROM aliases WHERE project_id = ?1 "
	    "ORDER BY from_test",
	/* test_stats_known answers it in key order */
	[STMT_KNOWN] =
	    "SELECT test, def_digest FROM test_stats WHERE project_id = ?1 "
	    "ORDER BY test",
	/* NULL: the definition is not known to match any report */
	[STMT_DIGEST_SET] =
	    "UPDATE test_stats SET def_digest = ?2 WHERE test = ?1",
	/* an override makes the next report's refresh count again */
	[STMT_DIGEST_RESET] =
	    "UPDATE test_stats SET def_digest = NULL WHERE test = ?1 AND "
	    "project_id = ?2",
};


/*
 * Sets f from the database's last error: 503 busy (locked), 507
 * storage_full (disk full) or 500; returns -1.
 */
int
ingeststore_fault(struct db *db, struct fault *f)
{
	int code = db_failure(db);

	if (code == DB_FAIL_BUSY)
		fault_set(f, FAULT_BUSY, "busy",
		    "the database is busy, retry later");
	else if (code == DB_FAIL_FULL)
		fault_set(f, FAULT_FULL, "storage_full",
		    "the database disk is full");
	else
		fault_set(f, FAULT_INTERNAL, "internal", "storage error");
	return -1;
}

/*
 * Runs the write st that the caller prepared and bound (bound: 0, or -1
 * when that failed, already logged).  Returns 0, or -1: with a storage
 * fault when the step failed.
 */
static int
write_done(struct db *db, struct db_query *st, int bound, struct fault *f)
{
	if (bound == -1)
		return -1;
	return db_step_done(db, st) == 0 ? 0 : ingeststore_fault(db, f);
}

/*
 * Runs the INSERT ... RETURNING id st that the caller prepared and bound
 * (bound as for write_done()) and stores the new row's id in *id.
 * Returns 0, or -1 with a storage fault.
 */
static int
insert_id(struct db *db, struct db_query *st, int bound, int64_t *id,
    struct fault *f)
{
	if (bound == -1)
		return -1;
	if (db_step(db, st) != DB_ROW) {
		db_reset(st);
		return ingeststore_fault(db, f);
	}
	*id = db_col_int(st, 0);
	db_reset(st);
	return 0;
}

/*
 * Opens the upload's write transaction, waiting at most busy_ms for
 * another writer.  0, or -1 with a storage fault.
 */
int
ingeststore_open(struct db *db, int busy_ms, struct fault *f)
{
	db_busy_timeout(db, busy_ms);
	/*
	 * Rollups and the per-test index touch pages all over the file: a
	 * 64 MB page cache keeps them in memory for the length of the
	 * transaction instead of re-reading them (no mmap: mapped pages
	 * would count against the ingest's memory budget, PERF-4).  The
	 * commit leaves the upload in the write-ahead log: copying it
	 * into the file (scattered writes and two fsyncs) is the batch's
	 * job, or the FastCGI program's once the answer is sent.
	 */
	if (db_checkpoint(db, DB_CKPT_DEFER) == -1 ||
	    db_cache_size(db, 64) == -1 || db_begin(db) == -1)
		return ingeststore_fault(db, f);
	return 0;
}

/*
 * Loads the project's aliases (API-25) as (from, to) pairs sorted by
 * from into *pairs (caller frees), *n pairs.  0, or -1 with the fault.
 */
int
ingeststore_aliases(struct db *db, int64_t project_id, int64_t **pairs,
    size_t *n, struct fault *f)
{
	struct db_query *st;
	size_t cap = 0;
	int rc;

	if ((st = DB_STMT(db, DBM_INGEST, STMT_ALIASES)) == NULL ||
	    db_bind_int(db, st, 1, project_id) == -1)
		return ingeststore_fault(db, f);
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (2 * *n + 2 > cap) {
			cap = cap * 2 + 16;
			*pairs = xreallocarray(*pairs, cap, sizeof(**pairs));
		}
		(*pairs)[2 * *n] = db_col_int(st, 0);
		(*pairs)[2 * *n + 1] = db_col_int(st, 1);
		(*n)++;
	}
	db_reset(st);
	return rc == -1 ? ingeststore_fault(db, f) : 0;
}

/*
 * Loads the project's stored tests (those with a stats row, which every
 * stored test has) with their definition digests, sorted by key, into
 * *known (caller frees), *n of them.  0, or -1 with the fault.
 */
int
ingeststore_known(struct db *db, int64_t project_id,
    struct ingeststore_known **known, size_t *n, struct fault *f)
{
	struct db_query *st;
	size_t cap = 0;
	int rc;

	if ((st = DB_STMT(db, DBM_INGEST, STMT_KNOWN)) == NULL ||
	    db_bind_int(db, st, 1, project_id) == -1)
		return ingeststore_fault(db, f);
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap * 2 + 1024;
			*known = xreallocarray(*known, cap, sizeof(**known));
		}
		(*known)[*n].key = db_col_int(st, 0);
		(*known)[*n].has_digest = !db_col_null(st, 1);
		(*known)[*n].digest = (*known)[*n].has_digest ?
		    db_col_int(st, 1) : 0;
		(*n)++;
	}
	db_reset(st);
	return rc == -1 ? ingeststore_fault(db, f) : 0;
}

/*
 * Steps the lookup st (bound: 0, or -1 when binding failed): 1 found
 * (*id its first column), 0 not, -1 with a storage fault.
 */
static int
lookup(struct db *db, struct db_query *st, int bound, int64_t *id,
    struct fault *f)
{
	int rc;

	if (bound == -1)
		return ingeststore_fault(db, f);
	rc = db_step(db, st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc == -1 ? ingeststore_fault(db, f) : rc == DB_ROW;
}

/* The run row of (project, run_id): 1 found (*id), 0 not, -1 error. */
int
ingeststore_run_find(struct db *db, int64_t project_id, const char *run_id,
    int64_t *id, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_RUN_FIND);

	return lookup(db, st, st == NULL ||
	    db_bind_int(db, st, 1, project_id) == -1 ||
	    db_bind_text(db, st, 2, run_id) == -1 ? -1 : 0, id, f);
}

/* The row of shard label of run: 1 found (*id), 0 not, -1 error. */
int
ingeststore_shard_find(struct db *db, int64_t run, const char *shard,
    int64_t *id, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_SHARD_FIND);

	return lookup(db, st, st == NULL || db_bind_int(db, st, 1, run) == -1 ||
	    db_bind_text(db, st, 2, shard) == -1 ? -1 : 0, id, f);
}

/*
 * Creates the run run_id of t's project, started at t->started_at and
 * ingested now; sets t->run.  0 or -1.
 */
int
ingeststore_run_add(struct db *db, struct ingeststore_target *t,
    const char *run_id, int64_t now, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_RUN_INSERT);

	return insert_id(db, st, st == NULL ||
	    db_bind_int(db, st, 1, t->project_id) == -1 ||
	    db_bind_text(db, st, 2, run_id) == -1 ||
	    db_bind_int(db, st, 3, t->started_at) == -1 ||
	    db_bind_int(db, st, 4, now) == -1 ? -1 : 0, &t->run, f);
}

/* The stored start of run into *started; 0, or -1 with the fault. */
int
ingeststore_run_started(struct db *db, int64_t run, int64_t *started,
    struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_RUN_GET);

	if (st == NULL || db_bind_int(db, st, 1, run) == -1 ||
	    db_step(db, st) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return ingeststore_fault(db, f);
	}
	*started = db_col_int(st, 0);
	db_reset(st);
	return 0;
}

/*
 * Creates the shard label of t's run, received now from source; sets
 * t->shard.  0 or -1.
 */
int
ingeststore_shard_add(struct db *db, struct ingeststore_target *t,
    const char *label, const char *source, int64_t now, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_SHARD_INSERT);

	return insert_id(db, st, st == NULL ||
	    db_bind_int(db, st, 1, t->run) == -1 ||
	    db_bind_text(db, st, 2, label) == -1 ||
	    db_bind_text(db, st, 3, source) == -1 ||
	    db_bind_int(db, st, 4, now) == -1 ? -1 : 0, &t->shard, f);
}

/*
 * Runs the write st that the caller prepared and bound (bound as for
 * write_done()) when the storage layer likes (db_step_later()), telling
 * done(arg, rows) once its result is in.  0, or -1 with a storage fault
 * when it, or a write sent before it, failed.
 */
static int
write_later(struct db *db, struct db_query *st, int bound,
    void (*done)(void *, int64_t), void *arg, struct fault *f)
{
	if (bound == -1)
		return -1;
	return db_step_later(db, st, done, arg) == 0 ? 0 :
	    ingeststore_fault(db, f);
}

/* Counts a test the insert created (rows = 1) in *(long long *)count. */
static void
count_new(void *count, int64_t rows)
{
	if (rows > 0)
		(*(long long *)count)++;
}

/* The fields of c that a report may refresh, in def_digest() order. */
static const enum store_field refreshable[] = { SF_FILE, SF_TAGS, SF_OWNER,
    SF_FEATURE, SF_DOMAIN };

/* Predicate: c brings nothing a stored definition could take. */
static int
nothing_to_refresh(const struct ingeststore_case *c)
{
	size_t i;

	for (i = 0; i < sizeof(refreshable) / sizeof(refreshable[0]); i++)
		if (c->str[refreshable[i]] != NULL &&
		    c->str[refreshable[i]][0] != '\0')
			return 0;
	return c->line <= 0;
}

/*
 * The digest of what c would refresh (test_stats.def_digest): its file,
 * tags, owner, feature and domain hints (empty as none, as they are
 * bound) and its line.  Stable across runs and hosts of one byte order.
 */
static int64_t
def_digest(const struct ingeststore_case *c)
{
	unsigned long long h = 0x9e3779b97f4a7c15ULL, v;
	const char *f;
	size_t i;

	for (i = 0; i < sizeof(refreshable) / sizeof(refreshable[0]); i++) {
		f = c->str[refreshable[i]];
		v = f != NULL && f[0] != '\0' ? crypto_hash64(f, strlen(f)) :
		    0x5bd1e9955bd1e995ULL;
		h = (h ^ v) * 0x100000001b3ULL + i;
	}
	h = (h ^ (unsigned long long)(c->line > 0 ? c->line : 0)) *
	    0x100000001b3ULL;
	return (int64_t)(h ^ (h >> 31));
}

/*
 * Refreshes what the report may update in the stored definition of c:
 * file, line, tags, owner, feature and domain, each kept when c has none.
 * 0 or -1.
 */
static int
refresh_test(struct db *db, const struct ingeststore_case *c,
    struct fault *f)
{
	const char *const *s = c->str;
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_TEST_REFRESH);

	return write_later(db, st, st == NULL ||
	    db_bind_int(db, st, 1, c->key) == -1 ||
	    db_bind_text_opt(db, st, 2, s[SF_FILE]) == -1 ||
	    (c->line > 0 ? db_bind_int(db, st, 3, c->line) :
	    db_bind_null(db, st, 3)) == -1 ||
	    db_bind_text_opt(db, st, 4, s[SF_TAGS]) == -1 ||
	    db_bind_text_opt(db, st, 5, s[SF_OWNER]) == -1 ||
	    db_bind_text_opt(db, st, 6, s[SF_FEATURE]) == -1 ||
	    db_bind_text_opt(db, st, 7, s[SF_DOMAIN]) == -1 ? -1 : 0, NULL,
	    NULL, f);
}

/*
 * A test stored already: its definition is refreshed from c, and the
 * digest of what c said recorded, unless c says what the last report
 * said (the digest matches) or nothing at all.  0 or -1.
 */
static int
known_test(struct db *db, const struct ingeststore_case *c, struct fault *f)
{
	struct db_query *st;
	int64_t digest;

	if (nothing_to_refresh(c))
		return 0;
	digest = def_digest(c);
	if (c->has_digest && c->digest == digest)
		return 0;
	st = DB_STMT(db, DBM_INGEST, STMT_DIGEST_SET);
	return refresh_test(db, c, f) == -1 ? -1 : write_later(db, st,
	    st == NULL || db_bind_int(db, st, 1, c->key) == -1 ||
	    db_bind_int(db, st, 2, digest) == -1 ? -1 : 0, NULL, NULL, f);
}

/*
 * Creates the test of c unless it exists (counting it in *new_tests, once
 * the insert's result is in), with its stats row and definition digest;
 * a test known stored goes to known_test().  The writes go through db_step_later(): on
 * PostgreSQL they travel together.  0 or -1.
 */
static int
store_test(struct db *db, const struct ingeststore_target *t,
    const struct ingeststore_case *c, long long *new_tests, struct fault *f)
{
	const char *const *s = c->str;
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_TEST_INSERT);

	if (c->known)
		return known_test(db, c, f);
	if (write_later(db, st, st == NULL ||
	    db_bind_int(db, st, 1, c->key) == -1 ||
	    db_bind_int(db, st, 2, t->project_id) == -1 ||
	    db_bind_text(db, st, 3, c->test_id) == -1 ||
	    db_bind_text(db, st, 4, s[SF_PATH]) == -1 ||
	    db_bind_text(db, st, 5, s[SF_NAME]) == -1 ||
	    db_bind_text(db, st, 6, s[SF_BASE]) == -1 ||
	    db_bind_text(db, st, 7, s[SF_PARAMS]) == -1 ||
	    db_bind_text(db, st, 8, s[SF_CLASSNAME]) == -1 ||
	    db_bind_text(db, st, 9, s[SF_FILE]) == -1 ||
	    (c->line > 0 ? db_bind_int(db, st, 10, c->line) :
	    db_bind_null(db, st, 10)) == -1 ||
	    db_bind_text(db, st, 11, s[SF_SUITE]) == -1 ||
	    db_bind_text_opt(db, st, 12, s[SF_TAGS]) == -1 ||
	    db_bind_text_opt(db, st, 13, s[SF_OWNER]) == -1 ||
	    db_bind_text_opt(db, st, 14, s[SF_FEATURE]) == -1 ||
	    db_bind_text_opt(db, st, 15, s[SF_DOMAIN]) == -1 ||
	    db_bind_int(db, st, 16, t->started_at) == -1 ||
	    db_bind_int(db, st, 17, t->run) == -1 ? -1 : 0, count_new,
	    new_tests, f) == -1)
		return -1;
	st = DB_STMT(db, DBM_INGEST, STMT_STATS_INSERT);
	if (write_later(db, st, st == NULL ||
	    db_bind_int(db, st, 1, c->key) == -1 ||
	    db_bind_int(db, st, 2, t->started_at) == -1 ||
	    db_bind_int(db, st, 3, t->project_id) == -1 ||
	    db_bind_int(db, st, 4, def_digest(c)) == -1 ? -1 : 0, NULL, NULL,
	    f) == -1)
		return -1;
	/*
	 * No refresh: the insert stored c's definition, or found a test
	 * without a stats row, which only an alias leaves behind (the test
	 * it names is stored instead, redirected before this).
	 */
	return 0;
}

/*
 * Writes testcase c into shard t: its test's definition (kept as it is
 * for a test an alias redirected to), counting new tests in *new_tests,
 * then its result and texts, merged with an earlier attempt.  0 or -1.
 */
int
ingeststore_case(struct db *db, const struct ingeststore_target *t,
    const struct ingeststore_case *c, long long *new_tests, struct fault *f)
{
	const char *const *s = c->str;
	struct db_query *st;

	if (!c->aliased && store_test(db, t, c, new_tests, f) == -1)
		return -1;
	st = DB_STMT(db, DBM_INGEST, STMT_RESULT_UPSERT);
	if (write_later(db, st, st == NULL ||
	    db_bind_int(db, st, 1, t->run) == -1 ||
	    db_bind_int(db, st, 2, c->key) == -1 ||
	    db_bind_int(db, st, 3, t->shard) == -1 ||
	    db_bind_int(db, st, 4, t->started_at) == -1 ||
	    db_bind_int(db, st, 5, c->status) == -1 ||
	    db_bind_int_opt(db, st, 6, c->duration) == -1 ||
	    db_bind_int(db, st, 7, c->attempts) == -1 ||
	    db_bind_int(db, st, 8, c->flaky) == -1 ||
	    db_bind_text_opt(db, st, 9, c->fp) == -1 ||
	    db_bind_int_opt(db, st, 10, c->assertions) == -1 ? -1 : 0,
	    NULL, NULL, f) == -1)
		return -1;
	if (s[SF_MESSAGE] == NULL && s[SF_TYPE] == NULL &&
	    s[SF_DETAILS] == NULL && s[SF_OUT] == NULL && s[SF_ERR] == NULL)
		return 0;
	st = DB_STMT(db, DBM_INGEST, STMT_TEXT_UPSERT);
	return write_later(db, st, st == NULL ||
	    db_bind_int(db, st, 1, t->run) == -1 ||
	    db_bind_int(db, st, 2, c->key) == -1 ||
	    db_bind_text(db, st, 3, s[SF_MESSAGE]) == -1 ||
	    db_bind_text(db, st, 4, s[SF_TYPE]) == -1 ||
	    db_bind_text(db, st, 5, s[SF_DETAILS]) == -1 ||
	    db_bind_text(db, st, 6, s[SF_OUT]) == -1 ||
	    db_bind_text(db, st, 7, s[SF_ERR]) == -1 ? -1 : 0, NULL, NULL, f);
}

/* Runs the update i of one text (?2) of row id (?1); 0 or -1. */
static int
update_text(struct db *db, enum stmt i, int64_t id, const char *text,
    struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, i);

	return write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, id) == -1 ||
	    db_bind_text(db, st, 2, text) == -1 ? -1 : 0, f);
}

/* Gives shard row id the label; 0 or -1. */
int
ingeststore_shard_relabel(struct db *db, int64_t id, const char *label,
    struct fault *f)
{
	return update_text(db, STMT_SHARD_RELABEL, id, label, f);
}

/* Gives run row id the run id run_id; 0 or -1. */
int
ingeststore_run_rename(struct db *db, int64_t id, const char *run_id,
    struct fault *f)
{
	return update_text(db, STMT_RUN_RENAME, id, run_id, f);
}

/*
 * Moves t's rows from its provisional run to run `to` (an existing run
 * with the final run id), merging results that meet, and deletes the
 * provisional run; t->run becomes to.  0 or -1.
 */
int
ingeststore_run_merge(struct db *db, struct ingeststore_target *t,
    int64_t to, struct fault *f)
{
	static const enum stmt steps[] = { STMT_MOVE_RESULTS, STMT_MOVE_TEXTS,
	    STMT_DROP_RESULTS, STMT_DROP_TEXTS };
	struct db_query *st;
	int i;

	for (i = 0; i < 4; i++) {
		st = DB_STMT(db, DBM_INGEST, steps[i]);
		if (write_done(db, st, st == NULL ||
		    db_bind_int(db, st, 1, t->run) == -1 ||
		    (i < 2 && db_bind_int(db, st, 2, to) == -1) ? -1 : 0,
		    f) == -1)
			return -1;
	}
	st = DB_STMT(db, DBM_INGEST, STMT_SHARD_MOVE);
	if (write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, t->shard) == -1 ||
	    db_bind_int(db, st, 2, to) == -1 ? -1 : 0, f) == -1)
		return -1;
	st = DB_STMT(db, DBM_INGEST, STMT_RUN_DELETE);
	if (write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, t->run) == -1 ? -1 : 0, f) == -1 ||
	    (history_forget(db, t->run) == -1 &&
	    ingeststore_fault(db, f) == -1))
		return -1;
	t->run = to;
	return 0;
}

/*
 * Reads the run row of the statement old (stepped to its row) into
 * *stored; its strings are borrowed until old is reset.
 */
static void
run_read(struct db_query *old, struct ingestmeta_run *stored)
{
	int i;

	memset(stored, 0, sizeof(*stored));
	stored->started_at = db_col_int(old, 0);
	stored->finished_at = !db_col_null(old, 1) ?
	    db_col_int(old, 1) : -1;
	stored->duration_ms = !db_col_null(old, 2) ?
	    db_col_int(old, 2) : -1;
	for (i = 0; i < INGESTMETA_TEXTS; i++)
		stored->text[ingestmeta_texts[i]] = db_column_text(old, 3 + i);
	stored->tags = db_column_text(old, 3 + INGESTMETA_TEXTS);
}

/*
 * Writes the metadata of t's run as ingestmeta_settle() settles it from
 * m, found and what the row holds, and restamps the run's results when
 * its start moved (t->started_at follows).  The final branch ("" for
 * none) and git sha (NULL for none) are copied to *branch and *git_sha
 * (caller frees).  0 or -1.
 */
int
ingeststore_run_meta(struct db *db, struct ingeststore_target *t,
    const struct ingestmeta *m, const struct ingestmeta_found *found,
    char **branch, char **git_sha, struct fault *f)
{
	struct db_query *old = DB_STMT(db, DBM_INGEST, STMT_RUN_GET), *st;
	struct ingestmeta_run stored, run;
	int i, rc = -1;

	if (old == NULL || db_bind_int(db, old, 1, t->run) == -1 ||
	    db_step(db, old) != DB_ROW) {
		if (old != NULL)
			db_reset(old);
		return ingeststore_fault(db, f);
	}
	run_read(old, &stored);
	ingestmeta_settle(m, found, &stored, &run);
	if ((st = DB_STMT(db, DBM_INGEST, STMT_RUN_META)) == NULL ||
	    db_bind_int(db, st, 1, t->run) == -1 ||
	    db_bind_int(db, st, 2, run.started_at) == -1 ||
	    db_bind_int_opt(db, st, 3, run.finished_at) == -1 ||
	    db_bind_int_opt(db, st, 4, run.duration_ms) == -1)
		goto out;
	for (i = 0; i < INGESTMETA_TEXTS; i++)
		if (db_bind_text(db, st, 5 + i,
		    run.text[ingestmeta_texts[i]]) == -1)
			goto out;
	if (db_bind_text(db, st, 5 + INGESTMETA_TEXTS, run.tags) == -1)
		goto out;
	/* the branch as stored decides incidents: it may be an earlier
	 * shard's */
	free(*branch);
	*branch = xstrdup(run.text[META_BRANCH] != NULL ?
	    run.text[META_BRANCH] : "");
	free(*git_sha);
	*git_sha = xstrdup(run.text[META_GIT_SHA]);
	db_reset(old);
	if (write_done(db, st, 0, f) == -1)
		goto out;
	if (run.started_at != t->started_at) {
		t->started_at = run.started_at;
		st = DB_STMT(db, DBM_INGEST, STMT_RESTAMP);
		if (write_done(db, st, st == NULL ||
		    db_bind_int(db, st, 1, t->run) == -1 ||
		    db_bind_int(db, st, 2, run.started_at) == -1 ? -1 : 0,
		    f) == -1)
			goto out;
	}
	rc = 0;
out:
	db_reset(old);
	return rc;
}

/*
 * Overrides the test key of the project with text[] = { tags (","-
 * joined), owner, feature, domain }, NULL keeping what is stored, and
 * forgets its definition digest (the next report refreshes it).  0 or
 * -1.
 */
int
ingeststore_override(struct db *db, int64_t project_id, int64_t key,
    const char *const text[4], struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_TEST_OVERRIDE);
	int i, bound = st == NULL || db_bind_int(db, st, 1, key) == -1 ||
	    db_bind_int(db, st, 2, project_id) == -1 ? -1 : 0;

	for (i = 0; i < 4 && bound == 0; i++)
		bound = db_bind_text(db, st, 3 + i, text[i]);
	if (write_done(db, st, bound, f) == -1)
		return -1;
	st = DB_STMT(db, DBM_INGEST, STMT_DIGEST_RESET);
	return write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    db_bind_int(db, st, 2, project_id) == -1 ? -1 : 0, f);
}

/*
 * Counts the results of run (of its shard row shard; -1: of the whole
 * run) by status into *c.  0 or -1.
 */
int
ingeststore_counts(struct db *db, int64_t run, int64_t shard,
    struct ingeststore_counts *c, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, shard < 0 ? STMT_RUN_COUNTS :
	    STMT_SHARD_COUNTS);
	int rc;

	memset(c, 0, sizeof(*c));
	if (st == NULL || db_bind_int(db, st, 1, run) == -1 ||
	    (shard >= 0 && db_bind_int(db, st, 2, shard) == -1))
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		int s = (int)db_col_int(st, 0);
		long long n = db_col_int(st, 1);
		if (s >= 0 && s < ST__MAX)
			c->by[s] += n;
		c->tests += n;
		c->flaky += db_col_int(st, 2);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : ingeststore_fault(db, f);
}

/*
 * Binds c as tests, passed, failed, errors, skipped, flaky from
 * parameter i on; 0 or -1.
 */
static int
bind_counts(struct db *db, struct db_query *st, int i,
    const struct ingeststore_counts *c)
{
	return db_bind_int(db, st, i, c->tests) == -1 ||
	    db_bind_int(db, st, i + 1, c->by[ST_PASSED]) == -1 ||
	    db_bind_int(db, st, i + 2, c->by[ST_FAILED]) == -1 ||
	    db_bind_int(db, st, i + 3, c->by[ST_ERROR]) == -1 ||
	    db_bind_int(db, st, i + 4, c->by[ST_SKIPPED]) == -1 ||
	    db_bind_int(db, st, i + 5, c->flaky) == -1 ? -1 : 0;
}

/*
 * Stores the run's counts c, its status ("empty", "failed", "passed"),
 * new_tests more new tests and its number of shards.  0 or -1.
 */
int
ingeststore_run_counts(struct db *db, int64_t run,
    const struct ingeststore_counts *c, long long new_tests, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_RUN_SET_COUNTS);

	/* its results changed: by-test reads take them from results until
	 * the batch copies them (lib/db/history.h) */
	if (history_mark(db, run) == -1)
		return ingeststore_fault(db, f);
	return write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, run) == -1 ||
	    bind_counts(db, st, 2, c) == -1 ||
	    db_bind_text(db, st, 8, c->tests == 0 ? "empty" :
	    c->by[ST_FAILED] + c->by[ST_ERROR] > 0 ? "failed" :
	    "passed") == -1 ||
	    db_bind_int(db, st, 9, new_tests) == -1 ? -1 : 0, f);
}

/* Completes shard row id with its counts c and row r; 0 or -1. */
int
ingeststore_shard_set(struct db *db, int64_t id,
    const struct ingeststore_counts *c, const struct ingeststore_shard_row *r,
    struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_SHARD_SET);

	return write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, id) == -1 ||
	    db_bind_text(db, st, 2, r->digest) == -1 ||
	    bind_counts(db, st, 3, c) == -1 ||
	    db_bind_int(db, st, 9, r->new_tests) == -1 ||
	    db_bind_text(db, st, 10, r->warnings) == -1 ||
	    db_bind_text(db, st, 11, r->diff) == -1 ||
	    db_bind_text(db, st, 12, r->changed) == -1 ? -1 : 0, f);
}

/*
 * Adds to the project's counters: a run when run_new, new_tests tests,
 * and a last run at started_at or later.  0 or -1.
 */
int
ingeststore_project_bump(struct db *db, int64_t project_id, int run_new,
    long long new_tests, int64_t started_at, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_PROJECT_BUMP);

	return write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, project_id) == -1 ||
	    db_bind_int(db, st, 2, run_new) == -1 ||
	    db_bind_int(db, st, 3, new_tests) == -1 ||
	    db_bind_int(db, st, 4, started_at) == -1 ? -1 : 0, f);
}

/* Records the event run_ingested of run_id with payload (JSON); 0/-1. */
int
ingeststore_event(struct db *db, int64_t project_id, int64_t now,
    const char *run_id, const char *payload, struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_EVENT);

	return write_done(db, st, st == NULL ||
	    db_bind_int(db, st, 1, project_id) == -1 ||
	    db_bind_int(db, st, 2, now) == -1 ||
	    db_bind_text(db, st, 3, "run_ingested") == -1 ||
	    db_bind_text(db, st, 4, run_id) == -1 ||
	    db_bind_text(db, st, 5, payload) == -1 ? -1 : 0, f);
}

/*
 * The counts stored with shard label of run run_id of the project into
 * *c (zero when the shard is not there).  0, or -1 with the fault (the
 * run must exist).
 */
int
ingeststore_stored_counts(struct db *db, int64_t project_id,
    const char *run_id, const char *label, struct ingeststore_counts *c,
    struct fault *f)
{
	struct db_query *st = DB_STMT(db, DBM_INGEST, STMT_SHARD_FIND);
	int64_t run;

	memset(c, 0, sizeof(*c));
	if (ingeststore_run_find(db, project_id, run_id, &run, f) != 1 ||
	    st == NULL || db_bind_int(db, st, 1, run) == -1 ||
	    db_bind_text(db, st, 2, label) == -1)
		return ingeststore_fault(db, f);
	if (db_step(db, st) == DB_ROW) {
		c->tests = db_col_int(st, 1);
		c->by[ST_PASSED] = db_col_int(st, 2);
		c->by[ST_FAILED] = db_col_int(st, 3);
		c->by[ST_ERROR] = db_col_int(st, 4);
		c->by[ST_SKIPPED] = db_col_int(st, 5);
		c->flaky = db_col_int(st, 6);
	}
	db_reset(st);
	return 0;
}
