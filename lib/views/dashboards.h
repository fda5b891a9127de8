#ifndef TESTVIS_DASHBOARDS_H
#define TESTVIS_DASHBOARDS_H
#include <stdint.h>
#include <jansson.h>

struct db;
struct fault;

/* A change refused: the client's copy is not the one stored (412). */
#define DASHBOARDS_STALE	2

int	 dashboards_list(struct db *, int64_t, json_t **);
int	 dashboards_get(struct db *, int64_t, int64_t, json_t **);
int	 dashboards_create(struct db *, int64_t, json_t *, int64_t, json_t **,
	    struct fault *);
int	 dashboards_update(struct db *, int64_t, int64_t, json_t *, int64_t,
	    int (*)(void *, json_t *), void *, json_t **, struct fault *);
int	 dashboards_delete(struct db *, int64_t, int64_t,
	    int (*)(void *, json_t *), void *, struct fault *);

#endif
