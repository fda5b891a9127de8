/*
 * Length-tracked growable buffers: the only way testvis builds strings of
 * unknown length.  The contents are always NUL-terminated so that they can
 * be handed to C APIs, but the length is authoritative (bodies may hold NUL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Makes b an empty buffer that owns no memory yet. */
void
buf_init(struct buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Releases b's memory and leaves it empty; accepts a never-used buffer. */
void
buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

/* Empties b but keeps its memory for reuse. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* Makes room for extra more bytes plus the terminator; aborts on OOM. */
static void
buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 256;
	char *p;

	if (need <= b->cap)
		return;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		fprintf(stderr, "testvis: out of memory (%zu bytes)\n", cap);
		abort();
	}
	b->p = p;
	b->cap = cap;
}

/* Makes room for n more bytes, so that appending them never reallocates. */
void
buf_reserve(struct buf *b, size_t n)
{
	buf_grow(b, n);
	b->p[b->len] = '\0';
}

/* Appends n bytes of data (which may contain NUL). */
void
buf_append(struct buf *b, const void *data, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Appends v in decimal, as printf's "%lld" writes it, without printf's
 * machinery: answers write a number per field (issue 18).
 */
void
buf_put_int(struct buf *b, long long v)
{
	char num[24], *e = num + sizeof(num), *d = e;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--d = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--d = '-';
	buf_append(b, d, (size_t)(e - d));
}

/* Appends a NUL-terminated string. */
void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* Appends formatted text; the buffer grows to whatever the text needs. */
void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* printf-style append; see buf_vprintf(). */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/*
 * Appends s percent-encoded for a URL path segment or query value: every
 * byte but unreserved ones (RFC 3986 ALPHA DIGIT - . _ ~) is escaped.
 */
void
buf_urlencode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_append(b, s, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(b, e, 3);
		}
	}
}
