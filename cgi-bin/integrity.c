/*
 * testvis-integrity: the integrity signals the batch raised when a run
 * made the suite weaker (API-18: list with filters and a cursor) and
 * their triage (API-19: acknowledge, resolve or reopen, admin only; one
 * signal, or many at once: by ids, by run or by coding session).
 * Route and parameter tables, and handlers calling lib/views/signals.c.
 */
#include <stddef.h>
#include <string.h>

#include "db.h"
#include "fault.h"
#include "http.h"
#include "signals.h"
#include "tvtime.h"

static const char *const json_types[] = { "application/json", NULL };

/* The query keys of GET /api/tests/integrity/alerts. */
enum q_alerts {
	QA_SINCE,
	QA_SIGNAL_TYPE,
	QA_SEVERITY,
	QA_STATUS,
	QA_SESSION_ID,
	QA_LIMIT,
	QA_CURSOR,
	QA__MAX
};
static const struct param_spec q_alerts[QA__MAX + 1] = {
	[QA_SINCE] = { "since", PARAM_TIME, 0, 0, 0, NULL, -1 },
	[QA_SIGNAL_TYPE] = { "signal_type", PARAM_ENUM, 0, 0, 0,
	    signals_types, 0 },
	[QA_SEVERITY] = { "severity", PARAM_ENUM, 0, 0, 0,
	    signals_severities, 0 },
	[QA_STATUS] = { "status", PARAM_ENUM, 0, 0, 0, signals_statuses, 0 },
	[QA_SESSION_ID] = { "session_id", PARAM_STRING, 0, 1, 256, NULL, 0 },
	PARAM_PAGE(QA_LIMIT, 500, 50),
};

/* The path segment of /api/tests/integrity/alerts/{signal_id}. */
enum p_signal {
	PS_SIGNAL_ID,
	PS__MAX
};
static const struct param_spec p_signal[PS__MAX + 1] = {
	[PS_SIGNAL_ID] = { "signal_id", PARAM_INT, 1, 1, 1LL << 53, NULL, 0 },
};

/* GET /api/tests/integrity/alerts: 200 {alerts, next_cursor}; 400; 503. */
static int
h_alerts(struct req *r)
{
	struct signals_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.since = req_int(r, QA_SINCE);
	f.type = req_str(r, QA_SIGNAL_TYPE);
	f.severity = req_str(r, QA_SEVERITY);
	f.status = req_str(r, QA_STATUS);
	f.session_id = req_str(r, QA_SESSION_ID);
	f.cursor = req_str(r, QA_CURSOR);
	f.limit = (int)req_int(r, QA_LIMIT);
	sp = req_span(r, "signals_list");
	rc = signals_list(req_db(r), req_project_id(r), &f, &out);
	req_span_end(r, sp, rc, out, "alerts");
	return req_view(r, rc, out);
}

/*
 * POST /api/tests/integrity/alerts/{signal_id} (admin) {"status",
 * "note"}: 200 {id, status, previous_status, note, updated_at}; 400;
 * 404; 413; 503.
 */
static int
h_triage(struct req *r)
{
	struct fault f;
	struct trace_span *sp;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, 16384, &body)) != 0)
		return rc;
	sp = req_span(r, "signals_set");
	rc = signals_set(req_db(r), req_project_id(r),
	    req_path_int(r, PS_SIGNAL_ID), body, tvtime_now_ms(), &out, &f);
	req_span_end(r, sp, rc, out, NULL);
	json_decref(body);
	if (rc == 0)
		return req_not_found(r, "no signal %s in project '%s'",
		    req_path(r, PS_SIGNAL_ID), req_project(r));
	if (rc == -1)
		return req_fault(r, &f);
	return req_view(r, rc, out);
}

/*
 * POST /api/tests/integrity/alerts (admin) {"status", "note"?, and one
 * of "ids", "run_id", "session_id"}: 200 {updated, signals}; 400 naming
 * the field; 404 unknown run or session; 413; 503.
 */
static int
h_bulk(struct req *r)
{
	struct fault f;
	struct trace_span *sp;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, 65536, &body)) != 0)
		return rc;
	sp = req_span(r, "signals_bulk");
	rc = signals_bulk(req_db(r), req_project_id(r), body,
	    tvtime_now_ms(), &out, &f);
	req_span_end(r, sp, rc, out, "signals");
	json_decref(body);
	if (rc == 0)
		return req_not_found(r, "no such run or coding session in "
		    "project '%s'", req_project(r));
	if (rc == -1)
		return req_fault(r, &f);
	return req_view(r, rc, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/tests/integrity/alerts", SCOPE_READ,
	    ROUTE_READ_CACHED, NULL, q_alerts, NULL, h_alerts },
	{ HTTP_POST, "/api/tests/integrity/alerts", SCOPE_ADMIN,
	    ROUTE_READ, NULL, NULL, json_types, h_bulk },
	{ HTTP_POST, "/api/tests/integrity/alerts/{signal_id}", SCOPE_ADMIN,
	    ROUTE_READ, p_signal, NULL, json_types, h_triage },
};

static const struct app app = {
	"testvis-integrity", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
