/*
 * testvis-runs: the runs of a project (API-4), one run (API-5) and its
 * results (API-6).  Route and parameter tables, and handlers that turn
 * validated parameters into calls on lib/runs.c.
 */
#include <stddef.h>

#include "http.h"
#include "jval.h"
#include "runs.h"

static const char *const run_statuses[] = { "passed", "failed", "empty",
    NULL };
static const char *const result_statuses[] = { "passed", "failed", "error",
    "skipped", NULL };

static const struct param_spec q_list[] = {
	{ "branch", PARAM_STRING, 0, 1, 256, NULL },
	{ "status", PARAM_ENUM, 0, 0, 0, run_statuses },
	{ "since", PARAM_TIME, 0, 0, 0, NULL },
	{ "until", PARAM_TIME, 0, 0, 0, NULL },
	{ "git_sha", PARAM_STRING, 0, 1, 128, NULL },
	{ "session_id", PARAM_STRING, 0, 1, 256, NULL },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_results[] = {
	{ "status", PARAM_ENUM, 0, 0, 0, result_statuses },
	{ "q", PARAM_STRING, 0, 1, 256, NULL },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec p_run[] = {
	{ "run_id", PARAM_RUNID, 1, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* GET /api/tests/runs: 200 {"runs", "next_cursor"}; 400; 503. */
static int
h_list(struct req *r)
{
	struct runs_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.branch = req_opt_str(r, "branch");
	f.status = req_opt_str(r, "status");
	f.git_sha = req_opt_str(r, "git_sha");
	f.session_id = req_opt_str(r, "session_id");
	f.since = req_opt_int(r, "since", -1);
	f.until = req_opt_int(r, "until", -1);
	f.cursor = req_opt_str(r, "cursor");
	f.limit = (int)req_opt_int(r, "limit", 50);
	sp = req_span(r, "runs_list");
	rc = runs_list(req_db(r), req_project_id(r), &f, &out);
	req_span_end(r, sp, rc, out, "runs");
	if (rc == QUERY_BAD_CURSOR)
		return req_bad_param(r, "cursor",
		    "not a cursor of this list");
	if (rc == -1)
		return 503;
	return req_json(r, 200, out);
}

/* GET /api/tests/runs/{run_id}: 200 run; 404 not_found; 503. */
static int
h_detail(struct req *r)
{
	const char *id = req_path(r, "run_id");
	struct trace_span *sp = req_span(r, "runs_detail");
	json_t *out = NULL;
	int rc = runs_detail(req_db(r), req_project_id(r), id, &out);

	req_span_end(r, sp, rc, out, NULL);
	if (rc == 0)
		return req_error(r, 404, "not_found", NULL, "no run '%s' in "
		    "project '%s'", id, req_project(r));
	if (rc == -1)
		return 503;
	return req_json(r, 200, out);
}

/* GET /api/tests/runs/{run_id}/results: 200; 400; 404; 503. */
static int
h_results(struct req *r)
{
	const char *id = req_path(r, "run_id");
	struct results_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.status = (int)req_opt_int(r, "status", -1);
	f.q = req_opt_str(r, "q");
	f.cursor = req_opt_str(r, "cursor");
	f.limit = (int)req_opt_int(r, "limit", 50);
	sp = req_span(r, "runs_results");
	rc = runs_results(req_db(r), req_project_id(r), id, &f, &out);
	req_span_end(r, sp, rc, out, "results");
	if (rc == QUERY_BAD_CURSOR)
		return req_bad_param(r, "cursor",
		    "not a cursor of this list");
	if (rc == 0)
		return req_error(r, 404, "not_found", NULL, "no run '%s' in "
		    "project '%s'", id, req_project(r));
	if (rc == -1)
		return 503;
	return req_json(r, 200, out);
}

#define READ (ROUTE_GATED | ROUTE_PROJECT)
#define CACHED (READ | ROUTE_CACHED)
static const struct route routes[] = {
	{ HTTP_GET, "/api/tests/runs", SCOPE_READ, CACHED, NULL, q_list, NULL,
	    h_list },
	{ HTTP_GET, "/api/tests/runs/{run_id}", SCOPE_READ, CACHED, p_run, NULL,
	    NULL, h_detail },
	{ HTTP_GET, "/api/tests/runs/{run_id}/results", SCOPE_READ, CACHED,
	    p_run, q_results, NULL, h_results },
};

static const struct app app = {
	"testvis-runs", routes, sizeof(routes) / sizeof(routes[0]), NULL
};

int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
