/*
 * testvis-reports: REP-1.  POST /api/reports keeps a report's definition
 * (filters and grouping) and answers it computed; GET
 * /api/reports/{id} computes it again, now; GET /api/reports lists the
 * kept ones; GET /api/reports/{id}/drilldown lists the results behind
 * one group.  Handlers call lib/views/reportdef.c and reports.c.
 */
#include <stddef.h>
#include <string.h>

#include "branch.h"
#include "fault.h"
#include "http.h"
#include "reports.h"
#include "tvtime.h"

static const char *const json_types[] = { "application/json", NULL };

/* The largest report definition accepted, in bytes. */
#define BODY_MAX	16384

/* The path segment of /api/reports/{id}. */
enum p_report {
	PR_ID,
	PR__MAX
};
static const struct param_spec p_report[PR__MAX + 1] = {
	[PR_ID] = { "report_id", PARAM_INT, 1, 1, INT64_MAX, NULL, 0 },
};

/* The result statuses a drilldown can ask for (1: failed or error). */
static const char *const drill_statuses[] = { "passed", "failed", "-",
    "skipped", NULL };

/* The query keys of the drilldown. */
enum q_drill {
	Q_GROUP,
	Q_STATUS,
	Q_LIMIT,
	Q_CURSOR,
	Q__MAX
};
static const struct param_spec q_drill[Q__MAX + 1] = {
	[Q_GROUP] = { "group", PARAM_STRING, 1, 0, 4096, NULL, 0 },
	[Q_STATUS] = { "status", PARAM_ENUM, 0, 0, 0, drill_statuses, -1 },
	[Q_LIMIT] = { "limit", PARAM_INT, 0, 1, 500, NULL, 50 },
	[Q_CURSOR] = { "cursor", PARAM_STRING, 0, 1, 80, NULL, 0 },
};

/* The project's default branch: its name fits in this. */
#define BRANCH_BUF	300

/*
 * Resolves definition def into *q for now (the project's default branch,
 * read into defbranch, when it names none).  0; -1 with f set; 503 when
 * the default branch cannot be read.
 */
static int
resolve(struct req *r, const json_t *def, struct report_query *q,
    struct fault *f, char defbranch[BRANCH_BUF])
{
	if (branch_default(req_db(r), req_project_id(r), req_config(r),
	    defbranch, BRANCH_BUF) == -1)
		return 503;
	return reports_resolve(def, defbranch, tvtime_now_ms(), q, f);
}

/* Computes report id of definition def into a response; owns def. */
static int
answer(struct req *r, int status, int64_t id, json_t *def)
{
	struct report_query q;
	struct fault f;
	char defbranch[BRANCH_BUF];
	json_t *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = resolve(r, def, &q, &f, defbranch)) == 0)
		rc = reports_compute(req_db(r), req_project_id(r), id, def, &q,
		    &out, &f);
	json_decref(def);
	if (rc == 503)
		return 503;
	if (rc == -1)
		return req_fault(r, &f);
	return req_json(r, status, out);
}

/*
 * POST /api/reports {filters, group_by}: 201 the new report computed;
 * 200 when the same definition was posted before (same report_id); 400
 * naming the key at fault; 413.
 */
static int
h_create(struct req *r)
{
	struct fault f;
	json_t *body, *def = NULL;
	int64_t id;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, BODY_MAX, &body)) != 0)
		return rc;
	rc = reports_save(req_db(r), req_project_id(r), body, tvtime_now_ms(),
	    &id, &def, &f);
	json_decref(body);
	if (rc == -1)
		return req_fault(r, &f);
	return answer(r, rc == 1 ? 201 : 200, id, def);
}

/* Loads the definition of the report in the path into *def: 0, or the
 * answer (404, 503). */
static int
load(struct req *r, json_t **def)
{
	int rc = reports_definition(req_db(r), req_project_id(r),
	    req_path_int(r, PR_ID), def);

	if (rc == 0)
		return req_not_found(r, "no report %s in project '%s'",
		    req_path(r, PR_ID), req_project(r));
	return rc == 1 ? 0 : 503;
}

/* GET /api/reports/{id}: 200 the report computed now; 404. */
static int
h_get(struct req *r)
{
	json_t *def;
	int rc;

	if ((rc = load(r, &def)) != 0)
		return rc;
	return answer(r, 200, req_path_int(r, PR_ID), def);
}

/* GET /api/reports: 200 {reports: [{report_id, query, created_at,
 * used_at}]}, the most recently used first (at most 100). */
static int
h_list(struct req *r)
{
	json_t *out = NULL;
	int rc;

	rc = reports_list(req_db(r), req_project_id(r), &out);
	return req_view(r, rc, out);
}

/*
 * GET /api/reports/{id}/drilldown?group=KEY: 200 {report_id, key,
 * values, results, next_cursor}, newest run first; status= narrows to
 * passed, failed (and errors) or skipped; 400 for a key or cursor that
 * does not parse; 404.
 */
static int
h_drilldown(struct req *r)
{
	struct report_query q;
	struct fault f;
	char defbranch[BRANCH_BUF];
	json_t *def, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = load(r, &def)) != 0)
		return rc;
	if ((rc = resolve(r, def, &q, &f, defbranch)) == 0)
		rc = reports_drilldown(req_db(r), req_project_id(r),
		    req_path_int(r, PR_ID), &q, req_str(r, Q_GROUP),
		    (int)req_int(r, Q_STATUS), req_str(r, Q_CURSOR),
		    (int)req_int(r, Q_LIMIT), &out, &f);
	json_decref(def);
	if (rc == 503)
		return 503;
	if (rc == -1)
		return req_fault(r, &f);
	return req_json(r, 200, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/reports", SCOPE_READ, ROUTE_READ_CACHED, NULL,
	    NULL, NULL, h_list },
	{ HTTP_POST, "/api/reports", SCOPE_READ, ROUTE_READ, NULL, NULL,
	    json_types, h_create },
	{ HTTP_GET, "/api/reports/{report_id}", SCOPE_READ,
	    ROUTE_READ_CACHED, p_report, NULL, NULL, h_get },
	{ HTTP_GET, "/api/reports/{report_id}/drilldown", SCOPE_READ,
	    ROUTE_READ_CACHED, p_report, q_drill, NULL, h_drilldown },
};

static const struct app app = {
	"testvis-reports", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
