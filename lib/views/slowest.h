#ifndef TESTVIS_SLOWEST_H
#define TESTVIS_SLOWEST_H
#include <stdint.h>
#include <jansson.h>

struct db;

json_t	*slowest_list(struct db *, int64_t, int, int);

#endif
