#ifndef TESTVIS_INGESTCHECK_H
#define TESTVIS_INGESTCHECK_H
#include <stddef.h>
#include <jansson.h>

#include "buf.h"
#include "junit.h"

struct fault;

/*
 * One element of a JSON `results` array, checked and read as a testcase:
 * c's strings are borrowed from the element or held in the buffers.
 */
struct ingestcheck_result {
	struct junit_case	 c;
	struct buf		 tags, message, details;
	long long		 truncated;	/* texts cut to the limits */
};

int	 ingestcheck_sidecar(json_t *, struct fault *);
void	 ingestcheck_result_init(struct ingestcheck_result *);
void	 ingestcheck_result_free(struct ingestcheck_result *);
int	 ingestcheck_result(struct ingestcheck_result *, json_t *, size_t,
	    const struct junit_limits *, struct fault *);

#endif
