#ifndef TESTVIS_JUNIT_H
#define TESTVIS_JUNIT_H
#include <stdint.h>

struct buf;
struct fault;
struct stream;

enum tv_status {
	ST_PASSED,
	ST_FAILED,
	ST_ERROR,
	ST_SKIPPED,
	ST__MAX
};

/* One testcase as read; every pointer is borrowed for the callback only. */
struct junit_case {
	const char	*name;
	const char	*classname;	/* "" when absent */
	const char	*file;		/* "" when absent */
	long		 line;		/* 0 when unknown */
	const char	*suite_path;	/* enclosing suites, " / "-joined */
	enum tv_status	 status;
	long long	 duration_ms;	/* -1 when unknown */
	int		 attempts;	/* >= 1 */
	int		 flaky_in_run;
	long long	 assertions;	/* -1 when absent */
	const char	*message;	/* NULL when none */
	const char	*error_type;
	const char	*details;
	const char	*out;
	const char	*err;
	const char	*tags;		/* properties tag/tags, ","-joined */
	const char	*owner;
	const char	*feature;
	const char	*domain;
};

struct junit_limits {
	long long	 message_max;
	long long	 text_max;
};

/* What the whole report said, plus counts of what was tolerated. */
struct junit_info {
	int64_t		 started_at;	/* earliest suite timestamp, or -1 */
	long long	 duration_ms;	/* root time or sum of suites, or -1 */
	long long	 cases;
	long long	 bad_times;	/* unparseable time attributes */
	long long	 unnamed;	/* testcases without a name, named */
	long long	 truncated;	/* texts cut to the limits */
	long long	 suite_output;	/* suite-level output ignored */
};

const char	*junit_status_name(enum tv_status);
const char	*junit_text_cap(struct buf *, const char *, long long);
int		 junit_status_parse(const char *, enum tv_status *);
long long	 junit_parse_seconds(const char *);
int		 junit_read(struct stream *, const struct junit_limits *,
		    int (*)(void *, const struct junit_case *), void *,
		    struct junit_info *, struct fault *);

#endif
