#ifndef TESTVIS_PASS_H
#define TESTVIS_PASS_H
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

/*
 * What a batch pass works with: the database, the configuration, the
 * clock of this batch (--now), the project it is working on and a summary
 * it appends to ("12 tests mapped").  Filled and owned by the runner
 * (lib/passes/batch.c); a pass borrows it for one run.
 */
struct pass_ctx {
	struct db		*db;
	const struct config	*cfg;
	int64_t			 now;
	int64_t			 project_id;	/* 0 for global passes */
	const char		*project;
	char			 summary[512];
	long			 chunks;	/* committed so far */
	long			 crash_after;	/* test hook, 0: off */
	/* what this pass changed that a reader sees (runs taken in, tests
	 * mapped ...): the batch tells live clients when it is not 0 */
	long			 changed;
};

void	 pass_note(struct pass_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 pass_commit(struct pass_ctx *);
int	 pass_mark_get(struct pass_ctx *, const char *, int64_t *, char *,
	    size_t);
int	 pass_mark_set(struct pass_ctx *, const char *, int64_t,
	    const char *);
long	 pass_each_new(struct pass_ctx *, const char *,
	    int (*)(struct pass_ctx *, int64_t *, void *), void *);
long	 pass_each_run(struct pass_ctx *, const char *,
	    int (*)(struct pass_ctx *, int64_t, void *), void *);
int	 pass_list_has(const char *, const char *);

#endif
