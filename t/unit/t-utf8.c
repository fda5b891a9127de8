/* Unit tests for lib/base/utf8.c: strict UTF-8 validation and repairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

#define V(s) utf8_valid((s), sizeof(s) - 1)

int
main(void)
{
	ok(V("plain ascii"), "ASCII is valid");
	ok(V("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "2-4 byte forms");
	ok(V(""), "empty is valid");
	ok(!V("\xc3"), "truncated sequence rejected");
	ok(!V("\xc0\xaf"), "overlong 2-byte rejected");
	ok(!V("\xe0\x80\xaf"), "overlong 3-byte rejected");
	ok(!V("\xed\xa0\x80"), "UTF-16 surrogate rejected");
	ok(!V("\xf4\x90\x80\x80"), "above U+10FFFF rejected");
	ok(!V("\xff"), "0xff rejected");
	ok(!V("a\0b"), "embedded NUL rejected");
	ok(!V("\x80"), "lone continuation byte rejected");
	check_int(utf8_count("caf\xc3\xa9", 5), ==, 4);

	/* issue 11 item 1: truncation never cuts inside a character */
	{
		const char *cjk = "\xe4\xb8\xad\xe6\x96\x87";	/* 2 x 3 bytes */
		char buf[8], *fixed;
		size_t n;

		check_int(utf8_prefix(cjk, 6, 4), ==, 3);
		check_int(utf8_prefix(cjk, 6, 2), ==, 0);
		check_int(utf8_prefix(cjk, 6, 6), ==, 6);
		check_int(utf8_prefix("abc", 3, 2), ==, 2);
		check_int(utf8_whole(cjk, 4), ==, 3);
		check_int(utf8_whole(cjk, 5), ==, 3);
		check_int(utf8_whole(cjk, 6), ==, 6);
		check_int(utf8_whole("ab\xc3", 3), ==, 2);
		check_int(utf8_whole("ab", 2), ==, 2);
		snprintf(buf, sizeof(buf), "%.*s!", UTF8_CUT(cjk, 5));
		check_str(buf, "\xe4\xb8\xad!");
		fixed = utf8_repair("a\xe9" "b\0c", 5, &n);
		check_str(fixed, "a\xef\xbf\xbd" "bc");
		check_int(n, ==, 6);
		ok(utf8_valid(fixed, n), "a repaired string is valid UTF-8");
		free(fixed);
		fixed = utf8_repair(cjk, 4, &n);
		check_str(fixed, "\xe4\xb8\xad\xef\xbf\xbd");
		free(fixed);
	}
	/* issue 18: eight ASCII bytes at a time, whatever the alignment */
	{
		char buf[40];
		size_t at, len;
		int bad = 0;

		for (len = 1; len <= 33; len++)
			for (at = 0; at < len; at++) {
				memset(buf, 'x', len);
				bad += !utf8_valid(buf, len);
				buf[at] = '\0';
				bad += utf8_valid(buf, len);
				buf[at] = (char)0xff;
				bad += utf8_valid(buf, len);
				buf[at] = (char)0x80;
				bad += utf8_valid(buf, len);
				if (at + 2 <= len) {	/* a valid 2-byte form */
					buf[at] = (char)0xc3;
					buf[at + 1] = (char)0xa9;
					bad += !utf8_valid(buf, len);
					buf[at + 1] = 'y';	/* truncated */
					bad += utf8_valid(buf, len);
				}
			}
		check_int(bad, ==, 0);
		ok(!V("0123456789abcdef\xed\xa0\x80"),
		    "a surrogate after 16 ASCII bytes rejected");
		ok(V("0123456789abcdefg\xf0\x9f\x98\x80tail bytes"),
		    "a 4-byte form between ASCII words");
	}
	return done_testing();
}
