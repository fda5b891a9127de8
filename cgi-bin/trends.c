/*
 * testvis-trends: GET /api/trends (REP-2), one metric of the suite over
 * days or weeks with its anomalies and forecast.  Parameters are turned
 * into a query on lib/views/trends.c.
 */
#include <stddef.h>

#include "http.h"
#include "trends.h"
#include "tvtime.h"

/* The query keys of GET /api/trends. */
enum q_trends {
	Q_METRIC,
	Q_INTERVAL,
	Q_WINDOW,
	Q_BRANCH,
	Q_JOB,
	Q_K,
	Q_HORIZON,
	Q_UNTIL,
	Q__MAX
};
static const struct param_spec q_trends[Q__MAX + 1] = {
	[Q_METRIC] = { "metric", PARAM_ENUM, 1, 0, 0, trends_metrics, 0 },
	[Q_INTERVAL] = { "interval", PARAM_ENUM, 0, 0, 0, trends_intervals,
	    TI_WEEK },
	/* default: 30 days, or 12 weeks */
	[Q_WINDOW] = { "window", PARAM_INT, 0, 2, 366, NULL, 0 },
	[Q_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[Q_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
	[Q_K] = { "k", PARAM_INT, 0, 1, 10, NULL, 3 },
	[Q_HORIZON] = { "horizon", PARAM_INT, 0, 0, 12, NULL, 3 },
	[Q_UNTIL] = { "until", PARAM_TIME, 0, 0, 0, NULL, -1 },
};

/*
 * GET /api/trends?metric=M: 200 {metric, interval, window, branch, job,
 * unit, series, anomalies, forecast}; 400 for a missing or bad
 * parameter; 503.  The branch is the default branch unless named
 * (`*`: every branch).
 */
static int
h_trends(struct req *r)
{
	struct trends_query q;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	q.metric = (int)req_int(r, Q_METRIC);
	q.interval = (int)req_int(r, Q_INTERVAL);
	q.window = (int)req_int(r, Q_WINDOW);
	if (q.window == 0)
		q.window = q.interval == TI_DAY ? 30 : 12;
	q.horizon = (int)req_int(r, Q_HORIZON);
	q.k = (double)req_int(r, Q_K);
	q.job = req_str(r, Q_JOB);
	q.until = req_str(r, Q_UNTIL) != NULL ? req_int(r, Q_UNTIL) :
	    tvtime_now_ms();
	if (req_branch(r, Q_BRANCH, &q.branch) == -1)
		return 503;
	sp = req_span(r, "trends");
	rc = trends_get(req_db(r), req_project_id(r), &q, &out);
	req_span_end(r, sp, rc, out, "series");
	return req_view(r, rc, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/trends", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    q_trends, NULL, h_trends },
};

static const struct app app = {
	"testvis-trends", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Serves the route above (lib/web/http.c); `--routes` lists it. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
