#ifndef TESTVIS_DIFFKIND_H
#define TESTVIS_DIFFKIND_H

/*
 * The kinds of diff-based integrity signal (SPEC INT-2), shared by the
 * scanner (diffscan.h) and its per-language patterns (diffpat.h).
 */
/* The signal kinds, in report order; names in diff_kind_names[]. */
enum diff_kind {
	DIFF_ASSERTION_REMOVED,		/* net assertion lines removed */
	DIFF_SKIP_ADDED,		/* net skip markers added */
	DIFF_XFAIL_ADDED,		/* net expected-failure markers added */
	DIFF_BROAD_EXCEPTION_ADDED,	/* net catch-all handlers added */
	DIFF__MAX
};

#endif
