#ifndef TESTVIS_REPORTS_H
#define TESTVIS_REPORTS_H
#include <stdint.h>
#include <jansson.h>

struct db;
struct fault;

/* What a report can be grouped by (REP-1). */
enum report_key {
	RK_DAY,
	RK_WEEK,
	RK_MONTH,
	RK_BRANCH,
	RK_JOB,
	RK_SUITE,
	RK_DOMAIN,
	RK_FEATURE,
	RK_OWNER,
	RK__MAX
};

#define REPORT_KEYS_MAX		2	/* keys in a group_by */
#define REPORT_GROUPS_MAX	5000	/* groups in one answer */

/* A report definition resolved for one computation (strings borrowed
 * from the definition; NULL: no filter). */
struct report_query {
	int64_t		 from, to;	/* ms: started_at in [from, to) */
	const char	*branch;	/* NULL: every branch */
	const char	*job, *status, *suite, *tag, *domain, *feature;
	const char	*owner;
	int		 keys[REPORT_KEYS_MAX];	/* enum report_key */
	int		 nkeys;
};

extern const char *const report_keys[];

/* reportdef.c: definitions, their storage */
int	 reports_save(struct db *, int64_t, json_t *, int64_t, int64_t *,
	    json_t **, struct fault *);
int	 reports_definition(struct db *, int64_t, int64_t, json_t **);
int	 reports_list(struct db *, int64_t, json_t **);
int	 reports_resolve(const json_t *, const char *, int64_t,
	    struct report_query *, struct fault *);

/* reports.c: answers */
int	 reports_compute(struct db *, int64_t, int64_t, const json_t *,
	    const struct report_query *, json_t **, struct fault *);
int	 reports_drilldown(struct db *, int64_t, int64_t,
	    const struct report_query *, const char *, int, const char *,
	    int, json_t **, struct fault *);

#endif
