/*
 * testvis-alerts: alert rules and what they sent (REP-5).  Admins create,
 * read, change, delete and test-send rules under /api/alerts/rules;
 * readers see what is firing now (GET /api/alerts/status) and every
 * delivery with its attempts (GET /api/alerts/history, a cursor list).
 * The batch alerts pass (lib/passes/alerts.c) does the judging and the
 * sending; handlers here call lib/views/alertapi.c.
 */
#include <stddef.h>
#include <string.h>

#include "alertapi.h"
#include "fault.h"
#include "http.h"
#include "tvtime.h"

static const char *const json_types[] = { "application/json", NULL };

/* The path segment of /api/alerts/rules/{rule_id}. */
enum p_rule {
	PR_ID,
	PR__MAX
};
static const struct param_spec p_rule[PR__MAX + 1] = {
	[PR_ID] = { "rule_id", PARAM_INT, 1, 1, INT64_MAX, NULL, 0 },
};

/* The query keys of GET /api/alerts/history. */
enum q_hist {
	QH_RULE_ID,
	QH_STATUS,
	QH_LIMIT,
	QH_CURSOR,
	QH__MAX
};
static const struct param_spec q_hist[QH__MAX + 1] = {
	[QH_RULE_ID] = { "rule_id", PARAM_INT, 0, 1, INT64_MAX, NULL, 0 },
	[QH_STATUS] = { "status", PARAM_ENUM, 0, 0, 0, alertapi_statuses,
	    -1 },
	PARAM_PAGE(QH_LIMIT, 200, 50),
};

/* The largest rule body accepted, in bytes. */
#define BODY_MAX	16384

/* The 404 of a rule that is not there. */
static int
no_rule(struct req *r)
{
	return req_not_found(r, "no alert rule %s in project '%s'",
	    req_path(r, PR_ID), req_project(r));
}

/* GET /api/alerts/rules (admin): 200 {rules}, urls and secrets masked. */
static int
h_list(struct req *r)
{
	json_t *out = NULL;
	int rc = alertapi_list(req_db(r), req_project_id(r), &out);

	return req_view(r, rc, out);
}

/*
 * POST /api/alerts/rules (admin): 201 the rule with its url and secret
 * in full (the only time they are shown); 400 naming the field at
 * fault; 409 the name is taken; 413.
 */
static int
h_create(struct req *r)
{
	struct fault f;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, BODY_MAX, &body)) != 0)
		return rc;
	rc = alertapi_create(req_db(r), req_project_id(r), body,
	    tvtime_now_ms(), &out, &f);
	json_decref(body);
	if (rc == -1)
		return req_fault(r, &f);
	return req_json(r, 201, out);
}

/* GET /api/alerts/rules/{id} (admin): 200 the rule, masked; 404. */
static int
h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = alertapi_get(req_db(r), req_project_id(r),
	    req_path_int(r, PR_ID), &out);

	return rc == 0 ? no_rule(r) : req_view(r, rc, out);
}

/*
 * PUT /api/alerts/rules/{id} (admin): replaces the definition (url and
 * secret stay when left out): 200 the rule, masked; 400; 404; 409; 413.
 */
static int
h_put(struct req *r)
{
	struct fault f;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, BODY_MAX, &body)) != 0)
		return rc;
	rc = alertapi_update(req_db(r), req_project_id(r),
	    req_path_int(r, PR_ID), body, tvtime_now_ms(), &out, &f);
	json_decref(body);
	if (rc == 0)
		return no_rule(r);
	if (rc == -1)
		return req_fault(r, &f);
	return req_json(r, 200, out);
}

/* DELETE /api/alerts/rules/{id} (admin): 204 (its firings resolved,
 * its pending deliveries failed, its history kept); 404. */
static int
h_delete(struct req *r)
{
	int rc = alertapi_delete(req_db(r), req_project_id(r),
	    req_path_int(r, PR_ID), tvtime_now_ms());

	if (rc == 0)
		return no_rule(r);
	return rc == -1 ? req_view(r, -1, NULL) : 204;
}

/*
 * POST /api/alerts/rules/{id}/test (admin): sends one test notification
 * now, without retries, and answers 200 {delivery_id, delivered,
 * status_code, error, duration_ms} whether the receiver took it or not;
 * 404.
 */
static int
h_test(struct req *r)
{
	json_t *out = NULL;
	int rc = alertapi_test(req_db(r), req_config(r), req_project_id(r),
	    req_project(r), req_path_int(r, PR_ID), tvtime_now_ms(), &out);

	return rc == 0 ? no_rule(r) : req_view(r, rc, out);
}

/* GET /api/alerts/status: 200 {count, firing}. */
static int
h_status(struct req *r)
{
	json_t *out = NULL;
	int rc = alertapi_status(req_db(r), req_project_id(r), &out);

	return req_view(r, rc, out);
}

/* GET /api/alerts/history: 200 {deliveries, next_cursor}; 400. */
static int
h_history(struct req *r)
{
	struct alertapi_history f;
	json_t *out = NULL;
	int rc;

	f.rule_id = req_int(r, QH_RULE_ID);
	f.status = req_str(r, QH_STATUS);
	f.cursor = req_str(r, QH_CURSOR);
	f.limit = (int)req_int(r, QH_LIMIT);
	rc = alertapi_history(req_db(r), req_project_id(r), &f, &out);
	return req_view(r, rc, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/alerts/rules", SCOPE_ADMIN, ROUTE_READ, NULL, NULL,
	    NULL, h_list },
	{ HTTP_POST, "/api/alerts/rules", SCOPE_ADMIN, ROUTE_READ, NULL, NULL,
	    json_types, h_create },
	{ HTTP_GET, "/api/alerts/rules/{rule_id}", SCOPE_ADMIN, ROUTE_READ,
	    p_rule, NULL, NULL, h_get },
	{ HTTP_PUT, "/api/alerts/rules/{rule_id}", SCOPE_ADMIN, ROUTE_READ,
	    p_rule, NULL, json_types, h_put },
	{ HTTP_DELETE, "/api/alerts/rules/{rule_id}", SCOPE_ADMIN,
	    ROUTE_READ, p_rule, NULL, NULL, h_delete },
	{ HTTP_POST, "/api/alerts/rules/{rule_id}/test", SCOPE_ADMIN,
	    ROUTE_READ, p_rule, NULL, NULL, h_test },
	{ HTTP_GET, "/api/alerts/status", SCOPE_READ, ROUTE_READ, NULL, NULL,
	    NULL, h_status },
	{ HTTP_GET, "/api/alerts/history", SCOPE_READ, ROUTE_READ, NULL,
	    q_hist, NULL, h_history },
};

static const struct app app = {
	"testvis-alerts", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
