/*
 * Helpers shared by the fuzz harnesses: a stream that hands an input out
 * in uneven chunks (so that every reader's buffer-boundary code runs, not
 * only its one-read path) and the invariant check that turns a broken
 * promise of lib/ into a crash the fuzzer reports.  Not part of any
 * program but the fuzz binaries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stream.h"
#include "utf8.h"

/* An input being handed out; the chunk sizes cycle through sizes[]. */
struct chunked {
	struct stream	 s;
	const uint8_t	*data;
	size_t		 len, off;
	unsigned	 turn;
};

static ssize_t
chunked_read(struct stream *s, char *out, size_t n)
{
	static const size_t sizes[] = { 4096, 1, 7, 255, 3, 65536, 2, 16 };
	struct chunked *c = (struct chunked *)s;
	size_t k = sizes[c->turn++ % (sizeof(sizes) / sizeof(sizes[0]))];

	if (k > n)
		k = n;
	if (k > c->len - c->off)
		k = c->len - c->off;
	memcpy(out, c->data + c->off, k);
	c->off += k;
	return (ssize_t)k;
}

static void
chunked_free(struct stream *s)
{
	free(s);
}

/*
 * A stream of data[0..len) (borrowed: it must outlive the stream) that
 * returns short reads of varying size.  Free with stream_free().
 */
struct stream *
fuzz_stream(const uint8_t *data, size_t len, struct fault *f)
{
	struct chunked *c = calloc(1, sizeof(*c));

	(void)f;
	if (c == NULL)
		abort();
	c->s.read = chunked_read;
	c->s.free = chunked_free;
	c->data = data;
	c->len = len;
	return &c->s;
}

/* Aborts, naming the condition and where, unless ok. */
void
fuzz_check(int ok, const char *cond, const char *file, int line)
{
	if (ok)
		return;
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, cond);
	abort();
}

/*
 * Predicate: s (NULL allowed) is text lib/ may hand to jansson: valid
 * UTF-8 without NUL (NUL cannot occur in a C string anyway).
 */
int
fuzz_clean_text(const char *s)
{
	return s == NULL || utf8_valid(s, strlen(s));
}
