/*
 * A streaming multipart/form-data reader (RFC 7578) for uploads: parts are
 * visited in order with their headers, and each part's body is a stream
 * that ends at the next boundary, so a large report never sits in memory.
 * Knows nothing about which fields the ingest endpoint accepts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fault.h"
#include "multipart.h"
#include "stream.h"

#define BUFSZ		65536
#define HEADER_MAX	8192

struct multipart {
	struct stream	 body;		/* the current part, as a stream */
	struct stream	*src;
	struct fault	*fault;
	char		 delim[80];	/* "\r\n--" boundary */
	size_t		 dlen;
	char		 buf[BUFSZ];
	size_t		 off, len;
	int		 src_eof;
	int		 started;	/* first boundary consumed */
	int		 in_part;	/* a part body is being read */
	int		 finished;	/* closing boundary seen */
	char		*name, *filename, *ctype;
	int		 seen_disposition;	/* in this part's headers */
};

/* Reads more input into buf (compacting first); 0, or -1 on error. */
static int
fill(struct multipart *m)
{
	ssize_t k;

	if (m->src_eof)
		return 0;
	if (m->off > 0) {
		memmove(m->buf, m->buf + m->off, m->len - m->off);
		m->len -= m->off;
		m->off = 0;
	}
	if (m->len == sizeof(m->buf))
		return 0;
	k = stream_read(m->src, m->buf + m->len, sizeof(m->buf) - m->len);
	if (k < 0)
		return -1;
	if (k == 0)
		m->src_eof = 1;
	m->len += (size_t)k;
	return 0;
}

/* Position of needle in buf[off..len), or -1. */
static long
find(struct multipart *m, const char *needle, size_t n)
{
	const char *p;

	if (m->len - m->off < n)
		return -1;
	p = memmem(m->buf + m->off, m->len - m->off, needle, n);
	return p != NULL ? (long)(p - m->buf) : -1;
}

static ssize_t
part_read(struct stream *s, char *out, size_t n)
{
	struct multipart *m = (struct multipart *)s;
	long pos;
	size_t avail;

	if (!m->in_part)
		return 0;
	for (;;) {
		pos = find(m, m->delim, m->dlen);
		if (pos >= 0) {
			avail = (size_t)pos - m->off;
			if (avail == 0) {
				m->in_part = 0;	/* boundary: the part ends */
				return 0;
			}
		} else {
			avail = m->len - m->off;
			/* keep a tail that may start the delimiter */
			avail = avail > m->dlen ? avail - m->dlen : 0;
		}
		if (avail > 0) {
			if (avail > n)
				avail = n;
			memcpy(out, m->buf + m->off, avail);
			m->off += avail;
			return (ssize_t)avail;
		}
		if (m->src_eof) {
			fault_set(m->fault, FAULT_BAD_INPUT,
			    "invalid_multipart", "the multipart body ends "
			    "inside a part");
			return -1;
		}
		if (fill(m) == -1)
			return -1;
	}
}

static void
part_free(struct stream *s)
{
	(void)s;	/* owned by the multipart reader */
}

/* The boundary parameter of a multipart Content-Type, copied to out. */
static int
boundary_of(const char *ct, char *out, size_t outsz)
{
	const char *p = strcasestr(ct, "boundary=");
	size_t n = 0;

	if (p == NULL)
		return -1;
	p += 9;
	if (*p == '"') {
		p++;
		while (p[n] != '\0' && p[n] != '"')
			n++;
	} else
		while (p[n] != '\0' && p[n] != ';' && !isspace((unsigned char)p[n]))
			n++;
	if (n == 0 || n > 70 || n + 1 > outsz)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/*
 * A reader of body (borrowed) with the boundary from content_type.  NULL
 * with a 400 fault when the Content-Type has no usable boundary.
 */
struct multipart *
multipart_new(struct stream *body, const char *content_type,
    struct fault *fault)
{
	struct multipart *m;
	char b[72];

	if (boundary_of(content_type, b, sizeof(b)) == -1) {
		fault_set(fault, FAULT_BAD_INPUT, "invalid_multipart",
		    "multipart/form-data needs a boundary parameter of 1..70 "
		    "characters");
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		abort();
	m->body.read = part_read;
	m->body.free = part_free;
	m->src = body;
	m->fault = fault;
	m->dlen = (size_t)snprintf(m->delim, sizeof(m->delim), "\r\n--%s", b);
	return m;
}

/* Frees m; accepts NULL. */
void
multipart_free(struct multipart *m)
{
	if (m == NULL)
		return;
	free(m->name);
	free(m->filename);
	free(m->ctype);
	free(m);
}

/* The current part's body as a stream (owned by m, valid until next). */
struct stream *
multipart_body(struct multipart *m)
{
	return &m->body;
}

/* A quoted or bare parameter value of a Content-Disposition header. */
static char *
disposition_param(const char *h, const char *key)
{
	size_t klen = strlen(key), n = 0;
	const char *p = h;
	char *v;

	while ((p = strcasestr(p, key)) != NULL) {
		if ((p == h || p[-1] == ' ' || p[-1] == ';') && p[klen] == '=')
			break;
		p += klen;
	}
	if (p == NULL)
		return NULL;
	p += klen + 1;
	if (*p == '"') {
		p++;
		while (p[n] != '\0' && p[n] != '"')
			n++;
	} else
		while (p[n] != '\0' && p[n] != ';')
			n++;
	if ((v = strndup(p, n)) == NULL)
		abort();
	return v;
}

/*
 * Predicate: line repeats a Content-Disposition or Content-Type header
 * the current part already has (issue 11: the second one leaked the
 * first one's values).  Such a part is ambiguous, so it is refused with
 * a 400 fault rather than read one way or the other.
 */
static int
header_repeated(struct multipart *m, const char *line)
{
	const char *which = NULL;

	if (strncasecmp(line, "Content-Disposition:", 20) == 0) {
		if (m->seen_disposition)
			which = "Content-Disposition";
		m->seen_disposition = 1;
	} else if (strncasecmp(line, "Content-Type:", 13) == 0 &&
	    m->ctype != NULL)
		which = "Content-Type";
	if (which == NULL)
		return 0;
	fault_set(m->fault, FAULT_BAD_INPUT, "invalid_multipart",
	    "a part repeats its %s header", which);
	return 1;
}

/*
 * Moves to the next part, skipping what is left of the current one, and
 * parses its headers into *part.  Returns 1 with a part, 0 after the
 * closing boundary, -1 with a 400 fault for a malformed body.
 */
int
multipart_next(struct multipart *m, struct mp_part *part)
{
	char skip[4096], *hdr, *line, *end;
	long pos;

	while (m->in_part)
		if (part_read(&m->body, skip, sizeof(skip)) < 0)
			return -1;
	if (m->finished)
		return 0;
	if (!m->started) {
		/* "--boundary" opens the body (a preamble may precede it) */
		for (;;) {
			if (m->len - m->off >= m->dlen - 2 &&
			    memcmp(m->buf + m->off, m->delim + 2,
			    m->dlen - 2) == 0) {
				m->off += m->dlen - 2;
				break;
			}
			if ((pos = find(m, m->delim, m->dlen)) >= 0) {
				m->off = (size_t)pos + m->dlen;
				break;
			}
			if (m->src_eof || m->len - m->off > BUFSZ / 2)
				goto bad;
			if (fill(m) == -1)
				return -1;
		}
		m->started = 1;
	} else
		m->off += m->dlen;
	/* after a boundary: "--" closes, "\r\n" opens headers */
	while (m->len - m->off < 2 && !m->src_eof)
		if (fill(m) == -1)
			return -1;
	if (m->len - m->off >= 2 && memcmp(m->buf + m->off, "--", 2) == 0) {
		m->finished = 1;
		return 0;
	}
	if (m->len - m->off < 2 || memcmp(m->buf + m->off, "\r\n", 2) != 0)
		goto bad;
	m->off += 2;
	while ((pos = find(m, "\r\n\r\n", 4)) < 0 &&
	    !(m->len - m->off >= 2 && memcmp(m->buf + m->off, "\r\n", 2) == 0)) {
		if (m->src_eof || m->len - m->off > HEADER_MAX) {
			fault_set(m->fault, FAULT_BAD_INPUT,
			    "invalid_multipart", "a part's headers are "
			    "missing or over %d bytes",
			    HEADER_MAX);
			return -1;
		}
		if (fill(m) == -1)
			return -1;
	}
	free(m->name);
	free(m->filename);
	free(m->ctype);
	m->name = m->filename = m->ctype = NULL;
	m->seen_disposition = 0;
	if (pos < 0)	/* no headers at all */
		pos = (long)m->off - 2;
	if ((hdr = strndup(m->buf + m->off, (size_t)pos - m->off + 2)) == NULL)
		abort();
	m->off = (size_t)pos + 4;
	for (line = hdr; (end = strstr(line, "\r\n")) != NULL;
	    line = end + 2) {
		*end = '\0';
		if (header_repeated(m, line)) {
			free(hdr);
			return -1;
		}
		if (strncasecmp(line, "Content-Disposition:", 20) == 0) {
			m->name = disposition_param(line + 20, "name");
			m->filename = disposition_param(line + 20,
			    "filename");
		} else if (strncasecmp(line, "Content-Type:", 13) == 0) {
			const char *v = line + 13;
			while (*v == ' ')
				v++;
			if ((m->ctype = strdup(v)) == NULL)
				abort();
		}
	}
	free(hdr);
	part->name = m->name != NULL ? m->name : "";
	part->filename = m->filename;
	part->content_type = m->ctype;
	m->in_part = 1;
	return 1;
bad:
	fault_set(m->fault, FAULT_BAD_INPUT, "invalid_multipart",
	    "the multipart body does not follow its boundary");
	return -1;
}
