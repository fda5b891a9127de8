#ifndef TESTVIS_BUF_H
#define TESTVIS_BUF_H
#include <stdarg.h>
#include <stddef.h>

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

#endif
