/*
 * Unit tests for lib/ingest/ingestcheck.c: the sidecar and one element of a
 * JSON `results` array, checked without a database.
 */
#include <string.h>

#include <jansson.h>

#include "fault.h"
#include "ingestcheck.h"
#include "tap.h"

/* ingestcheck_sidecar() of JSON text; f says why on -1. */
static int
sidecar(const char *text, struct fault *f)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	int rc;

	memset(f, 0, sizeof(*f));
	rc = ingestcheck_sidecar(v, f);
	json_decref(v);
	return rc;
}

static void
test_sidecar(void)
{
	struct fault f;

	check_int(sidecar("{\"branch\": \"main\", \"duration_ms\": 5, "
	    "\"tags\": [\"nightly\"], \"tests\": {\"a::b\": {\"owner\": "
	    "\"x\"}}, \"project\": \"p\"}", &f), ==, 0);
	check_int(sidecar("[]", &f), ==, -1);
	check_str(f.msg, "meta must be a JSON object");
	check_int(sidecar("{\"colour\": 1}", &f), ==, -1);
	check_int(fault_status(&f), ==, 400);
	check_str(f.code, "invalid_json");
	check_str(f.msg, "unknown meta field 'colour'");
	check_int(sidecar("{\"duration_ms\": -1}", &f), ==, -1);
	check_str(f.msg, "meta field 'duration_ms' must be a non-negative "
	    "integer");
	check_int(sidecar("{\"branch\": 3}", &f), ==, -1);
	check_str(f.msg, "meta field 'branch' must be a string");
	check_int(sidecar("{\"tags\": [\"a,b\"]}", &f), ==, -1);
	check_int(sidecar("{\"tests\": {\"k\": {\"colour\": 1}}}", &f), ==,
	    -1);
	check_str(f.msg, "meta field 'tests' entry 'k' has unknown key "
	    "'colour'");
}

/* ingestcheck_result() of JSON text as results[3]. */
static int
result(struct ingestcheck_result *r, const char *text, json_t **keep,
    struct fault *f)
{
	static const struct junit_limits lim = { 8, 16 };
	json_error_t e;

	memset(f, 0, sizeof(*f));
	json_decref(*keep);
	*keep = json_loads(text, 0, &e);
	return ingestcheck_result(r, *keep, 3, &lim, f);
}

static void
test_result(void)
{
	struct ingestcheck_result r;
	struct fault f;
	json_t *o = NULL;

	ingestcheck_result_init(&r);
	check_int(result(&r, "{\"name\": \"t\", \"status\": \"failed\", "
	    "\"tags\": [\"a\", \"b\"], \"duration_ms\": 12}", &o, &f), ==, 0);
	check_str(r.c.name, "t");
	check_str(r.c.classname, "");
	check_int(r.c.status, ==, ST_FAILED);
	check_int(r.c.duration_ms, ==, 12);
	check_str(r.c.tags, "a,b");
	check_int(r.truncated, ==, 0);
	check_int(result(&r, "{\"name\": \"t\", \"status\": \"passed\", "
	    "\"message\": \"0123456789\"}", &o, &f), ==, 0);
	check_str(r.c.message, "01234567\n[... truncated 2 bytes]");
	check_int(r.truncated, ==, 1);
	/* the cut never splits a character: é is two bytes at 7..8 */
	check_int(result(&r, "{\"name\": \"t\", \"status\": \"passed\", "
	    "\"message\": \"0123456\\u00e9x\"}", &o, &f), ==, 0);
	check_str(r.c.message, "0123456\n[... truncated 3 bytes]");
	check_int(result(&r, "{\"status\": \"passed\"}", &o, &f), ==, -1);
	check_str(f.msg, "results[3].name is required");
	check_int(result(&r, "{\"name\": \"t\", \"status\": \"ok\"}", &o, &f),
	    ==, -1);
	check_str(f.msg, "results[3].status must be one of passed, failed, "
	    "error, skipped");
	check_int(result(&r, "{\"name\": \"t\", \"status\": \"passed\", "
	    "\"colour\": 1}", &o, &f), ==, -1);
	check_str(f.msg, "results[3] has unknown field 'colour'");
	check_int(result(&r, "{\"name\": \"t\", \"status\": \"passed\", "
	    "\"tags\": [\"a,b\"]}", &o, &f), ==, -1);
	check_int(fault_status(&f), ==, 400);
	check_str(f.code, "invalid_json");
	json_decref(o);
	ingestcheck_result_free(&r);
}

int
main(void)
{
	test_sidecar();
	test_result();
	return done_testing();
}
