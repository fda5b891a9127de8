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

/*
 * One declared parameter.  A table of them ends with a NULL name; a
 * program indexes its tables with an enum of its own (kcgi's keys), so a
 * handler names a parameter by a constant the compiler knows.
 */
struct param_spec {
	const char		*name;
	enum param_kind		 kind;
	int			 required;
	long long		 min, max;
	const char *const	*choices;	/* PARAM_ENUM, NULL-terminated */
	long long		 def;	/* the typed value when absent */
};

/* The longest cursor a list accepts (it only ever issues shorter ones). */
#define PARAM_CURSOR_MAX	2048

/*
 * The two keys of every paged list, at index limit and limit + 1 of a
 * table: "limit" (1..max rows, def when absent) and "cursor".
 */
#define PARAM_PAGE(limit, max, def) \
	[limit] = { "limit", PARAM_INT, 0, 1, (max), NULL, (def) }, \
	[(limit) + 1] = { "cursor", PARAM_STRING, 0, 1, PARAM_CURSOR_MAX, \
	    NULL, 0 }

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
