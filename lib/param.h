#ifndef TESTVIS_PARAM_H
#define TESTVIS_PARAM_H
#include <stddef.h>

/* What a parameter's text must look like; each kind has one validator. */
enum param_kind {
	PARAM_INT,	/* decimal integer in min..max */
	PARAM_ENUM,	/* exactly one of choices; stores the index */
	PARAM_STRING,	/* UTF-8 without NUL or control chars, min..max chars */
	PARAM_TIME,	/* ISO-8601 (tvtime_parse_iso8601); stores ms */
	PARAM_SLUG,	/* project slug [a-z0-9][a-z0-9-]{0,63} */
	PARAM_HEX,	/* lower-case hex digits, min..max of them */
	PARAM_RUNID,	/* run id [A-Za-z0-9._:/-]{1,128} */
	PARAM_BOOL,	/* true/false/1/0 */
	PARAM__MAX
};

/* One declared parameter.  A table of them ends with a NULL name. */
struct param_spec {
	const char		*name;
	enum param_kind		 kind;
	int			 required;
	long long		 min, max;
	const char *const	*choices;	/* PARAM_ENUM, NULL-terminated */
};

/* A validated value; s points into caller-owned memory. */
struct param_value {
	int		 present;
	long long	 i;	/* INT, ENUM index, TIME ms, BOOL */
	const char	*s;	/* the text as received (decoded) */
	size_t		 len;
};

int	 param_validate(const struct param_spec *, const char *, size_t,
	    struct param_value *, char *, size_t);
int	 param_is_slug(const char *, size_t);

#endif
