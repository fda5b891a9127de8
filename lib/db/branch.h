#ifndef TESTVIS_BRANCH_H
#define TESTVIS_BRANCH_H
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

/* Room for a whole branch or job name and its NUL: 256 and 128
 * characters of UTF-8 at most (ING-3), 4 bytes each. */
#define BRANCH_BYTES	1028
#define JOB_BYTES	516

int	 branch_default(struct db *, int64_t, const struct config *, char *,
	    size_t);

#endif
