#ifndef TESTVIS_HTTPREQ_H
#define TESTVIS_HTTPREQ_H
/*
 * Private to the request layer (lib/web/http.c, httpanswer.c): the
 * per-process server and per-request state.  Handlers never see these;
 * they use the req_*() functions of http.h.
 */
#include <stdarg.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"

struct app;
struct arena;
struct config;
struct db;
struct http_io;
struct param_value;
struct respcache;
struct route;
struct trace_span;
struct respcache_entry;
struct tracer;

#define MAX_QUERY_KEYS	64
#define ERRMSG_LEN	512

/* Process-lifetime state: configuration and the database handle. */
struct srv {
	const struct app	*app;
	struct config		*cfg;		/* NULL: config_err says why */
	char			 cfg_err[512];
	struct db		*db;		/* NULL until it opens */
	int			 schema;	/* level found, -1 unknown */
	struct arena		*arena;
	char			 id_seed[17];	/* request ids: seed + count */
	unsigned long long	 id_count;
	char			 proj_slug[65];	/* last project found */
	int64_t			 proj_id;
	struct respcache	*cache;		/* NULL: caching off */
	struct tracer		*tracer;	/* NULL: tracing off */
	int			 wrote;		/* last request may have written */
};

/* How long a cached answer may be served (answers may depend on the clock). */
#define CACHE_TTL_MS	1000

/* Per-request state, reset for every request of the FastCGI loop. */
struct req {
	struct srv		*srv;
	struct arena		*arena;
	const struct http_io	*io;		/* the connection (borrowed) */
	char			**envp;		/* its parameters (borrowed) */
	char			 id[33];
	double			 t0;
	const char		*method_text;
	int			 head;		/* HEAD: answer as GET, no body */
	char			*path;		/* for the log, without query */
	const char		*uri;		/* as requested, with query */
	const struct route	*route;
	struct param_value	*pathv;		/* parallel to route->path */
	struct param_value	*queryv;	/* parallel to route->query */
	int			 nquery;	/* its length */
	int64_t			 project_id;
	const char		*project;
	int			 have_token;
	struct auth_token	 token;
	long long		 body_len;
	long long		 body_left;
	/* the answer */
	json_t			*json;
	struct buf		 text;		/* or its JSON text (req_text) */
	const char		*err_code;
	char			 err_msg[ERRMSG_LEN];
	json_t			*err_details;
	struct buf		 headers;	/* extra "Name: value\r\n" */
	unsigned long long	 bytes_out;
	/* ROUTE_CACHED: the key, and the entry answering when it was found */
	char			*cache_key;
	size_t			 cache_klen;
	const struct respcache_entry *hit;
	struct trace_span	*span;		/* the SERVER span, or NULL */
	int			 streamed;	/* req_stream(): headers sent */
};

int	 http_respond(struct req *, int);
void	 http_out_write(struct req *, const char *, size_t);
int	 http_param_error(struct req *, const char *, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

#endif
