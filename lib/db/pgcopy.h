#ifndef TESTVIS_PGCOPY_H
#define TESTVIS_PGCOPY_H
#include <stddef.h>
#include <stdio.h>

struct db;

int	 pgcopy_run(struct db *, const char *, FILE *, char *, size_t);

#endif
