#ifndef TESTVIS_INGESTSTORE_H
#define TESTVIS_INGESTSTORE_H
#include <stddef.h>
#include <stdint.h>

#include "ident.h"
#include "junit.h"

struct db;
struct fault;
struct ingestmeta;
struct ingestmeta_found;

/* The shard an upload writes into, once its rows exist. */
struct ingeststore_target {
	int64_t		 project_id;
	int64_t		 run;		/* runs.id */
	int64_t		 shard;		/* run_shards.id */
	int64_t		 started_at;	/* stamped on results and new tests */
};

/* Results by status, of a shard or a run. */
struct ingeststore_counts {
	long long	 tests, by[ST__MAX], flaky;
};

/* The text fields of a stored testcase. */
enum store_field {
	SF_NAME, SF_CLASSNAME, SF_FILE, SF_SUITE, SF_PATH, SF_BASE, SF_PARAMS,
	SF_MESSAGE, SF_TYPE, SF_DETAILS, SF_OUT, SF_ERR, SF_TAGS, SF_OWNER,
	SF_FEATURE, SF_DOMAIN, SF__MAX
};

/* One testcase to store: its test's definition and its result. */
struct ingeststore_case {
	int64_t		 key;		/* ident_test_key(test_id) */
	char		 test_id[TEST_ID_LEN + 1];
	char		 fp[FINGERPRINT_LEN + 1];	/* "" for none */
	const char	*str[SF__MAX];	/* NULL for none; borrowed */
	long		 line;		/* 0: unknown */
	int		 status, attempts, flaky;
	int		 aliased;	/* key redirected by an alias */
	int		 known;		/* the test is stored already */
	int		 has_digest;	/* known, with this digest stored: */
	int64_t		 digest;	/* its definition's (test_stats) */
	long long	 duration, assertions;	/* -1: unknown */
};

/* A test the database holds, and the digest of its definition. */
struct ingeststore_known {
	int64_t		 key;		/* first: chunkwriter.c searches it */
	int64_t		 digest;
	int		 has_digest;	/* 0: none recorded yet */
};

/* What the shard row keeps besides its counts. */
struct ingeststore_shard_row {
	const char	*digest;	/* SHA-256 of the contents */
	long long	 new_tests;
	const char	*warnings;	/* JSON array text */
	const char	*diff;		/* NULL: none sent */
	const char	*changed;	/* JSON array text, or NULL */
};

int	 ingeststore_fault(struct db *, struct fault *);
int	 ingeststore_open(struct db *, int, struct fault *);
int	 ingeststore_known(struct db *, int64_t, struct ingeststore_known **,
	    size_t *, struct fault *);
int	 ingeststore_aliases(struct db *, int64_t, int64_t **, size_t *,
	    struct fault *);
int	 ingeststore_run_find(struct db *, int64_t, const char *, int64_t *,
	    struct fault *);
int	 ingeststore_shard_find(struct db *, int64_t, const char *, int64_t *,
	    struct fault *);
int	 ingeststore_run_add(struct db *, struct ingeststore_target *,
	    const char *, int64_t, struct fault *);
int	 ingeststore_run_started(struct db *, int64_t, int64_t *,
	    struct fault *);
int	 ingeststore_shard_add(struct db *, struct ingeststore_target *,
	    const char *, const char *, int64_t, struct fault *);
int	 ingeststore_case(struct db *, const struct ingeststore_target *,
	    const struct ingeststore_case *, long long *, struct fault *);
int	 ingeststore_shard_relabel(struct db *, int64_t, const char *,
	    struct fault *);
int	 ingeststore_run_rename(struct db *, int64_t, const char *,
	    struct fault *);
int	 ingeststore_run_merge(struct db *, struct ingeststore_target *,
	    int64_t, struct fault *);
int	 ingeststore_run_meta(struct db *, struct ingeststore_target *,
	    const struct ingestmeta *, const struct ingestmeta_found *,
	    char **, char **, struct fault *);
int	 ingeststore_override(struct db *, int64_t, int64_t,
	    const char *const [4], struct fault *);
int	 ingeststore_counts(struct db *, int64_t, int64_t,
	    struct ingeststore_counts *, struct fault *);
int	 ingeststore_run_counts(struct db *, int64_t,
	    const struct ingeststore_counts *, long long, struct fault *);
int	 ingeststore_shard_set(struct db *, int64_t,
	    const struct ingeststore_counts *,
	    const struct ingeststore_shard_row *, struct fault *);
int	 ingeststore_project_bump(struct db *, int64_t, int, long long,
	    int64_t, struct fault *);
int	 ingeststore_event(struct db *, int64_t, int64_t, const char *,
	    const char *, struct fault *);
int	 ingeststore_stored_counts(struct db *, int64_t, const char *,
	    const char *, struct ingeststore_counts *, struct fault *);

#endif
