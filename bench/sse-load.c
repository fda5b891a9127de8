/*
 * The load client of bench/live-bench.sh (issue 15, item 6): holds many
 * Server-Sent Events streams open at once over plain HTTP/1.1 on
 * 127.0.0.1, in one process, one epoll loop, non-blocking sockets, and
 * records when each stream receives each event.  It is a measuring tool,
 * not a browser: no reconnects, no TLS, no redirects, and it trusts the
 * server to speak HTTP (it only guards its own memory).
 *
 *   sse-load -p PORT -u PATH [-n CLIENTS] [-l LAST_ID] [-o RECEIPTS]
 *       [-s STATUS] [-c PENDING] [-t SETTLE_S]
 *
 * Each of CLIENTS connections sends `GET PATH` and reads the answer.  A
 * connection is "held" once it got a 200 head and its replay, that is an
 * event whose id is at least LAST_ID (the project's newest event before
 * the run; 0: the head alone); a non-200 head is counted by status and
 * the connection closed.  At most PENDING connections are being set up at
 * once (the rest wait their turn), as browsers opening a page do not all
 * arrive in the same millisecond either.
 *
 * When every connection is held or refused (or SETTLE_S seconds passed),
 * one line goes to STATUS (written to a temporary name, then renamed, so
 * a reader never sees half of it):
 *   held=H refused503=R other=O failed=F pending=P setup_ms=MS
 * and the client keeps reading.  Every event with an id above LAST_ID is
 * appended to RECEIPTS as "CLIENT ID TYPE RUN_ID MS" (RUN_ID "-" when the
 * event names no run; MS the wall-clock time in milliseconds, read just
 * after the read(2) that brought its last bytes), flushed after every
 * pass of the loop.  SIGTERM or SIGINT ends it: a final line
 * "end: held=H dropped=D events=E keepalives=K" goes to stderr.
 *
 * Built by bench/live-bench.sh with `cc -O2`; not part of the build.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX	16384		/* cap of a response head */
#define LINE_MAX_SSE	(1 << 20)	/* cap of one event-stream line */
#define FIELD_MAX	128		/* kept bytes of type and run_id */

enum cstate {
	C_IDLE,		/* not started yet */
	C_CONNECT,	/* connect(2) in progress */
	C_HEAD,		/* request sent, reading the response head */
	C_BODY,		/* 200: reading the event stream */
	C_DONE,		/* closed (refused, failed, or dropped) */
};

enum chunk {
	CH_NONE,	/* not chunked: the body is the stream */
	CH_SIZE,	/* reading a chunk-size line */
	CH_DATA,	/* inside a chunk */
	CH_END,		/* the CRLF after a chunk's data */
};

struct conn {
	int		 fd;
	enum cstate	 state;
	int		 held;		/* counted in held (1) or not */
	enum chunk	 ch;
	long		 chleft;	/* bytes left in the chunk */
	char		*head;		/* response head so far */
	size_t		 headlen;
	char		*line;		/* current event-stream line */
	size_t		 linelen, linecap;
	long long	 ev_id;		/* fields of the event being read */
	char		 ev_type[FIELD_MAX];
	char		 ev_run[FIELD_MAX];
	size_t		 sent;		/* request bytes written */
};

struct load {
	struct conn	*c;
	int		 n;		/* connections wanted */
	int		 next;		/* next one to start */
	int		 setting;	/* being set up now */
	int		 pending_max;
	int		 held, refused, other, failed, dropped;
	long long	 events, keepalives;
	long long	 last_id;
	struct sockaddr_in addr;
	char		 req[4096];
	size_t		 reqlen;
	FILE		*receipts;
	int		 dirty;		/* receipts written since the flush */
};

static volatile sig_atomic_t stop;
static int complaints;		/* per-connection messages printed */

#define COMPLAIN_MAX	5	/* then only the counts */

/* Marks the run to stop; the loop sees it on its next pass. */
static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Prints a message with the errno text and exits 2. */
static void
die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	fputs("sse-load: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(2);
}

/* The wall-clock time in milliseconds (with fractions). */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Raises RLIMIT_NOFILE so n connections fit (soft up to the hard limit). */
static void
raise_nofile(int n)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)n + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("getrlimit");
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ?
	    want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("setrlimit");
	if (rl.rlim_cur < want)
		fprintf(stderr, "sse-load: only %lu file descriptors (hard "
		    "limit), %d connections wanted\n",
		    (unsigned long)rl.rlim_cur, n);
}

/*
 * Closes connection c and frees its buffers; state says why (counted by
 * the caller).  A held connection closed by the server counts as dropped.
 */
static void
conn_close(struct load *l, struct conn *c, int epfd)
{
	if (c->fd != -1) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	if (!c->held && c->state != C_IDLE && c->state != C_DONE)
		l->setting--;	/* closed while being set up */
	if (c->held && !stop)
		l->dropped++;
	c->state = C_DONE;
	free(c->head);
	free(c->line);
	c->head = c->line = NULL;
}

/* Starts connection c (non-blocking connect); -1 when it failed at once. */
static int
conn_start(struct load *l, struct conn *c, int epfd)
{
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd == -1) {
		if (complaints++ < COMPLAIN_MAX)
			fprintf(stderr, "sse-load: socket: %s\n",
			    strerror(errno));
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = C_CONNECT;
	l->setting++;
	if (connect(c->fd, (struct sockaddr *)&l->addr, sizeof(l->addr)) ==
	    -1 && errno != EINPROGRESS) {
		if (complaints++ < COMPLAIN_MAX)
			fprintf(stderr, "sse-load: connect: %s\n",
			    strerror(errno));
		return -1;
	}
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl");
	return 0;
}

/*
 * Copies the JSON string value of "key" in json into out (at most
 * FIELD_MAX - 1 bytes, escapes kept as they are); "-" when absent.
 */
static void
json_field(const char *json, const char *key, char *out)
{
	char pat[64];
	const char *p;
	size_t i = 0;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	out[0] = '-';
	out[1] = '\0';
	if ((p = strstr(json, pat)) == NULL)
		return;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"')
		return;
	while (*p != '\0' && *p != '"' && i < FIELD_MAX - 1) {
		if (*p == '\\' && p[1] != '\0')
			out[i++] = *p++;
		out[i++] = *p++;
	}
	out[i] = '\0';
}

/* Dispatches the event read so far on c (a blank line ended it). */
static void
event_end(struct load *l, struct conn *c, int idx, double t)
{
	if (c->ev_id < 0)
		return;
	if (c->ev_id > l->last_id) {
		l->events++;
		fprintf(l->receipts, "%d %lld %s %s %.3f\n", idx, c->ev_id,
		    c->ev_type, c->ev_run, t);
		l->dirty = 1;
	}
	if (!c->held && c->ev_id >= l->last_id) {
		c->held = 1;
		l->held++;
		l->setting--;
	}
	c->ev_id = -1;
	c->ev_type[0] = c->ev_run[0] = '\0';
}

/* Handles one complete event-stream line (without its newline). */
static void
sse_line(struct load *l, struct conn *c, int idx, double t)
{
	char *s = c->line;
	size_t n = c->linelen;

	if (n > 0 && s[n - 1] == '\r')
		s[--n] = '\0';
	if (n == 0)
		event_end(l, c, idx, t);
	else if (s[0] == ':')
		l->keepalives++;
	else if (strncmp(s, "id:", 3) == 0)
		c->ev_id = strtoll(s + 3, NULL, 10);
	else if (strncmp(s, "data:", 5) == 0) {
		json_field(s + 5, "type", c->ev_type);
		json_field(s + 5, "run_id", c->ev_run);
	}
}

/* Feeds n decoded body bytes to c's event-stream parser. */
static void
sse_feed(struct load *l, struct conn *c, int idx, const char *p, size_t n,
    double t)
{
	const char *nl;
	size_t k;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		if (c->linelen + k + 1 > c->linecap &&
		    c->linelen + k + 1 <= LINE_MAX_SSE) {
			c->linecap = c->linelen + k + 1 < 1024 ? 1024 :
			    (c->linelen + k + 1) * 2;
			if ((c->line = realloc(c->line, c->linecap)) == NULL)
				die("realloc");
		}
		if (c->linelen + k + 1 <= c->linecap) {
			memcpy(c->line + c->linelen, p, k);
			c->linelen += k;
			c->line[c->linelen] = '\0';
		}
		if (nl == NULL)
			return;
		sse_line(l, c, idx, t);
		c->linelen = 0;
		p += k + 1;
		n -= k + 1;
	}
}

/*
 * Feeds n raw body bytes of c, undoing chunked transfer coding when the
 * head announced it; 0, or -1 at the end of the body (the last chunk).
 */
static int
body_feed(struct load *l, struct conn *c, int idx, const char *p, size_t n,
    double t)
{
	const char *nl;
	size_t k;

	if (c->ch == CH_NONE) {
		sse_feed(l, c, idx, p, n, t);
		return 0;
	}
	while (n > 0) {
		switch (c->ch) {
		case CH_SIZE:
		case CH_END:
			/* the size line (or the CRLF) may come in pieces */
			nl = memchr(p, '\n', n);
			k = nl != NULL ? (size_t)(nl - p) + 1 : n;
			if (c->ch == CH_SIZE && c->headlen + k < HEAD_MAX) {
				memcpy(c->head + c->headlen, p, k);
				c->headlen += k;
				c->head[c->headlen] = '\0';
			}
			p += k;
			n -= k;
			if (nl == NULL)
				break;
			if (c->ch == CH_END) {
				c->ch = CH_SIZE;
				c->headlen = 0;
				break;
			}
			c->chleft = strtol(c->head, NULL, 16);
			c->headlen = 0;
			if (c->chleft <= 0)
				return -1;
			c->ch = CH_DATA;
			break;
		case CH_DATA:
			k = n < (size_t)c->chleft ? n : (size_t)c->chleft;
			sse_feed(l, c, idx, p, k, t);
			p += k;
			n -= k;
			if ((c->chleft -= (long)k) == 0)
				c->ch = CH_END;
			break;
		case CH_NONE:
			break;
		}
	}
	return 0;
}

/*
 * Reads c's response head from the bytes in p; once complete, counts a
 * non-200 (and returns -1 to close) or switches to the body and feeds it
 * what followed the head.  0 to go on reading.
 */
static int
head_feed(struct load *l, struct conn *c, int idx, const char *p, size_t n,
    double t)
{
	char *end, *te;
	size_t k, used;
	int status;

	k = n < HEAD_MAX - 1 - c->headlen ? n : HEAD_MAX - 1 - c->headlen;
	memcpy(c->head + c->headlen, p, k);
	used = c->headlen;
	c->headlen += k;
	c->head[c->headlen] = '\0';
	if ((end = strstr(c->head, "\r\n\r\n")) == NULL) {
		if (c->headlen == HEAD_MAX - 1) {
			l->other++;
			return -1;
		}
		return 0;
	}
	status = 0;
	if (strncmp(c->head, "HTTP/1.", 7) == 0)
		status = atoi(c->head + 9);
	if (status != 200) {
		if (status == 503)
			l->refused++;
		else {
			l->other++;
			if (complaints++ < COMPLAIN_MAX)
				fprintf(stderr, "sse-load: client %d "
				    "answered %d\n", idx, status);
		}
		return -1;
	}
	*end = '\0';
	for (te = c->head; *te != '\0'; te++)
		*te = (char)(*te >= 'A' && *te <= 'Z' ? *te + 32 : *te);
	te = strstr(c->head, "\ntransfer-encoding:");
	c->ch = te != NULL && strstr(te, "chunked") != NULL ? CH_SIZE :
	    CH_NONE;
	c->state = C_BODY;
	c->headlen = 0;
	if (l->last_id == 0 && !c->held) {
		c->held = 1;
		l->held++;
		l->setting--;
	}
	used = (size_t)(end + 4 - c->head) - used;	/* bytes of p used */
	if (used < n)
		return body_feed(l, c, idx, p + used, n - used, t);
	return 0;
}

/* Handles readiness of c; closes it on error, refusal or end of stream. */
static void
conn_event(struct load *l, struct conn *c, int epfd, uint32_t evs)
{
	char buf[65536];
	struct epoll_event ev;
	int idx = (int)(c - l->c), err = 0, rc = 0;
	socklen_t len = sizeof(err);
	ssize_t r;
	double t;

	if (c->state == C_CONNECT) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) ==
		    -1 || err != 0) {
			if (complaints++ < COMPLAIN_MAX)
				fprintf(stderr, "sse-load: client %d: "
				    "connect: %s\n", idx,
				    strerror(err != 0 ? err : errno));
			l->failed++;
			conn_close(l, c, epfd);
			return;
		}
		if ((c->head = malloc(HEAD_MAX)) == NULL)
			die("malloc");
		c->state = C_HEAD;
	}
	if (c->sent < l->reqlen && (evs & EPOLLOUT)) {
		r = write(c->fd, l->req + c->sent, l->reqlen - c->sent);
		if (r == -1 && errno != EAGAIN) {
			l->failed++;
			conn_close(l, c, epfd);
			return;
		}
		if (r > 0)
			c->sent += (size_t)r;
		if (c->sent == l->reqlen) {
			ev.events = EPOLLIN | EPOLLRDHUP;
			ev.data.ptr = c;
			epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
		}
	}
	if (!(evs & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		r = read(c->fd, buf, sizeof(buf));
		if (r == -1 && errno == EAGAIN)
			return;
		if (r <= 0)
			break;
		t = now_ms();
		if (c->state == C_HEAD)
			rc = head_feed(l, c, idx, buf, (size_t)r, t);
		else
			rc = body_feed(l, c, idx, buf, (size_t)r, t);
		if (rc == -1)
			break;
	}
	if (c->state == C_HEAD && rc == 0)
		l->failed++;		/* closed before a full head */
	conn_close(l, c, epfd);
}

/* Writes the status line to path (via path.tmp and a rename). */
static void
status_write(struct load *l, const char *path, double setup)
{
	char tmp[4096];
	FILE *f;
	int pending = l->n - l->held - l->refused - l->other - l->failed;

	fprintf(stderr, "sse-load: held=%d refused503=%d other=%d failed=%d "
	    "pending=%d setup_ms=%.0f\n", l->held, l->refused, l->other,
	    l->failed, pending, setup);
	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		die("%s", tmp);
	fprintf(f, "held=%d refused503=%d other=%d failed=%d pending=%d "
	    "setup_ms=%.0f\n", l->held, l->refused, l->other, l->failed,
	    pending, setup);
	if (fclose(f) == EOF || rename(tmp, path) == -1)
		die("%s", path);
}

/* Parses the command line into l; the status file's path or NULL. */
static const char *
args_parse(struct load *l, int argc, char **argv, int *settle)
{
	const char *path = "/api/live", *status = NULL, *receipts = "/dev/null";
	int ch, port = 0;

	l->n = 1000;
	l->pending_max = 100;
	while ((ch = getopt(argc, argv, "c:l:n:o:p:s:t:u:")) != -1) {
		switch (ch) {
		case 'c': l->pending_max = atoi(optarg); break;
		case 'l': l->last_id = atoll(optarg); break;
		case 'n': l->n = atoi(optarg); break;
		case 'o': receipts = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 's': status = optarg; break;
		case 't': *settle = atoi(optarg); break;
		case 'u': path = optarg; break;
		default:
			fprintf(stderr, "usage: sse-load -p PORT -u PATH "
			    "[-n CLIENTS] [-l LAST_ID] [-o RECEIPTS] "
			    "[-s STATUS] [-c PENDING] [-t SETTLE_S]\n");
			exit(2);
		}
	}
	if (port <= 0 || l->n <= 0 || l->pending_max <= 0) {
		fprintf(stderr, "sse-load: -p PORT and positive -n, -c\n");
		exit(2);
	}
	l->addr.sin_family = AF_INET;
	l->addr.sin_port = htons((unsigned short)port);
	l->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->reqlen = (size_t)snprintf(l->req, sizeof(l->req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Accept: text/event-stream\r\nCache-Control: no-cache\r\n"
	    "User-Agent: sse-load\r\n\r\n", path, port);
	if (l->reqlen >= sizeof(l->req)) {
		fprintf(stderr, "sse-load: path too long\n");
		exit(2);
	}
	if ((l->receipts = fopen(receipts, "w")) == NULL)
		die("%s", receipts);
	return status;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct sigaction sa;
	struct load l;
	const char *status;
	double t0;
	int epfd, i, k, settle = 60, reported = 0;

	memset(&l, 0, sizeof(l));
	status = args_parse(&l, argc, argv, &settle);
	raise_nofile(l.n);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: epoll_wait returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((l.c = calloc((size_t)l.n, sizeof(*l.c))) == NULL)
		die("calloc");
	for (i = 0; i < l.n; i++) {
		l.c[i].fd = -1;
		l.c[i].ev_id = -1;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	t0 = now_ms();
	while (!stop) {
		while (l.next < l.n && l.setting < l.pending_max)
			if (conn_start(&l, &l.c[l.next++], epfd) == -1) {
				l.failed++;
				conn_close(&l, &l.c[l.next - 1], epfd);
			}
		k = epoll_wait(epfd, evs, 256, 100);
		if (k == -1 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < k; i++)
			conn_event(&l, evs[i].data.ptr, epfd, evs[i].events);
		if (l.dirty) {
			fflush(l.receipts);
			l.dirty = 0;
		}
		if (!reported && ((l.next == l.n && l.setting == 0) ||
		    now_ms() - t0 > settle * 1e3)) {
			status_write(&l, status, now_ms() - t0);
			reported = 1;
		}
	}
	if (!reported)
		status_write(&l, status, now_ms() - t0);
	fflush(l.receipts);
	fprintf(stderr, "end: held=%d dropped=%d events=%lld keepalives=%lld\n",
	    l.held - l.dropped, l.dropped, l.events, l.keepalives);
	for (i = 0; i < l.n; i++)
		if (l.c[i].state != C_DONE && l.c[i].state != C_IDLE)
			conn_close(&l, &l.c[i], epfd);
	fclose(l.receipts);
	free(l.c);
	close(epfd);
	return 0;
}
