/* Unit tests for lib/web/route.c, the pure half of request routing. */
#include <string.h>

#include "arena.h"
#include "route.h"
#include "tap.h"

static int h(struct req *r) { (void)r; return 200; }

static const struct route routes[] = {
	{ HTTP_GET, "/api/tests", SCOPE_READ, 0, NULL, NULL, NULL, h },
	{ HTTP_GET, "/api/tests/{test_id}", SCOPE_READ, 0, NULL, NULL, NULL,
	    h },
	{ HTTP_GET, "/api/tests/{test_id}/history", SCOPE_READ, 0, NULL, NULL,
	    NULL, h },
	{ HTTP_PUT, "/api/tests/{test_id}/state", SCOPE_ADMIN, 0, NULL, NULL,
	    NULL, h },
	{ HTTP_POST, "/api/tests/ingest", SCOPE_INGEST, 0, NULL, NULL, NULL,
	    h },
	{ HTTP_GET, "/api/tests/runs/{run_id}", SCOPE_READ, 0, NULL, NULL,
	    NULL, h },
};
static const struct app app = { "t", routes, 6, NULL, 0 };
static struct arena *a;

/* Routes method+path; returns 0/404/405/-1 and the matched index. */
static int
find(const char *method, const char *path, int *idx, char *allow)
{
	struct route_path p;
	const struct route *r = NULL;
	enum http_method m;
	int rc;

	if (route_path_split(a, path, strlen(path), &p) == -1)
		return -1;
	rc = route_find(&app, &p, route_method_parse(method, &m) == 0 ?
	    (int)m : -1, &r, allow, 64);
	*idx = r != NULL ? (int)(r - routes) : -1;
	return rc;
}

int
main(void)
{
	struct route_path p;
	char allow[64], out[64], *key, *val;
	const char *qs;
	size_t n, vn;
	int idx;

	a = arena_new();
	check_int(find("GET", "/api/tests", &idx, allow), ==, 0);
	check_int(idx, ==, 0);
	check_int(find("GET", "/api/tests/0123456789abcdef", &idx, allow), ==,
	    0);
	check_int(idx, ==, 1);
	check_int(find("GET", "/api/tests/abc/history", &idx, allow), ==, 0);
	check_int(idx, ==, 2);
	check_int(find("POST", "/api/tests/ingest", &idx, allow), ==, 0);
	check_int(idx, ==, 4);
	check_int(find("HEAD", "/api/tests", &idx, allow), ==, 0);
	check_int(find("GET", "/api/tests/runs/gh%2F12%3A3", &idx, allow), ==,
	    0);
	check_int(idx, ==, 5);

	check_int(find("GET", "/api/nothing", &idx, allow), ==, 404);
	check_int(find("GET", "/api/tests/", &idx, allow), ==, 404);
	check_int(find("GET", "/api/tests/a/b/c/d", &idx, allow), ==, 404);
	check_int(find("GET", "/api/tests//history", &idx, allow), ==, 404);

	check_int(find("DELETE", "/api/tests", &idx, allow), ==, 405);
	check_str(allow, "GET, HEAD");
	check_int(find("POST", "/api/tests/abc/state", &idx, allow), ==, 405);
	check_str(allow, "PUT");
	check_int(find("BREW", "/api/tests/runs/x", &idx, allow), ==, 405);
	check_str(allow, "GET, HEAD");
	/* "ingest" also matches {test_id}: GET is allowed there */
	check_int(find("PUT", "/api/tests/ingest", &idx, allow), ==, 405);
	check_str(allow, "GET, HEAD, POST");

	check_int(find("GET", "/api/tests/%zz", &idx, allow), ==, -1);
	check_int(find("GET", "/api/tests/%00", &idx, allow), ==, -1);
	check_int(find("GET", "/api/tests/%c3%28", &idx, allow), ==, -1);
	check_int(find("GET", "noslash", &idx, allow), ==, -1);
	check_int(find("GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17",
	    &idx, allow), ==, -1);

	check_int(route_path_split(a, "/a%2Fb/c", 8, &p), ==, 0);
	check_int(p.n, ==, 2);
	check_str(p.seg[0], "a/b");

	check_int(route_percent_decode("a+b%20c", 7, out, &n, 1), ==, 0);
	check_str(out, "a b c");
	check_int(route_percent_decode("a+b", 3, out, &n, 0), ==, 0);
	check_str(out, "a+b");
	check_int(route_percent_decode("%4", 2, out, &n, 1), ==, -1);
	check_int(route_percent_decode("%", 1, out, &n, 1), ==, -1);

	/* the query string walk query_parse uses (and fuzz-query drives) */
	qs = "&&a=1&b&=c&q=x+y%2B&&";
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, 1);
	check_str(key, "a");
	check_str(val, "1");
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, 1);
	check_str(key, "b");
	check_str(val, "");
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, 1);
	check_str(key, "");
	check_str(val, "c");
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, 1);
	check_str(val, "x y+");
	check_int(vn, ==, 4);
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, 0);
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, 0);
	qs = "k%zz=1";
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, -1);
	ok(key == NULL, "negative: a name that does not decode gives no key");
	qs = "k=%c3%28&z=1";
	check_int(route_query_next(a, &qs, &key, &n, &val, &vn), ==, -1);
	check_str(key, "k");
	arena_free(a);
	return done_testing();
}
