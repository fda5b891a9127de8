#ifndef TESTVIS_JDUMP_H
#define TESTVIS_JDUMP_H
#include <jansson.h>

struct buf;

int	 jdump(const json_t *, struct buf *);
void	 jdump_string(struct buf *, const char *, size_t);
int	 jdump_plain_string(struct buf *, const char *, size_t);

#endif
