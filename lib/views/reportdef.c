/*
 * Report definitions (REP-1): the filters and grouping a client posts to
 * /api/reports are checked, normalised (every key, null when not given,
 * group_by an array) and kept once per project and distinct definition,
 * so the same report posted again gets the same report_id; a report is
 * computed (reports.c) from its definition resolved against the clock
 * and the project's default branch.  The caller owns what it is given
 * back.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "db.h"
#include "fault.h"
#include "jval.h"
#include "reports.h"
#include "tvtime.h"
#include "utf8.h"

#define DAY_MS		86400000LL
#define REPORTS_MAX	1000	/* kept per project; the least used go */
#define DEFAULT_DAYS	30	/* the range of a report without one */

const char *const report_keys[] = { "day", "week", "month", "branch",
    "job", "suite", "domain", "feature", "owner", NULL };

static const char *const run_statuses[] = { "passed", "failed", "empty",
    NULL };

enum stmt {
	STMT_FIND,
	STMT_TOUCH,
	STMT_COUNT,
	STMT_EVICT,
	STMT_INSERT,
	STMT_GET,
	STMT_LIST,
	STMT_FEATURE,
	STMT_DOMAIN,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_FIND] = "SELECT id FROM reports WHERE project_id = ?1 AND "
	    "hash = ?2",
	[STMT_TOUCH] = "UPDATE reports SET used_at = ?2 WHERE id = ?1",
	[STMT_COUNT] = "SELECT count(*) FROM reports WHERE project_id = ?1",
	[STMT_EVICT] = "DELETE FROM reports WHERE id = (SELECT id FROM "
	    "reports WHERE project_id = ?1 ORDER BY used_at, id LIMIT 1)",
	[STMT_INSERT] = "INSERT INTO reports (project_id, definition, hash, "
	    "created_at, used_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
	[STMT_GET] = "SELECT definition FROM reports WHERE project_id = ?1 "
	    "AND id = ?2",
	[STMT_LIST] = "SELECT id, definition, created_at, used_at FROM "
	    "reports WHERE project_id = ?1 ORDER BY used_at DESC, id DESC "
	    "LIMIT 100",
	[STMT_FEATURE] = "SELECT 1 FROM features WHERE project_id = ?1 AND "
	    "path = ?2",
	[STMT_DOMAIN] = "SELECT 1 FROM domains WHERE project_id = ?1 AND "
	    "(path = ?2 OR substr(path, 1, length(CAST(?2 AS TEXT)) + 1) = "
	    "CAST(?2 AS TEXT) || '/') LIMIT 1",
};

#define STMT(db, i) DB_STMT((db), DBM_REPORTDEF, (i))

/* The string filters of a definition and their longest lengths. */
static const struct {
	const char	*name;
	size_t		 max;
} filters[] = {
	{ "branch", 256 }, { "job", 128 }, { "suite", 1024 },
	{ "tag", 128 }, { "domain", 512 }, { "feature", 512 },
	{ "owner", 256 },
};
#define NFILTERS (sizeof(filters) / sizeof(filters[0]))

/*
 * Parses a time of a definition: "YYYY-MM-DD" (midnight UTC; as `to`
 * with end set, the end of that day) or an ISO-8601 time.  0 or -1.
 */
static int
parse_when(const char *s, int end, int64_t *ms)
{
	char full[32];
	size_t n = strlen(s);

	if (n == 10) {
		snprintf(full, sizeof(full), "%sT00:00:00Z", s);
		if (tvtime_parse_iso8601(full, strlen(full), ms) == -1)
			return -1;
		if (end)
			*ms += DAY_MS;
		return 0;
	}
	return tvtime_parse_iso8601(s, n, ms);
}

/* Checks time key k of body into norm; 0 or -1 with f set. */
static int
time_check(json_t *body, const char *k, json_t *norm, struct fault *f)
{
	char iso[TVTIME_ISO_LEN];
	json_t *v = json_object_get(body, k);
	int64_t ms;

	if (v == NULL || json_is_null(v)) {
		jval_set(norm, k, json_null());
		return 0;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		tvtime_format_iso8601(json_integer_value(v), iso);
		jval_set(norm, k, jval_str(iso));
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) > 40 ||
	    parse_when(json_string_value(v), 0, &ms) == -1)
		return fault_param(f, k, "invalid", "%s must be a date "
		    "(2026-11-01), an ISO-8601 time (2026-11-01T12:00:00Z) or "
		    "ms since the epoch", k), -1;
	jval_set(norm, k, jval_str(json_string_value(v)));
	return 0;
}

/* Checks group_by of body into norm (an array); 0 or -1 with f set. */
static int
group_check(json_t *body, json_t *norm, struct fault *f)
{
	json_t *v = json_object_get(body, "group_by"), *a, *e;
	const char *s;
	size_t i, k;

	if (v == NULL)
		return fault_param(f, "group_by", "missing", "group_by is "
		    "required: one or two of day, week, month, branch, job, "
		    "suite, domain, feature, owner"), -1;
	a = json_is_string(v) ? json_pack("[O]", v) : json_incref(v);
	if (!json_is_array(a) || json_array_size(a) < 1 ||
	    json_array_size(a) > REPORT_KEYS_MAX) {
		json_decref(a);
		return fault_param(f, "group_by", "invalid", "group_by must be "
		    "a key or an array of one or two keys"), -1;
	}
	json_array_foreach(a, i, e) {
		s = json_string_value(e);
		for (k = 0; s != NULL && report_keys[k] != NULL; k++)
			if (strcmp(s, report_keys[k]) == 0)
				break;
		if (s == NULL || report_keys[k] == NULL || (i == 1 &&
		    strcmp(s, json_string_value(json_array_get(a, 0))) == 0)) {
			json_decref(a);
			return fault_param(f, "group_by", "invalid", "group_by"
			    "[%zu] must be one of day, week, month, branch, "
			    "job, suite, domain, feature, owner, not repeated",
			    i), -1;
		}
	}
	jval_set(norm, "group_by", a);
	return 0;
}

/* Whether the query q (bound: ?1 project, ?2 path) finds a row. */
static int
exists(struct db *db, enum stmt q, int64_t project, const char *path)
{
	struct db_query *st = STMT(db, q);
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, path) == -1 ||
	    (rc = db_step(db, st)) == -1) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	db_reset(st);
	return rc == DB_ROW;
}

/* Checks the string filters of body into norm; 0 or -1 with f set. */
static int
filters_check(struct db *db, int64_t project, json_t *body, json_t *norm,
    struct fault *f)
{
	const char *s;
	json_t *v;
	size_t i, k, len;
	int rc;

	for (i = 0; i < NFILTERS; i++) {
		v = json_object_get(body, filters[i].name);
		if (v == NULL || json_is_null(v)) {
			jval_set(norm, filters[i].name, json_null());
			continue;
		}
		s = json_string_value(v);
		if (s == NULL || strlen(s) != json_string_length(v) ||
		    (len = utf8_count(s, strlen(s))) < 1 ||
		    len > filters[i].max)
			return fault_param(f, filters[i].name, "invalid", "%s "
			    "must be a string of 1 to %zu characters",
			    filters[i].name, filters[i].max), -1;
		rc = 1;
		if (strcmp(filters[i].name, "feature") == 0)
			rc = exists(db, STMT_FEATURE, project, s);
		else if (strcmp(filters[i].name, "domain") == 0)
			rc = exists(db, STMT_DOMAIN, project, s);
		if (rc == -1)
			return fault_set(f, FAULT_STORAGE, "storage", "reading "
			    "the features failed"), -1;
		if (rc == 0)
			return fault_param(f, filters[i].name, "invalid", "no "
			    "%s '%s' in this project", filters[i].name, s), -1;
		jval_set(norm, filters[i].name, jval_str(s));
	}
	v = json_object_get(body, "status");
	for (k = 0; (s = json_string_value(v)) != NULL &&
	    run_statuses[k] != NULL; k++)
		if (strcmp(s, run_statuses[k]) == 0)
			break;
	if (v != NULL && !json_is_null(v) && (s == NULL ||
	    run_statuses[k] == NULL))
		return fault_param(f, "status", "invalid", "status (of the "
		    "run) must be passed, failed or empty"), -1;
	jval_set(norm, "status", s != NULL ? jval_str(s) : json_null());
	return 0;
}

/*
 * The normalised definition of body, or NULL with f set: every key
 * known and valid, from before to when both are given.
 */
static json_t *
normalise(struct db *db, int64_t project, json_t *body, struct fault *f)
{
	static const char *const known[] = { "from", "to", "branch", "job",
	    "status", "suite", "tag", "domain", "feature", "owner",
	    "group_by", NULL };
	struct report_query q;
	const char *key;
	json_t *v, *norm;
	size_t k;

	if (!json_is_object(body))
		return fault_set(f, FAULT_BAD_INPUT, "invalid_json", "the body "
		    "must be a JSON object"), NULL;
	json_object_foreach(body, key, v) {
		for (k = 0; known[k] != NULL && strcmp(key, known[k]); k++)
			;
		if (known[k] == NULL)
			return fault_param(f, "body", "unknown", "unknown key "
			    "'%.64s': a report takes from, to, branch, job, "
			    "status, suite, tag, domain, feature, owner and "
			    "group_by", key), NULL;
	}
	norm = jval_object();
	if (time_check(body, "from", norm, f) == -1 ||
	    time_check(body, "to", norm, f) == -1 ||
	    filters_check(db, project, body, norm, f) == -1 ||
	    group_check(body, norm, f) == -1 ||
	    reports_resolve(norm, "", 0, &q, f) == -1) {
		json_decref(norm);
		return NULL;
	}
	return norm;
}

/* Rolls back and returns -1 with f set to a storage fault if unset. */
static int
failed(struct db *db, struct fault *f)
{
	db_rollback(db);
	if (f->kind == FAULT_NONE)
		fault_set(f, FAULT_STORAGE, "storage", "storing the report "
		    "failed");
	return -1;
}

/* Steps st (bound) for one integer into *v; 0 or -1 (st reset). */
static int
one_int(struct db *db, struct db_query *st, int64_t *v)
{
	int rc = db_step(db, st);

	if (rc == DB_ROW)
		*v = db_col_int(st, 0);
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/*
 * Stores the definition of body for project (once: a definition posted
 * before is the same report, its use time renewed), dropping the least
 * used report past REPORTS_MAX.  Returns 1 (stored now) or 0 (known),
 * with *id and *def (the normalised definition, the caller's); -1 with f
 * set.
 */
int
reports_save(struct db *db, int64_t project, json_t *body, int64_t now,
    int64_t *id, json_t **def, struct fault *f)
{
	struct db_query *st;
	char hash[SHA256_HEX_LEN], *text;
	int64_t n;
	int rc;

	if ((*def = normalise(db, project, body, f)) == NULL)
		return -1;
	text = json_dumps(*def, JSON_COMPACT | JSON_SORT_KEYS);
	crypto_sha256_hex(text, strlen(text), hash);
	if (db_begin(db) == -1 || (st = STMT(db, STMT_FIND)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, hash) == -1 ||
	    (rc = one_int(db, st, id)) == -1)
		goto fail;
	if (rc == 1) {
		if ((st = STMT(db, STMT_TOUCH)) == NULL ||
		    db_bind_int(db, st, 1, *id) == -1 ||
		    db_bind_int(db, st, 2, now) == -1 ||
		    db_step_done(db, st) == -1 || db_commit(db) == -1)
			goto fail;
		free(text);
		return 0;
	}
	if ((st = STMT(db, STMT_COUNT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 || one_int(db, st, &n) != 1 ||
	    (n >= REPORTS_MAX && ((st = STMT(db, STMT_EVICT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_step_done(db, st) == -1)) ||
	    (st = STMT(db, STMT_INSERT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, text) == -1 ||
	    db_bind_text(db, st, 3, hash) == -1 ||
	    db_bind_int(db, st, 4, now) == -1 || one_int(db, st, id) != 1 ||
	    db_commit(db) == -1)
		goto fail;
	free(text);
	return 1;
fail:
	free(text);
	json_decref(*def);
	*def = NULL;
	return failed(db, f);
}

/*
 * The stored definition of report id of project into *def (the
 * caller's).  Returns 1, 0 (no such report) or -1.
 */
int
reports_definition(struct db *db, int64_t project, int64_t id, json_t **def)
{
	struct db_query *st = STMT(db, STMT_GET);
	int rc;

	*def = NULL;
	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1 || (rc = db_step(db, st)) == -1) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	if (rc == DB_ROW)
		*def = jval_load(db_column_text(st, 0));
	db_reset(st);
	return rc != DB_ROW ? 0 : *def != NULL ? 1 : -1;
}

/* One stored report of the list: {report_id, query, created_at,
 * used_at}. */
static json_t *
list_row(struct db_query *st)
{
	json_t *o = jval_object(), *q = jval_load(db_column_text(st, 1));

	jval_set(o, "report_id", jval_col_int(st, 0));
	jval_set(o, "query", q != NULL ? q : json_null());
	jval_set(o, "created_at", jval_col_time(st, 2));
	jval_set(o, "used_at", jval_col_time(st, 3));
	return o;
}

/* The project's reports, most recently used first: 1 with *out, -1. */
int
reports_list(struct db *db, int64_t project, json_t **out)
{
	struct db_query *st = STMT(db, STMT_LIST);
	json_t *rows;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    (rows = jval_rows(db, st, list_row)) == NULL)
		return -1;
	*out = jval_object();
	jval_set(*out, "reports", rows);
	return 1;
}

/* String key k of def, NULL when null or absent (borrowed). */
static const char *
def_str(const json_t *def, const char *k)
{
	return json_string_value(json_object_get(def, k));
}

/*
 * Resolves the normalised definition def into *q for a computation at
 * time now: to defaults to now, from to DEFAULT_DAYS before to; branch
 * NULL is defbranch, "*" every branch.  0, or -1 with f set (from not
 * before to).
 */
int
reports_resolve(const json_t *def, const char *defbranch, int64_t now,
    struct report_query *q, struct fault *f)
{
	const char *from = def_str(def, "from"), *to = def_str(def, "to");
	json_t *g = json_object_get(def, "group_by"), *e;
	size_t i, k;

	memset(q, 0, sizeof(*q));
	q->to = now;
	if ((to != NULL && parse_when(to, 1, &q->to) == -1) ||
	    (from != NULL && parse_when(from, 0, &q->from) == -1))
		return fault_param(f, "from", "invalid", "bad time in the "
		    "report"), -1;
	if (from == NULL)
		q->from = q->to - DEFAULT_DAYS * DAY_MS;
	if (from != NULL && to != NULL && q->from >= q->to)
		return fault_param(f, "from", "invalid", "from must be before "
		    "to"), -1;
	q->branch = def_str(def, "branch");
	if (q->branch == NULL)
		q->branch = defbranch;
	else if (strcmp(q->branch, "*") == 0)
		q->branch = NULL;
	q->job = def_str(def, "job");
	q->status = def_str(def, "status");
	q->suite = def_str(def, "suite");
	q->tag = def_str(def, "tag");
	q->domain = def_str(def, "domain");
	q->feature = def_str(def, "feature");
	q->owner = def_str(def, "owner");
	json_array_foreach(g, i, e) {
		for (k = 0; report_keys[k] != NULL &&
		    strcmp(report_keys[k], json_string_value(e)); k++)
			;
		if (i < REPORT_KEYS_MAX && report_keys[k] != NULL)
			q->keys[q->nkeys++] = (int)k;
	}
	return 0;
}
