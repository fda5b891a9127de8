/*
 * The testcases an upload has seen, by test key: how often each came and
 * whether its latest occurrence failed, so that ingest can tell a repeat
 * from a first sight and count failed attempts that a retry superseded.
 * An open-addressing hash of 64-bit keys, 12 bytes a slot, grown at half
 * full: about 24 bytes per distinct test.  Deciding what a repeat means
 * is ingest's business.
 */
#include <stdlib.h>
#include <string.h>

#include "repeats.h"
#include "xalloc.h"

const char *const repeats_mode_names[REPEATS__MAX + 1] = {
	[REPEATS_RETRIES] = "retries",
	[REPEATS_VARIANTS] = "variants",
	[REPEATS__MAX] = NULL,
};

#define FAILED_BIT	0x80000000u
#define COUNT_MASK	0x7fffffffu

struct repeats {
	int64_t		*keys;
	uint32_t	*seen;		/* count | FAILED_BIT; 0: empty slot */
	size_t		 cap, n;	/* cap is a power of two */
};

/* A new empty set; caller frees with repeats_free().  Aborts on OOM. */
struct repeats *
repeats_new(void)
{
	return xcalloc(1, sizeof(struct repeats));
}

/* Frees r; accepts NULL. */
void
repeats_free(struct repeats *r)
{
	if (r == NULL)
		return;
	free(r->keys);
	free(r->seen);
	free(r);
}

/* The slot of key in r (its own, or the empty one where it would go). */
static size_t
slot(const struct repeats *r, int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 32) & (r->cap - 1);

	while (r->seen[i] != 0 && r->keys[i] != key)
		i = (i + 1) & (r->cap - 1);
	return i;
}

/* Doubles r's table (or makes the first one); aborts on OOM. */
static void
grow(struct repeats *r)
{
	int64_t *okeys = r->keys;
	uint32_t *oseen = r->seen;
	size_t ocap = r->cap, i, j;

	r->cap = ocap == 0 ? 1024 : ocap * 2;
	r->keys = xreallocarray(NULL, r->cap, sizeof(*r->keys));
	r->seen = xcalloc(r->cap, sizeof(*r->seen));
	for (i = 0; i < ocap; i++) {
		if (oseen[i] == 0)
			continue;
		j = slot(r, okeys[i]);
		r->keys[j] = okeys[i];
		r->seen[j] = oseen[i];
	}
	free(okeys);
	free(oseen);
}

/*
 * Records an occurrence of key whose status failed (1) or not (0).
 * Returns how many times key has now been seen (1 the first time);
 * *prior_failed (may be NULL) says whether the previous occurrence
 * failed (0 the first time).
 */
long
repeats_see(struct repeats *r, int64_t key, int failed, int *prior_failed)
{
	size_t i;
	uint32_t v;

	if (r->cap == 0 || (r->n + 1) * 2 > r->cap)
		grow(r);
	i = slot(r, key);
	v = r->seen[i];
	if (v == 0) {
		r->keys[i] = key;
		r->n++;
	}
	if (prior_failed != NULL)
		*prior_failed = (v & FAILED_BIT) != 0;
	if ((v & COUNT_MASK) < COUNT_MASK)
		v = (v & COUNT_MASK) + 1;
	r->seen[i] = v | (failed ? FAILED_BIT : 0);
	return (long)(v & COUNT_MASK);
}
