/*
 * Checks what an upload brings besides its reports, before anything is
 * stored: the sidecar (ING-5: run metadata, finished_at, duration_ms,
 * tags, changed_files, per-test overrides) and each element of a JSON
 * `results` array (ING-3 c).  Pure functions of the JSON: no database,
 * no state; a refusal is a 400 invalid_json naming the field.  What the
 * values mean is ingestmeta.c's (which source wins) and ingest.c's.
 */
#include <string.h>

#include "fault.h"
#include "ingestcheck.h"
#include "ingestmeta.h"
#include "param.h"
#include "tvtime.h"
#include "utf8.h"

/* A 400 about a sidecar field; returns -1. */
static int
meta_fault(struct fault *f, const char *field, const char *why)
{
	fault_set(f, FAULT_BAD_INPUT, "invalid_json",
	    "meta field '%s' %s", field, why);
	return -1;
}

/* Checks a JSON array of strings of at most maxlen chars, maxn items. */
static int
check_strings(const char *field, json_t *v, size_t maxn, long long maxlen,
    struct fault *f)
{
	struct param_spec spec = { field, PARAM_STRING, 0, 1, maxlen, NULL, 0 };
	struct param_value pv;
	char why[256];
	json_t *e;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > maxn)
		return meta_fault(f, field, "must be an array of strings");
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || param_validate(&spec,
		    json_string_value(e), json_string_length(e), &pv, why,
		    sizeof(why)) == -1 || (strstr(field, "tags") != NULL &&
		    strchr(json_string_value(e), ',') != NULL))
			return meta_fault(f, field, "must hold short "
			    "strings without control characters (tags: "
			    "no commas)");
	}
	return 0;
}

/* Validates one per-test override {tags, owner, feature, domain}. */
static int
check_override(const char *key, json_t *o, struct fault *f)
{
	static const struct param_spec path_spec =
	    { "feature", PARAM_STRING, 0, 1, 512, NULL, 0 };
	struct param_value pv;
	const char *k;
	char why[256];
	json_t *v;

	if (!json_is_object(o))
		return meta_fault(f, "tests", "must map test keys to objects");
	json_object_foreach(o, k, v) {
		if (strcmp(k, "tags") == 0) {
			if (check_strings("tests.*.tags", v, 50, 64, f) == -1)
				return -1;
		} else if (strcmp(k, "owner") == 0 ||
		    strcmp(k, "feature") == 0 || strcmp(k, "domain") == 0) {
			if (!json_is_string(v) || param_validate(&path_spec,
			    json_string_value(v), json_string_length(v), &pv,
			    why, sizeof(why)) == -1)
				return meta_fault(f, "tests", "has an invalid "
				    "owner, feature or domain");
		} else {
			fault_set(f, FAULT_BAD_INPUT, "invalid_json",
			    "meta field 'tests' entry '%.*s' has unknown key "
			    "'%.*s'",
			    UTF8_CUT(key, 64), UTF8_CUT(k, 64));
			return -1;
		}
	}
	return 0;
}

/* Checks sidecar member k (not a run metadata field) with value v. */
static int
check_member(const char *k, json_t *v, struct fault *f)
{
	const char *tk;
	json_t *o;
	int64_t ms;

	if (strcmp(k, "finished_at") == 0) {
		if (!json_is_string(v) || tvtime_parse_iso8601(
		    json_string_value(v), json_string_length(v), &ms) == -1)
			return meta_fault(f, k, "must be an ISO-8601 time");
	} else if (strcmp(k, "duration_ms") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return meta_fault(f, k, "must be a non-negative "
			    "integer");
	} else if (strcmp(k, "tags") == 0) {
		return check_strings(k, v, 50, 64, f);
	} else if (strcmp(k, "changed_files") == 0) {
		return check_strings(k, v, 100000, 4096, f);
	} else if (strcmp(k, "tests") == 0) {
		if (!json_is_object(v))
			return meta_fault(f, k, "must be an object");
		json_object_foreach(v, tk, o)
			if (check_override(tk, o, f) == -1)
				return -1;
	} else if (strcmp(k, "project") != 0) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_json",
		    "unknown meta field '%.*s'", UTF8_CUT(k, 64));
		return -1;
	}
	return 0;
}

/*
 * Checks a sidecar (borrowed): an object of run metadata, finished_at,
 * duration_ms, tags, changed_files, per-test overrides and the project.
 * Returns 0, or -1 with a 400 invalid_json in f naming the field.
 */
int
ingestcheck_sidecar(json_t *meta, struct fault *f)
{
	struct param_value pv;
	const char *k;
	char why[256];
	json_t *v;
	int i;

	if (!json_is_object(meta)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_json",
		    "meta must be a JSON object");
		return -1;
	}
	json_object_foreach(meta, k, v) {
		for (i = 0; i < META__MAX; i++)
			if (strcmp(k, ingestmeta_spec[i].name) == 0)
				break;
		if (i == META__MAX) {
			if (check_member(k, v, f) == -1)
				return -1;
		} else if (!json_is_string(v) || param_validate(
		    &ingestmeta_spec[i], json_string_value(v),
		    json_string_length(v), &pv, why, sizeof(why)) == -1)
			return meta_fault(f, k, json_is_string(v) ? why :
			    "must be a string");
	}
	return 0;
}

/* Makes r ready for ingestcheck_result(). */
void
ingestcheck_result_init(struct ingestcheck_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->tags);
	buf_init(&r->message);
	buf_init(&r->details);
}

/* Frees r's buffers (r itself is the caller's). */
void
ingestcheck_result_free(struct ingestcheck_result *r)
{
	buf_free(&r->tags);
	buf_free(&r->message);
	buf_free(&r->details);
}

/* A 400 about results[i]; returns -1. */
static int
result_fault(struct fault *f, size_t i, const char *field, const char *why)
{
	fault_set(f, FAULT_BAD_INPUT, "invalid_json",
	    "results[%zu].%s %s", i, field, why);
	return -1;
}

/*
 * String member field of results[i] o, at most maxlen characters (0: no
 * limit) and without NUL, into *out (borrowed from o; NULL when absent
 * or null).  0, or -1 with the fault set.
 */
static int
result_str(json_t *o, size_t i, const char *field, long long maxlen,
    int required, const char **out, struct fault *f)
{
	struct param_spec spec = { field, PARAM_STRING, 0, 1, maxlen, NULL, 0 };
	struct param_value pv;
	json_t *v = json_object_get(o, field);
	char why[256];

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return result_fault(f, i, field, "is required");
		return 0;
	}
	if (!json_is_string(v))
		return result_fault(f, i, field, "must be a string");
	if (maxlen > 0 && param_validate(&spec, json_string_value(v),
	    json_string_length(v), &pv, why, sizeof(why)) == -1)
		return result_fault(f, i, field, why);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return result_fault(f, i, field, "must not contain NUL");
	*out = json_string_value(v);
	return 0;
}

/* Refuses members of results[i] o that the format does not know. */
static int
result_keys(json_t *o, size_t i, struct fault *f)
{
	static const char *const known[] = { "classname", "name", "file",
	    "status", "duration_ms", "message", "details", "tags", "owner",
	    NULL };
	const char *k;
	json_t *v;
	int j;

	json_object_foreach(o, k, v) {
		for (j = 0; known[j] != NULL; j++)
			if (strcmp(k, known[j]) == 0)
				break;
		if (known[j] == NULL) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_json",
			    "results[%zu] has unknown field '%.*s'", i,
			    UTF8_CUT(k, 64));
			return -1;
		}
	}
	return 0;
}

/* Joins the tags array v of results[i] into b with commas; 0 or -1. */
static int
result_tags(json_t *v, size_t i, struct buf *b, struct fault *f)
{
	static const struct param_spec ts = { "tags", PARAM_STRING, 0, 1, 64,
	    NULL, 0 };
	struct param_value pv;
	char why[128];
	json_t *e;
	size_t t;

	if (!json_is_array(v))
		return result_fault(f, i, "tags", "must be an array");
	json_array_foreach(v, t, e) {
		if (!json_is_string(e) || param_validate(&ts,
		    json_string_value(e), json_string_length(e), &pv, why,
		    sizeof(why)) == -1 ||
		    strchr(json_string_value(e), ',') != NULL)
			return result_fault(f, i, "tags", "must hold 1..64 "
			    "characters without control characters or commas");
		if (b->len > 0)
			buf_puts(b, ",");
		buf_puts(b, json_string_value(e));
	}
	return 0;
}

/*
 * Checks results[i], the object o (borrowed, and borrowed by r->c until
 * o is freed): {classname, name, file, status, duration_ms, message,
 * details, tags, owner}, message and details cut to the limits lim.
 * Returns 0 with r->c the testcase, or -1 with a 400 naming the element
 * and field.
 */
int
ingestcheck_result(struct ingestcheck_result *r, json_t *o, size_t i,
    const struct junit_limits *lim, struct fault *f)
{
	struct junit_case *c = &r->c;
	const char *status, *message, *details;
	json_t *v;

	memset(c, 0, sizeof(*c));
	buf_reset(&r->tags);
	r->truncated = 0;
	if (!json_is_object(o))
		return result_fault(f, i, "", "must be an object");
	if (result_keys(o, i, f) == -1 ||
	    result_str(o, i, "name", 2048, 1, &c->name, f) == -1 ||
	    result_str(o, i, "classname", 2048, 0, &c->classname, f) == -1 ||
	    result_str(o, i, "file", 2048, 0, &c->file, f) == -1 ||
	    result_str(o, i, "status", 16, 1, &status, f) == -1 ||
	    result_str(o, i, "message", 0, 0, &c->message, f) == -1 ||
	    result_str(o, i, "details", 0, 0, &c->details, f) == -1 ||
	    result_str(o, i, "owner", 256, 0, &c->owner, f) == -1)
		return -1;
	if (junit_status_parse(status, &c->status) == -1)
		return result_fault(f, i, "status", "must be one of passed, "
		    "failed, error, skipped");
	c->duration_ms = -1;
	if ((v = json_object_get(o, "duration_ms")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return result_fault(f, i, "duration_ms", "must be a "
			    "non-negative integer");
		c->duration_ms = json_integer_value(v);
	}
	if ((v = json_object_get(o, "tags")) != NULL &&
	    result_tags(v, i, &r->tags, f) == -1)
		return -1;
	c->tags = r->tags.len > 0 ? r->tags.p : NULL;
	if (c->classname == NULL)
		c->classname = "";
	if (c->file == NULL)
		c->file = "";
	c->suite_path = "";
	c->attempts = 1;
	c->assertions = -1;
	message = c->message;
	details = c->details;
	c->message = junit_text_cap(&r->message, message, lim->message_max);
	c->details = junit_text_cap(&r->details, details, lim->text_max);
	r->truncated = (c->message != message) + (c->details != details);
	return 0;
}
