/*
 * testvis-tests: the test catalogue (API-7), one test (API-8) and its
 * history, results, timing, uptime and incidents (API-9 … API-13), its
 * state (API-26: mute, quarantine) and the quarantine list.
 * Route and parameter tables, and handlers calling lib/views/tests.c.
 */
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "fault.h"
#include "http.h"
#include "jval.h"
#include "rollup.h"
#include "tests.h"
#include "teststate.h"
#include "tvtime.h"

/* "failing": failed or error, the overview's failing count (issue 13) */
static const char *const statuses[] = { "passed", "failed", "error",
    "skipped", "pending", "failing", NULL };

/* The query keys of GET /api/tests, indexing q_list. */
enum q_list {
	QL_Q,
	QL_STATUS,
	QL_FLAKY,
	QL_OWNER,
	QL_TAG,
	QL_FEATURE_ID,
	QL_DOMAIN_ID,
	QL_SORT,
	QL_BRANCH,
	QL_JOB,
	QL_LIMIT,
	QL_CURSOR,
	QL__MAX
};
static const struct param_spec q_list[QL__MAX + 1] = {
	[QL_Q] = { "q", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QL_STATUS] = { "status", PARAM_ENUM, 0, 0, 0, statuses, 0 },
	[QL_FLAKY] = { "flaky", PARAM_BOOL, 0, 0, 0, NULL, -1 },
	[QL_OWNER] = { "owner", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QL_TAG] = { "tag", PARAM_STRING, 0, 1, 64, NULL, 0 },
	[QL_FEATURE_ID] = { "feature_id", PARAM_INT, 0, 1, 1LL << 53, NULL,
	    0 },
	[QL_DOMAIN_ID] = { "domain_id", PARAM_INT, 0, 1, 1LL << 53, NULL, 0 },
	[QL_SORT] = { "sort", PARAM_ENUM, 0, 0, 0, tests_sort_names,
	    SORT_NAME },
	[QL_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QL_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
	PARAM_PAGE(QL_LIMIT, 500, 50),
};

/* The query keys of GET /api/tests/{test_id}: the scope of its figures. */
enum q_detail {
	QD_BRANCH,
	QD_JOB,
	QD__MAX
};
static const struct param_spec q_detail[QD__MAX + 1] = {
	[QD_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QD_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
};

/* The query keys of GET /api/tests/{test_id}/history. */
enum q_history {
	QH_BRANCH,
	QH_LIMIT,
	QH_CURSOR,
	QH__MAX
};
static const struct param_spec q_history[QH__MAX + 1] = {
	[QH_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	PARAM_PAGE(QH_LIMIT, 500, 50),
};

/* The query keys of GET /api/tests/{test_id}/results. */
enum q_results {
	QR_LIMIT,
	QR_OFFSET,
	QR__MAX
};
static const struct param_spec q_results[QR__MAX + 1] = {
	[QR_LIMIT] = { "limit", PARAM_INT, 0, 1, 100, NULL, 20 },
	[QR_OFFSET] = { "offset", PARAM_INT, 0, 0, 1000000000, NULL, 0 },
};

/* The one query key of .../timing, .../uptime and .../incidents. */
enum q_one {
	Q1_KEY,
	Q1__MAX
};
static const struct param_spec q_timing[Q1__MAX + 1] = {
	[Q1_KEY] = { "limit", PARAM_INT, 0, 1, 200, NULL, 50 },
};
static const struct param_spec q_uptime[Q1__MAX + 1] = {
	[Q1_KEY] = { "hours", PARAM_INT, 0, 1, 8760, NULL, 24 },
};
static const struct param_spec q_incidents[Q1__MAX + 1] = {
	[Q1_KEY] = { "limit", PARAM_INT, 0, 1, 50, NULL, 10 },
};

/* The query keys of GET /api/tests/quarantine. */
enum q_quarantine {
	QQ_STATE,
	QQ_LIMIT,
	QQ_CURSOR,
	QQ__MAX
};
/* paused_states[PAUSED_ALL] asks for both */
static const char *const paused_states[] = { "quarantined", "muted",
    "all", NULL };
#define PAUSED_ALL	2
static const struct param_spec q_quarantine[QQ__MAX + 1] = {
	[QQ_STATE] = { "state", PARAM_ENUM, 0, 0, 0, paused_states, 0 },
	PARAM_PAGE(QQ_LIMIT, 500, 50),
};

static const char *const json_types[] = { "application/json", NULL };

/* The path segment of /api/tests/{test_id}... */
enum p_test {
	PT_TEST_ID,
	PT__MAX
};
static const struct param_spec p_test[PT__MAX + 1] = {
	[PT_TEST_ID] = { "test_id", PARAM_HEX, 1, 16, 16, NULL, 0 },
};

/*
 * Answers a view about one test: 200, 404 when the test is unknown, 400
 * for a cursor of another list, or 503.
 */
static int
answer(struct req *r, int rc, json_t *out)
{
	if (rc == 0)
		return req_not_found(r, "no test '%s' in project '%s'",
		    req_path(r, PT_TEST_ID), req_project(r));
	return req_view(r, rc, out);
}

/* answer() for a view that wrote its text into out (taken, or freed) */
static int
answer_written(struct req *r, int rc, struct buf *out)
{
	if (rc == 0) {
		buf_free(out);
		return req_not_found(r, "no test '%s' in project '%s'",
		    req_path(r, PT_TEST_ID), req_project(r));
	}
	return req_text(r, rc, out);
}

/*
 * GET /api/tests: 200 {"tests", "sort", "branch", "job", "next_cursor"}:
 * the tests that ran on branch (default: the default branch; "*": every
 * branch, with the project's rollups) and job; 400; 503.
 */
static int
h_list(struct req *r)
{
	struct tests_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.q = req_str(r, QL_Q);
	f.status = req_str(r, QL_STATUS);
	f.owner = req_str(r, QL_OWNER);
	f.tag = req_str(r, QL_TAG);
	f.flaky = (int)req_int(r, QL_FLAKY);
	f.feature_id = req_int(r, QL_FEATURE_ID);
	f.domain_id = req_int(r, QL_DOMAIN_ID);
	f.sort = (enum tests_sort)req_int(r, QL_SORT);
	f.cursor = req_str(r, QL_CURSOR);
	f.limit = (int)req_int(r, QL_LIMIT);
	f.job = req_str(r, QL_JOB);
	f.flaky_window = req_config(r)->flaky_window;
	if (req_branch(r, QL_BRANCH, &f.branch) == -1)
		return req_view(r, -1, NULL);
	sp = req_span(r, "tests_list");
	rc = tests_list(req_db(r), req_project_id(r), &f, &out);
	req_span_end(r, sp, rc, out, "tests");
	return req_view(r, rc, out);
}

/* GET /api/tests/{test_id}?branch&job (as the catalogue's): 200; 404;
 * 503. */
static int
h_detail(struct req *r)
{
	struct tests_scope sc;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	sc.job = req_str(r, QD_JOB);
	sc.flaky_window = req_config(r)->flaky_window;
	if (req_branch(r, QD_BRANCH, &sc.branch) == -1)
		return req_view(r, -1, NULL);
	sp = req_span(r, "tests_detail");
	rc = tests_detail(req_db(r), req_project_id(r),
	    req_path(r, PT_TEST_ID), &sc, &out);
	req_span_end(r, sp, rc, out, NULL);
	return answer(r, rc, out);
}

/* GET /api/tests/{test_id}/history: 200; 400 cursor; 404; 503. */
static int
h_history(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_history");
	struct buf out;
	long rows;
	int rc;

	buf_init(&out);
	rc = tests_history(req_db(r), req_project_id(r),
	    req_path(r, PT_TEST_ID), req_str(r, QH_BRANCH),
	    req_str(r, QH_CURSOR), (int)req_int(r, QH_LIMIT), &out, &rows);
	req_span_rows(r, sp, rc, rows);
	return answer_written(r, rc, &out);
}

/* GET /api/tests/{test_id}/results: 200; 404; 503. */
static int
h_results(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_results");
	struct buf out;
	long rows;
	int rc;

	buf_init(&out);
	rc = tests_results(req_db(r), req_project_id(r),
	    req_path(r, PT_TEST_ID), (int)req_int(r, QR_LIMIT),
	    (int)req_int(r, QR_OFFSET), &out, &rows);
	req_span_rows(r, sp, rc, rows);
	return answer_written(r, rc, &out);
}

/* GET /api/tests/{test_id}/timing: 200; 404; 503. */
static int
h_timing(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_timing");
	struct buf out;
	long rows;
	int rc;

	buf_init(&out);
	rc = tests_timing(req_db(r), req_project_id(r),
	    req_path(r, PT_TEST_ID), (int)req_int(r, Q1_KEY), &out, &rows);
	req_span_rows(r, sp, rc, rows);
	return answer_written(r, rc, &out);
}

/* GET /api/tests/{test_id}/uptime: 200; 404; 503. */
static int
h_uptime(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_uptime");
	json_t *out = NULL;
	int rc = tests_uptime(req_db(r), req_project_id(r),
	    req_path(r, PT_TEST_ID), (int)req_int(r, Q1_KEY),
	    tvtime_now_ms(), &out);

	req_span_end(r, sp, rc, out, NULL);
	return answer(r, rc, out);
}

/* GET /api/tests/{test_id}/incidents: 200; 404; 503. */
static int
h_incidents(struct req *r)
{
	struct trace_span *sp = req_span(r, "tests_incidents");
	struct buf out;
	long rows;
	int rc;

	buf_init(&out);
	rc = tests_incidents(req_db(r), req_project_id(r),
	    req_path(r, PT_TEST_ID), (int)req_int(r, Q1_KEY), &out, &rows);
	req_span_rows(r, sp, rc, rows);
	return answer_written(r, rc, &out);
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
	    PT_TEST_ID), body, tvtime_now_ms(), &out, &f);
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
	long long state = req_int(r, QQ_STATE);
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	sp = req_span(r, "teststate_list");
	rc = teststate_list(req_db(r), req_project_id(r), state ==
	    PAUSED_ALL ? NULL : paused_states[state], req_str(r, QQ_CURSOR),
	    (int)req_int(r, QQ_LIMIT), &out);
	req_span_end(r, sp, rc, out, "tests");
	return req_view(r, rc, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/tests", SCOPE_READ, ROUTE_READ_CACHED, NULL, q_list,
	    NULL, h_list },
	{ HTTP_GET, "/api/tests/quarantine", SCOPE_READ, ROUTE_READ_CACHED,
	    NULL, q_quarantine, NULL, h_quarantine },
	{ HTTP_GET, "/api/tests/{test_id}", SCOPE_READ, ROUTE_READ_CACHED,
	    p_test, q_detail, NULL, h_detail },
	{ HTTP_PUT, "/api/tests/{test_id}/state", SCOPE_ADMIN, ROUTE_READ,
	    p_test, NULL, json_types, h_state },
	{ HTTP_GET, "/api/tests/{test_id}/history", SCOPE_READ,
	    ROUTE_READ_CACHED, p_test, q_history, NULL, h_history },
	{ HTTP_GET, "/api/tests/{test_id}/results", SCOPE_READ,
	    ROUTE_READ_CACHED, p_test, q_results, NULL, h_results },
	{ HTTP_GET, "/api/tests/{test_id}/timing", SCOPE_READ,
	    ROUTE_READ_CACHED, p_test, q_timing, NULL, h_timing },
	{ HTTP_GET, "/api/tests/{test_id}/uptime", SCOPE_READ,
	    ROUTE_READ_CACHED, p_test, q_uptime, NULL, h_uptime },
	{ HTTP_GET, "/api/tests/{test_id}/incidents", SCOPE_READ,
	    ROUTE_READ_CACHED, p_test, q_incidents, NULL, h_incidents },
};

static const struct app app = {
	"testvis-tests", routes, sizeof(routes) / sizeof(routes[0]),
	NULL,			/* SQL functions are on every connection */
	0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
