/*
 * testvis-health: GET /api/health (API-1), GET /api/projects (API-2) and
 * GET /api/openapi.json (API-27), the API description compiled in from
 * lib/openapi.json.
 * Health answers without authentication and even when the database is
 * down or the visualizer disabled, so monitors can tell the two apart.
 */
#include <stddef.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "jval.h"
#include "log.h"
#include "project.h"
#include "status.h"
#include "tvtime.h"

/*
 * GET /api/health: 200 {"status":"ok", ...} when the database is reachable
 * and at the expected schema level; 503 with the same shape and status
 * "unavailable" (database cannot be opened or read) or "outdated" (run
 * testvis migrate) otherwise.
 */
static int
h_health(struct req *r)
{
	struct db *db = req_db(r);
	json_t *o = jval_object(), *d = jval_object(), *batch = NULL;
	int level = db != NULL ? db_schema_version(db) : -1;
	const char *status = "ok";

	if (level < 0)
		status = "unavailable";
	else if (level != db_schema_latest())
		status = "outdated";
	else {
		struct trace_span *sp = req_span(r, "status_batch");
		batch = status_batch(db);
		req_span_end(r, sp, batch != NULL ? 1 : -1, batch, NULL);
		if (batch == NULL)
			status = "unavailable";
	}
	jval_set(o, "status", jval_str(status));
	jval_set(o, "version", jval_str(TESTVIS_VERSION));
	jval_set(o, "enabled", json_boolean(req_config(r)->enabled));
	jval_set(d, "engine", jval_str(db_is_url(req_config(r)->db) ?
	    "postgresql" : "sqlite"));
	jval_set(d, "reachable", json_boolean(level >= 0));
	jval_set(d, "schema_version", level >= 0 ? jval_int(level) :
	    json_null());
	jval_set(d, "schema_expected", jval_int(db_schema_latest()));
	jval_set(o, "db", d);
	jval_set(o, "last_batch_at", batch != NULL ?
	    json_incref(json_object_get(batch, "last_batch_at")) :
	    json_null());
	jval_set(o, "batch_passes", batch != NULL ?
	    json_incref(json_object_get(batch, "passes")) : jval_object());
	jval_set(o, "time", jval_time(tvtime_now_ms()));
	json_decref(batch);
	return req_json(r, status[0] == 'o' && status[1] == 'k' ? 200 : 503,
	    o);
}

/*
 * GET /api/projects: 200 {"projects":[{slug, name, created_at, run_count,
 * test_count, last_run_at}]}; a token sees only its own project.  503 on a
 * database error.
 */
static int
h_projects(struct req *r)
{
	const struct auth_token *t = req_token(r);
	struct trace_span *sp = req_span(r, "project_list");
	json_t *list, *o;

	list = project_list(req_db(r), t != NULL ? t->project_id : 0);
	req_span_end(r, sp, list != NULL ? 1 : -1, list, NULL);
	if (list == NULL)
		return req_view(r, -1, NULL);
	o = jval_object();
	jval_set(o, "projects", list);
	return req_json(r, 200, o);
}

extern const char openapi_json[];

/* GET /api/openapi.json: 200 the OpenAPI 3.1 document; no auth. */
static int
h_openapi(struct req *r)
{
	static json_t *doc;
	json_error_t e;

	/* parsed once per process; a copy per answer (the answer is freed) */
	if (doc == NULL &&
	    (doc = json_loads(openapi_json, 0, &e)) == NULL) {
		log_error("openapi.json: line %d: %s", e.line, e.text);
		return 500;
	}
	return req_json(r, 200, json_deep_copy(doc));
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/health", SCOPE_NONE, ROUTE_NODB, NULL, NULL, NULL,
	    h_health },
	{ HTTP_GET, "/api/projects", SCOPE_READ, 0, NULL, NULL, NULL,
	    h_projects },
	{ HTTP_GET, "/api/openapi.json", SCOPE_NONE, ROUTE_NODB, NULL, NULL,
	    NULL, h_openapi },
};

static const struct app app = {
	"testvis-health", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
