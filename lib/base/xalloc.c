/*
 * Allocation that cannot fail: the house rule for out of memory is to
 * log and abort, and the server respawns the process (STYLE.md).  Every
 * module that would otherwise write its own "malloc or abort" wrapper
 * uses these.  Not an allocator: arenas are lib/base/arena.c, growable
 * strings lib/base/buf.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Logs the failed request of n bytes and aborts. */
static void
xalloc_fail(size_t n)
{
	fprintf(stderr, "testvis: out of memory (%zu bytes)\n", n);
	abort();
}

/* Returns n bytes (caller frees); aborts on out of memory. */
void *
xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);

	if (p == NULL)
		xalloc_fail(n);
	return p;
}

/* Returns n zeroed elements of size (caller frees); aborts on OOM. */
void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		xalloc_fail(n * size);
	return p;
}

/*
 * Resizes p (NULL: a new block) to n elements of size and returns it;
 * p is consumed.  An overflowing size or out of memory aborts.
 */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		fprintf(stderr, "testvis: allocation overflow\n");
		abort();
	}
	if ((p = realloc(p, n * size)) == NULL && n * size != 0)
		xalloc_fail(n * size);
	return p;
}

/* A copy of s (caller frees), or NULL when s is NULL; aborts on OOM. */
char *
xstrdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		xalloc_fail(strlen(s) + 1);
	return p;
}
