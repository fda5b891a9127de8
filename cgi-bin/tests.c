/*
 * testvis-tests: the test catalogue (API-7), one test (API-8) and its
 * history, results, timing, uptime and incidents (API-9 … API-13), its
 * state (API-26: mute, quarantine) and the quarantine list.
 * Route and parameter tables, and handlers calling lib/tests.c.
 */
#include <stddef.h>
#include <string.h>

#include "db.h"
#include "fault.h"
#include "http.h"
#include "jval.h"
#include "rollup.h"
#include "runs.h"
#include "tests.h"
#include "teststate.h"
#include "tvtime.h"

static const char *const statuses[] = { "passed", "failed", "error",
    "skipped", "pending", NULL };

static const struct param_spec q_list[] = {
	{ "q", PARAM_STRING, 0, 1, 256, NULL },
	{ "status", PARAM_ENUM, 0, 0, 0, statuses },
	{ "flaky", PARAM_BOOL, 0, 0, 0, NULL },
	{ "owner", PARAM_STRING, 0, 1, 256, NULL },
	{ "tag", PARAM_STRING, 0, 1, 64, NULL },
	{ "feature_id", PARAM_INT, 0, 1, 1LL << 53, NULL },
	{ "domain_id", PARAM_INT, 0, 1, 1LL << 53, NULL },
	{ "sort", PARAM_ENUM, 0, 0, 0, tests_sort_names },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_history[] = {
	{ "branch", PARAM_STRING, 0, 1, 256, NULL },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_results[] = {
	{ "limit", PARAM_INT, 0, 1, 100, NULL },
	{ "offset", PARAM_INT, 0, 0, 1000000000, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_timing[] = {
	{ "limit", PARAM_INT, 0, 1, 200, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_uptime[] = {
	{ "hours", PARAM_INT, 0, 1, 8760, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_incidents[] = {
	{ "limit", PARAM_INT, 0, 1, 50, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const char *const paused_states[] = { "quarantined", "muted",
    "all", NULL };
static const struct param_spec q_quarantine[] = {
	{ "state", PARAM_ENUM, 0, 0, 0, paused_states },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const char *const json_types[] = { "application/json", NULL };
static const struct param_spec p_test[] = {
	{ "test_id", PARAM_HEX, 1, 16, 16, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* Turns a query result into the answer: 200, 404, 400 cursor or 503. */
static int
answer(struct req *r, int rc, json_t *out)
{
	if (rc == QUERY_BAD_CURSOR)
		return req_bad_param(r, "cursor", "not a cursor of this list");
	if (rc == 0)
		return req_error(r, 404, "not_found", NULL, "no test '%s' in "
		    "project '%s'", req_path(r, "test_id"), req_project(r));
	if (rc < 0)
		return 503;
	return req_json(r, 200, out);
}

/* GET /api/tests: 200 {"tests", "sort", "next_cursor"}; 400; 503. */
static int
h_list(struct req *r)
{
	struct tests_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.q = req_opt_str(r, "q");
	f.status = req_opt_str(r, "status");
	f.owner = req_opt_str(r, "owner");
	f.tag = req_opt_str(r, "tag");
	f.flaky = (int)req_opt_int(r, "flaky", -1);
	f.feature_id = req_opt_int(r, "feature_id", 0);
	f.domain_id = req_opt_int(r, "domain_id", 0);
	f.sort = (enum tests_sort)req_opt_int(r, "sort", SORT_NAME);
	f.cursor = req_opt_str(r, "cursor");
	f.limit = (int)req_opt_int(r, "limit", 50);
	sp = req_span(r, "tests_list");
	rc = tests_list(req_db(r), req_project_id(r), &f, &out);
	req_span_end(r, sp, rc, out, "tests");
	return answer(r, rc == 0 ? 1 : rc, out);
}

/* GET /api/tests/{test_id}: 200; 404; 503. */
static int
h_detail(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_detail");
	json_t *out = NULL;
	int rc = tests_detail(req_db(r), req_project_id(r),
	    req_path(r, "test_id"), &out);

	req_span_end(r, sp, rc, out, NULL);
	return answer(r, rc, out);
}

/* GET /api/tests/{test_id}/history: 200; 400 cursor; 404; 503. */
static int
h_history(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_history");
	json_t *out = NULL;
	int rc = tests_history(req_db(r), req_project_id(r),
	    req_path(r, "test_id"), req_opt_str(r, "branch"),
	    req_opt_str(r, "cursor"), (int)req_opt_int(r, "limit", 50), &out);

	req_span_end(r, sp, rc, out, "history");
	return answer(r, rc, out);
}

/* GET /api/tests/{test_id}/results: 200; 404; 503. */
static int
h_results(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_results");
	json_t *out = NULL;
	int rc = tests_results(req_db(r), req_project_id(r),
	    req_path(r, "test_id"), (int)req_opt_int(r, "limit", 20),
	    (int)req_opt_int(r, "offset", 0), &out);

	req_span_end(r, sp, rc, out, "results");
	return answer(r, rc, out);
}

/* GET /api/tests/{test_id}/timing: 200; 404; 503. */
static int
h_timing(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_timing");
	json_t *out = NULL;
	int rc = tests_timing(req_db(r), req_project_id(r),
	    req_path(r, "test_id"), (int)req_opt_int(r, "limit", 50), &out);

	req_span_end(r, sp, rc, out, "timing");
	return answer(r, rc, out);
}

/* GET /api/tests/{test_id}/uptime: 200; 404; 503. */
static int
h_uptime(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_uptime");
	json_t *out = NULL;
	int rc = tests_uptime(req_db(r), req_project_id(r),
	    req_path(r, "test_id"), (int)req_opt_int(r, "hours", 24),
	    tvtime_now_ms(), &out);

	req_span_end(r, sp, rc, out, NULL);
	return answer(r, rc, out);
}

/* GET /api/tests/{test_id}/incidents: 200; 404; 503. */
static int
h_incidents(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_incidents");
	json_t *out = NULL;
	int rc = tests_incidents(req_db(r), req_project_id(r),
	    req_path(r, "test_id"), (int)req_opt_int(r, "limit", 10), &out);

	req_span_end(r, sp, rc, out, "incidents");
	return answer(r, rc, out);
}

/*
 * PUT /api/tests/{test_id}/state (admin): 200 {test_id, state, reason,
 * previous_state, changed_at}; 400 bad body; 404; 413; 503.
 */
static int
h_state(struct req *r)
{
	struct fault f;
	struct trace_span *sp;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, 16384, &body)) != 0)
		return rc;
	sp = req_span(r, "teststate_set");
	rc = teststate_set(req_db(r), req_project_id(r), req_path(r,
	    "test_id"), body, tvtime_now_ms(), &out, &f);
	req_span_end(r, sp, rc, out, NULL);
	json_decref(body);
	if (rc == -1)
		return req_fault(r, &f);
	return answer(r, rc, out);
}

/*
 * GET /api/tests/quarantine?state=quarantined|muted|all: the paused
 * tests a CI job can skip or ignore.  200 {tests, next_cursor}; 400; 503.
 */
static int
h_quarantine(struct req *r)
{
	const char *state = req_opt_str(r, "state");
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	if (state == NULL)
		state = "quarantined";
	else if (strcmp(state, "all") == 0)
		state = NULL;
	sp = req_span(r, "teststate_list");
	rc = teststate_list(req_db(r), req_project_id(r), state,
	    req_opt_str(r, "cursor"), (int)req_opt_int(r, "limit", 50), &out);
	req_span_end(r, sp, rc, out, "tests");
	return answer(r, rc == 0 ? 1 : rc, out);
}

#define READ (ROUTE_GATED | ROUTE_PROJECT)
#define CACHED (READ | ROUTE_CACHED)
static const struct route routes[] = {
	{ HTTP_GET, "/api/tests", SCOPE_READ, CACHED, NULL, q_list, NULL,
	    h_list },
	{ HTTP_GET, "/api/tests/quarantine", SCOPE_READ, CACHED, NULL,
	    q_quarantine, NULL, h_quarantine },
	{ HTTP_GET, "/api/tests/{test_id}", SCOPE_READ, CACHED, p_test, NULL,
	    NULL, h_detail },
	{ HTTP_PUT, "/api/tests/{test_id}/state", SCOPE_ADMIN, READ, p_test,
	    NULL, json_types, h_state },
	{ HTTP_GET, "/api/tests/{test_id}/history", SCOPE_READ, CACHED, p_test,
	    q_history, NULL, h_history },
	{ HTTP_GET, "/api/tests/{test_id}/results", SCOPE_READ, CACHED, p_test,
	    q_results, NULL, h_results },
	{ HTTP_GET, "/api/tests/{test_id}/timing", SCOPE_READ, CACHED, p_test,
	    q_timing, NULL, h_timing },
	{ HTTP_GET, "/api/tests/{test_id}/uptime", SCOPE_READ, CACHED, p_test,
	    q_uptime, NULL, h_uptime },
	{ HTTP_GET, "/api/tests/{test_id}/incidents", SCOPE_READ, CACHED,
	    p_test, q_incidents, NULL, h_incidents },
};

static const struct app app = {
	"testvis-tests", routes, sizeof(routes) / sizeof(routes[0]),
	rollup_init_db		/* the catalogue sorts use them */
};

int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
