#ifndef TESTVIS_HTTP_H
#define TESTVIS_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "auth.h"
#include "param.h"

struct arena;
struct config;
struct db;
struct fault;
struct req;
struct trace_span;

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

/*
 * One endpoint: method + path pattern ("/api/tests/{test_id}/history"),
 * the scope it needs, validators for its {segments} and query keys, the
 * body media types it accepts (NULL: no body) and its handler.  The
 * handler returns an HTTP status after req_json() or req_error().
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

struct app {
	const char		*name;
	const struct route	*routes;
	size_t			 nroutes;
	int			(*db_init)(struct db *);	/* or NULL */
};

int		 http_main(const struct app *, int, char **);

/* For handlers: the request's validated inputs ... */
struct arena	*req_arena(struct req *);
struct db	*req_db(struct req *);
const struct config *req_config(struct req *);
const char	*req_db_error(struct req *);
int64_t		 req_project_id(struct req *);
const char	*req_project(struct req *);
const struct auth_token *req_token(struct req *);
const struct param_value *req_param(struct req *, const char *);
const char	*req_opt_str(struct req *, const char *);
long long	 req_opt_int(struct req *, const char *, long long);
int		 req_bad_param(struct req *, const char *, const char *);
const char	*req_path(struct req *, const char *);
const char	*req_env(struct req *, const char *);
long long	 req_body_length(struct req *);
ssize_t		 req_body_read(struct req *, void *, size_t);
int		 req_body_json(struct req *, size_t, json_t **);
int		 req_fault(struct req *, const struct fault *);

/* ... its trace (all NULL when tracing is off): spans for the views. */
struct trace_span *req_trace(struct req *);
struct trace_span *req_span(struct req *, const char *);
void		 req_span_end(struct req *, struct trace_span *, int, json_t *,
		    const char *);

/* ... and its answer. */
int		 req_json(struct req *, int, json_t *);
int		 req_error(struct req *, int, const char *, json_t *,
		    const char *, ...) __attribute__((format(printf, 5, 6)));
void		 req_header(struct req *, const char *, const char *);

/* Exposed for unit tests: the pure parts of request routing. */
int		 http_method_parse(const char *, enum http_method *);
const char	*http_method_name(enum http_method);
int		 http_percent_decode(const char *, size_t, char *, size_t *,
		    int);



/* A request path split into decoded segments (arena-owned). */
#define HTTP_MAX_SEGS 16
struct http_path {
	size_t	 n;
	char	*seg[HTTP_MAX_SEGS];
};

int	 http_path_split(struct arena *, const char *, size_t,
	    struct http_path *);
int	 http_route_find(const struct app *, const struct http_path *, int,
	    const struct route **, char *, size_t);
int	 http_query_next(struct arena *, const char **, char **, size_t *,
	    char **, size_t *);
#endif
