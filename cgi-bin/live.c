/*
 * testvis-live: live updates as Server-Sent Events (LIVE-1, API-14).
 * GET /api/live (a project's events), GET /api/tests/{test_id}/live (one
 * test's), and POST /api/live/ticket, which turns a bearer token into a
 * short-lived ticket a browser's EventSource can put in its URL.
 *
 * One process holds every client: lighttpd spawns it once (max-procs 1)
 * and hands it the listening socket; lib/web/fcgiloop.c keeps all the
 * connections in one epoll loop, so a live client never occupies a
 * process that serves JSON.  Requests go through the same request layer
 * as every program (routes, parameters, tokens: lib/web/http.c); a
 * stream's handler answers the replay and leaves the connection open.
 * A watcher reads the events committed since its last look once every
 * live_poll_ms, whoever listens (polling on both engines: one indexed
 * query a tick, however many clients), and writes each event's frame to
 * every client it matches.  Clients get a keepalive comment when quiet
 * and are closed after live_idle_s without events; the browser then
 * reconnects with Last-Event-ID and its replay loses nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/stat.h>

#include <fcgiapp.h>

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "events.h"
#include "fcgiloop.h"
#include "http.h"
#include "jval.h"
#include "log.h"
#include "ticket.h"
#include "tvtime.h"
#include "xalloc.h"

#define POLL_ROWS	500	/* events read per query of the watcher */
#define POLL_PAGES	20	/* ... and queries per tick at most */

/* One client following a stream. */
struct client {
	struct fcgiconn		*conn;
	int64_t			 project_id;
	struct events_filter	 f;		/* its strings owned here */
	int64_t			 last_id;	/* newest event looked at */
	int64_t			 last_write;	/* monotonic ms */
	int64_t			 last_event;
	struct client		*prev, *next;
};

/* The program: its request layer, loop, reader and clients. */
struct live {
	struct srv		*srv;
	const struct config	*cfg;
	struct fcgiloop		*loop;
	struct events		*ev;		/* on ev_db */
	struct db		*ev_db;
	struct client		*clients;
	size_t			 nclients;
	int64_t			 watermark;	/* newest event fanned out */
	int64_t			 now;		/* monotonic ms of this turn */
	int64_t			 next_check;	/* keepalive and idle */
	struct client		*attached;	/* by the handler just run */
};

static struct live L;

/* The connection a request is served on, for the http_io below. */
struct conn_io {
	struct fcgiconn		*conn;
	const char		*body;
	size_t			 blen, off;
};

/* http_io.read: the body lib/web/fcgiloop.c collected. */
static ssize_t
conn_read(void *ctx, void *buf, size_t n)
{
	struct conn_io *c = ctx;

	if (n > c->blen - c->off)
		n = c->blen - c->off;
	memcpy(buf, c->body + c->off, n);
	c->off += n;
	return (ssize_t)n;
}

/* http_io.write: queued on the connection. */
static int
conn_write(void *ctx, const void *data, size_t n)
{
	struct conn_io *c = ctx;

	return fcgiconn_write(c->conn, data, n);
}

/* The event reader on the database the request layer has open now. */
static struct events *
reader(struct db *db)
{
	if (db == NULL)
		return NULL;
	if (L.ev == NULL || L.ev_db != db) {
		events_free(L.ev);
		L.ev = events_new(db);
		L.ev_db = db;
	}
	return L.ev;
}

/* Frees a client (already unlinked). */
static void
client_free(struct client *c)
{
	free((char *)c->f.job);
	free((char *)c->f.branch);
	free((char *)c->f.test_id);
	free(c);
}

/* Unlinks c from the client list and from its connection. */
static void
client_unlink(struct client *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		L.clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	L.nclients--;
	fcgiconn_set_data(c->conn, NULL);
}

/* Query keys of both streams. */
enum { Q_TYPES, Q_JOB, Q_BRANCH, Q_LAST, Q_TICKET, Q__MAX };
static const struct param_spec q_live[] = {
	[Q_TYPES] = { "types", PARAM_STRING, 0, 1, 1024, NULL, 0 },
	[Q_JOB] = { "job", PARAM_STRING, 0, 1, 255, NULL, 0 },
	[Q_BRANCH] = { "branch", PARAM_STRING, 0, 1, 255, NULL, 0 },
	[Q_LAST] = { "last_event_id", PARAM_INT, 0, 0, INT64_MAX, NULL, 0 },
	[Q_TICKET] = { "ticket", PARAM_STRING, 0, 1, TICKET_LEN, NULL, 0 },
	{ NULL, 0, 0, 0, 0, NULL, 0 }
};

enum { PT_TEST_ID, PT__MAX };
static const struct param_spec p_test[] = {
	[PT_TEST_ID] = { "test_id", PARAM_HEX, 1, 16, 16, NULL, 0 },
	{ NULL, 0, 0, 0, 0, NULL, 0 }
};

/*
 * The id a reconnecting client had: `last_event_id`, else the
 * Last-Event-ID header EventSource sends; -1 for a new client.  Returns
 * 0, or a 400 answer.
 */
static int
last_event_id(struct req *r, int64_t *out)
{
	const char *h = req_env(r, "HTTP_LAST_EVENT_ID");
	char *end;
	long long v;

	*out = -1;
	if (req_str(r, Q_LAST) != NULL) {
		*out = req_int(r, Q_LAST);
		return 0;
	}
	if (h == NULL || *h == '\0')
		return 0;
	v = strtoll(h, &end, 10);
	if (*end != '\0' || v < 0 || h[0] == '-' || h[0] == '+')
		return req_error(r, 400, "invalid_request", NULL,
		    "Last-Event-ID must be an event id (a number)");
	*out = v;
	return 0;
}

/* Fills the client's filter from the request; 0 or a 400/404/503. */
static int
client_filter(struct req *r, struct events *ev, struct events_filter *f,
    int test)
{
	const char *types = req_str(r, Q_TYPES);
	char bad[80];
	int rc;

	memset(f, 0, sizeof(*f));
	f->types = EV_ALL;
	if (types != NULL && events_types_parse(types, &f->types, bad,
	    sizeof(bad)) == -1) {
		json_t *d = jval_object();
		jval_set(d, "param", jval_str("types"));
		jval_set(d, "reason", jval_str("invalid"));
		return req_error(r, 400, "invalid_param", d, "unknown event "
		    "type '%s' in 'types'", bad);
	}
	f->job = req_str(r, Q_JOB);
	f->branch = req_str(r, Q_BRANCH);
	if (!test)
		return 0;
	f->test_id = req_path(r, PT_TEST_ID);
	if ((rc = events_test_find(ev, req_project_id(r), f->test_id,
	    &f->test)) == -1)
		return 503;
	if (rc == 0)
		return req_not_found(r, "unknown test '%s'", f->test_id);
	return 0;
}

/* Keeps the stream of request r open as a client following f. */
static void
attach(struct req *r, const struct events_filter *f, int64_t last_id)
{
	struct conn_io *io = req_io_ctx(r);
	struct client *c;

	c = xcalloc(1, sizeof(*c));
	c->conn = io->conn;
	c->project_id = req_project_id(r);
	c->f = *f;
	c->f.job = f->job != NULL ? xstrdup(f->job) : NULL;
	c->f.branch = f->branch != NULL ? xstrdup(f->branch) : NULL;
	c->f.test_id = f->test_id != NULL ? xstrdup(f->test_id) : NULL;
	c->last_id = last_id;
	c->last_write = c->last_event = L.now;
	c->next = L.clients;
	if (L.clients != NULL)
		L.clients->prev = c;
	L.clients = c;
	L.nclients++;
	fcgiconn_set_data(c->conn, c);
	if (L.watermark < 0 || L.watermark > last_id)
		L.watermark = last_id;
	L.attached = c;
}

/*
 * A stream (LIVE-1): 503 with Retry-After at live_max_clients; 400 for
 * an unknown type or a bad Last-Event-ID; 404 for an unknown test; then
 * 200 text/event-stream with the replay, kept open (plain CGI: the
 * replay only; the browser reconnects).
 */
static int
stream(struct req *r, int test)
{
	struct events *ev = reader(req_db(r));
	struct events_filter f;
	struct buf out;
	int64_t after, upto;
	char *reset;
	size_t rlen;
	int rc, was_reset;
	const char *m = req_env(r, "REQUEST_METHOD");

	if (L.nclients >= (size_t)L.cfg->live_max_clients) {
		req_header(r, "Retry-After", "5");
		return req_error(r, 503, "live_full", NULL, "this server "
		    "holds its maximum of %lld live clients: retry later",
		    L.cfg->live_max_clients);
	}
	if ((rc = last_event_id(r, &after)) != 0 ||
	    (rc = client_filter(r, ev, &f, test)) != 0)
		return rc;
	if ((upto = events_last_id(ev)) == -1)
		return 503;
	buf_init(&out);
	buf_puts(&out, "retry: 3000\n\n");
	if (after > upto)
		after = upto;	/* an id of another database: from now */
	if (events_replay(ev, req_project_id(r), &f, after,
	    (int)L.cfg->live_replay, (int)L.cfg->live_replay_max, upto, &out,
	    &was_reset) == -1) {
		buf_free(&out);
		return 503;
	}
	req_stream(r, "text/event-stream; charset=utf-8");
	if (was_reset) {
		reset = events_reset_frame((long)L.cfg->live_replay_max, &rlen);
		req_stream_write(r, reset, rlen);
		free(reset);
	}
	req_stream_write(r, out.p, out.len);
	buf_free(&out);
	if (req_io_ctx(r) != NULL && (m == NULL || strcmp(m, "HEAD") != 0))
		attach(r, &f, upto);
	return 200;
}

/* GET /api/live: the project's events. */
static int
h_live(struct req *r)
{
	return stream(r, 0);
}

/* GET /api/tests/{test_id}/live: one test's events. */
static int
h_test_live(struct req *r)
{
	return stream(r, 1);
}

/*
 * POST /api/live/ticket: 200 {ticket, expires_at, ttl_seconds}: the
 * ticket follows the project's streams, as the token that asked (read
 * only), for live_ticket_ttl_s.  503 on a database error.
 */
static int
h_ticket(struct req *r)
{
	const struct auth_token *t = req_token(r);
	int64_t now = tvtime_now_ms();
	int64_t exp = now + L.cfg->live_ticket_ttl_s * 1000;
	char ticket[TICKET_LEN];
	json_t *o;

	if (ticket_issue(req_db(r), req_project_id(r), t != NULL ? t->id :
	    NULL, exp, now, ticket, sizeof(ticket)) == -1)
		return 503;
	o = jval_object();
	jval_set(o, "ticket", jval_str(ticket));
	jval_set(o, "expires_at", jval_time(exp));
	jval_set(o, "ttl_seconds", jval_int(L.cfg->live_ticket_ttl_s));
	return req_json(r, 200, o);
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/live", SCOPE_READ, ROUTE_READ | ROUTE_TICKET, NULL,
	    q_live, NULL, h_live },
	{ HTTP_POST, "/api/live/ticket", SCOPE_READ, ROUTE_READ, NULL, NULL,
	    NULL, h_ticket },
	{ HTTP_GET, "/api/tests/{test_id}/live", SCOPE_READ,
	    ROUTE_READ | ROUTE_TICKET, p_test, q_live, NULL, h_test_live },
};

static const struct app app = {
	"testvis-live", routes, sizeof(routes) / sizeof(routes[0]), NULL, 1
};

/* fcgiloop_ops.request: serves it; keeps it when a stream attached. */
static int
on_request(void *unused, struct fcgiconn *conn, char **envp,
    const char *body, size_t blen)
{
	struct conn_io cio = { conn, body, blen, 0 };
	struct http_io io = { conn_read, conn_write, &cio };

	L.attached = NULL;
	L.now = (int64_t)tvtime_mono_ms();
	http_srv_serve(L.srv, envp, &io);
	return L.attached != NULL && fcgiconn_data(conn) == L.attached;
}

/* fcgiloop_ops.closed: the client went away (or was dropped). */
static void
on_closed(void *unused, struct fcgiconn *conn)
{
	struct client *c = fcgiconn_data(conn);

	client_unlink(c);
	client_free(c);
}

/* Ends the stream of client c (it reconnects) and forgets c. */
static void
client_end(struct client *c)
{
	struct fcgiconn *conn = c->conn;

	client_unlink(c);
	client_free(c);
	fcgiconn_end(conn);
}

/* events_fn of the watcher: writes e to every client it matches. */
static int
fan_out(void *unused, struct event *e)
{
	struct client *c;
	int m;

	L.watermark = e->id;
	for (c = L.clients; c != NULL; c = c->next) {
		if (c->project_id != e->project_id || e->id <= c->last_id ||
		    fcgiconn_data(c->conn) != c)
			continue;
		c->last_id = e->id;
		if ((m = events_match(L.ev, &c->f, e)) == -1)
			return 1;
		if (m && fcgiconn_write(c->conn, e->frame, e->flen) == 0)
			c->last_write = c->last_event = L.now;
	}
	return 0;
}

/* Keepalive comments to quiet clients; ends the idle ones. */
static void
check_clients(void)
{
	struct client *c, *next;
	int64_t keep = L.cfg->live_keepalive_s * 1000;
	int64_t idle = L.cfg->live_idle_s * 1000;

	for (c = L.clients; c != NULL; c = next) {
		next = c->next;
		if (fcgiconn_data(c->conn) != c)
			continue;
		if (L.now - c->last_event >= idle)
			client_end(c);
		else if (L.now - c->last_write >= keep &&
		    fcgiconn_write(c->conn, ": keepalive\n\n", 13) == 0)
			c->last_write = L.now;
	}
}

/* fcgiloop_ops.tick: the watcher. */
static void
on_tick(void *unused, int64_t now)
{
	struct events *ev;
	int n, pages = 0;

	L.now = now;
	if (L.nclients == 0) {
		L.watermark = -1;
		return;
	}
	if ((ev = reader(http_srv_db(L.srv))) != NULL) {
		do
			n = events_poll(ev, L.watermark, POLL_ROWS, fan_out,
			    NULL);
		while (n == POLL_ROWS && ++pages < POLL_PAGES);
		if (n == -1)
			log_error("live: cannot read new events");
		db_idle(L.ev_db);
	}
	if (now >= L.next_check) {
		check_clients();
		L.next_check = now + 1000;
	}
}

/*
 * Serves the live routes (lib/web/http.c's `--routes` lists them): as a
 * FastCGI program, every client in one epoll loop; as plain CGI, one
 * request (a stream answers its replay and ends).
 */
int
main(int argc, char **argv)
{
	static const struct fcgiloop_ops ops = { on_request, on_closed,
	    on_tick };
	const struct config *cfg;

	if (argc > 1 || FCGX_IsCGI())
		return http_main(&app, argc, argv);
	umask(007);
	signal(SIGPIPE, SIG_IGN);
	L.srv = http_srv_open(&app);
	L.watermark = -1;
	if ((cfg = http_srv_config(L.srv)) == NULL) {
		/* answer every request 503 config_error, one at a time */
		http_srv_close(L.srv);
		return http_main(&app, argc, argv);
	}
	L.cfg = cfg;
	L.loop = fcgiloop_new(0, &ops, NULL, (size_t)cfg->live_max_clients +
	    64, (size_t)cfg->live_client_buffer_kb * 1024);
	if (L.loop == NULL)
		return 1;
	fcgiloop_run(L.loop, (int)cfg->live_poll_ms);
	fcgiloop_free(L.loop);
	events_free(L.ev);
	http_srv_close(L.srv);
	return 0;
}
