#ifndef TESTVIS_INGESTFILE_H
#define TESTVIS_INGESTFILE_H
#include <jansson.h>

#include "crypto.h"
#include "ingest.h"

struct config;
struct db;
struct fault;

int	 ingestfile_run(struct db *, const struct config *, const char *,
	    const char *const [META__MAX], const char *, const char *,
	    json_t **, struct fault *);
int	 ingestfile_ingest(struct db *, const struct config *, const char *,
	    const char *const [META__MAX], const char *const [META__MAX],
	    const char *, const char *, json_t **, struct fault *);
int	 ingestfile_digest(const char *, char [SHA256_HEX_LEN]);
int	 ingestfile_sidecar_path(const char *, char *, size_t);

#endif
