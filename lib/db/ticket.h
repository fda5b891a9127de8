#ifndef TESTVIS_TICKET_H
#define TESTVIS_TICKET_H
#include <stddef.h>
#include <stdint.h>

#include "auth.h"

struct db;

#define TICKET_LEN	96	/* a ticket fits in this many bytes */

int		 ticket_issue(struct db *, int64_t, const char *, int64_t,
		    int64_t, char *, size_t);
enum auth_result ticket_verify(struct db *, const char *, int64_t,
		    struct auth_token *);

#endif
