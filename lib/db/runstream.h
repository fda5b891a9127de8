#ifndef TESTVIS_RUNSTREAM_H
#define TESTVIS_RUNSTREAM_H
#include <stddef.h>
#include <stdint.h>

struct db;

/* The previous run of a stream (runs_previous). */
struct runs_prev {
	int64_t		 id, tests;
	char		 run_id[300];
};

/* A run's stream (branch, job: NULL none) and its place in it. */
struct runstream_at {
	const char	*branch, *job;
	int64_t		 started_at, id;	/* runs.started_at, runs.id */
};

int	 runs_previous(struct db *, int64_t, const char *, const char *,
	    int64_t, int64_t, struct runs_prev *);
int	 runstream_pass_counts(struct db *, int64_t,
	    const struct runstream_at *, int, int64_t *, int64_t *);
int	 runstream_durations(struct db *, int64_t,
	    const struct runstream_at *, int, int64_t *, size_t *);

#endif
