#ifndef TESTVIS_RUNEXPORT_H
#define TESTVIS_RUNEXPORT_H
#include <stddef.h>
#include <stdint.h>

#include "branch.h"
#include "buf.h"

struct db;

enum runexport_format {
	RUNEXPORT_CSV,
	RUNEXPORT_JUNIT
};

/* A run to export, as runexport_find() read it. */
struct runexport_run {
	int64_t		 id;		/* runs.id */
	char		 run_id[300];
	char		 branch[BRANCH_BYTES], job[JOB_BYTES];	/* "" none */
	int64_t		 started_at, duration_ms;	/* -1: unknown */
	int64_t		 tests, failed, errors, skipped;
};

/* Where the file goes: write(ctx, bytes, n), in chunks. */
struct runexport_out {
	void		(*write)(void *, const void *, size_t);
	void		*ctx;
};

/* A JUnit document the exports pass writes page by page. */
struct runexport_junit {
	struct buf	 b, suite;	/* pending text; the open suite */
	int		 open;		/* a <testsuite> is open */
};

extern const char *const runexport_formats[];

int	 runexport_find(struct db *, int64_t, const char *,
	    struct runexport_run *);
int	 runexport_write(struct db *, const struct runexport_run *, int,
	    const struct runexport_out *);
void	 runexport_csv_field(struct buf *, const char *);
void	 runexport_junit_begin(struct runexport_junit *,
	    const struct runexport_run *, const struct runexport_out *);
long	 runexport_junit_page(struct db *, const struct runexport_run *,
	    int64_t *, int, struct runexport_junit *,
	    const struct runexport_out *);
void	 runexport_junit_end(struct runexport_junit *,
	    const struct runexport_out *);

#endif
