#ifndef TESTVIS_FEATUREHEALTH_H
#define TESTVIS_FEATUREHEALTH_H
#include <stdint.h>
#include <jansson.h>

struct db;

/* Where the figures are taken (issue 13 item 4): branch (NULL: every
 * branch) and job (NULL: every job); both NULL: the project's rollups. */
struct health_scope {
	const char	*branch, *job;
};

json_t	*featurehealth_domains(struct db *, int64_t,
	    const struct health_scope *);
int	 featurehealth_features(struct db *, int64_t, int64_t,
	    const struct health_scope *, const char *, int, json_t **);
int	 featurehealth_timeline(struct db *, int64_t, int64_t, int, int64_t,
	    json_t **);

#endif
