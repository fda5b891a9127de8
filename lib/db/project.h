#ifndef TESTVIS_PROJECT_H
#define TESTVIS_PROJECT_H
#include <stdint.h>
#include <jansson.h>

struct db;

int	 project_add(struct db *, const char *, const char *, int64_t *);
int	 project_lookup(struct db *, const char *, int64_t *);
json_t	*project_list(struct db *, int64_t);

#endif
