/*
 * Unit tests for lib/ingest/textcap.c: character data is cut past the cap and
 * markup always survives, whatever the lexical context of the cut.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "stream.h"
#include "tap.h"
#include "textcap.h"

/* Runs in through a textcap of max bytes; the result, caller frees. */
static char *
capped(const char *in, size_t max, long long *cuts)
{
	struct stream *m = stream_mem(in, strlen(in));
	struct stream *t = textcap_new(m, max);
	struct buf b;
	char chunk[1000];
	ssize_t k;

	buf_init(&b);
	buf_puts(&b, "");
	while ((k = stream_read(t, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)k);
	*cuts = textcap_cuts(t);
	stream_free(t);
	stream_free(m);
	return b.p;
}

/* A string of n copies of c followed by tail; caller frees. */
static char *
fill(const char *head, int c, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *s = malloc(h + n + t + 1);

	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

int
main(void)
{
	long long cuts;
	char *in, *out;

	out = capped("<a x=\"1>2\">short &amp; sweet<![CDATA[<b>]]></a>", 4096,
	    &cuts);
	check_str(out, "<a x=\"1>2\">short &amp; sweet<![CDATA[<b>]]></a>");
	check_int(cuts, ==, 0);
	free(out);

	in = fill("<a><out>", 'x', 10000, "</out><b/></a>");
	out = capped(in, 4096, &cuts);
	check_int(cuts, ==, 1);
	ok(strstr(out, "</out><b/></a>") != NULL, "markup after a cut text "
	    "is kept");
	ok(strlen(out) < 4096 + 200, "the text is cut near the cap");
	free(in);
	free(out);

	/* a cut inside CDATA keeps the section's terminator */
	in = fill("<a><![CDATA[", ']', 9000, "]]></a>");
	out = capped(in, 4096, &cuts);
	check_int(cuts, ==, 1);
	ok(strlen(out) > 7 && strcmp(out + strlen(out) - 7, "]]></a>") == 0,
	    "a cut CDATA section still ends with ]]>");
	free(in);
	free(out);

	/* text and CDATA form one run, as libxml2 merges them */
	in = fill("<a>", 'y', 3000, "<![CDATA[");
	{
		char *rest = fill(in, 'z', 3000, "]]>tail</a>");
		out = capped(rest, 4096, &cuts);
		check_int(cuts, ==, 1);
		ok(strstr(out, "]]>") != NULL && strstr(out, "</a>") != NULL,
		    "a run cut in its CDATA part keeps the markup");
		free(rest);
		free(out);
	}
	free(in);

	/* never inside an entity reference or a UTF-8 sequence */
	in = fill("<a>", 'q', 4094, "&amp;\xc3\xa9\xc3\xa9 more text</a>");
	out = capped(in, 4096, &cuts);
	ok(strstr(out, "&amp;") != NULL, "an entity at the cap is kept whole");
	ok(strstr(out, "&am\n") == NULL, "and not split");
	free(in);
	free(out);
	in = fill("<a>", 'q', 4095, "\xc3\xa9\xc3\xa9 more text</a>");
	out = capped(in, 4096, &cuts);
	ok(strstr(out, "\xc3\n") == NULL, "a character at the cap is not split");
	free(in);
	free(out);

	/* a cut comment keeps its terminator; elements reset the run */
	in = fill("<a><!--", '-', 9000, "--><b>ok</b></a>");
	out = capped(in, 4096, &cuts);
	ok(strstr(out, "--><b>ok</b></a>") != NULL, "a cut comment ends with "
	    "-->");
	free(in);
	free(out);
	return done_testing();
}
