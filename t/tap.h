/*
 * A tiny TAP producer for C unit tests, in the manner of git's
 * t/unit-tests: check_int/check_str print both sides on failure, the plan
 * is printed at the end (done_testing), and the exit status is non-zero
 * when anything failed so that a crash never reads as a pass.
 * Header-only: every test program includes it once.
 */
#ifndef TESTVIS_TAP_H
#define TESTVIS_TAP_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

/* Records one test result with a printf-style name; returns ok. */
static int __attribute__((format(printf, 2, 3), unused))
tap_ok(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - ", ok ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return ok;
}

/* Prints a diagnostic line (a TAP comment). */
static void __attribute__((format(printf, 1, 2), unused))
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define check_int(got, op, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!tap_ok(g_ op w_, "%s:%d: %s %s %s", __FILE__, __LINE__,	\
	    #got, #op, #want))						\
		tap_diag("   left: %lld\n#  right: %lld", g_, w_);	\
} while (0)

#define check_str(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int eq_ = g_ != NULL && w_ != NULL ? strcmp(g_, w_) == 0 :	\
	    g_ == w_;							\
	if (!tap_ok(eq_, "%s:%d: %s == %s", __FILE__, __LINE__, #got,	\
	    #want))							\
		tap_diag("   left: \"%s\"\n#  right: \"%s\"",		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

/* Prints the plan; use as `return done_testing();` from main. */
static int __attribute__((unused))
done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed > 0 ? 1 : 0;
}

#endif
