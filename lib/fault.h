#ifndef TESTVIS_FAULT_H
#define TESTVIS_FAULT_H

/*
 * Why an operation on client input failed, in HTTP terms: the status and
 * code the client will see, a message naming what was wrong, and for XML
 * errors the position.  Filled by the module that found the cause.
 */
struct fault {
	int		 status;	/* 0: no fault */
	const char	*code;		/* static string, e.g. "invalid_xml" */
	char		 msg[400];
	int		 line, column;	/* invalid_xml only, else 0 */
	long long	 limit;		/* too_large: the limit hit */
};

void	 fault_set(struct fault *, int, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));

#endif
