#ifndef TESTVIS_INGESTMETA_H
#define TESTVIS_INGESTMETA_H
#include <stdint.h>
#include <jansson.h>

#include "param.h"

/* Run metadata fields, in the order of ingestmeta_spec[]. */
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
	META_JOB,		/* the CI job or suite stream */
	META_REPEATS,		/* retries|variants: not run metadata */
	META__MAX
};

/* Validators of the metadata, as query parameters or sidecar fields. */
extern const struct param_spec ingestmeta_spec[META__MAX + 1];

/* The text fields of a run row, in the order of its columns. */
#define INGESTMETA_TEXTS	7
extern const enum meta_field ingestmeta_texts[INGESTMETA_TEXTS];

/* The metadata one upload was given: request parameters and sidecar. */
struct ingestmeta {
	char		*param[META__MAX];	/* NULL: not given */
	int64_t		 param_started;		/* -1: not given */
	json_t		*sidecar;		/* validated, or NULL */
	char		*tags;		/* the sidecar's tags, compact JSON */
};

/* A run row's metadata: stored by earlier shards, or settled. */
struct ingestmeta_run {
	int64_t		 started_at;
	int64_t		 finished_at;		/* -1: unknown */
	int64_t		 duration_ms;		/* -1: unknown */
	const char	*text[META__MAX];	/* NULL: unknown; borrowed */
	const char	*tags;			/* JSON array text, or NULL */
};

/* What the upload itself found, the weakest source but stored rows. */
struct ingestmeta_found {
	int		 run_new;	/* the run row is this upload's */
	int64_t		 started_at;	/* stamped on the results so far */
	int64_t		 now;		/* when the ingest began */
	int64_t		 xml_started;	/* earliest report timestamp, or -1 */
	long long	 xml_duration;	/* summed over the files, or -1 */
};

void		 ingestmeta_init(struct ingestmeta *);
void		 ingestmeta_free(struct ingestmeta *);
void		 ingestmeta_set_param(struct ingestmeta *, enum meta_field,
		    const char *, int64_t);
void		 ingestmeta_set_sidecar(struct ingestmeta *, json_t *);
json_t		*ingestmeta_sidecar(const struct ingestmeta *, const char *);
const char	*ingestmeta_str(const struct ingestmeta *, enum meta_field);
int64_t		 ingestmeta_start(const struct ingestmeta *, int64_t, int64_t);
void		 ingestmeta_settle(const struct ingestmeta *,
		    const struct ingestmeta_found *,
		    const struct ingestmeta_run *, struct ingestmeta_run *);

#endif
