#ifndef TESTVIS_PGMIGRATE_H
#define TESTVIS_PGMIGRATE_H
#include <stddef.h>

int	 pgmigrate_run(const char *, int *, int *, char *, size_t, char *,
	    size_t);

#endif
