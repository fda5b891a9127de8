/*
 * Reading and triaging integrity signals: the alert list with its filters
 * (API-18), acknowledging or resolving one (API-19, admin), a run's
 * signals (API-5) and the open count (API-3).  The integrity pass
 * (lib/passes/integrity.c) is the only one that creates signals.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "fault.h"
#include "jval.h"
#include "signals.h"
#include "xalloc.h"
#include "utf8.h"

const char *const signals_types[] = {
	"test_removed", "suite_shrink", "newly_skipped", "assertions_dropped",
	"duration_collapse", "assertion_removed", "skip_added", "xfail_added",
	"broad_exception_added", "edited_before_green", NULL
};
const char *const signals_severities[] = { "low", "medium", "high",
    "critical", NULL };
const char *const signals_statuses[] = { "open", "acknowledged", "resolved",
    NULL };

enum stmt {
	STMT_LIST,
	STMT_RUN,
	STMT_RUNS,
	STMT_OPEN_COUNT,
	STMT_GET,
	STMT_SET,
	STMT_EVENT,
	STMT_FIND_RUN,
	STMT_FIND_SESSION,
	STMT_OF_RUN,
	STMT_OF_SESSION,
	STMT_BULK_SET,
	STMT__MAX
};

#define SIG_COLS \
	"g.id, g.signal_type, g.severity, g.status, r.run_id, b.run_id, " \
	"r.git_sha, r.branch, r.session_id, t.test_id, t.name, g.file, " \
	"g.message, g.evidence, g.created_at, g.updated_at, g.note, " \
	"g.alerted, t.feature"
#define SIG_FROM \
	"signals g JOIN runs r ON r.id = g.run LEFT JOIN runs b ON " \
	"b.id = g.baseline_run LEFT JOIN tests t ON t.id = g.test"

static const char *const sql[STMT__MAX] = {
	[STMT_LIST] =
	    "SELECT " SIG_COLS " FROM " SIG_FROM " WHERE g.project_id = ?1 AND "
	    "(g.created_at >= ?2 OR ?2 IS NULL) AND "
	    "(g.signal_type = ?3 OR ?3 IS NULL) AND "
	    "(g.severity = ?4 OR ?4 IS NULL) AND "
	    "(g.status = ?5 OR ?5 IS NULL) AND "
	    "(r.session_id = ?6 OR ?6 IS NULL) AND "
	    "((g.created_at, g.id) < (?7, ?8) OR ?7 IS NULL) "
	    "ORDER BY g.created_at DESC, g.id DESC LIMIT ?9",
	[STMT_RUN] =
	    "SELECT " SIG_COLS " FROM " SIG_FROM " WHERE g.run = ?1 "
	    "ORDER BY g.id",
	/* ?1: a JSON array of run ids */
	[STMT_RUNS] = DB_SQL2(
	    "SELECT " SIG_COLS " FROM " SIG_FROM " WHERE g.run IN (SELECT "
	    "value FROM json_each(?1)) AND (t.feature = ?2 OR ?2 IS NULL) "
	    "ORDER BY g.created_at DESC, g.id DESC LIMIT ?3",
	    "SELECT " SIG_COLS " FROM " SIG_FROM " WHERE g.run IN (SELECT "
	    "CAST(value AS BIGINT) FROM json_array_elements_text(CAST(?1 AS "
	    "JSON))) AND (t.feature = ?2 OR ?2 IS NULL) "
	    "ORDER BY g.created_at DESC, g.id DESC LIMIT ?3"),
	[STMT_OPEN_COUNT] =
	    "SELECT count(*) FROM signals WHERE project_id = ?1 AND "
	    "status = 'open'",
	[STMT_GET] =
	    "SELECT status FROM signals WHERE project_id = ?1 AND id = ?2",
	[STMT_SET] =
	    "UPDATE signals SET status = ?2, note = ?3, updated_at = ?4 "
	    "WHERE id = ?1",
	[STMT_EVENT] = DB_SQL2(
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'signal_' || ?3, ?4, json_object('signal_id', "
	    "?4, 'previous', ?5, 'note', ?6))",
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'signal_' || ?3, CAST(?4 AS BIGINT), "
	    "jsonb_build_object('signal_id', CAST(?4 AS BIGINT), "
	    "'previous', CAST(?5 AS TEXT), "
	    "'note', CAST(?6 AS TEXT)))"),
	[STMT_FIND_RUN] =
	    "SELECT id FROM runs WHERE project_id = ?1 AND run_id = ?2",
	[STMT_FIND_SESSION] =
	    "SELECT 1 FROM runs WHERE project_id = ?1 AND session_id = ?2 "
	    "LIMIT 1",
	[STMT_OF_RUN] =
	    "SELECT id, status FROM signals WHERE project_id = ?1 AND "
	    "run = ?2 ORDER BY id",
	[STMT_OF_SESSION] =
	    "SELECT g.id, g.status FROM signals g JOIN runs r ON "
	    "r.id = g.run WHERE g.project_id = ?1 AND r.session_id = ?2 "
	    "ORDER BY g.id",
	[STMT_BULK_SET] =
	    "UPDATE signals SET status = ?2, note = COALESCE(?3, note), "
	    "updated_at = ?4 WHERE id = ?1",
};

/* One signal row (SIG_COLS) as its API object. */
static json_t *
signal_json(struct db_query *st)
{
	json_t *o = jval_object(), *ev;

	jval_set(o, "id", jval_col_int(st, 0));
	jval_set(o, "signal_type", jval_col_text(st, 1));
	jval_set(o, "severity", jval_col_text(st, 2));
	jval_set(o, "status", jval_col_text(st, 3));
	jval_set(o, "run_id", jval_col_text(st, 4));
	jval_set(o, "baseline_run_id", jval_col_text(st, 5));
	jval_set(o, "git_sha", jval_col_text(st, 6));
	jval_set(o, "branch", jval_col_text(st, 7));
	jval_set(o, "session_id", jval_col_text(st, 8));
	jval_set(o, "test_id", jval_col_text(st, 9));
	jval_set(o, "test_name", jval_col_text(st, 10));
	jval_set(o, "file", jval_col_text(st, 11));
	jval_set(o, "message", jval_col_text(st, 12));
	ev = jval_load(db_column_text(st, 13));
	jval_set(o, "evidence", ev != NULL ? ev : jval_object());
	jval_set(o, "created_at", jval_col_time(st, 14));
	jval_set(o, "updated_at", jval_col_time(st, 15));
	jval_set(o, "note", jval_col_text(st, 16));
	jval_set(o, "alerted", json_boolean((int)db_col_int(st, 17)));
	jval_set(o, "feature_id", jval_col_int(st, 18));
	return o;
}

/* The alert list pages by (created_at, id), newest first. */
static const struct cursor_list alerts_paging = { "alerts", "ii",
    { 14, 0 } };

/*
 * GET /api/tests/integrity/alerts: signals newest first with the
 * filters of f.  Returns 0, CURSOR_BAD, or -1; *out is a new
 * object {alerts, next_cursor}.
 */
int
signals_list(struct db *db, int64_t project, const struct signals_filter *f,
    json_t **out)
{
	struct cursor_page pg;
	struct db_query *st;

	if (cursor_page_open(&pg, &alerts_paging, f->cursor, f->limit) != 0)
		return CURSOR_BAD;
	if ((st = DB_STMT(db, DBM_SIGNALS, STMT_LIST)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int_opt(db, st, 2, f->since) == -1 ||
	    db_bind_text(db, st, 3, f->type) == -1 ||
	    db_bind_text(db, st, 4, f->severity) == -1 ||
	    db_bind_text(db, st, 5, f->status) == -1 ||
	    db_bind_text(db, st, 6, f->session_id) == -1 ||
	    cursor_page_bind(&pg, db, st, 7, 9) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	return cursor_page_list(&pg, db, st, signal_json, "alerts", out);
}

/* The signals of one run (runs.id), oldest first; NULL on error. */
json_t *
signals_of_run(struct db *db, int64_t run)
{
	struct db_query *st;

	if ((st = DB_STMT(db, DBM_SIGNALS, STMT_RUN)) == NULL ||
	    db_bind_int(db, st, 1, run) == -1)
		return NULL;
	return jval_rows(db, st, signal_json);
}

/*
 * The newest limit signals of the runs in runs_json (a JSON array of
 * runs.id), only those on tests of feature when feature > 0; NULL on
 * error.
 */
json_t *
signals_of_runs(struct db *db, const char *runs_json, int64_t feature,
    int limit)
{
	struct db_query *st;

	if ((st = DB_STMT(db, DBM_SIGNALS, STMT_RUNS)) == NULL ||
	    db_bind_text(db, st, 1, runs_json) == -1 ||
	    (feature > 0 ? db_bind_int(db, st, 2, feature) :
	    db_bind_null(db, st, 2)) == -1 ||
	    db_bind_int(db, st, 3, limit) == -1)
		return NULL;
	return jval_rows(db, st, signal_json);
}

/* The number of open signals of the project, or -1. */
int64_t
signals_open_count(struct db *db, int64_t project)
{
	struct db_query *st;
	int64_t n = -1;

	if ((st = DB_STMT(db, DBM_SIGNALS, STMT_OPEN_COUNT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1)
		return -1;
	if (db_step(db, st) == DB_ROW)
		n = db_col_int(st, 0);
	db_reset(st);
	return n;
}

/*
 * POST /api/tests/integrity/alerts/{signal_id} {"status":
 * "acknowledged"|"resolved"|"open", "note": "…"}: triages a signal; an
 * acknowledged or resolved signal stops counting against the integrity
 * score.  Returns 1 with *out the signal's new status, 0 when the signal
 * is not in the project, -1 with f set (400 bad body, 500 storage).
 */
int
signals_set(struct db *db, int64_t project, int64_t id, json_t *body,
    int64_t now, json_t **out, struct fault *f)
{
	json_t *js = json_object_get(body, "status");
	json_t *jn = json_object_get(body, "note"), *x;
	const char *status, *note = NULL, *k;
	char prev[32];
	struct db_query *st;
	int i, rc;

	*out = NULL;
	json_object_foreach(body, k, x)
		if (strcmp(k, "status") != 0 && strcmp(k, "note") != 0) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "unknown field '%.*s' (expected: status, "
			    "note)", UTF8_CUT(k, 64));
			return -1;
		}
	if (!json_is_string(js)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body", "status must be "
		    "\"acknowledged\", \"resolved\" or \"open\"");
		return -1;
	}
	status = json_string_value(js);
	for (i = 0; signals_statuses[i] != NULL &&
	    strcmp(signals_statuses[i], status) != 0; i++)
		;
	if (signals_statuses[i] == NULL) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "status '%.*s' is not one of acknowledged, resolved, "
		    "open", UTF8_CUT(status, 32));
		return -1;
	}
	if (jn != NULL && !json_is_null(jn)) {
		if (!json_is_string(jn) || json_string_length(jn) > 2000 ||
		    strlen(json_string_value(jn)) != json_string_length(jn)) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "note must be text of at most 2000 bytes");
			return -1;
		}
		note = json_string_value(jn);
	}
	if (db_begin(db) == -1)
		goto storage;
	if ((st = DB_STMT(db, DBM_SIGNALS, STMT_GET)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1 || (rc = db_step(db, st)) == -1)
		goto storage;
	if (rc != DB_ROW) {
		db_rollback(db);
		return 0;
	}
	snprintf(prev, sizeof(prev), "%s", db_column_text(st, 0));
	db_reset(st);
	if ((st = DB_STMT(db, DBM_SIGNALS, STMT_SET)) == NULL ||
	    db_bind_int(db, st, 1, id) == -1 ||
	    db_bind_text(db, st, 2, status) == -1 ||
	    db_bind_text(db, st, 3, note) == -1 ||
	    db_bind_int(db, st, 4, now) == -1 || db_step(db, st) == -1 ||
	    (st = DB_STMT(db, DBM_SIGNALS, STMT_EVENT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, now) == -1 ||
	    db_bind_text(db, st, 3, status) == -1 ||
	    db_bind_int(db, st, 4, id) == -1 ||
	    db_bind_text(db, st, 5, prev) == -1 ||
	    db_bind_text(db, st, 6, note) == -1 || db_step(db, st) == -1 ||
	    db_commit(db) == -1)
		goto storage;
	*out = json_pack("{sIssssss?so}", "id", (json_int_t)id, "status",
	    status, "previous_status", prev, "note", note, "updated_at",
	    jval_time(now));
	return 1;
storage:
	db_rollback(db);
	fault_set(f, FAULT_STORAGE, "storage",
	    "the signal could not be updated");
	return -1;
}

/* The parsed body of POST /api/tests/integrity/alerts (bulk triage). */
struct bulk {
	const char	*status, *note;	/* borrowed from the body */
	json_t		*ids;		/* the "ids" array, or NULL */
	const char	*run_id, *session_id;
};

/* One signal the bulk triage moves: its id and status before. */
struct bulk_sig {
	int64_t		 id;
	char		 prev[16];
};

/* A string field of the body of at most max bytes, no NUL; -1 with f set. */
static int
bulk_text(json_t *v, const char *name, size_t min, size_t max,
    const char **out, struct fault *f)
{
	if (!json_is_string(v) || json_string_length(v) < min ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "%s must be text of %zu to %zu bytes", name, min, max);
		f->param = name;
		f->reason = "invalid";
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/*
 * Checks the body of a bulk triage into b (which borrows from body):
 * known fields only, a known status, an optional note and exactly one
 * selector (ids: 1 to SIGNALS_BULK_MAX positive integers; run_id;
 * session_id).  Returns 0, or -1 with f naming the field at fault.
 */
static int
bulk_parse(json_t *body, struct bulk *b, struct fault *f)
{
	static const char *const fields[] = { "status", "note", "ids",
	    "run_id", "session_id", NULL };
	json_t *x, *js;
	const char *k;
	size_t i;
	int n;

	memset(b, 0, sizeof(*b));
	if (!json_is_object(body)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "the body must be a JSON object");
		return -1;
	}
	json_object_foreach(body, k, x) {
		for (i = 0; fields[i] != NULL && strcmp(fields[i], k) != 0;
		    i++)
			;
		if (fields[i] == NULL) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "unknown field '%.*s' (expected: status, note, "
			    "and one of ids, run_id, session_id)",
			    UTF8_CUT(k, 64));
			return -1;
		}
	}
	js = json_object_get(body, "status");
	for (i = 0; json_is_string(js) && signals_statuses[i] != NULL &&
	    strcmp(signals_statuses[i], json_string_value(js)) != 0; i++)
		;
	if (!json_is_string(js) || signals_statuses[i] == NULL) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body", "status must be "
		    "\"acknowledged\", \"resolved\" or \"open\"");
		f->param = "status";
		f->reason = json_is_string(js) ? "invalid" : "missing";
		return -1;
	}
	b->status = signals_statuses[i];
	if ((x = json_object_get(body, "note")) != NULL && !json_is_null(x) &&
	    bulk_text(x, "note", 0, 2000, &b->note, f) == -1)
		return -1;
	n = 0;
	if ((b->ids = json_object_get(body, "ids")) != NULL)
		n++;
	if ((x = json_object_get(body, "run_id")) != NULL) {
		n++;
		if (bulk_text(x, "run_id", 1, 256, &b->run_id, f) == -1)
			return -1;
	}
	if ((x = json_object_get(body, "session_id")) != NULL) {
		n++;
		if (bulk_text(x, "session_id", 1, 256, &b->session_id,
		    f) == -1)
			return -1;
	}
	if (n != 1) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body", "give exactly "
		    "one of ids, run_id, session_id (%s)",
		    n == 0 ? "none given" : "several given");
		return -1;
	}
	if (b->ids == NULL)
		return 0;
	if (!json_is_array(b->ids) || json_array_size(b->ids) == 0 ||
	    json_array_size(b->ids) > SIGNALS_BULK_MAX) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body", "ids must be "
		    "an array of 1 to %d signal ids", SIGNALS_BULK_MAX);
		f->param = "ids";
		f->reason = "invalid";
		return -1;
	}
	json_array_foreach(b->ids, i, x)
		if (!json_is_integer(x) || json_integer_value(x) < 1) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "ids[%zu] must be a positive integer", i);
			f->param = "ids";
			f->reason = "invalid";
			return -1;
		}
	return 0;
}

/* Adds (id, prev) to *v unless it is there or already has status. */
static void
bulk_add(struct bulk_sig **v, size_t *n, int64_t id, const char *prev,
    const char *status)
{
	size_t i;

	if (strcmp(prev, status) == 0)
		return;
	for (i = 0; i < *n; i++)
		if ((*v)[i].id == id)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].id = id;
	snprintf((*v)[*n].prev, sizeof((*v)[*n].prev), "%s", prev);
	(*n)++;
}

/*
 * The signals of the project b selects that are not yet in b->status,
 * into *v (*n of them; the caller frees *v).  Ids of other projects or
 * of no signal are left out.  Returns 1, 0 when b names a run or
 * session the project does not have, -1 on a storage error.
 */
static int
bulk_targets(struct db *db, int64_t project, const struct bulk *b,
    struct bulk_sig **v, size_t *n)
{
	struct db_query *st;
	json_t *x;
	size_t i;
	int rc;

	if (b->ids != NULL) {
		json_array_foreach(b->ids, i, x) {
			if ((st = DB_STMT(db, DBM_SIGNALS, STMT_GET)) == NULL ||
			    db_bind_int(db, st, 1, project) == -1 ||
			    db_bind_int(db, st, 2,
			    json_integer_value(x)) == -1 ||
			    (rc = db_step(db, st)) == -1)
				return -1;
			if (rc == DB_ROW)
				bulk_add(v, n, json_integer_value(x),
				    db_column_text(st, 0), b->status);
			db_reset(st);
		}
		return 1;
	}
	if ((st = DB_STMT(db, DBM_SIGNALS, b->run_id != NULL ?
	    STMT_FIND_RUN : STMT_FIND_SESSION)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, b->run_id != NULL ? b->run_id :
	    b->session_id) == -1 || (rc = db_step(db, st)) == -1)
		return -1;
	if (rc != DB_ROW)
		return 0;
	if (b->run_id != NULL) {
		int64_t run = db_col_int(st, 0);

		db_reset(st);
		if ((st = DB_STMT(db, DBM_SIGNALS, STMT_OF_RUN)) == NULL ||
		    db_bind_int(db, st, 2, run) == -1)
			return -1;
	} else {
		db_reset(st);
		if ((st = DB_STMT(db, DBM_SIGNALS, STMT_OF_SESSION)) == NULL ||
		    db_bind_text(db, st, 2, b->session_id) == -1)
			return -1;
	}
	if (db_bind_int(db, st, 1, project) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW)
		bulk_add(v, n, db_col_int(st, 0),
		    db_column_text(st, 1), b->status);
	db_reset(st);
	return rc == -1 ? -1 : 1;
}

/*
 * POST /api/tests/integrity/alerts {"status", "note"?, and one of
 * "ids", "run_id", "session_id"}: triages every selected signal of the
 * project in one transaction (signals already in that status are left
 * as they are; a missing note keeps each signal's note).  Returns 1
 * with *out {updated, signals: [ids]}, 0 when the run or session is
 * unknown, -1 with f set (400 bad body, 503 storage).
 */
int
signals_bulk(struct db *db, int64_t project, json_t *body, int64_t now,
    json_t **out, struct fault *f)
{
	struct bulk b;
	struct bulk_sig *v = NULL;
	struct db_query *st;
	json_t *ids;
	size_t i, n = 0;
	int rc;

	*out = NULL;
	if (bulk_parse(body, &b, f) == -1)
		return -1;
	if (db_begin(db) == -1)
		goto storage;
	if ((rc = bulk_targets(db, project, &b, &v, &n)) == -1)
		goto storage;
	if (rc == 0) {
		db_rollback(db);
		return 0;
	}
	ids = json_array();
	for (i = 0; i < n; i++) {
		if ((st = DB_STMT(db, DBM_SIGNALS, STMT_BULK_SET)) == NULL ||
		    db_bind_int(db, st, 1, v[i].id) == -1 ||
		    db_bind_text(db, st, 2, b.status) == -1 ||
		    db_bind_text(db, st, 3, b.note) == -1 ||
		    db_bind_int(db, st, 4, now) == -1 ||
		    db_step(db, st) == -1 ||
		    (st = DB_STMT(db, DBM_SIGNALS, STMT_EVENT)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, now) == -1 ||
		    db_bind_text(db, st, 3, b.status) == -1 ||
		    db_bind_int(db, st, 4, v[i].id) == -1 ||
		    db_bind_text(db, st, 5, v[i].prev) == -1 ||
		    db_bind_text(db, st, 6, b.note) == -1 ||
		    db_step(db, st) == -1) {
			json_decref(ids);
			goto storage;
		}
		json_array_append_new(ids, json_integer(v[i].id));
	}
	if (db_commit(db) == -1) {
		json_decref(ids);
		goto storage;
	}
	free(v);
	*out = json_pack("{sIso}", "updated", (json_int_t)n, "signals", ids);
	return 1;
storage:
	free(v);
	db_rollback(db);
	fault_set(f, FAULT_STORAGE, "storage",
	    "the signals could not be updated");
	return -1;
}
