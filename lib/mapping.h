#ifndef TESTVIS_MAPPING_H
#define TESTVIS_MAPPING_H
#include <stdint.h>
#include <jansson.h>

struct batch_ctx;
struct config;
struct db;
struct fault;

#define MAPPING_UNMAPPED "unmapped"

int	 mapping_pass(struct batch_ctx *);
int	 mapping_feature_id(struct db *, int64_t, const char *, int64_t *);
int	 mapping_resolve_test(struct db *, const struct config *, int64_t,
	    int64_t, int64_t);
int	 mapping_days_rebuild(struct db *, int64_t, int64_t, int64_t);
json_t	*mapping_list(struct db *, int64_t);
int	 mapping_test_key(struct db *, int64_t, const char *, int64_t *);
int	 mapping_set_manual(struct db *, const struct config *, int64_t,
	    int64_t, json_t *, int64_t, struct fault *);
int	 mapping_import(struct db *, const struct config *, int64_t,
	    json_t *, int64_t, json_t **, struct fault *);

#endif
