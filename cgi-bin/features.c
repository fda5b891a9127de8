/*
 * testvis-features: product health and how tests map to it.  The domain
 * tree (API-15), the feature list (API-16), a feature's timeline
 * (API-17), a test's mappings, the manual override and the import of
 * mappings (API-24), and aliases for renamed tests (API-25).  Route and
 * parameter tables, and handlers calling lib/views/featurehealth.c,
 * lib/views/mappings.c and lib/views/alias.c.
 */
#include <stddef.h>
#include <string.h>

#include "alias.h"
#include "db.h"
#include "fault.h"
#include "featurehealth.h"
#include "http.h"
#include "jval.h"
#include "mappings.h"
#include "rollup.h"
#include "tvtime.h"

#define BODY_SMALL	16384
#define BODY_IMPORT	(8 * 1024 * 1024)

static const char *const json_types[] = { "application/json", NULL };

/* The query keys of GET /api/tests/health/features. */
enum q_features {
	QF_DOMAIN_ID,
	QF_BRANCH,
	QF_JOB,
	QF_LIMIT,
	QF_CURSOR,
	QF__MAX
};
static const struct param_spec q_features[QF__MAX + 1] = {
	[QF_DOMAIN_ID] = { "domain_id", PARAM_INT, 0, 1, 1LL << 53, NULL, 0 },
	[QF_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QF_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
	PARAM_PAGE(QF_LIMIT, 500, 50),
};

/* The query keys of GET /api/tests/health/domains. */
enum q_domains {
	QM_BRANCH,
	QM_JOB,
	QM__MAX
};
static const struct param_spec q_domains[QM__MAX + 1] = {
	[QM_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL, 0 },
	[QM_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL, 0 },
};

/* The query key of GET /api/tests/features/{feature_id}/timeline. */
enum q_timeline {
	QT_DAYS,
	QT__MAX
};
static const struct param_spec q_timeline[QT__MAX + 1] = {
	[QT_DAYS] = { "days", PARAM_INT, 0, 1, 3650, NULL, 90 },
};

/* The path segment of /api/tests/features/{feature_id}/... */
enum p_feature {
	PF_FEATURE_ID,
	PF__MAX
};
static const struct param_spec p_feature[PF__MAX + 1] = {
	[PF_FEATURE_ID] = { "feature_id", PARAM_INT, 1, 1, 1LL << 53, NULL,
	    0 },
};

/* The path segment of /api/tests/{test_id}/... */
enum p_test {
	PT_TEST_ID,
	PT__MAX
};
static const struct param_spec p_test[PT__MAX + 1] = {
	[PT_TEST_ID] = { "test_id", PARAM_HEX, 1, 16, 16, NULL, 0 },
};

/* The integer key of {test_id} in the project: 1, or the status of the
 * answer given (404, 503). */
static int
test_key(struct req *r, int64_t *key)
{
	int rc = mappings_test_key(req_db(r), req_project_id(r),
	    req_path(r, PT_TEST_ID), key);

	if (rc == 0)
		return req_not_found(r, "no test '%s' in project '%s'",
		    req_path(r, PT_TEST_ID), req_project(r));
	return rc == 1 ? 1 : req_view(r, -1, NULL);
}

/*
 * GET /api/tests/health/domains?branch (default: the default branch;
 * "*": every branch, the project's rollups) &job: 200 {domains, totals,
 * branch, job}; 400; 503.
 */
static int
h_domains(struct req *r)
{
	struct health_scope sc = { NULL, req_str(r, QM_JOB) };
	struct trace_span *sp;
	json_t *out;

	if (req_branch(r, QM_BRANCH, &sc.branch) == -1)
		return req_view(r, -1, NULL);
	sp = req_span(r, "health_domains");
	out = featurehealth_domains(req_db(r), req_project_id(r), &sc);
	req_span_end(r, sp, out != NULL ? 1 : -1, out, "domains");
	return req_view(r, out != NULL ? 1 : -1, out);
}

/* GET /api/tests/health/features?domain_id, branch, job (as the tree's):
 * 200 {features, branch, job, next_cursor}; 400; 503. */
static int
h_features(struct req *r)
{
	struct health_scope sc = { NULL, req_str(r, QF_JOB) };
	struct trace_span *sp;
	json_t *out = NULL;
	int rc;

	if (req_branch(r, QF_BRANCH, &sc.branch) == -1)
		return req_view(r, -1, NULL);
	sp = req_span(r, "health_features");
	rc = featurehealth_features(req_db(r), req_project_id(r),
	    req_int(r, QF_DOMAIN_ID), &sc, req_str(r, QF_CURSOR),
	    (int)req_int(r, QF_LIMIT), &out);
	req_span_end(r, sp, rc, out, "features");
	return req_view(r, rc, out);
}

/* GET /api/tests/features/{feature_id}/timeline: 200; 404; 503. */
static int
h_timeline(struct req *r)
{
	struct trace_span *sp = req_span(r, "health_timeline");
	json_t *out = NULL;
	int rc = featurehealth_timeline(req_db(r), req_project_id(r),
	    req_path_int(r, PF_FEATURE_ID), (int)req_int(r, QT_DAYS),
	    tvtime_now_ms(), &out);

	req_span_end(r, sp, rc, out, "days");
	if (rc == 0)
		return req_not_found(r, "no feature %s in project '%s'",
		    req_path(r, PF_FEATURE_ID), req_project(r));
	return req_view(r, rc, out);
}

/* GET /api/tests/{test_id}/mappings: 200 {test_id, mappings}; 404. */
static int
h_mappings(struct req *r)
{
	struct trace_span *sp;
	json_t *list, *out;
	int64_t key;
	int rc;

	if ((rc = test_key(r, &key)) != 1)
		return rc;
	sp = req_span(r, "mapping_list");
	list = mappings_list(req_db(r), key);
	req_span_end(r, sp, list != NULL ? 1 : -1, list, NULL);
	if (list == NULL)
		return req_view(r, -1, NULL);
	out = jval_object();
	jval_set(out, "test_id", jval_str(req_path(r, PT_TEST_ID)));
	jval_set(out, "mappings", list);
	return req_json(r, 200, out);
}

/*
 * PUT /api/tests/{test_id}/mapping (admin) {"feature": "a/b" | null}:
 * 200 with the test's mappings after re-resolution; 400; 404; 503.
 */
static int
h_mapping_put(struct req *r)
{
	struct fault f;
	struct trace_span *sp;
	json_t *body;
	int64_t key;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = test_key(r, &key)) != 1)
		return rc;
	if ((rc = req_body_json(r, BODY_SMALL, &body)) != 0)
		return rc;
	sp = req_span(r, "mapping_set_manual");
	rc = mappings_set_manual(req_db(r), req_config(r), req_project_id(r),
	    key, body, tvtime_now_ms(), &f);
	req_span_end(r, sp, rc, NULL, NULL);
	json_decref(body);
	if (rc == -1)
		return req_fault(r, &f);
	return h_mappings(r);
}

/*
 * POST /api/tests/mappings/import (admin) {"mappings": [{test_id,
 * feature, confidence}], "replace": bool}: all or nothing.  200
 * {imported, tests}; 400 naming the entry; 404 unknown test; 413; 503.
 */
static int
h_import(struct req *r)
{
	struct fault f;
	struct trace_span *sp;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, BODY_IMPORT, &body)) != 0)
		return rc;
	sp = req_span(r, "mapping_import");
	rc = mappings_import(req_db(r), req_config(r), req_project_id(r), body,
	    tvtime_now_ms(), &out, &f);
	req_span_end(r, sp, rc, out, NULL);
	json_decref(body);
	return rc == -1 ? req_fault(r, &f) : req_view(r, rc, out);
}

/*
 * POST /api/tests/aliases (admin) {"from": test_id, "to": test_id}: the
 * old test's history moves to the new one.  201 {from, to,
 * results_moved}; 400; 404; 409 already aliased; 503.
 */
static int
h_alias(struct req *r)
{
	struct fault f;
	struct trace_span *sp;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, BODY_SMALL, &body)) != 0)
		return rc;
	sp = req_span(r, "alias_create");
	rc = alias_create(req_db(r), req_config(r), req_project_id(r), body,
	    tvtime_now_ms(), &out, &f);
	req_span_end(r, sp, rc, out, NULL);
	json_decref(body);
	return rc == -1 ? req_fault(r, &f) : req_json(r, 201, out);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/tests/health/domains", SCOPE_READ,
	    ROUTE_READ_CACHED, NULL, q_domains, NULL, h_domains },
	{ HTTP_GET, "/api/tests/health/features", SCOPE_READ,
	    ROUTE_READ_CACHED, NULL, q_features, NULL, h_features },
	{ HTTP_GET, "/api/tests/features/{feature_id}/timeline", SCOPE_READ,
	    ROUTE_READ_CACHED, p_feature, q_timeline, NULL, h_timeline },
	{ HTTP_GET, "/api/tests/{test_id}/mappings", SCOPE_READ,
	    ROUTE_READ_CACHED, p_test, NULL, NULL, h_mappings },
	{ HTTP_PUT, "/api/tests/{test_id}/mapping", SCOPE_ADMIN, ROUTE_READ,
	    p_test, NULL, json_types, h_mapping_put },
	{ HTTP_POST, "/api/tests/mappings/import", SCOPE_ADMIN, ROUTE_READ,
	    NULL, NULL, json_types, h_import },
	{ HTTP_POST, "/api/tests/aliases", SCOPE_ADMIN, ROUTE_READ, NULL, NULL,
	    json_types, h_alias },
};

static const struct app app = {
	"testvis-features", routes, sizeof(routes) / sizeof(routes[0]),
	NULL,			/* SQL functions are on every connection */
	0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
