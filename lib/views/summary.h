#ifndef TESTVIS_SUMMARY_H
#define TESTVIS_SUMMARY_H
#include <stdint.h>

#include "gate.h"

struct buf;
struct db;

/* The most entries a list of the summary may show (max_failures). */
#define SUMMARY_LIST_MAX	50

/* How a run summary is written (GET .../summary.md, testvis summary). */
struct summary_opts {
	struct gate_rules	 rules;		/* the gate's */
	int			 max_failures;	/* 1..50 */
	const char		*public_url;	/* "": relative links */
	const char		*project;	/* slug, for the links */
};

int	 summary_build(struct db *, int64_t, const char *,
	    const struct summary_opts *, struct buf *);

#endif
