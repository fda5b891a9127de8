#ifndef TESTVIS_ROLLUP_H
#define TESTVIS_ROLLUP_H
#include <stdint.h>

struct db;

/* One stored shard whose results are to be rolled up. */
struct rollup_shard {
	int64_t		 project_id;
	int64_t		 run;		/* runs.id */
	int64_t		 shard;		/* run_shards.id */
	const char	*run_id;	/* for event payloads */
	const char	*branch;	/* "" when the run has none */
	const char	*git_sha;	/* NULL when the run has none */
	int64_t		 started_at;	/* the run's */
	int64_t		 now;
};

#define ROLLUP_WINDOW 50	/* results kept in a test's recent windows */

char	 rollup_status_char(int);
int	 rollup_apply(struct db *, const struct rollup_shard *);
double	 rollup_flip_rate(const char *);

#endif
