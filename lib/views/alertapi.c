/*
 * The alert rules API (REP-5) for cgi-bin/alerts.c: rules created,
 * listed, read, changed and deleted (their definitions checked by
 * lib/passes/alertrule.c), what is firing now, the delivery history with
 * every attempt, and a test send.  The webhook URL and the HMAC secret
 * are answered in full once, when the rule is created; after that only
 * the URL's scheme and host and the secret's last four characters.
 * Answers are new JSON objects, the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertapi.h"
#include "alertdeliver.h"
#include "alertrule.h"
#include "alerts.h"
#include "alertsend.h"
#include "crypto.h"
#include "cursor.h"
#include "db.h"
#include "fault.h"
#include "jval.h"

#define SECRET_MIN	16
#define SECRET_MAX	256
#define SECRET_NEW	64	/* hex digits of a generated secret */
#define RULES_LIST_MAX	500
#define ATTEMPTS_MAX	100	/* attempts listed per delivery */

const char *const alertapi_statuses[] = { "pending", "delivered", "failed",
    NULL };

enum stmt {
	STMT_NAME_TAKEN,
	STMT_INSERT,
	STMT_LIST,
	STMT_GET,
	STMT_UPDATE,
	STMT_DELETE,
	STMT_DELETE_FIRINGS,
	STMT_DELETE_PENDING,
	STMT_STATUS,
	STMT_HISTORY,
	STMT_ATTEMPTS,
	STMT_TEST_ADD,
	STMT__MAX
};

#define RULE_COLS "id, definition, url, secret, created_at, updated_at"

static const char *const sql[STMT__MAX] = {
	[STMT_NAME_TAKEN] =
	    "SELECT id FROM alert_rules WHERE project_id = ?1 AND name = ?2 "
	    "AND id <> ?3",
	[STMT_INSERT] =
	    "INSERT INTO alert_rules (project_id, name, definition, url, "
	    "secret, enabled, created_at, updated_at) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?7) RETURNING " RULE_COLS,
	[STMT_LIST] =
	    "SELECT " RULE_COLS " FROM alert_rules WHERE project_id = ?1 "
	    "ORDER BY name, id LIMIT 500",
	[STMT_GET] =
	    "SELECT " RULE_COLS " FROM alert_rules WHERE project_id = ?1 AND "
	    "id = ?2",
	[STMT_UPDATE] =
	    "UPDATE alert_rules SET name = ?3, definition = ?4, url = ?5, "
	    "secret = ?6, enabled = ?7, updated_at = ?8 WHERE "
	    "project_id = ?1 AND id = ?2 RETURNING " RULE_COLS,
	[STMT_DELETE] =
	    "DELETE FROM alert_rules WHERE project_id = ?1 AND id = ?2",
	[STMT_DELETE_FIRINGS] =
	    "UPDATE alert_firings SET resolved_at = ?3 WHERE project_id = ?1 "
	    "AND rule_id = ?2 AND resolved_at IS NULL",
	[STMT_DELETE_PENDING] =
	    "UPDATE alert_deliveries SET status = 'failed', finished_at = ?3, "
	    "next_attempt_at = NULL WHERE project_id = ?1 AND rule_id = ?2 "
	    "AND status = 'pending'",
	[STMT_STATUS] =
	    "SELECT id, rule_id, rule_name, condition, subject, summary, "
	    "detail, opened_at, last_seen_at, matches, notified_at FROM "
	    "alert_firings WHERE project_id = ?1 AND resolved_at IS NULL "
	    "ORDER BY opened_at DESC, id DESC LIMIT 1000",
	[STMT_HISTORY] =
	    "SELECT id, rule_id, rule_name, firing_id, kind, channel, status, "
	    "attempts, created_at, finished_at, next_attempt_at, body FROM "
	    "alert_deliveries WHERE project_id = ?1 AND (rule_id = ?2 OR "
	    "CAST(?2 AS BIGINT) IS NULL) AND (status = ?3 OR CAST(?3 AS TEXT) "
	    "IS NULL) AND (id < ?4 OR CAST(?4 AS BIGINT) IS NULL) "
	    "ORDER BY id DESC LIMIT ?5",
	[STMT_ATTEMPTS] =
	    "SELECT at, status_code, error, duration_ms FROM alert_attempts "
	    "WHERE delivery_id = ?1 ORDER BY id LIMIT 100",
	[STMT_TEST_ADD] =
	    "INSERT INTO alert_deliveries (project_id, rule_id, rule_name, "
	    "kind, channel, body, next_attempt_at, created_at) VALUES (?1, "
	    "?2, ?3, 'test', ?4, ?5, ?6, ?6) RETURNING id",
};

#define STMT(db, i) DB_STMT((db), DBM_ALERTVIEWS, (i))

/* The history's pages: newest delivery first, by id. */
static const struct cursor_list history_paging = { "alerthist", "i",
    { 0 } };

/* The rule of row st (RULE_COLS) as the API shows it: url and secret in
 * full when full, else masked. */
static json_t *
rule_json(struct db_query *st, int full)
{
	json_t *o = jval_load(db_column_text(st, 1));
	char mask[300];
	const char *s;

	if (o == NULL)
		o = jval_object();
	jval_set(o, "rule_id", jval_col_int(st, 0));
	if (db_col_null(st, 2))
		jval_set(o, "url", json_null());
	else if (full)
		jval_set(o, "url", jval_col_text(st, 2));
	else {
		alertsend_url_mask(db_column_text(st, 2), mask, sizeof(mask));
		jval_set(o, "url", jval_str(mask));
	}
	s = db_col_null(st, 3) ? NULL : db_column_text(st, 3);
	if (s == NULL)
		jval_set(o, "secret", json_null());
	else if (full)
		jval_set(o, "secret", jval_str(s));
	else {
		snprintf(mask, sizeof(mask), "…%s", s + (strlen(s) > 4 ?
		    strlen(s) - 4 : 0));
		jval_set(o, "secret", jval_str(mask));
	}
	jval_set(o, "created_at", jval_col_time(st, 4));
	jval_set(o, "updated_at", jval_col_time(st, 5));
	return o;
}

/* Checks the secret of body into buf (bufsz bytes): given, kept (the
 * stored one, old; NULL none) or, for a webhook without one, made up.
 * 0 or -1 with f set. */
static int
secret_pick(const json_t *body, const char *old, int webhook, char *buf,
    size_t bufsz, struct fault *f)
{
	json_t *v = json_object_get(body, "secret");
	const char *s = json_string_value(v), *p;

	buf[0] = '\0';
	if (v != NULL && !json_is_null(v)) {
		for (p = s; p != NULL && *p > ' ' && *p <= '~'; p++)
			;
		if (s == NULL || *p != '\0' || p - s < SECRET_MIN ||
		    p - s > SECRET_MAX)
			return fault_param(f, "secret", "invalid", "secret must "
			    "be %d to %d printable ASCII characters without "
			    "spaces", SECRET_MIN, SECRET_MAX), -1;
		snprintf(buf, bufsz, "%s", s);
	} else if (old != NULL)
		snprintf(buf, bufsz, "%s", old);
	if (webhook && buf[0] == '\0' && crypto_random_hex(buf, SECRET_NEW) ==
	    -1)
		return fault_set(f, FAULT_INTERNAL, "internal", "no random "
		    "secret could be made"), -1;
	return 0;
}

/* Checks the url of body for rule r into buf: given, or kept (old).
 * 0 or -1 with f set. */
static int
url_pick(const json_t *body, const struct alert_rule *r, const char *old,
    char *buf, size_t bufsz, struct fault *f)
{
	json_t *v = json_object_get(body, "url");
	char why[200];

	buf[0] = '\0';
	if (r->channel == ACH_LOG) {
		if (v != NULL && !json_is_null(v))
			return fault_param(f, "url", "invalid", "url applies "
			    "only to the webhook channel"), -1;
		return 0;
	}
	if (v == NULL && old != NULL) {
		snprintf(buf, bufsz, "%s", old);
		return 0;
	}
	if (v == NULL || json_is_null(v))
		return fault_param(f, "url", "missing", "the webhook channel "
		    "needs a url"), -1;
	if (!json_is_string(v) || json_string_length(v) >= bufsz ||
	    alertsend_url_check(json_string_value(v), why, sizeof(why)) == -1)
		return fault_param(f, "url", "invalid", "%s", json_is_string(v) &&
		    json_string_length(v) < bufsz ? why : "url must be a "
		    "string of at most 2000 characters"), -1;
	snprintf(buf, bufsz, "%s", json_string_value(v));
	return 0;
}

/* Predicate (or -1): another rule of the project (not id) is named
 * name. */
static int
name_taken(struct db *db, int64_t project, const char *name, int64_t id)
{
	struct db_query *st = STMT(db, STMT_NAME_TAKEN);

	if (st == NULL || db_bind_int(db, st, 3, id) == -1)
		return -1;
	return db_exists_keyed(db, st, project, name);
}

/* The pieces of a rule to store, checked. */
struct rule_in {
	struct alert_rule	 r;
	char			*def;
	char			 url[2048], secret[SECRET_MAX + 1];
};

/*
 * Checks body as rule id of the project (0: a new one; old_url and
 * old_secret its stored ones) into *in (in->def the caller's to free).
 * 0, or -1 with f set.
 */
static int
rule_check(struct db *db, int64_t project, int64_t id, const json_t *body,
    const char *old_url, const char *old_secret, struct rule_in *in,
    struct fault *f)
{
	json_t *norm;
	int rc;

	in->def = NULL;
	if (alertrule_parse(body, 0, &in->r, &norm, f) == -1)
		return -1;
	in->def = json_dumps(norm, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(norm);
	if (in->def == NULL)
		return fault_set(f, FAULT_INTERNAL, "internal", "out of "
		    "memory"), -1;
	if (url_pick(body, &in->r, old_url, in->url, sizeof(in->url), f) ==
	    -1 || secret_pick(body, old_secret, in->r.channel == ACH_WEBHOOK,
	    in->secret, sizeof(in->secret), f) == -1)
		return -1;
	if ((rc = name_taken(db, project, in->r.name, id)) == -1)
		return fault_set(f, FAULT_STORAGE, "storage", "reading the "
		    "rules failed"), -1;
	if (rc == 1)
		return fault_set(f, FAULT_CONFLICT, "conflict", "a rule named "
		    "'%s' exists in this project", in->r.name), -1;
	return 0;
}

/* Binds the rule's stored pieces to st from parameter first on (name,
 * definition, url, secret, enabled).  0 or -1. */
static int
rule_bind(struct db *db, struct db_query *st, int first,
    const struct rule_in *in)
{
	return db_bind_text(db, st, first, in->r.name) == -1 ||
	    db_bind_text(db, st, first + 1, in->def) == -1 ||
	    db_bind_text_opt(db, st, first + 2, in->url[0] != '\0' ?
	    in->url : NULL) == -1 ||
	    db_bind_text_opt(db, st, first + 3, in->secret[0] != '\0' ?
	    in->secret : NULL) == -1 ||
	    db_bind_int(db, st, first + 4, in->r.enabled) == -1 ? -1 : 0;
}

/*
 * POST /api/alerts/rules: stores the rule of body for project, made at
 * now, and answers it into *out with its url and secret in full (the
 * only time).  1, or -1 with f set (400, 409, storage).
 */
int
alertapi_create(struct db *db, int64_t project, json_t *body, int64_t now,
    json_t **out, struct fault *f)
{
	struct rule_in in;
	struct db_query *st;
	int rc = -1;

	if (rule_check(db, project, 0, body, NULL, NULL, &in, f) == 0) {
		if ((st = STMT(db, STMT_INSERT)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    rule_bind(db, st, 2, &in) == -1 ||
		    db_bind_int(db, st, 7, now) == -1 ||
		    db_step(db, st) != DB_ROW)
			fault_set(f, FAULT_STORAGE, "storage", "storing the "
			    "rule failed");
		else {
			*out = rule_json(st, 1);
			rc = 1;
		}
		if (st != NULL)
			db_reset(st);
	}
	free(in.def);
	return rc;
}

/* GET /api/alerts/rules: {rules: [...]} by name, masked.  1 or -1. */
int
alertapi_list(struct db *db, int64_t project, json_t **out)
{
	struct db_query *st = STMT(db, STMT_LIST);
	json_t *a = jval_array();
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1) {
		json_decref(a);
		return -1;
	}
	while ((rc = db_step(db, st)) == DB_ROW)
		jval_push(a, rule_json(st, 0));
	db_reset(st);
	if (rc == -1) {
		json_decref(a);
		return -1;
	}
	*out = json_pack("{so}", "rules", a);
	return 1;
}

/* Steps st (bound to the project and rule id) for the rule into *out,
 * full or masked.  1, 0 no such rule, -1. */
static int
rule_one(struct db *db, struct db_query *st, int full, json_t **out)
{
	int rc = db_step(db, st);

	if (rc == DB_ROW)
		*out = rule_json(st, full);
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/* GET /api/alerts/rules/{id}: the rule, masked.  1, 0 unknown, -1. */
int
alertapi_get(struct db *db, int64_t project, int64_t id, json_t **out)
{
	struct db_query *st = STMT(db, STMT_GET);

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1)
		return -1;
	return rule_one(db, st, 0, out);
}

/* The stored url and secret of rule id into url and secret ("" none).
 * 1, 0 unknown, -1. */
static int
stored_keys(struct db *db, int64_t project, int64_t id, char *url,
    size_t urlsz, char *secret, size_t secretsz)
{
	struct db_query *st = STMT(db, STMT_GET);
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1 || (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		snprintf(url, urlsz, "%s", db_col_null(st, 2) ? "" :
		    db_column_text(st, 2));
		snprintf(secret, secretsz, "%s", db_col_null(st, 3) ? "" :
		    db_column_text(st, 3));
	}
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * PUT /api/alerts/rules/{id}: replaces rule id's definition with body at
 * now; url and secret, when body leaves them out, stay.  Answers the
 * rule masked into *out.  1, 0 unknown, -1 with f set.
 */
int
alertapi_update(struct db *db, int64_t project, int64_t id, json_t *body,
    int64_t now, json_t **out, struct fault *f)
{
	struct rule_in in;
	struct db_query *st;
	char url[2048], secret[SECRET_MAX + 1];
	int rc;

	if ((rc = stored_keys(db, project, id, url, sizeof(url), secret,
	    sizeof(secret))) != 1) {
		if (rc == -1)
			fault_set(f, FAULT_STORAGE, "storage", "reading the rule "
			    "failed");
		return rc;
	}
	rc = -1;
	if (rule_check(db, project, id, body, url[0] != '\0' ? url : NULL,
	    secret[0] != '\0' ? secret : NULL, &in, f) == 0) {
		if ((st = STMT(db, STMT_UPDATE)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, id) == -1 ||
		    rule_bind(db, st, 3, &in) == -1 ||
		    db_bind_int(db, st, 8, now) == -1 ||
		    (rc = rule_one(db, st, 0, out)) == -1)
			fault_set(f, FAULT_STORAGE, "storage", "storing the "
			    "rule failed");
	}
	free(in.def);
	return rc;
}

/*
 * DELETE /api/alerts/rules/{id}: deletes the rule, resolves its open
 * firings and fails its pending deliveries, at now, in one transaction
 * (history stays, under the rule's name).  1, 0 unknown, -1.
 */
int
alertapi_delete(struct db *db, int64_t project, int64_t id, int64_t now)
{
	static const enum stmt steps[] = { STMT_DELETE, STMT_DELETE_FIRINGS,
	    STMT_DELETE_PENDING };
	struct db_query *st;
	int64_t gone = 0;
	size_t i;

	if (db_begin(db) == -1)
		return -1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((st = STMT(db, steps[i])) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, id) == -1 ||
		    (i > 0 && db_bind_int(db, st, 3, now) == -1) ||
		    db_step_done(db, st) == -1) {
			db_rollback(db);
			return -1;
		}
		if (i == 0 && (gone = db_changes(db)) == 0) {
			db_rollback(db);
			return 0;
		}
	}
	return db_commit(db) == -1 ? -1 : 1;
}

/* The firing of row st (STMT_STATUS). */
static json_t *
firing_json(struct db_query *st)
{
	json_t *o = jval_object(), *d = jval_load(db_column_text(st, 6));

	jval_set(o, "firing_id", jval_col_int(st, 0));
	jval_set(o, "rule_id", jval_col_int(st, 1));
	jval_set(o, "rule_name", jval_col_text(st, 2));
	jval_set(o, "condition", jval_col_text(st, 3));
	jval_set(o, "subject", jval_col_text(st, 4));
	jval_set(o, "summary", jval_col_text(st, 5));
	jval_set(o, "detail", d != NULL ? d : jval_object());
	jval_set(o, "opened_at", jval_col_time(st, 7));
	jval_set(o, "last_seen_at", jval_col_time(st, 8));
	jval_set(o, "matches", jval_col_int(st, 9));
	jval_set(o, "notified_at", jval_col_time(st, 10));
	return o;
}

/* GET /api/alerts/status: {firing: [...], count}, newest first.  1/-1. */
int
alertapi_status(struct db *db, int64_t project, json_t **out)
{
	struct db_query *st = STMT(db, STMT_STATUS);
	json_t *a;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    (a = jval_rows(db, st, firing_json)) == NULL)
		return -1;
	*out = json_pack("{sIso}", "count", (json_int_t)json_array_size(a),
	    "firing", a);
	return 1;
}

/* The delivery of row st (STMT_HISTORY), its attempts to be added. */
static json_t *
delivery_json(struct db_query *st)
{
	json_t *o = jval_object(), *b = jval_load(db_column_text(st, 11)), *s;

	jval_set(o, "delivery_id", jval_col_int(st, 0));
	jval_set(o, "rule_id", db_col_null(st, 1) ? json_null() :
	    jval_col_int(st, 1));
	jval_set(o, "rule_name", jval_col_text(st, 2));
	jval_set(o, "firing_id", db_col_null(st, 3) ? json_null() :
	    jval_col_int(st, 3));
	jval_set(o, "kind", jval_col_text(st, 4));
	jval_set(o, "channel", jval_col_text(st, 5));
	jval_set(o, "status", jval_col_text(st, 6));
	jval_set(o, "attempt_count", jval_col_int(st, 7));
	jval_set(o, "created_at", jval_col_time(st, 8));
	jval_set(o, "finished_at", jval_col_time(st, 9));
	jval_set(o, "next_attempt_at", jval_col_time(st, 10));
	/* Our body has a summary; a Slack body has the same line as text. */
	s = b == NULL ? NULL : json_object_get(b, "summary");
	if (s == NULL && b != NULL)
		s = json_object_get(b, "text");
	jval_set(o, "summary", json_is_string(s) ? json_incref(s) :
	    json_null());
	json_decref(b);
	return o;
}

/* The attempt of row st (STMT_ATTEMPTS). */
static json_t *
attempt_json(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "at", jval_col_time(st, 0));
	jval_set(o, "status_code", db_col_null(st, 1) ? json_null() :
	    jval_col_int(st, 1));
	jval_set(o, "error", db_col_null(st, 2) ? json_null() :
	    jval_col_text(st, 2));
	jval_set(o, "duration_ms", jval_col_int(st, 3));
	return o;
}

/* Adds each delivery of the array its attempts.  0 or -1. */
static int
attempts_add(struct db *db, json_t *deliveries)
{
	struct db_query *st = STMT(db, STMT_ATTEMPTS);
	json_t *d, *a;
	size_t i;

	if (st == NULL)
		return -1;
	json_array_foreach(deliveries, i, d) {
		if (db_bind_int(db, st, 1, json_integer_value(json_object_get(d,
		    "delivery_id"))) == -1 ||
		    (a = jval_rows(db, st, attempt_json)) == NULL)
			return -1;
		jval_set(d, "attempts", a);
	}
	return 0;
}

/*
 * GET /api/alerts/history: {deliveries: [...] newest first, each with
 * its attempts, next_cursor}.  0 with *out set, CURSOR_BAD, or -1.
 */
int
alertapi_history(struct db *db, int64_t project,
    const struct alertapi_history *f, json_t **out)
{
	struct cursor_page pg;
	struct db_query *st;

	if (cursor_page_open(&pg, &history_paging, f->cursor, f->limit) != 0)
		return CURSOR_BAD;
	if ((st = STMT(db, STMT_HISTORY)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    (f->rule_id > 0 ? db_bind_int(db, st, 2, f->rule_id) :
	    db_bind_null(db, st, 2)) == -1 ||
	    db_bind_text_opt(db, st, 3, f->status) == -1 ||
	    cursor_page_bind(&pg, db, st, 4, 5) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	if (cursor_page_list(&pg, db, st, delivery_json, "deliveries", out) ==
	    -1)
		return -1;
	if (attempts_add(db, json_object_get(*out, "deliveries")) == -1) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The rule's stored pieces a test send needs, copied. */
struct rule_row {
	struct alert_rule	 r;
	char			 url[2048], secret[SECRET_MAX + 1];
};

/* Reads rule id of the project into *rr.  1, 0 unknown, -1. */
static int
rule_read(struct db *db, int64_t project, int64_t id, struct rule_row *rr)
{
	struct db_query *st = STMT(db, STMT_GET);
	struct fault f;
	json_t *def = NULL;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, id) == -1 || (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		def = jval_load(db_column_text(st, 1));
		snprintf(rr->url, sizeof(rr->url), "%s", db_col_null(st, 2) ?
		    "" : db_column_text(st, 2));
		snprintf(rr->secret, sizeof(rr->secret), "%s",
		    db_col_null(st, 3) ? "" : db_column_text(st, 3));
	}
	db_reset(st);
	if (rc != DB_ROW)
		return 0;
	memset(&f, 0, sizeof(f));
	rc = def != NULL && alertrule_parse(def, 1, &rr->r, NULL, &f) == 0;
	json_decref(def);
	rr->r.id = id;
	return rc ? 1 : -1;
}

/* Queues a test delivery of rule rr (body) at now; its id or -1. */
static int64_t
test_queue(struct db *db, int64_t project, const struct rule_row *rr,
    const char *body, int64_t now)
{
	struct db_query *st = STMT(db, STMT_TEST_ADD);
	int64_t id = -1;

	if (st != NULL && db_bind_int(db, st, 1, project) == 0 &&
	    db_bind_int(db, st, 2, rr->r.id) == 0 &&
	    db_bind_text(db, st, 3, rr->r.name) == 0 &&
	    db_bind_text(db, st, 4, rr->r.channel == ACH_LOG ? "log" :
	    "webhook") == 0 && db_bind_text(db, st, 5, body) == 0 &&
	    db_bind_int(db, st, 6, now) == 0 && db_step(db, st) == DB_ROW)
		id = db_col_int(st, 0);
	if (st != NULL)
		db_reset(st);
	return id;
}

/*
 * POST /api/alerts/rules/{id}/test: sends rule id of project (slug) a
 * test notification now, once and without retries, recorded in the
 * history like any other.  Answers {delivery_id, delivered, status_code,
 * error, duration_ms} into *out.  1, 0 unknown rule, -1.
 */
int
alertapi_test(struct db *db, const struct config *cfg, int64_t project,
    const char *slug, int64_t id, int64_t now, json_t **out)
{
	struct rule_row rr;
	struct alert_delivery d;
	struct alertsend_result res;
	json_t *a, *detail;
	char *body, summary[200];
	int rc, state;

	if ((rc = rule_read(db, project, id, &rr)) != 1)
		return rc;
	snprintf(summary, sizeof(summary), "A test notification from rule "
	    "'%s'", rr.r.name);
	detail = jval_object();
	a = alerts_payload(slug, &rr.r, "test", 0, "test", summary, detail,
	    now, 0, now);
	json_decref(detail);
	body = alertsend_body(rr.r.channel == ACH_LOG ? AF_JSON : rr.r.format,
	    a);
	json_decref(a);
	if (body == NULL || (d.id = test_queue(db, project, &rr, body,
	    now)) == -1) {
		free(body);
		return -1;
	}
	d.project_id = project;
	d.firing_id = 0;
	d.attempts = 0;
	d.kind = "test";
	d.channel = rr.r.channel == ACH_LOG ? "log" : "webhook";
	d.body = body;
	d.rule_name = rr.r.name;
	d.url = rr.url[0] != '\0' ? rr.url : NULL;
	d.secret = rr.secret[0] != '\0' ? rr.secret : NULL;
	rc = alertdeliver_one(db, cfg, &d, now, 1, &res, &state);
	free(body);
	if (rc == -1)
		return -1;
	*out = json_pack("{sIsbsoss?sI}", "delivery_id", (json_int_t)d.id,
	    "delivered", state == AS_DELIVERED, "status_code", res.status > 0 ?
	    json_integer(res.status) : json_null(), "error", res.error[0] !=
	    '\0' ? res.error : NULL,
	    "duration_ms", (json_int_t)res.ms);
	return 1;
}
