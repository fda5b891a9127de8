#ifndef TESTVIS_REPEATS_H
#define TESTVIS_REPEATS_H
#include <stdint.h>

/*
 * How a testcase repeated within one upload is read (issue 11 item 13):
 * as retries of one test (the default; the last attempt's status wins)
 * or as variants (TestNG data providers and invocationCount, Criterion
 * parameterized tests), each a test of its own.
 */
enum repeats_mode {
	REPEATS_RETRIES,
	REPEATS_VARIANTS,
	REPEATS__MAX
};

extern const char *const repeats_mode_names[REPEATS__MAX + 1];

struct repeats;

struct repeats	*repeats_new(void);
void		 repeats_free(struct repeats *);
long		 repeats_see(struct repeats *, int64_t, int, int *);

#endif
