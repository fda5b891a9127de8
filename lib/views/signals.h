#ifndef TESTVIS_SIGNALS_H
#define TESTVIS_SIGNALS_H
#include <stdint.h>
#include <jansson.h>

struct db;
struct fault;

/* Filters of GET /api/tests/integrity/alerts; NULL / -1: not given. */
struct signals_filter {
	int64_t		 since;
	const char	*type, *severity, *status, *session_id, *cursor;
	int		 limit;
};

/* The most signal ids one bulk triage may name. */
#define SIGNALS_BULK_MAX	1000

extern const char *const signals_types[];
extern const char *const signals_severities[];
extern const char *const signals_statuses[];

int	 signals_list(struct db *, int64_t, const struct signals_filter *,
	    json_t **);
json_t	*signals_of_run(struct db *, int64_t);
json_t	*signals_of_runs(struct db *, const char *, int64_t, int);
int64_t	 signals_open_count(struct db *, int64_t);
int	 signals_set(struct db *, int64_t, int64_t, json_t *, int64_t,
	    json_t **, struct fault *);
int	 signals_bulk(struct db *, int64_t, json_t *, int64_t, json_t **,
	    struct fault *);

#endif
