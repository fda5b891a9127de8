/*
 * Unit tests for lib/web/fcgiloop.c over a Unix socket in one process:
 * a request reaches the program with its parameters, an answer that is
 * ended arrives framed and the connection closes, a kept one stays open,
 * FCGI_GET_VALUES is answered, malformed parameters close the
 * connection, and a client that stops reading is dropped once its unsent
 * output passes the cap (the program is told).  The tests run from the
 * loop's tick, step by step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "fcgiloop.h"
#include "fcgiproto.h"
#include "tap.h"

#define CAP	(16 * 1024)

static struct fcgiloop *loop;
static int cl_keep, cl_end, cl_values, cl_bad;	/* client sockets */
static struct fcgiconn *kept;
static int requests, closed, step;
static char seen_x[32];
static struct buf got_end;

/* A client socket connected to path, non-blocking. */
static int
dial(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Appends one name-value pair (short) to b. */
static void
pair(struct buf *b, const char *n, const char *v)
{
	unsigned char l[2] = { (unsigned char)strlen(n),
	    (unsigned char)strlen(v) };

	buf_append(b, l, 2);
	buf_puts(b, n);
	buf_puts(b, v);
}

/* Sends a whole GET request (params as given) on fd. */
static void
send_request(int fd, const struct buf *params)
{
	unsigned char begin[8] = { 0, FCGI_RESPONDER, 0 };
	struct buf b;

	buf_init(&b);
	fcgi_put_record(&b, FCGI_BEGIN_REQUEST, 1, begin, sizeof(begin));
	fcgi_put_record(&b, FCGI_PARAMS, 1, params->p, params->len);
	fcgi_put_record(&b, FCGI_PARAMS, 1, NULL, 0);
	fcgi_put_record(&b, FCGI_STDIN, 1, NULL, 0);
	if (write(fd, b.p, b.len) != (ssize_t)b.len)
		abort();
	buf_free(&b);
}

/* Reads what fd has into b; 1 at end of file, 0 otherwise. */
static int
drain(int fd, struct buf *b)
{
	char chunk[4096];
	ssize_t k;

	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(b, chunk, (size_t)k);
	return k == 0;
}

/* fcgiloop_ops.request: keeps the request holding X=keep. */
static int
on_request(void *app, struct fcgiconn *c, char **env, const char *body,
    size_t n)
{
	char **e;

	requests++;
	for (e = env; *e != NULL; e++)
		if (strncmp(*e, "X=", 2) == 0)
			snprintf(seen_x, sizeof(seen_x), "%s", *e + 2);
	fcgiconn_write(c, "Status: 200 OK\r\n\r\nhello", 23);
	if (strcmp(seen_x, "keep") == 0) {
		kept = c;
		fcgiconn_set_data(c, &kept);
		return 1;
	}
	return 0;
}

/* fcgiloop_ops.closed: a kept connection went away. */
static void
on_closed(void *app, struct fcgiconn *c)
{
	closed++;
	kept = NULL;
}

/* Checks after the first requests were served. */
static void
check_served(void)
{
	struct fcgi_record r;
	struct buf b;
	int k, eof;

	tap_ok(requests == 2, "both requests reached the program (%d)",
	    requests);
	tap_ok(kept != NULL, "the kept one is held");
	buf_init(&b);
	eof = drain(cl_values, &b);
	k = fcgi_record_next((unsigned char *)b.p, b.len, &r);
	tap_ok(k > 0 && r.type == FCGI_GET_VALUES_RESULT && r.clen > 0 &&
	    memmem(r.content, r.clen, "FCGI_MPXS_CONNS", 15) != NULL,
	    "FCGI_GET_VALUES is answered");
	tap_ok(!eof, "... and the connection stays");
	buf_reset(&b);
	tap_ok(drain(cl_bad, &b) == 1 && b.len == 0,
	    "malformed FCGI_PARAMS: closed without an answer");
	buf_free(&b);
	tap_ok(drain(cl_end, &got_end) == 1, "an ended answer closes");
	k = fcgi_record_next((unsigned char *)got_end.p, got_end.len, &r);
	tap_ok(k > 0 && r.type == FCGI_STDOUT && r.clen == 23 &&
	    memcmp(r.content + 18, "hello", 5) == 0, "... after its output");
	tap_ok(got_end.len >= 16 && (unsigned char)got_end.p[got_end.len -
	    15] == FCGI_END_REQUEST, "... and FCGI_END_REQUEST");
}

/* fcgiloop_ops.tick: the steps of the test. */
static void
on_tick(void *app, int64_t now)
{
	static char junk[8192];
	struct buf p, q;
	int i;

	step++;
	if (step == 1) {
		buf_init(&p);
		pair(&p, "REQUEST_METHOD", "GET");
		pair(&p, "X", "keep");
		send_request(cl_keep, &p);
		buf_reset(&p);
		buf_append(&p, "\x05\x01""ab", 4);	/* past its end */
		send_request(cl_bad, &p);
		buf_reset(&p);
		pair(&p, "FCGI_MPXS_CONNS", "");
		buf_init(&q);
		fcgi_put_record(&q, FCGI_GET_VALUES, 0, p.p, p.len);
		if (write(cl_values, q.p, q.len) != (ssize_t)q.len)
			abort();
		buf_free(&q);
		buf_free(&p);
	} else if (step == 5) {
		buf_init(&p);
		pair(&p, "X", "end");
		send_request(cl_end, &p);
		buf_free(&p);
	} else if (step == 10) {
		check_served();
		tap_ok(strcmp(seen_x, "end") == 0, "the parameters arrive");
	} else if (step > 10 && step < 400 && kept != NULL) {
		/* the kept client reads nothing: its backlog grows */
		for (i = 0; i < 8 && kept != NULL; i++)
			fcgiconn_write(kept, junk, sizeof(junk));
	} else if (step > 10) {
		tap_ok(closed == 1, "a client not reading is dropped past the "
		    "cap, and the program told (after %d ticks)", step - 10);
		tap_ok(fcgiloop_conns(loop) == 1, "the other connections stay "
		    "(%zu)", fcgiloop_conns(loop));
		fcgiloop_stop(loop);
	}
}

int
main(void)
{
	static const struct fcgiloop_ops ops = { on_request, on_closed,
	    on_tick };
	struct sockaddr_un sa;
	char path[64];
	int lfd;

	snprintf(path, sizeof(path), "/tmp/t-fcgiloop-%d.sock", (int)getpid());
	unlink(path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 16) == -1)
		abort();
	loop = fcgiloop_new(lfd, &ops, NULL, 16, CAP);
	tap_ok(loop != NULL, "a loop on the socket");
	cl_keep = dial(path);
	cl_bad = dial(path);
	cl_values = dial(path);
	cl_end = dial(path);
	buf_init(&got_end);
	fcgiloop_run(loop, 5);
	fcgiloop_free(loop);
	buf_free(&got_end);
	close(lfd);
	unlink(path);
	return done_testing();
}
