#ifndef TESTVIS_INGEST_H
#define TESTVIS_INGEST_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ingestmeta.h"

struct config;
struct db;
struct fault;
struct stream;
struct ingest;
struct trace_span;

/* How ingest_finish() ended; the callers map it (HTTP: 201, 200). */
enum ingest_outcome {
	INGEST_FAILED = -1,	/* nothing stored: the fault says why */
	INGEST_CREATED = 1,	/* the shard is stored */
	INGEST_SKIPPED = 2	/* a known duplicate: nothing stored */
};

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
int		 ingest_result(struct ingest *, json_t *, size_t);
int		 ingest_results_done(struct ingest *);
enum ingest_outcome ingest_finish(struct ingest *, json_t **);

#endif
