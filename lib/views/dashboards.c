/*
 * Dashboards (REP-4): a project's named layouts of widgets, read by
 * everyone who may read, written by admins.  This module owns their
 * rows, the validation of every widget and parameter (a table per
 * widget type: the answer names the widget and the parameter at fault),
 * and the default layout a project without dashboards is offered.  The
 * request layer owns the ETag; a change checks it through the caller's
 * callback inside the write transaction, so two editors cannot
 * overwrite each other unseen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboards.h"
#include "db.h"
#include "fault.h"
#include "jval.h"
#include "trends.h"
#include "utf8.h"

#define NAME_MAX_CHARS	100
#define WIDGETS_MAX	24
#define DASHBOARDS_MAX	100

enum stmt {
	STMT_LIST,
	STMT_GET,
	STMT_COUNT,
	STMT_NAME_TAKEN,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_DELETE,
	STMT__MAX
};

#define COLS "id, name, widgets, version, created_at, updated_at"

static const char *const sql[STMT__MAX] = {
	[STMT_LIST] = "SELECT " COLS " FROM dashboards WHERE project_id = ?1 "
	    "ORDER BY name, id",
	[STMT_GET] = "SELECT " COLS " FROM dashboards WHERE project_id = ?1 "
	    "AND id = ?2",
	[STMT_COUNT] = "SELECT count(*) FROM dashboards WHERE project_id = ?1",
	[STMT_NAME_TAKEN] = "SELECT 1 FROM dashboards WHERE project_id = ?1 "
	    "AND name = ?2 AND id <> ?3",
	[STMT_INSERT] =
	    "INSERT INTO dashboards (project_id, name, widgets, created_at, "
	    "updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
	[STMT_UPDATE] =
	    "UPDATE dashboards SET name = ?3, widgets = ?4, "
	    "version = version + 1, updated_at = ?5 WHERE project_id = ?1 "
	    "AND id = ?2",
	[STMT_DELETE] = "DELETE FROM dashboards WHERE project_id = ?1 AND "
	    "id = ?2",
};

#define STMT(db, i) DB_STMT((db), DBM_DASHBOARDS, (i))

/* A widget parameter: its name and what it may hold. */
enum pkind { P_STR, P_INT, P_ENUM };
struct wparam {
	const char		*name;
	enum pkind		 kind;
	long long		 min, max;	/* P_INT range; P_STR length */
	const char *const	*choices;	/* P_ENUM */
	int			 required;
};

static const char *const statuses[] = { "open", "acknowledged",
    "resolved", NULL };
static const char *const sections[] = { "flakiness", "stability", "mttr",
    "most_failing", "never_failing", "count_drift", "slowest_growing",
    NULL };

#define BRANCH	{ "branch", P_STR, 1, 256, NULL, 0 }
#define JOB	{ "job", P_STR, 1, 128, NULL, 0 }
#define LIMIT	{ "limit", P_INT, 1, 100, NULL, 0 }
#define INTERVAL { "interval", P_ENUM, 0, 0, trends_intervals, 0 }
#define WINDOW	{ "window", P_INT, 2, 366, NULL, 0 }
#define END	{ NULL, 0, 0, 0, NULL, 0 }

static const struct wparam p_pass_rate[] = { BRANCH, JOB, INTERVAL, WINDOW,
    END };
static const struct wparam p_trend[] = { { "metric", P_ENUM, 0, 0,
    trends_metrics, 1 }, BRANCH, JOB, INTERVAL, WINDOW, END };
static const struct wparam p_scoped_list[] = { BRANCH, JOB, LIMIT, END };
static const struct wparam p_scoped[] = { BRANCH, JOB, END };
static const struct wparam p_branch_list[] = { BRANCH, LIMIT, END };
static const struct wparam p_integrity[] = { { "status", P_ENUM, 0, 0,
    statuses, 0 }, LIMIT, END };
static const struct wparam p_report[] = { { "report_id", P_INT, 1,
    INT64_MAX, NULL, 1 }, END };
static const struct wparam p_quality[] = { { "section", P_ENUM, 0, 0,
    sections, 1 }, BRANCH, JOB, END };

/* The widget types, each with its parameters (the frontend renders
 * each with the component of the page it comes from). */
static const struct {
	const char		*type;
	const struct wparam	*params;
} wtypes[] = {
	{ "pass_rate_trend", p_pass_rate },
	{ "trend", p_trend },
	{ "failing_now", p_scoped_list },
	{ "recent_runs", p_scoped_list },
	{ "top_failing", p_scoped_list },
	{ "flaky", p_scoped_list },
	{ "slowest", p_branch_list },
	{ "domain_health", p_scoped },
	{ "incidents", p_branch_list },
	{ "integrity", p_integrity },
	{ "quality", p_quality },
	{ "report", p_report },
};
#define NWTYPES (sizeof(wtypes) / sizeof(wtypes[0]))

/* The layout offered to a project that has saved none. */
static const char default_widgets[] =
    "[{\"type\":\"pass_rate_trend\",\"width\":2,\"params\":{}},"
    "{\"type\":\"failing_now\",\"params\":{\"limit\":10}},"
    "{\"type\":\"recent_runs\",\"params\":{\"limit\":5}},"
    "{\"type\":\"top_failing\",\"params\":{\"limit\":10}},"
    "{\"type\":\"flaky\",\"params\":{\"limit\":10}},"
    "{\"type\":\"incidents\",\"params\":{\"limit\":10}},"
    "{\"type\":\"integrity\",\"params\":{\"status\":\"open\",\"limit\":10}},"
    "{\"type\":\"domain_health\",\"width\":2,\"params\":{}}]";

/* The type names, for an error message ("a, b, c"). */
static void
type_names(char *buf, size_t n)
{
	size_t i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < NWTYPES && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "",
		    wtypes[i].type);
}

/* Validates value v of parameter p of widget i; 0 or -1 with f set. */
static int
param_check(const struct wparam *p, json_t *v, size_t i, struct fault *f)
{
	const char *s;
	size_t k, len;
	json_int_t n;

	switch (p->kind) {
	case P_INT:
		if (!json_is_integer(v) || (n = json_integer_value(v)) <
		    p->min || n > p->max)
			goto bad;
		return 0;
	case P_STR:
		if (!json_is_string(v) || (len = utf8_count(json_string_value(v),
		    json_string_length(v))) < (size_t)p->min ||
		    len > (size_t)p->max || strlen(json_string_value(v)) !=
		    json_string_length(v))
			goto bad;
		return 0;
	default:
		if ((s = json_string_value(v)) != NULL)
			for (k = 0; p->choices[k] != NULL; k++)
				if (strcmp(s, p->choices[k]) == 0)
					return 0;
		goto bad;
	}
bad:
	fault_param(f, "widgets", "invalid", "widgets[%zu].params.%s must be "
	    "%s", i, p->name, p->kind == P_INT ? "an integer in range" :
	    p->kind == P_STR ? "a string of the allowed length" :
	    "one of its choices");
	return -1;
}

/* Validates widget w (index i); 0 or -1 with f set. */
static int
widget_check(json_t *w, size_t i, struct fault *f)
{
	const struct wparam *p = NULL;
	const char *key, *type;
	json_t *v, *params;
	char names[300];
	size_t t, k;

	if (!json_is_object(w))
		return fault_param(f, "widgets", "invalid", "widgets[%zu] must "
		    "be an object", i), -1;
	json_object_foreach(w, key, v)
		if (strcmp(key, "type") && strcmp(key, "title") &&
		    strcmp(key, "width") && strcmp(key, "params"))
			return fault_param(f, "widgets", "unknown",
			    "widgets[%zu]: unknown key '%.64s'", i, key), -1;
	type = json_string_value(json_object_get(w, "type"));
	for (t = 0; type != NULL && t < NWTYPES; t++)
		if (strcmp(type, wtypes[t].type) == 0)
			p = wtypes[t].params;
	if (p == NULL) {
		type_names(names, sizeof(names));
		return fault_param(f, "widgets", "invalid", "widgets[%zu].type "
		    "must be one of: %s", i, names), -1;
	}
	if ((v = json_object_get(w, "title")) != NULL && (!json_is_string(v) ||
	    utf8_count(json_string_value(v), json_string_length(v)) >
	    NAME_MAX_CHARS))
		return fault_param(f, "widgets", "invalid", "widgets[%zu].title "
		    "must be a string of at most %d characters", i,
		    NAME_MAX_CHARS), -1;
	if ((v = json_object_get(w, "width")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 3))
		return fault_param(f, "widgets", "invalid", "widgets[%zu].width "
		    "must be 1, 2 or 3", i), -1;
	params = json_object_get(w, "params");
	if (params != NULL && !json_is_object(params))
		return fault_param(f, "widgets", "invalid", "widgets[%zu].params"
		    " must be an object", i), -1;
	json_object_foreach(params, key, v) {
		for (k = 0; p[k].name != NULL; k++)
			if (strcmp(key, p[k].name) == 0)
				break;
		if (p[k].name == NULL)
			return fault_param(f, "widgets", "unknown", "widgets[%zu]"
			    ": %s takes no parameter '%.64s'", i, type, key),
			    -1;
		if (param_check(&p[k], v, i, f) == -1)
			return -1;
	}
	for (k = 0; p[k].name != NULL; k++)
		if (p[k].required && json_object_get(params, p[k].name) ==
		    NULL)
			return fault_param(f, "widgets", "missing", "widgets[%zu]"
			    ": %s needs parameter '%s'", i, type, p[k].name),
			    -1;
	return 0;
}

/*
 * Validates a dashboard body {"name", "widgets"} (no other key).
 * Returns 0 with *name and *widgets borrowed from body, or -1 with f set.
 */
static int
body_check(json_t *body, const char **name, json_t **widgets,
    struct fault *f)
{
	const char *key;
	json_t *v;
	size_t i, n;

	json_object_foreach(body, key, v)
		if (strcmp(key, "name") && strcmp(key, "widgets"))
			return fault_param(f, "body", "unknown", "unknown key "
			    "'%.64s' (a dashboard has name and widgets)", key),
			    -1;
	v = json_object_get(body, "name");
	if (!json_is_string(v) || (n = utf8_count(json_string_value(v),
	    json_string_length(v))) < 1 || n > NAME_MAX_CHARS ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fault_param(f, "name", v == NULL ? "missing" : "invalid",
		    "name must be a string of 1 to %d characters",
		    NAME_MAX_CHARS), -1;
	*name = json_string_value(v);
	*widgets = json_object_get(body, "widgets");
	if (!json_is_array(*widgets) || json_array_size(*widgets) >
	    WIDGETS_MAX)
		return fault_param(f, "widgets", *widgets == NULL ? "missing" :
		    "invalid", "widgets must be an array of at most %d "
		    "widgets", WIDGETS_MAX), -1;
	for (i = 0; i < json_array_size(*widgets); i++)
		if (widget_check(json_array_get(*widgets, i), i, f) == -1)
			return -1;
	return 0;
}

/* One dashboard from a row (COLS): whole, or a summary. */
static json_t *
row_json(struct db_query *st, int whole)
{
	json_t *o = jval_object(), *w = jval_load(db_column_text(st, 2));

	jval_set(o, "id", jval_col_int(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	if (whole)
		jval_set(o, "widgets", w != NULL ? w : jval_array());
	else {
		jval_set(o, "widgets", jval_int(w != NULL ?
		    (int64_t)json_array_size(w) : 0));
		json_decref(w);
	}
	jval_set(o, "version", jval_col_int(st, 3));
	jval_set(o, "created_at", jval_col_time(st, 4));
	jval_set(o, "updated_at", jval_col_time(st, 5));
	return o;
}

/* The summary row of a dashboard list. */
static json_t *
summary_json(struct db_query *st)
{
	return row_json(st, 0);
}

/*
 * GET /api/dashboards: {"dashboards": [{id, name, widgets (count),
 * version, created_at, updated_at}], "default": {name, widgets}} (the
 * layout offered when there is none).  1, or -1 on a database error.
 */
int
dashboards_list(struct db *db, int64_t project, json_t **out)
{
	struct db_query *st = STMT(db, STMT_LIST);
	json_t *list, *def;

	*out = NULL;
	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    (list = jval_rows(db, st, summary_json)) == NULL)
		return -1;
	def = jval_object();
	jval_set(def, "name", jval_str("Overview"));
	jval_set(def, "widgets", jval_load(default_widgets));
	*out = jval_object();
	jval_set(*out, "dashboards", list);
	jval_set(*out, "default", def);
	return 1;
}

/* One dashboard, whole, into *out: 1, 0 when there is none, -1. */
int
dashboards_get(struct db *db, int64_t project, int64_t id, json_t **out)
{
	struct db_query *st = STMT(db, STMT_GET);
	int rc;

	*out = NULL;
	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1 || (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW)
		*out = row_json(st, 1);
	db_reset(st);
	return rc == DB_ROW;
}

/* Predicate-ish: 1 when another dashboard of the project (not id) has
 * name, 0 when none, -1 on a database error. */
static int
name_taken(struct db *db, int64_t project, const char *name, int64_t id)
{
	struct db_query *st = STMT(db, STMT_NAME_TAKEN);

	if (st == NULL || db_bind_int(db, st, 3, id) == -1)
		return -1;
	return db_exists_keyed(db, st, project, name);
}

/* Records a storage fault, rolls back; returns -1. */
static int
failed(struct db *db, struct fault *f)
{
	db_rollback(db);
	if (f->kind == FAULT_NONE)
		f->kind = FAULT_STORAGE;
	return -1;
}

/*
 * POST /api/dashboards: validates body and stores it as a new dashboard
 * of the project; *out is it, whole.  1, or -1 with f: 400 naming the
 * widget and parameter, 409 for a name taken or too many dashboards,
 * storage.
 */
int
dashboards_create(struct db *db, int64_t project, json_t *body, int64_t now,
    json_t **out, struct fault *f)
{
	struct db_query *st;
	const char *name;
	json_t *widgets;
	char *text;
	int64_t id;
	int rc;

	*out = NULL;
	if (body_check(body, &name, &widgets, f) == -1)
		return -1;
	if (db_begin(db) == -1)
		return failed(db, f);
	if ((st = STMT(db, STMT_COUNT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 || db_step(db, st) != DB_ROW)
		return failed(db, f);
	rc = db_col_int(st, 0) >= DASHBOARDS_MAX;
	db_reset(st);
	if (rc) {
		fault_set(f, FAULT_CONFLICT, "conflict", "a project has at most "
		    "%d dashboards", DASHBOARDS_MAX);
		return failed(db, f);
	}
	if ((rc = name_taken(db, project, name, 0)) != 0) {
		if (rc == 1)
			fault_set(f, FAULT_CONFLICT, "conflict", "a dashboard "
			    "named '%s' exists", name);
		return failed(db, f);
	}
	text = json_dumps(widgets, JSON_COMPACT);
	rc = (st = STMT(db, STMT_INSERT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, name) == -1 ||
	    db_bind_text(db, st, 3, text != NULL ? text : "[]") == -1 ||
	    db_bind_int(db, st, 4, now) == -1 || db_step(db, st) != DB_ROW;
	free(text);
	if (rc)
		return failed(db, f);
	id = db_col_int(st, 0);
	db_reset(st);
	if (db_commit(db) == -1)
		return failed(db, f);
	return dashboards_get(db, project, id, out) == 1 ? 1 : failed(db, f);
}

/*
 * Begins the transaction of a change to dashboard id and checks that
 * current(ctx, it) agrees that the client's copy is the stored one.
 * Returns 1 inside the transaction; 0 (no such dashboard) or
 * DASHBOARDS_STALE rolled back; -1 rolled back with f set.
 */
static int
begin_current(struct db *db, int64_t project, int64_t id,
    int (*current)(void *, json_t *), void *ctx, struct fault *f)
{
	json_t *old;
	int rc;

	if (db_begin(db) == -1 || (rc = dashboards_get(db, project, id,
	    &old)) == -1)
		return failed(db, f);
	if (rc == 0 || !current(ctx, old)) {
		json_decref(old);
		db_rollback(db);
		return rc == 0 ? 0 : DASHBOARDS_STALE;
	}
	json_decref(old);
	return 1;
}

/*
 * PUT /api/dashboards/{id}: replaces the dashboard with body, when
 * current(ctx, the dashboard as stored) says the client saw that one
 * (its If-Match).  *out is the new one.  1; 0 when there is none;
 * DASHBOARDS_STALE when the client's copy is not the stored one; -1 with
 * f (400, 409 name taken, storage).
 */
int
dashboards_update(struct db *db, int64_t project, int64_t id, json_t *body,
    int64_t now, int (*current)(void *, json_t *), void *ctx, json_t **out,
    struct fault *f)
{
	struct db_query *st;
	const char *name;
	json_t *widgets;
	char *text;
	int rc;

	*out = NULL;
	if (body_check(body, &name, &widgets, f) == -1)
		return -1;
	if ((rc = begin_current(db, project, id, current, ctx, f)) != 1)
		return rc;
	if ((rc = name_taken(db, project, name, id)) != 0) {
		if (rc == 1)
			fault_set(f, FAULT_CONFLICT, "conflict", "a dashboard "
			    "named '%s' exists", name);
		return failed(db, f);
	}
	text = json_dumps(widgets, JSON_COMPACT);
	rc = (st = STMT(db, STMT_UPDATE)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1 ||
	    db_bind_text(db, st, 3, name) == -1 ||
	    db_bind_text(db, st, 4, text != NULL ? text : "[]") == -1 ||
	    db_bind_int(db, st, 5, now) == -1 || db_step_done(db, st) == -1;
	free(text);
	if (rc || db_commit(db) == -1)
		return failed(db, f);
	return dashboards_get(db, project, id, out) == 1 ? 1 : failed(db, f);
}

/*
 * DELETE /api/dashboards/{id}, when current(ctx, it) agrees (If-Match;
 * the caller's callback accepts any when none was sent).  1, 0 when there
 * is none, DASHBOARDS_STALE, or -1 with f.
 */
int
dashboards_delete(struct db *db, int64_t project, int64_t id,
    int (*current)(void *, json_t *), void *ctx, struct fault *f)
{
	struct db_query *st;
	int rc;

	if ((rc = begin_current(db, project, id, current, ctx, f)) != 1)
		return rc;
	if ((st = STMT(db, STMT_DELETE)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1 || db_step_done(db, st) == -1 ||
	    db_commit(db) == -1)
		return failed(db, f);
	return 1;
}
