#ifndef TESTVIS_ALERTAPI_H
#define TESTVIS_ALERTAPI_H
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;
struct fault;

/* The filters of GET /api/alerts/history. */
struct alertapi_history {
	int64_t		 rule_id;	/* 0: every rule */
	const char	*status;	/* NULL: any; else alertapi_statuses */
	const char	*cursor;
	int		 limit;
};

extern const char *const alertapi_statuses[];

int	 alertapi_create(struct db *, int64_t, json_t *, int64_t, json_t **,
	    struct fault *);
int	 alertapi_list(struct db *, int64_t, json_t **);
int	 alertapi_get(struct db *, int64_t, int64_t, json_t **);
int	 alertapi_update(struct db *, int64_t, int64_t, json_t *, int64_t,
	    json_t **, struct fault *);
int	 alertapi_delete(struct db *, int64_t, int64_t, int64_t);
int	 alertapi_status(struct db *, int64_t, json_t **);
int	 alertapi_history(struct db *, int64_t,
	    const struct alertapi_history *, json_t **);
int	 alertapi_test(struct db *, const struct config *, int64_t,
	    const char *, int64_t, int64_t, json_t **);

#endif
