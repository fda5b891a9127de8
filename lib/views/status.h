#ifndef TESTVIS_STATUS_H
#define TESTVIS_STATUS_H
#include <jansson.h>

struct db;

json_t	*status_batch(struct db *);

#endif
