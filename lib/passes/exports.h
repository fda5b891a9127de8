#ifndef TESTVIS_EXPORTS_H
#define TESTVIS_EXPORTS_H
#include <stddef.h>
#include <stdint.h>

struct config;
struct pass_ctx;

/* What an export job reads (query.kind), indexing export_kinds. */
enum export_kind {
	EXK_RUN,
	EXK_TEST_HISTORY,
	EXK_CATALOGUE,
	EXK_REPORT,
	EXK__MAX
};

extern const char *const export_kinds[];

int	 exports_dir(const struct config *, char *, size_t);
int	 exports_pass(struct pass_ctx *);

#endif
