#ifndef TESTVIS_UTF8_H
#define TESTVIS_UTF8_H
#include <stddef.h>

int	 utf8_valid(const char *, size_t);
size_t	 utf8_count(const char *, size_t);

#endif
