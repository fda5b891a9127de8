#ifndef TESTVIS_STREAM_H
#define TESTVIS_STREAM_H
#include <stddef.h>
#include <sys/types.h>

#include "crypto.h"

struct fault;

/*
 * A pull stream of bytes.  read() returns the count (> 0), 0 at the end,
 * or -1 after recording why in the fault it was built with.  Layers wrap
 * a lower stream; whoever builds a layer frees it with stream_free(),
 * which never frees the lower stream.
 */
struct stream {
	ssize_t	(*read)(struct stream *, char *, size_t);
	void	(*free)(struct stream *);
};

ssize_t		 stream_read(struct stream *, char *, size_t);
void		 stream_free(struct stream *);
struct stream	*stream_fd(int, struct fault *);
struct stream	*stream_mem(const char *, size_t);
struct stream	*stream_func(ssize_t (*)(void *, char *, size_t), void *,
		    struct fault *);
struct stream	*stream_gunzip(struct stream *, long long, struct fault *);
struct stream	*stream_content(struct stream *, struct fault *);
void		 stream_content_digest(struct stream *,
		    char [SHA256_HEX_LEN]);
long long	 stream_content_bytes(struct stream *);
long long	 stream_content_repairs(struct stream *);

#endif
