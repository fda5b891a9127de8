/*
 * The quality report (REP-3, GET /api/quality): flakiness scores,
 * stability per test and suite, incident MTTR per branch and feature,
 * the most-failing and never-failing tests, and per-suite test-count
 * drift and duration growth, for one branch (or all) and job (or all).
 * It reads the rollups ingest and the batch keep (stream_stats,
 * flaky_states, incidents, tests, features, runs) and the results of two
 * runs by their primary key; never a scan of results.  Figures are
 * defined in README ("Quality"); HTTP is cgi-bin/quality.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jval.h"
#include "mttr.h"
#include "quality.h"
#include "rollup.h"
#include "xalloc.h"

enum stmt {
	STMT_FLAKY,
	STMT_SUITES,
	STMT_MOST_FAILING,
	STMT_NEVER_FAILING,
	STMT_FIRST_RUN,
	STMT_LAST_RUN,
	STMT_RUN_SUITES,
	STMT__MAX
};

/* ?1 project, ?2 branch (NULL: all), ?3 job (NULL: all) */
#define BRANCH_JOB(b, j) \
	"(" b " = CAST(?2 AS TEXT) OR CAST(?2 AS TEXT) IS NULL) AND " \
	"(" j " = CAST(?3 AS TEXT) OR CAST(?3 AS TEXT) IS NULL)"
/* The streams in scope that had a result since ?4. */
#define STREAMS \
	"s.project_id = ?1 AND " BRANCH_JOB("s.branch", "s.job") \
	" AND s.last_result_at >= ?4"
/* Per test over its streams in scope: passed, failed or errored, and
 * results that ran (skips left out). */
#define PER_TEST \
	"WITH a AS (SELECT s.test AS tid, sum(s.passed_count) AS np, " \
	"sum(s.failed_count + s.error_count) AS nf, " \
	"sum(s.runs_count - s.skipped_count) AS nr FROM stream_stats s " \
	"WHERE " STREAMS " GROUP BY s.test) "
/* 1 when the condition holds, else 0 (no arithmetic on PG booleans) */
#define ONE_IF(c) "CASE WHEN " c " THEN 1 ELSE 0 END"
#define STABLE ONE_IF("a.np * 100 >= a.nr * 95")

static const char *const sql[STMT__MAX] = {
	/* flaky tests with their in-scope streams' windows, one row per
	 * stream; scoped to a branch or job, only streams where the flaky
	 * pass found evidence */
	[STMT_FLAKY] =
	    "SELECT fs.test, t.test_id, t.name, t.classname, fs.state, "
	    "fs.same_sha, fs.retry_passes, s.recent FROM flaky_states fs "
	    "JOIN tests t ON t.id = fs.test JOIN stream_stats s ON "
	    "s.test = fs.test WHERE fs.project_id = ?1 AND "
	    "fs.state = 'flaky' AND " STREAMS " AND (s.flaky_at IS NOT NULL "
	    "OR (CAST(?2 AS TEXT) IS NULL AND CAST(?3 AS TEXT) IS NULL)) "
	    "ORDER BY fs.test",
	/* every suite (least stable first): tests that ran, their passes,
	 * their results that ran, and how many are stable */
	[STMT_SUITES] =
	    PER_TEST "SELECT d.suite_path, count(*), sum(a.np), sum(a.nr), "
	    "sum(" STABLE ") FROM a JOIN tests d ON d.id = a.tid "
	    "WHERE a.nr > 0 GROUP BY d.suite_path "
	    "ORDER BY sum(" STABLE ") * 1.0 / count(*), "
	    "sum(a.np) * 1.0 / sum(a.nr), d.suite_path",
	/* ordered and cut on the rollups alone; definitions for the page */
	[STMT_MOST_FAILING] =
	    PER_TEST "SELECT t.test_id, t.name, p.nf, p.nr FROM (SELECT "
	    "tid, nf, nr FROM a WHERE nf > 0 ORDER BY nf DESC, "
	    "nf * 1.0 / nr DESC, tid LIMIT ?5) AS p JOIN tests t ON "
	    "t.id = p.tid ORDER BY p.nf DESC, p.nf * 1.0 / p.nr DESC, p.tid",
	[STMT_NEVER_FAILING] =
	    PER_TEST "SELECT t.test_id, t.name, p.nr FROM (SELECT tid, nr "
	    "FROM a WHERE nf = 0 AND nr >= ?5 ORDER BY nr DESC, tid "
	    "LIMIT ?6) AS p JOIN tests t ON t.id = p.tid "
	    "ORDER BY p.nr DESC, p.tid",
	[STMT_FIRST_RUN] =
	    "SELECT id FROM runs WHERE project_id = ?1 AND "
	    BRANCH_JOB("branch", "job") " AND started_at >= ?4 "
	    "ORDER BY started_at, id LIMIT 1",
	[STMT_LAST_RUN] =
	    "SELECT id FROM runs WHERE project_id = ?1 AND "
	    BRANCH_JOB("branch", "job") " AND started_at >= ?4 "
	    "ORDER BY started_at DESC, id DESC LIMIT 1",
	/* one run's results by the primary key (run, test) */
	[STMT_RUN_SUITES] =
	    "SELECT d.suite_path, count(*), sum(coalesce(r.duration_ms, 0)) "
	    "FROM results r JOIN tests d ON d.id = r.test WHERE r.run = ?1 "
	    "GROUP BY d.suite_path",
};

/* A flaky test being scored (STMT_FLAKY). */
struct flaky {
	json_t		*row;
	double		 flip, score;
	const char	*test_id;
};
/* A suite in the window's first and newest runs. */
struct suite {
	char		*name;
	int64_t		 n[2], ms[2];	/* tests and ms: first, last run */
};
/* Binds ?1 … ?4 of a scoped statement; 0, or -1 on a database error. */
static int
bind_scope(struct db *db, struct db_query *st, int64_t project,
    const struct quality_scope *sc)
{
	if (db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text_opt(db, st, 2, sc->branch) == -1 ||
	    db_bind_text_opt(db, st, 3, sc->job) == -1 ||
	    db_bind_int(db, st, 4, sc->since) == -1)
		return -1;
	return 0;
}

/* Orders flaky tests by score, flip rate, then test id. */
static int
flaky_cmp(const void *a, const void *b)
{
	const struct flaky *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->flip != y->flip)
		return x->flip > y->flip ? -1 : 1;
	return strcmp(x->test_id, y->test_id);
}

/*
 * "flakiness": the flaky tests of the scope, each scored as its highest
 * flip rate over its in-scope streams' windows plus 0.25 for same-sha
 * evidence and 0.25 for retry passes, at most 1.  0, or -1.
 */
static int
flakiness(struct db *db, int64_t project, const struct quality_scope *sc,
    json_t *out)
{
	struct db_query *st;
	struct flaky *v = NULL;
	size_t n = 0, cap = 0, i;
	int64_t prev = -1, tid;
	double f;
	int rc;

	if ((st = DB_STMT(db, DBM_QUALITY, STMT_FLAKY)) == NULL ||
	    bind_scope(db, st, project, sc) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		tid = db_col_int(st, 0);
		f = rollup_flip_rate(db_column_text(st, 7));
		if (tid == prev) {
			if (f > v[n - 1].flip)
				v[n - 1].flip = f;
			continue;
		}
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		prev = tid;
		v[n].row = jval_object();
		jval_set(v[n].row, "test_id", jval_col_text(st, 1));
		jval_set(v[n].row, "name", jval_col_text(st, 2));
		jval_set(v[n].row, "classname", jval_col_text(st, 3));
		jval_set(v[n].row, "state", jval_col_text(st, 4));
		v[n].test_id = json_string_value(json_object_get(v[n].row,
		    "test_id"));
		v[n].flip = f;
		v[n].score = (db_col_int(st, 5) > 0 ? 0.25 : 0) +
		    (db_col_int(st, 6) > 0 ? 0.25 : 0);
		n++;
	}
	db_reset(st);
	for (i = 0; i < n; i++) {
		v[i].score += v[i].flip;
		if (v[i].score > 1)
			v[i].score = 1;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), flaky_cmp);
	for (i = 0; i < n; i++) {
		if (rc == DB_DONE && i < (size_t)sc->limit) {
			jval_set(v[i].row, "score", json_real(v[i].score));
			jval_set(v[i].row, "flip_rate", json_real(v[i].flip));
			jval_push(out, v[i].row);
		} else
			json_decref(v[i].row);
	}
	free(v);
	return rc == DB_DONE ? 0 : -1;
}

/* A share a / b, or null when b is 0. */
static json_t *
share(int64_t a, int64_t b)
{
	return b > 0 ? json_real((double)a / (double)b) : json_null();
}

/*
 * "stability": tests that ran in scope, how many are stable (>= 95 % of
 * their results that ran passed), and the least stable suites.  NULL on
 * a database error.
 */
static json_t *
stability(struct db *db, int64_t project, const struct quality_scope *sc)
{
	struct db_query *st;
	json_t *o, *suites, *s;
	int64_t tests = 0, stable = 0;
	int rc;

	if ((st = DB_STMT(db, DBM_QUALITY, STMT_SUITES)) == NULL ||
	    bind_scope(db, st, project, sc) == -1)
		return NULL;
	suites = jval_array();
	while ((rc = db_step(db, st)) == DB_ROW) {
		tests += db_col_int(st, 1);
		stable += db_col_int(st, 4);
		if (json_array_size(suites) >= (size_t)sc->limit)
			continue;
		s = jval_object();
		jval_set(s, "suite", jval_col_text(st, 0));
		jval_set(s, "tests", jval_col_int(st, 1));
		jval_set(s, "pass_rate", share(db_col_int(st, 2),
		    db_col_int(st, 3)));
		jval_set(s, "stability", share(db_col_int(st, 4),
		    db_col_int(st, 1)));
		jval_push(suites, s);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		json_decref(suites);
		return NULL;
	}
	o = jval_object();
	jval_set(o, "tests", jval_int(tests));
	jval_set(o, "stable", jval_int(stable));
	jval_set(o, "unstable", jval_int(tests - stable));
	jval_set(o, "suites", suites);
	return o;
}

/* One row of STMT_MOST_FAILING. */
static json_t *
failing_row(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "test_id", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	jval_set(o, "failed", jval_col_int(st, 2));
	jval_set(o, "runs", jval_col_int(st, 3));
	jval_set(o, "fail_rate", share(db_col_int(st, 2), db_col_int(st, 3)));
	return o;
}

/* One row of STMT_NEVER_FAILING. */
static json_t *
never_row(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "test_id", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	jval_set(o, "runs", jval_col_int(st, 2));
	return o;
}

/* "most_failing" and "never_failing" into out; 0, or -1. */
static int
failing(struct db *db, int64_t project, const struct quality_scope *sc,
    json_t *out)
{
	struct db_query *st;
	json_t *a;

	if ((st = DB_STMT(db, DBM_QUALITY, STMT_MOST_FAILING)) == NULL ||
	    bind_scope(db, st, project, sc) == -1 ||
	    db_bind_int(db, st, 5, sc->limit) == -1 ||
	    (a = jval_rows(db, st, failing_row)) == NULL)
		return -1;
	jval_set(out, "most_failing", a);
	if ((st = DB_STMT(db, DBM_QUALITY, STMT_NEVER_FAILING)) == NULL ||
	    bind_scope(db, st, project, sc) == -1 ||
	    db_bind_int(db, st, 5, sc->min_runs) == -1 ||
	    db_bind_int(db, st, 6, sc->limit) == -1 ||
	    (a = jval_rows(db, st, never_row)) == NULL)
		return -1;
	jval_set(out, "never_failing", a);
	return 0;
}

/* The one id STMT_FIRST_RUN or STMT_LAST_RUN finds into *id (0: no
 * run in scope); 0, or -1. */
static int
window_run(struct db *db, int64_t project, const struct quality_scope *sc,
    int which, int64_t *id)
{
	struct db_query *st;
	int rc;

	*id = 0;
	if ((st = DB_STMT(db, DBM_QUALITY, which)) == NULL ||
	    bind_scope(db, st, project, sc) == -1)
		return -1;
	if ((rc = db_step(db, st)) == DB_ROW)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* Appends run's suites to *v (*n long) as slot 0 or 1; 0, or -1. */
static int
run_suites(struct db *db, int64_t run, int slot, struct suite **v, size_t *n)
{
	struct db_query *st;
	struct suite *s;
	int rc;

	if ((st = DB_STMT(db, DBM_QUALITY, STMT_RUN_SUITES)) == NULL ||
	    db_bind_int(db, st, 1, run) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		/* grown to 16, then doubled at each power of two */
		if ((*n & (*n - 1)) == 0)
			*v = xreallocarray(*v, *n < 8 ? 16 : *n * 2,
			    sizeof(**v));
		s = &(*v)[(*n)++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(db_column_text(st, 0));
		s->n[slot] = db_col_int(st, 1);
		s->ms[slot] = db_col_int(st, 2);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/* Orders suites by name. */
static int
suite_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct suite *)a)->name,
	    ((const struct suite *)b)->name);
}

/* Orders suites by the size of their test-count change, then name. */
static int
suite_drift_cmp(const void *a, const void *b)
{
	const struct suite *x = a, *y = b;
	int64_t cx = llabs(x->n[1] - x->n[0]), cy = llabs(y->n[1] - y->n[0]);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Orders suites by their duration growth, then name. */
static int
suite_growth_cmp(const void *a, const void *b)
{
	const struct suite *x = a, *y = b;
	int64_t cx = x->ms[1] - x->ms[0], cy = y->ms[1] - y->ms[0];

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The two lists of the suites v (n of them, merged by name). */
static void
drift_lists(struct suite *v, size_t n, int limit, json_t *drift,
    json_t *grow)
{
	json_t *o;
	size_t i;

	qsort(v, n, sizeof(*v), suite_drift_cmp);
	for (i = 0; i < n && json_array_size(drift) < (size_t)limit; i++) {
		if (v[i].n[1] == v[i].n[0])
			break;
		o = jval_object();
		jval_set(o, "suite", jval_str(v[i].name));
		jval_set(o, "first", jval_int(v[i].n[0]));
		jval_set(o, "last", jval_int(v[i].n[1]));
		jval_set(o, "change", jval_int(v[i].n[1] - v[i].n[0]));
		jval_push(drift, o);
	}
	qsort(v, n, sizeof(*v), suite_growth_cmp);
	for (i = 0; i < n && json_array_size(grow) < (size_t)limit; i++) {
		if (v[i].ms[1] <= v[i].ms[0])
			break;
		o = jval_object();
		jval_set(o, "suite", jval_str(v[i].name));
		jval_set(o, "first_ms", jval_int(v[i].ms[0]));
		jval_set(o, "last_ms", jval_int(v[i].ms[1]));
		jval_set(o, "change_ms", jval_int(v[i].ms[1] - v[i].ms[0]));
		jval_push(grow, o);
	}
}

/*
 * "count_drift" and "slowest_growing" into out: per suite, its tests
 * (results) and summed duration in the first and the newest run of the
 * scope since `since`.  0, or -1.
 */
static int
suites_drift(struct db *db, int64_t project, const struct quality_scope *sc,
    json_t *out)
{
	struct suite *v = NULL;
	json_t *drift = jval_array(), *grow = jval_array();
	int64_t first, last;
	size_t n = 0, m = 0, i;
	int rc = -1;

	jval_set(out, "count_drift", drift);
	jval_set(out, "slowest_growing", grow);
	if (window_run(db, project, sc, STMT_FIRST_RUN, &first) == -1 ||
	    window_run(db, project, sc, STMT_LAST_RUN, &last) == -1)
		return -1;
	if (first == 0 || first == last)
		return 0;
	if (run_suites(db, first, 0, &v, &n) == -1 ||
	    run_suites(db, last, 1, &v, &n) == -1)
		goto out;
	if (n > 0)
		qsort(v, n, sizeof(*v), suite_name_cmp);
	for (i = 0; i < n; i++) {
		if (m > 0 && strcmp(v[m - 1].name, v[i].name) == 0) {
			v[m - 1].n[0] += v[i].n[0];
			v[m - 1].n[1] += v[i].n[1];
			v[m - 1].ms[0] += v[i].ms[0];
			v[m - 1].ms[1] += v[i].ms[1];
			free(v[i].name);
			continue;
		}
		v[m++] = v[i];
	}
	n = m;
	drift_lists(v, n, sc->limit, drift, grow);
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return rc;
}

/*
 * GET /api/quality: *out the report for project within sc (see
 * quality.h); the caller owns it.  1, or -1 on a database error.
 */
int
quality_report(struct db *db, int64_t project, const struct quality_scope *sc,
    json_t **out)
{
	struct mttr_scope ms;
	json_t *o = jval_object(), *a;

	*out = NULL;
	jval_set(o, "branch", sc->branch != NULL ? jval_str(sc->branch) :
	    json_null());
	jval_set(o, "job", sc->job != NULL ? jval_str(sc->job) : json_null());
	jval_set(o, "since", jval_time(sc->since));
	jval_set(o, "min_runs", jval_int(sc->min_runs));
	a = jval_array();
	jval_set(o, "flakiness", a);
	if (flakiness(db, project, sc, a) == -1 ||
	    (a = stability(db, project, sc)) == NULL)
		goto fail;
	jval_set(o, "stability", a);
	ms.branch = sc->branch;
	ms.job = sc->job;
	ms.since = sc->since;
	ms.limit = sc->limit;
	if ((a = quality_mttr(db, project, &ms)) == NULL)
		goto fail;
	jval_set(o, "mttr", a);
	if (failing(db, project, sc, o) == -1 ||
	    suites_drift(db, project, sc, o) == -1)
		goto fail;
	*out = o;
	return 1;
fail:
	json_decref(o);
	return -1;
}
