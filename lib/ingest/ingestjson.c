/*
 * The JSON form of an upload (ING-3 c): an IngestRunRequest object of
 * run metadata plus `junit_xml` and/or `results`, read from the body's
 * bytes without building the whole tree.  The metadata members become the
 * sidecar, `junit_xml` is decoded alone and read as a report, and each
 * element of `results` is decoded, queued and freed before the next: a
 * request of a million results costs the body plus one element, not
 * jansson's tree of it (issue 11 item 2: 779 MB for a 57.7 MB body).
 * Members may come in any order.  What the fields mean is ingest's.
 */
#include <string.h>

#include "fault.h"
#include "ingest.h"
#include "ingestjson.h"
#include "jscan.h"
#include "jval.h"
#include "stream.h"

/* A 400 invalid_json at byte off of the body, with its position. */
static int
syntax_fault(const char *s, size_t n, size_t off, const char *what,
    struct fault *f)
{
	int line, column;

	jscan_position(s, n, off, &line, &column);
	fault_set(f, FAULT_BAD_INPUT, "invalid_json",
	    "the request body is not valid JSON at line %d, column %d: "
	    "%s", line, column, what);
	f->line = line;
	f->column = column;
	return -1;
}

/* Decodes the span sp of s; NULL with a 400 fault placed in the body. */
static json_t *
decode(const char *s, size_t n, const struct jspan *sp, struct fault *f)
{
	json_error_t e;
	json_t *v = json_loadb(s + sp->off, sp->len, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, &e);

	if (v == NULL)
		syntax_fault(s, n, sp->off + (size_t)(e.position > 0 ?
		    e.position : 0), e.text, f);
	return v;
}

/*
 * Walks the top-level object: the metadata members go into *meta (a new
 * object), the spans of junit_xml and results are kept.  0, or -1 with a
 * 400 fault (syntax, not an object, a duplicate key).
 */
static int
split_members(const char *s, size_t n, json_t **meta, struct jspan *xml,
    struct jspan *results, struct fault *f)
{
	struct jscan j;
	struct jspan k, v;
	json_t *key, *val;
	int rc;

	if (jscan_open(&j, s, n, 0, '{') == -1) {
		if (jscan_rest_empty(s, n, 0))
			return syntax_fault(s, n, n, "the body is empty", f);
		fault_set(f, FAULT_BAD_INPUT, "invalid_json",
		    "the request body must be a JSON object");
		return -1;
	}
	*meta = jval_object();
	while ((rc = jscan_next(&j, &k, &v)) == 1) {
		const char *name;
		if ((key = decode(s, n, &k, f)) == NULL)
			return -1;
		name = json_string_value(key);
		if (json_object_get(*meta, name) != NULL ||
		    (strcmp(name, "junit_xml") == 0 && xml->len > 0) ||
		    (strcmp(name, "results") == 0 && results->len > 0)) {
			json_decref(key);
			return syntax_fault(s, n, k.off, "duplicate object "
			    "key", f);
		}
		if (strcmp(name, "junit_xml") == 0)
			*xml = v;
		else if (strcmp(name, "results") == 0)
			*results = v;
		else if ((val = decode(s, n, &v, f)) == NULL ||
		    json_object_set_new(*meta, name, val) == -1) {
			json_decref(key);
			return -1;
		}
		json_decref(key);
	}
	if (rc == -1)
		return syntax_fault(s, n, j.err, "unexpected text", f);
	if (!jscan_rest_empty(s, n, j.pos))
		return syntax_fault(s, n, j.pos, "end of file expected", f);
	return 0;
}

/* Reads the junit_xml member (span xml of s) as a report; 0 or -1. */
static int
read_xml(struct ingest *in, const char *s, size_t n, const struct jspan *xml,
    struct fault *f)
{
	struct stream *m;
	json_t *v;
	int rc;

	if ((v = decode(s, n, xml, f)) == NULL)
		return -1;
	if (!json_is_string(v)) {
		json_decref(v);
		fault_set(f, FAULT_BAD_INPUT, "invalid_json",
		    "junit_xml must be a string");
		return -1;
	}
	m = stream_mem(json_string_value(v), json_string_length(v));
	rc = ingest_xml(in, m);
	stream_free(m);
	json_decref(v);
	return rc;
}

/* Queues each element of the results member, one decoded at a time. */
static int
read_results(struct ingest *in, const char *s, size_t n,
    const struct jspan *results, struct fault *f)
{
	struct jscan j;
	struct jspan v;
	json_t *o;
	size_t i = 0;
	int rc;

	if (jscan_open(&j, s, n, results->off, '[') == -1) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_json",
		    "results must be an array");
		return -1;
	}
	while ((rc = jscan_next(&j, NULL, &v)) == 1) {
		if ((o = decode(s, n, &v, f)) == NULL)
			return -1;
		rc = ingest_result(in, o, i++);
		json_decref(o);
		if (rc == -1)
			return -1;
	}
	if (rc == -1)
		return syntax_fault(s, n, j.err, "unexpected text in results",
		    f);
	return ingest_results_done(in);
}

/*
 * Ingests the IngestRunRequest in body[0..n) (borrowed; it may be freed
 * when this returns) into in, whose fault is f.  Returns 0 when stored
 * or a known duplicate (ingest_finish() tells which), or -1 with the
 * fault set: 400 invalid_json naming what and where, or what ingest_xml()
 * and ingest_result() report.
 */
int
ingestjson_run(struct ingest *in, const char *body, size_t n,
    struct fault *f)
{
	struct jspan xml = { 0, 0 }, results = { 0, 0 };
	json_t *meta = NULL;
	int rc;

	if (split_members(body, n, &meta, &xml, &results, f) == -1) {
		json_decref(meta);
		return -1;
	}
	if (xml.len == 0 && results.len == 0) {
		json_decref(meta);
		fault_set(f, FAULT_BAD_INPUT, "invalid_json",
		    "the request needs junit_xml and/or results");
		return -1;
	}
	if (ingest_set_sidecar(in, meta) == -1)	/* takes meta */
		return -1;
	if ((rc = ingest_begin(in)) != 0)
		return rc == 1 ? 0 : -1;
	if (xml.len > 0 && read_xml(in, body, n, &xml, f) == -1)
		return -1;
	if (results.len > 0 && read_results(in, body, n, &results, f) == -1)
		return -1;
	return 0;
}
