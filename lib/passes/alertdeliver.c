/*
 * Delivering queued alert notifications (REP-5): each attempt is sent
 * with no transaction open (a slow receiver never holds the database),
 * then recorded with its HTTP status, error and time; a delivery that
 * failed is tried again after alert_retry_base_s seconds, doubling per
 * attempt up to an hour, until alert_max_attempts, then marked failed.
 * A delivered notification of an incident or a signal marks it
 * (incidents.alert_sent, signals.alerted).  The log channel writes the
 * alert to the log and is delivered at once.  Used by the alerts pass
 * for what is due and by the API's test send for one delivery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alertdeliver.h"
#include "alertsend.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "pass.h"
#include "tvtime.h"

#define DUE_MAX		100		/* deliveries sent per pass */
#define BACKOFF_MAX_S	3600
#define SEND_BUDGET_MS	60000		/* sending time per pass, about */

enum stmt {
	STMT_DUE,
	STMT_ATTEMPT,
	STMT_STATE,
	STMT_FIRING,
	STMT_INCIDENT_SENT,
	STMT_SIGNAL_SENT,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_DUE] =
	    "SELECT d.id, d.firing_id, d.attempts, d.kind, d.channel, d.body, "
	    "d.rule_name, r.url, r.secret, CASE WHEN r.id IS NULL THEN 0 ELSE "
	    "1 END FROM alert_deliveries d LEFT JOIN alert_rules r ON "
	    "r.id = d.rule_id WHERE d.project_id = ?1 AND d.status = "
	    "'pending' AND d.next_attempt_at <= ?2 ORDER BY "
	    "d.next_attempt_at, d.id LIMIT 100",
	[STMT_ATTEMPT] =
	    "INSERT INTO alert_attempts (delivery_id, at, status_code, error, "
	    "duration_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_STATE] =
	    "UPDATE alert_deliveries SET status = ?2, attempts = attempts + "
	    "1, next_attempt_at = ?3, finished_at = ?4 WHERE id = ?1",
	[STMT_FIRING] =
	    "SELECT condition, detail FROM alert_firings WHERE id = ?1",
	[STMT_INCIDENT_SENT] =
	    "UPDATE incidents SET alert_sent = 1 WHERE id = ?1 AND "
	    "project_id = ?2",
	[STMT_SIGNAL_SENT] =
	    "UPDATE signals SET alerted = 1 WHERE id = ?1 AND project_id = ?2",
};

#define STMT(db, i) DB_STMT((db), DBM_ALERTSEND, (i))

static const char *const states[] = { "delivered", "pending", "failed" };

/* Marks the incident or signal of delivered firing fid as alerted.
 * 0 or -1. */
static int
mark_subject(struct db *db, int64_t project, int64_t fid)
{
	struct db_query *st = STMT(db, STMT_FIRING), *up = NULL;
	json_t *d = NULL;
	int64_t id = 0;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, fid) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW && (d = json_loads(db_column_text(st, 1), 0,
	    NULL)) != NULL) {
		if (strcmp(db_column_text(st, 0), "incident_opened") == 0) {
			id = json_integer_value(json_object_get(d, "incident"));
			up = STMT(db, STMT_INCIDENT_SENT);
		} else if (strcmp(db_column_text(st, 0), "integrity_signal") ==
		    0) {
			id = json_integer_value(json_object_get(d,
			    "signal_id"));
			up = STMT(db, STMT_SIGNAL_SENT);
		}
	}
	db_reset(st);
	json_decref(d);
	if (id == 0)
		return 0;
	return up == NULL || db_bind_int(db, up, 1, id) == -1 ||
	    db_bind_int(db, up, 2, project) == -1 ? -1 :
	    db_step_done(db, up);
}

/* Records the attempt res at now on delivery d, which is now in state
 * (next attempt at next).  0 or -1 (rolled back). */
static int
record(struct db *db, const struct alert_delivery *d, int64_t now,
    const struct alertsend_result *res, int state, int64_t next)
{
	struct db_query *st;

	if (db_begin(db) == -1)
		return -1;
	if ((st = STMT(db, STMT_ATTEMPT)) == NULL ||
	    db_bind_int(db, st, 1, d->id) == -1 ||
	    db_bind_int(db, st, 2, now) == -1 ||
	    (res->status > 0 ? db_bind_int(db, st, 3, res->status) :
	    db_bind_null(db, st, 3)) == -1 ||
	    db_bind_text_opt(db, st, 4, res->error[0] != '\0' ? res->error :
	    NULL) == -1 || db_bind_int(db, st, 5, res->ms) == -1 ||
	    db_step_done(db, st) == -1 ||
	    (st = STMT(db, STMT_STATE)) == NULL ||
	    db_bind_int(db, st, 1, d->id) == -1 ||
	    db_bind_text(db, st, 2, states[state]) == -1 ||
	    (state == AS_RETRY ? db_bind_int(db, st, 3, next) :
	    db_bind_null(db, st, 3)) == -1 ||
	    (state == AS_RETRY ? db_bind_null(db, st, 4) :
	    db_bind_int(db, st, 4, now)) == -1 ||
	    db_step_done(db, st) == -1 ||
	    (state == AS_DELIVERED && d->firing_id > 0 &&
	    mark_subject(db, d->project_id, d->firing_id) == -1) ||
	    db_commit(db) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/*
 * Sends delivery d once at now and records the attempt: *state becomes
 * AS_DELIVERED, AS_RETRY (a later pass tries again) or AS_FAILED (the
 * last attempt, or last set: no retry).  *res says what the receiver
 * answered.  Returns 0, or -1 when recording failed.
 */
int
alertdeliver_one(struct db *db, const struct config *cfg,
    const struct alert_delivery *d, int64_t now, int last,
    struct alertsend_result *res, int *state)
{
	struct alertsend_limits lim = { (long)cfg->alert_connect_timeout_ms,
	    (long)cfg->alert_timeout_ms };
	int64_t wait_s = cfg->alert_retry_base_s;
	int64_t i;
	int ok;

	memset(res, 0, sizeof(*res));
	if (d->secret == NULL && d->url == NULL &&
	    strcmp(d->channel, "webhook") == 0) {
		snprintf(res->error, sizeof(res->error), "the rule is deleted or has no URL");
		ok = 0;
		last = 1;
	} else if (strcmp(d->channel, "log") == 0) {
		log_alert("rule '%s' (%s): %s", d->rule_name, d->kind, d->body);
		ok = 1;
	} else if ((ok = alertsend_webhook(d->url, d->body, d->secret != NULL ?
	    d->secret : "", d->id, d->kind, &lim, res)) == -1) {
		snprintf(res->error, sizeof(res->error), "libcurl could not be "
		    "set up");
		ok = 0;
	}
	for (i = 1; i < d->attempts + 1 && wait_s < BACKOFF_MAX_S; i++)
		wait_s *= 2;
	if (wait_s > BACKOFF_MAX_S)
		wait_s = BACKOFF_MAX_S;
	*state = ok ? AS_DELIVERED : last || d->attempts + 1 >=
	    cfg->alert_max_attempts ? AS_FAILED : AS_RETRY;
	return record(db, d, now, res, *state, now + wait_s * 1000);
}

/* One due delivery as read by STMT_DUE, copied (the statement's strings
 * do not outlive the next step). */
struct due {
	struct alert_delivery	 d;
	char			*strs[6];
};

/* Reads the project's due deliveries into a (at most DUE_MAX); returns
 * their number or -1. */
static long
due_read(struct pass_ctx *c, struct due *a)
{
	struct db_query *st = STMT(c->db, STMT_DUE);
	long n = 0;
	int rc, k;

	if (st == NULL || db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, c->now) == -1)
		return -1;
	while (n < DUE_MAX && (rc = db_step(c->db, st)) == DB_ROW) {
		struct due *u = &a[n++];

		u->d.id = db_col_int(st, 0);
		u->d.project_id = c->project_id;
		u->d.firing_id = db_col_null(st, 1) ? 0 : db_col_int(st, 1);
		u->d.attempts = db_col_int(st, 2);
		for (k = 0; k < 6; k++)
			u->strs[k] = db_col_null(st, 3 + k) ? NULL :
			    strdup(db_column_text(st, 3 + k));
		u->d.kind = u->strs[0];
		u->d.channel = u->strs[1];
		u->d.body = u->strs[2];
		u->d.rule_name = u->strs[3];
		u->d.url = db_col_int(st, 9) ? u->strs[4] : NULL;
		u->d.secret = db_col_int(st, 9) ? u->strs[5] : NULL;
	}
	db_reset(st);
	return n;
}

/*
 * Sends the project's deliveries that are due (at most DUE_MAX a pass,
 * and none begun after SEND_BUDGET_MS of sending, so slow receivers do
 * not hold the batch: the rest wait for the next pass), outside any
 * transaction, counting what became of them into t.
 * Returns 0, or -1 when the database failed (a receiver that fails is
 * not a failure of the pass).
 */
int
alertdeliver_due(struct pass_ctx *c, struct alerts_tally *t)
{
	struct due *a = calloc(DUE_MAX, sizeof(*a));
	struct alertsend_result res;
	double start = tvtime_mono_ms();
	long n, i;
	int k, state, rc = 0;

	if (a == NULL || (n = due_read(c, a)) == -1) {
		free(a);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && tvtime_mono_ms() - start > SEND_BUDGET_MS)
			rc = 1;		/* out of time: the rest stay due */
		if (rc == 0 && (a[i].d.kind == NULL || a[i].d.channel == NULL ||
		    a[i].d.body == NULL || a[i].d.rule_name == NULL))
			rc = -1;
		if (rc == 0 && alertdeliver_one(c->db, c->cfg, &a[i].d, c->now,
		    0, &res, &state) == -1)
			rc = -1;
		else if (rc == 0)
			state == AS_DELIVERED ? t->delivered++ :
			    state == AS_RETRY ? t->retrying++ : t->failed++;
		for (k = 0; k < 6; k++)
			free(a[i].strs[k]);
	}
	free(a);
	return rc == -1 ? -1 : 0;
}
