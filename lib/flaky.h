#ifndef TESTVIS_FLAKY_H
#define TESTVIS_FLAKY_H
#include <stdint.h>
#include <jansson.h>

struct db;

int	 flaky_list(struct db *, int64_t, const char *, const char *,
	    const char *, int, json_t **);
json_t	*flaky_slowest(struct db *, int64_t, int, int);

#endif
