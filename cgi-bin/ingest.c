/*
 * testvis-ingest: POST /api/tests/ingest (ING-3).  Three body forms: a raw
 * JUnit report (XML, or gzip: recognised by its magic bytes; a
 * Content-Encoding other than gzip or identity is refused), multipart
 * form data with `file` parts, an optional `meta` part (the sidecar) and
 * an optional `diff` part, or a JSON IngestRunRequest with `junit_xml`
 * and/or `results`.  Run metadata may also come as query parameters,
 * which win over everything else.  All storing is lib/ingest/ingest.c's; this
 * program only turns the HTTP body into calls on it and the outcome
 * into a status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "fault.h"
#include "http.h"
#include "ingest.h"
#include "ingestjson.h"
#include "jval.h"
#include "multipart.h"
#include "stream.h"
#include "utf8.h"

#define META_MAX	(1024 * 1024)
#define DIFF_MAX	(16 * 1024 * 1024)

static const char *const body_types[] = { "application/xml", "text/xml",
    "application/gzip", "application/x-gzip", "application/octet-stream",
    "multipart/form-data", "application/json", NULL };

static ssize_t
body_read(void *arg, char *buf, size_t n)
{
	return req_body_read(arg, buf, n);
}

/* Reads all of s into b, failing with 413 past max bytes; 0 or -1. */
static int
slurp(struct stream *s, struct buf *b, size_t max, const char *what,
    struct fault *f)
{
	char chunk[16384];
	ssize_t k;

	while ((k = stream_read(s, chunk, sizeof(chunk))) > 0) {
		if (b->len + (size_t)k > max) {
			fault_set(f, FAULT_TOO_LARGE, "too_large",
			    "the %s is over %zu bytes", what, max);
			f->limit = (long long)max;
			return -1;
		}
		buf_append(b, chunk, (size_t)k);
	}
	return k < 0 ? -1 : 0;
}

/* Parses JSON text for the named part; NULL with a 400 fault. */
static json_t *
parse_json(const struct buf *b, const char *what, struct fault *f)
{
	json_error_t e;
	json_t *v = json_loadb(b->p != NULL ? b->p : "", b->len,
	    JSON_REJECT_DUPLICATES, &e);

	if (v == NULL) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_json",
		    "%s is not valid JSON at line %d, column %d: "
		    "%s", what, e.line, e.column, e.text);
		f->line = e.line;
		f->column = e.column;
	}
	return v;
}

/* Begins the ingest once; 1 when it is a known duplicate. */
static int
begin_once(struct ingest *in, int *begun)
{
	int rc;

	if (*begun)
		return 0;
	*begun = 1;
	rc = ingest_begin(in);
	return rc;
}

/* multipart/form-data: file parts stream in, meta and diff are read. */
static int
from_multipart(struct req *r, struct ingest *in, struct stream *body,
    const char *ctype, struct fault *f)
{
	struct multipart *m = multipart_new(body, ctype, f);
	struct mp_part part;
	struct buf b;
	int rc = -1, begun = 0, files = 0, k;

	if (m == NULL)
		return -1;
	buf_init(&b);
	while ((k = multipart_next(m, &part)) == 1) {
		if (strcmp(part.name, "file") == 0) {
			if ((k = begin_once(in, &begun)) == -1)
				goto out;
			if (k == 1) {
				rc = 0;	/* duplicate: the rest is not read */
				goto out;
			}
			if (ingest_xml(in, multipart_body(m)) == -1)
				goto out;
			files++;
		} else if (strcmp(part.name, "meta") == 0) {
			buf_reset(&b);
			if (slurp(multipart_body(m), &b, META_MAX, "meta part",
			    f) == -1)
				goto out;
			json_t *meta = parse_json(&b, "the meta part", f);
			if (meta == NULL || ingest_set_sidecar(in, meta) == -1)
				goto out;
		} else if (strcmp(part.name, "diff") == 0) {
			buf_reset(&b);
			if (slurp(multipart_body(m), &b, DIFF_MAX, "diff part",
			    f) == -1)
				goto out;
			ingest_set_diff(in, b.p != NULL ? b.p : "", b.len);
		} else {
			fault_set(f, FAULT_BAD_INPUT, "invalid_multipart",
			    "unknown form field '%.*s' (expected file, meta or "
			    "diff)",
			    UTF8_CUT(part.name, 64));
			goto out;
		}
	}
	if (k == -1)
		goto out;
	if (files == 0) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_multipart",
		    "the form has no 'file' part");
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	multipart_free(m);
	return rc;
}

/*
 * application/json IngestRunRequest: the body is read whole (it is capped
 * by max_body_bytes) and walked member by member, never decoded into one
 * tree.  0 (stored or duplicate) or -1 with the fault set.
 */
static int
from_json(struct req *r, struct ingest *in, struct stream *body,
    struct fault *f)
{
	struct buf b;
	int rc = -1;

	buf_init(&b);
	if (slurp(body, &b, (size_t)req_config(r)->max_body_bytes,
	    "request body", f) == 0)
		rc = ingestjson_run(in, b.p != NULL ? b.p : "", b.len, f);
	buf_free(&b);
	return rc;
}

/*
 * POST /api/tests/ingest: 201 created, 200 skipped (duplicate), 400
 * (invalid_xml with line and column, not_junit, invalid_json,
 * invalid_multipart, invalid_gzip, invalid_param), 401/403 (layer), 413
 * too_large, 415, 503 busy (Retry-After) or disabled, 507 storage_full.
 * Nothing is stored unless the answer is 201.
 */
static int
h_ingest(struct req *r)
{
	const char *ctype = req_env(r, "CONTENT_TYPE"), *enc;
	struct fault f;
	struct ingest *in;
	struct stream *body;
	json_t *ans = NULL;
	enum ingest_outcome done;
	int i, rc;

	memset(&f, 0, sizeof(f));
	if ((enc = req_env(r, "HTTP_CONTENT_ENCODING")) != NULL &&
	    *enc != '\0' && strcasecmp(enc, "gzip") != 0 &&
	    strcasecmp(enc, "identity") != 0)
		return req_error(r, 415, "unsupported_media_type", NULL,
		    "unsupported Content-Encoding '%.*s' (gzip or none)",
		    UTF8_CUT(enc, 32));
	if (req_body_length(r) == 0)
		return req_error(r, 400, "empty_body", NULL,
		    "the request has no body: send a JUnit XML report");
	in = ingest_new(req_db(r), req_config(r), req_project_id(r),
	    req_project(r), "http", &f);
	ingest_set_trace(in, req_trace(r));
	for (i = 0; i < META__MAX; i++) {
		const struct param_value *v = req_param(r, i);
		if (v->present)
			ingest_set_param(in, (enum meta_field)i, v->s, v->i);
	}
	body = stream_func(body_read, r, &f);
	if (ctype == NULL)
		ctype = "";
	if (strncasecmp(ctype, "multipart/form-data", 19) == 0)
		rc = from_multipart(r, in, body, ctype, &f);
	else if (strncasecmp(ctype, "application/json", 16) == 0)
		rc = from_json(r, in, body, &f);
	else if ((rc = ingest_begin(in)) == 0)
		rc = ingest_xml(in, body);
	else if (rc == 1)
		rc = 0;
	done = rc == 0 ? ingest_finish(in, &ans) : INGEST_FAILED;
	stream_free(body);
	ingest_free(in);
	if (done == INGEST_CREATED)
		return req_json(r, 201, ans);
	if (done == INGEST_SKIPPED)
		return req_json(r, 200, ans);
	/* a failure that recorded no cause is an internal one here */
	if (f.kind == FAULT_NONE)
		f.kind = FAULT_INTERNAL;
	return req_fault(r, &f);
}

static const struct route routes[] = {
	{ HTTP_POST, "/api/tests/ingest", SCOPE_INGEST,
	    ROUTE_GATED | ROUTE_PROJECT, NULL, ingestmeta_spec, body_types,
	    h_ingest },
};

static const struct app app = {
	"testvis-ingest", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
