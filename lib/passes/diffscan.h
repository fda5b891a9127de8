#ifndef TESTVIS_DIFFSCAN_H
#define TESTVIS_DIFFSCAN_H
#include <stddef.h>

/*
 * Diff-based integrity signals (SPEC INT-2): what a unified diff changed,
 * and which test files lost assertions or gained skips, expected failures
 * or catch-all handlers.  See lib/passes/diffscan.c for the rules.  Every string
 * handed out is owned by the struct diffscan, NUL-free and valid UTF-8
 * (invalid bytes of the diff become '?').
 */

#include "diffkind.h"

/* "assertion_removed", "skip_added", "xfail_added", "broad_exception_added" */
extern const char *const diff_kind_names[DIFF__MAX];

/*
 * One finding: in test file `file`, `count` (> 0) more lines of `kind`
 * were removed (assertions) or added (the others) than the opposite.
 * `line` is the 1-based line of the first matching line (old-file line for
 * removals, new-file line for additions), `text` that line trimmed, and
 * `context` the function context of its hunk header ("" when none); both
 * trimmed and at most 200 bytes.
 */
struct diff_finding {
	const char	*file;
	enum diff_kind	 kind;
	int		 count;
	int		 line;
	const char	*text;
	const char	*context;
};

/* One changed file: the new path, or the old one for a deletion. */
struct diff_file {
	const char	*path;
	int		 is_test;
};

struct diffscan;

struct diffscan		*diffscan_run(const char *, size_t);
void			 diffscan_free(struct diffscan *);
size_t			 diffscan_nfiles(const struct diffscan *);
const struct diff_file	*diffscan_file(const struct diffscan *, size_t);
size_t			 diffscan_nfindings(const struct diffscan *);
const struct diff_finding *diffscan_finding(const struct diffscan *, size_t);
int			 diffscan_truncated(const struct diffscan *);
int			 diffscan_is_test_path(const char *);
int			 diffscan_path_matches(const char *, const char *);

#endif
