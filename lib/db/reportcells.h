#ifndef TESTVIS_REPORTCELLS_H
#define TESTVIS_REPORTCELLS_H
#include <stdint.h>

struct db;

int	 reportcells_run(struct db *, int64_t);
int	 reportcells_feature(struct db *, int64_t, int64_t, int64_t);
int	 reportcells_project(struct db *, int64_t, int64_t);

#endif
