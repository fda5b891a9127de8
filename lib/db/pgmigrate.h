#ifndef TESTVIS_PGMIGRATE_H
#define TESTVIS_PGMIGRATE_H
#include <stddef.h>

int	 pgmigrate_is_url(const char *);
int	 pgmigrate_run(const char *, int *, int *, char *, size_t, char *,
	    size_t);

#endif
