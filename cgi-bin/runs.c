/*
 * testvis-runs: the runs of a project (API-4), one run (API-5) and its
 * results (API-6).  Route and parameter tables, and handlers that turn
 * validated parameters into calls on lib/views/runs.c.
 */
#include <stddef.h>

#include "http.h"
#include "jval.h"
#include "runs.h"

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

static const struct route routes[] = {
	{ HTTP_GET, "/api/tests/runs", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_list, NULL, h_list },
	{ HTTP_GET, "/api/tests/runs/{run_id}", SCOPE_READ, ROUTE_READ_CACHED,
	    p_run, NULL, NULL, h_detail },
	{ HTTP_GET, "/api/tests/runs/{run_id}/results", SCOPE_READ,
	    ROUTE_READ_CACHED, p_run, q_results, NULL, h_results },
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
