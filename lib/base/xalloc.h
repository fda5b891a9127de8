#ifndef TESTVIS_XALLOC_H
#define TESTVIS_XALLOC_H
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);

#endif
