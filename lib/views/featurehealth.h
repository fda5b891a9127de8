#ifndef TESTVIS_FEATUREHEALTH_H
#define TESTVIS_FEATUREHEALTH_H
#include <stdint.h>
#include <jansson.h>

struct db;

json_t	*featurehealth_domains(struct db *, int64_t);
int	 featurehealth_features(struct db *, int64_t, int64_t, const char *,
	    int, json_t **);
int	 featurehealth_timeline(struct db *, int64_t, int64_t, int, int64_t,
	    json_t **);

#endif
