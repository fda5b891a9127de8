#ifndef TESTVIS_GATE_H
#define TESTVIS_GATE_H
#include <stdint.h>
#include <jansson.h>

struct db;

/* The rules a run is judged by (testvis.conf gate_*, or a request's). */
struct gate_rules {
	long long	 max_new_failures;
	int		 severity;	/* gate_severities index; 4: off */
	long long	 max_count_drop;
	long long	 min_pass_rate_pct;	/* 0: no such rule */
};

extern const char *const gate_severities[];

int	 gate_judge(struct db *, int64_t, const char *,
	    const struct gate_rules *, json_t **);

#endif
