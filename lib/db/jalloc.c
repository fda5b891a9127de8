/*
 * jansson's memory (issue 18): an answer is built of small blocks, three
 * to five per value (the value, a key's pair, a copy of a string), a
 * thousand for a 50-row history page, all freed when it is sent.  glibc
 * keeps 7 freed blocks of a size at hand (tcache); the rest go to its
 * fast bins, which the next request's first large allocation merges back
 * one by one (malloc_consolidate): on the PERF-2 history page a sixth of
 * the program's time went to malloc and free.
 *
 * So the main thread keeps the small blocks jansson frees in free lists
 * of its own, by size class, up to JALLOC_KEEP bytes in all, and serves
 * jansson's next blocks from them.  Blocks are plain malloc() blocks,
 * classed by malloc_usable_size() when freed: a block jansson allocated
 * may be freed by free() (json_dumps's text), and a block freed here may
 * have come from anywhere.  Other threads (the ingest's writer) use
 * malloc and free as they are.
 */
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

#include <jansson.h>

#include "jalloc.h"

#define JALLOC_GRAIN	16
#define JALLOC_CLASSES	16		/* blocks of up to 256 bytes */
#define JALLOC_KEEP	(1024 * 1024)	/* bytes kept in all the lists */

/* A kept block's first bytes: the next kept block of its class. */
struct kept {
	struct kept	*next;
};

static struct kept *lists[JALLOC_CLASSES + 1];
static size_t kept_bytes;
static __thread int main_thread;

/* jansson's malloc: a kept block of n's class, else a new one. */
static void *
jalloc_get(size_t n)
{
	size_t c = (n + JALLOC_GRAIN - 1) / JALLOC_GRAIN;
	struct kept *k;

	if (!main_thread || c > JALLOC_CLASSES)
		return malloc(n);
	if (c == 0)
		c = 1;
	if ((k = lists[c]) != NULL) {
		lists[c] = k->next;
		kept_bytes -= c * JALLOC_GRAIN;
		return k;
	}
	return malloc(c * JALLOC_GRAIN);
}

/*
 * jansson's free: keeps p in the list of the largest class its usable
 * size serves, while the lists hold less than JALLOC_KEEP bytes.
 */
static void
jalloc_put(void *p)
{
	size_t c;

	if (p == NULL)
		return;
	c = malloc_usable_size(p) / JALLOC_GRAIN;
	if (!main_thread || c == 0 || c > JALLOC_CLASSES ||
	    kept_bytes + c * JALLOC_GRAIN > JALLOC_KEEP) {
		free(p);
		return;
	}
	((struct kept *)p)->next = lists[c];
	lists[c] = p;
	kept_bytes += c * JALLOC_GRAIN;
}

/*
 * Gives jansson these functions; the calling thread is the one that keeps
 * blocks.  Call it once, early (a FastCGI program's loop does); values
 * made before are freed alike, since every block is malloc()'s.
 */
void
jalloc_install(void)
{
	main_thread = 1;
	json_set_alloc_funcs(jalloc_get, jalloc_put);
}

/* Bytes the lists keep now (for tests). */
size_t
jalloc_kept(void)
{
	return kept_bytes;
}
