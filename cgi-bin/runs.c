/*
 * testvis-runs: the runs of a project (API-4), one run (API-5), its
 * results (API-6), its results as a file (REP-6's direct export), its
 * quality gate (API-28) and its summary for a pull request (API-29).
 * Route and parameter tables, and handlers that turn validated
 * parameters into calls on lib/views/runs.c, runexport.c, gate.c and
 * summary.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "gate.h"
#include "http.h"
#include "jval.h"
#include "log.h"
#include "runexport.h"
#include "runs.h"
#include "summary.h"

static const char *const run_statuses[] = { "passed", "failed", "empty",
    NULL };
static const char *const result_statuses[] = { "passed", "failed", "error",
    "skipped", NULL };

/* The query keys of GET /api/tests/runs, indexing q_list. */
enum q_list {
	QL_BRANCH,
	QL_STATUS,
	QL_SINCE,
	QL_UNTIL,
	QL_GIT_SHA,
	QL_SESSION_ID,
	QL_JOB,
	QL_LIMIT,
	QL_CURSOR,
	QL__MAX
};
static const struct param_spec q_list[QL__MAX + 1] = {
	[QL_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QL_STATUS] = { "status", PARAM_ENUM, 0, 0, 0, run_statuses, -1 },
	[QL_SINCE] = { "since", PARAM_TIME, 0, 0, 0, NULL, -1 },
	[QL_UNTIL] = { "until", PARAM_TIME, 0, 0, 0, NULL, -1 },
	[QL_GIT_SHA] = { "git_sha", PARAM_STRING, 0, 1, 128, NULL, 0 },
	[QL_SESSION_ID] = { "session_id", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QL_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
	PARAM_PAGE(QL_LIMIT, 500, 50),
};

/* The query keys of GET /api/tests/runs/{run_id}/results. */
enum q_results {
	QR_STATUS,
	QR_Q,
	QR_LIMIT,
	QR_CURSOR,
	QR__MAX
};
static const struct param_spec q_results[QR__MAX + 1] = {
	[QR_STATUS] = { "status", PARAM_ENUM, 0, 0, 0, result_statuses, -1 },
	[QR_Q] = { "q", PARAM_STRING, 0, 1, 256, NULL, 0 },
	PARAM_PAGE(QR_LIMIT, 500, 50),
};

/* The path segments of /api/tests/runs/{run_id}... */
enum p_run {
	PR_RUN_ID,
	PR__MAX
};
static const struct param_spec p_run[PR__MAX + 1] = {
	[PR_RUN_ID] = { "run_id", PARAM_RUNID, 1, 0, 0, NULL, 0 },
};

/* GET /api/tests/runs: 200 {"runs", "next_cursor"}; 400; 503. */
static int
h_list(struct req *r)
{
	struct runs_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.branch = req_str(r, QL_BRANCH);
	f.status = req_str(r, QL_STATUS);
	f.git_sha = req_str(r, QL_GIT_SHA);
	f.session_id = req_str(r, QL_SESSION_ID);
	f.job = req_str(r, QL_JOB);
	f.since = req_int(r, QL_SINCE);
	f.until = req_int(r, QL_UNTIL);
	f.cursor = req_str(r, QL_CURSOR);
	f.limit = (int)req_int(r, QL_LIMIT);
	sp = req_span(r, "runs_list");
	rc = runs_list(req_db(r), req_project_id(r), &f, &out);
	req_span_end(r, sp, rc, out, "runs");
	return req_view(r, rc, out);
}

/* GET /api/tests/runs/{run_id}: 200 run; 404 not_found; 503. */
static int
h_detail(struct req *r)
{
	const char *id = req_path(r, PR_RUN_ID);
	struct trace_span *sp = req_span(r, "runs_detail");
	json_t *out = NULL;
	int rc = runs_detail(req_db(r), req_project_id(r), id, &out);

	req_span_end(r, sp, rc, out, NULL);
	if (rc == 0)
		return req_not_found(r, "no run '%s' in project '%s'", id,
		    req_project(r));
	return req_view(r, rc, out);
}

/* GET /api/tests/runs/{run_id}/results: 200; 400; 404; 503. */
static int
h_results(struct req *r)
{
	const char *id = req_path(r, PR_RUN_ID);
	struct results_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.status = (int)req_int(r, QR_STATUS);
	f.q = req_str(r, QR_Q);
	f.cursor = req_str(r, QR_CURSOR);
	f.limit = (int)req_int(r, QR_LIMIT);
	sp = req_span(r, "runs_results");
	rc = runs_results(req_db(r), req_project_id(r), id, &f, &out);
	req_span_end(r, sp, rc, out, "results");
	if (rc == 0)
		return req_not_found(r, "no run '%s' in project '%s'", id,
		    req_project(r));
	return req_view(r, rc, out);
}

/* The query keys of GET /api/tests/runs/{run_id}/export. */
enum q_export {
	QE_FORMAT,
	QE__MAX
};
static const struct param_spec q_export[QE__MAX + 1] = {
	[QE_FORMAT] = { "format", PARAM_ENUM, 0, 0, 0, runexport_formats,
	    RUNEXPORT_CSV },
};

/* runexport_write()'s writer: the streamed body of request ctx. */
static void
export_write(void *ctx, const void *p, size_t n)
{
	req_stream_write(ctx, p, n);
}

/*
 * GET /api/tests/runs/{run_id}/export?format=csv|junit: 200 the run's
 * results as a file (CSV by default, or JUnit XML), streamed; 404; 400.
 */
static int
h_export(struct req *r)
{
	const char *id = req_path(r, PR_RUN_ID);
	struct runexport_out out = { export_write, r };
	struct runexport_run run;
	int format = (int)req_int(r, QE_FORMAT), rc;
	char disp[128];
	size_t i, n;

	if ((rc = runexport_find(req_db(r), req_project_id(r), id, &run)) == 0)
		return req_not_found(r, "no run '%s' in project '%s'", id,
		    req_project(r));
	if (rc == -1)
		return 503;
	/* the file's name: the run id with what a header cannot hold
	 * replaced */
	n = (size_t)snprintf(disp, sizeof(disp), "attachment; filename=\"");
	for (i = 0; run.run_id[i] != '\0' && n < sizeof(disp) - 12; i++)
		disp[n++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
		    "QRSTUVWXYZ0123456789._-", run.run_id[i]) != NULL ?
		    run.run_id[i] : '_';
	snprintf(disp + n, sizeof(disp) - n, ".%s\"", format == RUNEXPORT_CSV ?
	    "csv" : "xml");
	req_header(r, "Content-Disposition", disp);
	req_stream(r, format == RUNEXPORT_CSV ? "text/csv; charset=utf-8" :
	    "application/xml; charset=utf-8");
	if (runexport_write(req_db(r), &run, format, &out) == -1)
		log_error("export of run '%s' stopped: the database "
		    "failed (the file is cut short)", run.run_id);
	return 200;
}

/* The query keys of GET /api/tests/runs/{run_id}/gate: each rule, the
 * wait for the integrity pass, and the status of a failed verdict.  The
 * summary takes the same keys but fail_status, and max_failures in its
 * place (QS_MAX_FAILURES). */
enum q_gate {
	QG_MAX_NEW_FAILURES,
	QG_SEVERITY,
	QG_MAX_COUNT_DROP,
	QG_MIN_PASS_RATE,
	QG_WAIT,
	QG_FAIL_STATUS,
	QG__MAX
};
#define QS_MAX_FAILURES	QG_FAIL_STATUS
#define GATE_PARAMS \
	[QG_MAX_NEW_FAILURES] = { "max_new_failures", PARAM_INT, 0, 0, \
	    1000000, NULL, -1 }, \
	[QG_SEVERITY] = { "severity", PARAM_ENUM, 0, 0, 0, gate_severities, \
	    -1 }, \
	[QG_MAX_COUNT_DROP] = { "max_count_drop", PARAM_INT, 0, 0, \
	    100000000, NULL, -1 }, \
	[QG_MIN_PASS_RATE] = { "min_pass_rate_pct", PARAM_INT, 0, 0, 100, \
	    NULL, -1 }, \
	[QG_WAIT] = { "wait", PARAM_INT, 0, 0, GATE_WAIT_MAX, NULL, -1 }
static const struct param_spec q_gate[QG__MAX + 1] = {
	GATE_PARAMS,
	[QG_FAIL_STATUS] = { "fail_status", PARAM_INT, 0, 400, 599, NULL,
	    200 },
};
static const struct param_spec q_summary[QG__MAX + 1] = {
	GATE_PARAMS,
	[QS_MAX_FAILURES] = { "max_failures", PARAM_INT, 0, 1,
	    SUMMARY_LIST_MAX, NULL, 10 },
};

/*
 * The gate rules of a request into *g: testvis.conf's for the request's
 * project (gate_KEY.SLUG, else gate_KEY), each overridden by its query
 * key; with wait= given, first waits (gate_wait()) for the run to be
 * stored and judged by the integrity pass, and a run still unjudged then
 * fails the gate ("pending").  Returns 1, 0 when the run is unknown, or
 * -1 on a database error.
 */
static int
gate_prepare(struct req *r, const char *id, struct gate_rules *g)
{
	const struct config *cfg = req_config(r);

	gate_rules_of(cfg, req_project(r), g);
	if (req_int(r, QG_MAX_NEW_FAILURES) >= 0)
		g->max_new_failures = req_int(r, QG_MAX_NEW_FAILURES);
	if (req_int(r, QG_SEVERITY) >= 0)
		g->severity = (int)req_int(r, QG_SEVERITY);
	if (req_int(r, QG_MAX_COUNT_DROP) >= 0)
		g->max_count_drop = req_int(r, QG_MAX_COUNT_DROP);
	if (req_int(r, QG_MIN_PASS_RATE) >= 0)
		g->min_pass_rate_pct = req_int(r, QG_MIN_PASS_RATE);
	if (req_int(r, QG_WAIT) < 0)
		return 1;
	g->need_checked = 1;
	return gate_wait(req_db(r), req_project_id(r), id, req_int(r, QG_WAIT),
	    cfg->gate_settle_seconds);
}

/*
 * GET /api/tests/runs/{run_id}/gate: 200 {pass, reasons, rules,
 * integrity_checked, ...}; a failed verdict answers fail_status when
 * given (422 for curl --fail); 404; 400.  Rules come from testvis.conf
 * (per project where it says so), each overridable here; wait=SECONDS
 * (0..300) first waits for the run and its integrity check.
 */
static int
h_gate(struct req *r)
{
	const char *id = req_path(r, PR_RUN_ID);
	struct gate_rules g;
	json_t *out = NULL;
	int rc;

	if ((rc = gate_prepare(r, id, &g)) == 1)
		rc = gate_judge(req_db(r), req_project_id(r), id, &g, &out);
	if (rc == 0)
		return req_not_found(r, "no run '%s' in project '%s'", id,
		    req_project(r));
	if (rc == -1)
		return 503;
	return req_json(r, json_is_true(json_object_get(out, "pass")) ? 200 :
	    (int)req_int(r, QG_FAIL_STATUS), out);
}

/*
 * GET /api/tests/runs/{run_id}/summary.md: 200 the run's summary as
 * Markdown (lib/views/summary.c) for a pull-request comment, with the
 * gate's verdict by the same rules and wait= as /gate; max_failures
 * (1..50, 10) caps each list; 404; 400.
 */
static int
h_summary(struct req *r)
{
	const char *id = req_path(r, PR_RUN_ID);
	struct summary_opts o;
	struct buf md;
	int rc;

	memset(&o, 0, sizeof(o));
	o.max_failures = (int)req_int(r, QS_MAX_FAILURES);
	o.public_url = req_config(r)->public_url;
	o.project = req_project(r);
	buf_init(&md);
	if ((rc = gate_prepare(r, id, &o.rules)) == 1)
		rc = summary_build(req_db(r), req_project_id(r), id, &o, &md);
	if (rc == 1) {
		req_stream(r, "text/markdown; charset=utf-8");
		req_stream_write(r, md.p, md.len);
	}
	buf_free(&md);
	if (rc == 0)
		return req_not_found(r, "no run '%s' in project '%s'", id,
		    req_project(r));
	return rc == -1 ? 503 : 200;
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/tests/runs", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_list, NULL, h_list },
	{ HTTP_GET, "/api/tests/runs/{run_id}", SCOPE_READ, ROUTE_READ_CACHED,
	    p_run, NULL, NULL, h_detail },
	{ HTTP_GET, "/api/tests/runs/{run_id}/results", SCOPE_READ,
	    ROUTE_READ_CACHED, p_run, q_results, NULL, h_results },
	{ HTTP_GET, "/api/tests/runs/{run_id}/export", SCOPE_READ,
	    ROUTE_READ, p_run, q_export, NULL, h_export },
	{ HTTP_GET, "/api/tests/runs/{run_id}/gate", SCOPE_READ, ROUTE_READ,
	    p_run, q_gate, NULL, h_gate },
	{ HTTP_GET, "/api/tests/runs/{run_id}/summary.md", SCOPE_READ,
	    ROUTE_READ, p_run, q_summary, NULL, h_summary },
};

static const struct app app = {
	"testvis-runs", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
