#ifndef TESTVIS_TESTSTATE_H
#define TESTVIS_TESTSTATE_H
#include <stdint.h>
#include <jansson.h>

struct db;
struct fault;

int	 teststate_set(struct db *, int64_t, const char *, json_t *, int64_t,
	    json_t **, struct fault *);
int	 teststate_list(struct db *, int64_t, const char *, const char *, int,
	    json_t **);

#endif
