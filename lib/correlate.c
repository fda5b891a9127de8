/*
 * Correlation (API-20): from a run, a commit or a coding session to the
 * runs, commits and sessions linked with it, with deep links: UI routes,
 * API routes, and external commit/session pages from the configured URL
 * templates.  Features and integrity signals join in when the batch's
 * mapping and integrity passes produce them.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "correlate.h"
#include "db.h"
#include "jval.h"
#include "runs.h"

#define RELATED_MAX 100

enum stmt {
	STMT_RUN,
	STMT_RELATED,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_RUN] =
	    "SELECT git_sha, session_id FROM runs WHERE project_id = ?1 AND "
	    "run_id = ?2",
	[STMT_RELATED] =
	    "SELECT " RUNS_COLS " FROM runs WHERE project_id = ?1 AND ("
	    "(?2 IS NOT NULL AND git_sha = ?2) OR "
	    "(?3 IS NOT NULL AND session_id = ?3) OR run_id = ?4) "
	    "ORDER BY started_at DESC, id DESC LIMIT ?5",
};

#define STMT(db, i) db_stmt((db), DBM_CORRELATE, sql, STMT__MAX, (i))

static const char *const by_names[BY__MAX] = { "run_id", "git_sha",
    "session_id" };

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

/*
 * GET /api/tests/correlate?run_id=|git_sha=|session_id=: {by, value,
 * runs (each with links), commits [{git_sha, runs, url}], sessions
 * [{session_id, runs, url}], features, signals, links}.  Returns 1, 0
 * when nothing is linked to the value, or -1.
 */
int
correlate(struct db *db, const struct config *cfg, int64_t project,
    const char *slug, enum correlate_by by, const char *value, json_t **out)
{
	const char *sha = by == BY_GIT_SHA ? value : NULL;
	const char *session = by == BY_SESSION_ID ? value : NULL;
	char *run_sha = NULL, *run_session = NULL;
	json_t *runs, *run, *links, *commits, *sessions, *arr, *o, *n;
	sqlite3_stmt *st;
	const char *k;
	int rc;

	if (by == BY_RUN_ID) {
		if ((st = STMT(db, STMT_RUN)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_text(db, st, 2, value) == -1 ||
		    (rc = db_step(db, st)) == -1)
			return -1;
		if (rc == SQLITE_DONE) {
			sqlite3_reset(st);
			return 0;
		}
		if (db_column_text(st, 0) != NULL)
			run_sha = strdup(db_column_text(st, 0));
		if (db_column_text(st, 1) != NULL)
			run_session = strdup(db_column_text(st, 1));
		sqlite3_reset(st);
		sha = run_sha;
		session = run_session;
	}
	rc = -1;
	if ((st = STMT(db, STMT_RELATED)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, sha) == -1 ||
	    db_bind_text(db, st, 3, session) == -1 ||
	    db_bind_text(db, st, 4, by == BY_RUN_ID ? value : NULL) == -1 ||
	    db_bind_int(db, st, 5, RELATED_MAX) == -1)
		goto out;
	runs = jval_array();
	commits = jval_object();
	sessions = jval_object();
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
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
	}
	sqlite3_reset(st);
	if (rc == -1 || json_array_size(runs) == 0) {
		json_decref(runs);
		json_decref(commits);
		json_decref(sessions);
		rc = rc == -1 ? -1 : 0;
		goto out;
	}
	*out = jval_object();
	jval_set(*out, "by", jval_str(by_names[by]));
	jval_set(*out, "value", jval_str(value));
	jval_set(*out, "runs", runs);
	arr = jval_array();
	json_object_foreach(commits, k, n) {
		o = jval_object();
		jval_set(o, "git_sha", jval_str(k));
		jval_set(o, "runs", json_incref(n));
		jval_set(o, "url", template_url(cfg->commit_url_template,
		    "{sha}", k));
		jval_push(arr, o);
	}
	jval_set(*out, "commits", arr);
	arr = jval_array();
	json_object_foreach(sessions, k, n) {
		o = jval_object();
		jval_set(o, "session_id", jval_str(k));
		jval_set(o, "runs", json_incref(n));
		jval_set(o, "url", template_url(cfg->session_url_template,
		    "{session_id}", k));
		jval_push(arr, o);
	}
	jval_set(*out, "sessions", arr);
	json_decref(commits);
	json_decref(sessions);
	jval_set(*out, "features", jval_array());
	jval_set(*out, "signals", jval_array());
	links = jval_object();
	jval_set(links, "ui", link(by == BY_RUN_ID ? "#/runs/" :
	    by == BY_GIT_SHA ? "#/runs?git_sha=" : "#/runs?session_id=",
	    value, "", NULL));
	jval_set(links, "api", link(by == BY_RUN_ID ? "/api/tests/runs/" :
	    by == BY_GIT_SHA ? "/api/tests/runs?git_sha=" :
	    "/api/tests/runs?session_id=", value, by == BY_RUN_ID ?
	    "?project=" : "&project=", slug));
	jval_set(*out, "links", links);
	rc = 1;
out:
	free(run_sha);
	free(run_session);
	return rc;
}
