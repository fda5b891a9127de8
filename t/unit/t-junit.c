/* Unit tests for lib/ingest/junit.c and lib/ingest/stream.c on small inline reports. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "fault.h"
#include "junit.h"
#include "stream.h"
#include "tap.h"

static struct buf seen;

static int
collect(void *arg, const struct junit_case *c)
{
	buf_printf(&seen, "%s|%s|%s|%d|%lld|%d|%d|%s|%s\n", c->suite_path,
	    c->classname, c->name, c->status, c->duration_ms, c->attempts,
	    c->flaky_in_run, c->message ? c->message : "-",
	    c->tags ? c->tags : "-");
	return 0;
}

/* Reads xml; returns the fault status (0 ok) and fills seen. */
static int
read_xml(const char *xml, struct junit_info *info, struct fault *f)
{
	struct junit_limits lim = { 64, 256 };
	struct stream *m = stream_mem(xml, strlen(xml));
	struct stream *g, *c;
	int rc;

	memset(f, 0, sizeof(*f));
	buf_reset(&seen);
	g = stream_gunzip(m, 1 << 20, f);
	c = stream_content(g, f);
	rc = junit_read(c, &lim, collect, NULL, info, f);
	stream_free(c);
	stream_free(g);
	stream_free(m);
	return rc == 0 ? 0 : fault_status(f);
}

int
main(void)
{
	struct junit_info info;
	struct fault f;
	char big[2048];

	buf_init(&seen);
	check_int(junit_parse_seconds("0.5"), ==, 500);
	check_int(junit_parse_seconds(" 12 "), ==, 12000);
	check_int(junit_parse_seconds("1,234.5"), ==, 1234500);
	check_int(junit_parse_seconds("0,25"), ==, 250);
	check_int(junit_parse_seconds(""), ==, -1);
	check_int(junit_parse_seconds("fast"), ==, -1);
	check_int(junit_parse_seconds("-1"), ==, -1);
	check_int(junit_parse_seconds("nan"), ==, -1);
	check_int(junit_parse_seconds("1e400"), ==, -1);

	check_int(read_xml("<testsuites><testsuite name='a'><testsuite "
	    "name='b'><testcase classname='C' name='t1' time='0.1'/>"
	    "</testsuite></testsuite><testcase name='top'/></testsuites>",
	    &info, &f), ==, 0);
	check_str(seen.p, "a / b|C|t1|0|100|1|0|-|-\n||top|0|-1|1|0|-|-\n");

	check_int(read_xml("<testsuite><testcase name='x' time='junk'>"
	    "<skipped message='later'/><failure message='boom'>trace"
	    "</failure><error/></testcase></testsuite>", &info, &f), ==, 0);
	check_str(seen.p, "||x|1|-1|1|0|boom|-\n");
	check_int(info.bad_times, ==, 1);

	check_int(read_xml("<testsuite><testcase name='f'><flakyFailure "
	    "message='first'/><flakyError/></testcase><testcase name='r'>"
	    "<failure message='no'/><rerunFailure/><rerunFailure/></testcase>"
	    "</testsuite>", &info, &f), ==, 0);
	check_str(seen.p, "||f|0|-1|3|1|first|-\n||r|1|-1|3|0|no|-\n");

	check_int(read_xml("<testsuite><testcase name='d' status='disabled'/>"
	    "<testcase name='g' status='notrun' result='suppressed'/>"
	    "<testcase name='p'><properties><property name='tag' value='a'/>"
	    "<property name='tags'>b</property></properties></testcase>"
	    "</testsuite>", &info, &f), ==, 0);
	check_str(seen.p, "||d|3|-1|1|0|-|-\n||g|3|-1|1|0|-|-\n"
	    "||p|0|-1|1|0|-|a,b\n");

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		struct buf x;
		buf_init(&x);
		buf_printf(&x, "<testsuite><testcase name='t'><failure "
		    "message='%s'/></testcase></testsuite>", big);
		check_int(read_xml(x.p, &info, &f), ==, 0);
		ok(strstr(seen.p, "[... truncated 1983 bytes]") != NULL,
		    "a long message is cut with a marker");
		check_int(info.truncated, ==, 1);
		buf_free(&x);
	}

	check_int(read_xml("<testsuite><testcase name='u'><failure message="
	    "'bad \xff byte &#27;[31m ctl\x01'/></testcase></testsuite>",
	    &info, &f), ==, 0);
	check_str(seen.p, "||u|1|-1|1|0|bad \xef\xbf\xbd byte [31m ctl|-\n");

	/* negative cases */
	check_int(read_xml("<testsuite><testcase name='x'>", &info, &f), ==,
	    400);
	check_str(f.code, "invalid_xml");
	ok(f.line >= 1, "invalid_xml carries a line (%d, col %d)", f.line,
	    f.column);
	check_int(read_xml("<html><body/></html>", &info, &f), ==, 400);
	check_str(f.code, "not_junit");
	check_int(read_xml("", &info, &f), ==, 400);
	check_int(read_xml("<!DOCTYPE x [<!ENTITY a 'aaaa'>]><testsuite>"
	    "<testcase name='&a;'/></testsuite>", &info, &f), ==, 400);
	check_str(f.code, "invalid_xml");
	ok(strstr(f.msg, "DOCTYPE") != NULL, "DTDs are refused: %s", f.msg);
	check_int(read_xml("<testsuite><testcase name='\x1f\x8b'/></testsuite>",
	    &info, &f), ==, 0);
	buf_free(&seen);
	return done_testing();
}
