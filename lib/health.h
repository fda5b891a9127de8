#ifndef TESTVIS_HEALTH_H
#define TESTVIS_HEALTH_H
#include <stdint.h>
#include <jansson.h>

struct db;

json_t	*health_domains(struct db *, int64_t);
int	 health_features(struct db *, int64_t, int64_t, const char *, int,
	    json_t **);
int	 health_timeline(struct db *, int64_t, int64_t, int, int64_t,
	    json_t **);

#endif
