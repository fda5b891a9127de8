/* Unit tests for lib/utf8.c: strict UTF-8 validation. */
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
	return done_testing();
}
