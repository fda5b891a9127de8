/*
 * The report cells (migration 0016): per run, its results counted and
 * their durations summed by the suite path, owner and primary feature of
 * their tests.  Reports (lib/views/reports.c) read these instead of the
 * results.  Ingest rebuilds the cells of the run it stored a shard of;
 * the mapping pass rebuilds those of the runs whose new tests it mapped
 * and, when tests move between features, those of the features.  Every
 * function runs inside the caller's transaction.
 *
 * On SQLite a run's cells are summed here, in C, from its results read
 * in key order, in a hash table of its cells (a few thousand), then
 * written in key order.  The GROUP BY that PostgreSQL hashes cheaply made
 * SQLite sort every result of the run by its text key first (0.2-0.3 s
 * of a 100,000-test upload: issue 18).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "db.h"
#include "history.h"
#include "reportcells.h"

enum stmt {
	STMT_RUN_DROP,
	STMT_RUN_ADD,
	STMT_FEATURE_DROP,
	STMT_FEATURE_ADD,
	STMT_UNMAPPED_ADD,
	STMT_PROJECT_DROP,
	STMT_PROJECT_ADD,
	STMT_RUN_ROWS,
	STMT_CELL_ADD,
	STMT__MAX
};

#define CELLS_INSERT \
	"INSERT INTO report_cells (run, suite, owner, feature, tests, " \
	"passed, failed, skipped, duration_ms) "
/* a cell's figures, from the results r in it */
#define CELL_SUMS \
	"count(*), " \
	"sum(CASE WHEN r.status = 0 THEN 1 ELSE 0 END), " \
	"sum(CASE WHEN r.status IN (1, 2) THEN 1 ELSE 0 END), " \
	"sum(CASE WHEN r.status = 3 THEN 1 ELSE 0 END), " \
	"sum(coalesce(r.duration_ms, 0))"
/* one cell's key and figures, from results r of tests t */
#define CELL_SELECT \
	"SELECT r.run, t.suite_path, coalesce(t.owner, ''), " \
	"coalesce(t.feature, 0), " CELL_SUMS " FROM results r " \
	"JOIN tests t ON t.id = r.test "
#define CELL_GROUP \
	" GROUP BY r.run, t.suite_path, coalesce(t.owner, ''), " \
	"coalesce(t.feature, 0)"
/* the cells of the results (from ?3 on) of project ?1's tests meeting
 * cond (over t), read test by test from the per-test order
 * (lib/db/history.h): a feature's results, not the window's */
#define CELLS_OF_TESTS(cond) CELLS_INSERT \
	"SELECT r.run, r.suite_path, r.owner, r.feature, " CELL_SUMS \
	" FROM (" \
	BY_TEST_JOIN("r.run, r.status, r.duration_ms, t.suite_path, " \
	"coalesce(t.owner, '') AS owner, coalesce(t.feature, 0) AS feature", \
	"tests t", "t.id", "t.project_id = ?1 AND " cond " AND " \
	"r.started_at >= ?3") ") AS r GROUP BY r.run, r.suite_path, " \
	"r.owner, r.feature"

static const char *const sql[STMT__MAX] = {
	[STMT_RUN_DROP] = "DELETE FROM report_cells WHERE run = ?1",
	[STMT_RUN_ADD] = CELLS_INSERT CELL_SELECT "WHERE r.run = ?1"
	    CELL_GROUP,
	/* feature ?2 of project ?1 (0: not mapped), runs from time ?3 on:
	 * a run's cells lie together, so by run (migration 0023) */
	[STMT_FEATURE_DROP] =
	    "DELETE FROM report_cells WHERE feature = ?2 AND run IN "
	    "(SELECT id FROM runs WHERE project_id = ?1 AND "
	    "started_at >= ?3)",
	[STMT_FEATURE_ADD] = CELLS_OF_TESTS("t.feature = ?2"),
	/* the tests not mapped yet (?2 is 0: bound, not read) */
	[STMT_UNMAPPED_ADD] = CELLS_OF_TESTS("t.feature IS NULL AND ?2 = 0"),
	[STMT_PROJECT_DROP] =
	    "DELETE FROM report_cells WHERE run IN (SELECT id FROM runs "
	    "WHERE project_id = ?1 AND started_at >= ?2)",
	[STMT_PROJECT_ADD] = CELLS_INSERT CELL_SELECT
	    "JOIN runs u ON u.id = r.run WHERE u.project_id = ?1 AND "
	    "u.started_at >= ?2" CELL_GROUP,
	/* run ?1's results with their cell keys (SQLite) */
	[STMT_RUN_ROWS] =
	    "SELECT t.suite_path, coalesce(t.owner, ''), "
	    "coalesce(t.feature, 0), r.status, coalesce(r.duration_ms, 0) "
	    "FROM results r JOIN tests t ON t.id = r.test WHERE r.run = ?1",
	[STMT_CELL_ADD] = CELLS_INSERT
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

/* One cell of a run being summed: its key (copied) and its sums. */
struct cell {
	char	*suite, *owner;
	size_t	 suite_len, owner_len;
	int64_t	 feature;
	int64_t	 tests, passed, failed, skipped, duration_ms;
};

/* A run's cells, and an open-addressing index of them (slots hold
 * index + 1, 0 is empty; nslots a power of two, at most half full). */
struct cells {
	struct cell	*v;
	size_t		 n, cap;
	size_t		*slot, nslots;
};

#define STMT(db, i) DB_STMT((db), DBM_REPORTCELLS, (i))

/* Runs statement s bound to the n values v.  Returns 0 or -1 (logged). */
static int
run_bound(struct db *db, enum stmt s, const int64_t *v, int n)
{
	struct db_query *st;
	int k;

	if ((st = STMT(db, s)) == NULL)
		return -1;
	for (k = 0; k < n; k++)
		if (db_bind_int(db, st, k + 1, v[k]) == -1)
			return -1;
	return db_step_done(db, st);
}

/*
 * Runs the drop statement d and then the add statement a, both bound to
 * the n values v.  Returns 0 or -1 (logged).
 */
static int
rebuild(struct db *db, enum stmt d, enum stmt a, const int64_t *v, int n)
{
	return run_bound(db, d, v, n) == -1 ? -1 : run_bound(db, a, v, n);
}

/* The hash of a cell's key. */
static size_t
cell_hash(const char *suite, size_t sl, const char *owner, size_t ol,
    int64_t feature)
{
	return (size_t)(crypto_fnv1a(suite, sl) ^
	    crypto_fnv1a(owner, ol) * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)feature * 0xc2b2ae3d27d4eb4fULL);
}

/* Puts cell i of cs into its slot; the slots have room. */
static void
cells_place(struct cells *cs, size_t i)
{
	const struct cell *c = &cs->v[i];
	size_t h = cell_hash(c->suite, c->suite_len, c->owner, c->owner_len,
	    c->feature) & (cs->nslots - 1);

	while (cs->slot[h] != 0)
		h = (h + 1) & (cs->nslots - 1);
	cs->slot[h] = i + 1;
}

/* Doubles the slots of cs (64 at first) and places every cell again;
 * 0 or -1 (out of memory). */
static int
cells_grow(struct cells *cs)
{
	size_t n = cs->nslots ? cs->nslots * 2 : 64, i, *slot;

	if ((slot = calloc(n, sizeof(*slot))) == NULL)
		return -1;
	free(cs->slot);
	cs->slot = slot;
	cs->nslots = n;
	for (i = 0; i < cs->n; i++)
		cells_place(cs, i);
	return 0;
}

/*
 * The cell of row st (STMT_RUN_ROWS) in cs, added with zero sums when
 * new; NULL when out of memory.  Keys compare byte for byte, as the
 * GROUP BY of STMT_RUN_ADD compares them.
 */
static struct cell *
cells_find(struct cells *cs, struct db_query *st)
{
	const char *suite = db_column_text(st, 0), *owner =
	    db_column_text(st, 1);
	size_t sl = db_col_len(st, 0), ol = db_col_len(st, 1), h;
	int64_t feature = db_col_int(st, 2);
	struct cell *c;

	if (cs->n * 2 >= cs->nslots && cells_grow(cs) == -1)
		return NULL;
	suite = suite != NULL ? suite : "";
	owner = owner != NULL ? owner : "";
	h = cell_hash(suite, sl, owner, ol, feature) & (cs->nslots - 1);
	for (; cs->slot[h] != 0; h = (h + 1) & (cs->nslots - 1)) {
		c = &cs->v[cs->slot[h] - 1];
		if (c->feature == feature && c->suite_len == sl &&
		    c->owner_len == ol && memcmp(c->suite, suite, sl) == 0 &&
		    memcmp(c->owner, owner, ol) == 0)
			return c;
	}
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		struct cell *v = reallocarray(cs->v, cap, sizeof(*v));

		if (v == NULL)
			return NULL;
		cs->v = v;
		cs->cap = cap;
	}
	c = &cs->v[cs->n];
	memset(c, 0, sizeof(*c));
	c->suite = strndup(suite, sl);
	c->owner = strndup(owner, ol);
	if (c->suite == NULL || c->owner == NULL) {
		free(c->suite);
		free(c->owner);
		return NULL;
	}
	c->suite_len = sl;
	c->owner_len = ol;
	c->feature = feature;
	cs->slot[h] = ++cs->n;
	return c;
}

/* Frees what cs holds. */
static void
cells_free(struct cells *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i].suite);
		free(cs->v[i].owner);
	}
	free(cs->v);
	free(cs->slot);
}

/* qsort order of cells: by suite, owner, feature (the key's order). */
static int
cell_cmp(const void *pa, const void *pb)
{
	const struct cell *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->suite, b->suite)) != 0 ||
	    (c = strcmp(a->owner, b->owner)) != 0)
		return c;
	return (a->feature > b->feature) - (a->feature < b->feature);
}

/* Inserts the cells of run cs in key order; 0 or -1 (logged). */
static int
cells_write(struct db *db, int64_t run, struct cells *cs)
{
	struct db_query *st;
	const struct cell *c;
	size_t i;

	if (cs->n > 1)
		qsort(cs->v, cs->n, sizeof(*cs->v), cell_cmp);
	for (i = 0; i < cs->n; i++) {
		c = &cs->v[i];
		if ((st = STMT(db, STMT_CELL_ADD)) == NULL ||
		    db_bind_int(db, st, 1, run) == -1 ||
		    db_bind_text(db, st, 2, c->suite) == -1 ||
		    db_bind_text(db, st, 3, c->owner) == -1 ||
		    db_bind_int(db, st, 4, c->feature) == -1 ||
		    db_bind_int(db, st, 5, c->tests) == -1 ||
		    db_bind_int(db, st, 6, c->passed) == -1 ||
		    db_bind_int(db, st, 7, c->failed) == -1 ||
		    db_bind_int(db, st, 8, c->skipped) == -1 ||
		    db_bind_int(db, st, 9, c->duration_ms) == -1 ||
		    db_step_done(db, st) == -1)
			return -1;
	}
	return 0;
}

/*
 * SQLite's reportcells_run: run's cells dropped, then its results summed
 * per cell in C (struct cells) and the cells written.  Returns 0 or -1
 * (logged, or out of memory).
 */
static int
run_summed(struct db *db, int64_t run)
{
	struct cells cs;
	struct cell *c;
	struct db_query *st;
	int rc, status;

	memset(&cs, 0, sizeof(cs));
	if (run_bound(db, STMT_RUN_DROP, &run, 1) == -1 ||
	    (st = STMT(db, STMT_RUN_ROWS)) == NULL ||
	    db_bind_int(db, st, 1, run) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if ((c = cells_find(&cs, st)) == NULL) {
			rc = -1;
			break;
		}
		status = (int)db_col_int(st, 3);
		c->tests++;
		c->passed += status == 0;
		c->failed += status == 1 || status == 2;
		c->skipped += status == 3;
		c->duration_ms += db_col_int(st, 4);
	}
	db_reset(st);
	if (rc == DB_DONE)
		rc = cells_write(db, run, &cs);
	cells_free(&cs);
	return rc == -1 ? -1 : 0;
}

/*
 * Rebuilds the cells of run (runs.id) from its stored results, with its
 * tests' current suite, owner and feature: on PostgreSQL by one GROUP BY,
 * on SQLite summed in C (run_summed).  Returns 0 or -1.
 */
int
reportcells_run(struct db *db, int64_t run)
{
	if (db_engine(db) == DB_SQLITE)
		return run_summed(db, run);
	return rebuild(db, STMT_RUN_DROP, STMT_RUN_ADD, &run, 1);
}

/*
 * Rebuilds the cells of feature (0: the tests not mapped yet) of project
 * in the runs started from time from (ms) on: retention deleted the
 * results of older runs, whose cells stay as they were.  Returns 0 or -1.
 */
int
reportcells_feature(struct db *db, int64_t project, int64_t feature,
    int64_t from)
{
	int64_t v[3] = { project, feature, from };

	return rebuild(db, STMT_FEATURE_DROP, feature != 0 ? STMT_FEATURE_ADD :
	    STMT_UNMAPPED_ADD, v, 3);
}

/*
 * Rebuilds every cell of project in the runs started from time from (ms)
 * on (the mapping rules changed: any feature may have).  Returns 0 or -1.
 */
int
reportcells_project(struct db *db, int64_t project, int64_t from)
{
	int64_t v[2] = { project, from };

	return rebuild(db, STMT_PROJECT_DROP, STMT_PROJECT_ADD, v, 2);
}
