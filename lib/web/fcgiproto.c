/*
 * The FastCGI 1.0 wire format, for a server that holds many connections
 * without libfcgi (the live program, lib/web/fcgiloop.c): finding whole
 * records in what a connection has read, decoding the name-value pairs
 * of FCGI_PARAMS into an environment, and framing the answer as
 * FCGI_STDOUT and FCGI_END_REQUEST records.  Pure functions on buffers:
 * the input is the web server's and is checked as hostile all the same
 * (fuzz/fuzz-fcgi.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgiproto.h"
#include "xalloc.h"

/*
 * Finds the record at the start of p (n bytes).  Returns the bytes it
 * takes (header, content and padding) with *rec filled, 0 when the
 * record is not complete yet, or -1 when this is not FastCGI version 1.
 */
int
fcgi_record_next(const unsigned char *p, size_t n, struct fcgi_record *rec)
{
	size_t clen, plen;

	if (n < FCGI_HEADER_LEN)
		return 0;
	if (p[0] != 1)
		return -1;
	clen = (size_t)p[4] << 8 | p[5];
	plen = p[6];
	if (n < FCGI_HEADER_LEN + clen + plen)
		return 0;
	rec->type = p[1];
	rec->id = (unsigned)p[2] << 8 | p[3];
	rec->content = p + FCGI_HEADER_LEN;
	rec->clen = clen;
	return (int)(FCGI_HEADER_LEN + clen + plen);
}

/*
 * Reads one name or value length at *p (1 byte, or 4 with the top bit
 * set) within end.  Returns it, or -1 past the end.
 */
static long
pair_len(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *q = *p;
	long v;

	if (q >= end)
		return -1;
	if (!(q[0] & 0x80)) {
		*p = q + 1;
		return q[0];
	}
	if (end - q < 4)
		return -1;
	v = (long)(q[0] & 0x7f) << 24 | (long)q[1] << 16 | (long)q[2] << 8 |
	    q[3];
	*p = q + 4;
	return v;
}

/*
 * Decodes the name-value pairs of a request's FCGI_PARAMS stream (p, n
 * bytes) into a NULL-ended array of "NAME=value" strings, at most max
 * of them.  Returns it (free with fcgi_params_free()), or NULL when the
 * stream is malformed: a length past the end, an empty name or one
 * holding '=' or NUL, a value holding NUL, too many pairs.
 */
char **
fcgi_params_decode(const unsigned char *p, size_t n, size_t max)
{
	const unsigned char *end = p + n;
	char **env = xcalloc(max + 1, sizeof(*env));
	size_t k = 0;
	long nl, vl;

	while (p < end) {
		if ((nl = pair_len(&p, end)) < 1 || (vl = pair_len(&p, end)) <
		    0 || end - p < nl || end - p - nl < vl || k == max ||
		    memchr(p, '=', (size_t)nl) != NULL ||
		    memchr(p, '\0', (size_t)(nl + vl)) != NULL) {
			fcgi_params_free(env);
			return NULL;
		}
		env[k] = xmalloc((size_t)nl + (size_t)vl + 2);
		memcpy(env[k], p, (size_t)nl);
		env[k][nl] = '=';
		memcpy(env[k] + nl + 1, p + nl, (size_t)vl);
		env[k][nl + 1 + vl] = '\0';
		k++;
		p += nl + vl;
	}
	return env;
}

/* Frees what fcgi_params_decode() returned (NULL is fine). */
void
fcgi_params_free(char **env)
{
	char **e;

	for (e = env; e != NULL && *e != NULL; e++)
		free(*e);
	free(env);
}

/* Appends one record of type for request id with n <= 65535 bytes. */
void
fcgi_put_record(struct buf *out, int type, unsigned id, const void *data,
    size_t n)
{
	unsigned char h[FCGI_HEADER_LEN];

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(n >> 8);
	h[5] = (unsigned char)n;
	h[6] = 0;
	h[7] = 0;
	buf_append(out, h, sizeof(h));
	if (n > 0)
		buf_append(out, data, n);
}

/* Appends n bytes of answer as FCGI_STDOUT records (none when n is 0). */
void
fcgi_put_stdout(struct buf *out, unsigned id, const void *data, size_t n)
{
	const char *p = data;
	size_t k;

	while (n > 0) {
		k = n > 65535 ? 65535 : n;
		fcgi_put_record(out, FCGI_STDOUT, id, p, k);
		p += k;
		n -= k;
	}
}

/* Appends the end of request id's answer: empty FCGI_STDOUT, then
 * FCGI_END_REQUEST with the application status. */
void
fcgi_put_end(struct buf *out, unsigned id, int app_status)
{
	unsigned char body[8];
	uint32_t s = (uint32_t)app_status;

	fcgi_put_record(out, FCGI_STDOUT, id, NULL, 0);
	body[0] = (unsigned char)(s >> 24);
	body[1] = (unsigned char)(s >> 16);
	body[2] = (unsigned char)(s >> 8);
	body[3] = (unsigned char)s;
	body[4] = 0;		/* FCGI_REQUEST_COMPLETE */
	memset(body + 5, 0, 3);
	fcgi_put_record(out, FCGI_END_REQUEST, id, body, sizeof(body));
}

/* Appends one name-value pair (short name and value) to b. */
static void
put_pair(struct buf *b, const char *name, const char *value)
{
	unsigned char l[2];

	l[0] = (unsigned char)strlen(name);
	l[1] = (unsigned char)strlen(value);
	buf_append(b, l, 2);
	buf_puts(b, name);
	buf_puts(b, value);
}

/*
 * Answers an FCGI_GET_VALUES query (its content q, n bytes): the values
 * it asks for among FCGI_MAX_CONNS (max_conns), FCGI_MAX_REQS (the same)
 * and FCGI_MPXS_CONNS (0: one request per connection).
 */
void
fcgi_put_values(struct buf *out, const unsigned char *q, size_t n,
    int max_conns)
{
	const unsigned char *end = q + n;
	struct buf b;
	char num[16];
	long nl, vl;

	buf_init(&b);
	snprintf(num, sizeof(num), "%d", max_conns);
	while (q < end && (nl = pair_len(&q, end)) >= 0 &&
	    (vl = pair_len(&q, end)) >= 0 && end - q >= nl &&
	    end - q - nl >= vl) {
		if (nl == 14 && memcmp(q, "FCGI_MAX_CONNS", 14) == 0)
			put_pair(&b, "FCGI_MAX_CONNS", num);
		else if (nl == 13 && memcmp(q, "FCGI_MAX_REQS", 13) == 0)
			put_pair(&b, "FCGI_MAX_REQS", num);
		else if (nl == 15 && memcmp(q, "FCGI_MPXS_CONNS", 15) == 0)
			put_pair(&b, "FCGI_MPXS_CONNS", "0");
		q += nl + vl;
	}
	fcgi_put_record(out, FCGI_GET_VALUES_RESULT, 0, b.p,
	    b.len > 65535 ? 0 : b.len);
	buf_free(&b);
}
