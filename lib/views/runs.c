/*
 * Queries about runs (API-4, API-5, API-6): the list newest first with
 * filters and keyset cursors, one run with its shards, failures grouped
 * by fingerprint and the diff against the previous run on its branch, and
 * a run's results.  Answers are built as JSON here; HTTP is cgi-bin's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "jval.h"
#include "junit.h"
#include "runs.h"
#include "signals.h"

#define DIFF_LIST_MAX 100
#define GROUPS_MAX	100	/* failure groups shown in run detail */
#define GROUP_TESTS_MAX	20	/* tests named per group */

/* A run's results list failures and errors first, then skipped, then
 * passed (issue 13 item 8): the first key of its order and cursor. */
#define RESULT_RANK \
	"CASE r.status WHEN 1 THEN 0 WHEN 2 THEN 0 WHEN 3 THEN 1 ELSE 2 END"

enum stmt {
	STMT_LIST,
	STMT_GET,
	STMT_SHARDS,
	STMT_FAILING,
	STMT_GROUP_INFO,
	STMT_DIFF_CUR,
	STMT_DIFF_PREV,
	STMT_TEST_NAME,
	STMT_RESULTS,
	STMT_RECENT,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_LIST] =
	    "SELECT " RUNS_COLS " FROM runs WHERE project_id = ?1 "
	    "AND (branch = ?2 OR ?2 IS NULL) AND (status = ?3 OR ?3 IS NULL) "
	    "AND (started_at >= ?4 OR ?4 IS NULL) "
	    "AND (started_at < ?5 OR ?5 IS NULL) "
	    "AND (git_sha = ?6 OR ?6 IS NULL) "
	    "AND (session_id = ?7 OR ?7 IS NULL) "
	    "AND (job = ?11 OR ?11 IS NULL) "
	    "AND ((started_at, id) < (?8, ?9) OR ?8 IS NULL) "
	    "ORDER BY started_at DESC, id DESC LIMIT ?10",
	[STMT_GET] =
	    "SELECT " RUNS_COLS " FROM runs WHERE project_id = ?1 AND "
	    "run_id = ?2",
	[STMT_SHARDS] =
	    "SELECT shard, source, received_at, tests, passed, failed, "
	    "errors, skipped, flaky, new_tests, warnings, diff IS NOT NULL "
	    "FROM run_shards WHERE run = ?1 ORDER BY id",
	/* the run's failing results in key order, grouped in C */
	[STMT_FAILING] =
	    "SELECT test, fingerprint FROM results WHERE run = ?1 AND "
	    "status IN (1, 2) ORDER BY test",
	/* a sample message from the project's group (a key lookup), not
	 * from every failing result's texts */
	[STMT_GROUP_INFO] =
	    "SELECT message, error_type FROM failure_groups WHERE "
	    "project_id = ?1 AND fingerprint = ?2",
	/* the previous run of the same stream: branch and job */
	/* the two runs' results in key order, merged in C (runs_diff) */
	[STMT_DIFF_CUR] =
	    "SELECT test, status FROM results WHERE run = ?1 ORDER BY test",
	[STMT_DIFF_PREV] =
	    "SELECT test, status FROM results WHERE run = ?1 ORDER BY test",
	[STMT_TEST_NAME] =
	    "SELECT test_id, name FROM tests WHERE id = ?1",
	[STMT_RESULTS] =
	    "SELECT t.test_id, t.name, t.classname, t.file, r.status, "
	    "r.duration_ms, r.attempts, r.flaky_in_run, r.fingerprint, "
	    "x.message, x.error_type, r.test, " RESULT_RANK " FROM results r "
	    "JOIN tests t ON t.id = r.test LEFT JOIN result_texts x ON "
	    "x.run = r.run AND x.test = r.test WHERE r.run = ?1 "
	    "AND (r.status = ?2 OR ?2 IS NULL) "
	    "AND (lower(t.name) LIKE lower(?3) ESCAPE '\\' OR ?3 IS NULL) "
	    "AND ((" RESULT_RANK ", r.test) > (?4, ?5) OR ?4 IS NULL) "
	    "ORDER BY " RESULT_RANK ", r.test LIMIT ?6",
	[STMT_RECENT] =
	    "SELECT " RUNS_COLS " FROM runs WHERE project_id = ?1 "
	    "ORDER BY started_at DESC, id DESC LIMIT ?2",
};

/* The run object of the row at st (RUNS_COLS). */
json_t *
runs_row_json(struct db_query *st)
{
	json_t *o = jval_object(), *c = jval_object(), *tags;
	const char *t = db_column_text(st, 10);

	jval_set(o, "run_id", jval_col_text(st, 0));
	jval_set(o, "started_at", jval_col_time(st, 1));
	jval_set(o, "finished_at", jval_col_time(st, 2));
	jval_set(o, "duration_ms", jval_col_int(st, 3));
	jval_set(o, "git_sha", jval_col_text(st, 4));
	jval_set(o, "branch", jval_col_text(st, 5));
	jval_set(o, "job", jval_col_text(st, 20));
	jval_set(o, "session_id", jval_col_text(st, 6));
	jval_set(o, "env_fingerprint", jval_col_text(st, 7));
	jval_set(o, "triggered_by", jval_col_text(st, 8));
	jval_set(o, "ci_url", jval_col_text(st, 9));
	tags = t != NULL ? jval_load(t) : NULL;
	jval_set(o, "tags", tags != NULL ? tags : jval_array());
	jval_set(o, "status", jval_col_text(st, 11));
	jval_set(c, "tests", jval_col_int(st, 12));
	jval_set(c, "passed", jval_col_int(st, 13));
	jval_set(c, "failed", jval_col_int(st, 14));
	jval_set(c, "errors", jval_col_int(st, 15));
	jval_set(c, "skipped", jval_col_int(st, 16));
	jval_set(c, "flaky", jval_col_int(st, 17));
	jval_set(o, "counts", c);
	jval_set(o, "new_tests", jval_col_int(st, 18));
	jval_set(o, "shard_count", jval_col_int(st, 19));
	return o;
}

/* A result's status name (JCOL_NAME of runs_result_cols). */
static const char *
status_name(int64_t status)
{
	return junit_status_name((enum tv_status)(int)status);
}

/*
 * The fields one result carries in every list of results (status,
 * duration_ms, attempts, flaky_in_run, fingerprint, message), from six
 * columns in that order (jval_fields()'s and jw_fields()'s base on).
 */
const struct jcol runs_result_cols[RUNS_RESULT_COLS] = {
	{ "status", 0, JCOL_NAME, status_name },
	{ "duration_ms", 1, JCOL_INT, NULL },
	{ "attempts", 2, JCOL_INT, NULL },
	{ "flaky_in_run", 3, JCOL_BOOL, NULL },
	{ "fingerprint", 4, JCOL_TEXT, NULL },
	{ "message", 5, JCOL_TEXT, NULL },
};

/* Sets o's runs_result_cols from the six columns of st from col on. */
void
runs_result_fields(json_t *o, struct db_query *st, int col)
{
	jval_fields(o, st, runs_result_cols, RUNS_RESULT_COLS, col);
}

/*
 * A LIKE pattern matching q as a substring, with %, _ and \ escaped for
 * ESCAPE '\'; written into out (NULL when it does not fit).
 */
const char *
like_pattern(const char *q, char *out, size_t outsz)
{
	size_t o = 0;

	if (q == NULL || outsz < 3)
		return NULL;
	out[o++] = '%';
	for (; *q != '\0'; q++) {
		if (o + 4 >= outsz)
			return NULL;
		if (*q == '%' || *q == '_' || *q == '\\')
			out[o++] = '\\';
		out[o++] = *q;
	}
	out[o++] = '%';
	out[o] = '\0';
	return out;
}

/* The runs list pages by (started_at, id), newest first. */
static const struct cursor_list runs_paging = { "runs", "ii",
    { 1, RUNS_NCOLS - 1 } };

/*
 * GET /api/tests/runs: {"runs":[...], "next_cursor"}.  Returns 0 with
 * *out set, CURSOR_BAD, or -1 (database error, logged).
 */
int
runs_list(struct db *db, int64_t project, const struct runs_filter *f,
    json_t **out)
{
	struct cursor_page pg;
	struct db_query *st;

	if (cursor_page_open(&pg, &runs_paging, f->cursor, f->limit) != 0)
		return CURSOR_BAD;
	if ((st = DB_STMT(db, DBM_RUNS, STMT_LIST)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text_opt(db, st, 2, f->branch) == -1 ||
	    db_bind_text_opt(db, st, 3, f->status) == -1 ||
	    db_bind_int_opt(db, st, 4, f->since) == -1 ||
	    db_bind_int_opt(db, st, 5, f->until) == -1 ||
	    db_bind_text_opt(db, st, 6, f->git_sha) == -1 ||
	    db_bind_text_opt(db, st, 7, f->session_id) == -1 ||
	    db_bind_text_opt(db, st, 11, f->job) == -1 ||
	    cursor_page_bind(&pg, db, st, 8, 10) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	return cursor_page_list(&pg, db, st, runs_row_json, "runs", out);
}

/* The n newest runs as a JSON array (dashboard); NULL on error. */
json_t *
runs_recent(struct db *db, int64_t project, int n)
{
	struct db_query *st;

	if ((st = DB_STMT(db, DBM_RUNS, STMT_RECENT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, n) == -1)
		return NULL;
	return jval_rows(db, st, runs_row_json);
}

/* Finds run_id: 1 with its row as *obj and its id/start, 0, -1. */
static int
run_get(struct db *db, int64_t project, const char *run_id, json_t **obj,
    int64_t *id, int64_t *started, char **branch)
{
	struct db_query *st;
	int rc;

	if ((st = DB_STMT(db, DBM_RUNS, STMT_GET)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, run_id) == -1)
		return -1;
	rc = db_step(db, st);
	if (rc == DB_ROW) {
		*obj = runs_row_json(st);
		*id = db_col_int(st, RUNS_NCOLS - 1);
		*started = db_col_int(st, 1);
		if (branch != NULL)
			*branch = db_column_text(st, 5) != NULL ?
			    strdup(db_column_text(st, 5)) : NULL;
	}
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/* The shard object of a STMT_SHARDS row. */
static json_t *
shard_row(struct db_query *st)
{
	const char *shard = db_column_text(st, 0);
	json_t *o = jval_object(), *w;

	jval_set(o, "shard", shard != NULL && shard[0] != '\0' ?
	    jval_str(shard) : json_null());
	jval_set(o, "source", jval_col_text(st, 1));
	jval_set(o, "received_at", jval_col_time(st, 2));
	jval_set(o, "counts", json_pack("{sIsIsIsIsIsI}",
	    "tests", (json_int_t)db_col_int(st, 3),
	    "passed", (json_int_t)db_col_int(st, 4),
	    "failed", (json_int_t)db_col_int(st, 5),
	    "errors", (json_int_t)db_col_int(st, 6),
	    "skipped", (json_int_t)db_col_int(st, 7),
	    "flaky", (json_int_t)db_col_int(st, 8)));
	jval_set(o, "new_tests", jval_col_int(st, 9));
	w = jval_load(db_column_text(st, 10));
	jval_set(o, "warnings", w != NULL ? w : jval_array());
	jval_set(o, "has_diff", json_boolean((int)db_col_int(st, 11)));
	return o;
}

/* The shards array of run id; NULL on error. */
static json_t *
shards_json(struct db *db, int64_t id)
{
	struct db_query *st;

	if ((st = DB_STMT(db, DBM_RUNS, STMT_SHARDS)) == NULL ||
	    db_bind_int(db, st, 1, id) == -1)
		return NULL;
	return jval_rows(db, st, shard_row);
}

/* One failing result of a run: its test key and fingerprint (or NULL). */
struct failing {
	int64_t	 test;
	char	*fp;
};

/* A group of failing results: [first, first + n) of the sorted array. */
struct fgroup {
	size_t		 first;
	size_t		 n;
	const char	*fp;	/* its fingerprint (borrowed), or NULL */
};

/* Orders two fingerprints, NULL first (it is one group, as in SQL). */
static int
fp_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* qsort: by fingerprint, then test key. */
static int
failing_cmp(const void *pa, const void *pb)
{
	const struct failing *a = pa, *b = pb;
	int c = fp_cmp(a->fp, b->fp);

	if (c != 0)
		return c;
	return (a->test > b->test) - (a->test < b->test);
}

/* qsort: largest group first, then by fingerprint. */
static int
fgroup_cmp(const void *pa, const void *pb)
{
	const struct fgroup *a = pa, *b = pb;

	if (a->n != b->n)
		return a->n < b->n ? 1 : -1;
	return fp_cmp(a->fp, b->fp);
}

/* Appends {test_id, name} of test key to arr; 0, or -1 on error. */
static int
test_ref_push(struct db *db, json_t *arr, int64_t key)
{
	struct db_query *st;
	json_t *o;

	if ((st = DB_STMT(db, DBM_RUNS, STMT_TEST_NAME)) == NULL ||
	    db_bind_int(db, st, 1, key) == -1 ||
	    db_step(db, st) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	o = jval_object();
	jval_set(o, "test_id", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	db_reset(st);
	jval_push(arr, o);
	return 0;
}

/*
 * The failure group object of g: fingerprint, count, the project group's
 * sample message and error type, and the first GROUP_TESTS_MAX tests by
 * key.  NULL on error.
 */
static json_t *
group_json(struct db *db, int64_t project, const struct failing *f,
    const struct fgroup *g)
{
	json_t *o = jval_object(), *tests = jval_array();
	struct db_query *st = NULL;
	size_t i;
	int rc = DB_DONE;

	jval_set(o, "fingerprint", g->fp != NULL ?
	    jval_str(g->fp) : json_null());
	jval_set(o, "count", jval_int((int64_t)g->n));
	if (g->fp != NULL && ((st = DB_STMT(db, DBM_RUNS, STMT_GROUP_INFO)) ==
	    NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, g->fp) == -1 ||
	    (rc = db_step(db, st)) == -1))
		goto fail;
	jval_set(o, "message", rc == DB_ROW ? jval_col_text(st, 0) :
	    json_null());
	jval_set(o, "error_type", rc == DB_ROW ? jval_col_text(st, 1) :
	    json_null());
	if (st != NULL)
		db_reset(st);
	for (i = 0; i < g->n && i < GROUP_TESTS_MAX; i++)
		if (test_ref_push(db, tests, f[g->first + i].test) == -1)
			goto fail;
	jval_set(o, "tests", tests);
	return o;
fail:
	json_decref(o);
	json_decref(tests);
	return NULL;
}

/*
 * Failures of run id grouped by fingerprint: the GROUPS_MAX largest (ties
 * by fingerprint) into *out, and how many distinct fingerprints there are
 * into *count.  One key-ordered pass over the run's failing results; the
 * names are looked up for the tests shown only.  0, or -1 on error.
 */
static int
groups_json(struct db *db, int64_t project, int64_t id, json_t **out,
    int64_t *count)
{
	struct failing *f = NULL;
	struct fgroup *g = NULL;
	size_t n = 0, cap = 0, ng = 0, i;
	struct db_query *st;
	json_t *arr, *o;
	const char *fp;
	int rc, ret = -1;

	*out = NULL;
	*count = 0;
	if ((st = DB_STMT(db, DBM_RUNS, STMT_FAILING)) == NULL ||
	    db_bind_int(db, st, 1, id) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((f = realloc(f, cap * sizeof(*f))) == NULL)
				abort();
		}
		f[n].test = db_col_int(st, 0);
		fp = db_column_text(st, 1);
		f[n].fp = fp != NULL ? strdup(fp) : NULL;
		if (fp != NULL && f[n].fp == NULL)
			abort();
		n++;
	}
	db_reset(st);
	if (rc == -1)
		goto done;
	if (n > 0) {
		qsort(f, n, sizeof(*f), failing_cmp);
		if ((g = calloc(n, sizeof(*g))) == NULL)
			abort();
	}
	for (i = 0; i < n; i++) {
		if (i == 0 || fp_cmp(f[i].fp, f[i - 1].fp) != 0) {
			g[ng].first = i;
			g[ng].fp = f[i].fp;
			ng++;
			*count += f[i].fp != NULL;
		}
		g[ng - 1].n++;
	}
	if (ng > 0)
		qsort(g, ng, sizeof(*g), fgroup_cmp);
	arr = jval_array();
	for (i = 0; i < ng && i < GROUPS_MAX; i++) {
		if ((o = group_json(db, project, f, &g[i])) == NULL) {
			json_decref(arr);
			goto done;
		}
		jval_push(arr, o);
	}
	*out = arr;
	ret = 0;
done:
	for (i = 0; i < n; i++)
		free(f[i].fp);
	free(f);
	free(g);
	return ret;
}

/*
 * Counts an entry of list and, while the list holds fewer than
 * DIFF_LIST_MAX, appends {test_id, name} of test key.  0, or -1 on error.
 */
static int
diff_add(struct db *db, json_t *diff, const char *list, int64_t key)
{
	json_t *arr = json_object_get(diff, list);
	char count[64];

	snprintf(count, sizeof(count), "%s_count", list);
	jval_set(diff, count, jval_int(json_integer_value(json_object_get(diff,
	    count)) + 1));
	if (json_array_size(arr) >= DIFF_LIST_MAX)
		return 0;
	return test_ref_push(db, arr, key);
}

/* Classifies one test present now (now >= 0) and/or before (was >= 0). */
static int
diff_classify(struct db *db, json_t *diff, int64_t key, int now, int was)
{
	int now_fail = now == ST_FAILED || now == ST_ERROR;
	int was_fail = was == ST_FAILED || was == ST_ERROR;

	if (now == was && !now_fail)
		return 0;
	if (was < 0 && diff_add(db, diff, "added", key) == -1)
		return -1;
	if (now < 0 && diff_add(db, diff, "removed", key) == -1)
		return -1;
	if (now_fail && was_fail)
		return diff_add(db, diff, "still_failing", key);
	if (now_fail)
		return diff_add(db, diff, "new_failures", key);
	if (was_fail && now == ST_PASSED)
		return diff_add(db, diff, "fixed", key);
	return 0;
}

/*
 * The diff of run id against the previous run of its stream (its branch
 * and job; a run without a job follows the runs without one): new
 * failures, fixed, still failing, added and removed tests (each list
 * capped at DIFF_LIST_MAX, with a full count); null when there is no
 * previous run.  *err set on a database error.
 */
static json_t *
diff_json(struct db *db, int64_t project, int64_t id, int64_t started,
    const char *branch, const char *job, int *err)
{
	static const char *const lists[] = { "new_failures", "fixed",
	    "still_failing", "added", "removed", NULL };
	struct runs_prev p;
	struct db_query *cur, *old;
	json_t *diff;
	int64_t prev;
	int rc, rc2, i;

	*err = 0;
	if ((rc = runs_previous(db, project, branch, job, started, id,
	    &p)) == -1) {
		*err = 1;
		return NULL;
	}
	if (rc == 0)
		return json_null();
	prev = p.id;
	diff = jval_object();
	jval_set(diff, "previous_run_id", jval_str(p.run_id));
	for (i = 0; lists[i] != NULL; i++) {
		char key[64];
		jval_set(diff, lists[i], jval_array());
		snprintf(key, sizeof(key), "%s_count", lists[i]);
		jval_set(diff, key, jval_int(0));
	}
	/* merge the two runs' results, both in key order */
	if ((cur = DB_STMT(db, DBM_RUNS, STMT_DIFF_CUR)) == NULL ||
	    (old = DB_STMT(db, DBM_RUNS, STMT_DIFF_PREV)) == NULL ||
	    db_bind_int(db, cur, 1, id) == -1 ||
	    db_bind_int(db, old, 1, prev) == -1) {
		json_decref(diff);
		*err = 1;
		return NULL;
	}
	rc = db_step(db, cur);
	rc2 = db_step(db, old);
	while (rc == DB_ROW || rc2 == DB_ROW) {
		int64_t kc = rc == DB_ROW ? db_col_int(cur, 0) :
		    INT64_MAX;
		int64_t ko = rc2 == DB_ROW ? db_col_int(old, 0) :
		    INT64_MAX;
		int now = kc <= ko ? (int)db_col_int(cur, 1) : -1;
		int was = ko <= kc ? (int)db_col_int(old, 1) : -1;

		if (diff_classify(db, diff, kc < ko ? kc : ko, now, was) == -1) {
			rc = -1;
			break;
		}
		if (kc <= ko)
			rc = db_step(db, cur);
		if (ko <= kc)
			rc2 = db_step(db, old);
	}
	db_reset(cur);
	db_reset(old);
	if (rc == -1 || rc2 == -1) {
		json_decref(diff);
		*err = 1;
		return NULL;
	}
	return diff;
}

/*
 * GET /api/tests/runs/{run_id}: the run with "shards", "failure_groups"
 * (the 100 largest; "failure_group_count" says how many there are),
 * "diff" and "signals".  Returns 1 found (*out set), 0 not found, -1.
 */
int
runs_detail(struct db *db, int64_t project, const char *run_id, json_t **out)
{
	json_t *run = NULL, *shards, *groups, *diff, *signals;
	int64_t id, started, group_count = 0;
	char *branch = NULL;
	int rc, err = 0, err2;

	if ((rc = run_get(db, project, run_id, &run, &id, &started,
	    &branch)) != 1)
		return rc;
	shards = shards_json(db, id);
	err = groups_json(db, project, id, &groups, &group_count) == -1;
	diff = diff_json(db, project, id, started, branch,
	    json_string_value(json_object_get(run, "job")), &err2);
	free(branch);
	if (shards == NULL || groups == NULL || err || err2) {
		json_decref(run);
		json_decref(shards);
		json_decref(groups);
		json_decref(diff);
		return -1;
	}
	jval_set(run, "shards", shards);
	jval_set(run, "failure_groups", groups);
	jval_set(run, "failure_group_count", jval_int(group_count));
	jval_set(run, "diff", diff);
	if ((signals = signals_of_run(db, id)) == NULL) {
		json_decref(run);
		return -1;
	}
	jval_set(run, "signals", signals);
	*out = run;
	return 1;
}

/* One row of STMT_RESULTS as a result of the run. */
static json_t *
result_row(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "test_id", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	jval_set(o, "classname", jval_col_text(st, 2));
	jval_set(o, "file", jval_col_text(st, 3));
	runs_result_fields(o, st, 4);
	jval_set(o, "error_type", jval_col_text(st, 10));
	return o;
}

/* A run's results page by (RESULT_RANK, test key): failures first. */
static const struct cursor_list results_paging = { "results", "ii",
    { 12, 11 } };

/*
 * GET /api/tests/runs/{run_id}/results: {"run_id", "results":[...],
 * "next_cursor"}.  Returns 1, 0 (no such run), CURSOR_BAD or -1.
 */
int
runs_results(struct db *db, int64_t project, const char *run_id,
    const struct results_filter *f, json_t **out)
{
	struct cursor_page pg;
	json_t *run = NULL, *o;
	int64_t id, started;
	struct db_query *st;
	char like[600];
	int rc;

	if (cursor_page_open(&pg, &results_paging, f->cursor, f->limit) != 0)
		return CURSOR_BAD;
	if ((rc = run_get(db, project, run_id, &run, &id, &started,
	    NULL)) != 1) {
		cursor_page_clear(&pg);
		return rc;
	}
	json_decref(run);
	if ((st = DB_STMT(db, DBM_RUNS, STMT_RESULTS)) == NULL ||
	    db_bind_int(db, st, 1, id) == -1 ||
	    db_bind_int_opt(db, st, 2, f->status) == -1 ||
	    db_bind_text_opt(db, st, 3, like_pattern(f->q, like,
	    sizeof(like))) == -1 ||
	    cursor_page_bind(&pg, db, st, 4, 6) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	o = jval_object();
	jval_set(o, "run_id", jval_str(run_id));
	if (cursor_page_rows(&pg, db, st, result_row, o, "results") == -1) {
		json_decref(o);
		return -1;
	}
	cursor_page_finish(&pg, o);
	*out = o;
	return 1;
}
