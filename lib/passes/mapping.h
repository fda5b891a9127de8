#ifndef TESTVIS_MAPPING_H
#define TESTVIS_MAPPING_H
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;
struct pass_ctx;

int	 mapping_pass(struct pass_ctx *);
int	 mapping_add(struct db *, int64_t, int64_t, const char *,
	    const char *, double, int64_t);
long	 mapping_resolve(struct db *, const struct config *, int64_t,
	    const int64_t *, size_t, int64_t);
int	 mapping_days_rebuild(struct db *, int64_t, int64_t, int64_t);

#endif
