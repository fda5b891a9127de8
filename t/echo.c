/*
 * testvis-echo: a test-only FastCGI program (never installed) whose routes
 * cover every scope, flag and parameter kind of the request layer, and
 * whose handlers echo back what the layer validated.  The endpoint tests
 * use it to prove the central rejection rules independently of any real
 * endpoint.
 */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "jval.h"

static const char *const colours[] = { "red", "green", NULL };
static const char *const xml_types[] = { "application/xml", "text/xml",
    NULL };

/* The query keys of /api/echo, indexing q_all. */
enum q_all {
	QA_LIMIT,
	QA_COLOUR,
	QA_Q,
	QA_SINCE,
	QA_FLAKY,
	QA_RUN_ID,
	QA__MAX
};
static const struct param_spec q_all[QA__MAX + 1] = {
	[QA_LIMIT] = { "limit", PARAM_INT, 0, 1, 500, NULL, 0 },
	[QA_COLOUR] = { "colour", PARAM_ENUM, 0, 0, 0, colours, 0 },
	[QA_Q] = { "q", PARAM_STRING, 0, 1, 10, NULL, 0 },
	[QA_SINCE] = { "since", PARAM_TIME, 0, 0, 0, NULL, 0 },
	[QA_FLAKY] = { "flaky", PARAM_BOOL, 0, 0, 0, NULL, 0 },
	[QA_RUN_ID] = { "run_id", PARAM_RUNID, 0, 0, 0, NULL, 0 },
};
static const struct param_spec q_required[] = {
	{ "need", PARAM_INT, 1, 0, 9, NULL, 0 },
	{ NULL, 0, 0, 0, 0, NULL, 0 }
};
static const struct param_spec p_test[] = {
	{ "test_id", PARAM_HEX, 1, 16, 16, NULL, 0 },
	{ NULL, 0, 0, 0, 0, NULL, 0 }
};

/* Echoes validated query values, project and token: always 200. */
static int
h_echo(struct req *r)
{
	json_t *o = jval_object(), *p = jval_object();
	const struct auth_token *t = req_token(r);
	int i;

	for (i = 0; i < QA__MAX; i++) {
		const struct param_value *v = req_param(r, i);
		if (!v->present)
			continue;
		if (i == QA_Q || i == QA_RUN_ID)
			jval_set(p, q_all[i].name, jval_str(v->s));
		else
			jval_set(p, q_all[i].name, jval_int(v->i));
	}
	jval_set(o, "params", p);
	jval_set(o, "project", jval_str(req_project(r)));
	jval_set(o, "token_scope", t != NULL ?
	    jval_str(auth_scope_name(t->scope)) : json_null());
	return req_json(r, 200, o);
}

/* Echoes the required key. */
static int
h_required(struct req *r)
{
	json_t *o = jval_object();

	jval_set(o, "need", jval_int(req_param(r, 0)->i));
	return req_json(r, 200, o);
}

/* Echoes the {test_id} segment. */
static int
h_test(struct req *r)
{
	json_t *o = jval_object();

	jval_set(o, "test_id", jval_str(req_path(r, 0)));
	return req_json(r, 200, o);
}

/* Reads the whole body and echoes its length: 201. */
static int
h_body(struct req *r)
{
	json_t *o = jval_object();
	char buf[4096];
	long long total = 0;
	ssize_t n;

	while ((n = req_body_read(r, buf, sizeof(buf))) > 0)
		total += n;
	jval_set(o, "bytes", jval_int(total));
	jval_set(o, "project", jval_str(req_project(r)));
	return req_json(r, 201, o);
}

/* Fails without saying why: the layer must answer a bare 500. */
static int
h_fail(struct req *r)
{
	return 500;
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/echo", SCOPE_READ, ROUTE_PROJECT, NULL, q_all,
	    NULL, h_echo },
	{ HTTP_GET, "/api/echo/required", SCOPE_READ, 0, NULL, q_required,
	    NULL, h_required },
	{ HTTP_GET, "/api/tests/echo/{test_id}", SCOPE_READ, ROUTE_GATED,
	    p_test, NULL, NULL, h_test },
	{ HTTP_POST, "/api/echo/ingest", SCOPE_INGEST, ROUTE_PROJECT, NULL,
	    NULL, xml_types, h_body },
	{ HTTP_PUT, "/api/echo/admin", SCOPE_ADMIN, ROUTE_PROJECT, NULL,
	    NULL, NULL, h_body },
	{ HTTP_GET, "/api/echo/fail", SCOPE_NONE, 0, NULL, NULL, NULL,
	    h_fail },
};

static const struct app app = {
	"testvis-echo", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
