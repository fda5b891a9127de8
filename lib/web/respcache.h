#ifndef TESTVIS_RESPCACHE_H
#define TESTVIS_RESPCACHE_H
#include <stddef.h>
#include <stdint.h>

/*
 * A process's cache of finished GET answers, valid for one database data
 * version and for a short time (answers may depend on the clock).
 */
struct respcache;

/* One cached answer; owned by the cache, valid until the next put/sync. */
struct respcache_entry {
	const char	*body;
	size_t		 blen;
	const char	*etag;		/* "\"...\"" as sent */
};

struct respcache *respcache_new(size_t, int64_t);
void		 respcache_free(struct respcache *);
void		 respcache_sync(struct respcache *, int64_t);
void		 respcache_clear(struct respcache *);
const struct respcache_entry *respcache_get(struct respcache *, const char *,
		    size_t, int64_t);
void		 respcache_put(struct respcache *, const char *, size_t,
		    const char *, size_t, const char *, int64_t);
size_t		 respcache_used(const struct respcache *);

#endif
