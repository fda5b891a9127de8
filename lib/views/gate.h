#ifndef TESTVIS_GATE_H
#define TESTVIS_GATE_H
#include <stdint.h>
#include <jansson.h>

struct config;
struct db;

/* The rules a run is judged by (testvis.conf gate_*, or a request's). */
struct gate_rules {
	long long	 max_new_failures;
	int		 severity;	/* gate_severities index; 4: off */
	long long	 max_count_drop;
	long long	 min_pass_rate_pct;	/* 0: no such rule */
	/* 1: a run the integrity pass has not judged yet fails ("pending");
	 * set when the caller waited (wait=) */
	int		 need_checked;
};

/* The longest wait= a request may ask for, in seconds. */
#define GATE_WAIT_MAX	300

extern const char *const gate_severities[];

void	 gate_rules_of(const struct config *, const char *,
	    struct gate_rules *);
int	 gate_wait(struct db *, int64_t, const char *, long long, long long);
int	 gate_judge(struct db *, int64_t, const char *,
	    const struct gate_rules *, json_t **);

#endif
