#ifndef TESTVIS_REPAIRS_H
#define TESTVIS_REPAIRS_H
#include <stdint.h>

struct db;

int	 repairs_feature(struct db *, int64_t, int64_t);
int	 repairs_project(struct db *, int64_t);

#endif
