#ifndef TESTVIS_ALERTS_H
#define TESTVIS_ALERTS_H
#include <stdint.h>
#include <jansson.h>

struct alert_rule;
struct db;
struct pass_ctx;

/* What one pass did: the summary line's figures. */
struct alerts_tally {
	long		 events, fired, reminded, suppressed, resolved;
	long		 delivered, retrying, failed;
};

int	 alerts_pass(struct pass_ctx *);
json_t	*alerts_payload(const char *, const struct alert_rule *, const char *,
	    int64_t, const char *, const char *, json_t *, int64_t, int64_t,
	    int64_t);

#endif
