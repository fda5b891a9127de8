/*
 * Export jobs for the API (REP-6, cgi-bin/exports.c): POST /api/exports
 * checks a request ({format, query}) key by key, finds what its query
 * names, takes a saved report's rows then (the snapshot the batch writes
 * out), and queues the job; GET answers a job's status and progress, the
 * list of a project's jobs, and where a finished job's file is.  The
 * batch `exports` pass (lib/passes/exports.c) writes the files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "branch.h"
#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "exportfmt.h"
#include "exportjobs.h"
#include "exports.h"
#include "fault.h"
#include "jval.h"
#include "reports.h"

#define MB		1048576LL
#define BRANCH_BUF	300

enum stmt {
	STMT_USED,
	STMT_RUN,
	STMT_TEST,
	STMT_INSERT,
	STMT_GET,
	STMT_LIST,
	STMT__MAX
};

#define JOB_COLS "job_id, status, format, query, rows_done, rows_total, " \
	"bytes, error, created_at, started_at, finished_at, expires_at, " \
	"id, file"

static const char *const sql[STMT__MAX] = {
	[STMT_USED] =
	    "SELECT coalesce(sum(bytes), 0) FROM export_jobs WHERE "
	    "status = 'done'",
	[STMT_RUN] =
	    "SELECT 1 FROM runs WHERE project_id = ?1 AND run_id = ?2",
	[STMT_TEST] =
	    "SELECT 1 FROM tests WHERE project_id = ?1 AND test_id = ?2",
	[STMT_INSERT] =
	    "INSERT INTO export_jobs (project_id, job_id, format, query, "
	    "snapshot, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_GET] =
	    "SELECT " JOB_COLS " FROM export_jobs WHERE project_id = ?1 AND "
	    "job_id = ?2",
	[STMT_LIST] =
	    "SELECT " JOB_COLS " FROM export_jobs WHERE project_id = ?1 AND "
	    "id < ?2 ORDER BY id DESC LIMIT ?3",
};

#define STMT(db, i) DB_STMT((db), DBM_EXPORTJOBS, (i))

/* The columns of JOB_COLS. */
enum col {
	C_JOB_ID, C_STATUS, C_FORMAT, C_QUERY, C_DONE, C_TOTAL, C_BYTES,
	C_ERROR, C_CREATED, C_STARTED, C_FINISHED, C_EXPIRES, C_ID, C_FILE
};

/* The keys each query kind takes (enum export_kind), kind included. */
static const char *const kind_keys[EXK__MAX][8] = {
	{ "kind", "run_id", NULL },
	{ "kind", "test_id", "branch", "limit", NULL },
	{ "kind", "q", "suite", "state", "status", "owner", "tag", NULL },
	{ "kind", "report_id", NULL },
};
static const char *const body_keys[] = { "format", "query", NULL };
static const char *const statuses[] = { "passed", "failed", "error",
    "skipped", NULL };

/* Index of s in the NULL-terminated list, or -1. */
static int
lookup(const char *const *list, const char *s)
{
	int i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/* Checks that o holds only keys of the list; 0 or -1 with f set naming
 * the first other one (param: where). */
static int
only_keys(const json_t *o, const char *const *keys, const char *where,
    struct fault *f)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
		if (lookup(keys, k) == -1)
			return fault_param(f, where, "invalid", "unknown key "
			    "'%.100s' in %s", k, where), -1;
	return 0;
}

/* Checks that key of query, when there (or required), is a string of 1
 * to max bytes; 0 or -1 with f set. */
static int
str_key(const json_t *query, const char *key, int required, size_t max,
    struct fault *f)
{
	json_t *v = json_object_get(query, key);

	if (v == NULL && !required)
		return 0;
	if (v == NULL)
		return fault_param(f, "query", "missing", "query.%s is "
		    "required", key), -1;
	if (!json_is_string(v) || json_string_length(v) < 1 ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fault_param(f, "query", "invalid", "query.%s must be a "
		    "string of 1 to %zu bytes", key, max), -1;
	return 0;
}

/* Checks that key of query, when there (or required), is an integer in
 * [min, max]; 0 or -1 with f set. */
static int
int_key(const json_t *query, const char *key, int required, int64_t min,
    int64_t max, struct fault *f)
{
	json_t *v = json_object_get(query, key);

	if (v == NULL && !required)
		return 0;
	if (v == NULL)
		return fault_param(f, "query", "missing", "query.%s is "
		    "required", key), -1;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return fault_param(f, "query", "invalid", "query.%s must be an "
		    "integer from %lld to %lld", key, (long long)min,
		    (long long)max), -1;
	return 0;
}

/* Predicate: statement i finds project's thing named s (-1 on error). */
static int
exists(struct db *db, enum stmt i, int64_t project, const char *s)
{
	struct db_query *st = STMT(db, i);
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, s) == -1 || (rc = db_step(db, st)) == -1)
		return -1;
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * Checks query for format: its kind and keys.  Sets *kind.  Returns 0,
 * or -1 with f set (400).
 */
static int
check_query(const json_t *query, int format, int *kind, struct fault *f)
{
	static const char *const cat[] = { "q", "suite", "state", "owner",
	    "tag" };
	json_t *st;
	size_t i;

	if (!json_is_object(query))
		return fault_param(f, "query", query == NULL ? "missing" :
		    "invalid", "query must be an object with a kind"), -1;
	if ((*kind = lookup(export_kinds, json_string_value(json_object_get(
	    query, "kind")))) == -1)
		return fault_param(f, "query", "invalid", "query.kind must be "
		    "one of run, test_history, catalogue, report"), -1;
	if (only_keys(query, kind_keys[*kind], "query", f) == -1)
		return -1;
	if (format == EXF_JUNIT && *kind != EXK_RUN)
		return fault_param(f, "format", "invalid", "junit exports a "
		    "run only (query.kind run)"), -1;
	switch (*kind) {
	case EXK_RUN:
		return str_key(query, "run_id", 1, 256, f);
	case EXK_TEST_HISTORY:
		return str_key(query, "test_id", 1, 4096, f) == -1 ||
		    str_key(query, "branch", 0, 256, f) == -1 ||
		    int_key(query, "limit", 0, 1, 100000000, f) == -1 ? -1 : 0;
	case EXK_CATALOGUE:
		for (i = 0; i < sizeof(cat) / sizeof(cat[0]); i++)
			if (str_key(query, cat[i], 0, 256, f) == -1)
				return -1;
		st = json_object_get(query, "status");
		if (st != NULL && lookup(statuses, json_string_value(st)) ==
		    -1)
			return fault_param(f, "query", "invalid", "query.status "
			    "must be one of passed, failed, error, skipped"),
			    -1;
		return 0;
	default:
		return int_key(query, "report_id", 1, 1, INT64_MAX, f);
	}
}

/*
 * Finds what query (kind) names in project; a saved report is computed
 * now into *snap (the caller frees it).  Returns 0, -1 with f set (404
 * naming it, 400 for a report too large), or -2 on a storage error.
 */
static int
find_named(struct db *db, int64_t project, const struct config *cfg,
    const json_t *query, int kind, int64_t now, char **snap,
    struct fault *f)
{
	struct report_query q;
	char defbranch[BRANCH_BUF];
	json_t *def, *out = NULL;
	int64_t id;
	int rc;

	*snap = NULL;
	if (kind == EXK_RUN || kind == EXK_TEST_HISTORY) {
		const char *name = json_string_value(json_object_get(query,
		    kind == EXK_RUN ? "run_id" : "test_id"));
		if ((rc = exists(db, kind == EXK_RUN ? STMT_RUN : STMT_TEST,
		    project, name)) == -1)
			return -2;
		if (rc == 0)
			return fault_set(f, FAULT_NOT_FOUND, "not_found",
			    "no %s '%.200s' in the project", kind == EXK_RUN ?
			    "run" : "test", name), -1;
		return 0;
	}
	if (kind != EXK_REPORT)
		return 0;
	id = json_integer_value(json_object_get(query, "report_id"));
	if ((rc = reports_definition(db, project, id, &def)) == 0)
		return fault_set(f, FAULT_NOT_FOUND, "not_found", "no report "
		    "%lld in the project", (long long)id), -1;
	if (rc != 1)
		return -2;
	if (branch_default(db, project, cfg, defbranch, BRANCH_BUF) == -1)
		rc = -2;
	else if (reports_resolve(def, defbranch, now, &q, f) == -1 ||
	    reports_compute(db, project, id, def, &q, &out, f) == -1)
		rc = -1;
	else if ((*snap = json_dumps(out, JSON_COMPACT)) == NULL)
		abort();
	else
		rc = 0;
	json_decref(out);
	json_decref(def);
	return rc;
}

/* The link to job_id's resource (suffix: "" or "/download"). */
static json_t *
href(const struct exportjobs_site *w, const char *job_id, const char *suffix)
{
	struct buf b;
	json_t *s;

	buf_init(&b);
	buf_printf(&b, "%s/api/exports/%s%s", w->base, job_id, suffix);
	if (strcmp(w->project, "default") != 0)
		buf_printf(&b, "?project=%s", w->project);
	s = jval_str(b.p);
	buf_free(&b);
	return s;
}

/*
 * POST /api/exports: checks body ({format, query}), finds what the query
 * names and queues the job: *out {job_id, status, href}.  Returns 1; -1
 * with f set (400, 404); EXPORTJOBS_QUOTA when the files already take
 * export_quota_mb; 503 on a storage error.
 */
int
exportjobs_create(struct db *db, int64_t project, const struct config *cfg,
    const struct exportjobs_site *w, json_t *body, int64_t now,
    json_t **out, struct fault *f)
{
	struct db_query *st;
	json_t *query = json_object_get(body, "query");
	char job_id[33], *snap = NULL, *qtext;
	int format, kind, rc;

	*out = NULL;
	if (only_keys(body, body_keys, "body", f) == -1)
		return -1;
	if ((format = lookup(export_formats, json_string_value(
	    json_object_get(body, "format")))) == -1)
		return fault_param(f, "format", json_object_get(body,
		    "format") == NULL ? "missing" : "invalid", "format must "
		    "be one of csv, ndjson, json, junit, xlsx"), -1;
	if (check_query(query, format, &kind, f) == -1)
		return -1;
	if ((st = STMT(db, STMT_USED)) == NULL || db_step(db, st) != DB_ROW)
		return 503;
	rc = db_col_int(st, 0) >= cfg->export_quota_mb * MB;
	db_reset(st);
	if (rc)
		return EXPORTJOBS_QUOTA;
	if ((rc = find_named(db, project, cfg, query, kind, now, &snap, f)) !=
	    0)
		return rc == -2 ? 503 : -1;
	if (crypto_random_hex(job_id, 32) == -1 ||
	    (qtext = json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL) {
		free(snap);
		return 503;
	}
	rc = db_begin(db) == -1 || (st = STMT(db, STMT_INSERT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, job_id) == -1 ||
	    db_bind_text(db, st, 3, export_formats[format]) == -1 ||
	    db_bind_text(db, st, 4, qtext) == -1 ||
	    db_bind_text(db, st, 5, snap) == -1 ||
	    db_bind_int(db, st, 6, now) == -1 || db_step_done(db, st) == -1 ||
	    db_commit(db) == -1 ? -1 : 0;
	free(qtext);
	free(snap);
	if (rc == -1) {
		db_rollback(db);
		return 503;
	}
	*out = jval_object();
	jval_set(*out, "job_id", jval_str(job_id));
	jval_set(*out, "status", jval_str("queued"));
	jval_set(*out, "href", href(w, job_id, ""));
	return 1;
}

/* The status a job shows at now: a done job past expires_at is expired
 * (the next batch deletes the file). */
static const char *
shown_status(struct db_query *st, int64_t now)
{
	const char *s = db_column_text(st, C_STATUS);

	if (strcmp(s, "done") == 0 && !db_col_null(st, C_EXPIRES) &&
	    db_col_int(st, C_EXPIRES) <= now)
		return "expired";
	return s;
}

/* The job object of the row at st. */
static json_t *
job_json(struct db_query *st, const struct exportjobs_site *w, int64_t now)
{
	const char *status = shown_status(st, now);
	json_t *o = jval_object(), *p = jval_object();
	int64_t done = db_col_int(st, C_DONE), total;

	jval_set(o, "job_id", jval_col_text(st, C_JOB_ID));
	jval_set(o, "status", jval_str(status));
	jval_set(o, "format", jval_col_text(st, C_FORMAT));
	jval_set(o, "query", jval_load(db_column_text(st, C_QUERY)));
	jval_set(p, "rows_done", jval_int(done));
	jval_set(p, "rows_total", db_col_null(st, C_TOTAL) ? json_null() :
	    jval_col_int(st, C_TOTAL));
	total = db_col_null(st, C_TOTAL) ? -1 : db_col_int(st, C_TOTAL);
	jval_set(p, "pct", strcmp(status, "done") == 0 ? jval_int(100) :
	    total > 0 ? jval_int(done * 100 / total) : total == 0 &&
	    strcmp(status, "running") == 0 ? jval_int(0) : json_null());
	jval_set(o, "progress", p);
	jval_set(o, "bytes", jval_col_int(st, C_BYTES));
	jval_set(o, "error", jval_col_text(st, C_ERROR));
	jval_set(o, "created_at", jval_col_time(st, C_CREATED));
	jval_set(o, "started_at", jval_col_time(st, C_STARTED));
	jval_set(o, "finished_at", jval_col_time(st, C_FINISHED));
	jval_set(o, "expires_at", jval_col_time(st, C_EXPIRES));
	jval_set(o, "href", href(w, db_column_text(st, C_JOB_ID), ""));
	jval_set(o, "download", strcmp(status, "done") == 0 ?
	    href(w, db_column_text(st, C_JOB_ID), "/download") : json_null());
	return o;
}

/* Reads job_id of project: *st positioned on it.  1, 0 none, -1. */
static int
job_find(struct db *db, int64_t project, const char *job_id,
    struct db_query **st)
{
	int rc;

	if ((*st = STMT(db, STMT_GET)) == NULL ||
	    db_bind_int(db, *st, 1, project) == -1 ||
	    db_bind_text(db, *st, 2, job_id) == -1 ||
	    (rc = db_step(db, *st)) == -1)
		return -1;
	if (rc != DB_ROW)
		db_reset(*st);
	return rc == DB_ROW;
}

/* GET /api/exports/{job_id}: *out the job at now.  1, 0 none, -1. */
int
exportjobs_get(struct db *db, int64_t project,
    const struct exportjobs_site *w, const char *job_id, int64_t now,
    json_t **out)
{
	struct db_query *st;
	int rc;

	*out = NULL;
	if ((rc = job_find(db, project, job_id, &st)) != 1)
		return rc;
	*out = job_json(st, w, now);
	db_reset(st);
	return 1;
}

/* GET /api/exports: *out {exports, next_cursor}, newest first, before
 * job number cursor (0: from the newest).  1 or -1. */
int
exportjobs_list(struct db *db, int64_t project,
    const struct exportjobs_site *w, int64_t cursor, int limit, int64_t now,
    json_t **out)
{
	struct db_query *st = STMT(db, STMT_LIST);
	json_t *a = jval_array();
	int64_t last = 0;
	int rc, n = 0;
	char next[32];

	*out = NULL;
	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, cursor > 0 ? cursor : INT64_MAX) == -1 ||
	    db_bind_int(db, st, 3, limit) == -1) {
		json_decref(a);
		return -1;
	}
	while ((rc = db_step(db, st)) == DB_ROW) {
		jval_push(a, job_json(st, w, now));
		last = db_col_int(st, C_ID);
		n++;
	}
	db_reset(st);
	if (rc == -1) {
		json_decref(a);
		return -1;
	}
	snprintf(next, sizeof(next), "%lld", (long long)last);
	*out = jval_object();
	jval_set(*out, "exports", a);
	jval_set(*out, "next_cursor", n == limit ? jval_str(next) :
	    json_null());
	return 1;
}

/* Where job_id's file is, into *file (status and, when done, path).
 * 1, 0 no such job, -1. */
int
exportjobs_file(struct db *db, int64_t project, const struct config *cfg,
    const char *job_id, int64_t now, struct exportjobs_file *file)
{
	struct db_query *st;
	char dir[2048];
	int rc;

	memset(file, 0, sizeof(*file));
	if ((rc = job_find(db, project, job_id, &st)) != 1)
		return rc;
	snprintf(file->status, sizeof(file->status), "%s",
	    shown_status(st, now));
	file->format = lookup(export_formats, db_column_text(st, C_FORMAT));
	if (strcmp(file->status, "done") == 0 && !db_col_null(st, C_FILE) &&
	    exports_dir(cfg, dir, sizeof(dir)) == 0) {
		snprintf(file->name, sizeof(file->name), "%s",
		    db_column_text(st, C_FILE));
		snprintf(file->path, sizeof(file->path), "%s/%s", dir,
		    file->name);
	}
	db_reset(st);
	return 1;
}
