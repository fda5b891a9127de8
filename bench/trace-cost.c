/*
 * trace-cost: the CPU cost of tracing one request, without the noise of a
 * server: records N traces shaped like a point read (a SERVER span with
 * the dispatcher's ten attributes, one view span with five) and writes
 * each as its OTLP/JSON line to FILE, like lib/web/http.c does; then the same
 * calls with tracing off (a NULL tracer).  Prints microseconds per request
 * for both.  Built and run by hand (not by make):
 *
 *   cc -O2 -D_GNU_SOURCE -DTESTVIS_VERSION='"bench"' -Ilib/base \
 *       -o /tmp/trace-cost bench/trace-cost.c build/libtestvis.a -ljansson
 *   /tmp/trace-cost /tmp/trace-cost.jsonl 100000
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

/* CPU seconds of this process so far. */
static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One request's spans, as the dispatcher and a view record them. */
static void
request(struct tracer *tr, const char *tp)
{
	struct trace_span *srv, *sp;

	srv = trace_start(tr, tp, "GET", TRACE_SERVER);
	sp = trace_begin(srv, "tests_detail");
	trace_attr_int(sp, "testvis.project_id", 1);
	trace_attr_str(sp, "testvis.project", "default");
	trace_attr_str(sp, "testvis.test_id", "0123456789abcdef");
	trace_attr_int(sp, "testvis.result_count", 1);
	trace_end(sp);
	trace_set_name(srv, "GET /api/tests/{test_id}");
	trace_attr_str(srv, "http.route", "/api/tests/{test_id}");
	trace_attr_str(srv, "http.request.method", "GET");
	trace_attr_int(srv, "http.response.status_code", 200);
	trace_attr_str(srv, "url.path", "/api/tests/0123456789abcdef");
	trace_attr_str(srv, "testvis.request_id", "8ac6d35c00000001");
	trace_attr_int(srv, "testvis.project_id", 1);
	trace_attr_str(srv, "testvis.project", "default");
	trace_attr_str(srv, "testvis.test_id", "0123456789abcdef");
	trace_attr_str(srv, "testvis.cache", "miss");
	trace_end(srv);
}

int
main(int argc, char **argv)
{
	struct tracer *tr;
	double t0, on, off;
	long i, n;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: trace-cost FILE N\n");
		return 2;
	}
	unlink(argv[1]);
	tr = trace_open(argv[1], 1LL << 40, "trace-cost");
	t0 = cpu();
	for (i = 0; i < n; i++)
		request(tr, i % 2 ? "00-4bf92f3577b34da6a3ce929d0e0e4736-"
		    "00f067aa0ba902b7-01" : NULL);
	on = (cpu() - t0) / n * 1e6;
	trace_close(tr);
	t0 = cpu();
	for (i = 0; i < n; i++)
		request(NULL, NULL);
	off = (cpu() - t0) / n * 1e6;
	printf("tracing on: %.2f us CPU per request (line written); "
	    "off: %.3f us\n", on, off);
	return 0;
}
