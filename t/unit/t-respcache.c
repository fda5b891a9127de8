/*
 * Unit tests for lib/web/respcache.c: lookups, the data-version and
 * time-to-live invalidations, the byte budget and its eviction order.
 */
#include <stdio.h>
#include <string.h>

#include "respcache.h"
#include "tap.h"

/* Stores body under key at time now. */
static void
put(struct respcache *c, const char *key, const char *body, int64_t now)
{
	respcache_put(c, key, strlen(key), body, strlen(body), "\"e\"", now);
}

/* The body cached under key at time now, or NULL. */
static const char *
get(struct respcache *c, const char *key, int64_t now)
{
	const struct respcache_entry *e = respcache_get(c, key, strlen(key),
	    now);

	return e != NULL ? e->body : NULL;
}

int
main(void)
{
	struct respcache *c;
	char key[32], big[5000];
	int i, kept;

	ok(respcache_new(0, 1000) == NULL, "a budget of 0 turns caching off");
	ok(get(NULL, "k", 0) == NULL, "a NULL cache finds nothing");
	put(NULL, "k", "v", 0);	/* and stores nothing, without crashing */

	c = respcache_new(64 * 1024, 1000);
	ok(c != NULL, "a cache of 64 KiB");
	respcache_sync(c, 7);
	ok(get(c, "1 /api/dashboard", 0) == NULL, "empty: a miss");
	put(c, "1 /api/dashboard", "{\"a\":1}", 100);
	check_str(get(c, "1 /api/dashboard", 150), "{\"a\":1}");
	check_int(respcache_get(c, "1 /api/dashboard", 16, 150)->blen, ==, 7);
	check_str(respcache_get(c, "1 /api/dashboard", 16, 150)->etag, "\"e\"");
	ok(get(c, "2 /api/dashboard", 150) == NULL,
	    "another project's key misses");
	ok(get(c, "1 /api/dashboard?x", 150) == NULL,
	    "a longer key with the same prefix misses");
	ok(get(c, "1 /api/dashboar", 150) == NULL, "a prefix misses");

	/* time to live: 1000 ms from the store */
	check_str(get(c, "1 /api/dashboard", 1099), "{\"a\":1}");
	ok(get(c, "1 /api/dashboard", 1100) == NULL,
	    "an entry as old as the time to live is dropped");
	ok(get(c, "1 /api/dashboard", 1099) == NULL, "and stays dropped");
	put(c, "k", "v", 5000);
	ok(get(c, "k", 4000) == NULL, "a clock going backwards drops it");
	check_int(respcache_used(c), ==, 0);

	/* the data version */
	put(c, "k", "v1", 0);
	respcache_sync(c, 7);
	check_str(get(c, "k", 1), "v1");
	respcache_sync(c, 8);
	ok(get(c, "k", 1) == NULL, "another data version drops everything");
	check_int(respcache_used(c), ==, 0);

	/* replacing a key keeps one entry */
	put(c, "k", "old", 0);
	kept = (int)respcache_used(c);
	put(c, "k", "new", 1);
	check_str(get(c, "k", 2), "new");
	check_int(respcache_used(c), ==, kept);

	/* 300 small keys: all found (hash chains), then clear */
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "1 /api/tests/%d", i);
		put(c, key, key, 10);
	}
	for (kept = 0, i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "1 /api/tests/%d", i);
		kept += get(c, key, 11) != NULL &&
		    strcmp(get(c, key, 11), key) == 0;
	}
	check_int(kept, ==, 300);
	respcache_clear(c);
	check_int(respcache_used(c), ==, 0);
	ok(get(c, "1 /api/tests/5", 11) == NULL, "clear drops everything");

	/* the budget: oldest evicted first, used never above the budget */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "big%d", i);
		put(c, key, big, 20);
		if (respcache_used(c) > 64 * 1024)
			break;
	}
	check_int(i, ==, 40);
	ok(get(c, "big0", 21) == NULL, "the oldest entry was evicted");
	ok(get(c, "big39", 21) != NULL, "the newest entry is kept");
	/* the kept ones are exactly the newest that fit */
	for (i = 39; i >= 0; i--) {
		snprintf(key, sizeof(key), "big%d", i);
		if (get(c, key, 21) == NULL)
			break;
	}
	kept = 39 - i;
	ok(kept >= 10 && kept <= 13, "%d newest entries of ~5 KB kept in 64 KiB",
	    kept);
	check_int(respcache_used(c) / kept * (kept + 1), >, 64 * 1024);
	for (; i >= 0; i--) {
		snprintf(key, sizeof(key), "big%d", i);
		if (get(c, key, 21) != NULL)
			break;
	}
	check_int(i, ==, -1);

	/* an answer over a quarter of the budget is not kept */
	respcache_clear(c);
	{
		static char huge[17 * 1024];
		memset(huge, 'y', sizeof(huge) - 1);
		put(c, "huge", huge, 0);
		ok(get(c, "huge", 1) == NULL,
		    "an answer over a quarter of the budget is not kept");
		check_int(respcache_used(c), ==, 0);
	}
	respcache_free(c);
	respcache_free(NULL);
	return done_testing();
}
