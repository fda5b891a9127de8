#ifndef TESTVIS_INGESTRUN_H
#define TESTVIS_INGESTRUN_H
#include <stddef.h>
#include <stdint.h>

#include "ingeststore.h"

struct db;
struct fault;
struct ingestmeta;

/* Which run and shard an upload becomes, as settled so far. */
struct ingestrun {
	struct ingeststore_target t;	/* rows, start stamped on results */
	int64_t		 now;		/* when the ingest began */
	char		*run_id;	/* as in the row */
	int		 run_id_pending; /* "pending-…" until settled */
	int		 run_new;	/* the run row is this upload's */
	char		*shard;		/* the label, "" for none */
	int		 started_fixed;	/* t.started_at is settled */
	char		*branch;	/* final ("" for none), once settled */
	char		*git_sha;	/* final, or NULL */
};

void	 ingestrun_init(struct ingestrun *, int64_t, int64_t);
void	 ingestrun_free(struct ingestrun *);
int	 ingestrun_begin(struct ingestrun *, struct db *,
	    const struct ingestmeta *, const char *, struct fault *);
void	 ingestrun_start(struct ingestrun *, const struct ingestmeta *,
	    int64_t);
int	 ingestrun_settle(struct ingestrun *, struct db *,
	    const struct ingestmeta *, const char *, size_t, struct fault *);
int	 ingestrun_meta(struct ingestrun *, struct db *,
	    const struct ingestmeta *, int64_t, long long, struct fault *);

#endif
