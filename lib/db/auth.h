#ifndef TESTVIS_AUTH_H
#define TESTVIS_AUTH_H
#include <stdint.h>
#include <jansson.h>

struct db;

/* What a route needs and what a token grants (SEC-1). */
enum scope {
	SCOPE_NONE,
	SCOPE_READ,
	SCOPE_INGEST,
	SCOPE_ADMIN,
	SCOPE__MAX
};

enum auth_result {
	AUTH_OK,
	AUTH_MALFORMED,
	AUTH_UNKNOWN,
	AUTH_REVOKED,
	AUTH_EXPIRED,
	AUTH_ERROR
};

#define AUTH_ID_LEN	12
#define AUTH_TOKEN_LEN	64	/* "tv_" id "_" 48 hex digits */

/* A verified token. */
struct auth_token {
	char		 id[AUTH_ID_LEN + 1];
	int64_t		 project_id;
	char		 project[65];
	enum scope	 scope;
};

const char	*auth_scope_name(enum scope);
int		 auth_scope_parse(const char *, enum scope *);
int		 auth_scope_covers(enum scope, enum scope);
enum auth_result auth_verify(struct db *, const char *, size_t,
		    struct auth_token *);
enum auth_result auth_token_by_id(struct db *, const char *,
		    struct auth_token *);
int		 auth_token_create(struct db *, int64_t, enum scope,
		    const char *, char [AUTH_TOKEN_LEN + 1]);
json_t		*auth_token_list(struct db *, int64_t);
int		 auth_token_revoke(struct db *, const char *);

#endif
