#ifndef TESTVIS_BRANCH_H
#define TESTVIS_BRANCH_H
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

int	 branch_default(struct db *, int64_t, const struct config *, char *,
	    size_t);

#endif
