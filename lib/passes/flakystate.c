/*
 * The batch `flaky` pass (FLK-1): three monitors over the runs stored
 * since its watermark, runs where most tests failed (infrastructure
 * outages) left out.  Same-sha and flip-rate judge within one stream, the
 * runs of one branch AND job (runs.job NULL being the unnamed job), so a
 * test that fails steadily on one branch or job is never flaky because it
 * passed on another: it is broken there (issue 13 item 5).
 *   same-sha:   the test passed in one run and failed in another of the
 *               same git sha, branch and job;
 *   retry-pass: the test failed, was retried and passed within a run;
 *   flip-rate:  pass<->fail changes over the last W results of a stream
 *               (flaky_windows), flaky from flaky_flip_activate_pct, and
 *               only cleared below flaky_flip_resolve_pct (hysteresis);
 *               the latch sits on one stream (flip_branch, flip_job) and
 *               only that stream clears it.
 * A flaky test resolves after flaky_quiet_days without evidence while its
 * flip monitor is clear.  States and evidence (each item naming its run,
 * branch and job) go to flaky_states, which API-21 reads
 * (lib/views/tests.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "branch.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "flakystate.h"
#include "jdump.h"
#include "jscan.h"
#include "jval.h"
#include "pass.h"
#include "rollup.h"

#define DAY_MS		86400000LL
#define EVIDENCE_KEEP	20
#define SAME_SHA_RUNS	20	/* other runs of a sha compared */

/*
 * SQL: run row r was an infrastructure outage (FLK-1): more than pct
 * percent of the tests that ran failed, among at least 5 that ran.
 */
#define OUTAGE(r, pct) \
	"((" r ".failed + " r ".errors) * 100 > " pct " * (" r ".tests - " \
	r ".skipped) AND " r ".tests - " r ".skipped >= 5)"

enum stmt {
	STMT_RUN,
	STMT_WINDOW_UPDATE,
	STMT_WINDOW_INSERT,
	STMT_FLIPS,
	STMT_RETRIES,
	STMT_SHA_RUNS,
	STMT_SHA_PAIRS,
	STMT_STATE_GET,
	STMT_STATE_PUT,
	STMT_QUIET,
	STMT_EVENT,
	STMT_CATALOGUE_RATE,
	STMT_STREAM_EVIDENCE,
	STMT__MAX
};

/* The last ?3 runs of a window (substr(w, -?3) counts from the end on
 * SQLite only). */
#define LAST_RUNS(w) "substr(" w ", max(length(" w ") - ?3 + 1, 1))"

static const char *const sql[STMT__MAX] = {
	[STMT_RUN] =
	    "SELECT r.id, r.run_id, coalesce(r.branch, ''), r.git_sha, "
	    "r.started_at, " OUTAGE("r", "?2") ", coalesce(r.job, '') "
	    "FROM runs r WHERE r.id = ?1",
	/* push this run's statuses onto its stream's (test, branch, job)
	 * windows; job '' is the unnamed job */
	[STMT_WINDOW_UPDATE] =
	    "UPDATE flaky_windows SET recent = tv_push_status(recent, "
	    "r.status, 0), last_run = ?1 FROM (SELECT test, status FROM "
	    "results WHERE run = ?1) AS r WHERE flaky_windows.test = r.test "
	    "AND flaky_windows.branch = ?2 AND flaky_windows.job = ?3",
	[STMT_WINDOW_INSERT] =
	    "INSERT INTO flaky_windows (test, branch, job, recent, "
	    "last_run) SELECT test, ?2, ?3, tv_push_status('', status, 0), ?1 "
	    "FROM results WHERE run = ?1 ON CONFLICT DO NOTHING",
	/* windows this run touched that hold both a pass and a failure, or
	 * whose stream holds the test's flip latch (which it may clear) */
	[STMT_FLIPS] =
	    "SELECT test, tv_flip_rate(" LAST_RUNS("recent") ") "
	    "FROM flaky_windows "
	    "WHERE branch = ?2 AND job = ?5 AND last_run = ?1 AND "
	    "((instr(" LAST_RUNS("recent") ", 'P') > 0 AND "
	    "(instr(" LAST_RUNS("recent") ", 'F') > 0 OR "
	    "instr(" LAST_RUNS("recent") ", 'E') > 0)) OR test "
	    "IN (SELECT test FROM flaky_states WHERE project_id = ?4 AND "
	    "flip_active = 1 AND coalesce(flip_branch, '') = ?2 AND "
	    "coalesce(flip_job, '') = ?5))",
	[STMT_RETRIES] =
	    "SELECT test FROM results WHERE run = ?1 AND flaky_in_run = 1",
	[STMT_SHA_RUNS] =
	    "SELECT r.id FROM runs r WHERE r.project_id = ?1 AND "
	    "r.git_sha = ?2 AND r.id <> ?3 AND coalesce(r.branch, '') = ?5 "
	    "AND coalesce(r.job, '') = ?6 AND NOT " OUTAGE("r", "?4")
	    " ORDER BY r.id DESC LIMIT " "20",
	[STMT_SHA_PAIRS] =
	    "SELECT a.test FROM results a JOIN results b ON b.run = ?2 AND "
	    "b.test = a.test WHERE a.run = ?1 AND ((a.status = 0 AND "
	    "b.status IN (1, 2)) OR (a.status IN (1, 2) AND b.status = 0))",
	[STMT_STATE_GET] =
	    "SELECT state, first_at, last_at, same_sha, retry_passes, "
	    "flip_rate, flip_branch, flip_active, monitors, evidence, "
	    "flip_job FROM flaky_states WHERE test = ?1",
	[STMT_STATE_PUT] =
	    "INSERT INTO flaky_states (test, project_id, state, first_at, "
	    "last_at, resolved_at, same_sha, retry_passes, flip_rate, "
	    "flip_branch, flip_active, monitors, evidence, flip_job) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
	    "ON CONFLICT (test) DO UPDATE SET state = ?3, first_at = ?4, "
	    "last_at = ?5, resolved_at = NULL, same_sha = ?6, "
	    "retry_passes = ?7, flip_rate = ?8, flip_branch = ?9, "
	    "flip_active = ?10, monitors = ?11, evidence = ?12, "
	    "flip_job = ?13",
	[STMT_QUIET] =
	    "UPDATE flaky_states SET state = 'resolved', resolved_at = ?3 "
	    "WHERE project_id = ?1 AND state = 'flaky' AND flip_active = 0 "
	    "AND last_at < ?2 RETURNING test",
	[STMT_EVENT] =
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "SELECT ?1, ?2, ?3, test_id, ?4 FROM tests WHERE id = ?5",
	/* the catalogue's flip rate of this run's tests: their rate on the
	 * default branch, the highest of its jobs' windows */
	[STMT_CATALOGUE_RATE] =
	    "UPDATE test_stats SET flip_rate = coalesce((SELECT "
	    "max(tv_flip_rate(" LAST_RUNS("w.recent") ")) FROM flaky_windows w "
	    "WHERE w.test = test_stats.test AND w.branch = ?2), 0) "
	    "WHERE test IN (SELECT test FROM results WHERE run = ?1)",
	/* the stream where evidence was seen: a test is flaky on a branch
	 * (dashboard, catalogue, health) when it has evidence there */
	[STMT_STREAM_EVIDENCE] =
	    "UPDATE stream_stats SET flaky_at = CASE WHEN flaky_at IS NULL "
	    "OR flaky_at < ?5 THEN ?5 ELSE flaky_at END WHERE "
	    "project_id = ?1 AND branch = ?2 AND job = ?3 AND test = ?4",
};

enum monitor {
	MON_SAME_SHA,
	MON_RETRY,
	MON_FLIP,
	MON_FLIP_CLEAR,	/* not evidence: the latch fell */
	MON_FLIP_HOLD,	/* not evidence: the latched stream's rate now */
	MON__MAX
};

static const char *const mon_names[MON__MAX] = {
	"same_sha", "retry", "flip", "flip_clear", "flip_hold"
};

/* The run being examined; branch and job are "" when the run has none. */
struct frun {
	int64_t		 id, started_at;
	char		 run_id[160], branch[BRANCH_BYTES], job[JOB_BYTES], sha[80];
	int		 outage, has_sha;
};

/* A test's row of flaky_states as evidence_add() reads and rewrites it. */
struct fstate {
	char		 monitors[64], state[16], branch[BRANCH_BYTES];
	char		 job[JOB_BYTES];
	char		*ev;		/* the evidence items' JSON array, owned */
	int64_t		 first_at, last_at;
	long		 same, retry;
	double		 best;		/* flip rate of the latched stream */
	int		 active, exists;
};

/*
 * Reads test's flaky state into *s (defaults from run r when it has
 * none); the caller frees s->ev.  Returns 0 or -1.
 */
static int
state_get(struct pass_ctx *c, const struct frun *r, int64_t test,
    struct fstate *s)
{
	struct db_query *st;
	int rc;

	memset(s, 0, sizeof(*s));
	s->first_at = s->last_at = r->started_at;
	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_STATE_GET)) == NULL ||
	    db_bind_int(c->db, st, 1, test) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	s->exists = rc == DB_ROW;
	if (s->exists) {
		snprintf(s->state, sizeof(s->state), "%s",
		    db_column_text(st, 0));
		s->first_at = db_col_int(st, 1);
		s->last_at = db_col_int(st, 2);
		s->same = db_col_int(st, 3);
		s->retry = db_col_int(st, 4);
		s->best = db_col_double(st, 5);
		if (!db_col_null(st, 6))
			snprintf(s->branch, sizeof(s->branch), "%s",
			    db_column_text(st, 6));
		s->active = (int)db_col_int(st, 7);
		snprintf(s->monitors, sizeof(s->monitors), "%s",
		    db_column_text(st, 8));
		s->ev = strdup(db_column_text(st, 9));
		if (!db_col_null(st, 10))
			snprintf(s->job, sizeof(s->job), "%s",
			    db_column_text(st, 10));
	}
	db_reset(st);
	if (s->ev == NULL && (s->ev = strdup("[]")) == NULL)
		abort();
	return 0;
}

/*
 * Appends to s the evidence item of monitor m in run r (rate: the flip
 * rate the run brought its stream to), keeping the newest EVIDENCE_KEEP.
 * The items already there are kept as text, not decoded: the pass adds
 * thousands of items a run, and decoding and re-encoding each test's
 * array was most of its time.  Text that is not an array starts over.
 */
static void
item_add(struct fstate *s, const struct frun *r, enum monitor m,
    double rate)
{
	struct jspan span[EVIDENCE_KEEP];
	struct jscan js;
	struct buf b;
	json_t *item;
	size_t n = 0, i, len = strlen(s->ev);
	int rc;

	if (jscan_open(&js, s->ev, len, 0, '[') == 0)
		while ((rc = jscan_next(&js, NULL, &span[n % EVIDENCE_KEEP])) ==
		    1)
			n++;
	else
		rc = -1;
	if (rc == -1 || !jscan_rest_empty(s->ev, len, js.pos))
		n = 0;
	/* jval_str(): a branch cut at its buffer's end may end mid-UTF-8 */
	item = json_object();
	json_object_set_new(item, "monitor", jval_str(mon_names[m]));
	json_object_set_new(item, "run_id", jval_str(r->run_id));
	json_object_set_new(item, "at", json_integer(r->started_at));
	json_object_set_new(item, "branch", jval_str(r->branch));
	json_object_set_new(item, "job", r->job[0] != '\0' ?
	    jval_str(r->job) : json_null());
	if (r->has_sha)
		json_object_set_new(item, "git_sha", jval_str(r->sha));
	if (m == MON_FLIP)
		json_object_set_new(item, "flip_rate", json_real(rate));
	buf_init(&b);
	buf_puts(&b, "[");
	/* the newest EVIDENCE_KEEP - 1 of the n there, oldest first */
	for (i = n > EVIDENCE_KEEP - 1 ? n - (EVIDENCE_KEEP - 1) : 0; i < n;
	    i++) {
		buf_append(&b, s->ev + span[i % EVIDENCE_KEEP].off,
		    span[i % EVIDENCE_KEEP].len);
		buf_puts(&b, ",");
	}
	if (jdump(item, &b) == -1)
		abort();
	buf_puts(&b, "]");
	json_decref(item);
	free(s->ev);
	s->ev = b.p;
}

/*
 * Records one piece of evidence (or the flip latch falling) for test:
 * creates or updates its state, keeps the newest evidence items, marks
 * the run's stream (stream_stats.flaky_at) as one it flaked in, and
 * logs an event when a test becomes flaky.  The flip latch and its rate
 * follow one stream: the highest rate while latched, and only the
 * latched stream clears it.  Returns 0 or -1.
 */
static int
evidence_add(struct pass_ctx *c, const struct frun *r, int64_t test,
    enum monitor m, double rate, int *became)
{
	struct db_query *st;
	struct fstate s;
	int rc, was_flaky, same_stream;
	char *text = NULL;

	if (state_get(c, r, test, &s) == -1)
		return -1;
	same_stream = strcmp(s.branch, r->branch) == 0 &&
	    strcmp(s.job, r->job) == 0;
	if (m >= MON_FLIP_CLEAR && (!s.exists || !same_stream ||
	    (m == MON_FLIP_HOLD && !s.active))) {
		free(s.ev);
		return 0;
	}
	was_flaky = strcmp(s.state, "flaky") == 0;
	switch (m) {
	case MON_SAME_SHA:
		s.same++;
		break;
	case MON_RETRY:
		s.retry++;
		break;
	case MON_FLIP_HOLD:
		s.best = rate;
		break;
	case MON_FLIP:
		if (!s.active || rate >= s.best || same_stream) {
			s.best = rate;
			snprintf(s.branch, sizeof(s.branch), "%s", r->branch);
			snprintf(s.job, sizeof(s.job), "%s", r->job);
		}
		s.active = 1;
		break;
	default:
		s.active = 0;
		s.best = rate;
		break;
	}
	if (m < MON_FLIP_CLEAR) {
		if (!pass_list_has(s.monitors, mon_names[m])) {
			size_t n = strlen(s.monitors);
			snprintf(s.monitors + n, sizeof(s.monitors) - n,
			    "%s%s", n > 0 ? "," : "", mon_names[m]);
		}
		if (!s.exists || r->started_at < s.first_at)
			s.first_at = r->started_at;
		if (r->started_at > s.last_at || !was_flaky)
			s.last_at = r->started_at;
		item_add(&s, r, m, rate);
	}
	text = s.ev;
	rc = -1;
	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_STATE_PUT)) == NULL ||
	    db_bind_int(c->db, st, 1, test) == -1 ||
	    db_bind_int(c->db, st, 2, c->project_id) == -1 ||
	    db_bind_text(c->db, st, 3, m >= MON_FLIP_CLEAR ? s.state :
	    "flaky") == -1 || db_bind_int(c->db, st, 4, s.first_at) == -1 ||
	    db_bind_int(c->db, st, 5, s.last_at) == -1 ||
	    db_bind_int(c->db, st, 6, s.same) == -1 ||
	    db_bind_int(c->db, st, 7, s.retry) == -1 ||
	    db_bind_double(c->db, st, 8, s.best) == -1 ||
	    db_bind_text_opt(c->db, st, 9, s.branch) == -1 ||
	    db_bind_int(c->db, st, 10, s.active) == -1 ||
	    db_bind_text(c->db, st, 11, s.monitors) == -1 ||
	    db_bind_text(c->db, st, 12, text) == -1 ||
	    db_bind_text_opt(c->db, st, 13, s.job) == -1 ||
	    db_step(c->db, st) == -1)
		goto out;
	if (m < MON_FLIP_CLEAR && ((st = DB_STMT(c->db, DBM_FLAKYSTATE,
	    STMT_STREAM_EVIDENCE)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_text(c->db, st, 2, r->branch) == -1 ||
	    db_bind_text(c->db, st, 3, r->job) == -1 ||
	    db_bind_int(c->db, st, 4, test) == -1 ||
	    db_bind_int(c->db, st, 5, r->started_at) == -1 ||
	    db_step_done(c->db, st) == -1))
		goto out;
	if (m < MON_FLIP_CLEAR && !was_flaky) {
		char payload[256];
		snprintf(payload, sizeof(payload), "{\"monitor\":\"%s\"}",
		    mon_names[m]);
		if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_EVENT)) == NULL ||
		    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
		    db_bind_int(c->db, st, 2, c->now) == -1 ||
		    db_bind_text(c->db, st, 3, "flaky_detected") == -1 ||
		    db_bind_text(c->db, st, 4, payload) == -1 ||
		    db_bind_int(c->db, st, 5, test) == -1 ||
		    db_step(c->db, st) == -1)
			goto out;
		(*became)++;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/*
 * Collects the test ids statement st yields in column 0 (and a rate in
 * column 1 when rates is not NULL).  Caller frees *ids and *rates.
 * Returns the count, or -1.
 */
static long
collect(struct db *db, struct db_query *st, int64_t **ids, double **rates)
{
	size_t n = 0, cap = 0;
	int rc;

	*ids = NULL;
	if (rates != NULL)
		*rates = NULL;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (n == cap) {
			cap = cap * 2 + 64;
			if ((*ids = realloc(*ids, cap * sizeof(**ids))) ==
			    NULL || (rates != NULL && (*rates = realloc(*rates,
			    cap * sizeof(**rates))) == NULL))
				abort();
		}
		(*ids)[n] = db_col_int(st, 0);
		if (rates != NULL)
			(*rates)[n] = db_col_double(st, 1);
		n++;
	}
	db_reset(st);
	return rc == -1 ? -1 : (long)n;
}

/*
 * Examines one run inside the caller's transaction: windows, then the
 * three monitors.  Returns 0 or -1; *became counts new flaky tests.
 */
static int
run_examine(struct pass_ctx *c, const struct frun *r, int *became)
{
	struct db_query *st;
	int64_t *ids = NULL, others[SAME_SHA_RUNS];
	double *rates = NULL, act, res;
	long n, i;
	size_t no = 0, k;
	int rc;

	act = (double)c->cfg->flaky_flip_activate_pct / 100.0;
	res = (double)c->cfg->flaky_flip_resolve_pct / 100.0;
	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_WINDOW_UPDATE)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_text(c->db, st, 2, r->branch) == -1 ||
	    db_bind_text(c->db, st, 3, r->job) == -1 ||
	    db_step(c->db, st) == -1 ||
	    (st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_WINDOW_INSERT)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_text(c->db, st, 2, r->branch) == -1 ||
	    db_bind_text(c->db, st, 3, r->job) == -1 ||
	    db_step(c->db, st) == -1)
		return -1;
	/* flip-rate, with the latch */
	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_FLIPS)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_text(c->db, st, 2, r->branch) == -1 ||
	    db_bind_int(c->db, st, 3, c->cfg->flaky_window) == -1 ||
	    db_bind_int(c->db, st, 4, c->project_id) == -1 ||
	    db_bind_text(c->db, st, 5, r->job) == -1 ||
	    (n = collect(c->db, st, &ids, &rates)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (rates[i] >= act)
			rc = evidence_add(c, r, ids[i], MON_FLIP, rates[i],
			    became);
		else if (rates[i] < res)
			rc = evidence_add(c, r, ids[i], MON_FLIP_CLEAR,
			    rates[i], became);
		else		/* between: the latch holds, its rate follows */
			rc = evidence_add(c, r, ids[i], MON_FLIP_HOLD,
			    rates[i], became);
		if (rc == -1)
			break;
	}
	free(ids);
	free(rates);
	if (i < n)
		return -1;
	/* retry passes */
	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_RETRIES)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1 ||
	    (n = collect(c->db, st, &ids, NULL)) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (evidence_add(c, r, ids[i], MON_RETRY, 0, became) == -1)
			break;
	free(ids);
	if (i < n)
		return -1;
	/* same sha: this run against earlier runs of its commit in its
	 * stream (branch and job) */
	if (!r->has_sha)
		return 0;
	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_SHA_RUNS)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_text(c->db, st, 2, r->sha) == -1 ||
	    db_bind_int(c->db, st, 3, r->id) == -1 ||
	    db_bind_int(c->db, st, 4, c->cfg->flaky_outage_pct) == -1 ||
	    db_bind_text(c->db, st, 5, r->branch) == -1 ||
	    db_bind_text(c->db, st, 6, r->job) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW && no < SAME_SHA_RUNS)
		if (db_col_int(st, 0) < r->id)
			others[no++] = db_col_int(st, 0);
	db_reset(st);
	if (rc == -1)
		return -1;
	for (k = 0; k < no; k++) {
		st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_SHA_PAIRS);
		if (st == NULL || db_bind_int(c->db, st, 1, r->id) == -1 ||
		    db_bind_int(c->db, st, 2, others[k]) == -1 ||
		    (n = collect(c->db, st, &ids, NULL)) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (evidence_add(c, r, ids[i], MON_SAME_SHA, 0,
			    became) == -1)
				break;
		free(ids);
		if (i < n)
			return -1;
	}
	return 0;
}

/* What the flaky pass knows and counts while it steps through the runs. */
struct ftally {
	long	 outages;
	int	 became;	/* tests newly flaky */
	char	 defbranch[BRANCH_BYTES];	/* "" when no run names a branch */
};

/* The project's default branch (branch_default()) into t->defbranch. */
static int
default_branch(struct pass_ctx *c, struct ftally *t)
{
	return branch_default(c->db, c->project_id, c->cfg, t->defbranch,
	    sizeof(t->defbranch));
}

/*
 * After run r of the default branch: sets the catalogue's flip rate
 * (test_stats.flip_rate) of its tests to their rate on that branch, so
 * the catalogue, the test page and the flaky pass show one number per
 * test.  Returns 0 or -1.
 */
static int
catalogue_rate(struct pass_ctx *c, const struct frun *r)
{
	struct db_query *st;

	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_CATALOGUE_RATE)) ==
	    NULL || db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_text(c->db, st, 2, r->branch) == -1 ||
	    db_bind_int(c->db, st, 3, c->cfg->flaky_window) == -1 ||
	    db_step_done(c->db, st) == -1)
		return -1;
	return 0;
}

/*
 * pass_each_run() work of the flaky pass: examines run (runs.id) inside
 * the open transaction; an outage is only counted in the tally at arg.
 * Returns 0 or -1.
 */
static int
run_flaky(struct pass_ctx *c, int64_t run, void *arg)
{
	struct ftally *t = arg;
	struct frun r;
	struct db_query *st;

	if ((st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_RUN)) == NULL ||
	    db_bind_int(c->db, st, 1, run) == -1 ||
	    db_bind_int(c->db, st, 2, c->cfg->flaky_outage_pct) == -1 ||
	    db_step(c->db, st) != DB_ROW)
		return -1;
	memset(&r, 0, sizeof(r));
	r.id = db_col_int(st, 0);
	snprintf(r.run_id, sizeof(r.run_id), "%s", db_column_text(st, 1));
	snprintf(r.branch, sizeof(r.branch), "%s", db_column_text(st, 2));
	r.has_sha = !db_col_null(st, 3);
	if (r.has_sha)
		snprintf(r.sha, sizeof(r.sha), "%s", db_column_text(st, 3));
	r.started_at = db_col_int(st, 4);
	r.outage = (int)db_col_int(st, 5);
	snprintf(r.job, sizeof(r.job), "%s", db_column_text(st, 6));
	db_reset(st);
	if (r.outage)
		t->outages++;
	else if (run_examine(c, &r, &t->became) == -1 ||
	    (strcmp(r.branch, t->defbranch) == 0 &&
	    catalogue_rate(c, &r) == -1))
		return -1;
	return 0;
}

/*
 * The batch `flaky` pass for one project: every run since the watermark,
 * one transaction each with the watermark, then the quiet-period
 * resolutions.  Returns 0 or -1.
 */
int
flakystate_pass(struct pass_ctx *c)
{
	struct ftally t = { 0, 0, "" };
	struct db_query *st;
	long runs, resolved = 0;
	int rc;

	if (default_branch(c, &t) == -1 ||
	    (runs = pass_each_run(c, "flaky", run_flaky, &t)) == -1)
		return -1;
	if (db_begin(c->db) == -1 ||
	    (st = DB_STMT(c->db, DBM_FLAKYSTATE, STMT_QUIET)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, c->now - c->cfg->flaky_quiet_days *
	    DAY_MS) == -1 || db_bind_int(c->db, st, 3, c->now) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW)
		resolved++;
	db_reset(st);
	if (rc == -1 || pass_commit(c) == -1)
		return -1;
	c->changed += runs + t.became + resolved;
	pass_note(c, "%ld runs (%ld outages ignored), %d newly flaky, "
	    "%ld resolved", runs, t.outages, t.became, resolved);
	return 0;
}
