/*
 * testvis-quality: the quality report (issue 16 item 3, REP-3):
 * flakiness, stability, MTTR, most- and never-failing tests, test-count
 * drift and slowest-growing suites of one branch and job.  Route and
 * parameter table, and the handler calling lib/views/quality.c.
 */
#include <stddef.h>

#include "db.h"
#include "http.h"
#include "quality.h"
#include "tvtime.h"

/* 90 days: the default window of since */
#define QUALITY_WINDOW_MS	(90LL * 86400 * 1000)

/* The query keys of GET /api/quality. */
enum q_quality {
	QQ_BRANCH,
	QQ_JOB,
	QQ_MIN_RUNS,
	QQ_LIMIT,
	QQ_SINCE,
	QQ__MAX
};
static const struct param_spec q_quality[QQ__MAX + 1] = {
	[QQ_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QQ_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
	[QQ_MIN_RUNS] = { "min_runs", PARAM_INT, 0, 1, 1000000000, NULL, 20 },
	[QQ_LIMIT] = { "limit", PARAM_INT, 0, 1, 100, NULL, 10 },
	[QQ_SINCE] = { "since", PARAM_TIME, 0, 0, 0, NULL, -1 },
};

/*
 * GET /api/quality: 200 {branch, job, since, min_runs, flakiness,
 * stability, mttr, most_failing, never_failing, count_drift,
 * slowest_growing}; 400 for a bad parameter; 503.
 */
static int
h_quality(struct req *r)
{
	struct quality_scope sc;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	sc.job = req_str(r, QQ_JOB);
	sc.min_runs = req_int(r, QQ_MIN_RUNS);
	sc.limit = (int)req_int(r, QQ_LIMIT);
	sc.since = req_param(r, QQ_SINCE)->present ? req_int(r, QQ_SINCE) :
	    tvtime_now_ms() - QUALITY_WINDOW_MS;
	if (req_branch(r, QQ_BRANCH, &sc.branch) == -1)
		return req_view(r, -1, NULL);
	sp = req_span(r, "quality_report");
	rc = quality_report(req_db(r), req_project_id(r), &sc, &out);
	req_span_end(r, sp, rc, out, NULL);
	return req_view(r, rc, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/quality", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_quality, NULL, h_quality },
};

static const struct app app = {
	"testvis-quality", routes, sizeof(routes) / sizeof(routes[0]),
	NULL,			/* SQL functions are on every connection */
	0
};

/* Serves the route above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
