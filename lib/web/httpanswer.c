/*
 * The answer half of the request layer (lib/web/http.c is the other):
 * handlers set an answer (req_json, req_view, req_fault, req_error) and
 * http_respond() turns it into the response: the JSON body or the error
 * envelope of API-0, the security and caching headers, an ETag with 304
 * revalidation.  A streaming handler (the live updates) sends its own
 * headers through req_stream() and writes the body as it goes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "cursor.h"
#include "fault.h"
#include "http.h"
#include "httpreq.h"
#include "jdump.h"
#include "jval.h"
#include "log.h"
#include "respcache.h"
#include "utf8.h"

/*
 * The one place a fault becomes an answer.  A fault of the client's input
 * answers its status, code and message, with the details a client can act
 * on: the position of an XML or JSON error, the limit that was hit, the
 * parameter at fault.  The database busy answers 503 with Retry-After,
 * its disk full 507; a storage failure (or none recorded) is the bare 503
 * every handler answers on a database error, an internal one the bare
 * 500 (both logged where they happened, never explained to the client).
 * Returns the status.
 */
int
req_fault(struct req *r, const struct fault *f)
{
	int status = fault_status(f);
	json_t *d;

	switch (f->kind) {
	case FAULT_NONE:
	case FAULT_STORAGE:
		return 503;
	case FAULT_INTERNAL:
		return 500;
	case FAULT_BUSY:
		req_header(r, "Retry-After", "5");
		return req_error(r, status, f->code, NULL, "%s", f->msg);
	case FAULT_FULL:
		return req_error(r, status, f->code, NULL, "%s", f->msg);
	default:
		break;
	}
	d = jval_object();
	if (f->line > 0) {
		jval_set(d, "line", jval_int(f->line));
		jval_set(d, "column", jval_int(f->column));
	}
	if (f->kind == FAULT_TOO_LARGE && f->limit > 0)
		jval_set(d, "limit_bytes", jval_int(f->limit));
	if (f->param != NULL) {
		jval_set(d, "param", jval_str(f->param));
		jval_set(d, "reason", jval_str(f->reason));
	}
	return req_error(r, status, f->code, d, "%s", f->msg);
}

/*
 * Answers what a view (a lib/ read) returned: 200 with out (reference
 * stolen), the 400 invalid_param for a cursor of another list
 * (CURSOR_BAD), or the storage answer for -1.  A view's 0 (nothing
 * found) is the handler's to answer with req_not_found() first.
 */
int
req_view(struct req *r, int rc, json_t *out)
{
	struct fault f;

	memset(&f, 0, sizeof(f));
	if (rc == CURSOR_BAD)
		fault_param(&f, "cursor", "invalid", "invalid parameter "
		    "'cursor': not a cursor of this list");
	else if (rc == -1)
		f.kind = FAULT_STORAGE;
	else
		return req_json(r, 200, out);
	json_decref(out);
	return req_fault(r, &f);
}

/*
 * req_view() for a view that wrote its answer's JSON text (jwrite.c):
 * 200 with text (its buffer taken, text left empty), else as req_view().
 */
int
req_text(struct req *r, int rc, struct buf *text)
{
	if (rc != 1) {
		buf_free(text);
		return req_view(r, rc, NULL);
	}
	if (r->json != NULL)
		json_decref(r->json);
	r->json = NULL;
	buf_free(&r->text);
	r->text = *text;
	buf_init(text);
	return 200;
}

/* Adds a response header; both strings are copied. */
void
req_header(struct req *r, const char *name, const char *value)
{
	buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

/* Sets the success answer: status and a JSON body (reference stolen). */
int
req_json(struct req *r, int status, json_t *body)
{
	if (r->json != NULL)
		json_decref(r->json);
	r->json = body;
	return status;
}

/* Sets the error answer's code, details (stolen) and message. */
static int
error_vset(struct req *, int, const char *, json_t *, const char *,
    va_list) __attribute__((format(printf, 5, 0)));
static int
error_vset(struct req *r, int status, const char *code, json_t *details,
    const char *fmt, va_list ap)
{
	r->err_code = code;
	if (r->err_details != NULL)
		json_decref(r->err_details);
	r->err_details = details;
	vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
	r->err_msg[utf8_whole(r->err_msg, strlen(r->err_msg))] = '\0';
	return status;
}

/*
 * Sets an error answer: status, machine code (static string), optional
 * details object (reference stolen) and a message.  Returns status, so a
 * handler can `return req_error(...)`.
 */
int
req_error(struct req *r, int status, const char *code, json_t *details,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(r, status, code, details, fmt, ap);
	va_end(ap);
	return status;
}

/* A 404 not_found with the message given; returns 404. */
int
req_not_found(struct req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(r, 404, "not_found", NULL, fmt, ap);
	va_end(ap);
	return 404;
}

/* An invalid_param 400 naming the parameter and the reason. */
int
http_param_error(struct req *r, const char *name, const char *reason,
    const char *fmt, ...)
{
	json_t *d = jval_object();
	va_list ap;

	jval_set(d, "param", jval_str(name));
	jval_set(d, "reason", jval_str(reason));
	va_start(ap, fmt);
	error_vset(r, 400, "invalid_param", d, fmt, ap);
	va_end(ap);
	return 400;
}

/* The reason phrase of a status line. */
static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 428: return "Precondition Required";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	default: return "Unknown";
	}
}

/* Writes n bytes to the client; errors (client gone) are ignored. */
void
http_out_write(struct req *r, const char *data, size_t n)
{
	if (n > 0)
		(void)r->io->write(r->io->ctx, data, n);
}

/* Predicate: If-None-Match value inm lists etag (or is "*"). */
static int
etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = inm;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

/* Appends the headers every API answer carries (SEC-5) to head. */
static void
security_headers(struct buf *head)
{
	buf_puts(head, "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'none'; "
	    "frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n");
}

/*
 * Writes the status line, the headers (SEC-5 always, ETag when given, the
 * handler's extra ones) and, unless 304 or HEAD, the body (borrowed).
 */
static void
send_answer(struct req *r, int status, const char *etag, const char *body,
    size_t blen)
{
	struct buf head;

	buf_init(&head);
	/* built with puts: printf's machinery showed in a point read */
	buf_reserve(&head, 512);
	buf_puts(&head, "Status: ");
	buf_put_int(&head, status);
	buf_puts(&head, " ");
	buf_puts(&head, reason_phrase(status));
	buf_puts(&head, "\r\n");
	if (etag[0] != '\0') {
		buf_puts(&head, "ETag: ");
		buf_puts(&head, etag);
		buf_puts(&head, "\r\n");
	}
	if (status != 304 && body != NULL) {
		buf_puts(&head, "Content-Type: application/json; "
		    "charset=utf-8\r\nContent-Length: ");
		buf_put_int(&head, (long long)blen);
		buf_puts(&head, "\r\n");
	}
	security_headers(&head);
	buf_puts(&head, status < 400 ? "Cache-Control: no-cache\r\n" :
	    "Cache-Control: no-store\r\n");
	buf_puts(&head, "X-Request-Id: ");
	buf_puts(&head, r->id);
	buf_puts(&head, "\r\n");
	if (r->headers.len > 0)
		buf_append(&head, r->headers.p, r->headers.len);
	buf_puts(&head, "\r\n");
	http_out_write(r, head.p, head.len);
	if (status != 304 && !r->head && body != NULL) {
		http_out_write(r, body, blen);
		r->bytes_out = blen;
	}
	buf_free(&head);
}

static int respond_cached(struct req *);

/* The ETag of an answer body (b, n bytes) into etag. */
static void
etag_of(const char *b, size_t n, char etag[HTTP_ETAG_LEN])
{
	snprintf(etag, HTTP_ETAG_LEN, "\"%016llx\"", crypto_hash64_wide(b, n));
}

/*
 * The compact JSON text of the answer v, *len bytes (caller frees);
 * aborts when v cannot be written (a handler's bug, never input's).
 */
static char *
answer_text(const json_t *v, size_t *len)
{
	struct buf b;

	buf_init(&b);
	if (jdump(v, &b) == -1) {
		log_error("cannot write the answer's JSON");
		abort();
	}
	*len = b.len;
	return b.p;
}

/*
 * The ETag a GET answering body (borrowed) would carry, into etag: for a
 * handler that checks If-Match against what a client last saw.
 */
void
req_etag(const json_t *body, char etag[HTTP_ETAG_LEN])
{
	size_t n;
	char *text = answer_text(body, &n);

	etag_of(text, n, etag);
	free(text);
}

/*
 * Predicate: the request's If-Match lets it change what body (borrowed)
 * shows: it lists body's ETag, or is "*".  No If-Match is no match.
 */
int
req_if_match(struct req *r, const json_t *body)
{
	const char *im = req_env(r, "HTTP_IF_MATCH");
	char etag[HTTP_ETAG_LEN];

	if (im == NULL || *im == '\0')
		return 0;
	req_etag(body, etag);
	return etag_matches(im, etag);
}

/* The status of a 200 answer with etag: 304 when If-None-Match lists it. */
static int
revalidate(struct req *r, const char *etag)
{
	const char *inm = req_env(r, "HTTP_IF_NONE_MATCH");

	return inm != NULL && etag_matches(inm, etag) ? 304 : 200;
}

/*
 * Turns the answer into the response: the JSON body the handler set, or
 * for a status >= 400 without one the error envelope of API-0; SEC-5
 * headers always; an ETag on successful GETs, answering 304 when
 * If-None-Match matches.  Returns the status actually sent.
 */
int
http_respond(struct req *r, int status)
{
	char *body = NULL, etag[HTTP_ETAG_LEN];
	size_t blen = 0;
	json_t *env = NULL, *e;

	if (r->streamed)
		return status;		/* req_stream() sent the headers */
	if (r->hit != NULL)
		return respond_cached(r);
	if (status >= 400 && r->json == NULL) {
		if (r->err_code == NULL) {
			/* The handler failed and logged; never leak why. */
			status = status >= 500 ? status : 400;
			/* handlers answer a bare 503 on database errors */
			r->err_code = status == 503 ? "db_unavailable" :
			    "internal";
			snprintf(r->err_msg, sizeof(r->err_msg), "%s",
			    status == 503 ? "the database cannot be read" :
			    "internal error");
		}
		env = jval_object();
		e = jval_object();
		jval_set(e, "code", jval_str(r->err_code));
		jval_set(e, "message", jval_str(r->err_msg));
		jval_set(e, "details", r->err_details != NULL ?
		    r->err_details : jval_object());
		r->err_details = NULL;
		jval_set(env, "error", e);
		body = answer_text(env, &blen);
		json_decref(env);
	} else if (r->json != NULL)
		body = answer_text(r->json, &blen);
	else if (r->text.p != NULL) {
		body = r->text.p;	/* freed below */
		blen = r->text.len;
		buf_init(&r->text);
	}

	etag[0] = '\0';
	if (status == 200 && r->route != NULL &&
	    r->route->method == HTTP_GET && body != NULL) {
		etag_of(body, blen, etag);
		if (r->cache_key != NULL) {
			respcache_put(r->srv->cache, r->cache_key,
			    r->cache_klen, body, blen, etag, (int64_t)r->t0);
			req_header(r, "X-Testvis-Cache", "miss");
		}
		status = revalidate(r, etag);
	}
	send_answer(r, status, etag, body, blen);
	free(body);
	return status;
}

/*
 * Answers a cache hit: the stored body and ETag, or 304 when
 * If-None-Match matches.  Returns the status sent.
 */
static int
respond_cached(struct req *r)
{
	const struct respcache_entry *e = r->hit;
	int status = revalidate(r, e->etag);

	req_header(r, "X-Testvis-Cache", "hit");
	send_answer(r, status, e->etag, e->body, e->blen);
	return status;
}

/*
 * Starts a streamed answer: sends "200" with content_type (a literal),
 * the security headers, no caching and no proxy buffering, and the
 * handler's extra headers, now.  The body follows by req_stream_write();
 * the handler then returns 200 and nothing more is sent for it.
 */
void
req_stream(struct req *r, const char *content_type)
{
	struct buf head;

	buf_init(&head);
	buf_printf(&head, "Status: 200 OK\r\nContent-Type: %s\r\n",
	    content_type);
	security_headers(&head);
	buf_puts(&head, "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\n");
	buf_printf(&head, "X-Request-Id: %s\r\n", r->id);
	if (r->headers.len > 0)
		buf_append(&head, r->headers.p, r->headers.len);
	buf_puts(&head, "\r\n");
	http_out_write(r, head.p, head.len);
	buf_free(&head);
	r->streamed = 1;
}

/* Writes n bytes of a streamed answer's body (borrowed). */
void
req_stream_write(struct req *r, const void *data, size_t n)
{
	if (!r->head)
		http_out_write(r, data, n);
	r->bytes_out += n;
}
