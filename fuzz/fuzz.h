#ifndef TESTVIS_FUZZ_H
#define TESTVIS_FUZZ_H
#include <stddef.h>
#include <stdint.h>

struct fault;
struct stream;

/*
 * The entry point of every harness in fuzz/: libFuzzer calls it with each
 * input it tries; fuzz/driver.c calls it with each file named on its
 * command line.  Returns 0 (libFuzzer's convention); a broken invariant
 * aborts through fuzz_check().
 */
int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct stream	*fuzz_stream(const uint8_t *, size_t, struct fault *);
void		 fuzz_check(int, const char *, const char *, int);
int		 fuzz_clean_text(const char *);

/* Aborts with the failed condition when cond is false. */
#define FUZZ_CHECK(cond) fuzz_check(!!(cond), #cond, __FILE__, __LINE__)

#endif
