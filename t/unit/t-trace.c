/*
 * Unit tests for lib/base/trace.c: W3C traceparent parsing, tracing off as NULL
 * everywhere, the span and string caps (a cut never splits a UTF-8
 * character; bytes that are not UTF-8 are replaced), one line per trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "trace.h"
#include "utf8.h"

#define TP_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP_SPAN "00f067aa0ba902b7"

/* Predicate: s parses as a traceparent. */
static int
parses(const char *s)
{
	uint8_t t[16], p[8];

	return trace_parent_parse(s, t, p) == 0;
}

/* Reads the whole file at path (caller frees), or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((p = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

int
main(void)
{
	uint8_t t[16], p[8];
	char path[] = "/tmp/t-trace-XXXXXX", big[4096], *line;
	const char *text;
	struct tracer *tr;
	struct trace_span *root, *sp;
	json_t *doc, *spans, *attrs;
	size_t i;
	int fd;

	ok(trace_parent_parse("00-" TP_TRACE "-" TP_SPAN "-01", t, p) == 0 &&
	    t[0] == 0x4b && t[15] == 0x36 && p[0] == 0x00 && p[7] == 0xb7,
	    "a valid traceparent gives its trace and parent ids");
	ok(parses("01-" TP_TRACE "-" TP_SPAN "-01-later-fields"),
	    "a later version may append fields");
	ok(!parses("00-" TP_TRACE "-" TP_SPAN "-01-x"),
	    "negative: version 00 has exactly four fields");
	ok(!parses("ff-" TP_TRACE "-" TP_SPAN "-01"), "negative: version ff");
	ok(!parses("00-00000000000000000000000000000000-" TP_SPAN "-01"),
	    "negative: all-zero trace id");
	ok(!parses("00-" TP_TRACE "-0000000000000000-01"),
	    "negative: all-zero parent id");
	ok(!parses("00-4BF92F3577B34DA6A3CE929D0E0E4736-" TP_SPAN "-01"),
	    "negative: upper-case hex");
	ok(!parses("00-" TP_TRACE "-" TP_SPAN "-0g"), "negative: bad flags");
	ok(!parses("00-" TP_TRACE "-" TP_SPAN), "negative: too short");
	ok(!parses(NULL) && !parses(""), "negative: NULL and empty");

	ok(trace_open("", 1 << 20, "t") == NULL &&
	    trace_open(NULL, 1 << 20, "t") == NULL,
	    "an empty trace_file means tracing off");
	root = trace_start(NULL, NULL, "x", TRACE_SERVER);
	sp = trace_begin(root, "y");
	trace_attr_int(sp, "k", 1);
	trace_end(sp);
	trace_end(root);
	ok(root == NULL && sp == NULL && trace_id(root) == NULL,
	    "tracing off: every call takes and gives NULL");

	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	tr = trace_open(path, 1 << 20, "t-trace");
	root = trace_start(tr, "00-" TP_TRACE "-" TP_SPAN "-01", "root",
	    TRACE_SERVER);
	check_str(trace_id(root), TP_TRACE);
	/* a string of 3-byte characters longer than the cap, and bad bytes */
	for (i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	big[i] = '\0';
	sp = trace_begin(root, "child");
	trace_attr_str(sp, "euro", big);
	trace_attr_str(sp, "bad", "a\xff\xc3(b");
	trace_attr_str(sp, "esc \"k\"", "q\"b\\s\n\t\x01\x1f/\xc3\xa9");
	trace_end(sp);
	for (i = 0; i < TRACE_MAX_SPANS + 10; i++)
		trace_end(trace_begin(root, "many"));
	trace_end(root);
	trace_close(tr);
	line = slurp(path);
	text = line;
	ok(text != NULL && strchr(text, '\n') == text + strlen(text) - 1,
	    "one trace, one line");
	doc = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(line);
	spans = json_array_get(json_object_get(doc, "resourceSpans"), 0);
	spans = json_array_get(json_object_get(spans, "scopeSpans"), 0);
	spans = json_object_get(spans, "spans");
	check_int(json_array_size(spans), ==, TRACE_MAX_SPANS);
	attrs = json_object_get(json_array_get(spans, 1), "attributes");
	text = json_string_value(json_object_get(json_object_get(
	    json_array_get(attrs, 0), "value"), "stringValue"));
	ok(text != NULL && strlen(text) <= TRACE_STR_MAX &&
	    strlen(text) % 3 == 0 && utf8_valid(text, strlen(text)),
	    "a long value is cut on a character boundary");
	check_str(json_string_value(json_object_get(json_object_get(
	    json_array_get(attrs, 1), "value"), "stringValue")), "a?" "?(b");
	check_str(json_string_value(json_object_get(json_array_get(attrs, 2),
	    "key")), "esc \"k\"");
	check_str(json_string_value(json_object_get(json_object_get(
	    json_array_get(attrs, 2), "value"), "stringValue")),
	    "q\"b\\s\n\t\x01\x1f/\xc3\xa9");
	attrs = json_object_get(json_array_get(spans, 0), "attributes");
	ok(json_array_size(attrs) == 1 && strcmp(json_string_value(
	    json_object_get(json_array_get(attrs, 0), "key")),
	    "testvis.trace.dropped") == 0,
	    "spans over the cap are dropped and counted on the root");
	check_str(json_string_value(json_object_get(json_array_get(spans, 0),
	    "parentSpanId")), TP_SPAN);
	json_decref(doc);
	unlink(path);
	return done_testing();
}
