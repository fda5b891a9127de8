/*
 * A FastCGI responder that holds many connections in one thread: an
 * epoll loop over the listening socket the web server passed (fd 0 when
 * lighttpd spawns the program) and every accepted connection, all
 * non-blocking.  It reads records (lib/web/fcgiproto.c), hands each
 * complete request to the program (fcgiloop_ops.request), and writes
 * what the program queued as the connection can take it.  A request may
 * stay open as a stream the program writes to later (the live updates);
 * a stream whose unsent output passes the byte cap is dropped rather
 * than buffered without end (its client reconnects).  This module owns
 * the connections; the program owns what it attaches to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fcgiloop.h"
#include "fcgiproto.h"
#include "log.h"
#include "xalloc.h"

#define PARAMS_MAX	(64 * 1024)	/* FCGI_PARAMS bytes of a request */
#define PARAMS_PAIRS	256		/* ... and name-value pairs */
#define BODY_MAX	(64 * 1024)	/* request body (FCGI_STDIN) */
#define READ_CHUNK	(16 * 1024)

enum conn_state {
	C_READ,		/* reading a request */
	C_OPEN,		/* answered, kept open by the program */
	C_CLOSING,	/* ended: close once the output is sent */
	C_DEAD		/* closed at the end of this loop turn */
};

struct fcgiconn {
	int			 fd;
	struct fcgiloop		*loop;
	enum conn_state		 state;
	unsigned		 id;		/* request id, 0 before BEGIN */
	int			 keep;		/* FCGI_KEEP_CONN */
	int			 params_done;
	struct buf		 in, params, body;
	struct buf		 out;
	size_t			 out_off;	/* sent part of out */
	int			 want_out;	/* EPOLLOUT registered */
	void			*data;
	struct fcgiconn		*prev, *next;	/* every connection */
	struct fcgiconn		*dead_next;
};

struct fcgiloop {
	int			 lfd, ep;
	const struct fcgiloop_ops *ops;
	void			*app;
	size_t			 out_cap, max_conns, nconns;
	struct fcgiconn		*conns, *dead;
	int			 stop;
	int64_t			 paused_until;	/* accept paused (EMFILE) */
};

/* Milliseconds of the monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A loop serving the listening socket lfd for the program ops/app: at
 * most max_conns connections at once (more are closed as they come, so
 * the web server answers 503), each with at most out_cap bytes of
 * unsent output.  Raises the open-file limit to what that needs.
 * Returns it, or NULL (logged).
 */
struct fcgiloop *
fcgiloop_new(int lfd, const struct fcgiloop_ops *ops, void *app,
    size_t max_conns, size_t out_cap)
{
	struct fcgiloop *l;
	struct epoll_event ev;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < max_conns +
	    64) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > max_conns + 64 ? max_conns + 64 :
		    rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_error("fcgiloop: cannot raise the open-file "
			    "limit: %s", strerror(errno));
	}
	l = xcalloc(1, sizeof(*l));
	l->lfd = lfd;
	l->ops = ops;
	l->app = app;
	l->max_conns = max_conns;
	l->out_cap = out_cap;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) == -1) {
		log_error("fcgiloop: %s", strerror(errno));
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;		/* the listening socket */
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		log_error("fcgiloop: epoll: %s", strerror(errno));
		goto fail;
	}
	return l;
fail:
	if (l->ep >= 0)
		close(l->ep);
	free(l);
	return NULL;
}

/* Frees a connection's memory (the socket is closed already). */
static void
conn_free(struct fcgiconn *c)
{
	buf_free(&c->in);
	buf_free(&c->params);
	buf_free(&c->body);
	buf_free(&c->out);
	free(c);
}

/*
 * Marks c to be closed at the end of the loop turn, so that the program
 * may drop a connection while it walks its own list of them.
 */
static void
conn_kill(struct fcgiconn *c)
{
	if (c->state == C_DEAD)
		return;
	c->state = C_DEAD;
	c->dead_next = c->loop->dead;
	c->loop->dead = c;
}

/* Closes the connections conn_kill() marked, telling the program. */
static void
reap(struct fcgiloop *l)
{
	struct fcgiconn *c;

	while ((c = l->dead) != NULL) {
		l->dead = c->dead_next;
		epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			l->conns = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		l->nconns--;
		if (c->data != NULL && l->ops->closed != NULL)
			l->ops->closed(l->app, c);
		conn_free(c);
	}
}

/* Registers interest in c's writability (on) or not. */
static void
want_out(struct fcgiconn *c, int on)
{
	struct epoll_event ev;

	if (c->want_out == on)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(c->loop->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = on;
}

/* Resets c for the next request on a kept connection. */
static void
conn_next_request(struct fcgiconn *c)
{
	c->state = C_READ;
	c->id = 0;
	c->params_done = 0;
	buf_reset(&c->params);
	buf_reset(&c->body);
}

/*
 * Sends what c has queued, as far as the socket takes it; closes c when
 * an ended answer is all sent, or when the peer is gone.
 */
static void
flush(struct fcgiconn *c)
{
	ssize_t k;

	while (c->out_off < c->out.len) {
		k = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
		    MSG_NOSIGNAL);
		if (k > 0) {
			c->out_off += (size_t)k;
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			want_out(c, 1);
			return;
		}
		conn_kill(c);
		return;
	}
	/* all sent: give the memory back (a stream idles mostly) */
	buf_free(&c->out);
	c->out_off = 0;
	want_out(c, 0);
	if (c->state == C_CLOSING) {
		if (c->keep)
			conn_next_request(c);
		else
			conn_kill(c);
	}
}

/*
 * Queues n bytes of the answer on c and sends what the socket takes.
 * Returns 0, or -1 when c is closed or gone, or was just dropped because
 * its unsent output passed the cap (a client not reading).
 */
int
fcgiconn_write(struct fcgiconn *c, const void *data, size_t n)
{
	if (c->state == C_DEAD || c->state == C_CLOSING)
		return -1;
	if (n == 0)
		return 0;
	fcgi_put_stdout(&c->out, c->id, data, n);
	if (c->out.len - c->out_off > c->loop->out_cap) {
		conn_kill(c);
		return -1;
	}
	if (!c->want_out)
		flush(c);
	return c->state == C_DEAD ? -1 : 0;
}

/* Ends c's answer (status 0) and closes it once sent. */
void
fcgiconn_end(struct fcgiconn *c)
{
	if (c->state == C_DEAD || c->state == C_CLOSING)
		return;
	fcgi_put_end(&c->out, c->id, 0);
	c->state = C_CLOSING;
	flush(c);
}

/* Bytes queued on c and not sent yet. */
size_t
fcgiconn_pending(const struct fcgiconn *c)
{
	return c->out.len - c->out_off;
}

/* The program's data attached to c (NULL until set). */
void *
fcgiconn_data(const struct fcgiconn *c)
{
	return c->data;
}

/* Attaches the program's data to c (owned by the program). */
void
fcgiconn_set_data(struct fcgiconn *c, void *data)
{
	c->data = data;
}

/* The number of connections held now. */
size_t
fcgiloop_conns(const struct fcgiloop *l)
{
	return l->nconns;
}

/* Hands c's complete request to the program; ends it unless kept. */
static void
dispatch(struct fcgiconn *c)
{
	char **env;

	env = fcgi_params_decode((const unsigned char *)c->params.p,
	    c->params.len, PARAMS_PAIRS);
	if (env == NULL) {
		log_error("fcgiloop: malformed FCGI_PARAMS");
		conn_kill(c);
		return;
	}
	buf_free(&c->params);
	c->state = C_OPEN;
	if (c->loop->ops->request(c->loop->app, c, env, c->body.p != NULL ?
	    c->body.p : "", c->body.len) == 0)
		fcgiconn_end(c);
	fcgi_params_free(env);
	buf_free(&c->body);
}

/* Appends a stream record's content to b up to cap; -1 past it. */
static int
stream_add(struct buf *b, const struct fcgi_record *r, size_t cap)
{
	if (b->len + r->clen > cap)
		return -1;
	buf_append(b, r->content, r->clen);
	return 0;
}

/* Acts on one record of c; -1 when c must be closed. */
static int
record(struct fcgiconn *c, const struct fcgi_record *r)
{
	struct buf *o = &c->out;

	if (r->id == 0) {		/* a management record */
		if (r->type == FCGI_GET_VALUES)
			fcgi_put_values(o, r->content, r->clen,
			    (int)c->loop->max_conns);
		else {
			unsigned char t[8] = { (unsigned char)r->type };
			fcgi_put_record(o, FCGI_UNKNOWN_TYPE, 0, t, sizeof(t));
		}
		flush(c);
		return 0;
	}
	switch (r->type) {
	case FCGI_BEGIN_REQUEST:
		if (c->id != 0 || r->clen < 8 || (r->content[0] << 8 |
		    r->content[1]) != FCGI_RESPONDER)
			return -1;
		c->id = r->id;
		c->keep = r->content[2] & FCGI_KEEP_CONN;
		return 0;
	case FCGI_ABORT_REQUEST:
		return -1;
	case FCGI_PARAMS:
		if (r->id != c->id || c->params_done)
			return -1;
		if (r->clen == 0)
			c->params_done = 1;
		return stream_add(&c->params, r, PARAMS_MAX);
	case FCGI_STDIN:
		if (r->id != c->id || !c->params_done || c->state != C_READ)
			return -1;
		if (r->clen > 0)
			return stream_add(&c->body, r, BODY_MAX);
		dispatch(c);
		return 0;
	case FCGI_DATA:
		return 0;
	default:
		return -1;
	}
}

/* Reads what c has for us and acts on every complete record. */
static void
conn_read(struct fcgiconn *c)
{
	struct fcgi_record rec;
	char chunk[READ_CHUNK];
	size_t off = 0;
	ssize_t k;
	int used = 0;

	for (;;) {
		k = recv(c->fd, chunk, sizeof(chunk), 0);
		if (k > 0) {
			if (c->in.len + (size_t)k > 2 * FCGI_RECORD_MAX) {
				conn_kill(c);	/* no record is that long */
				return;
			}
			buf_append(&c->in, chunk, (size_t)k);
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_kill(c);		/* end of file, or an error */
		return;
	}
	while (c->state != C_DEAD && (used = fcgi_record_next(
	    (const unsigned char *)c->in.p + off, c->in.len - off, &rec)) > 0) {
		if (record(c, &rec) == -1)
			conn_kill(c);
		off += (size_t)used;
	}
	if (used == -1)
		conn_kill(c);
	if (off > 0) {
		memmove(c->in.p, c->in.p + off, c->in.len - off);
		c->in.len -= off;
	}
	if (c->in.len == 0)
		buf_free(&c->in);
}

/* Accepts every waiting connection (closing those over the cap). */
static void
accept_all(struct fcgiloop *l)
{
	struct epoll_event ev;
	struct fcgiconn *c;
	int fd;

	for (;;) {
		fd = accept4(l->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				log_error("fcgiloop: accept: %s",
				    strerror(errno));
				l->paused_until = now_ms() + 100;
				epoll_ctl(l->ep, EPOLL_CTL_DEL, l->lfd, NULL);
			}
			return;
		}
		if (l->nconns >= l->max_conns) {
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->loop = l;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			free(c);
			continue;
		}
		c->next = l->conns;
		if (l->conns != NULL)
			l->conns->prev = c;
		l->conns = c;
		l->nconns++;
	}
}

/* Resumes accepting after a pause for too many open files. */
static void
accept_resume(struct fcgiloop *l, int64_t now)
{
	struct epoll_event ev;

	if (l->paused_until == 0 || now < l->paused_until)
		return;
	l->paused_until = 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(l->ep, EPOLL_CTL_ADD, l->lfd, &ev);
}

/*
 * Runs the loop until fcgiloop_stop(), calling the program's tick every
 * tick_ms.  Returns 0, or -1 when epoll fails.
 */
int
fcgiloop_run(struct fcgiloop *l, int tick_ms)
{
	struct epoll_event evs[64];
	struct fcgiconn *c;
	int64_t next = now_ms() + tick_ms, now;
	int n, i, wait;

	while (!l->stop) {
		now = now_ms();
		wait = next > now ? (int)(next - now) : 0;
		n = epoll_wait(l->ep, evs, 64, wait);
		if (n == -1 && errno != EINTR) {
			log_error("fcgiloop: epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			if ((c = evs[i].data.ptr) == NULL) {
				accept_all(l);
				continue;
			}
			if (c->state == C_DEAD)
				continue;
			if (evs[i].events & EPOLLOUT)
				flush(c);
			if (c->state != C_DEAD && (evs[i].events & (EPOLLIN |
			    EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				conn_read(c);
		}
		reap(l);
		if ((now = now_ms()) >= next) {
			accept_resume(l, now);
			if (l->ops->tick != NULL)
				l->ops->tick(l->app, now);
			reap(l);
			next = now + tick_ms;
		}
	}
	return 0;
}

/* Makes fcgiloop_run() return after its current turn. */
void
fcgiloop_stop(struct fcgiloop *l)
{
	l->stop = 1;
}

/* Closes every connection (telling the program) and frees l. */
void
fcgiloop_free(struct fcgiloop *l)
{
	struct fcgiconn *c;

	if (l == NULL)
		return;
	for (c = l->conns; c != NULL; c = c->next)
		conn_kill(c);
	reap(l);
	close(l->ep);
	free(l);
}
