/*
 * Fuzz harness for the diff scanner (lib/passes/diffscan.c): the input is the
 * diff of an upload's `diff` part.  Invariants from lib/passes/diffscan.h: every
 * string handed out is NUL-free valid UTF-8, finding texts and contexts
 * are at most 200 bytes, counts are positive, lines 1-based, kinds known;
 * a path matches itself, and matching is symmetric.
 */
#include <string.h>

#include "diffscan.h"
#include "fuzz.h"
#include "utf8.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diffscan *ds = diffscan_run((const char *)data, size);
	const struct diff_finding *fd;
	const struct diff_file *fl;
	size_t i, n;

	n = diffscan_nfiles(ds);
	for (i = 0; i < n; i++) {
		fl = diffscan_file(ds, i);
		FUZZ_CHECK(fl != NULL && fl->path != NULL);
		FUZZ_CHECK(utf8_valid(fl->path, strlen(fl->path)));
		FUZZ_CHECK(fl->is_test == diffscan_is_test_path(fl->path));
		/* a path names itself; matching is symmetric */
		if (fl->path[0] != '\0' && fl->path[0] != '.')
			FUZZ_CHECK(diffscan_path_matches(fl->path, fl->path));
		FUZZ_CHECK(diffscan_path_matches(fl->path,
		    diffscan_file(ds, 0)->path) == diffscan_path_matches(
		    diffscan_file(ds, 0)->path, fl->path));
	}
	n = diffscan_nfindings(ds);
	for (i = 0; i < n; i++) {
		fd = diffscan_finding(ds, i);
		FUZZ_CHECK(fd != NULL && fd->file != NULL &&
		    fd->text != NULL && fd->context != NULL);
		FUZZ_CHECK(fd->kind >= 0 && fd->kind < DIFF__MAX);
		FUZZ_CHECK(fd->count > 0 && fd->line >= 1);
		FUZZ_CHECK(strlen(fd->text) <= 200 &&
		    strlen(fd->context) <= 200);
		FUZZ_CHECK(utf8_valid(fd->file, strlen(fd->file)) &&
		    utf8_valid(fd->text, strlen(fd->text)) &&
		    utf8_valid(fd->context, strlen(fd->context)));
	}
	FUZZ_CHECK(diffscan_truncated(ds) == 0 || diffscan_truncated(ds) == 1);
	diffscan_free(ds);
	return 0;
}
