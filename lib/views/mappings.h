#ifndef TESTVIS_MAPPINGS_H
#define TESTVIS_MAPPINGS_H
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;
struct fault;

json_t	*mappings_list(struct db *, int64_t);
int	 mappings_test_key(struct db *, int64_t, const char *, int64_t *);
int	 mappings_set_manual(struct db *, const struct config *, int64_t,
	    int64_t, json_t *, int64_t, struct fault *);
int	 mappings_import(struct db *, const struct config *, int64_t,
	    json_t *, int64_t, json_t **, struct fault *);

#endif
