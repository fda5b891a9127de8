#ifndef TESTVIS_FAULT_H
#define TESTVIS_FAULT_H

/*
 * What went wrong, as the module that found the cause knows it.  The kind
 * decides how the client is answered (lib/web/http.c req_fault() is the one
 * place that turns a fault into a response); the code names the cause
 * for the client ("invalid_xml").
 */
enum fault_kind {
	FAULT_NONE,		/* no fault recorded */
	FAULT_BAD_INPUT,	/* the client's input is wrong: 400 */
	FAULT_NOT_FOUND,	/* it names something that does not exist */
	FAULT_CONFLICT,		/* it contradicts what is stored */
	FAULT_TOO_LARGE,	/* it is over a limit (limit says which) */
	FAULT_BUSY,		/* another writer held the database: retry */
	FAULT_FULL,		/* the database disk is full */
	FAULT_STORAGE,		/* the database failed (logged) */
	FAULT_INTERNAL,		/* anything else failed (logged) */
	FAULT__MAX
};

struct fault {
	enum fault_kind	 kind;
	const char	*code;		/* static string, e.g. "invalid_xml" */
	char		 msg[400];
	int		 line, column;	/* invalid_xml only, else 0 */
	long long	 limit;		/* FAULT_TOO_LARGE: the limit hit */
	const char	*param;		/* the parameter at fault, or NULL */
	const char	*reason;	/* with param: "missing", "invalid" */
};

void	 fault_set(struct fault *, enum fault_kind, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	 fault_param(struct fault *, const char *, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
int	 fault_status(const struct fault *);

#endif
