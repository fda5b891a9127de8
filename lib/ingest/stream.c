/*
 * Byte streams for untrusted uploads, as composable pull layers: sources
 * (a file descriptor, memory, a callback such as the HTTP body), gunzip
 * (automatic on the gzip magic, capped in decompressed size against
 * bombs), and the content layer that hashes what it passes (run ids from
 * content, I-3) and repairs what XML 1.0 cannot carry: invalid UTF-8 becomes
 * U+FFFD, control characters and character references to them are dropped
 * (ING-2).  Parsing the bytes is someone else's job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "fault.h"
#include "stream.h"
#include "xalloc.h"

#define CHUNK 65536

/* Reads through s's read function; see struct stream. */
ssize_t
stream_read(struct stream *s, char *buf, size_t n)
{
	return s->read(s, buf, n);
}

/* Frees layer s (not the layers below it); accepts NULL. */
void
stream_free(struct stream *s)
{
	if (s != NULL)
		s->free(s);
}

static void
plain_free(struct stream *s)
{
	free(s);
}

/* --- file descriptor source --- */

struct fd_stream {
	struct stream	 s;
	int		 fd;
	struct fault	*fault;
};

static ssize_t
fd_read(struct stream *s, char *buf, size_t n)
{
	struct fd_stream *f = (struct fd_stream *)s;
	ssize_t k;

	do
		k = read(f->fd, buf, n);
	while (k == -1 && errno == EINTR);
	if (k == -1)
		fault_set(f->fault, FAULT_BAD_INPUT, "read_error",
		    "cannot read the input: %s", strerror(errno));
	return k;
}

/* A stream reading fd (borrowed: the caller closes it). */
struct stream *
stream_fd(int fd, struct fault *fault)
{
	struct fd_stream *f = xcalloc(1, sizeof(*f));

	f->s.read = fd_read;
	f->s.free = plain_free;
	f->fd = fd;
	f->fault = fault;
	return &f->s;
}

/* --- memory source --- */

struct mem_stream {
	struct stream	 s;
	const char	*p;
	size_t		 left;
};

static ssize_t
mem_read(struct stream *s, char *buf, size_t n)
{
	struct mem_stream *m = (struct mem_stream *)s;

	if (n > m->left)
		n = m->left;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

/* A stream over p[0..n) (borrowed until the stream is freed). */
struct stream *
stream_mem(const char *p, size_t n)
{
	struct mem_stream *m = xcalloc(1, sizeof(*m));

	m->s.read = mem_read;
	m->s.free = plain_free;
	m->p = p;
	m->left = n;
	return &m->s;
}

/* --- callback source --- */

struct func_stream {
	struct stream	 s;
	ssize_t		(*fn)(void *, char *, size_t);
	void		*arg;
	struct fault	*fault;
};

static ssize_t
func_read(struct stream *s, char *buf, size_t n)
{
	struct func_stream *f = (struct func_stream *)s;
	ssize_t k = f->fn(f->arg, buf, n);

	if (k < 0)
		fault_set(f->fault, FAULT_BAD_INPUT, "read_error",
		    "the request body ended early");
	return k;
}

/* A stream over fn(arg, buf, n), which returns like read(2). */
struct stream *
stream_func(ssize_t (*fn)(void *, char *, size_t), void *arg,
    struct fault *fault)
{
	struct func_stream *f = xcalloc(1, sizeof(*f));

	f->s.read = func_read;
	f->s.free = plain_free;
	f->fn = fn;
	f->arg = arg;
	f->fault = fault;
	return &f->s;
}

/* --- gunzip layer --- */

struct gz_stream {
	struct stream	 s;
	struct stream	*lower;
	struct fault	*fault;
	long long	 cap, out;
	int		 mode;		/* 0 undecided, 1 plain, 2 gzip */
	int		 eof, zinit, ended;
	z_stream	 z;
	unsigned char	 in[CHUNK];
	size_t		 peek;		/* plain mode: bytes of in[] pending */
	size_t		 peekoff;
};

static ssize_t
gz_read(struct stream *s, char *buf, size_t n)
{
	struct gz_stream *g = (struct gz_stream *)s;
	ssize_t k;
	size_t got;
	int rc;

	if (g->mode == 0) {
		/* Read at least 2 bytes to look for the gzip magic. */
		while (g->peek < 2) {
			k = stream_read(g->lower, (char *)g->in + g->peek,
			    sizeof(g->in) - g->peek);
			if (k < 0)
				return -1;
			if (k == 0)
				break;
			g->peek += (size_t)k;
		}
		g->mode = g->peek >= 2 && g->in[0] == 0x1f && g->in[1] == 0x8b ?
		    2 : 1;
		if (g->mode == 2) {
			if (inflateInit2(&g->z, 15 + 32) != Z_OK)
				abort();
			g->zinit = 1;
			g->z.next_in = g->in;
			g->z.avail_in = (uInt)g->peek;
			g->peek = 0;
		}
	}
	if (g->mode == 1) {
		if (g->peekoff < g->peek) {
			got = g->peek - g->peekoff;
			if (got > n)
				got = n;
			memcpy(buf, g->in + g->peekoff, got);
			g->peekoff += got;
			k = (ssize_t)got;
		} else
			k = stream_read(g->lower, buf, n);
		if (k > 0 && (g->out += k) > g->cap) {
			fault_set(g->fault, FAULT_TOO_LARGE, "too_large",
			    "the report is over the limit of %lld "
			    "bytes", g->cap);
			g->fault->limit = g->cap;
			return -1;
		}
		return k;
	}
	for (;;) {
		if (g->z.avail_in == 0 && !g->eof) {
			k = stream_read(g->lower, (char *)g->in, sizeof(g->in));
			if (k < 0)
				return -1;
			if (k == 0)
				g->eof = 1;
			g->z.next_in = g->in;
			g->z.avail_in = (uInt)k;
		}
		if (g->z.avail_in == 0 && g->eof) {
			if (g->ended)
				return 0;
			fault_set(g->fault, FAULT_BAD_INPUT, "invalid_gzip",
			    "the gzip data is truncated");
			return -1;
		}
		if (g->ended) {
			/* More bytes after a member: the next member. */
			inflateReset(&g->z);
			g->ended = 0;
		}
		g->z.next_out = (unsigned char *)buf;
		g->z.avail_out = (uInt)(n > 0x40000000 ? 0x40000000 : n);
		rc = inflate(&g->z, Z_NO_FLUSH);
		got = (size_t)((char *)g->z.next_out - buf);
		if (rc == Z_STREAM_END)
			g->ended = 1;
		else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			fault_set(g->fault, FAULT_BAD_INPUT, "invalid_gzip",
			    "the gzip data is corrupt: "
			    "%s", g->z.msg ? g->z.msg : "error");
			return -1;
		}
		if (got > 0) {
			if ((g->out += (long long)got) > g->cap) {
				fault_set(g->fault, FAULT_TOO_LARGE, "too_large",
				    "the report is over the limit of %lld "
				    "bytes "
				    "after decompression", g->cap);
				g->fault->limit = g->cap;
				return -1;
			}
			return (ssize_t)got;
		}
	}
}

static void
gz_free(struct stream *s)
{
	struct gz_stream *g = (struct gz_stream *)s;

	if (g->zinit)
		inflateEnd(&g->z);
	free(g);
}

/*
 * Wraps lower: gzip input (magic 1f 8b) is decompressed, anything else
 * passes through.  More than cap bytes out is a 413 "too_large" fault.
 */
struct stream *
stream_gunzip(struct stream *lower, long long cap, struct fault *fault)
{
	struct gz_stream *g = xcalloc(1, sizeof(*g));

	g->s.read = gz_read;
	g->s.free = gz_free;
	g->lower = lower;
	g->cap = cap;
	g->fault = fault;
	return &g->s;
}

/* --- content layer: hash + XML-safe repair --- */

struct content_stream {
	struct stream	 s;
	struct stream	*lower;
	struct fault	*fault;
	EVP_MD_CTX	*md;
	int		 decided, repair, eof;
	long long	 bytes, repairs;
	/* undecided: < 256 pending; repairing: < 16 pending */
	unsigned char	 in[CHUNK + 256];
	size_t		 inlen;		/* pending input bytes in in[] */
	unsigned char	 out[3 * (CHUNK + 256)];
	size_t		 outlen, outoff;
};

/*
 * Decides from the start of the document whether to repair: only UTF-8
 * documents (no BOM of UTF-16/32, no other declared encoding) are
 * repaired; libxml2 transcodes the others itself.
 */
static int
wants_repair(const unsigned char *p, size_t n)
{
	const char *enc, *end;
	char decl[256];
	size_t m = n < sizeof(decl) - 1 ? n : sizeof(decl) - 1;

	if (n >= 2 && ((p[0] == 0xfe && p[1] == 0xff) ||
	    (p[0] == 0xff && p[1] == 0xfe)))
		return 0;
	if (n >= 4 && p[0] == 0 && p[1] == 0)
		return 0;
	memcpy(decl, p, m);
	decl[m] = '\0';
	if (strncmp(decl, "\xef\xbb\xbf", 3) == 0)
		memmove(decl, decl + 3, strlen(decl + 3) + 1);
	if (strncmp(decl, "<?xml", 5) != 0 || (end = strstr(decl, "?>")) ==
	    NULL)
		return 1;
	if ((enc = strstr(decl, "encoding")) == NULL || enc > end)
		return 1;
	enc += 8;
	while (*enc == ' ' || *enc == '=' || *enc == '"' || *enc == '\'')
		enc++;
	return strncasecmp(enc, "utf-8", 5) == 0 ||
	    strncasecmp(enc, "utf8", 4) == 0;
}

/* Length of a valid UTF-8 sequence at p (n available), 0 if invalid,
 * -1 if it may be valid but is cut off by the end of the buffer. */
static int
seq_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	int len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	if (c == 0xe0 && p[1] < 0xa0)
		return 0;
	if (c == 0xed && p[1] >= 0xa0)
		return 0;
	if (c == 0xf0 && p[1] < 0x90)
		return 0;
	if (c == 0xf4 && p[1] >= 0x90)
		return 0;
	if (c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
		return 0;	/* U+FFFE, U+FFFF: not XML characters */
	return len;
}

/*
 * Length of a character reference "&#...;" at p naming a code point XML
 * 1.0 forbids (so it must be dropped); 0 when it is not one; -1 when the
 * buffer ends before it can be told.
 */
static int
bad_charref(const unsigned char *p, size_t n)
{
	size_t i = 2;
	unsigned long v = 0;
	int hex = 0, digits = 0;

	if (n < 2)
		return -1;
	if (p[1] != '#')
		return 0;
	if (n > 2 && (p[2] == 'x' || p[2] == 'X')) {
		hex = 1;
		i = 3;
	}
	for (; i < n && i < 14; i++) {
		int c = p[i], d;
		if (c == ';')
			break;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (hex && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (hex && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return 0;
		v = v * (hex ? 16 : 10) + (unsigned long)d;
		digits++;
	}
	if (i >= n)
		return -1;
	if (i >= 14 || p[i] != ';' || digits == 0)
		return 0;
	if ((v < 0x20 && v != 9 && v != 10 && v != 13) || v == 0xfffe ||
	    v == 0xffff || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return (int)i + 1;
	return 0;
}

/*
 * Moves what can be decided from in[] to out[], repairing on the way.
 * Bytes that need more input stay in in[] unless eof.
 */
static void
content_repair(struct content_stream *c)
{
	size_t i = 0;
	int k;

	while (i < c->inlen) {
		unsigned char b = c->in[i];
		size_t run = i;

		/* the common case: a run of plain ASCII, copied at once */
		while (run < c->inlen && c->in[run] < 0x80 && c->in[run] != '&' &&
		    (c->in[run] >= 0x20 || c->in[run] == '\t' ||
		    c->in[run] == '\n' || c->in[run] == '\r'))
			run++;
		if (run > i) {
			memcpy(c->out + c->outlen, c->in + i, run - i);
			c->outlen += run - i;
			i = run;
			continue;
		}
		if (b == '&') {
			k = bad_charref(c->in + i, c->inlen - i);
			if (k < 0 && !c->eof)
				break;
			if (k > 0) {
				i += (size_t)k;
				c->repairs++;
				continue;
			}
			c->out[c->outlen++] = b;
			i++;
			continue;
		}
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
			i++;
			c->repairs++;
			continue;
		}
		k = seq_len(c->in + i, c->inlen - i);
		if (k < 0 && !c->eof)
			break;
		if (k <= 0) {
			memcpy(c->out + c->outlen, "\xef\xbf\xbd", 3);
			c->outlen += 3;
			i++;
			c->repairs++;
			continue;
		}
		memcpy(c->out + c->outlen, c->in + i, (size_t)k);
		c->outlen += (size_t)k;
		i += (size_t)k;
	}
	memmove(c->in, c->in + i, c->inlen - i);
	c->inlen -= i;
}

static ssize_t
content_read(struct stream *s, char *buf, size_t n)
{
	struct content_stream *c = (struct content_stream *)s;
	ssize_t k;

	while (c->outoff >= c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->eof && c->inlen == 0)
			return 0;
		if (!c->eof) {
			k = stream_read(c->lower, (char *)c->in + c->inlen,
			    sizeof(c->in) - c->inlen);
			if (k < 0)
				return -1;
			if (k == 0)
				c->eof = 1;
			else {
				EVP_DigestUpdate(c->md, c->in + c->inlen,
				    (size_t)k);
				c->bytes += k;
				c->inlen += (size_t)k;
			}
		}
		if (!c->decided && (c->inlen >= 256 || c->eof)) {
			c->repair = wants_repair(c->in, c->inlen);
			c->decided = 1;
		}
		if (!c->decided)
			continue;
		if (c->repair)
			content_repair(c);
		else {
			memcpy(c->out, c->in, c->inlen);
			c->outlen = c->inlen;
			c->inlen = 0;
		}
	}
	if (n > c->outlen - c->outoff)
		n = c->outlen - c->outoff;
	memcpy(buf, c->out + c->outoff, n);
	c->outoff += n;
	return (ssize_t)n;
}

static void
content_free(struct stream *s)
{
	struct content_stream *c = (struct content_stream *)s;

	EVP_MD_CTX_free(c->md);
	free(c);
}

/* Wraps lower with hashing and UTF-8/control-character repair. */
struct stream *
stream_content(struct stream *lower, struct fault *fault)
{
	struct content_stream *c = xcalloc(1, sizeof(*c));

	c->s.read = content_read;
	c->s.free = content_free;
	c->lower = lower;
	c->fault = fault;
	if ((c->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
		abort();
	return &c->s;
}

/* The SHA-256 of every byte read so far (call once, at the end). */
void
stream_content_digest(struct stream *s, char out[SHA256_HEX_LEN])
{
	static const char hexdig[] = "0123456789abcdef";
	struct content_stream *c = (struct content_stream *)s;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *copy = EVP_MD_CTX_new();

	if (copy == NULL || EVP_MD_CTX_copy_ex(copy, c->md) != 1)
		abort();
	EVP_DigestFinal_ex(copy, md, &len);
	EVP_MD_CTX_free(copy);
	for (i = 0; i < len && i < 32; i++) {
		out[2 * i] = hexdig[md[i] >> 4];
		out[2 * i + 1] = hexdig[md[i] & 15];
	}
	out[2 * i] = '\0';
}

/* Bytes of content read (after decompression, before repair). */
long long
stream_content_bytes(struct stream *s)
{
	return ((struct content_stream *)s)->bytes;
}

/* How many repairs (replaced or dropped characters) were made. */
long long
stream_content_repairs(struct stream *s)
{
	return ((struct content_stream *)s)->repairs;
}
