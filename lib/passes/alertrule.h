#ifndef TESTVIS_ALERTRULE_H
#define TESTVIS_ALERTRULE_H
#include <stdint.h>
#include <jansson.h>

struct fault;

/* What a rule watches for (REP-5); alert_conditions names them. */
enum alert_cond {
	AC_RUN_FAILED,		/* a run with failures or errors */
	AC_PASS_RATE,		/* pass rate of the last N runs under X% */
	AC_NEW_FAILURE,		/* failing now, not in the previous run */
	AC_FLAKY,		/* the flaky pass found a flaky test */
	AC_INCIDENT,		/* a test started failing on a branch */
	AC_SIGNAL,		/* an integrity signal at a severity or more */
	AC_DURATION,		/* a run slower than its recent median */
	AC_COUNT_DROP,		/* fewer tests than the previous run */
	AC__MAX
};

/* Where a notification goes, and in which body (webhook only). */
enum alert_channel { ACH_WEBHOOK, ACH_LOG };
enum alert_format { AF_JSON, AF_SLACK };

/* One rule's definition, as alertrule_parse() read it. */
struct alert_rule {
	int64_t		 id;
	char		 name[128];
	int		 cond;		/* enum alert_cond */
	char		 branch[256];	/* a glob (fnmatch), "*": any */
	char		 job[160];	/* "": any */
	int64_t		 cooldown_s;
	int		 threshold_pct;	/* AC_PASS_RATE */
	int		 runs;		/* AC_PASS_RATE window, AC_DURATION */
	int		 min_severity;	/* AC_SIGNAL: 0 low .. 3 critical */
	int		 regression_pct;	/* AC_DURATION */
	int		 min_drop;	/* AC_COUNT_DROP */
	int		 channel;	/* enum alert_channel */
	int		 format;	/* enum alert_format */
	int		 enabled;
};

extern const char *const alert_conditions[];
extern const char *const alert_severities[];

int	 alertrule_parse(const json_t *, int, struct alert_rule *, json_t **,
	    struct fault *);
int	 alertrule_run_level(int);
int	 alertrule_matches(const struct alert_rule *, const char *,
	    const char *);
int	 alertrule_severity(const char *);

#endif
