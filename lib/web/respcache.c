/*
 * The response cache of a read program: finished 200 answers of GET
 * routes, keyed by what the answer depends on (the caller builds the key:
 * project and request URI), so a dashboard or a test page polled by many
 * browsers is computed once per change instead of once per request.
 *
 * Correctness rests on two invalidations.  Every entry belongs to one
 * database data version (SQLite's PRAGMA data_version, read inside the
 * request's read transaction): when the caller syncs a different version,
 * everything is dropped.  And an entry lives at most ttl_ms, because some
 * answers depend on the clock ("the last 24 hours").  Writes made through
 * the caller's own connection do not move the data version: the caller
 * clears the cache after any request that may write.
 *
 * Memory is bounded by the byte budget given at creation; the oldest
 * entries are evicted first.  The cache owns its entries and their bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "respcache.h"

#define NBUCKETS	256

struct slot {
	struct respcache_entry	 pub;
	struct slot		*chain;		/* same bucket */
	struct slot		*newer;		/* insertion order */
	struct slot		*older;
	uint64_t		 hash;
	int64_t			 stored_ms;
	size_t			 klen;
	size_t			 size;		/* bytes charged to the budget */
	char			 etag[24];
	char			 data[];	/* key, then body */
};

struct respcache {
	size_t		 budget;
	size_t		 used;
	int64_t		 ttl_ms;
	int64_t		 version;	/* of the entries; -1 none yet */
	struct slot	*bucket[NBUCKETS];
	struct slot	*oldest;
	struct slot	*newest;
};

/*
 * Returns a cache of at most budget bytes whose entries live ttl_ms; the
 * caller frees it with respcache_free().  NULL when budget is 0 (caching
 * off) or memory is short.
 */
struct respcache *
respcache_new(size_t budget, int64_t ttl_ms)
{
	struct respcache *c;

	if (budget == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->budget = budget;
	c->ttl_ms = ttl_ms;
	c->version = -1;
	return c;
}

/* Unlinks s from its bucket and from the age list, and frees it. */
static void
slot_drop(struct respcache *c, struct slot *s)
{
	struct slot **pp = &c->bucket[s->hash % NBUCKETS];

	while (*pp != s)
		pp = &(*pp)->chain;
	*pp = s->chain;
	if (s->older != NULL)
		s->older->newer = s->newer;
	else
		c->oldest = s->newer;
	if (s->newer != NULL)
		s->newer->older = s->older;
	else
		c->newest = s->older;
	c->used -= s->size;
	free(s);
}

/* Drops every entry. */
void
respcache_clear(struct respcache *c)
{
	struct slot *s, *next;

	if (c == NULL)
		return;
	for (s = c->oldest; s != NULL; s = next) {
		next = s->newer;
		free(s);
	}
	memset(c->bucket, 0, sizeof(c->bucket));
	c->oldest = c->newest = NULL;
	c->used = 0;
}

/* Frees the cache and every entry; accepts NULL. */
void
respcache_free(struct respcache *c)
{
	respcache_clear(c);
	free(c);
}

/*
 * Tells the cache the data version the current request reads: entries of
 * any other version are dropped.
 */
void
respcache_sync(struct respcache *c, int64_t version)
{
	if (c == NULL || c->version == version)
		return;
	respcache_clear(c);
	c->version = version;
}

/*
 * The entry for key, or NULL when there is none or it is older than the
 * time to live at now_ms (then it is dropped).  Borrowed: valid until the
 * next respcache_put(), _sync() or _clear().
 */
const struct respcache_entry *
respcache_get(struct respcache *c, const char *key, size_t klen,
    int64_t now_ms)
{
	uint64_t h;
	struct slot *s;

	if (c == NULL)
		return NULL;
	h = crypto_fnv1a(key, klen);
	for (s = c->bucket[h % NBUCKETS]; s != NULL; s = s->chain)
		if (s->hash == h && s->klen == klen &&
		    memcmp(s->data, key, klen) == 0)
			break;
	if (s == NULL)
		return NULL;
	if (now_ms - s->stored_ms >= c->ttl_ms || now_ms < s->stored_ms) {
		slot_drop(c, s);
		return NULL;
	}
	return &s->pub;
}

/*
 * Stores a copy of body (blen bytes) with its etag under key, replacing
 * an older entry for it and evicting the oldest entries to stay within
 * the budget.  An answer larger than a quarter of the budget is not kept.
 */
void
respcache_put(struct respcache *c, const char *key, size_t klen,
    const char *body, size_t blen, const char *etag, int64_t now_ms)
{
	struct slot *s, *old;
	size_t size;
	uint64_t h;

	if (c == NULL)
		return;
	size = sizeof(*s) + klen + blen + 1;
	if (size > c->budget / 4)
		return;
	h = crypto_fnv1a(key, klen);
	for (old = c->bucket[h % NBUCKETS]; old != NULL; old = old->chain)
		if (old->hash == h && old->klen == klen &&
		    memcmp(old->data, key, klen) == 0) {
			slot_drop(c, old);
			break;
		}
	while (c->used + size > c->budget && c->oldest != NULL)
		slot_drop(c, c->oldest);
	if ((s = malloc(size)) == NULL)
		return;
	s->hash = h;
	s->stored_ms = now_ms;
	s->klen = klen;
	s->size = size;
	snprintf(s->etag, sizeof(s->etag), "%s", etag);
	memcpy(s->data, key, klen);
	memcpy(s->data + klen, body, blen);
	s->data[klen + blen] = '\0';
	s->pub.body = s->data + klen;
	s->pub.blen = blen;
	s->pub.etag = s->etag;
	s->chain = c->bucket[h % NBUCKETS];
	c->bucket[h % NBUCKETS] = s;
	s->newer = NULL;
	s->older = c->newest;
	if (c->newest != NULL)
		c->newest->newer = s;
	else
		c->oldest = s;
	c->newest = s;
	c->used += size;
}

/* Bytes the entries take now (for tests). */
size_t
respcache_used(const struct respcache *c)
{
	return c != NULL ? c->used : 0;
}
