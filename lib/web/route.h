#ifndef TESTVIS_ROUTE_H
#define TESTVIS_ROUTE_H
#include <stddef.h>

#include "auth.h"
#include "param.h"

struct arena;
struct db;
struct req;

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP__MAX
};

/* Route flags */
#define ROUTE_GATED	0x01	/* 503 "disabled" when enabled = false */
#define ROUTE_PROJECT	0x02	/* takes ?project=, resolved and authorized */
#define ROUTE_NODB	0x04	/* runs even when the database is down */
/* a GET whose answer depends on the URL and the data only: it runs in one
 * read snapshot and its answer may come from the response cache */
#define ROUTE_CACHED	0x08
/* may authenticate with a `ticket` query key instead of a bearer token
 * (lib/db/ticket.c): for a browser's EventSource */
#define ROUTE_TICKET	0x10
/* The usual flags of a read route and of a cached read route. */
#define ROUTE_READ	(ROUTE_GATED | ROUTE_PROJECT)
#define ROUTE_READ_CACHED (ROUTE_READ | ROUTE_CACHED)

/*
 * One endpoint: method + path pattern ("/api/tests/{test_id}/history"),
 * the scope it needs, validators for its {segments} and query keys (each
 * table indexed by an enum of the program's), the body media types it
 * accepts (NULL: no body) and its handler.  The handler returns an HTTP
 * status after req_json(), req_view(), req_fault() or req_error().
 */
struct route {
	enum http_method	 method;
	const char		*pattern;
	enum scope		 scope;
	unsigned		 flags;
	const struct param_spec	*path;
	const struct param_spec	*query;
	const char *const	*body_types;
	int			(*handler)(struct req *);
};

/* A program: its name for the log and its route table. */
struct app {
	const char		*name;
	const struct route	*routes;
	size_t			 nroutes;
	int			(*db_init)(struct db *);	/* or NULL */
	/* 1: one process holds every client (the live program); the
	 * lighttpd routing then spawns one, streaming its answers */
	int			 one_process;
};

/* A request path split into decoded segments (arena-owned). */
#define ROUTE_MAX_SEGS 16
struct route_path {
	size_t	 n;
	char	*seg[ROUTE_MAX_SEGS];
};

int	 route_method_parse(const char *, enum http_method *);
const char *route_method_name(enum http_method);
int	 route_percent_decode(const char *, size_t, char *, size_t *, int);
int	 route_path_split(struct arena *, const char *, size_t,
	    struct route_path *);
int	 route_find(const struct app *, const struct route_path *, int,
	    const struct route **, char *, size_t);
int	 route_query_next(struct arena *, const char **, char **, size_t *,
	    char **, size_t *);

#endif
