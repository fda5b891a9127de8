/* Unit tests for lib/base/ident.c: test ids, parameter split, fingerprints. */
#include <string.h>

#include "buf.h"
#include "ident.h"
#include "tap.h"

static const char *
fp(const char *type, const char *msg, const char *details)
{
	static char out[FINGERPRINT_LEN + 1];

	ident_fingerprint(type, msg, details, out);
	return out;
}

static const char *
norm(const char *s)
{
	static struct buf b;

	buf_reset(&b);
	ident_normalize(s, &b);
	return b.p != NULL ? b.p : "";
}

int
main(void)
{
	char id[TEST_ID_LEN + 1], a[FINGERPRINT_LEN + 1];
	struct buf base, params;

	/* I-4: pinned to sha256sum of "default\ntests.test_math\ntest_add";
	 * changing it breaks every stored history */
	ident_test_id("default", "tests.test_math", "test_add", id);
	check_str(id, "3562b4c506557eeb");
	ident_test_id("other", "tests.test_math", "test_add", id);
	ok(strcmp(id, "3562b4c506557eeb") != 0, "the project is part of the id");
	check_int(ident_test_key("ffffffffffffffff"), ==, 0x7fffffffffffffffLL);
	check_int(ident_test_key("0000000000000001"), ==, 1);

	check_str(ident_path("com.x.FooTest", "x.py", "suite"), "com.x.FooTest");
	check_str(ident_path("", "x.py", "suite"), "x.py");
	check_str(ident_path("", "", "outer / inner"), "outer / inner");
	check_str(ident_path("test", "", "describe a"), "describe a");
	check_str(ident_path("test", "", ""), "test");

	buf_init(&base);
	buf_init(&params);
	ident_split_params("test_x[a-b]", &base, &params);
	check_str(base.p, "test_x");
	check_str(params.p, "a-b");
	ident_split_params("test_x(1, 2)", &base, &params);
	check_str(base.p, "test_x");
	check_str(params.p, "1, 2");
	ident_split_params("[1] foo", &base, &params);
	check_str(base.p, "foo");
	check_str(params.p, "1");
	ident_split_params("doubles[double(3)=7]", &base, &params);
	check_str(base.p, "doubles");
	check_str(params.p, "double(3)=7");
	ident_split_params("plain_name", &base, &params);
	check_str(base.p, "plain_name");
	check_str(params.p, "");
	ident_split_params("odd]", &base, &params);
	check_str(base.p, "odd]");
	buf_free(&base);
	buf_free(&params);

	check_str(norm("at Foo.bar(Foo.java:123)"), "at Foo.bar(Foo.java:<n>)");
	check_str(norm("obj at 0x7ffd5e3a"), "obj at <hex>");
	check_str(norm("id 123e4567-e89b-12d3-a456-426614174000 gone"),
	    "id <uuid> gone");
	check_str(norm("at 2024-05-01T12:00:00.123Z"), "at <time>");
	check_str(norm("took 1532ms"), "took <duration>");
	check_str(norm("open /tmp/pytest-of-u/p12/x.txt failed"),
	    "open <tmp> failed");
	check_str(norm("expected '42' got \"7\""), "expected '<n>' got \"<n>\"");
	check_str(norm("expected 7 got 6"), "expected 7 got 6");
	check_str(norm("File \"x.py\", line 12, in f"),
	    "File \"x.py\", line <n>, in f");
	check_str(norm("commit deadbeef12 broke"), "commit <hex> broke");
	check_str(norm("cafebabe"), "cafebabe");

	strcpy(a, fp("AssertionError", "expected 7 got 6",
	    "at t.Foo(Foo.java:10)\nat t.Bar(Bar.java:20)"));
	check_int(strlen(a), ==, FINGERPRINT_LEN);
	check_str(fp("AssertionError", "expected 7 got 6",
	    "at t.Foo(Foo.java:11)\nat t.Bar(Bar.java:99)"), a);
	ok(strcmp(fp("AssertionError", "expected 8 got 6",
	    "at t.Foo(Foo.java:10)\nat t.Bar(Bar.java:20)"), a) != 0,
	    "a different message is a different failure");
	ok(strcmp(fp("TypeError", "expected 7 got 6",
	    "at t.Foo(Foo.java:10)\nat t.Bar(Bar.java:20)"), a) != 0,
	    "a different type is a different failure");
	check_str(fp("E", "timeout after 1500ms at 0xdead01", NULL),
	    fp("E", "timeout after 3021ms at 0xbeef99", NULL));
	ok(strcmp(fp(NULL, NULL, "1\n2\n3\n4\n5\n6"),
	    fp(NULL, NULL, "1\n2\n3\n4\n5\n7")) == 0,
	    "only the top five frames count");
	return done_testing();
}
