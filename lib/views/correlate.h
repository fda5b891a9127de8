#ifndef TESTVIS_CORRELATE_H
#define TESTVIS_CORRELATE_H
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;

enum correlate_by {
	BY_RUN_ID,
	BY_GIT_SHA,
	BY_SESSION_ID,
	BY_FEATURE_ID,
	BY__MAX
};

int	 correlate(struct db *, const struct config *, int64_t, const char *,
	    enum correlate_by, const char *, json_t **);

#endif
