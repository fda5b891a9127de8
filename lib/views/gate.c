/*
 * The quality gate (API-28, issue 17 item 3): should this run's CI step
 * fail?  A run fails when it has more new failures than allowed (failed
 * now, not failed in the previous run of its branch and job, the
 * baseline; quarantined and known flaky tests listed but not counted),
 * an open integrity signal at or above a severity, more tests fewer than
 * its baseline than allowed, or a pass rate under a minimum.  The answer
 * says every rule, every reason and what was found; HTTP is
 * cgi-bin/runs.c's, the exit code `testvis gate`'s.
 *
 * Integrity signals are raised by the batch `integrity` pass only, so
 * the answer says whether that pass has judged the run yet
 * ("integrity_checked": its watermark has reached the run's row), and
 * gate_wait() waits for it: a gate asked right after an upload must not
 * pass a run that deleted tests only because nobody has looked yet.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "gate.h"
#include "jval.h"
#include "pass.h"
#include "runs.h"
#include "tvtime.h"

#define LIST_MAX	50	/* new failures and signals listed */

const char *const gate_severities[] = { "low", "medium", "high",
    "critical", "off", NULL };

enum stmt {
	STMT_RUN,
	STMT_NEW_FAILURES,
	STMT_SIGNALS,
	STMT_ARRIVAL,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_RUN] =
	    "SELECT id, run_id, started_at, branch, job, tests, passed, "
	    "failed, errors, skipped FROM runs WHERE project_id = ?1 AND "
	    "run_id = ?2",
	/* failed or errored in run ?1 and not in the baseline ?2 (0:
	 * none: every failure is new), with what excuses them */
	[STMT_NEW_FAILURES] =
	    "SELECT t.test_id, t.name, t.state, CASE WHEN f.test IS NULL "
	    "THEN 0 ELSE 1 END, x.message FROM results r JOIN tests t ON "
	    "t.id = r.test LEFT JOIN results p ON p.run = ?2 AND "
	    "p.test = r.test LEFT JOIN flaky_states f ON f.test = r.test AND "
	    "f.state = 'flaky' LEFT JOIN result_texts x ON x.run = r.run AND "
	    "x.test = r.test WHERE r.run = ?1 AND r.status IN (1, 2) AND "
	    "(p.status IS NULL OR p.status NOT IN (1, 2)) "
	    "ORDER BY t.name, t.id",
	[STMT_SIGNALS] =
	    "SELECT id, signal_type, severity, subject, message FROM signals "
	    "WHERE run = ?1 AND status <> 'resolved' ORDER BY id",
	/* the run's row and when its newest shard arrived (gate_wait) */
	[STMT_ARRIVAL] =
	    "SELECT r.id, (SELECT max(s.received_at) FROM run_shards s WHERE "
	    "s.run = r.id) FROM runs r WHERE r.project_id = ?1 AND "
	    "r.run_id = ?2",
};

#define STMT(db, i) DB_STMT((db), DBM_GATE, (i))

/* The run being judged and its baseline. */
struct judged {
	int64_t		 id, started_at, tests, passed, failed, errors;
	int64_t		 prev, prev_tests;	/* prev 0: no baseline */
};

/*
 * The rules testvis.conf gives project slug (NULL: the global ones):
 * each gate_KEY, or gate_KEY.SLUG where the file sets it, into *r.
 */
void
gate_rules_of(const struct config *cfg, const char *slug,
    struct gate_rules *r)
{
	const struct config_gate *p = config_gate_project(cfg, slug);
	unsigned set = p != NULL ? p->set : 0;

	memset(r, 0, sizeof(*r));
	r->max_new_failures = set & CONFIG_GATE_NEW ? p->max_new_failures :
	    cfg->gate_max_new_failures;
	r->severity = set & CONFIG_GATE_SEVERITY ? p->severity :
	    cfg->gate_severity;
	r->max_count_drop = set & CONFIG_GATE_DROP ? p->max_count_drop :
	    cfg->gate_max_count_drop;
	r->min_pass_rate_pct = set & CONFIG_GATE_RATE ? p->min_pass_rate_pct :
	    cfg->gate_min_pass_rate_pct;
}

/*
 * Predicate: the batch integrity pass of project has judged the run of
 * row id (its watermark, lib/passes/pass.c, has reached it: it looks at
 * runs in id order); -1 on a database error.
 */
static int
integrity_checked(struct db *db, int64_t project, int64_t id)
{
	struct pass_ctx c;
	int64_t mark;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.project_id = project;
	if (pass_mark_get(&c, "integrity", &mark, NULL, 0) == -1)
		return -1;
	return mark >= id;
}

/*
 * Reads run_id's row id and the arrival of its newest shard (ms; 0:
 * none).  Returns 1, 0 (no such run yet) or -1.  Each call is a read of
 * its own, so it sees what was committed since the last one.
 */
static int
arrival(struct db *db, int64_t project, const char *run_id, int64_t *id,
    int64_t *newest)
{
	struct db_query *st = STMT(db, STMT_ARRIVAL);
	int rc;

	if ((rc = db_step_keyed(db, st, project, run_id)) != DB_ROW)
		return rc == -1 ? -1 : 0;
	*id = db_col_int(st, 0);
	*newest = db_col_null(st, 1) ? 0 : db_col_int(st, 1);
	db_reset(st);
	return 1;
}

/*
 * Waits at most seconds for run_id of project to be ready for the gate:
 * stored, judged by the integrity pass, and its newest shard at least
 * settle seconds old (a sharded upload still arriving); it looks every
 * 250 ms (asleep in between), each look a fresh read.  Returns 1 when
 * the run exists (ready or not: gate_judge() says which), 0 when it is
 * still unknown, or -1 on a database error.
 */
int
gate_wait(struct db *db, int64_t project, const char *run_id,
    long long seconds, long long settle)
{
	struct timespec tick = { 0, 250 * 1000 * 1000 };
	double end = tvtime_mono_ms() + (double)seconds * 1000;
	int64_t id = 0, newest = 0;
	int rc, done;

	for (;;) {
		if ((rc = arrival(db, project, run_id, &id, &newest)) == -1)
			return -1;
		done = 0;
		if (rc == 1 && (done = integrity_checked(db, project,
		    id)) == -1)
			return -1;
		if (done && newest + settle * 1000 > tvtime_now_ms())
			done = 0;
		if (done || tvtime_mono_ms() >= end)
			return rc;
		nanosleep(&tick, NULL);
	}
}

/* The rank of severity s (0 low .. 3 critical; -1 unknown). */
static int
severity_rank(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, gate_severities[i]) == 0)
			return i;
	return -1;
}

/* Appends a reason {rule, message} to reasons. */
static void
reason(json_t *reasons, const char *rule, const char *msg)
{
	json_t *o = jval_object();

	jval_set(o, "rule", jval_str(rule));
	jval_set(o, "message", jval_str(msg));
	jval_push(reasons, o);
}

/*
 * Reads run_id of project and its baseline into *j, and the run's
 * identity into out.  Returns 1, 0 (no such run) or -1.
 */
static int
read_run(struct db *db, int64_t project, const char *run_id,
    struct judged *j, json_t *out)
{
	struct db_query *st = STMT(db, STMT_RUN);
	struct runs_prev p;
	int rc = -1;

	memset(j, 0, sizeof(*j));
	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, run_id) == -1 ||
	    (rc = db_step(db, st)) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return st != NULL && rc == DB_DONE ? 0 : -1;
	}
	j->id = db_col_int(st, 0);
	j->started_at = db_col_int(st, 2);
	j->tests = db_col_int(st, 5);
	j->passed = db_col_int(st, 6);
	j->failed = db_col_int(st, 7);
	j->errors = db_col_int(st, 8);
	jval_set(out, "run_id", jval_col_text(st, 1));
	jval_set(out, "branch", jval_col_text(st, 3));
	jval_set(out, "job", jval_col_text(st, 4));
	/* the baseline: what the run's diff compares with */
	rc = runs_previous(db, project, db_column_text(st, 3),
	    db_column_text(st, 4), j->started_at, j->id, &p);
	db_reset(st);
	if (rc == 1) {
		j->prev = p.id;
		j->prev_tests = p.tests;
		jval_set(out, "baseline_run_id", jval_str(p.run_id));
	} else
		jval_set(out, "baseline_run_id", json_null());
	return rc == -1 ? -1 : 1;
}

/*
 * Lists the run's new failures into out ("new_failures", at most
 * LIST_MAX) and counts those not excused into *n.  0, or -1.
 */
static int
new_failures(struct db *db, const struct judged *j, json_t *out, long *n,
    long *excused)
{
	struct db_query *st = STMT(db, STMT_NEW_FAILURES);
	json_t *arr = jval_array(), *o;
	const char *why;
	int rc;

	*n = *excused = 0;
	jval_set(out, "new_failures", arr);
	if (st == NULL || db_bind_int(db, st, 1, j->id) == -1 ||
	    db_bind_int(db, st, 2, j->prev) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		why = strcmp(db_column_text(st, 2), "quarantined") == 0 ?
		    "quarantined" : db_col_int(st, 3) ? "flaky" : NULL;
		if (why != NULL)
			(*excused)++;
		else
			(*n)++;
		if (json_array_size(arr) >= LIST_MAX)
			continue;
		o = jval_object();
		jval_set(o, "test_id", jval_col_text(st, 0));
		jval_set(o, "name", jval_col_text(st, 1));
		jval_set(o, "message", jval_col_text(st, 4));
		jval_set(o, "excused", why != NULL ? jval_str(why) :
		    json_null());
		jval_push(arr, o);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * Lists the run's open signals into out ("signals") and counts those at
 * or above rank min into *n.  0, or -1.
 */
static int
signals(struct db *db, const struct judged *j, int min, json_t *out,
    long *n)
{
	struct db_query *st = STMT(db, STMT_SIGNALS);
	json_t *arr = jval_array(), *o;
	int rc, rank;

	*n = 0;
	jval_set(out, "signals", arr);
	if (st == NULL || db_bind_int(db, st, 1, j->id) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		rank = severity_rank(db_column_text(st, 2));
		if (min < 4 && rank >= min)
			(*n)++;
		if (json_array_size(arr) >= LIST_MAX)
			continue;
		o = jval_object();
		jval_set(o, "signal_id", jval_col_int(st, 0));
		jval_set(o, "signal_type", jval_col_text(st, 1));
		jval_set(o, "severity", jval_col_text(st, 2));
		jval_set(o, "subject", jval_col_text(st, 3));
		jval_set(o, "message", jval_col_text(st, 4));
		jval_set(o, "counts", jval_int(min < 4 && rank >= min));
		jval_push(arr, o);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/* The rules as the answer says them. */
static json_t *
rules_json(const struct gate_rules *r)
{
	json_t *o = jval_object();

	jval_set(o, "max_new_failures", jval_int(r->max_new_failures));
	jval_set(o, "severity", jval_str(gate_severities[r->severity]));
	jval_set(o, "max_count_drop", jval_int(r->max_count_drop));
	jval_set(o, "min_pass_rate_pct", jval_int(r->min_pass_rate_pct));
	return o;
}

/*
 * Judges run_id of project by rules into *out: {run_id, branch, job,
 * baseline_run_id, pass, reasons, rules, integrity_checked,
 * new_failures, signals, counts}.  With rules->need_checked a run the
 * integrity pass has not judged fails ("pending").  Returns 1, 0 when
 * there is no such run, or -1 on a database error.
 */
int
gate_judge(struct db *db, int64_t project, const char *run_id,
    const struct gate_rules *rules, json_t **out)
{
	struct judged j;
	json_t *o = jval_object(), *reasons = jval_array(), *c;
	long nf, excused, ns;
	int64_t judged, drop;
	char msg[200];
	int rc, checked = -1;

	*out = NULL;
	if ((rc = read_run(db, project, run_id, &j, o)) != 1 ||
	    (checked = integrity_checked(db, project, j.id)) == -1 ||
	    new_failures(db, &j, o, &nf, &excused) == -1 ||
	    signals(db, &j, rules->severity, o, &ns) == -1) {
		json_decref(o);
		json_decref(reasons);
		return rc == 0 ? 0 : -1;
	}
	if (!checked && rules->need_checked)
		reason(reasons, "pending", "the integrity pass has not "
		    "judged this run yet (its signals are unknown)");
	if (nf > rules->max_new_failures) {
		snprintf(msg, sizeof(msg), "%ld new failures (at most %lld "
		    "allowed)", nf, rules->max_new_failures);
		reason(reasons, "new_failures", msg);
	}
	if (ns > 0) {
		snprintf(msg, sizeof(msg), "%ld open integrity signals of "
		    "severity %s or above", ns,
		    gate_severities[rules->severity]);
		reason(reasons, "signals", msg);
	}
	drop = j.prev != 0 ? j.prev_tests - j.tests : 0;
	if (drop > rules->max_count_drop) {
		snprintf(msg, sizeof(msg), "%lld tests fewer than the "
		    "baseline (at most %lld allowed)", (long long)drop,
		    rules->max_count_drop);
		reason(reasons, "count_drop", msg);
	}
	judged = j.passed + j.failed + j.errors;
	if (rules->min_pass_rate_pct > 0 && (judged == 0 ||
	    j.passed * 100 < rules->min_pass_rate_pct * judged)) {
		snprintf(msg, sizeof(msg), "pass rate %lld%% under the "
		    "minimum %lld%%", judged > 0 ? (long long)(j.passed * 100 /
		    judged) : 0, rules->min_pass_rate_pct);
		reason(reasons, "pass_rate", msg);
	}
	c = jval_object();
	jval_set(c, "tests", jval_int(j.tests));
	jval_set(c, "baseline_tests", j.prev != 0 ? jval_int(j.prev_tests) :
	    json_null());
	jval_set(c, "new_failures", jval_int(nf));
	jval_set(c, "excused_failures", jval_int(excused));
	jval_set(c, "signals", jval_int(ns));
	jval_set(c, "pass_rate", judged > 0 ? json_real((double)j.passed /
	    (double)judged) : json_null());
	jval_set(o, "pass", json_boolean(json_array_size(reasons) == 0));
	jval_set(o, "reasons", reasons);
	jval_set(o, "rules", rules_json(rules));
	jval_set(o, "integrity_checked", json_boolean(checked));
	jval_set(o, "counts", c);
	*out = o;
	return 1;
}
