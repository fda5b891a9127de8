/*
 * The request layer every cgi-bin program runs on: a FastCGI accept loop
 * (or one plain CGI request when not started by a FastCGI server), route
 * matching (the pure parts are lib/web/route.c's), and all rejection that
 * needs no handler: 404, 405 with Allow, 413, 415, 400 for unknown,
 * duplicate, missing or invalid parameters, 503 when disabled or when the
 * database is unavailable, 401/403 by token scope and project.  Handlers
 * then read typed values only, by their index in the route's tables
 * (req_str(), req_int(), req_path()), and answer through req_json(), or
 * req_view() for what a lib/ view returned, or req_fault() for a fault a
 * lib/ module recorded: the one place a fault becomes a status, an error
 * code and details.  This module turns that into the HTTP response with
 * the security and caching headers, and logs one line.  What each
 * endpoint does is the cgi-bin program's business.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <malloc.h>

#include "arena.h"
#include "branch.h"
#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "cursor.h"
#include "db.h"
#include "fault.h"
#include "http.h"
#include "httpreq.h"
#include "jalloc.h"
#include "jval.h"
#include "log.h"
#include "project.h"
#include "respcache.h"
#include "ticket.h"
#include "trace.h"
#include "tvtime.h"
#include "utf8.h"
#include "xalloc.h"

extern char **environ;

/* A CGI/FastCGI parameter of this request, or NULL. */
const char *
req_env(struct req *r, const char *name)
{
	size_t n = strlen(name);
	char **e;

	for (e = r->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* The connection's context the request arrived on (http_srv_serve). */
void *
req_io_ctx(struct req *r)
{
	return r->io->ctx;
}

/* The request's arena: memory freed when the request ends. */
struct arena *
req_arena(struct req *r)
{
	return r->arena;
}

/* The database; NULL only for ROUTE_NODB routes when it is unavailable. */
struct db *
req_db(struct req *r)
{
	return r->srv->db;
}

/* The configuration (process-lifetime, borrowed). */
const struct config *
req_config(struct req *r)
{
	return r->srv->cfg;
}

/* The resolved project of a ROUTE_PROJECT route. */
int64_t
req_project_id(struct req *r)
{
	return r->project_id;
}

/* The slug of the request's project ("default" when not given). */
const char *
req_project(struct req *r)
{
	return r->project;
}

/* The verified bearer token, or NULL when the request carried none. */
const struct auth_token *
req_token(struct req *r)
{
	return r->have_token ? &r->token : NULL;
}

/* Index of name in a NULL-terminated spec table, or -1. */
static int
spec_index(const struct param_spec *spec, const char *name)
{
	int i;

	for (i = 0; spec != NULL && spec[i].name != NULL; i++)
		if (strcmp(spec[i].name, name) == 0)
			return i;
	return -1;
}

/* The number of entries of a NULL-terminated spec table. */
static int
spec_count(const struct param_spec *spec)
{
	int n = 0;

	while (spec != NULL && spec[n].name != NULL)
		n++;
	return n;
}

/*
 * The validated value of query key i (an index into the route's query
 * table); its present flag says whether the request carried it.  An
 * index the route does not declare is a programmer error.
 */
const struct param_value *
req_param(struct req *r, int i)
{
	if (i < 0 || i >= r->nquery)
		abort();
	return &r->queryv[i];
}

/* The text of query key i, or NULL when absent. */
const char *
req_str(struct req *r, int i)
{
	const struct param_value *v = req_param(r, i);

	return v->present ? v->s : NULL;
}

/*
 * The branch a view answers for (issue 13 item 4), from query key i: the
 * key's text when given, the project's default branch (branch_default:
 * "" for runs without one) when absent, and NULL for "*" (every branch).
 * *out is borrowed from the request.  Returns 0, or -1 on a database
 * error.
 */
int
req_branch(struct req *r, int i, const char **out)
{
	const char *b = req_str(r, i);
	char def[BRANCH_BYTES];

	if (b != NULL) {
		*out = strcmp(b, "*") == 0 ? NULL : b;
		return 0;
	}
	if (branch_default(req_db(r), r->project_id, req_config(r), def,
	    sizeof(def)) == -1)
		return -1;
	*out = arena_strdup(r->arena, def);
	return 0;
}

/*
 * The typed value of query key i (INT, ENUM index, TIME ms, BOOL), or
 * the default its table entry declares when absent.
 */
long long
req_int(struct req *r, int i)
{
	const struct param_value *v = req_param(r, i);

	return v->present ? v->i : r->route->query[i].def;
}

/* The value of path segment i (an index into the route's path table). */
static const struct param_value *
path_value(struct req *r, int i)
{
	if (i < 0 || i >= spec_count(r->route->path) || !r->pathv[i].present)
		abort();	/* programmer error: not this route's */
	return &r->pathv[i];
}

/* The decoded, validated text of path segment i. */
const char *
req_path(struct req *r, int i)
{
	return path_value(r, i)->s;
}

/* The value of PARAM_INT path segment i. */
long long
req_path_int(struct req *r, int i)
{
	return path_value(r, i)->i;
}

/* Content-Length of the request body (0 when none). */
long long
req_body_length(struct req *r)
{
	return r->body_len;
}

/*
 * Reads up to n bytes of the body into buf.  Returns the count, 0 at the
 * end of the body, or -1 when the client went away.
 */
ssize_t
req_body_read(struct req *r, void *buf, size_t n)
{
	ssize_t got;

	if (r->body_left <= 0)
		return 0;
	if ((long long)n > r->body_left)
		n = (size_t)r->body_left;
	if ((got = r->io->read(r->io->ctx, buf, n)) <= 0)
		return -1;
	r->body_left -= (long long)got;
	return (ssize_t)got;
}

/*
 * Reads the whole body as one JSON object of at most max bytes (for the
 * small admin endpoints).  Returns 0 with *out (caller owns it), or the
 * status of the error already answered: 413 too_large, 400 invalid_json
 * (with line and column) or 400 invalid_body (not an object).
 */
int
req_body_json(struct req *r, size_t max, json_t **out)
{
	struct buf b;
	json_error_t e;
	char chunk[8192];
	ssize_t k;
	int status = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if (r->body_len > (long long)max)
		return req_error(r, 413, "too_large", NULL, "the body is over "
		    "%zu bytes", max);
	while ((k = req_body_read(r, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)k);
	if (k < 0) {
		status = req_error(r, 400, "invalid_body", NULL, "the body "
		    "ended early");
	} else if ((*out = json_loadb(b.p != NULL ? b.p : "", b.len,
	    JSON_REJECT_DUPLICATES, &e)) == NULL) {
		status = req_error(r, 400, "invalid_json", NULL, "the body is "
		    "not valid JSON at line %d, column %d: %s", e.line,
		    e.column, e.text);
	} else if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		status = req_error(r, 400, "invalid_body", NULL, "the body "
		    "must be a JSON object");
	}
	buf_free(&b);
	return status;
}

/*
 * Uses a sane client-given X-Request-Id, or makes one: 8 hex digits of a
 * per-process random seed and 8 of a counter (unique, not secret; no
 * CSPRNG call per request).
 */
static void
req_set_id(struct req *r)
{
	const char *given = req_env(r, "HTTP_X_REQUEST_ID");
	size_t i, n;

	if (given != NULL && (n = strlen(given)) > 0 && n < sizeof(r->id)) {
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)given[i]) &&
			    strchr("._-", given[i]) == NULL)
				break;
		if (i == n) {
			memcpy(r->id, given, n + 1);
			return;
		}
	}
	if (r->srv->id_seed[0] == '\0' &&
	    crypto_random_hex(r->srv->id_seed, 8) == -1)
		snprintf(r->srv->id_seed, sizeof(r->srv->id_seed), "%08lx",
		    (unsigned long)getpid() & 0xffffffffUL);
	snprintf(r->id, sizeof(r->id), "%.8s%08llx", r->srv->id_seed,
	    ++r->srv->id_count & 0xffffffffULL);
}

/*
 * Predicate: the file system holding path has no block left for us.  A
 * WAL database cannot even be opened there (its -shm file needs room).
 */
static int
disk_full(const char *path)
{
	struct statvfs sv;

	return statvfs(path, &sv) == 0 && sv.f_bavail == 0;
}

/* What srv_db_check() found. */
enum db_state {
	DBS_OK,
	DBS_NO_OPEN,		/* cannot be opened */
	DBS_NO_USE,		/* opened, cannot be set up */
	DBS_NO_READ,		/* cannot read its schema level */
	DBS_OUTDATED		/* at another schema level */
};

/*
 * Makes sure the database is open and at the schema level this program
 * was built for; the handle is kept for the process life.  Returns what
 * it found (failures logged).
 */
static enum db_state
srv_db_check(struct srv *s)
{
	char err[512];

	if (s->db == NULL) {
		s->db = db_open(s->cfg->db, 0, err, sizeof(err));
		if (s->db == NULL) {
			log_error("%s", err);
			return DBS_NO_OPEN;
		}
		s->schema = -1;
		/* a request waits briefly for a writer, then 503 busy */
		db_busy_timeout(s->db, (int)s->cfg->busy_timeout_ms);
		if (db_limit_size(s->db, s->cfg->max_db_mb) == -1 ||
		    (s->app->db_init != NULL && s->app->db_init(s->db) == -1)) {
			log_error("cannot prepare the database connection");
			db_close(s->db);
			s->db = NULL;
			return DBS_NO_USE;
		}
	}
	if (s->schema != db_schema_latest()) {
		s->schema = db_schema_version(s->db);
		if (s->schema == -1) {
			db_close(s->db);
			s->db = NULL;
			return DBS_NO_READ;
		}
		if (s->schema != db_schema_latest())
			return DBS_OUTDATED;
	}
	return DBS_OK;
}

/*
 * The request's srv_db_check(): 0, or a 503 answer (code db_unavailable
 * or schema_outdated), or to a write 507 storage_full when the database
 * cannot be opened because its disk is full.
 */
static int
srv_db_ready(struct req *r)
{
	struct srv *s = r->srv;

	switch (srv_db_check(s)) {
	case DBS_OK:
		return 0;
	case DBS_NO_OPEN:
		if (r->route->method != HTTP_GET && disk_full(s->cfg->db))
			return req_error(r, 507, "storage_full", NULL,
			    "the database disk is full");
		return req_error(r, 503, "db_unavailable", NULL,
		    "the database cannot be opened");
	case DBS_NO_USE:
		return req_error(r, 503, "db_unavailable", NULL,
		    "the database cannot be used");
	case DBS_NO_READ:
		return req_error(r, 503, "db_unavailable", NULL,
		    "the database cannot be read");
	default:
		return req_error(r, 503, "schema_outdated", NULL,
		    "database schema is at level %d, this program "
		    "needs %d: run 'testvis migrate'", s->schema,
		    db_schema_latest());
	}
}

/* Stores the validated value of one query key; 0 or a 400 answer. */
static int
query_store(struct req *r, const struct param_spec *spec,
    struct param_value *v, const char *key, const char *val, size_t vlen)
{
	char why[256];

	if (v->present)
		return http_param_error(r, key, "duplicate",
		    "parameter '%s' given more than once", key);
	if (param_validate(spec, val, vlen, v, why, sizeof(why)) == -1)
		return http_param_error(r, key, "invalid",
		    "invalid parameter '%s': %s", key, why);
	return 0;
}

/*
 * Parses QUERY_STRING against the route's table plus the implicit keys:
 * `_` (cache-buster, any value, once) and, on ROUTE_PROJECT routes,
 * `project`.  Returns 0 or a 400 answer.
 */
static int
query_parse(struct req *r)
{
	static const struct param_spec project_spec =
	    { "project", PARAM_SLUG, 0, 0, 0, NULL, 0 };
	const struct param_spec *spec = r->route->query;
	const char *qs = req_env(r, "QUERY_STRING"), *p, *uri;
	struct param_value projectv, bustv;
	size_t n = 0, dk, dv;
	char *key, *val;
	int i, rc;

	n = (size_t)spec_count(spec);
	r->nquery = (int)n;
	r->queryv = arena_alloc(r->arena, (n + 1) * sizeof(*r->queryv));
	memset(r->queryv, 0, (n + 1) * sizeof(*r->queryv));
	memset(&projectv, 0, sizeof(projectv));
	memset(&bustv, 0, sizeof(bustv));
	/* Plain CGI callers may give only REQUEST_URI. */
	if (qs == NULL && (uri = req_env(r, "REQUEST_URI")) != NULL &&
	    (qs = strchr(uri, '?')) != NULL)
		qs++;
	for (p = qs != NULL ? qs : "";
	    (rc = route_query_next(r->arena, &p, &key, &dk, &val, &dv)) == 1;) {
		if ((i = spec_index(spec, key)) >= 0)
			rc = query_store(r, &spec[i], &r->queryv[i], key, val,
			    dv);
		else if (strcmp(key, "project") == 0 &&
		    (r->route->flags & ROUTE_PROJECT))
			rc = query_store(r, &project_spec, &projectv, key, val,
			    dv);
		else if (strcmp(key, "_") == 0)
			rc = bustv.present ? http_param_error(r, key, "duplicate",
			    "parameter '_' given more than once") :
			    (bustv.present = 1, 0);
		else
			rc = http_param_error(r, key, "unknown",
			    "unknown parameter '%.*s'", UTF8_CUT(key, 64));
		if (rc != 0)
			return rc;
	}
	if (rc == -1 && key == NULL)
		return http_param_error(r, "", "invalid",
		    "a query parameter name is not valid "
		    "percent-encoded UTF-8");
	if (rc == -1)
		return http_param_error(r, key, "invalid",
		    "invalid parameter '%s': not valid "
		    "percent-encoded UTF-8", key);
	for (i = 0; (size_t)i < n; i++)
		if (spec[i].required && !r->queryv[i].present)
			return http_param_error(r, spec[i].name, "missing",
			    "missing required parameter '%s'", spec[i].name);
	r->project = projectv.present ? projectv.s : "default";
	return 0;
}

/* Validates the {name} segments of the matched route; 0 or a 400. */
static int
path_params(struct req *r, const struct route_path *p)
{
	const char *s = r->route->pattern + 1, *e;
	char name[64], why[256];
	size_t k = 0, n, cnt = 0;
	int i;

	cnt = (size_t)spec_count(r->route->path);
	r->pathv = arena_alloc(r->arena, (cnt + 1) * sizeof(*r->pathv));
	memset(r->pathv, 0, (cnt + 1) * sizeof(*r->pathv));
	for (;; k++) {
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n >= 2 && s[0] == '{' && n - 2 < sizeof(name)) {
			memcpy(name, s + 1, n - 2);
			name[n - 2] = '\0';
			if ((i = spec_index(r->route->path, name)) < 0)
				abort();	/* route table bug */
			if (param_validate(&r->route->path[i], p->seg[k],
			    strlen(p->seg[k]), &r->pathv[i], why,
			    sizeof(why)) == -1)
				return http_param_error(r, name, "invalid",
				    "invalid path parameter '%s': %s", name,
				    why);
		}
		if (e == NULL)
			break;
		s = e + 1;
	}
	return 0;
}

/*
 * Checks Content-Length against max_body_bytes (413) and Content-Type
 * against the route's accepted types (415).  Returns 0 or the answer.
 */
static int
body_check(struct req *r)
{
	const char *cl = req_env(r, "CONTENT_LENGTH"), *ct;
	const char *const *t;
	char *end;
	size_t n;
	long long len = 0;

	if (cl != NULL && *cl != '\0') {
		errno = 0;
		len = strtoll(cl, &end, 10);
		if (*end != '\0' || errno != 0 || len < 0)
			return req_error(r, 400, "invalid_request", NULL,
			    "invalid Content-Length");
	}
	r->body_len = r->body_left = len;
	if (len > r->srv->cfg->max_body_bytes) {
		json_t *d = jval_object();
		jval_set(d, "limit_bytes",
		    jval_int(r->srv->cfg->max_body_bytes));
		return req_error(r, 413, "too_large", d, "request body of %lld "
		    "bytes is over the limit of %lld bytes", len,
		    r->srv->cfg->max_body_bytes);
	}
	if (len == 0)
		return 0;
	if (r->route->body_types == NULL)
		return req_error(r, 415, "unsupported_media_type", NULL,
		    "this endpoint takes no request body");
	ct = req_env(r, "CONTENT_TYPE");
	if (ct == NULL)
		ct = "";
	n = strcspn(ct, "; \t");
	for (t = r->route->body_types; *t != NULL; t++)
		if (strlen(*t) == n && strncasecmp(*t, ct, n) == 0)
			return 0;
	return req_error(r, 415, "unsupported_media_type", NULL,
	    "unsupported Content-Type '%.*s'", (int)utf8_prefix(ct, n, 100),
	    ct);
}

/*
 * For a ROUTE_TICKET route asked without an Authorization header: a
 * `ticket` query parameter (lib/db/ticket.c) stands for the token it was
 * issued to, with read scope.  Returns 0 (none given, or good: the
 * request then has that token) or a 401/503 answer.
 */
static int
ticket_check(struct req *r)
{
	int i = spec_index(r->route->query, "ticket");
	const char *t = i >= 0 && r->queryv[i].present ? r->queryv[i].s :
	    NULL;

	if (t == NULL)
		return 0;
	switch (ticket_verify(r->srv->db, t, tvtime_now_ms(), &r->token)) {
	case AUTH_OK:
		r->have_token = 1;
		return 0;
	case AUTH_ERROR:
		return req_error(r, 503, "db_unavailable", NULL,
		    "the database cannot be read");
	case AUTH_EXPIRED:
		return req_error(r, 401, "unauthorized", NULL, "the ticket "
		    "has expired: ask for a new one (POST /api/live/ticket)");
	case AUTH_REVOKED:
		return req_error(r, 401, "unauthorized", NULL, "the ticket's "
		    "token was revoked");
	default:
		return req_error(r, 401, "unauthorized", NULL,
		    "invalid ticket");
	}
}

/*
 * Applies the route's scope and the project binding (SEC-1).  A presented
 * token is always verified; a missing one is fine only where the config
 * makes the scope public.  Returns 0 or a 401/403/404/503 answer.
 */
static int
authorize(struct req *r)
{
	const struct config *cfg = r->srv->cfg;
	const char *h = req_env(r, "HTTP_AUTHORIZATION");
	enum scope need = r->route->scope;
	enum auth_result res;
	int found, rc;

	if (need == SCOPE_NONE)
		return 0;
	if ((h == NULL || *h == '\0') && (r->route->flags & ROUTE_TICKET) &&
	    (rc = ticket_check(r)) != 0)
		return rc;
	if (h != NULL && *h != '\0') {
		while (*h == ' ')
			h++;
		if (strncasecmp(h, "Bearer ", 7) != 0) {
			req_header(r, "WWW-Authenticate", "Bearer");
			return req_error(r, 401, "unauthorized", NULL,
			    "Authorization must be 'Bearer <token>'");
		}
		h += 7;
		while (*h == ' ')
			h++;
		res = auth_verify(r->srv->db, h, strlen(h), &r->token);
		switch (res) {
		case AUTH_OK:
			r->have_token = 1;
			break;
		case AUTH_REVOKED:
			req_header(r, "WWW-Authenticate", "Bearer");
			return req_error(r, 401, "unauthorized", NULL,
			    "token revoked");
		case AUTH_ERROR:
			return req_error(r, 503, "db_unavailable", NULL,
			    "the database cannot be read");
		default:
			req_header(r, "WWW-Authenticate", "Bearer");
			return req_error(r, 401, "unauthorized", NULL,
			    "unknown token");
		}
	}
	if (!r->have_token && !(need == SCOPE_READ &&
	    cfg->auth_read == AUTH_READ_PUBLIC) && !(need == SCOPE_INGEST &&
	    cfg->auth_ingest == AUTH_INGEST_OPEN)) {
		req_header(r, "WWW-Authenticate", "Bearer");
		return req_error(r, 401, "unauthorized", NULL,
		    "this endpoint needs a bearer token with scope '%s'",
		    auth_scope_name(need));
	}
	if (r->have_token && !auth_scope_covers(r->token.scope, need))
		return req_error(r, 403, "forbidden", NULL, "token scope '%s' "
		    "does not allow this (needs '%s')",
		    auth_scope_name(r->token.scope), auth_scope_name(need));
	if (!(r->route->flags & ROUTE_PROJECT))
		return 0;
	if (r->have_token && strcmp(r->token.project, r->project) != 0)
		return req_error(r, 403, "forbidden", NULL, "token belongs to "
		    "project '%s', not '%s'", r->token.project, r->project);
	/* projects are never deleted: a found slug stays valid */
	if (strcmp(r->srv->proj_slug, r->project) == 0) {
		r->project_id = r->srv->proj_id;
		return 0;
	}
	found = project_lookup(r->srv->db, r->project, &r->project_id);
	if (found == 1) {
		snprintf(r->srv->proj_slug, sizeof(r->srv->proj_slug), "%s",
		    r->project);
		r->srv->proj_id = r->project_id;
	}
	if (found == -1)
		return req_error(r, 503, "db_unavailable", NULL,
		    "the database cannot be read");
	if (found == 0)
		return req_error(r, 404, "not_found", NULL,
		    "unknown project '%s'", r->project);
	return 0;
}

/*
 * For a ROUTE_CACHED request: opens the read transaction the handler will
 * run in, drops cached answers of an older data version, and looks the
 * request up (key: project and URI).  Returns 0 to run the handler, 200
 * when r->hit answers, or a 503 answer.
 */
static int
cache_lookup(struct req *r)
{
	struct srv *s = r->srv;
	int64_t version;
	size_t n;

	if (db_read_begin(s->db, &version) == -1)
		return req_error(r, 503, "db_unavailable", NULL,
		    "the database cannot be read");
	if (s->cache == NULL)
		return 0;
	respcache_sync(s->cache, version);
	n = strlen(r->uri) + 24;
	r->cache_key = arena_alloc(r->arena, n);
	r->cache_klen = (size_t)snprintf(r->cache_key, n, "%lld %s",
	    (long long)r->project_id, r->uri);
	r->hit = respcache_get(s->cache, r->cache_key, r->cache_klen,
	    (int64_t)r->t0);
	return r->hit != NULL ? 200 : 0;
}

/*
 * lighttpd's server.error-handler (conf/lighttpd.conf.in) re-runs a
 * request that lighttpd refused itself (a request line it cannot parse,
 * 413 past server.max-request-size, 431, a FastCGI program that died) as
 * a GET of an /api/ URL with REDIRECT_STATUS set to that status.  Returns
 * the JSON error answer for it (5xx with Retry-After), or 0 when this is
 * an ordinary request (lighttpd sets REDIRECT_STATUS=200 on those).
 */
static int
server_error(struct req *r)
{
	static const struct {
		int		 status;
		const char	*code, *msg;
	} map[] = {
		{ 400, "invalid_request", "the server could not parse the "
		    "request (a control character or a malformed line)" },
		{ 408, "request_timeout", "the request did not arrive in time" },
		{ 411, "invalid_request", "the request needs a Content-Length" },
		{ 413, "too_large", "the request body is over the server's "
		    "limit" },
		{ 414, "too_large", "the request URI is too long" },
		{ 417, "invalid_request", "the Expect header is not supported" },
		{ 431, "too_large", "the request headers are too large" },
		{ 501, "not_implemented", "the server does not support this "
		    "request's method or encoding" },
		{ 505, "invalid_request", "the HTTP version is not supported" },
		{ 500, "internal", "internal error: the request was not "
		    "completed, retry it" },
	};
	const char *v = req_env(r, "REDIRECT_STATUS");
	char *end;
	long st;
	size_t i;

	if (v == NULL)
		return 0;
	st = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || st < 400 || st > 599)
		return 0;
	if (st >= 500)
		req_header(r, "Retry-After", "5");	/* a program died */
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].status == st)
			return req_error(r, (int)st, map[i].code, NULL, "%s",
			    map[i].msg);
	if (st >= 500)
		return req_error(r, (int)st, "unavailable", NULL, "the "
		    "service is unavailable, retry later");
	return req_error(r, (int)st, "invalid_request", NULL,
	    "the server refused the request (status %ld)", st);
}

/*
 * Runs every check in order, then the handler.  Order matters to what a
 * client learns: route (404/405), disabled (503), path/body/query (400,
 * 413, 415), database (503), authorization (401/403), project (404).
 */
static int
dispatch(struct req *r)
{
	const char *uri, *q, *method = r->method_text, *base;
	char allow[64];
	struct route_path p;
	enum http_method m;
	int rc, mi;
	size_t plen, blen;

	if ((rc = server_error(r)) != 0)
		return rc;
	if (r->srv->cfg == NULL)
		return req_error(r, 503, "config_error", NULL,
		    "the server configuration cannot be loaded");
	uri = req_env(r, "REQUEST_URI");
	if (uri == NULL || *uri == '\0') {
		const char *sn = req_env(r, "SCRIPT_NAME");
		const char *pi = req_env(r, "PATH_INFO");
		size_t a = sn ? strlen(sn) : 0, b = pi ? strlen(pi) : 0;
		char *t = arena_alloc(r->arena, a + b + 1);
		memcpy(t, sn ? sn : "", a);
		memcpy(t + a, pi ? pi : "", b);
		t[a + b] = '\0';
		uri = t;
	}
	r->uri = uri;
	q = strchr(uri, '?');
	plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	r->path = arena_strndup(r->arena, uri, plen);
	base = r->srv->cfg->base_path;
	blen = strlen(base);
	if (blen > 0) {
		if (plen < blen || memcmp(uri, base, blen) != 0 ||
		    (plen > blen && uri[blen] != '/'))
			return req_error(r, 404, "not_found", NULL,
			    "no such endpoint");
		uri += blen;
		plen -= blen;
	}
	if (route_path_split(r->arena, uri, plen, &p) == -1)
		return req_error(r, 400, "invalid_path", NULL,
		    "the request path is not valid percent-encoded UTF-8");
	mi = route_method_parse(method, &m) == 0 ? (int)m : -1;
	r->head = strcmp(method, "HEAD") == 0;
	rc = route_find(r->srv->app, &p, mi, &r->route, allow,
	    sizeof(allow));
	if (rc == 404)
		return req_error(r, 404, "not_found", NULL,
		    "no such endpoint: %.*s", UTF8_CUT(r->path, 200));
	if (rc == 405) {
		req_header(r, "Allow", allow);
		return req_error(r, 405, "method_not_allowed", NULL,
		    "method %.*s not allowed here (allowed: %s)", UTF8_CUT(method, 16),
		    allow);
	}
	if ((r->route->flags & ROUTE_GATED) && !r->srv->cfg->enabled)
		return req_error(r, 503, "disabled", NULL,
		    "the test visualizer is disabled on this server");
	if ((rc = path_params(r, &p)) != 0 || (rc = body_check(r)) != 0 ||
	    (rc = query_parse(r)) != 0)
		return rc;
	if ((rc = srv_db_ready(r)) != 0) {
		if (!(r->route->flags & ROUTE_NODB))
			return rc;
		/* the handler reports the state itself */
		r->err_code = NULL;
		if (r->err_details != NULL)
			json_decref(r->err_details);
		r->err_details = NULL;
	}
	if ((rc = authorize(r)) != 0)
		return rc;
	if ((r->route->flags & ROUTE_CACHED) && (rc = cache_lookup(r)) != 0)
		return rc;
	return r->route->handler(r);
}

/* Page cache a read program keeps between requests (db.c sets 16 MiB). */
#define KEEP_CACHE_BYTES	(16LL * 1024 * 1024)
/* Free heap above which the process gives memory back to the system. */
#define KEEP_FREE_BYTES		(4U * 1024 * 1024)
/* An answer longer than this is big: the heap is looked at after it. */
#define BIG_REQUEST_BYTES	(256U * 1024)
/* Small requests between two looks at the heap. */
#define CHECK_HEAP_EVERY	64

/*
 * Gives back what a big request left behind (issue 11 item 8, PERF-4: a
 * process stays under 32 MB): the page cache an upload grew, then the
 * heap glibc keeps after large frees.  glibc's heap is looked at after a
 * request that read or wrote much (big), and every CHECK_HEAP_EVERY
 * requests: mallinfo2() walks every free list, a cost a small GET should
 * not pay each time (issue 18).
 */
static void
srv_memory_return(struct srv *s, int big)
{
	if (s->db != NULL)
		db_shrink(s->db, KEEP_CACHE_BYTES);
	if (!big && s->id_count % CHECK_HEAP_EVERY != 0)
		return;
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
	if (mallinfo2().fordblks > KEEP_FREE_BYTES)
		malloc_trim(0);
#elif defined(__GLIBC__)
	malloc_trim(0);
#endif
}

/*
 * A handler that failed on the database without saying why answers what
 * the database said: 503 busy with Retry-After when another writer held
 * the lock past busy_timeout_ms, 507 storage_full when the disk (or the
 * max_db_mb cap) is full; anything else stays as the handler said.
 */
static int
storage_status(struct req *r, int status)
{
	if (status < 500 || r->err_code != NULL || r->srv->db == NULL)
		return status;
	switch (db_failure(r->srv->db)) {
	case DB_FAIL_BUSY:
		req_header(r, "Retry-After", "2");
		return req_error(r, 503, "busy", NULL, "the database is busy "
		    "with another writer: try again");
	case DB_FAIL_FULL:
		return req_error(r, 507, "storage_full", NULL, "the database "
		    "disk is full");
	default:
		return status;
	}
}

/*
 * Tags span with the request's entities: the project, every path
 * parameter and the query keys naming an id ("testvis.run_id").
 */
static void
req_trace_ids(struct req *r, struct trace_span *sp)
{
	const struct param_spec *spec;
	char key[80];
	size_t n;
	int i;

	if (r->project_id > 0) {
		trace_attr_int(sp, "testvis.project_id", r->project_id);
		trace_attr_str(sp, "testvis.project", r->project);
	}
	if (r->route == NULL)
		return;
	for (spec = r->route->path, i = 0; r->pathv != NULL && spec != NULL &&
	    spec[i].name != NULL; i++)
		if (r->pathv[i].present) {
			snprintf(key, sizeof(key), "testvis.%s", spec[i].name);
			trace_attr_str(sp, key, r->pathv[i].s);
		}
	for (spec = r->route->query, i = 0; r->queryv != NULL &&
	    spec != NULL && spec[i].name != NULL; i++)
		if (r->queryv[i].present && (n = strlen(spec[i].name)) > 3 &&
		    strcmp(spec[i].name + n - 3, "_id") == 0) {
			snprintf(key, sizeof(key), "testvis.%s", spec[i].name);
			trace_attr_str(sp, key, r->queryv[i].s);
		}
}

/*
 * Completes the SERVER span (semantic conventions: "GET /api/tests/{id}",
 * http.* and url.path; ERROR status for a 5xx) and ends it, which writes
 * the request's trace.
 */
static void
req_trace_end(struct req *r, int status)
{
	struct trace_span *sp = r->span;
	char name[160];

	if (sp == NULL)
		return;
	if (r->route != NULL) {
		snprintf(name, sizeof(name), "%s %s", r->method_text,
		    r->route->pattern);
		trace_set_name(sp, name);
		trace_attr_str(sp, "http.route", r->route->pattern);
	}
	trace_attr_str(sp, "http.request.method", r->method_text);
	trace_attr_int(sp, "http.response.status_code", status);
	trace_attr_str(sp, "url.path", r->path);
	trace_attr_str(sp, "testvis.request_id", r->id);
	req_trace_ids(r, sp);
	if (r->cache_key != NULL)
		trace_attr_str(sp, "testvis.cache", r->hit != NULL ? "hit" :
		    "miss");
	if (status >= 400 && r->err_code != NULL)
		trace_attr_str(sp, "error.type", r->err_code);
	if (status >= 500)
		trace_error(sp, r->err_code);
	trace_end(sp);
}

/* The request's SERVER span (NULL when tracing is off): a parent. */
struct trace_span *
req_trace(struct req *r)
{
	return r->span;
}

/*
 * Starts a span for one view (a lib/ function answering the request)
 * named name (a literal), tagged with the request's entities.  NULL when
 * tracing is off.  End it with req_span_end().
 */
struct trace_span *
req_span(struct req *r, const char *name)
{
	struct trace_span *sp = trace_begin(r->span, name);

	if (sp != NULL)
		req_trace_ids(r, sp);
	return sp;
}

/*
 * Ends a view span: rc is the view's return (-1: failed; for a single
 * entity 0: not found), out its answer (borrowed, may be NULL) and list
 * the member of out holding the rows (NULL: out is the array of rows, or
 * one entity).  Records testvis.result_count: the rows, or 1 / 0 for an
 * entity.
 */
void
req_span_end(struct req *r, struct trace_span *sp, int rc, json_t *out,
    const char *list)
{
	if (sp == NULL)
		return;
	if (rc == -1)
		trace_error(sp, "storage");
	trace_attr_int(sp, "testvis.result_count", json_is_array(out) ?
	    (long long)json_array_size(out) : list != NULL ?
	    (long long)json_array_size(json_object_get(out, list)) :
	    out != NULL && rc != 0);
	trace_end(sp);
}

/* req_span_end() for an answer written as text: its list's rows. */
void
req_span_rows(struct req *r, struct trace_span *sp, int rc, long rows)
{
	if (sp == NULL)
		return;
	if (rc == -1)
		trace_error(sp, "storage");
	trace_attr_int(sp, "testvis.result_count", rc == 1 ? rows : 0);
	trace_end(sp);
}

/* Serves one request end to end and logs it; returns the status sent. */
static int
serve(struct srv *s, struct req *r)
{
	int status;
	const char *m;

	r->srv = s;
	r->arena = s->arena;
	r->t0 = tvtime_mono_ms();
	buf_init(&r->headers);
	req_set_id(r);
	m = req_env(r, "REQUEST_METHOD");
	r->method_text = m != NULL ? m : "GET";
	if (s->db != NULL)
		db_failure_clear(s->db);
	r->span = trace_start(s->tracer, req_env(r, "HTTP_TRACEPARENT"),
	    r->method_text, TRACE_SERVER);
	status = storage_status(r, dispatch(r));
	status = http_respond(r, status);
	req_trace_end(r, status);
	if (s->db != NULL)
		db_idle(s->db);
	/* this connection's own writes do not move the data version */
	if (r->route != NULL && r->route->method != HTTP_GET) {
		respcache_clear(s->cache);
		s->wrote = 1;
	}
	log_request(r->id, trace_id(r->span), r->method_text, r->path != NULL ?
	    r->path : "-", status, r->bytes_out, tvtime_mono_ms() - r->t0);
	if (r->json != NULL)
		json_decref(r->json);
	buf_free(&r->text);
	if (r->err_details != NULL)
		json_decref(r->err_details);
	buf_free(&r->headers);
	arena_reset(s->arena);
	/* what reads a body (an upload) is never a GET */
	srv_memory_return(s, r->bytes_out > BIG_REQUEST_BYTES ||
	    r->route == NULL || r->route->method != HTTP_GET);
	return status;
}

/* Joins the names of a parameter table into b ("a,b,c"). */
static void
spec_names(struct buf *b, const char *label, const struct param_spec *spec)
{
	int i;

	buf_printf(b, " %s=", label);
	for (i = 0; spec != NULL && spec[i].name != NULL; i++)
		buf_printf(b, "%s%s", i ? "," : "", spec[i].name);
}

/*
 * Appends " path.NAME=R" to b for each path parameter in spec: R is what
 * the parameter may look like in the decoded URL path, as a regular
 * expression, for the lighttpd routing (bin/gen-lighttpd-routes): a fixed
 * number of hex digits is [0-9a-f]{N}, so that lighttpd sends other ids
 * on to the catch-all 404; a run id may hold "/" (sent as %2F, which
 * lighttpd decodes before it matches), so .+; any other is [^/]+.
 */
static void
spec_shapes(struct buf *b, const struct param_spec *spec)
{
	for (; spec != NULL && spec->name != NULL; spec++) {
		buf_printf(b, " path.%s=", spec->name);
		if (spec->kind == PARAM_HEX && spec->min == spec->max)
			buf_printf(b, "[0-9a-f]{%lld}", spec->min);
		else if (spec->kind == PARAM_RUNID)
			buf_puts(b, ".+");
		else
			buf_puts(b, "[^/]+");
	}
}

/*
 * Prints the route table, one route a line: "METHOD PATTERN scope=S
 * flags=gated,project,nodb path=a,b query=c,d body=t1,t2 path.a=R ...",
 * and " procs=1" for a program that holds every client in one process.
 * The OpenAPI test compares this with the published document; the
 * lighttpd routing is generated from it (spec_shapes).
 */
void
http_print_routes(const struct app *app)
{
	const struct route *rt;
	const char *const *t;
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < app->nroutes; i++) {
		rt = &app->routes[i];
		buf_reset(&b);
		buf_printf(&b, "%s %s scope=%s flags=%s%s%s",
		    route_method_name(rt->method), rt->pattern,
		    auth_scope_name(rt->scope),
		    rt->flags & ROUTE_GATED ? "gated," : "",
		    rt->flags & ROUTE_PROJECT ? "project," : "",
		    rt->flags & ROUTE_NODB ? "nodb," : "");
		spec_names(&b, "path", rt->path);
		spec_names(&b, "query", rt->query);
		buf_puts(&b, " body=");
		for (t = rt->body_types; t != NULL && *t != NULL; t++)
			buf_printf(&b, "%s%s", t != rt->body_types ? "," : "",
			    *t);
		spec_shapes(&b, rt->path);
		if (app->one_process)
			buf_puts(&b, " procs=1");
		printf("%s\n", b.p);
	}
	buf_free(&b);
}

/*
 * The server state of a program: loads the configuration named by
 * TESTVIS_CONF (a failure is logged and answered 503 to every request),
 * the response cache and the tracer.  Free it with http_srv_close().
 */
struct srv *
http_srv_open(const struct app *app)
{
	struct srv *s = xcalloc(1, sizeof(*s));

	s->app = app;
	s->schema = -1;
	log_set_tag(app->name);
	s->cfg = config_load(getenv("TESTVIS_CONF"), s->cfg_err,
	    sizeof(s->cfg_err));
	if (s->cfg == NULL)
		log_error("config: %s", s->cfg_err);
	s->arena = arena_new();
	if (s->cfg != NULL) {
		s->cache = respcache_new((size_t)s->cfg->response_cache_kb *
		    1024, CACHE_TTL_MS);
		s->tracer = trace_open(s->cfg->trace_file,
		    s->cfg->trace_max_bytes, app->name);
	}
	return s;
}

/* Closes what http_srv_open() opened, and s. */
void
http_srv_close(struct srv *s)
{
	if (s == NULL)
		return;
	db_close(s->db);
	respcache_free(s->cache);
	trace_close(s->tracer);
	config_free(s->cfg);
	arena_free(s->arena);
	free(s);
}

/* The configuration (borrowed), or NULL when it could not be loaded. */
const struct config *
http_srv_config(struct srv *s)
{
	return s->cfg;
}

/*
 * The database, opened and at this program's schema level, for work a
 * program does outside requests (the live program's watcher); NULL when
 * it is not available now (logged).  Borrowed.
 */
struct db *
http_srv_db(struct srv *s)
{
	if (s->cfg == NULL)
		return NULL;
	return srv_db_check(s) == DBS_OK ? s->db : NULL;
}

/*
 * Serves one request whose CGI parameters are envp ("NAME=value", NULL
 * ended; borrowed) on the connection io: routes, checks, runs the
 * handler, answers and logs.  Returns the status sent.
 */
int
http_srv_serve(struct srv *s, char **envp, const struct http_io *io)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.envp = envp;
	r.io = io;
	return serve(s, &r);
}

/*
 * After an answer has gone out: a request that may have written (an
 * upload leaves its commit in the write-ahead log, db_checkpoint())
 * copies the log into the database file now, while no client waits.
 */
static void
http_srv_settle(struct srv *s)
{
	if (s->wrote && s->db != NULL)
		(void)db_checkpoint(s->db, DB_CKPT_NOW);
	s->wrote = 0;
}

/* http_io for plain CGI: the body on stdin, the answer on stdout. */
static ssize_t
cgi_read(void *ctx, void *buf, size_t n)
{
	size_t k = fread(buf, 1, n, stdin);

	return k > 0 ? (ssize_t)k : ferror(stdin) ? -1 : 0;
}

static int
cgi_write(void *ctx, const void *data, size_t n)
{
	return fwrite(data, 1, n, stdout) == n ? 0 : -1;
}

/* http_io for a libfcgi request (ctx: the FCGX_Request). */
static ssize_t
fcgx_read(void *ctx, void *buf, size_t n)
{
	FCGX_Request *fr = ctx;
	int k = FCGX_GetStr(buf, (int)(n > 0x40000000 ? 0x40000000 : n),
	    fr->in);

	return k > 0 ? k : 0;
}

static int
fcgx_write(void *ctx, const void *data, size_t n)
{
	FCGX_Request *fr = ctx;
	const char *p = data;

	while (n > 0) {
		int k = n > 0x40000000 ? 0x40000000 : (int)n;
		if (FCGX_PutStr(p, k, fr->out) < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Whether the FastCGI request's input has been read to its end, reading
 * on when the program left it (a GET's empty body: the FCGI_STDIN
 * terminator came with the parameters, already buffered).  Then the
 * connection can be closed outright: nothing lighttpd sent is left
 * unread, so nothing is lost.  A body the program did not read (an
 * early refusal) answers a byte here, not EOF.
 */
static int
fcgx_input_read(FCGX_Request *fr)
{
	return FCGX_HasSeenEOF(fr->in) == EOF || FCGX_GetChar(fr->in) == EOF;
}

/*
 * The main loop of every cgi-bin program but the live one: serves
 * FastCGI requests one at a time until the server stops it, or exactly
 * one request when run as plain CGI.  `--routes` prints the route table
 * instead (for the OpenAPI test and the lighttpd routing).  Returns the
 * exit status.
 */
int
http_main(const struct app *app, int argc, char **argv)
{
	struct srv *s;
	FCGX_Request fr;
	struct http_io io;

	if (argc == 2 && strcmp(argv[1], "--routes") == 0) {
		http_print_routes(app);
		return 0;
	}
	umask(007);
	signal(SIGPIPE, SIG_IGN);
	jalloc_install();
	s = http_srv_open(app);
	if (FCGX_IsCGI()) {
		io.read = cgi_read;
		io.write = cgi_write;
		io.ctx = NULL;
		http_srv_serve(s, environ, &io);
		fflush(stdout);
		http_srv_settle(s);
	} else {
		if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
			log_error("cannot initialize FastCGI");
			return 1;
		}
		io.read = fcgx_read;
		io.write = fcgx_write;
		io.ctx = &fr;
		while (FCGX_Accept_r(&fr) >= 0) {
			http_srv_serve(s, fr.envp, &io);
			/*
			 * libfcgi's close of an attached request shuts the
			 * connection down and waits for lighttpd to close
			 * its end (poll, read: up to 2 s), in case it sent
			 * more; a detached one is closed at once.
			 */
			if (fcgx_input_read(&fr))
				FCGX_Detach(&fr);
			FCGX_Finish_r(&fr);
			http_srv_settle(s);
		}
		FCGX_Free(&fr, 1);
	}
	http_srv_close(s);
	return 0;
}
