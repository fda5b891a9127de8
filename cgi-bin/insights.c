/*
 * testvis-insights: the overview and the cross-test views: the dashboard
 * (API-3), failure groups (API-23), flaky tests (API-21), the slowest
 * tests and duration regressions (API-22), and correlation (API-20).
 */
#include <stddef.h>
#include <string.h>

#include "correlate.h"
#include "dash.h"
#include "db.h"
#include "flaky.h"
#include "http.h"
#include "jval.h"
#include "rollup.h"
#include "runs.h"
#include "tvtime.h"

static const char *const slow_by[] = { "p50", "p95", NULL };

static const struct param_spec q_failures[] = {
	{ "since", PARAM_TIME, 0, 0, 0, NULL },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const char *const flaky_states[] = { "flaky", "resolved", "all",
    NULL };
static const struct param_spec q_flaky[] = {
	{ "state", PARAM_ENUM, 0, 0, 0, flaky_states },
	{ "test_id", PARAM_HEX, 0, 16, 16, NULL },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_slowest[] = {
	{ "by", PARAM_ENUM, 0, 0, 0, slow_by },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec q_correlate[] = {
	{ "run_id", PARAM_RUNID, 0, 0, 0, NULL },
	{ "git_sha", PARAM_STRING, 0, 1, 128, NULL },
	{ "session_id", PARAM_STRING, 0, 1, 256, NULL },
	{ "feature_id", PARAM_INT, 0, 1, 1LL << 53, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* GET /api/dashboard: 200 overview; 503. */
static int
h_dashboard(struct req *r)
{
	struct trace_span *sp = req_span(r, "dash_overview");
	json_t *o = dash_overview(req_db(r), req_project_id(r),
	    tvtime_now_ms());

	req_span_end(r, sp, o != NULL ? 1 : -1, o, NULL);
	if (o == NULL)
		return 503;
	jval_set(o, "project", jval_str(req_project(r)));
	return req_json(r, 200, o);
}

/* GET /api/failures: 200 {"failures", "next_cursor"}; 400; 503. */
static int
h_failures(struct req *r)
{
	struct trace_span *sp = req_span(r, "dash_failures");
	json_t *out = NULL;
	int rc = dash_failures(req_db(r), req_project_id(r),
	    req_opt_int(r, "since", -1), req_opt_str(r, "cursor"),
	    (int)req_opt_int(r, "limit", 50), &out);

	req_span_end(r, sp, rc, out, "failures");
	if (rc == QUERY_BAD_CURSOR)
		return req_bad_param(r, "cursor",
		    "not a cursor of this list");
	if (rc == -1)
		return 503;
	return req_json(r, 200, out);
}

/* GET /api/tests/flaky?state=flaky|resolved|all (default flaky), test_id
 * (only that test): 200 {"flaky", "next_cursor"}; 400; 503. */
static int
h_flaky(struct req *r)
{
	struct trace_span *sp;
	json_t *out = NULL;
	const char *state = req_opt_str(r, "state");
	int rc;

	if (state == NULL)
		state = "flaky";
	else if (strcmp(state, "all") == 0)
		state = NULL;
	sp = req_span(r, "flaky_list");
	rc = flaky_list(req_db(r), req_project_id(r), state,
	    req_opt_str(r, "test_id"), req_opt_str(r, "cursor"), (int)req_opt_int(r, "limit", 50), &out);
	req_span_end(r, sp, rc, out, "flaky");

	if (rc == QUERY_BAD_CURSOR)
		return req_bad_param(r, "cursor",
		    "not a cursor of this list");
	if (rc == -1)
		return 503;
	return req_json(r, 200, out);
}

/* GET /api/tests/slowest: 200 {by, slowest, regressions}; 503. */
static int
h_slowest(struct req *r)
{
	struct trace_span *sp = req_span(r, "flaky_slowest");
	json_t *o = flaky_slowest(req_db(r), req_project_id(r),
	    req_opt_int(r, "by", 1) == 1, (int)req_opt_int(r, "limit", 20));

	req_span_end(r, sp, o != NULL ? 1 : -1, o, "slowest");
	return o != NULL ? req_json(r, 200, o) : 503;
}

/*
 * GET /api/tests/correlate: exactly one of run_id, git_sha, session_id,
 * feature_id.  200; 400 when none or several are given; 404 when nothing
 * is linked, or there is no such feature; 503.
 */
static int
h_correlate(struct req *r)
{
	static const char *const keys[BY__MAX] = { "run_id", "git_sha",
	    "session_id", "feature_id" };
	struct trace_span *sp;
	json_t *out = NULL, *d;
	int i, given = 0, by = 0, rc;

	for (i = 0; i < BY__MAX; i++)
		if (req_param(r, keys[i])->present) {
			given++;
			by = i;
		}
	if (given != 1) {
		d = jval_object();
		jval_set(d, "param", jval_str(given == 0 ? "run_id" :
		    keys[by]));
		jval_set(d, "reason", jval_str(given == 0 ? "missing" :
		    "invalid"));
		return req_error(r, 400, "invalid_param", d, "give exactly one "
		    "of run_id, git_sha, session_id or feature_id");
	}
	sp = req_span(r, "correlate");
	rc = correlate(req_db(r), req_config(r), req_project_id(r),
	    req_project(r), (enum correlate_by)by, req_param(r,
	    keys[by])->s, &out);
	req_span_end(r, sp, rc, out, "runs");
	if (rc == 0 && by == BY_FEATURE_ID)
		return req_error(r, 404, "not_found", NULL, "no feature %s in "
		    "project '%s'", req_param(r, keys[by])->s, req_project(r));
	if (rc == 0)
		return req_error(r, 404, "not_found", NULL, "nothing in "
		    "project '%s' is linked to %s '%s'", req_project(r),
		    keys[by], req_param(r, keys[by])->s);
	if (rc == -1)
		return 503;
	return req_json(r, 200, out);
}

#define READ (ROUTE_GATED | ROUTE_PROJECT)
#define CACHED (READ | ROUTE_CACHED)
static const struct route routes[] = {
	{ HTTP_GET, "/api/dashboard", SCOPE_READ, CACHED, NULL, NULL, NULL,
	    h_dashboard },
	{ HTTP_GET, "/api/failures", SCOPE_READ, CACHED, NULL, q_failures, NULL,
	    h_failures },
	{ HTTP_GET, "/api/tests/flaky", SCOPE_READ, CACHED, NULL, q_flaky, NULL,
	    h_flaky },
	{ HTTP_GET, "/api/tests/slowest", SCOPE_READ, CACHED, NULL, q_slowest,
	    NULL, h_slowest },
	{ HTTP_GET, "/api/tests/correlate", SCOPE_READ, CACHED, NULL,
	    q_correlate, NULL, h_correlate },
};

static const struct app app = {
	"testvis-insights", routes, sizeof(routes) / sizeof(routes[0]),
	rollup_init_db		/* the flaky and slowest views use them */
};

int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
