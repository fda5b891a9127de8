/*
 * Fuzz harness for the request layer's pure parts: the request path
 * (route_path_split, route_find against the routes of every cgi-bin
 * program), the query string (route_query_next, as query_parse walks it)
 * and every parameter validator of lib/base/param.c, fed both the decoded
 * values and the raw input bytes (which may hold NUL, as a JSON string
 * can).  The input is "PATH?QUERY".  Invariants: decoded text is UTF-8
 * without NUL, an accepted value has exactly the shape its kind promises,
 * and the Allow list of a 405 fits its buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fuzz.h"
#include "http.h"
#include "param.h"
#include "utf8.h"

static const char *const statuses[] = { "passed", "failed", "error",
    "skipped", "pending", NULL };

/* One spec of every kind, with the ranges the endpoints use. */
static const struct param_spec specs[] = {
	{ "limit", PARAM_INT, 0, 1, 500, NULL, 0 },
	{ "feature_id", PARAM_INT, 0, 1, 1LL << 53, NULL, 0 },
	{ "offset", PARAM_INT, 0, 0, 1000000000, NULL, 0 },
	{ "delta", PARAM_INT, 0, -1000, 1000, NULL, 0 },
	{ "status", PARAM_ENUM, 0, 0, 0, statuses, 0 },
	{ "q", PARAM_STRING, 0, 1, 256, NULL, 0 },
	{ "cursor", PARAM_STRING, 0, 1, 2048, NULL, 0 },
	{ "since", PARAM_TIME, 0, 0, 0, NULL, 0 },
	{ "project", PARAM_SLUG, 0, 0, 0, NULL, 0 },
	{ "test_id", PARAM_HEX, 0, 16, 16, NULL, 0 },
	{ "git_sha", PARAM_HEX, 0, 7, 64, NULL, 0 },
	{ "run_id", PARAM_RUNID, 0, 0, 0, NULL, 0 },
	{ "flaky", PARAM_BOOL, 0, 0, 0, NULL, 0 },
	{ NULL, 0, 0, 0, 0, NULL, 0 }
};
#define SPEC_SLUG	8	/* specs[] index of "project" */

/* The route patterns of cgi-bin/ (handlers are never called here). */
#define R(m, pat) { m, pat, SCOPE_NONE, 0, NULL, NULL, NULL, NULL }
static const struct route routes[] = {
	R(HTTP_GET, "/api/dashboard"),
	R(HTTP_GET, "/api/failures"),
	R(HTTP_GET, "/api/health"),
	R(HTTP_GET, "/api/openapi.json"),
	R(HTTP_GET, "/api/projects"),
	R(HTTP_GET, "/api/tests"),
	R(HTTP_GET, "/api/tests/correlate"),
	R(HTTP_GET, "/api/tests/features/{feature_id}/timeline"),
	R(HTTP_GET, "/api/tests/flaky"),
	R(HTTP_GET, "/api/tests/health/domains"),
	R(HTTP_GET, "/api/tests/health/features"),
	R(HTTP_GET, "/api/tests/integrity/alerts"),
	R(HTTP_GET, "/api/tests/quarantine"),
	R(HTTP_GET, "/api/tests/runs"),
	R(HTTP_GET, "/api/tests/runs/{run_id}"),
	R(HTTP_GET, "/api/tests/runs/{run_id}/results"),
	R(HTTP_GET, "/api/tests/slowest"),
	R(HTTP_GET, "/api/tests/{test_id}"),
	R(HTTP_GET, "/api/tests/{test_id}/history"),
	R(HTTP_GET, "/api/tests/{test_id}/incidents"),
	R(HTTP_GET, "/api/tests/{test_id}/mappings"),
	R(HTTP_GET, "/api/tests/{test_id}/results"),
	R(HTTP_GET, "/api/tests/{test_id}/timing"),
	R(HTTP_GET, "/api/tests/{test_id}/uptime"),
	R(HTTP_POST, "/api/tests/aliases"),
	R(HTTP_POST, "/api/tests/ingest"),
	R(HTTP_POST, "/api/tests/integrity/alerts/{signal_id}"),
	R(HTTP_POST, "/api/tests/mappings/import"),
	R(HTTP_PUT, "/api/tests/{test_id}/mapping"),
	R(HTTP_PUT, "/api/tests/{test_id}/state"),
};
#undef R

static const struct app app = {
	"fuzz", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Predicate: s[0..n) holds only bytes of set (a NUL never belongs). */
static int
only(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

/* Checks an accepted value against what its kind promises. */
static void
check_value(const struct param_spec *sp, const char *s, size_t n,
    const struct param_value *v)
{
	static const char digits[] = "0123456789";
	static const char lowhex[] = "0123456789abcdef";
	size_t i, c;

	FUZZ_CHECK(v->present && v->s == s && v->len == n);
	switch (sp->kind) {
	case PARAM_INT:
		FUZZ_CHECK(n > 0 && (only(s, n, digits) || (s[0] == '-' &&
		    only(s + 1, n - 1, digits))));
		FUZZ_CHECK(v->i >= sp->min && v->i <= sp->max);
		break;
	case PARAM_ENUM:
		FUZZ_CHECK(v->i >= 0);
		for (i = 0; i < (size_t)v->i; i++)
			FUZZ_CHECK(sp->choices[i] != NULL);
		FUZZ_CHECK(sp->choices[i] != NULL &&
		    strlen(sp->choices[i]) == n &&
		    memcmp(sp->choices[i], s, n) == 0);
		break;
	case PARAM_STRING:
		FUZZ_CHECK(utf8_valid(s, n));
		for (i = 0; i < n; i++)
			FUZZ_CHECK((unsigned char)s[i] >= 0x20 &&
			    s[i] != 0x7f);
		c = utf8_count(s, n);
		FUZZ_CHECK((long long)c >= sp->min &&
		    (long long)c <= sp->max);
		break;
	case PARAM_TIME:
		FUZZ_CHECK(n >= 10 && memchr(s, '\0', n) == NULL &&
		    only(s, 4, digits));
		break;
	case PARAM_SLUG:
		FUZZ_CHECK(n >= 1 && n <= 64 && s[0] != '-' &&
		    only(s, n, "abcdefghijklmnopqrstuvwxyz0123456789-"));
		break;
	case PARAM_HEX:
		FUZZ_CHECK((long long)n >= sp->min &&
		    (long long)n <= sp->max && only(s, n, lowhex));
		break;
	case PARAM_RUNID:
		FUZZ_CHECK(n >= 1 && n <= 128 && only(s, n,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789._:/-"));
		break;
	case PARAM_BOOL:
		FUZZ_CHECK((v->i == 1 && ((n == 4 && memcmp(s, "true", 4) ==
		    0) || (n == 1 && s[0] == '1'))) || (v->i == 0 &&
		    ((n == 5 && memcmp(s, "false", 5) == 0) || (n == 1 &&
		    s[0] == '0'))));
		break;
	default:
		FUZZ_CHECK(0);
	}
}

/* Runs s[0..n) through every validator. */
static void
validate_all(const char *s, size_t n)
{
	struct param_value v;
	char why[256];
	size_t i;

	for (i = 0; specs[i].name != NULL; i++) {
		why[0] = '\0';
		if (param_validate(&specs[i], s, n, &v, why, sizeof(why)) == 0)
			check_value(&specs[i], s, n, &v);
		else
			FUZZ_CHECK(why[0] != '\0' && !v.present);
	}
	FUZZ_CHECK(param_is_slug(s, n) == (param_validate(&specs[SPEC_SLUG],
	    s, n, &v, why, sizeof(why)) == 0));
}

/* Splits and routes the path raw[0..n) for every method. */
static void
route_path(struct arena *a, const char *raw, size_t n)
{
	struct route_path p;
	const struct route *rt;
	char *allow;
	size_t i, sz;
	int m, rc;

	if (route_path_split(a, raw, n, &p) == -1)
		return;
	FUZZ_CHECK(p.n >= 1 && p.n <= ROUTE_MAX_SEGS);
	for (i = 0; i < p.n; i++)
		FUZZ_CHECK(utf8_valid(p.seg[i], strlen(p.seg[i])));
	for (m = -1; m < HTTP__MAX; m++) {
		/* a tight buffer too, so that a write past it is seen */
		for (sz = 6; sz <= 64; sz += 58) {
			if ((allow = malloc(sz)) == NULL)
				abort();
			rt = NULL;
			rc = route_find(&app, &p, m, &rt, allow, sz);
			if (rc == 0)
				FUZZ_CHECK(rt != NULL && (int)rt->method == m);
			else if (rc == 405)
				FUZZ_CHECK(memchr(allow, '\0', sz) != NULL &&
				    allow[0] != '\0');
			else
				FUZZ_CHECK(rc == 404);
			free(allow);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *q, *p;
	struct arena *a = arena_new();
	char *qs, *key, *val;
	size_t plen, klen, vlen;
	int pairs = 0, rc;

	validate_all(in, size);
	q = memchr(in, '?', size);
	plen = q != NULL ? (size_t)(q - in) : size;
	route_path(a, in, plen);
	/* QUERY_STRING is a C string: it ends at the first NUL */
	qs = arena_strndup(a, q != NULL ? q + 1 : "", q != NULL ?
	    size - plen - 1 : 0);
	for (p = qs; (rc = route_query_next(a, &p, &key, &klen, &val,
	    &vlen)) == 1; pairs++) {
		FUZZ_CHECK(pairs < 1 + (int)size);
		FUZZ_CHECK(strlen(key) == klen && strlen(val) == vlen);
		FUZZ_CHECK(utf8_valid(key, klen) && utf8_valid(val, vlen));
		validate_all(val, vlen);
	}
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(rc == -1 || *p == '\0');
	arena_free(a);
	return 0;
}
