/*
 * The batch `fingerprints` pass (issue 13 item 7): when the fingerprint
 * algorithm changed (FINGERPRINT_VERSION in lib/base/ident.h), recomputes
 * the fingerprints stored with a project's results from their stored
 * texts and their test's identity, as ingest computes them, then rebuilds
 * the project's failure groups (failure_groups, failure_tests,
 * failure_streams) from the results in one transaction
 * and points the incidents at their opening failure's new fingerprint.
 *
 * The walk goes through the results in (run, test) order, REFINGER_CHUNK
 * a transaction, its position kept in the batch mark "fingerprints.walk"
 * (watermark = run, state = "VERSION:test"), so a killed batch resumes
 * where it stopped.  The mark "fingerprints" holds the version the last
 * complete recompute reached; a project at FINGERPRINT_VERSION is not
 * read at all.  Failures whose results retention deleted cannot be
 * recomputed: the rebuilt groups count the stored results only.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "ident.h"
#include "pass.h"
#include "refinger.h"
#include "xalloc.h"

#define REFINGER_CHUNK	5000
#define MARK_DONE	"fingerprints"
#define MARK_WALK	"fingerprints.walk"

enum stmt {
	STMT_CHUNK,
	STMT_SET,
	STMT_SET_HISTORY,
	STMT_DEL_GROUPS,
	STMT_DEL_TESTS,
	STMT_DEL_STREAMS,
	STMT_GROUPS,
	STMT_TESTS,
	STMT_STREAMS,
	STMT_INCIDENTS,
	STMT__MAX
};

/* The failures of the project that the groups count: failed and error
 * results (a pass flaky in its run carries a fingerprint too, which the
 * walk recomputes, but no group counts it, as at ingest). */
#define GROUP_FROM \
	"FROM results r JOIN runs u ON u.id = r.run WHERE u.project_id = ?1 " \
	"AND r.status IN (1, 2) AND r.fingerprint IS NOT NULL "

static const char *const sql[STMT__MAX] = {
	/* what ingest hands ident_fingerprint_own, for the next chunk: the
	 * runs from the watermark by id, each run's results in key order
	 * (CROSS JOIN and +project_id keep SQLite from reading every run
	 * of the project by its index and sorting all of its results) */
	[STMT_CHUNK] =
	    "SELECT r.run, r.test, r.fingerprint, x.error_type, x.message, "
	    "x.details, t.file, t.classname, t.base_name FROM runs u "
	    "CROSS JOIN results r JOIN tests t ON t.id = r.test "
	    "LEFT JOIN result_texts x ON x.run = r.run AND x.test = r.test "
	    "WHERE r.run = u.id AND +u.project_id = ?1 AND u.id >= ?2 AND "
	    "r.fingerprint IS NOT NULL AND (r.run, r.test) > (?2, ?3) "
	    "ORDER BY u.id, r.test LIMIT ?4",
	[STMT_SET] =
	    "UPDATE results SET fingerprint = ?3 WHERE run = ?1 AND test = ?2",
	/* and its per-test copy (lib/db/history.h), if the run has one */
	[STMT_SET_HISTORY] =
	    "UPDATE result_history SET fingerprint = ?3 WHERE test = ?2 AND "
	    "run = ?1 AND started_at = (SELECT started_at FROM results "
	    "WHERE run = ?1 AND test = ?2)",
	[STMT_DEL_GROUPS] = "DELETE FROM failure_groups WHERE project_id = ?1",
	[STMT_DEL_TESTS] = "DELETE FROM failure_tests WHERE project_id = ?1",
	[STMT_DEL_STREAMS] =
	    "DELETE FROM failure_streams WHERE project_id = ?1",
	/* as lib/db/rollup.c keeps them at ingest, summed over all runs */
	[STMT_GROUPS] =
	    "INSERT INTO failure_groups (project_id, fingerprint, occurrences, "
	    "first_seen_at, last_seen_at, message, error_type) "
	    "SELECT ?1, r.fingerprint, count(*), min(r.started_at), "
	    "max(r.started_at), max(x.message), max(x.error_type) "
	    "FROM results r JOIN runs u ON u.id = r.run LEFT JOIN "
	    "result_texts x ON x.run = r.run AND x.test = r.test WHERE "
	    "u.project_id = ?1 AND r.status IN (1, 2) AND "
	    "r.fingerprint IS NOT NULL GROUP BY r.fingerprint",
	[STMT_TESTS] =
	    "INSERT INTO failure_tests (project_id, fingerprint, test, "
	    "occurrences, last_seen_at) SELECT ?1, r.fingerprint, r.test, "
	    "count(*), max(r.started_at) " GROUP_FROM
	    "GROUP BY r.fingerprint, r.test",
	[STMT_STREAMS] =
	    "INSERT INTO failure_streams (project_id, fingerprint, branch, "
	    "job, test, occurrences, last_seen_at) SELECT ?1, r.fingerprint, "
	    "coalesce(u.branch, ''), coalesce(u.job, ''), r.test, count(*), "
	    "max(r.started_at) " GROUP_FROM "GROUP BY r.fingerprint, "
	    "coalesce(u.branch, ''), coalesce(u.job, ''), r.test",
	/* an incident carries its opening failure's fingerprint (rollup.c
	 * STMT_OPEN); one whose result retention deleted keeps its own */
	[STMT_INCIDENTS] =
	    "UPDATE incidents SET fingerprint = (SELECT r.fingerprint FROM "
	    "results r WHERE r.run = incidents.opened_run AND "
	    "r.test = incidents.test) WHERE project_id = ?1 AND EXISTS "
	    "(SELECT 1 FROM results r WHERE r.run = incidents.opened_run AND "
	    "r.test = incidents.test AND r.fingerprint IS NOT NULL AND "
	    "r.fingerprint IS DISTINCT FROM incidents.fingerprint)",
};

/* A result whose fingerprint changed: its key and the new one. */
struct refinger_row {
	int64_t	run;
	int64_t	test;
	char	fp[FINGERPRINT_LEN + 1];
};

/* Where the walk stands and what it did, for one project. */
struct refinger_walk {
	int64_t			 run;		/* last (run, test) done */
	int64_t			 test;
	long			 seen;		/* results recomputed */
	long			 changed;	/* of which changed */
	long			 chunk;		/* results a transaction */
	struct refinger_row	*rows;		/* chunk long, owned */
};

/*
 * Reads the next chunk of the walk after (w->run, w->test) and
 * recomputes each fingerprint, keeping the changed ones in w->rows.
 * Returns the number of results read (0: the walk is at its end) with
 * *nchanged set, or -1.
 */
static long
refinger_read(struct pass_ctx *c, struct refinger_walk *w, long *nchanged)
{
	struct ident_own own;
	char fp[FINGERPRINT_LEN + 1];
	const char *old;
	struct db_query *st;
	long n = 0;
	int rc;

	*nchanged = 0;
	if ((st = DB_STMT(c->db, DBM_REFINGER, STMT_CHUNK)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, w->run) == -1 ||
	    db_bind_int(c->db, st, 3, w->test) == -1 ||
	    db_bind_int(c->db, st, 4, w->chunk) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW) {
		w->run = db_col_int(st, 0);
		w->test = db_col_int(st, 1);
		own.file = db_column_text(st, 6);
		own.classname = db_column_text(st, 7);
		own.function = db_column_text(st, 8);
		ident_fingerprint_own(db_column_text(st, 3),
		    db_column_text(st, 4), db_column_text(st, 5), &own, fp);
		old = db_column_text(st, 2);
		if (old == NULL || strcmp(old, fp) != 0) {
			w->rows[*nchanged].run = w->run;
			w->rows[*nchanged].test = w->test;
			memcpy(w->rows[*nchanged].fp, fp, sizeof(fp));
			(*nchanged)++;
		}
		n++;
	}
	db_reset(st);
	return rc == -1 ? -1 : n;
}

/*
 * One transaction of the walk: recomputes the next chunk, stores the
 * changed fingerprints and the walk's position, commits.  Returns 1
 * when a chunk was done, 0 at the end of the walk, or -1 (the open
 * transaction is the runner's to roll back).
 */
static int
refinger_chunk(struct pass_ctx *c, struct refinger_walk *w)
{
	struct db_query *st;
	char state[64];
	long n, nchanged, i;

	if (db_begin(c->db) == -1 ||
	    (n = refinger_read(c, w, &nchanged)) == -1)
		return -1;
	if (n == 0) {
		db_rollback(c->db);
		return 0;
	}
	for (i = 0; i < 2 * nchanged; i++) {
		if ((st = DB_STMT(c->db, DBM_REFINGER, i % 2 == 0 ? STMT_SET :
		    STMT_SET_HISTORY)) == NULL ||
		    db_bind_int(c->db, st, 1, w->rows[i / 2].run) == -1 ||
		    db_bind_int(c->db, st, 2, w->rows[i / 2].test) == -1 ||
		    db_bind_text(c->db, st, 3, w->rows[i / 2].fp) == -1 ||
		    db_step_done(c->db, st) == -1)
			return -1;
	}
	snprintf(state, sizeof(state), "%d:%lld", FINGERPRINT_VERSION,
	    (long long)w->test);
	if (pass_mark_set(c, MARK_WALK, w->run, state) == -1 ||
	    pass_commit(c) == -1)
		return -1;
	w->seen += n;
	w->changed += nchanged;
	return n < w->chunk ? 0 : 1;
}

/* Runs statement s of this module with ?1 = the project; the rows it
 * changed, or -1. */
static long
refinger_exec(struct pass_ctx *c, enum stmt s)
{
	struct db_query *st;

	if ((st = DB_STMT(c->db, DBM_REFINGER, s)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_step_done(c->db, st) == -1)
		return -1;
	return db_changes(c->db);
}

/*
 * Rebuilds the project's failure groups from its stored results and
 * re-points its incidents, and records the version as done, in one
 * transaction.  Returns the number of groups, or -1.
 */
static long
refinger_rebuild(struct pass_ctx *c)
{
	static const enum stmt steps[] = { STMT_DEL_GROUPS, STMT_DEL_TESTS,
	    STMT_DEL_STREAMS, STMT_GROUPS, STMT_TESTS,
	    STMT_STREAMS, STMT_INCIDENTS };
	char state[16];
	long n, groups = 0;
	size_t i;

	if (db_begin(c->db) == -1)
		return -1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((n = refinger_exec(c, steps[i])) == -1)
			return -1;
		if (steps[i] == STMT_GROUPS)
			groups = n;
	}
	snprintf(state, sizeof(state), "%d", FINGERPRINT_VERSION);
	if (pass_mark_set(c, MARK_DONE, 0, state) == -1 ||
	    pass_commit(c) == -1)
		return -1;
	return groups;
}

/*
 * Where the walk resumes: the position stored by an earlier, unfinished
 * walk towards this same version, else before the first result.
 * Returns 0 or -1.
 */
static int
refinger_resume(struct pass_ctx *c, struct refinger_walk *w)
{
	char state[64], *end;
	long version;
	long long test;

	w->run = 0;
	w->test = INT64_MIN;
	if (pass_mark_get(c, MARK_WALK, &w->run, state, sizeof(state)) ==
	    -1)
		return -1;
	version = strtol(state, &end, 10);
	if (version == FINGERPRINT_VERSION && *end == ':') {
		test = strtoll(end + 1, &end, 10);
		if (*end == '\0') {
			w->test = test;
			return 0;
		}
	}
	w->run = 0;
	return 0;
}

/*
 * The batch `fingerprints` pass for one project: nothing when its mark
 * says FINGERPRINT_VERSION, else the walk from where it stands and the
 * rebuild.  TESTVIS_REFINGER_CHUNK (a test hook) makes the chunks
 * smaller.  Returns 0 or -1.
 */
int
refinger_pass(struct pass_ctx *c)
{
	struct refinger_walk w;
	const char *hook;
	char state[64], *end;
	int64_t mark;
	long groups, done;
	int rc;

	if (pass_mark_get(c, MARK_DONE, &mark, state, sizeof(state)) == -1)
		return -1;
	done = strtol(state, &end, 10);
	if (end != state && *end == '\0' && done == FINGERPRINT_VERSION) {
		pass_note(c, "up to date (version %d)", FINGERPRINT_VERSION);
		return 0;
	}
	memset(&w, 0, sizeof(w));
	w.chunk = REFINGER_CHUNK;
	if ((hook = getenv("TESTVIS_REFINGER_CHUNK")) != NULL &&
	    strtol(hook, NULL, 10) > 0 &&
	    strtol(hook, NULL, 10) < REFINGER_CHUNK)
		w.chunk = strtol(hook, NULL, 10);
	if (refinger_resume(c, &w) == -1)
		return -1;
	w.rows = xreallocarray(NULL, (size_t)w.chunk, sizeof(*w.rows));
	while ((rc = refinger_chunk(c, &w)) == 1)
		;
	free(w.rows);
	if (rc == -1 || (groups = refinger_rebuild(c)) == -1)
		return -1;
	c->changed += w.changed;
	pass_note(c, "version %d: %ld fingerprints recomputed, %ld changed, "
	    "%ld failure groups", FINGERPRINT_VERSION, w.seen, w.changed,
	    groups);
	return 0;
}
