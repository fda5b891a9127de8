#ifndef TESTVIS_ALIAS_H
#define TESTVIS_ALIAS_H
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;
struct fault;

int	 alias_create(struct db *, const struct config *, int64_t, json_t *,
	    int64_t, json_t **, struct fault *);

#endif
