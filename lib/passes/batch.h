#ifndef TESTVIS_BATCH_H
#define TESTVIS_BATCH_H
#include <stdint.h>

struct config;

/* Command-line choices of `testvis batch`. */
struct batch_opts {
	const char	*passes;	/* "mapping,flaky" or NULL: all */
	const char	*project;	/* slug or NULL: every project */
	int		 watch;		/* --watch */
	int64_t		 now;		/* --now, 0: the clock */
	long		 interval;	/* --watch: seconds between passes */
};

int	 batch_main(const struct config *, const struct batch_opts *);

#endif
