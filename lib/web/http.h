#ifndef TESTVIS_HTTP_H
#define TESTVIS_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "auth.h"
#include "param.h"
#include "route.h"

struct buf;

struct arena;
struct config;
struct db;
struct fault;
struct req;
struct trace_span;

/*
 * A connection a request arrives on: the body is read and the answer
 * written through it.  read returns a count, 0 at the end, -1 when the
 * client went away; write 0, or -1 when the client went away.
 */
struct http_io {
	ssize_t		(*read)(void *, void *, size_t);
	int		(*write)(void *, const void *, size_t);
	void		*ctx;
};

/* A program's server state (lib/web/http.c). */
struct srv;

int		 http_main(const struct app *, int, char **);
void		 http_print_routes(const struct app *);
struct srv	*http_srv_open(const struct app *);
void		 http_srv_close(struct srv *);
int		 http_srv_serve(struct srv *, char **, const struct http_io *);
const struct config *http_srv_config(struct srv *);
struct db	*http_srv_db(struct srv *);

/*
 * For handlers: the request's validated inputs.  Query keys and path
 * segments are named by their index in the route's table.
 */
struct arena	*req_arena(struct req *);
struct db	*req_db(struct req *);
const struct config *req_config(struct req *);
int64_t		 req_project_id(struct req *);
const char	*req_project(struct req *);
const struct auth_token *req_token(struct req *);
const struct param_value *req_param(struct req *, int);
const char	*req_str(struct req *, int);
int		 req_branch(struct req *, int, const char **);
long long	 req_int(struct req *, int);
const char	*req_path(struct req *, int);
long long	 req_path_int(struct req *, int);
const char	*req_env(struct req *, const char *);
void		*req_io_ctx(struct req *);
long long	 req_body_length(struct req *);
ssize_t		 req_body_read(struct req *, void *, size_t);
int		 req_body_json(struct req *, size_t, json_t **);

/* ... its trace (all NULL when tracing is off): spans for the views. */
struct trace_span *req_trace(struct req *);
struct trace_span *req_span(struct req *, const char *);
void		 req_span_end(struct req *, struct trace_span *, int, json_t *,
		    const char *);
void		 req_span_rows(struct req *, struct trace_span *, int, long);

/* ... and its answer. */
int		 req_json(struct req *, int, json_t *);
int		 req_view(struct req *, int, json_t *);
int		 req_text(struct req *, int, struct buf *);
int		 req_fault(struct req *, const struct fault *);
int		 req_not_found(struct req *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 req_error(struct req *, int, const char *, json_t *,
		    const char *, ...) __attribute__((format(printf, 5, 6)));
void		 req_header(struct req *, const char *, const char *);
#define HTTP_ETAG_LEN	24
void		 req_etag(const json_t *, char [HTTP_ETAG_LEN]);
int		 req_if_match(struct req *, const json_t *);
void		 req_stream(struct req *, const char *);
void		 req_stream_write(struct req *, const void *, size_t);

#endif
