/*
 * testvis-integrity: the integrity signals the batch raised when a run
 * made the suite weaker (API-18: list with filters and a cursor) and
 * their triage (API-19: acknowledge, resolve or reopen, admin only).
 * Route and parameter tables, and handlers calling lib/signals.c.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fault.h"
#include "http.h"
#include "runs.h"
#include "signals.h"
#include "tvtime.h"

static const char *const json_types[] = { "application/json", NULL };

static const struct param_spec q_alerts[] = {
	{ "since", PARAM_TIME, 0, 0, 0, NULL },
	{ "signal_type", PARAM_ENUM, 0, 0, 0, signals_types },
	{ "severity", PARAM_ENUM, 0, 0, 0, signals_severities },
	{ "status", PARAM_ENUM, 0, 0, 0, signals_statuses },
	{ "session_id", PARAM_STRING, 0, 1, 256, NULL },
	{ "limit", PARAM_INT, 0, 1, 500, NULL },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct param_spec p_signal[] = {
	{ "signal_id", PARAM_INT, 1, 1, 1LL << 53, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* GET /api/tests/integrity/alerts: 200 {alerts, next_cursor}; 400; 503. */
static int
h_alerts(struct req *r)
{
	struct signals_filter f;
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	f.since = req_opt_int(r, "since", -1);
	f.type = req_opt_str(r, "signal_type");
	f.severity = req_opt_str(r, "severity");
	f.status = req_opt_str(r, "status");
	f.session_id = req_opt_str(r, "session_id");
	f.cursor = req_opt_str(r, "cursor");
	f.limit = (int)req_opt_int(r, "limit", 50);
	sp = req_span(r, "signals_list");
	rc = signals_list(req_db(r), req_project_id(r), &f, &out);
	req_span_end(r, sp, rc, out, "alerts");
	if (rc == QUERY_BAD_CURSOR)
		return req_bad_param(r, "cursor", "not a cursor of this list");
	return rc == 0 ? req_json(r, 200, out) : 503;
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
	    strtoll(req_path(r, "signal_id"), NULL, 10), body, tvtime_now_ms(),
	    &out, &f);
	req_span_end(r, sp, rc, out, NULL);
	json_decref(body);
	if (rc == 0)
		return req_error(r, 404, "not_found", NULL, "no signal %s in "
		    "project '%s'", req_path(r, "signal_id"), req_project(r));
	if (rc == -1)
		return req_fault(r, &f);
	return req_json(r, 200, out);
}

#define READ (ROUTE_GATED | ROUTE_PROJECT)
#define CACHED (READ | ROUTE_CACHED)
static const struct route routes[] = {
	{ HTTP_GET, "/api/tests/integrity/alerts", SCOPE_READ, CACHED, NULL,
	    q_alerts, NULL, h_alerts },
	{ HTTP_POST, "/api/tests/integrity/alerts/{signal_id}", SCOPE_ADMIN,
	    READ, p_signal, NULL, json_types, h_triage },
};

static const struct app app = {
	"testvis-integrity", routes, sizeof(routes) / sizeof(routes[0]), NULL
};

int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
