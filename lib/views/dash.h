#ifndef TESTVIS_DASH_H
#define TESTVIS_DASH_H
#include <stdint.h>
#include <jansson.h>

struct db;

json_t	*dash_overview(struct db *, int64_t, const char *, const char *,
	    int64_t);
int	 dash_failures(struct db *, int64_t, int64_t, const char *,
	    const char *, const char *, int, json_t **);

#endif
