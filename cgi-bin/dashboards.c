/*
 * testvis-dashboards: named layouts of widgets (REP-4).  GET
 * /api/dashboards (the project's, and the default layout offered when it
 * has none), GET /api/dashboards/{id}; POST, PUT and DELETE for admins.
 * A PUT must name the version it changes (If-Match: the ETag of its
 * GET): 428 without, 412 when someone changed it since.  Handlers call
 * lib/views/dashboards.c.
 */
#include <stddef.h>
#include <string.h>

#include "dashboards.h"
#include "fault.h"
#include "http.h"
#include "tvtime.h"

static const char *const json_types[] = { "application/json", NULL };

/* The path segment of /api/dashboards/{id}. */
enum p_dash {
	PD_ID,
	PD__MAX
};
static const struct param_spec p_dash[PD__MAX + 1] = {
	[PD_ID] = { "dashboard_id", PARAM_INT, 1, 1, INT64_MAX, NULL, 0 },
};

/* The largest dashboard body accepted, in bytes. */
#define BODY_MAX	65536

/* GET /api/dashboards: 200 {dashboards, default}; 503. */
static int
h_list(struct req *r)
{
	json_t *out = NULL;
	int rc;

	rc = dashboards_list(req_db(r), req_project_id(r), &out);
	return req_view(r, rc, out);
}

/* GET /api/dashboards/{id}: 200 the dashboard (with its ETag); 404. */
static int
h_get(struct req *r)
{
	json_t *out = NULL;
	int rc;

	rc = dashboards_get(req_db(r), req_project_id(r),
	    req_path_int(r, PD_ID), &out);
	if (rc == 0)
		return req_not_found(r, "no dashboard %s in project '%s'",
		    req_path(r, PD_ID), req_project(r));
	return req_view(r, rc, out);
}

/* Sets the ETag header of a changed dashboard (out, borrowed). */
static void
etag_header(struct req *r, const json_t *out)
{
	char etag[HTTP_ETAG_LEN];

	req_etag(out, etag);
	req_header(r, "ETag", etag);
}

/*
 * POST /api/dashboards (admin) {"name", "widgets"}: 201 the dashboard;
 * 400 naming the widget and parameter at fault; 409 name taken; 413.
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
	rc = dashboards_create(req_db(r), req_project_id(r), body,
	    tvtime_now_ms(), &out, &f);
	json_decref(body);
	if (rc == -1)
		return req_fault(r, &f);
	etag_header(r, out);
	return req_json(r, 201, out);
}

/* dashboards_update()'s check: the request's If-Match names the copy. */
static int
if_match(void *ctx, json_t *current)
{
	return req_if_match(ctx, current);
}

/* dashboards_delete()'s check: If-Match when given, else any copy. */
static int
if_match_given(void *ctx, json_t *current)
{
	const char *im = req_env(ctx, "HTTP_IF_MATCH");

	return im == NULL || *im == '\0' || req_if_match(ctx, current);
}

/* The answer to a change of a dashboard: its rc from the view. */
static int
changed(struct req *r, int rc, json_t *out, const struct fault *f)
{
	if (rc == 0)
		return req_not_found(r, "no dashboard %s in project '%s'",
		    req_path(r, PD_ID), req_project(r));
	if (rc == DASHBOARDS_STALE)
		return req_error(r, 412, "precondition_failed", NULL, "the "
		    "dashboard changed since your copy (If-Match): get it "
		    "again and redo your change");
	if (rc == -1)
		return req_fault(r, f);
	if (out == NULL)
		return 204;
	etag_header(r, out);
	return req_json(r, 200, out);
}

/*
 * PUT /api/dashboards/{id} (admin) {"name", "widgets"}, If-Match: the
 * ETag of the copy changed: 200 the new one; 428 without If-Match; 412
 * when it changed meanwhile; 400; 404; 409; 413.
 */
static int
h_put(struct req *r)
{
	struct fault f;
	json_t *body, *out = NULL;
	const char *im = req_env(r, "HTTP_IF_MATCH");
	int rc;

	memset(&f, 0, sizeof(f));
	if (im == NULL || *im == '\0')
		return req_error(r, 428, "precondition_required", NULL,
		    "a change needs If-Match: the ETag of the dashboard you "
		    "changed (GET it first)");
	if ((rc = req_body_json(r, BODY_MAX, &body)) != 0)
		return rc;
	rc = dashboards_update(req_db(r), req_project_id(r),
	    req_path_int(r, PD_ID), body, tvtime_now_ms(), if_match, r, &out,
	    &f);
	json_decref(body);
	return changed(r, rc, out, &f);
}

/* DELETE /api/dashboards/{id} (admin): 204; 404; 412 with a stale
 * If-Match. */
static int
h_delete(struct req *r)
{
	struct fault f;

	memset(&f, 0, sizeof(f));
	return changed(r, dashboards_delete(req_db(r), req_project_id(r),
	    req_path_int(r, PD_ID), if_match_given, r, &f), NULL, &f);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/dashboards", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    NULL, NULL, h_list },
	{ HTTP_POST, "/api/dashboards", SCOPE_ADMIN, ROUTE_READ, NULL, NULL,
	    json_types, h_create },
	{ HTTP_GET, "/api/dashboards/{dashboard_id}", SCOPE_READ,
	    ROUTE_READ_CACHED, p_dash, NULL, NULL, h_get },
	{ HTTP_PUT, "/api/dashboards/{dashboard_id}", SCOPE_ADMIN, ROUTE_READ,
	    p_dash, NULL, json_types, h_put },
	{ HTTP_DELETE, "/api/dashboards/{dashboard_id}", SCOPE_ADMIN,
	    ROUTE_READ, p_dash, NULL, NULL, h_delete },
};

static const struct app app = {
	"testvis-dashboards", routes, sizeof(routes) / sizeof(routes[0]), NULL,
	0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
