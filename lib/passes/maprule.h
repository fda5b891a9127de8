#ifndef TESTVIS_MAPRULE_H
#define TESTVIS_MAPRULE_H
#include <stddef.h>

/*
 * Mapping tests to product features (SPEC MAP-1): feature path checks,
 * the mapping rules file and the path heuristics.  Pure: no I/O, no SQL.
 */

#define MAPRULE_PATH_MAX	255	/* bytes in a feature path */
#define MAPRULE_SEG_MAX		64	/* bytes in one segment */
#define MAPRULE_DEPTH_MAX	8	/* segments in a feature path */
#define MAPRULE_RULES_MAX	10000	/* rules in one rules file */
#define MAPRULE_LINE_MAX	4096	/* bytes in one line of it */

/* Confidences of the providers (MAP-1); import rows carry their own. */
#define MAPRULE_CONF_MANUAL	1.0
#define MAPRULE_CONF_EXPLICIT	0.95
#define MAPRULE_CONF_RULE	0.9
#define MAPRULE_CONF_HEUR_DIR	0.6	/* heuristic with a domain */
#define MAPRULE_CONF_HEUR	0.5	/* heuristic, feature alone */
#define MAPRULE_CONF_PRIMARY	0.5	/* a primary needs at least this */
#define MAPRULE_UNMAPPED	"unmapped"

/* What the rules and heuristics look at; any field may be NULL or "". */
struct maprule_test {
	const char	*file;
	const char	*classname;
	const char	*name;
	const char	*tags;		/* comma-separated */
};

struct maprules;

int		 maprule_feature_norm(const char *, char *, size_t,
		    const char **);
struct maprules	*maprule_parse(const char *, size_t, const char *, char *,
		    size_t);
size_t		 maprule_count(const struct maprules *);
size_t		 maprule_match(const struct maprules *,
		    const struct maprule_test *, const char **, size_t);
void		 maprule_free(struct maprules *);
int		 maprule_heuristic(const struct maprule_test *, char *, size_t,
		    double *);

#endif
