#ifndef TESTVIS_IDENT_H
#define TESTVIS_IDENT_H
#include <stddef.h>
#include <stdint.h>

#define TEST_ID_LEN	16
#define FINGERPRINT_LEN	12
/*
 * What ident_fingerprint_own computes: 1 hashed the type, message and
 * top frames of every failure; 2 leaves the test's own frames out (by
 * cause, issue 13 item 7).  Raise it whenever a fingerprint of stored
 * texts would change: the batch `fingerprints` pass
 * (lib/passes/refinger.c) then recomputes the stored ones once.
 */
#define FINGERPRINT_VERSION	2

struct buf;

/* What names a test's own stack frames: its file, class and function
 * (borrowed, each may be NULL). */
struct ident_own {
	const char	*file;
	const char	*classname;
	const char	*function;
};

const char	*ident_cap(const char *, size_t, struct buf *);
const char	*ident_path(const char *, const char *, const char *);
void		 ident_test_id(const char *, const char *, const char *,
		    char [TEST_ID_LEN + 1]);
int64_t		 ident_test_key(const char *);
void		 ident_split_params(const char *, struct buf *, struct buf *);
void		 ident_normalize(const char *, struct buf *);
void		 ident_fingerprint(const char *, const char *, const char *,
		    char [FINGERPRINT_LEN + 1]);
void		 ident_fingerprint_own(const char *, const char *,
		    const char *, const struct ident_own *,
		    char [FINGERPRINT_LEN + 1]);

#endif
