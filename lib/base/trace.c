/*
 * OpenTelemetry traces (DEP-3): spans of one request (or one batch pass)
 * are kept in a fixed buffer and, when the root span ends, written as one
 * OTLP/JSON line (an ExportTraceServiceRequest, what a Collector's
 * otlpjsonfile receiver reads) appended to trace_file.  A trace never
 * slows or fails its request: the buffer is bounded (spans, attributes
 * and string bytes past the caps are dropped and counted), the line goes
 * out in one write(2) on an O_APPEND descriptor, the file is renamed to
 * trace_file.1 when it would grow past trace_max_bytes, and a failed write
 * is counted and logged, never reported to the caller.
 *
 * Tracing off is a NULL tracer: trace_start() then returns NULL, and every
 * other function takes a NULL span and does nothing, so instrumented code
 * pays one test per call.  Not a sampler, not an exporter over the
 * network, not thread-safe: spans are made by the thread serving the
 * request (work of helper threads is reported with trace_times()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "trace.h"
#include "utf8.h"

struct trace_attr {
	const char	*key;		/* in the pool */
	const char	*s;		/* in the pool; NULL: integer */
	long long	 i;
	int		 next;		/* of the same span, -1: last */
};

struct trace_span {
	struct tracer	*tr;
	uint8_t		 id[8];
	int		 parent;	/* index; -1: the root */
	int		 kind;
	const char	*name;		/* in the pool */
	int64_t		 start, end;	/* unix ns; end 0: still open */
	int		 error;
	const char	*message;	/* status message, in the pool */
	int		 attr_first, attr_last;
};

/* Process-lifetime state, plus the one trace being recorded. */
struct tracer {
	char		*path;
	char		*path1;		/* path.1, the rotated file */
	long long	 max_bytes;
	char		*head;		/* every line up to its spans */
	struct buf	 line;		/* the line being written */
	int		 fd;		/* -1: not open */
	uint64_t	 rng[4];	/* xoshiro256** state */
	unsigned long long write_errors;
	/* the current trace */
	int		 active;
	uint8_t		 trace_id[16];
	char		 trace_hex[33];
	uint8_t		 remote[8];	/* the caller's span (traceparent) */
	int		 has_remote;
	size_t		 nspans, nattrs, pool_used;
	unsigned	 dropped;	/* spans and attributes left out */
	struct trace_span spans[TRACE_MAX_SPANS];
	struct trace_attr attrs[TRACE_MAX_ATTRS];
	char		 pool[TRACE_POOL];
};

/* Current time as unix nanoseconds. */
int64_t
trace_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next xoshiro256** number: ids need uniqueness, not secrecy. */
static uint64_t
rng_next(struct tracer *tr)
{
	uint64_t *s = tr->rng, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Fills n bytes (a multiple of 8) with a non-zero random id. */
static void
rng_id(struct tracer *tr, uint8_t *out, size_t n)
{
	uint64_t v, any = 0;
	size_t i;

	do {
		for (i = 0; i < n; i += 8) {
			v = rng_next(tr);
			any |= v;
			memcpy(out + i, &v, 8);
		}
	} while (any == 0);
}

/* Seeds the generator once: getrandom(2), else the clock and the pid. */
static void
rng_seed(struct tracer *tr)
{
	uint64_t z;
	int i;

	if (getrandom(tr->rng, sizeof(tr->rng), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(tr->rng) && (tr->rng[0] | tr->rng[1] |
	    tr->rng[2] | tr->rng[3]) != 0)
		return;
	z = (uint64_t)trace_now() ^ ((uint64_t)getpid() << 32);
	for (i = 0; i < 4; i++) {	/* splitmix64 */
		z += 0x9e3779b97f4a7c15ULL;
		tr->rng[i] = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		tr->rng[i] = (tr->rng[i] ^ (tr->rng[i] >> 27)) *
		    0x94d049bb133111ebULL;
		tr->rng[i] ^= tr->rng[i] >> 31;
	}
}

/*
 * Appends s as a JSON string.  s is valid UTF-8 (pool_copy() made it so,
 * or a literal); quotes, backslashes and control characters are escaped.
 * Written by hand rather than through jansson: a tree per request cost
 * more than the request's own view (bench/trace-cost.c).
 */
static void
put_str(struct buf *b, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	const char *run = s;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	buf_append(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x20 && *s != '"' && *s != '\\')
			continue;
		buf_append(b, run, (size_t)(s - run));
		run = s + 1;
		if (*s == '"' || *s == '\\') {
			esc[1] = *s;
			buf_append(b, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = digits[(unsigned char)*s >> 4];
			esc[5] = digits[*s & 15];
			buf_append(b, esc, 6);
		}
	}
	buf_append(b, run, (size_t)(s - run));
	buf_append(b, "\"", 1);
}

/* Appends v as a JSON string of decimal digits (OTLP/JSON 64-bit ints). */
static void
put_int(struct buf *b, long long v)
{
	char d[24], *p = d + sizeof(d);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	*--p = '"';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	*--p = '"';
	buf_append(b, p, (size_t)(d + sizeof(d) - p));
}

/* Appends one OTLP KeyValue: a string value, or (s NULL) the integer i. */
static void
put_attr(struct buf *b, const char *key, const char *s, long long i)
{
	buf_puts(b, "{\"key\":");
	put_str(b, key);
	if (s != NULL) {
		buf_puts(b, ",\"value\":{\"stringValue\":");
		put_str(b, s);
	} else {
		buf_puts(b, ",\"value\":{\"intValue\":");
		put_int(b, i);
	}
	buf_puts(b, "}}");
}

/*
 * Makes the tracer of this process, writing to path (NULL or "": tracing
 * off, returns NULL) and rotating at max_bytes.  process names the
 * program in the resource ("testvis-runs").  The file is opened on the
 * first write.  Returns the tracer (trace_close() frees it) or NULL.
 */
struct tracer *
trace_open(const char *path, long long max_bytes, const char *process)
{
	struct tracer *tr;
	struct buf h;
	size_t n;

	if (path == NULL || *path == '\0')
		return NULL;
	if ((tr = calloc(1, sizeof(*tr))) == NULL ||
	    (tr->path = strdup(path)) == NULL ||
	    (tr->path1 = malloc((n = strlen(path) + 3))) == NULL) {
		log_error("trace: out of memory");
		exit(1);
	}
	snprintf(tr->path1, n, "%s.1", path);
	tr->max_bytes = max_bytes;
	tr->fd = -1;
	rng_seed(tr);
	buf_init(&tr->line);
	buf_init(&h);
	buf_puts(&h, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
	put_attr(&h, "service.name", "testvis", 0);
	buf_puts(&h, ",");
	put_attr(&h, "service.version", TESTVIS_VERSION, 0);
	buf_puts(&h, ",");
	put_attr(&h, "process.executable.name", process, 0);
	buf_puts(&h, ",");
	put_attr(&h, "process.pid", NULL, (long long)getpid());
	buf_puts(&h, "]},\"scopeSpans\":[{\"scope\":{\"name\":\"testvis\","
	    "\"version\":");
	put_str(&h, TESTVIS_VERSION);
	buf_puts(&h, "},\"spans\":[");
	tr->head = h.p;		/* freed by trace_close() */
	return tr;
}

/* Closes the file and frees tr; accepts NULL. */
void
trace_close(struct tracer *tr)
{
	if (tr == NULL)
		return;
	if (tr->fd != -1)
		close(tr->fd);
	free(tr->head);
	buf_free(&tr->line);
	free(tr->path);
	free(tr->path1);
	free(tr);
}

static int
hexnib(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;		/* W3C: lower-case only */
}

/* Decodes n bytes from 2n lower-case hex digits; 0, or -1 (or all zero). */
static int
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo, any = 0;

	for (i = 0; i < n; i++) {
		if ((hi = hexnib((unsigned char)s[2 * i])) < 0 ||
		    (lo = hexnib((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
		any |= out[i];
	}
	return any ? 0 : -1;
}

/*
 * Parses a W3C traceparent "00-<32 hex>-<16 hex>-<2 hex>" (a later
 * version may append "-..."; version ff is invalid).  Stores the trace
 * and parent ids.  Returns 0, or -1 for anything malformed, upper-case
 * hex, or an all-zero id.
 */
int
trace_parent_parse(const char *s, uint8_t trace_id[16], uint8_t span_id[8])
{
	size_t n;
	uint8_t ver;

	if (s == NULL || (n = strlen(s)) < 55)
		return -1;
	if (s[2] != '-' || s[35] != '-' || s[52] != '-')
		return -1;
	if (hexnib((unsigned char)s[0]) < 0 ||
	    hexnib((unsigned char)s[1]) < 0)
		return -1;
	ver = (uint8_t)(hexnib((unsigned char)s[0]) << 4 |
	    hexnib((unsigned char)s[1]));
	if (ver == 0xff || (ver == 0 && n != 55) || (n > 55 && s[55] != '-'))
		return -1;
	if (hexnib((unsigned char)s[53]) < 0 ||
	    hexnib((unsigned char)s[54]) < 0)
		return -1;
	if (unhex(s + 3, trace_id, 16) == -1 || unhex(s + 36, span_id, 8) == -1)
		return -1;
	return 0;
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Copies s into the trace's pool as valid UTF-8 of at most TRACE_STR_MAX
 * bytes: invalid bytes become '?', a cut falls on a character boundary.
 * Returns the copy, or NULL (counted as dropped) when the pool is full.
 */
static const char *
pool_copy(struct tracer *tr, const char *s)
{
	size_t full = strlen(s), n = full, i = 0, o = 0, k;
	char *d;

	if (n > TRACE_STR_MAX)
		n = TRACE_STR_MAX;
	if (tr->pool_used + n + 1 > sizeof(tr->pool)) {
		tr->dropped++;
		return NULL;
	}
	d = tr->pool + tr->pool_used;
	while (i < n) {
		for (k = 1; k <= 4 && i + k <= n; k++)
			if (utf8_valid(s + i, k))
				break;
		if (k > 4 || i + k > n) {
			/* a character cut by the cap ends the copy */
			for (k = 1; k <= 4 && i + k <= full; k++)
				if (utf8_valid(s + i, k))
					break;
			if (k <= 4 && i + k <= full)
				break;
			d[o++] = '?';
			i++;
			continue;
		}
		memcpy(d + o, s + i, k);
		o += k;
		i += k;
	}
	d[o++] = '\0';
	tr->pool_used += o;
	return d;
}

/* A new span in tr's buffer, or NULL (counted) when the buffer is full. */
static struct trace_span *
span_new(struct tracer *tr, int parent, const char *name, int kind)
{
	struct trace_span *sp;

	if (tr->nspans == TRACE_MAX_SPANS) {
		tr->dropped++;
		return NULL;
	}
	sp = &tr->spans[tr->nspans++];
	memset(sp, 0, sizeof(*sp));
	sp->tr = tr;
	sp->parent = parent;
	sp->kind = kind;
	sp->name = pool_copy(tr, name != NULL ? name : "");
	if (sp->name == NULL)
		sp->name = "";
	sp->attr_first = sp->attr_last = -1;
	rng_id(tr, sp->id, sizeof(sp->id));
	sp->start = trace_now();
	return sp;
}

/*
 * Starts a trace in tr (NULL: tracing off, returns NULL): a new random
 * trace id, or the trace of a valid W3C traceparent (then the root span is
 * the caller's span's child; a malformed one is ignored).  Returns the root
 * span, whose trace_end() writes the trace.  A trace still open is dropped.
 */
struct trace_span *
trace_start(struct tracer *tr, const char *traceparent, const char *name,
    int kind)
{
	if (tr == NULL)
		return NULL;
	tr->active = 1;
	tr->nspans = tr->nattrs = tr->pool_used = 0;
	tr->dropped = 0;
	tr->has_remote = traceparent != NULL &&
	    trace_parent_parse(traceparent, tr->trace_id, tr->remote) == 0;
	if (!tr->has_remote)
		rng_id(tr, tr->trace_id, sizeof(tr->trace_id));
	hex(tr->trace_id, sizeof(tr->trace_id), tr->trace_hex);
	return span_new(tr, -1, name, kind);
}

/* Starts an INTERNAL child span of parent (NULL: returns NULL). */
struct trace_span *
trace_begin(struct trace_span *parent, const char *name)
{
	if (parent == NULL || !parent->tr->active)
		return NULL;
	return span_new(parent->tr, (int)(parent - parent->tr->spans), name,
	    TRACE_INTERNAL);
}

/* Renames sp (the server span learns its route late); name is copied. */
void
trace_set_name(struct trace_span *sp, const char *name)
{
	const char *n;

	if (sp == NULL || !sp->tr->active)
		return;
	if ((n = pool_copy(sp->tr, name)) != NULL)
		sp->name = n;
}

/* Appends an attribute to sp; key and s are copied (s NULL: integer i). */
static void
attr_add(struct trace_span *sp, const char *key, const char *s, long long i)
{
	struct tracer *tr = sp->tr;
	struct trace_attr *a;
	int idx;

	if (tr->nattrs == TRACE_MAX_ATTRS) {
		tr->dropped++;
		return;
	}
	idx = (int)tr->nattrs;
	a = &tr->attrs[idx];
	a->i = i;
	a->s = NULL;
	a->next = -1;
	if ((a->key = pool_copy(tr, key)) == NULL ||
	    (s != NULL && (a->s = pool_copy(tr, s)) == NULL))
		return;
	tr->nattrs++;
	if (sp->attr_last >= 0)
		tr->attrs[sp->attr_last].next = idx;
	else
		sp->attr_first = idx;
	sp->attr_last = idx;
}

/* A string attribute (value copied, NULL skipped); see attr_add. */
void
trace_attr_str(struct trace_span *sp, const char *key, const char *v)
{
	if (sp == NULL || v == NULL || !sp->tr->active)
		return;
	attr_add(sp, key, v, 0);
}

/* An integer attribute; see attr_add. */
void
trace_attr_int(struct trace_span *sp, const char *key, long long v)
{
	if (sp == NULL || !sp->tr->active)
		return;
	attr_add(sp, key, NULL, v);
}

/* Marks sp as failed (status ERROR) with a message (copied; may be NULL). */
void
trace_error(struct trace_span *sp, const char *msg)
{
	if (sp == NULL || !sp->tr->active)
		return;
	sp->error = 1;
	if (msg != NULL)
		sp->message = pool_copy(sp->tr, msg);
}

/*
 * Sets sp's start and end (unix ns) for work measured elsewhere (another
 * thread); sp is then ended.
 */
void
trace_times(struct trace_span *sp, int64_t start, int64_t end)
{
	if (sp == NULL || !sp->tr->active)
		return;
	sp->start = start;
	sp->end = end > start ? end : start;
}

/* The 32 hex digits of sp's trace id (borrowed until the next trace). */
const char *
trace_id(const struct trace_span *sp)
{
	return sp != NULL ? sp->tr->trace_hex : NULL;
}

/* Appends the OTLP/JSON object of span sp to b. */
static void
put_span(struct buf *b, struct tracer *tr, const struct trace_span *sp)
{
	char id[17];
	int i;

	buf_puts(b, "{\"traceId\":\"");
	buf_append(b, tr->trace_hex, 32);
	hex(sp->id, 8, id);
	buf_puts(b, "\",\"spanId\":\"");
	buf_append(b, id, 16);
	if (sp->parent >= 0 || tr->has_remote) {
		hex(sp->parent >= 0 ? tr->spans[sp->parent].id : tr->remote,
		    8, id);
		buf_puts(b, "\",\"parentSpanId\":\"");
		buf_append(b, id, 16);
	}
	buf_puts(b, "\",\"name\":");
	put_str(b, sp->name);
	buf_puts(b, sp->kind == TRACE_SERVER ? ",\"kind\":2" : ",\"kind\":1");
	buf_puts(b, ",\"startTimeUnixNano\":");
	put_int(b, sp->start);
	buf_puts(b, ",\"endTimeUnixNano\":");
	put_int(b, sp->end);
	buf_puts(b, ",\"attributes\":[");
	for (i = sp->attr_first; i >= 0; i = tr->attrs[i].next) {
		put_attr(b, tr->attrs[i].key, tr->attrs[i].s, tr->attrs[i].i);
		if (tr->attrs[i].next >= 0)
			buf_append(b, ",", 1);
	}
	buf_puts(b, sp->error ? "],\"status\":{\"code\":2" :
	    "],\"status\":{\"code\":0");
	if (sp->error && sp->message != NULL) {
		buf_puts(b, ",\"message\":");
		put_str(b, sp->message);
	}
	buf_puts(b, "}}");
}

/* Counts a failed write and logs the first, 2nd, 4th, 8th ... one. */
static void
write_failed(struct tracer *tr, const char *what, int err)
{
	tr->write_errors++;
	if ((tr->write_errors & (tr->write_errors - 1)) == 0)
		log_error("trace: %s %s: %s (%llu trace lines lost so far)",
		    what, tr->path, strerror(err), tr->write_errors);
}

/*
 * Makes sure tr->fd is open on trace_file with room for n more bytes:
 * past max_bytes the file is renamed to trace_file.1 under an flock, by
 * whichever process sees it first (the others reopen).  0 or -1.
 */
static int
file_ready(struct tracer *tr, size_t n)
{
	struct stat fs, ps;
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;

	if (tr->fd == -1 && (tr->fd = open(tr->path, flags, 0640)) == -1)
		return -1;
	if (fstat(tr->fd, &fs) == -1)
		return -1;
	if (fs.st_nlink > 0 && (fs.st_size == 0 ||
	    fs.st_size + (long long)n <= tr->max_bytes))
		return 0;
	/* full, or renamed away and replaced by another process */
	if (fs.st_nlink > 0 && flock(tr->fd, LOCK_EX) == 0) {
		if (stat(tr->path, &ps) == 0 && ps.st_ino == fs.st_ino &&
		    ps.st_dev == fs.st_dev && rename(tr->path, tr->path1) == -1)
			write_failed(tr, "rotating", errno);
		flock(tr->fd, LOCK_UN);
	}
	close(tr->fd);
	tr->fd = open(tr->path, flags, 0640);
	return tr->fd == -1 ? -1 : 0;
}

/* Writes the trace as one OTLP/JSON line; failures are counted only. */
static void
trace_write(struct tracer *tr)
{
	struct buf *b = &tr->line;
	size_t i;
	ssize_t w;

	buf_reset(b);
	buf_puts(b, tr->head);
	for (i = 0; i < tr->nspans; i++) {
		if (i > 0)
			buf_append(b, ",", 1);
		put_span(b, tr, &tr->spans[i]);
	}
	buf_puts(b, "]}]}]}\n");
	if (file_ready(tr, b->len) == -1)
		write_failed(tr, "opening", errno);
	else if ((w = write(tr->fd, b->p, b->len)) != (ssize_t)b->len)
		write_failed(tr, "writing", w == -1 ? errno : EIO);
}

/*
 * Ends sp.  Ending the root ends every span still open and writes the
 * trace; its spans are invalid afterwards.
 */
void
trace_end(struct trace_span *sp)
{
	struct tracer *tr;
	int64_t now;
	size_t i;

	if (sp == NULL || !sp->tr->active)
		return;
	tr = sp->tr;
	now = trace_now();
	if (sp->end == 0)
		sp->end = now;
	if (sp->parent >= 0)
		return;
	for (i = 0; i < tr->nspans; i++)
		if (tr->spans[i].end == 0)
			tr->spans[i].end = now;
	if (tr->dropped > 0)
		attr_add(sp, "testvis.trace.dropped", NULL, tr->dropped);
	trace_write(tr);
	tr->active = 0;
}
