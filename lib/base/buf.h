#ifndef TESTVIS_BUF_H
#define TESTVIS_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* A growable, always NUL-terminated byte buffer. */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_reserve(struct buf *, size_t);
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_put_int(struct buf *, long long);
void	 buf_urlencode(struct buf *, const char *);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

/*
 * buf_append() with the common case (room left) inline: for writers that
 * append a few bytes at a time (jdump.c, jwrite.c).
 */
static inline void
buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n < b->cap) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	} else
		buf_append(b, s, n);
}

#endif
