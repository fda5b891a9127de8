#ifndef TESTVIS_INGESTANSWER_H
#define TESTVIS_INGESTANSWER_H
#include <jansson.h>

#include "junit.h"

struct ingeststore_counts;

/* What an upload tolerated, and how it read repeated testcases. */
struct ingestanswer_notes {
	struct junit_info	 info;		/* summed over its files */
	long long		 repairs;	/* invalid characters fixed */
	long long		 names_cut;	/* testcases with a name cut */
	long long		 name_max;	/* ... to this many bytes */
	long long		 retried_failures; /* failed, then repeated */
	long long		 variants;	/* repeats stored as variants */
	const char		*repeats;	/* the mode; NULL: retries */
};

/* The head of the answer: what was stored where. */
struct ingestanswer {
	const char			*status;  /* "created", "skipped" */
	const char			*project;
	const char			*run_id;
	const char			*shard;	/* "" for none */
	const struct ingeststore_counts	*counts;
	long long			 new_tests;
};

json_t	*ingestanswer_counts(const struct ingeststore_counts *);
json_t	*ingestanswer_warnings(const struct ingestanswer_notes *);
json_t	*ingestanswer_json(const struct ingestanswer *,
	    const struct ingestanswer_notes *, json_t *);

#endif
