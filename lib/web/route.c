/*
 * The pure parts of request routing, shared by the request layer
 * (lib/web/http.c), its unit test and the query fuzz harness: method names,
 * percent-decoding, splitting a path into segments, walking a query
 * string, and finding a program's route for a path and method (404 and
 * 405 with the Allow list).  No request state, no I/O; validating the
 * values found is lib/base/param.c's, answering is lib/web/http.c's.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "route.h"
#include "utf8.h"

static const char *const method_names[HTTP__MAX] = {
	[HTTP_GET] = "GET",
	[HTTP_POST] = "POST",
	[HTTP_PUT] = "PUT",
	[HTTP_DELETE] = "DELETE",
};

/* Names a method for Allow headers and logs. */
const char *
route_method_name(enum http_method m)
{
	return m < HTTP__MAX ? method_names[m] : "?";
}

/* Parses a REQUEST_METHOD we route (HEAD counts as GET); 0 or -1. */
int
route_method_parse(const char *s, enum http_method *out)
{
	int i;

	if (strcmp(s, "HEAD") == 0) {
		*out = HTTP_GET;
		return 0;
	}
	for (i = 0; i < HTTP__MAX; i++)
		if (strcmp(s, method_names[i]) == 0) {
			*out = (enum http_method)i;
			return 0;
		}
	return -1;
}

/* The value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes s[0..n) into out (which holds at least n + 1 bytes),
 * turning '+' into a space when plus is set (query strings).  Stores the
 * decoded length in *outlen and NUL-terminates.  Returns 0, or -1 for a
 * broken %-escape, a decoded NUL, or decoded text that is not UTF-8.
 */
int
route_percent_decode(const char *s, size_t n, char *out, size_t *outlen,
    int plus)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (plus && s[i] == '+')
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	*outlen = o;
	return utf8_valid(out, o) ? 0 : -1;
}

/*
 * Splits the raw path raw[0..len) (starting with '/') into percent-decoded
 * segments allocated from a.  Returns 0, or -1 when the path does not start
 * with '/', has too many segments or a segment does not decode.
 */
int
route_path_split(struct arena *a, const char *raw, size_t len,
    struct route_path *p)
{
	size_t i = 1, start, dlen;
	char *seg;

	p->n = 0;
	if (len == 0 || raw[0] != '/')
		return -1;
	for (;;) {
		start = i;
		while (i < len && raw[i] != '/')
			i++;
		if (p->n == ROUTE_MAX_SEGS)
			return -1;
		seg = arena_alloc(a, i - start + 1);
		if (route_percent_decode(raw + start, i - start, seg, &dlen,
		    0) == -1)
			return -1;
		p->seg[p->n++] = seg;
		if (i >= len)
			break;
		i++;
	}
	return 0;
}

/*
 * Takes the next key=value pair of the query string at *qs, skipping
 * empty pairs ("a=1&&b=2"), and moves *qs past it.  Key and value are
 * percent-decoded ('+' is a space) into memory from a.  Returns 1 with
 * *key and *val (decoded lengths in *klen and *vlen), 0 at the end, or -1
 * when the pair does not decode: *key is NULL when its name did not, else
 * its value did not.  Pure apart from a, so the fuzz harness can drive it.
 */
int
route_query_next(struct arena *a, const char **qs, char **key, size_t *klen,
    char **val, size_t *vlen)
{
	const char *p = *qs, *amp, *eq;
	size_t kn, vn;

	*key = *val = NULL;
	while (*p == '&')
		p++;
	*qs = p;
	if (*p == '\0')
		return 0;
	if ((amp = strchr(p, '&')) == NULL)
		amp = p + strlen(p);
	eq = memchr(p, '=', (size_t)(amp - p));
	kn = (size_t)((eq != NULL ? eq : amp) - p);
	vn = eq != NULL ? (size_t)(amp - eq - 1) : 0;
	*qs = amp + (*amp != '\0');
	*key = arena_alloc(a, kn + 1);
	if (route_percent_decode(p, kn, *key, klen, 1) == -1) {
		*key = NULL;
		return -1;
	}
	*val = arena_alloc(a, vn + 1);
	if (route_percent_decode(eq != NULL ? eq + 1 : "", vn, *val, vlen,
	    1) == -1)
		return -1;
	return 1;
}

/*
 * Predicate: route pattern matches the decoded path p.  A "{name}" pattern
 * segment matches any non-empty segment.
 */
static int
pattern_match(const char *pattern, const struct route_path *p)
{
	const char *s = pattern + 1, *e;
	size_t k = 0, n;

	for (;;) {
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (k >= p->n)
			return 0;
		if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
			if (p->seg[k][0] == '\0')
				return 0;
		} else if (strlen(p->seg[k]) != n ||
		    memcmp(p->seg[k], s, n) != 0)
			return 0;
		k++;
		if (e == NULL)
			break;
		s = e + 1;
	}
	return k == p->n;
}

/*
 * Finds the route for path p and method (-1: a method no route has).
 * Returns 0 with *out set; 404 when no pattern matches; 405 when patterns
 * match but not the method, with the allowed methods ("GET, HEAD, POST")
 * written into allow.
 */
int
route_find(const struct app *app, const struct route_path *p, int method,
    const struct route **out, char *allow, size_t allowsz)
{
	unsigned seen = 0;
	size_t i, off = 0;
	int m;

	for (i = 0; i < app->nroutes; i++) {
		if (!pattern_match(app->routes[i].pattern, p))
			continue;
		if ((int)app->routes[i].method == method) {
			*out = &app->routes[i];
			return 0;
		}
		seen |= 1u << app->routes[i].method;
	}
	if (seen == 0)
		return 404;
	allow[0] = '\0';
	for (m = 0; m < HTTP__MAX; m++) {
		if (!(seen & (1u << m)))
			continue;
		off += (size_t)snprintf(allow + off, allowsz - off, "%s%s",
		    off ? ", " : "", method_names[m]);
		if (m == HTTP_GET && off < allowsz)
			off += (size_t)snprintf(allow + off, allowsz - off,
			    ", HEAD");
		if (off >= allowsz)
			break;
	}
	return 405;
}
