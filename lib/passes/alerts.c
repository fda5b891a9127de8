/*
 * The batch `alerts` pass (REP-5): judges a project's enabled alert
 * rules against what happened since its watermark, read from the events
 * (a run stored, an incident opened, a flaky test found, an integrity
 * signal raised), each rule only against events after its creation.  A
 * condition that holds for a subject opens an alert_firings row, or
 * counts another match on the open one; a notification is queued unless
 * one went out for that rule and subject within the rule's cool-down.
 * A run-level condition that no longer holds for a run's stream, and an
 * incident closed, a test no longer flaky or no open signal left
 * resolve the firing.  Then the due deliveries are sent
 * (lib/passes/alertdeliver.c).  The rules and their checks are
 * lib/passes/alertrule.c's; this module owns the firings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertrule.h"
#include "alertdeliver.h"
#include "alerts.h"
#include "branch.h"
#include "alertsend.h"
#include "db.h"
#include "fault.h"
#include "jval.h"
#include "pass.h"
#include "runstream.h"

#define RULES_MAX	500	/* enabled rules judged per project */
#define EVENTS_CHUNK	200	/* events per transaction */
#define LIST_MAX	10	/* new failures named in an alert */
#define DURATIONS_MAX	100

enum stmt {
	STMT_RULES,
	STMT_EVENTS_MAX,
	STMT_EVENTS,
	STMT_RUN,
	STMT_NEW_FAILURES,
	STMT_INCIDENT,
	STMT_SIGNAL,
	STMT_FIRING_OPEN,
	STMT_FIRING_ADD,
	STMT_FIRING_SEEN,
	STMT_LAST_NOTIFIED,
	STMT_NOTIFIED,
	STMT_DELIVERY_ADD,
	STMT_RESOLVE,
	STMT_OPEN_FIRINGS,
	STMT_INCIDENT_OPEN,
	STMT_STILL_FLAKY,
	STMT_SIGNALS_OPEN,
	STMT_RESOLVE_ID,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_RULES] =
	    "SELECT id, definition, created_at FROM alert_rules WHERE "
	    "project_id = ?1 AND enabled = 1 ORDER BY id LIMIT 500",
	[STMT_EVENTS_MAX] =
	    "SELECT coalesce(max(id), 0) FROM events WHERE project_id = ?1",
	[STMT_EVENTS] =
	    "SELECT id, kind, subject, payload, at FROM events WHERE "
	    "project_id = ?1 AND id > ?2 AND id <= ?3 AND at >= ?4 AND kind "
	    "IN ('run_ingested', 'incident_opened', 'flaky_detected', "
	    "'signal_raised') ORDER BY id LIMIT 200",
	[STMT_RUN] =
	    "SELECT id, branch, job, started_at, tests, passed, failed, "
	    "errors, duration_ms FROM runs WHERE project_id = ?1 AND "
	    "run_id = ?2",
	/* failing in run ?1, not in run ?2, neither quarantined nor flaky */
	[STMT_NEW_FAILURES] =
	    "SELECT t.test_id, t.name, x.message FROM results r JOIN tests t "
	    "ON t.id = r.test LEFT JOIN results p ON p.run = ?2 AND "
	    "p.test = r.test LEFT JOIN result_texts x ON x.run = r.run AND "
	    "x.test = r.test WHERE r.run = ?1 AND r.status IN (1, 2) AND "
	    "(p.status IS NULL OR p.status NOT IN (1, 2)) AND "
	    "t.state <> 'quarantined' AND NOT EXISTS (SELECT 1 FROM "
	    "flaky_states f WHERE f.test = r.test AND f.state = 'flaky') "
	    "ORDER BY t.name, t.id",
	[STMT_INCIDENT] =
	    "SELECT i.branch, i.message, r.run_id, r.job, t.name FROM "
	    "incidents i JOIN runs r ON r.id = i.opened_run JOIN tests t ON "
	    "t.id = i.test WHERE i.id = ?1 AND i.project_id = ?2",
	[STMT_SIGNAL] =
	    "SELECT s.signal_type, s.severity, s.message, r.run_id, r.branch, "
	    "r.job FROM signals s JOIN runs r ON r.id = s.run WHERE "
	    "s.id = ?1 AND s.project_id = ?2",
	[STMT_FIRING_OPEN] =
	    "SELECT id, opened_at, matches FROM alert_firings WHERE "
	    "rule_id = ?1 AND subject = ?2 AND resolved_at IS NULL",
	[STMT_FIRING_ADD] =
	    "INSERT INTO alert_firings (project_id, rule_id, rule_name, "
	    "condition, subject, summary, detail, opened_at, last_seen_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
	[STMT_FIRING_SEEN] =
	    "UPDATE alert_firings SET last_seen_at = ?2, matches = matches + "
	    "1, summary = ?3, detail = ?4 WHERE id = ?1",
	[STMT_LAST_NOTIFIED] =
	    "SELECT max(notified_at) FROM alert_firings WHERE rule_id = ?1 "
	    "AND subject = ?2",
	[STMT_NOTIFIED] =
	    "UPDATE alert_firings SET notified_at = ?2 WHERE id = ?1",
	[STMT_DELIVERY_ADD] =
	    "INSERT INTO alert_deliveries (project_id, rule_id, rule_name, "
	    "firing_id, kind, channel, body, next_attempt_at, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
	[STMT_RESOLVE] =
	    "UPDATE alert_firings SET resolved_at = ?3 WHERE rule_id = ?1 AND "
	    "subject = ?2 AND resolved_at IS NULL",
	[STMT_OPEN_FIRINGS] =
	    "SELECT id, condition, subject, detail FROM alert_firings WHERE "
	    "project_id = ?1 AND resolved_at IS NULL AND condition IN "
	    "('incident_opened', 'flaky_detected', 'integrity_signal') "
	    "ORDER BY id",
	[STMT_INCIDENT_OPEN] =
	    "SELECT 1 FROM incidents WHERE id = ?1 AND closed_at IS NULL",
	[STMT_STILL_FLAKY] =
	    "SELECT 1 FROM flaky_states f JOIN tests t ON t.id = f.test "
	    "WHERE t.project_id = ?1 AND t.test_id = ?2 AND f.state = 'flaky'",
	[STMT_SIGNALS_OPEN] =
	    "SELECT 1 FROM signals s JOIN runs r ON r.id = s.run WHERE "
	    "s.project_id = ?1 AND s.signal_type = ?2 AND "
	    "r.branch IS NOT DISTINCT FROM ?3 AND s.status = 'open' LIMIT 1",
	[STMT_RESOLVE_ID] =
	    "UPDATE alert_firings SET resolved_at = ?2 WHERE id = ?1",
};

#define STMT(db, i) DB_STMT((db), DBM_ALERTS, (i))

/* The pass's rules and figures, for one project. */
struct judge {
	struct alert_rule	 rules[RULES_MAX];
	int64_t			 created[RULES_MAX];
	size_t			 n;
	int64_t			 events_max, since;
	struct alerts_tally	 t;
};

/* A run as the run-level conditions judge it. */
struct jrun {
	int64_t		 id, started_at, tests, passed, failed, errors;
	int64_t		 duration_ms;	/* -1: unknown */
	const char	*run_id;
	char		 branch[BRANCH_BYTES], job[JOB_BYTES];
	int		 has_branch, has_job;
	char		 subject[1600];
};

/* Steps st for one optional integer into *v (*v untouched when no row
 * or NULL); 1 row, 0 none, -1 error; st reset. */
static int
one_int(struct db *db, struct db_query *st, int64_t *v)
{
	int rc = db_step(db, st);

	if (rc == DB_ROW && !db_col_null(st, 0))
		*v = db_col_int(st, 0);
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/* Loads the project's enabled rules into j (a definition that no longer
 * parses is skipped).  0 or -1. */
static int
rules_load(struct pass_ctx *c, struct judge *j)
{
	struct db_query *st = STMT(c->db, STMT_RULES);
	struct fault f;
	json_t *def;
	int rc;

	j->n = 0;
	if (st == NULL || db_bind_int(c->db, st, 1, c->project_id) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW && j->n < RULES_MAX) {
		def = json_loads(db_column_text(st, 1), 0, NULL);
		if (def != NULL && alertrule_parse(def, 1, &j->rules[j->n],
		    NULL, &f) == 0) {
			j->rules[j->n].id = db_col_int(st, 0);
			j->created[j->n] = db_col_int(st, 2);
			if (j->n == 0 || j->created[j->n] < j->since)
				j->since = j->created[j->n];
			j->n++;
		}
		json_decref(def);
	}
	db_reset(st);
	return rc == -1 ? -1 : 0;
}

/*
 * The alert object of firing id of rule r for subject (our webhook body;
 * the Slack one is made from it): kind is firing, reminder or test.
 * detail is borrowed.  Returns a new object.
 */
json_t *
alerts_payload(const char *project, const struct alert_rule *r,
    const char *kind, int64_t firing, const char *subject,
    const char *summary, json_t *detail, int64_t opened, int64_t matches,
    int64_t now)
{
	json_t *o = jval_object(), *rule = jval_object();

	jval_set(rule, "id", jval_int(r->id));
	jval_set(rule, "name", jval_str(r->name));
	jval_set(rule, "condition", jval_str(alert_conditions[r->cond]));
	jval_set(o, "event", jval_str("alert"));
	jval_set(o, "kind", jval_str(kind));
	jval_set(o, "project", jval_str(project));
	jval_set(o, "rule", rule);
	jval_set(o, "firing_id", firing > 0 ? jval_int(firing) : json_null());
	jval_set(o, "subject", jval_str(subject));
	jval_set(o, "summary", jval_str(summary));
	jval_set(o, "opened_at", jval_time(opened));
	jval_set(o, "matches", jval_int(matches));
	jval_set(o, "sent_at", jval_time(now));
	jval_set(o, "detail", json_incref(detail));
	return o;
}

/* Queues the notification of firing fid (opened at, matches) of rule r
 * and marks the firing notified.  0 or -1. */
static int
notify(struct pass_ctx *c, const struct alert_rule *r, int64_t fid,
    const char *kind, const char *subject, const char *summary,
    json_t *detail, int64_t opened, int64_t matches)
{
	json_t *a = alerts_payload(c->project, r, kind, fid, subject, summary,
	    detail, opened, matches, c->now);
	struct db_query *st = STMT(c->db, STMT_DELIVERY_ADD);
	char *body = alertsend_body(r->channel == ACH_LOG ? AF_JSON :
	    r->format, a);
	int rc;

	json_decref(a);
	if (body == NULL)
		return -1;
	rc = st == NULL || db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, r->id) == -1 ||
	    db_bind_text(c->db, st, 3, r->name) == -1 ||
	    db_bind_int(c->db, st, 4, fid) == -1 ||
	    db_bind_text(c->db, st, 5, kind) == -1 ||
	    db_bind_text(c->db, st, 6, r->channel == ACH_LOG ? "log" :
	    "webhook") == -1 || db_bind_text(c->db, st, 7, body) == -1 ||
	    db_bind_int(c->db, st, 8, c->now) == -1 ||
	    db_step_done(c->db, st) == -1 ? -1 : 0;
	free(body);
	if (rc == 0 && ((st = STMT(c->db, STMT_NOTIFIED)) == NULL ||
	    db_bind_int(c->db, st, 1, fid) == -1 ||
	    db_bind_int(c->db, st, 2, c->now) == -1 ||
	    db_step_done(c->db, st) == -1))
		rc = -1;
	return rc;
}

/* The open firing of rule r for subject: 1 with *id, *opened, *matches;
 * 0 none; -1. */
static int
firing_open(struct pass_ctx *c, const struct alert_rule *r,
    const char *subject, int64_t *id, int64_t *opened, int64_t *matches)
{
	struct db_query *st = STMT(c->db, STMT_FIRING_OPEN);
	int rc;

	if (st == NULL || db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_text(c->db, st, 2, subject) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		*id = db_col_int(st, 0);
		*opened = db_col_int(st, 1);
		*matches = db_col_int(st, 2) + 1;
	}
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * Rule r's condition holds for subject: opens its firing or counts a
 * match on the open one, and queues a notification unless one went out
 * for r and subject within the cool-down.  Owns detail.  0 or -1.
 */
static int
fire(struct pass_ctx *c, struct judge *j, const struct alert_rule *r,
    const char *subject, const char *summary, json_t *detail)
{
	struct db_query *st;
	char *text = json_dumps(detail, JSON_COMPACT);
	int64_t id = 0, opened = c->now, matches = 1, last = -1;
	int rc, open;

	if (text == NULL || (open = firing_open(c, r, subject, &id, &opened,
	    &matches)) == -1)
		goto fail;
	if (open) {
		st = STMT(c->db, STMT_FIRING_SEEN);
		rc = st == NULL || db_bind_int(c->db, st, 1, id) == -1 ||
		    db_bind_int(c->db, st, 2, c->now) == -1 ||
		    db_bind_text(c->db, st, 3, summary) == -1 ||
		    db_bind_text(c->db, st, 4, text) == -1 ? -1 :
		    db_step_done(c->db, st);
	} else {
		st = STMT(c->db, STMT_FIRING_ADD);
		rc = st == NULL || db_bind_int(c->db, st, 1, c->project_id) ==
		    -1 || db_bind_int(c->db, st, 2, r->id) == -1 ||
		    db_bind_text(c->db, st, 3, r->name) == -1 ||
		    db_bind_text(c->db, st, 4, alert_conditions[r->cond]) ==
		    -1 || db_bind_text(c->db, st, 5, subject) == -1 ||
		    db_bind_text(c->db, st, 6, summary) == -1 ||
		    db_bind_text(c->db, st, 7, text) == -1 ||
		    db_bind_int(c->db, st, 8, c->now) == -1 ? -1 :
		    one_int(c->db, st, &id) == 1 ? 0 : -1;
	}
	if (rc == -1 || (st = STMT(c->db, STMT_LAST_NOTIFIED)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_text(c->db, st, 2, subject) == -1 ||
	    one_int(c->db, st, &last) == -1)
		goto fail;
	open ? j->t.reminded++ : j->t.fired++;
	c->changed++;
	if (last >= 0 && c->now - last < r->cooldown_s * 1000) {
		j->t.suppressed++;
		rc = 0;
	} else
		rc = notify(c, r, id, open ? "reminder" : "firing", subject,
		    summary, detail, opened, matches);
	free(text);
	json_decref(detail);
	return rc;
fail:
	free(text);
	json_decref(detail);
	return -1;
}

/* Rule r's condition no longer holds for subject: resolves its open
 * firing, if any.  0 or -1. */
static int
resolve(struct pass_ctx *c, struct judge *j, const struct alert_rule *r,
    const char *subject)
{
	struct db_query *st = STMT(c->db, STMT_RESOLVE);

	if (st == NULL || db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_text(c->db, st, 2, subject) == -1 ||
	    db_bind_int(c->db, st, 3, c->now) == -1 ||
	    db_step_done(c->db, st) == -1)
		return -1;
	if (db_changes(c->db) > 0) {
		j->t.resolved++;
		c->changed++;
	}
	return 0;
}

/* Reads the run run_id of the project into *r; 1, 0 unknown, -1. */
static int
run_read(struct pass_ctx *c, const char *run_id, struct jrun *r)
{
	struct db_query *st = STMT(c->db, STMT_RUN);
	int rc;

	if (st == NULL || db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_text(c->db, st, 2, run_id) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		r->id = db_col_int(st, 0);
		r->has_branch = !db_col_null(st, 1);
		r->has_job = !db_col_null(st, 2);
		snprintf(r->branch, sizeof(r->branch), "%s", r->has_branch ?
		    db_column_text(st, 1) : "");
		snprintf(r->job, sizeof(r->job), "%s", r->has_job ?
		    db_column_text(st, 2) : "");
		r->started_at = db_col_int(st, 3);
		r->tests = db_col_int(st, 4);
		r->passed = db_col_int(st, 5);
		r->failed = db_col_int(st, 6);
		r->errors = db_col_int(st, 7);
		r->duration_ms = db_col_null(st, 8) ? -1 : db_col_int(st, 8);
		r->run_id = run_id;
		snprintf(r->subject, sizeof(r->subject), "%s%s%s",
		    r->has_branch ? r->branch : "(no branch)",
		    r->has_job ? " · " : "", r->job);
	}
	db_reset(st);
	return rc == DB_ROW;
}

/* The stream position of run r. */
static struct runstream_at
run_at(const struct jrun *r)
{
	struct runstream_at at = { r->has_branch ? r->branch : NULL,
	    r->has_job ? r->job : NULL, r->started_at, r->id };

	return at;
}

/* A run-level detail object for run r. */
static json_t *
run_detail(const struct jrun *r)
{
	json_t *d = jval_object();

	jval_set(d, "run_id", jval_str(r->run_id));
	jval_set(d, "branch", r->has_branch ? jval_str(r->branch) :
	    json_null());
	jval_set(d, "job", r->has_job ? jval_str(r->job) : json_null());
	jval_set(d, "tests", jval_int(r->tests));
	jval_set(d, "failed", jval_int(r->failed + r->errors));
	return d;
}

/*
 * New failures of run r against the previous run of its stream (prev,
 * 0: none), listed into d (at most LIST_MAX, with the count) and
 * counted into *n.  0 or -1.
 */
static int
new_failures(struct pass_ctx *c, const struct jrun *r, int64_t prev,
    json_t *d, int64_t *n)
{
	struct db_query *st = STMT(c->db, STMT_NEW_FAILURES);
	json_t *a = jval_array(), *o;
	int rc;

	*n = 0;
	jval_set(d, "new_failures", a);
	if (st == NULL || db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_int(c->db, st, 2, prev) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW)
		if ((*n)++ < LIST_MAX) {
			o = jval_object();
			jval_set(o, "test_id", jval_col_text(st, 0));
			jval_set(o, "name", jval_col_text(st, 1));
			jval_set(o, "message", jval_col_text(st, 2));
			jval_push(a, o);
		}
	db_reset(st);
	jval_set(d, "new_failures_count", jval_int(*n));
	return rc == -1 ? -1 : 0;
}

/* Compares two durations for qsort. */
static int
cmp_ms(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Whether run-level rule ru holds for run r: 1 with *summary (sumsz
 * bytes) and detail d filled, 0 not, -1 error.
 */
static int
run_holds(struct pass_ctx *c, const struct alert_rule *ru,
    const struct jrun *r, char *summary, size_t sumsz, json_t *d)
{
	struct runstream_at at = run_at(r);
	struct runs_prev p;
	int64_t passed, judged, n, ms[DURATIONS_MAX], median;
	size_t len = DURATIONS_MAX;
	int rc;

	switch (ru->cond) {
	case AC_RUN_FAILED:
		snprintf(summary, sumsz, "run %s failed: %lld of %lld tests "
		    "failed", r->run_id, (long long)(r->failed + r->errors),
		    (long long)r->tests);
		return r->failed + r->errors > 0;
	case AC_PASS_RATE:
		if (runstream_pass_counts(c->db, c->project_id, &at, ru->runs,
		    &passed, &judged) == -1)
			return -1;
		jval_set(d, "pass_rate", judged > 0 ?
		    json_real((double)passed / (double)judged) : json_null());
		jval_set(d, "window_runs", jval_int(ru->runs));
		snprintf(summary, sumsz, "pass rate %.1f%% over the last %d "
		    "runs, under %d%%", judged > 0 ? 100.0 * (double)passed /
		    (double)judged : 0.0, ru->runs, ru->threshold_pct);
		return judged > 0 && passed * 100 < ru->threshold_pct * judged;
	case AC_NEW_FAILURE:
		if ((rc = runs_previous(c->db, c->project_id, at.branch,
		    at.job, r->started_at, r->id, &p)) == -1 ||
		    new_failures(c, r, rc ? p.id : 0, d, &n) == -1)
			return -1;
		snprintf(summary, sumsz, "%lld new failure%s in run %s",
		    (long long)n, n == 1 ? "" : "s", r->run_id);
		return n > 0;
	case AC_DURATION:
		if (r->duration_ms < 0)
			return 0;
		if (runstream_durations(c->db, c->project_id, &at, ru->runs,
		    ms, &len) == -1)
			return -1;
		if (len < 3)
			return 0;
		qsort(ms, len, sizeof(ms[0]), cmp_ms);
		median = len % 2 ? ms[len / 2] : (ms[len / 2 - 1] +
		    ms[len / 2]) / 2;
		jval_set(d, "duration_ms", jval_int(r->duration_ms));
		jval_set(d, "baseline_median_ms", jval_int(median));
		snprintf(summary, sumsz, "run %s took %lld ms, %lld%% over the "
		    "median %lld ms of the %zu runs before it", r->run_id,
		    (long long)r->duration_ms, median > 0 ? (long long)
		    ((r->duration_ms - median) * 100 / median) : 0LL,
		    (long long)median, len);
		return r->duration_ms * 100 > median * (100 +
		    ru->regression_pct);
	case AC_COUNT_DROP:
		if ((rc = runs_previous(c->db, c->project_id, at.branch,
		    at.job, r->started_at, r->id, &p)) == -1)
			return -1;
		if (rc == 0)
			return 0;
		jval_set(d, "previous_run_id", jval_str(p.run_id));
		jval_set(d, "previous_tests", jval_int(p.tests));
		snprintf(summary, sumsz, "run %s has %lld tests, %lld fewer "
		    "than run %s", r->run_id, (long long)r->tests,
		    (long long)(p.tests - r->tests), p.run_id);
		return p.tests - r->tests >= ru->min_drop;
	}
	return 0;
}

/* Judges the run-level rules for the run run_id (stored at ev_at).
 * 0 or -1. */
static int
judge_run(struct pass_ctx *c, struct judge *j, const char *run_id,
    int64_t ev_at)
{
	struct jrun r;
	char summary[600];
	json_t *d;
	size_t i;
	int rc;

	if ((rc = run_read(c, run_id, &r)) != 1)
		return rc;
	for (i = 0; i < j->n; i++) {
		const struct alert_rule *ru = &j->rules[i];

		if (!alertrule_run_level(ru->cond) || j->created[i] > ev_at ||
		    !alertrule_matches(ru, r.has_branch ? r.branch : NULL,
		    r.has_job ? r.job : NULL))
			continue;
		d = run_detail(&r);
		summary[0] = '\0';
		if ((rc = run_holds(c, ru, &r, summary, sizeof(summary), d)) ==
		    1) {
			if (fire(c, j, ru, r.subject, summary, d) == -1)
				return -1;
			continue;
		}
		json_decref(d);
		if (rc == -1 || resolve(c, j, ru, r.subject) == -1)
			return -1;
	}
	return 0;
}

/* Fires the rules of condition cond that follow branch and job, made
 * before at, for subject.  Borrows detail.  0 or -1. */
static int
fire_all(struct pass_ctx *c, struct judge *j, int cond, int severity,
    const char *branch, const char *job, int64_t at, const char *subject,
    const char *summary, json_t *detail)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		const struct alert_rule *ru = &j->rules[i];

		if (ru->cond != cond || j->created[i] > at ||
		    severity < ru->min_severity ||
		    !alertrule_matches(ru, branch, job))
			continue;
		if (fire(c, j, ru, subject, summary, json_incref(detail)) == -1)
			return -1;
	}
	return 0;
}

/* The incident_opened event of test test_id: payload {incident}.
 * 0 or -1. */
static int
judge_incident(struct pass_ctx *c, struct judge *j, const char *test_id,
    json_t *payload, int64_t at)
{
	struct db_query *st = STMT(c->db, STMT_INCIDENT);
	json_int_t inc = json_integer_value(json_object_get(payload,
	    "incident"));
	char summary[600];
	json_t *d;
	int rc;

	if (st == NULL || db_bind_int(c->db, st, 1, inc) == -1 ||
	    db_bind_int(c->db, st, 2, c->project_id) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	if (rc != DB_ROW) {
		db_reset(st);
		return 0;
	}
	d = jval_object();
	jval_set(d, "incident", jval_int(inc));
	jval_set(d, "test_id", jval_str(test_id));
	jval_set(d, "name", jval_col_text(st, 4));
	jval_set(d, "branch", jval_col_text(st, 0));
	jval_set(d, "run_id", jval_col_text(st, 2));
	jval_set(d, "message", jval_col_text(st, 1));
	snprintf(summary, sizeof(summary), "%.200s started failing on %.100s "
	    "in run %.200s", db_column_text(st, 4), db_column_text(st, 0),
	    db_column_text(st, 2));
	rc = fire_all(c, j, AC_INCIDENT, 3, db_column_text(st, 0),
	    db_col_null(st, 3) ? NULL : db_column_text(st, 3), at, test_id,
	    summary, d);
	db_reset(st);
	json_decref(d);
	return rc;
}

/* The signal_raised event: payload {signal_id}.  0 or -1. */
static int
judge_signal(struct pass_ctx *c, struct judge *j, json_t *payload,
    int64_t at)
{
	struct db_query *st = STMT(c->db, STMT_SIGNAL);
	json_int_t sid = json_integer_value(json_object_get(payload,
	    "signal_id"));
	char summary[600], subject[400];
	json_t *d;
	int rc;

	if (st == NULL || db_bind_int(c->db, st, 1, sid) == -1 ||
	    db_bind_int(c->db, st, 2, c->project_id) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	if (rc != DB_ROW) {
		db_reset(st);
		return 0;
	}
	d = jval_object();
	jval_set(d, "signal_id", jval_int(sid));
	jval_set(d, "signal_type", jval_col_text(st, 0));
	jval_set(d, "severity", jval_col_text(st, 1));
	jval_set(d, "run_id", jval_col_text(st, 3));
	jval_set(d, "branch", jval_col_text(st, 4));
	jval_set(d, "message", jval_col_text(st, 2));
	snprintf(subject, sizeof(subject), "%.100s on %.200s",
	    db_column_text(st, 0), db_col_null(st, 4) ? "(no branch)" :
	    db_column_text(st, 4));
	snprintf(summary, sizeof(summary), "%.20s integrity signal in run "
	    "%.200s: %.300s", db_column_text(st, 1), db_column_text(st, 3),
	    db_column_text(st, 2));
	rc = fire_all(c, j, AC_SIGNAL, alertrule_severity(db_column_text(st,
	    1)), db_col_null(st, 4) ? NULL : db_column_text(st, 4),
	    db_col_null(st, 5) ? NULL : db_column_text(st, 5), at, subject,
	    summary, d);
	db_reset(st);
	json_decref(d);
	return rc;
}

/* The flaky_detected event of test test_id: payload {monitor}.  0/-1. */
static int
judge_flaky(struct pass_ctx *c, struct judge *j, const char *test_id,
    json_t *payload, int64_t at)
{
	char summary[600];
	json_t *d = jval_object();
	const char *mon = json_string_value(json_object_get(payload,
	    "monitor"));
	int rc;

	jval_set(d, "test_id", jval_str(test_id));
	jval_set(d, "monitor", mon != NULL ? jval_str(mon) : json_null());
	snprintf(summary, sizeof(summary), "%.300s is flaky (%s)", test_id,
	    mon != NULL ? mon : "detected");
	rc = fire_all(c, j, AC_FLAKY, 3, NULL, NULL, at, test_id, summary, d);
	json_decref(d);
	return rc;
}

/*
 * pass_each_new() step: judges the next chunk of events after *mark (up
 * to the newest event when the pass began) and moves *mark past them.
 * 1 done some, 0 nothing left, -1.
 */
static int
events_step(struct pass_ctx *c, int64_t *mark, void *arg)
{
	struct judge *j = arg;
	struct db_query *st = STMT(c->db, STMT_EVENTS);
	char last_run[300] = "";
	const char *kind, *subject;
	json_t *payload;
	int64_t at;
	long n = 0;
	int rc = 0;

	if (*mark >= j->events_max)
		return 0;
	if (st == NULL || db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, *mark) == -1 ||
	    db_bind_int(c->db, st, 3, j->events_max) == -1 ||
	    db_bind_int(c->db, st, 4, j->since) == -1)
		return -1;
	while (rc == 0 && (rc = db_step(c->db, st)) == DB_ROW) {
		*mark = db_col_int(st, 0);
		kind = db_column_text(st, 1);
		subject = db_column_text(st, 2);
		at = db_col_int(st, 4);
		payload = json_loads(db_column_text(st, 3), 0, NULL);
		n++;
		if (strcmp(kind, "run_ingested") == 0) {
			/* a run's shards stored together: judged once */
			rc = strcmp(last_run, subject) == 0 ? 0 :
			    judge_run(c, j, subject, at);
			snprintf(last_run, sizeof(last_run), "%s", subject);
		} else if (strcmp(kind, "incident_opened") == 0)
			rc = judge_incident(c, j, subject, payload, at);
		else if (strcmp(kind, "signal_raised") == 0)
			rc = judge_signal(c, j, payload, at);
		else
			rc = judge_flaky(c, j, subject, payload, at);
		json_decref(payload);
	}
	db_reset(st);
	if (rc == -1)
		return -1;
	j->t.events += n;
	if (n < EVENTS_CHUNK)
		*mark = j->events_max;
	return 1;
}

/* Whether the firing of an event-level condition still holds: 1, 0,
 * -1. */
static int
still_holds(struct pass_ctx *c, const char *cond, const char *subject,
    json_t *d)
{
	struct db_query *st;
	const char *branch;
	int rc;

	if (strcmp(cond, "incident_opened") == 0) {
		st = STMT(c->db, STMT_INCIDENT_OPEN);
		rc = st == NULL || db_bind_int(c->db, st, 1,
		    json_integer_value(json_object_get(d, "incident"))) == -1;
	} else if (strcmp(cond, "flaky_detected") == 0) {
		st = STMT(c->db, STMT_STILL_FLAKY);
		rc = st == NULL || db_bind_int(c->db, st, 1, c->project_id) ==
		    -1 || db_bind_text(c->db, st, 2, subject) == -1;
	} else {
		branch = json_string_value(json_object_get(d, "branch"));
		st = STMT(c->db, STMT_SIGNALS_OPEN);
		rc = st == NULL || db_bind_int(c->db, st, 1, c->project_id) ==
		    -1 || db_bind_text(c->db, st, 2, json_string_value(
		    json_object_get(d, "signal_type"))) == -1 ||
		    db_bind_text_opt(c->db, st, 3, branch) == -1;
	}
	if (rc)
		return -1;
	rc = db_step(c->db, st);
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/* Resolves the open firings of incidents closed, tests no longer flaky
 * and signal types with no open signal left.  0 or -1. */
static int
resolve_events(struct pass_ctx *c, struct judge *j)
{
	struct db_query *st = STMT(c->db, STMT_OPEN_FIRINGS), *up;
	int64_t ids[256];
	size_t n = 0, i;
	json_t *d;
	int rc, holds = 0;

	if (st == NULL || db_bind_int(c->db, st, 1, c->project_id) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW && n < 256) {
		d = json_loads(db_column_text(st, 3), 0, NULL);
		holds = d == NULL ? 0 : still_holds(c, db_column_text(st, 1),
		    db_column_text(st, 2), d);
		json_decref(d);
		if (holds == -1)
			break;
		if (holds == 0)
			ids[n++] = db_col_int(st, 0);
	}
	db_reset(st);
	if (rc == -1 || holds == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((up = STMT(c->db, STMT_RESOLVE_ID)) == NULL ||
		    db_bind_int(c->db, up, 1, ids[i]) == -1 ||
		    db_bind_int(c->db, up, 2, c->now) == -1 ||
		    db_step_done(c->db, up) == -1)
			return -1;
		j->t.resolved++;
		c->changed++;
	}
	return 0;
}

/*
 * The alerts pass for one project: judges the events after its
 * watermark against the enabled rules, resolves what stopped holding,
 * then sends the deliveries that are due.  Without rules the watermark
 * moves to the newest event, so a rule made later judges only what comes
 * after it.  0 or -1 (a failed delivery is not a failed pass).
 */
int
alerts_pass(struct pass_ctx *c)
{
	struct judge *j = calloc(1, sizeof(*j));
	struct db_query *st;
	int rc = -1;

	if (j == NULL)
		return -1;
	if (rules_load(c, j) == -1 ||
	    (st = STMT(c->db, STMT_EVENTS_MAX)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    one_int(c->db, st, &j->events_max) == -1)
		goto out;
	if (j->n == 0)
		j->since = INT64_MAX;
	if (pass_each_new(c, "alerts", events_step, j) == -1)
		goto out;
	if (db_begin(c->db) == -1 || resolve_events(c, j) == -1 ||
	    pass_commit(c) == -1)
		goto out;
	if (alertdeliver_due(c, &j->t) == -1)
		goto out;
	pass_note(c, "%zu rules, %ld events: %ld fired, %ld again, %ld "
	    "within cool-down, %ld resolved; %ld delivered, %ld to retry, "
	    "%ld failed", j->n, j->t.events, j->t.fired, j->t.reminded,
	    j->t.suppressed, j->t.resolved, j->t.delivered, j->t.retrying,
	    j->t.failed);
	rc = 0;
out:
	free(j);
	return rc;
}
