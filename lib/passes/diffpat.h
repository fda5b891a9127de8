#ifndef TESTVIS_DIFFPAT_H
#define TESTVIS_DIFFPAT_H
#include <stddef.h>

#include "diffkind.h"

/* Languages, chosen by file extension. */
enum lang {
	L_PY,
	L_JS,
	L_JAVA,		/* and Kotlin */
	L_GO,
	L_C,		/* and C++ */
	L_RB,
	L_PHP,
	L_CS,
	L__MAX
};

/* Pattern flags; see pat_match(). */
#define P_START		0x01	/* only at the start of the code */
#define P_WORD		0x02	/* not followed by an identifier character */
#define P_CALL		0x04	/* followed by identifier characters and '(' */
#define P_EOL		0x08	/* nothing follows */
#define P_RAW		0x10	/* matched on the raw line, comments included */
#define P_NODOT		0x20	/* not preceded by '.' (not a method) */
#define P_ANY		0x40	/* no word boundary needed before */
#define P_NOASSIGN	0x80	/* not followed by an assignment '=' */

struct pat {
	const char	*s;
	unsigned	 fl;
};

/* Catch clause shapes, see catch_broad(). */
enum catch_style {
	K_NONE,
	K_JS,		/* empty body on the same line, .catch(noop) */
	K_JAVA,		/* Exception / Throwable, Java or Kotlin syntax */
	K_CPP,		/* catch (...) */
	K_PHP,		/* \Exception / \Throwable */
	K_CS		/* Exception, or a bare catch */
};

#define C_HASH		0x01	/* '#' starts a comment */
#define C_SLASH		0x02	/* '//', '/ *', leading '*' are comments */
#define C_ATTR		0x04	/* but "#[" is an attribute (PHP) */

struct lang_def {
	unsigned		 comments;
	enum catch_style	 catch_style;
	const struct pat	*pats[DIFF__MAX];
};

/* A file extension and the language it means. */
struct diffpat_ext {
	const char	*ext;
	enum lang	 lang;
};

/* Indexed by enum lang; each lang's pats[] indexed by enum diff_kind. */
extern const struct lang_def	 diffpat_langs[L__MAX];
/* The order in which a line is classified: one kind per line. */
extern const enum diff_kind	 diffpat_class_order[DIFF__MAX];
extern const struct diffpat_ext	 diffpat_exts[];
extern const size_t		 diffpat_nexts;

#endif
