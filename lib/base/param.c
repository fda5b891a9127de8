/*
 * Pure validators for request parameters (query keys, path segments) and
 * anything else that must look like one of testvis's value kinds.  Each
 * takes the decoded text and either stores a typed value or explains in
 * one short phrase what is wrong.  Deciding which keys a request may carry
 * is the request layer's job, not this module's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "param.h"
#include "tvtime.h"
#include "utf8.h"

/* Predicate: s[0..n) is a project slug [a-z0-9][a-z0-9-]{0,63}. */
int
param_is_slug(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '-' && i > 0)
			continue;
		return 0;
	}
	return 1;
}

/* Predicate: s[0..n) is a run id [A-Za-z0-9._:/-]{1,128}. */
static int
is_runid(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		/* strchr() finds the terminator: NUL must not pass */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr("._:/-", c) != NULL))
			continue;
		return 0;
	}
	return 1;
}

/* Strict decimal integer: optional '-', digits only (no NUL), no overflow. */
static int
parse_int(const char *s, size_t n, long long *out)
{
	char tmp[32], *end;
	long long v;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (tmp[0] != '-' && (tmp[0] < '0' || tmp[0] > '9'))
		return -1;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (end != tmp + n || errno != 0)	/* "5\0x" is not 5 */
		return -1;
	*out = v;
	return 0;
}

/*
 * Validates text s[0..n) against spec.  On success fills *v (s borrowed:
 * it must outlive v) and returns 0; otherwise returns -1 with a short
 * reason in why, e.g. "must be an integer in 1..500".
 */
int
param_validate(const struct param_spec *spec, const char *s, size_t n,
    struct param_value *v, char *why, size_t whysz)
{
	size_t i, chars;
	long long iv = 0;
	int64_t ms;

	memset(v, 0, sizeof(*v));
	switch (spec->kind) {
	case PARAM_INT:
		if (parse_int(s, n, &iv) == -1 || iv < spec->min ||
		    iv > spec->max) {
			snprintf(why, whysz, "must be an integer in %lld..%lld",
			    spec->min, spec->max);
			return -1;
		}
		break;
	case PARAM_ENUM:
		for (i = 0; spec->choices[i] != NULL; i++)
			if (strlen(spec->choices[i]) == n &&
			    memcmp(spec->choices[i], s, n) == 0)
				break;
		if (spec->choices[i] == NULL) {
			size_t off;
			off = (size_t)snprintf(why, whysz, "must be one of");
			for (i = 0; spec->choices[i] != NULL && off < whysz;
			    i++)
				off += (size_t)snprintf(why + off, whysz - off,
				    "%s %s", i ? "," : "", spec->choices[i]);
			return -1;
		}
		iv = (long long)i;
		break;
	case PARAM_STRING:
		if (!utf8_valid(s, n)) {
			snprintf(why, whysz, "must be valid UTF-8");
			return -1;
		}
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(why, whysz, "must not contain "
				    "control characters");
				return -1;
			}
		chars = utf8_count(s, n);
		if ((long long)chars < spec->min ||
		    (long long)chars > spec->max) {
			snprintf(why, whysz, "must be %lld..%lld characters",
			    spec->min, spec->max);
			return -1;
		}
		break;
	case PARAM_TIME:
		if (tvtime_parse_iso8601(s, n, &ms) == -1) {
			snprintf(why, whysz, "must be an ISO-8601 time such "
			    "as 2024-05-01T12:00:00Z");
			return -1;
		}
		iv = ms;
		break;
	case PARAM_SLUG:
		if (!param_is_slug(s, n)) {
			snprintf(why, whysz, "must match [a-z0-9][a-z0-9-]"
			    "{0,63}");
			return -1;
		}
		break;
	case PARAM_HEX:
		for (i = 0; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f')))
				break;
		if (i < n || (long long)n < spec->min ||
		    (long long)n > spec->max) {
			if (spec->min == spec->max)
				snprintf(why, whysz, "must be %lld lower-case "
				    "hex digits", spec->min);
			else
				snprintf(why, whysz, "must be %lld..%lld "
				    "lower-case hex digits", spec->min,
				    spec->max);
			return -1;
		}
		break;
	case PARAM_RUNID:
		if (!is_runid(s, n)) {
			snprintf(why, whysz, "must match [A-Za-z0-9._:/-]"
			    "{1,128}");
			return -1;
		}
		break;
	case PARAM_BOOL:
		if ((n == 4 && memcmp(s, "true", 4) == 0) ||
		    (n == 1 && s[0] == '1'))
			iv = 1;
		else if ((n == 5 && memcmp(s, "false", 5) == 0) ||
		    (n == 1 && s[0] == '0'))
			iv = 0;
		else {
			snprintf(why, whysz, "must be true or false");
			return -1;
		}
		break;
	default:
		abort();	/* programmer error: unknown kind */
	}
	v->present = 1;
	v->i = iv;
	v->s = s;
	v->len = n;
	return 0;
}
