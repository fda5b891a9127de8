#ifndef TESTVIS_ALERTDELIVER_H
#define TESTVIS_ALERTDELIVER_H
#include <stdint.h>

struct alerts_tally;
struct alertsend_result;
struct config;
struct db;
struct pass_ctx;

/* One queued notification, as read for sending (strings borrowed). */
struct alert_delivery {
	int64_t		 id, project_id, firing_id;	/* firing 0: none */
	int64_t		 attempts;			/* made before */
	const char	*kind, *channel, *body, *rule_name;
	const char	*url, *secret;		/* NULL: the rule is gone */
};

/* What became of a delivery after an attempt. */
enum alert_state { AS_DELIVERED, AS_RETRY, AS_FAILED };

int	 alertdeliver_one(struct db *, const struct config *,
	    const struct alert_delivery *, int64_t, int,
	    struct alertsend_result *, int *);
int	 alertdeliver_due(struct pass_ctx *, struct alerts_tally *);

#endif
