/*
 * Test states (API-26): an admin mutes or quarantines a test with a
 * reason, or makes it active again; CI fetches the quarantine list to
 * ignore known-flaky failures.  The state lives on the definition
 * (tests.state); results keep being stored whatever the state.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "fault.h"
#include "jval.h"
#include "teststate.h"
#include "utf8.h"

enum stmt {
	STMT_FIND,
	STMT_SET,
	STMT_EVENT,
	STMT_LIST,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_FIND] =
	    "SELECT id, state FROM tests WHERE project_id = ?1 AND "
	    "test_id = ?2 AND alias_of IS NULL",
	[STMT_SET] =
	    "UPDATE tests SET state = ?2, state_reason = ?3, state_at = ?4 "
	    "WHERE id = ?1",
	[STMT_EVENT] = DB_SQL2(
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'test_state', ?3, json_object('state', ?4, "
	    "'reason', ?5, 'previous', ?6))",
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'test_state', ?3, jsonb_build_object('state', "
	    "CAST(?4 AS TEXT), 'reason', CAST(?5 AS TEXT), 'previous', "
	    "CAST(?6 AS TEXT)))"),
	/* paused tests by the time they were paused, newest first */
	[STMT_LIST] =
	    "SELECT test_id, name, classname, file, identity_path, state, "
	    "state_reason, state_at, id FROM tests WHERE project_id = ?1 AND "
	    "state <> 'active' AND (state = ?2 OR ?2 IS NULL) AND "
	    "((state_at, id) < (?3, ?4) OR ?3 IS NULL) "
	    "ORDER BY state_at DESC, id DESC LIMIT ?5",
};

/*
 * PUT /api/tests/{test_id}/state {"state": "active"|"muted"|
 * "quarantined", "reason": "…"}: a reason (1 to 500 bytes) is required
 * to pause a test.  Returns 1 with *out {test_id, state, reason,
 * changed_at}, 0 when the test is not in the project, -1 with f set (400
 * bad body, 500 storage).
 */
int
teststate_set(struct db *db, int64_t project, const char *test_id,
    json_t *body, int64_t now, json_t **out, struct fault *f)
{
	static const char *const states[] = { "active", "muted",
	    "quarantined", NULL };
	json_t *js = json_object_get(body, "state");
	json_t *jr = json_object_get(body, "reason"), *x;
	const char *state, *reason = NULL, *k;
	char *prev = NULL;
	struct db_query *st;
	int64_t id;
	int i, rc;

	*out = NULL;
	json_object_foreach(body, k, x)
		if (strcmp(k, "state") != 0 && strcmp(k, "reason") != 0) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "unknown field '%.*s' (expected: state, "
			    "reason)", UTF8_CUT(k, 64));
			return -1;
		}
	if (!json_is_string(js)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "state must be one of active, muted, quarantined");
		return -1;
	}
	state = json_string_value(js);
	for (i = 0; states[i] != NULL && strcmp(states[i], state) != 0; i++)
		;
	if (states[i] == NULL) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "state '%.*s' is not one of active, muted, "
		    "quarantined", UTF8_CUT(state, 32));
		return -1;
	}
	if (jr != NULL && !json_is_null(jr) && !json_is_string(jr)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "reason must be a string");
		return -1;
	}
	if (json_is_string(jr))
		reason = json_string_value(jr);
	if (reason != NULL && (strlen(reason) > 500 || strlen(reason) !=
	    json_string_length(jr))) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "reason must be at most 500 bytes of text");
		return -1;
	}
	if (i > 0 && (reason == NULL || reason[strspn(reason, " \t\r\n")] ==
	    '\0')) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "a reason is required to mark a test %s", state);
		return -1;
	}
	if (db_begin(db) == -1)
		goto storage;
	if ((st = DB_STMT(db, DBM_TESTSTATE, STMT_FIND)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, test_id) == -1 ||
	    (rc = db_step(db, st)) == -1)
		goto storage;
	if (rc != DB_ROW) {
		db_reset(st);
		db_rollback(db);
		return 0;
	}
	id = db_col_int(st, 0);
	if ((prev = strdup(db_column_text(st, 1))) == NULL)
		abort();
	db_reset(st);
	if ((st = DB_STMT(db, DBM_TESTSTATE, STMT_SET)) == NULL ||
	    db_bind_int(db, st, 1, id) == -1 ||
	    db_bind_text(db, st, 2, state) == -1 ||
	    db_bind_text(db, st, 3, i > 0 ? reason : NULL) == -1 ||
	    db_bind_int(db, st, 4, now) == -1 || db_step(db, st) == -1)
		goto storage;
	if ((st = DB_STMT(db, DBM_TESTSTATE, STMT_EVENT)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, now) == -1 ||
	    db_bind_text(db, st, 3, test_id) == -1 ||
	    db_bind_text(db, st, 4, state) == -1 ||
	    db_bind_text(db, st, 5, reason) == -1 ||
	    db_bind_text(db, st, 6, prev) == -1 || db_step(db, st) == -1 ||
	    db_commit(db) == -1)
		goto storage;
	*out = jval_object();
	jval_set(*out, "test_id", jval_str(test_id));
	jval_set(*out, "state", jval_str(state));
	jval_set(*out, "previous_state", jval_str(prev));
	jval_set(*out, "reason", i > 0 ? jval_str(reason) : json_null());
	jval_set(*out, "changed_at", jval_time(now));
	free(prev);
	return 1;
storage:
	free(prev);
	db_rollback(db);
	fault_set(f, FAULT_STORAGE, "storage", "the state could not be stored");
	return -1;
}

/* One row of STMT_LIST as a paused test. */
static json_t *
paused_row(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "test_id", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	jval_set(o, "classname", jval_col_text(st, 2));
	jval_set(o, "file", jval_col_text(st, 3));
	jval_set(o, "identity_path", jval_col_text(st, 4));
	jval_set(o, "state", jval_col_text(st, 5));
	jval_set(o, "reason", jval_col_text(st, 6));
	jval_set(o, "since", jval_col_time(st, 7));
	return o;
}

/* The quarantine list pages by (since, id), newest first. */
static const struct cursor_list quarantine_paging = { "quarantine", "ii",
    { 7, 8 } };

/*
 * GET /api/tests/quarantine: paused tests (state: "quarantined" by
 * default, "muted", or NULL for both), newest first.  Returns 0,
 * CURSOR_BAD or -1; *out is a new object {tests, next_cursor}.
 */
int
teststate_list(struct db *db, int64_t project, const char *state,
    const char *cursor, int limit, json_t **out)
{
	struct cursor_page pg;
	struct db_query *st;

	if (cursor_page_open(&pg, &quarantine_paging, cursor, limit) != 0)
		return CURSOR_BAD;
	if ((st = DB_STMT(db, DBM_TESTSTATE, STMT_LIST)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, state) == -1 ||
	    cursor_page_bind(&pg, db, st, 3, 5) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	return cursor_page_list(&pg, db, st, paused_row, "tests", out);
}
