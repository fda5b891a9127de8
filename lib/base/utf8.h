#ifndef TESTVIS_UTF8_H
#define TESTVIS_UTF8_H
#include <stddef.h>

int	 utf8_valid(const char *, size_t);
size_t	 utf8_count(const char *, size_t);
size_t	 utf8_prefix(const char *, size_t, size_t);
size_t	 utf8_whole(const char *, size_t);
char	*utf8_repair(const char *, size_t, size_t *);

/* "%.*s" arguments printing at most max bytes of s, cut on a character. */
#define UTF8_CUT(s, max) (int)utf8_prefix((s), strlen(s), (max)), (s)

#endif
