/*
 * testvis-insights: the overview and the cross-test views: the dashboard
 * (API-3), failure groups (API-23), flaky tests (API-21), the slowest
 * tests and duration regressions (API-22), and correlation (API-20).
 */
#include <stddef.h>
#include <string.h>

#include "branch.h"
#include "correlate.h"
#include "dash.h"
#include "db.h"
#include "fault.h"
#include "http.h"
#include "jval.h"
#include "rollup.h"
#include "slowest.h"
#include "tests.h"
#include "tvtime.h"

/* The query keys of GET /api/dashboard. */
enum q_dashboard {
	QD_BRANCH,
	QD_JOB,
	QD__MAX
};
static const struct param_spec q_dashboard[QD__MAX + 1] = {
	[QD_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QD_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
};

/* The query keys of GET /api/failures. */
enum q_failures {
	QF_SINCE,
	QF_BRANCH,
	QF_JOB,
	QF_LIMIT,
	QF_CURSOR,
	QF__MAX
};
static const struct param_spec q_failures[QF__MAX + 1] = {
	[QF_SINCE] = { "since", PARAM_TIME, 0, 0, 0, NULL, -1 },
	[QF_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QF_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
	PARAM_PAGE(QF_LIMIT, 500, 50),
};

/* The query keys of GET /api/tests/flaky. */
enum q_flaky {
	QK_STATE,
	QK_TEST_ID,
	QK_BRANCH,
	QK_JOB,
	QK_LIMIT,
	QK_CURSOR,
	QK__MAX
};
/* flaky_states[FLAKY_ALL] asks for both */
static const char *const flaky_states[] = { "flaky", "resolved", "all",
    NULL };
#define FLAKY_ALL	2
static const struct param_spec q_flaky[QK__MAX + 1] = {
	[QK_STATE] = { "state", PARAM_ENUM, 0, 0, 0, flaky_states, 0 },
	[QK_TEST_ID] = { "test_id", PARAM_HEX, 0, 16, 16, NULL, 0 },
	[QK_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QK_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
	PARAM_PAGE(QK_LIMIT, 500, 50),
};

/* The query keys of GET /api/tests/slowest. */
enum q_slowest {
	QS_BY,
	QS_LIMIT,
	QS__MAX
};
static const char *const slow_by[] = { "p50", "p95", NULL };
#define SLOW_BY_P95	1
static const struct param_spec q_slowest[QS__MAX + 1] = {
	[QS_BY] = { "by", PARAM_ENUM, 0, 0, 0, slow_by, SLOW_BY_P95 },
	[QS_LIMIT] = { "limit", PARAM_INT, 0, 1, 500, NULL, 20 },
};

/*
 * The query keys of GET /api/tests/correlate: one per enum correlate_by,
 * in its order.
 */
static const struct param_spec q_correlate[BY__MAX + 1] = {
	[BY_RUN_ID] = { "run_id", PARAM_RUNID, 0, 0, 0, NULL, 0 },
	[BY_GIT_SHA] = { "git_sha", PARAM_STRING, 0, 1, 128, NULL, 0 },
	[BY_SESSION_ID] = { "session_id", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[BY_FEATURE_ID] = { "feature_id", PARAM_INT, 0, 1, 1LL << 53, NULL,
	    0 },
};

/*
 * GET /api/dashboard?branch=B (default: the project's default branch,
 * branch_default()) &job=J (default: every job): 200 overview, also for
 * a branch without runs (then empty); 400; 503.
 */
static int
h_dashboard(struct req *r)
{
	struct trace_span *sp;
	char def[BRANCH_BYTES];
	const char *branch = req_str(r, QD_BRANCH);
	json_t *o;

	if (branch == NULL) {
		if (branch_default(req_db(r), req_project_id(r), req_config(r),
		    def, sizeof(def)) == -1)
			return req_view(r, -1, NULL);
		branch = def;
	}
	sp = req_span(r, "dash_overview");
	o = dash_overview(req_db(r), req_project_id(r), branch,
	    req_str(r, QD_JOB), tvtime_now_ms());

	req_span_end(r, sp, o != NULL ? 1 : -1, o, NULL);
	if (o != NULL)
		jval_set(o, "project", jval_str(req_project(r)));
	return req_view(r, o != NULL ? 1 : -1, o);
}

/*
 * GET /api/failures?since, branch (default: the default branch; "*":
 * every branch), job (only failures of runs of that branch and job):
 * 200 {"failures", "branch", "job", "next_cursor"}; 400; 503.
 */
static int
h_failures(struct req *r)
{
	struct trace_span *sp;
	const char *branch;
	json_t *out = NULL;
	int rc;

	if (req_branch(r, QF_BRANCH, &branch) == -1)
		return req_view(r, -1, NULL);
	sp = req_span(r, "dash_failures");
	rc = dash_failures(req_db(r), req_project_id(r),
	    req_int(r, QF_SINCE), branch, req_str(r, QF_JOB),
	    req_str(r, QF_CURSOR), (int)req_int(r, QF_LIMIT), &out);
	req_span_end(r, sp, rc, out, "failures");
	if (rc == 0) {
		jval_set(out, "branch", branch != NULL ? jval_str(branch) :
		    json_null());
		jval_set(out, "job", req_str(r, QF_JOB) != NULL ?
		    jval_str(req_str(r, QF_JOB)) : json_null());
	}
	return req_view(r, rc, out);
}

/*
 * GET /api/tests/flaky?state=flaky|resolved|all (default flaky), test_id
 * (only that test, on every branch unless branch says), branch (default:
 * the default branch; "*": every branch) and job (tests with flaky
 * evidence there): 200 {"flaky", "branch", "job", "next_cursor"}; 400;
 * 503.
 */
static int
h_flaky(struct req *r)
{
	long long state = req_int(r, QK_STATE);
	struct tests_scope sc = { NULL, req_str(r, QK_JOB), 0 };
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	if ((req_str(r, QK_TEST_ID) == NULL || req_str(r, QK_BRANCH) !=
	    NULL) && req_branch(r, QK_BRANCH, &sc.branch) == -1)
		return req_view(r, -1, NULL);
	sp = req_span(r, "flaky_list");
	rc = tests_flaky(req_db(r), req_project_id(r), state == FLAKY_ALL ?
	    NULL : flaky_states[state], req_str(r, QK_TEST_ID), &sc,
	    req_str(r, QK_CURSOR), (int)req_int(r, QK_LIMIT), &out);
	req_span_end(r, sp, rc, out, "flaky");
	return req_view(r, rc, out);
}

/* GET /api/tests/slowest: 200 {by, slowest, regressions}; 503. */
static int
h_slowest(struct req *r)
{
	struct trace_span *sp = req_span(r, "flaky_slowest");
	json_t *o = slowest_list(req_db(r), req_project_id(r),
	    req_int(r, QS_BY) == SLOW_BY_P95, (int)req_int(r, QS_LIMIT));

	req_span_end(r, sp, o != NULL ? 1 : -1, o, "slowest");
	return req_view(r, o != NULL ? 1 : -1, o);
}

/*
 * GET /api/tests/correlate: exactly one of run_id, git_sha, session_id,
 * feature_id.  200; 400 when none or several are given; 404 when nothing
 * is linked, or there is no such feature; 503.
 */
static int
h_correlate(struct req *r)
{
	struct trace_span *sp;
	struct fault f;
	json_t *out = NULL;
	const char *v;
	int i, given = 0, by = 0, rc;

	for (i = 0; i < BY__MAX; i++)
		if (req_param(r, i)->present) {
			given++;
			by = i;
		}
	if (given != 1) {
		memset(&f, 0, sizeof(f));
		fault_param(&f, given == 0 ? q_correlate[0].name :
		    q_correlate[by].name, given == 0 ? "missing" : "invalid",
		    "give exactly one of run_id, git_sha, session_id or "
		    "feature_id");
		return req_fault(r, &f);
	}
	v = req_str(r, by);
	sp = req_span(r, "correlate");
	rc = correlate(req_db(r), req_config(r), req_project_id(r),
	    req_project(r), (enum correlate_by)by, v, &out);
	req_span_end(r, sp, rc, out, "runs");
	if (rc == 0 && by == BY_FEATURE_ID)
		return req_not_found(r, "no feature %s in project '%s'", v,
		    req_project(r));
	if (rc == 0)
		return req_not_found(r, "nothing in project '%s' is linked to "
		    "%s '%s'", req_project(r), q_correlate[by].name, v);
	return req_view(r, rc, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/dashboard", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_dashboard, NULL, h_dashboard },
	{ HTTP_GET, "/api/failures", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_failures, NULL, h_failures },
	{ HTTP_GET, "/api/tests/flaky", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_flaky, NULL, h_flaky },
	{ HTTP_GET, "/api/tests/slowest", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_slowest, NULL, h_slowest },
	{ HTTP_GET, "/api/tests/correlate", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_correlate, NULL, h_correlate },
};

static const struct app app = {
	"testvis-insights", routes, sizeof(routes) / sizeof(routes[0]),
	NULL,			/* SQL functions are on every connection */
	0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
