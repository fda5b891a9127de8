#ifndef TESTVIS_BATCH_H
#define TESTVIS_BATCH_H
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

/*
 * What a pass works with: the database, the configuration, the clock of
 * this batch (--now), the project it is working on and a summary it
 * appends to ("12 tests mapped").  Owned by batch_main().
 */
struct batch_ctx {
	struct db		*db;
	const struct config	*cfg;
	int64_t			 now;
	int64_t			 project_id;	/* 0 for global passes */
	const char		*project;
	char			 summary[512];
	long			 chunks;	/* committed so far */
	long			 crash_after;	/* test hook, 0: off */
};

/* Command-line choices of `testvis batch`. */
struct batch_opts {
	const char	*passes;	/* "mapping,flaky" or NULL: all */
	const char	*project;	/* slug or NULL: every project */
	int		 watch;		/* --watch */
	int64_t		 now;		/* --now, 0: the clock */
	long		 interval;	/* --watch: seconds between passes */
};

int	 batch_main(const struct config *, const struct batch_opts *);
void	 batch_note(struct batch_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 batch_commit(struct batch_ctx *);
int	 batch_list_has(const char *, const char *);
int	 batch_mark_get(struct batch_ctx *, const char *, int64_t *, char *,
	    size_t);
int	 batch_mark_set(struct batch_ctx *, const char *, int64_t,
	    const char *);

/*
 * SQL: run row r was an infrastructure outage (FLK-1): more than pct
 * percent of the tests that ran failed, among at least 5 that ran.
 */
#define BATCH_OUTAGE(r, pct) \
	"((" r ".failed + " r ".errors) * 100 > " pct " * (" r ".tests - " \
	r ".skipped) AND " r ".tests - " r ".skipped >= 5)"

#endif
