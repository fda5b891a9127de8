#ifndef TESTVIS_INGEST_H
#define TESTVIS_INGEST_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "param.h"

struct config;
struct db;
struct fault;
struct stream;
struct ingest;
struct trace_span;

/* Run metadata fields, in the order of ingest_meta_spec[]. */
enum meta_field {
	META_RUN_ID,
	META_SHARD,
	META_GIT_SHA,
	META_BRANCH,
	META_SESSION_ID,
	META_ENV_FINGERPRINT,
	META_STARTED_AT,
	META_TRIGGERED_BY,
	META_CI_URL,
	META_REPEATS,		/* retries|variants: not run metadata */
	META__MAX
};

/* Validators of the metadata, as query parameters or sidecar fields. */
extern const struct param_spec ingest_meta_spec[META__MAX + 1];

struct ingest	*ingest_new(struct db *, const struct config *, int64_t,
		    const char *, const char *, struct fault *);
void		 ingest_free(struct ingest *);
void		 ingest_set_param(struct ingest *, enum meta_field,
		    const char *, int64_t);
int		 ingest_set_sidecar(struct ingest *, json_t *);
void		 ingest_set_diff(struct ingest *, const char *, size_t);
void		 ingest_set_trace(struct ingest *, struct trace_span *);
int		 ingest_begin(struct ingest *);
int		 ingest_xml(struct ingest *, struct stream *);
int		 ingest_results(struct ingest *, json_t *);
int		 ingest_result(struct ingest *, json_t *, size_t);
int		 ingest_results_done(struct ingest *);
int		 ingest_finish(struct ingest *, json_t **);

#endif
