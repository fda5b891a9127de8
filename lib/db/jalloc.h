#ifndef TESTVIS_JALLOC_H
#define TESTVIS_JALLOC_H
#include <stddef.h>

void	 jalloc_install(void);
size_t	 jalloc_kept(void);

#endif
