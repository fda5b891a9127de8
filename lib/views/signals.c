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
	    "(?2 IS NULL OR g.created_at >= ?2) AND "
	    "(?3 IS NULL OR g.signal_type = ?3) AND "
	    "(?4 IS NULL OR g.severity = ?4) AND "
	    "(?5 IS NULL OR g.status = ?5) AND "
	    "(?6 IS NULL OR r.session_id = ?6) AND "
	    "(?7 IS NULL OR (g.created_at, g.id) < (?7, ?8)) "
	    "ORDER BY g.created_at DESC, g.id DESC LIMIT ?9",
	[STMT_RUN] =
	    "SELECT " SIG_COLS " FROM " SIG_FROM " WHERE g.run = ?1 "
	    "ORDER BY g.id",
	[STMT_RUNS] =
	    "SELECT " SIG_COLS " FROM " SIG_FROM " WHERE g.run IN (SELECT "
	    "value FROM json_each(?1)) AND (?2 IS NULL OR t.feature = ?2) "
	    "ORDER BY g.created_at DESC, g.id DESC LIMIT ?3",
	[STMT_OPEN_COUNT] =
	    "SELECT count(*) FROM signals WHERE project_id = ?1 AND "
	    "status = 'open'",
	[STMT_GET] =
	    "SELECT status FROM signals WHERE project_id = ?1 AND id = ?2",
	[STMT_SET] =
	    "UPDATE signals SET status = ?2, note = ?3, updated_at = ?4 "
	    "WHERE id = ?1",
	[STMT_EVENT] =
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'signal_' || ?3, ?4, json_object('signal_id', "
	    "?4, 'previous', ?5, 'note', ?6))",
};

/* One signal row (SIG_COLS) as its API object. */
static json_t *
signal_json(sqlite3_stmt *st)
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
	ev = json_loads(db_column_text(st, 13), 0, NULL);
	jval_set(o, "evidence", ev != NULL ? ev : jval_object());
	jval_set(o, "created_at", jval_col_time(st, 14));
	jval_set(o, "updated_at", jval_col_time(st, 15));
	jval_set(o, "note", jval_col_text(st, 16));
	jval_set(o, "alerted", json_boolean(sqlite3_column_int(st, 17)));
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
	sqlite3_stmt *st;

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
	sqlite3_stmt *st;

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
	sqlite3_stmt *st;

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
	sqlite3_stmt *st;
	int64_t n = -1;

	if ((st = DB_STMT(db, DBM_SIGNALS, STMT_OPEN_COUNT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1)
		return -1;
	if (db_step(db, st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
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
	sqlite3_stmt *st;
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
	if (rc != SQLITE_ROW) {
		db_rollback(db);
		return 0;
	}
	snprintf(prev, sizeof(prev), "%s", db_column_text(st, 0));
	sqlite3_reset(st);
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
