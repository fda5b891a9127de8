/*
 * Correlation (API-20): from a run, a commit, a coding session or a
 * feature to the runs, commits and sessions linked with it, the features
 * those runs broke or weakened, and their integrity signals, with deep
 * links: UI routes, API routes, and external commit/session pages from
 * the configured URL templates.
 *
 * A run, commit or session links the runs sharing its commit or session.
 * A feature links the runs that broke one of its tests (opened an
 * incident) or raised a signal on one: which commits and sessions
 * touched it.  Features come from the mapping pass, signals from the
 * integrity pass; before the batch has run they are empty.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "correlate.h"
#include "db.h"
#include "jval.h"
#include "runs.h"
#include "signals.h"

#define RELATED_MAX	100	/* runs linked */
#define FEATURE_RUNS	10	/* the newest linked runs features come from */
#define FEATURES_MAX	100
#define SIGNALS_MAX	100

enum stmt {
	STMT_RUN,
	STMT_RELATED,
	STMT_FEATURE,
	STMT_FEATURE_RUNS,
	STMT_FEATURES,
	STMT__MAX
};

/* The features of the incidents opened in runs1 and the signals raised
 * in runs2 (two subqueries of run ids), feature ?3 or all. */
#define FEATURES(runs1, runs2) \
	"SELECT f.id, f.path, f.name, " \
	"count(DISTINCT x.test) FILTER (WHERE x.kind = 0), " \
	"count(*) FILTER (WHERE x.kind = 1) FROM (" \
	"SELECT i.test, 0 AS kind FROM incidents i WHERE i.opened_run IN " \
	"(" runs1 ") UNION ALL SELECT g.test, 1 FROM signals g WHERE " \
	"g.run IN (" runs2 ") AND g.test IS NOT NULL) x " \
	"JOIN tests t ON t.id = x.test JOIN features f ON f.id = t.feature " \
	"WHERE f.id = ?3 OR ?3 IS NULL GROUP BY f.id " \
	"ORDER BY 4 DESC, 5 DESC, f.path LIMIT ?4"

static const char *const sql[STMT__MAX] = {
	[STMT_RUN] =
	    "SELECT git_sha, session_id FROM runs WHERE project_id = ?1 AND "
	    "run_id = ?2",
	[STMT_RELATED] =
	    "SELECT " RUNS_COLS " FROM runs WHERE project_id = ?1 AND ("
	    "(git_sha = ?2 AND ?2 IS NOT NULL) OR "
	    "(session_id = ?3 AND ?3 IS NOT NULL) OR run_id = ?4) "
	    "ORDER BY started_at DESC, id DESC LIMIT ?5",
	[STMT_FEATURE] =
	    "SELECT path FROM features WHERE project_id = ?1 AND id = ?2",
	/* the runs that opened an incident on, or raised a signal about,
	 * one of the feature's tests */
	[STMT_FEATURE_RUNS] =
	    "SELECT " RUNS_COLS " FROM runs WHERE project_id = ?1 AND id IN ("
	    "SELECT i.opened_run FROM tests t JOIN incidents i ON "
	    "i.test = t.id WHERE t.project_id = ?1 AND t.feature = ?2 "
	    "UNION SELECT g.run FROM tests t JOIN signals g ON g.test = t.id "
	    "WHERE t.project_id = ?1 AND t.feature = ?2) "
	    "ORDER BY started_at DESC, id DESC LIMIT ?3",
	/* per feature: its tests the runs ?1 (a JSON array of runs.id)
	 * broke (their failure opened an incident), and the signals raised
	 * on its tests in the runs ?2 */
	/* ?1 and ?2 are JSON arrays of run ids: json_each on SQLite,
	 * json_array_elements_text on PostgreSQL */
	[STMT_FEATURES] = DB_SQL2(
	    FEATURES("SELECT value FROM json_each(?1)",
	    "SELECT value FROM json_each(?2)"),
	    FEATURES("SELECT CAST(value AS BIGINT) FROM "
	    "json_array_elements_text(CAST(?1 AS JSON))",
	    "SELECT CAST(value AS BIGINT) FROM "
	    "json_array_elements_text(CAST(?2 AS JSON))")),
};

static const char *const by_names[BY__MAX] = { "run_id", "git_sha",
    "session_id", "feature_id" };

/* tpl with {key} replaced by the URL-encoded value; null if no tpl. */
static json_t *
template_url(const char *tpl, const char *key, const char *value)
{
	struct buf b;
	const char *p, *hit;
	size_t klen = strlen(key);
	json_t *v;

	if (tpl == NULL || tpl[0] == '\0' || value == NULL)
		return json_null();
	buf_init(&b);
	for (p = tpl; (hit = strstr(p, key)) != NULL; p = hit + klen) {
		buf_append(&b, p, (size_t)(hit - p));
		buf_urlencode(&b, value);
	}
	buf_puts(&b, p);
	v = jval_str(b.p);
	buf_free(&b);
	return v;
}

/* "prefix<encoded value>suffix" as a JSON string. */
static json_t *
link(const char *prefix, const char *value, const char *suffix,
    const char *project)
{
	struct buf b;
	json_t *v;

	buf_init(&b);
	buf_puts(&b, prefix);
	buf_urlencode(&b, value);
	buf_puts(&b, suffix);
	if (project != NULL)
		buf_urlencode(&b, project);
	v = jval_str(b.p);
	buf_free(&b);
	return v;
}

/* Adds value to the set object (value → count of runs). */
static void
tally(json_t *set, json_t *value)
{
	const char *k = json_string_value(value);
	json_t *n;

	if (k == NULL)
		return;
	n = json_object_get(set, k);
	jval_set(set, k, jval_int(n != NULL ? json_integer_value(n) + 1 : 1));
}

/* The UI and API links of feature id. */
static json_t *
feature_links(int64_t id, const char *slug)
{
	json_t *links = jval_object();
	char num[32];

	snprintf(num, sizeof(num), "%" PRId64, id);
	jval_set(links, "ui", link("#/features/", num, "/timeline", NULL));
	jval_set(links, "api", link("/api/tests/features/", num,
	    "/timeline?project=", slug));
	return links;
}

/* The feature object of a STMT_FEATURES row (slug for its links). */
static json_t *
feature_row(struct db_query *st, const char *slug)
{
	json_t *o = jval_object();

	jval_set(o, "feature_id", jval_col_int(st, 0));
	jval_set(o, "path", jval_col_text(st, 1));
	jval_set(o, "name", jval_col_text(st, 2));
	jval_set(o, "broken_tests", jval_col_int(st, 3));
	jval_set(o, "signals", jval_col_int(st, 4));
	jval_set(o, "links", feature_links(db_col_int(st, 0), slug));
	return o;
}

/*
 * The features the runs in ids (a JSON array, newest first) broke or
 * weakened: the tests their newest FEATURE_RUNS runs broke, and all their
 * signals; only feature when > 0 (then listed even with nothing against
 * it, path given).  NULL on error.
 */
static json_t *
features_of_runs(struct db *db, const char *slug, const char *ids,
    const char *newest, int64_t feature, const char *path)
{
	struct db_query *st;
	json_t *arr, *o;
	const char *name;
	int rc;

	if ((st = DB_STMT(db, DBM_CORRELATE, STMT_FEATURES)) == NULL ||
	    db_bind_text(db, st, 1, newest) == -1 ||
	    db_bind_text(db, st, 2, ids) == -1 ||
	    (feature > 0 ? db_bind_int(db, st, 3, feature) :
	    db_bind_null(db, st, 3)) == -1 ||
	    db_bind_int(db, st, 4, FEATURES_MAX) == -1)
		return NULL;
	arr = jval_array();
	while ((rc = db_step(db, st)) == DB_ROW)
		jval_push(arr, feature_row(st, slug));
	db_reset(st);
	if (rc == -1) {
		json_decref(arr);
		return NULL;
	}
	if (feature > 0 && json_array_size(arr) == 0) {
		name = strrchr(path, '/');
		o = jval_object();
		jval_set(o, "feature_id", jval_int(feature));
		jval_set(o, "path", jval_str(path));
		jval_set(o, "name", jval_str(name != NULL ? name + 1 : path));
		jval_set(o, "broken_tests", jval_int(0));
		jval_set(o, "signals", jval_int(0));
		jval_set(o, "links", feature_links(feature, slug));
		jval_push(arr, o);
	}
	return arr;
}

/*
 * The runs of st (RUNS_COLS rows, newest first) with their links, into
 * *runs; the commits and sessions they involve tallied; their runs.id
 * as JSON arrays, all and the newest FEATURE_RUNS, into ids and newest.
 * DB_DONE or -1.
 */
static int
collect_runs(struct db *db, struct db_query *st, const char *slug,
    json_t *runs, json_t *commits, json_t *sessions, struct buf *ids,
    struct buf *newest)
{
	json_t *run, *links;
	long long id;
	size_t n = 0;
	int rc;

	buf_puts(ids, "[");
	buf_puts(newest, "[");
	while ((rc = db_step(db, st)) == DB_ROW) {
		run = runs_row_json(st);
		links = jval_object();
		jval_set(links, "ui", link("#/runs/", db_column_text(st, 0), "",
		    NULL));
		jval_set(links, "api", link("/api/tests/runs/",
		    db_column_text(st, 0), "?project=", slug));
		jval_set(run, "links", links);
		tally(commits, json_object_get(run, "git_sha"));
		tally(sessions, json_object_get(run, "session_id"));
		jval_push(runs, run);
		id = db_col_int(st, RUNS_NCOLS - 1);
		buf_printf(ids, "%s%lld", n > 0 ? "," : "", id);
		if (n < FEATURE_RUNS)
			buf_printf(newest, "%s%lld", n > 0 ? "," : "", id);
		n++;
	}
	db_reset(st);
	buf_puts(ids, "]");
	buf_puts(newest, "]");
	return rc;
}

/* [{key: k, "runs": n, "url": tpl(k)}] of a tally, in key order. */
static json_t *
tally_list(json_t *set, const char *key, const char *tpl,
    const char *placeholder)
{
	json_t *arr = jval_array(), *o, *n;
	const char *k;

	json_object_foreach(set, k, n) {
		o = jval_object();
		jval_set(o, key, jval_str(k));
		jval_set(o, "runs", json_incref(n));
		jval_set(o, "url", template_url(tpl, placeholder, k));
		jval_push(arr, o);
	}
	return arr;
}

/* The answer's own links: where the value itself is shown. */
static json_t *
own_links(enum correlate_by by, const char *value, const char *slug)
{
	json_t *links;

	if (by == BY_FEATURE_ID)
		return feature_links(strtoll(value, NULL, 10), slug);
	links = jval_object();
	jval_set(links, "ui", link(by == BY_RUN_ID ? "#/runs/" :
	    by == BY_GIT_SHA ? "#/runs?git_sha=" : "#/runs?session_id=",
	    value, "", NULL));
	jval_set(links, "api", link(by == BY_RUN_ID ? "/api/tests/runs/" :
	    by == BY_GIT_SHA ? "/api/tests/runs?git_sha=" :
	    "/api/tests/runs?session_id=", value, by == BY_RUN_ID ?
	    "?project=" : "&project=", slug));
	return links;
}

/*
 * GET /api/tests/correlate?run_id=|git_sha=|session_id=|feature_id=:
 * {by, value, runs (newest first, each with links), commits [{git_sha,
 * runs, url}], sessions [{session_id, runs, url}], features
 * [{feature_id, path, name, broken_tests, signals, links}], signals,
 * links}.  Returns 1, 0 when the value is unknown (a run, commit or
 * session nothing is linked to, or no such feature), or -1.
 */
int
correlate(struct db *db, const struct config *cfg, int64_t project,
    const char *slug, enum correlate_by by, const char *value, json_t **out)
{
	const char *sha = by == BY_GIT_SHA ? value : NULL;
	const char *session = by == BY_SESSION_ID ? value : NULL;
	char *run_sha = NULL, *run_session = NULL, *path = NULL;
	int64_t feature = 0;
	json_t *runs = NULL, *commits = NULL, *sessions = NULL, *features,
	    *signals;
	struct buf ids, newest;
	struct db_query *st;
	int rc;

	buf_init(&ids);
	buf_init(&newest);
	if (by == BY_RUN_ID) {
		if ((st = DB_STMT(db, DBM_CORRELATE, STMT_RUN)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_text(db, st, 2, value) == -1 ||
		    (rc = db_step(db, st)) == -1)
			return -1;
		if (rc == DB_DONE) {
			db_reset(st);
			return 0;
		}
		if (db_column_text(st, 0) != NULL)
			run_sha = strdup(db_column_text(st, 0));
		if (db_column_text(st, 1) != NULL)
			run_session = strdup(db_column_text(st, 1));
		db_reset(st);
		sha = run_sha;
		session = run_session;
	} else if (by == BY_FEATURE_ID) {
		feature = strtoll(value, NULL, 10);
		if ((st = DB_STMT(db, DBM_CORRELATE, STMT_FEATURE)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, feature) == -1 ||
		    (rc = db_step(db, st)) == -1)
			return -1;
		if (rc == DB_ROW && (path = strdup(db_column_text(st,
		    0))) == NULL)
			abort();
		db_reset(st);
		if (rc == DB_DONE)
			return 0;
	}
	rc = -1;
	if (by == BY_FEATURE_ID) {
		if ((st = DB_STMT(db, DBM_CORRELATE, STMT_FEATURE_RUNS)) ==
		    NULL || db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, feature) == -1 ||
		    db_bind_int(db, st, 3, RELATED_MAX) == -1)
			goto out;
	} else if ((st = DB_STMT(db, DBM_CORRELATE, STMT_RELATED)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, sha) == -1 ||
	    db_bind_text(db, st, 3, session) == -1 ||
	    db_bind_text(db, st, 4, by == BY_RUN_ID ? value : NULL) == -1 ||
	    db_bind_int(db, st, 5, RELATED_MAX) == -1)
		goto out;
	runs = jval_array();
	commits = jval_object();
	sessions = jval_object();
	if ((rc = collect_runs(db, st, slug, runs, commits, sessions, &ids,
	    &newest)) == -1)
		goto out;
	/* a feature exists without runs; a run, commit or session not */
	if (json_array_size(runs) == 0 && by != BY_FEATURE_ID) {
		rc = 0;
		goto out;
	}
	rc = -1;
	if ((features = features_of_runs(db, slug, ids.p, newest.p, feature,
	    path)) == NULL)
		goto out;
	if ((signals = signals_of_runs(db, ids.p, feature, SIGNALS_MAX)) ==
	    NULL) {
		json_decref(features);
		goto out;
	}
	*out = jval_object();
	jval_set(*out, "by", jval_str(by_names[by]));
	jval_set(*out, "value", jval_str(value));
	jval_set(*out, "runs", runs);
	runs = NULL;
	jval_set(*out, "commits", tally_list(commits, "git_sha",
	    cfg->commit_url_template, "{sha}"));
	jval_set(*out, "sessions", tally_list(sessions, "session_id",
	    cfg->session_url_template, "{session_id}"));
	jval_set(*out, "features", features);
	jval_set(*out, "signals", signals);
	jval_set(*out, "links", own_links(by, value, slug));
	rc = 1;
out:
	json_decref(runs);
	json_decref(commits);
	json_decref(sessions);
	buf_free(&ids);
	buf_free(&newest);
	free(run_sha);
	free(run_session);
	free(path);
	return rc;
}
