#ifndef TESTVIS_INGESTJSON_H
#define TESTVIS_INGESTJSON_H
#include <stddef.h>

struct fault;
struct ingest;

int	 ingestjson_run(struct ingest *, const char *, size_t, struct fault *);

#endif
