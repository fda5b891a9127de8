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

/* The fingerprint of a failure of the test (file, classname, function). */
static const char *
fpo(const char *type, const char *msg, const char *details, const char *file,
    const char *classname, const char *function)
{
	static char out[FINGERPRINT_LEN + 1];
	struct ident_own own;

	own.file = file;
	own.classname = classname;
	own.function = function;
	ident_fingerprint_own(type, msg, details, &own, out);
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

	/* issue 13 item 7: one assertion in many tests is one group */
	strcpy(a, fpo("AssertionError", "assert 404 == 200",
	    "tests/test_users.py:12: in test_get_user\n"
	    "lib/client.py:40: in get\nlib/http.py:9: in send",
	    "tests/test_users.py", "tests.test_users", "test_get_user"));
	check_str(fpo("AssertionError", "assert 404 == 200",
	    "tests/test_orders.py:30: in test_list_orders\n"
	    "lib/client.py:40: in get\nlib/http.py:9: in send",
	    "tests/test_orders.py", "tests.test_orders",
	    "test_list_orders"), a);
	check_str(fpo("AssertionError", "assert 404 == 200",
	    "at com.x.OrdersTest.testList(OrdersTest.java:30)\n"
	    "lib/client.py:40: in get\nlib/http.py:9: in send",
	    "", "com.x.OrdersTest", "testList"), a);
	ok(strcmp(fpo("AssertionError", "assert 404 == 200",
	    "tests/test_orders.py:30: in test_list_orders\n"
	    "lib/client.py:41: in post\nlib/http.py:9: in send",
	    "tests/test_orders.py", "", "test_list_orders"), a) != 0,
	    "issue 13 item 7: other library frames are another group");
	/* frames not naming the test: the fingerprint stays as it was */
	check_str(fpo("AssertionError", "expected 7 got 6",
	    "at t.Foo(Foo.java:10)\nat t.Bar(Bar.java:20)", "x_test.go",
	    "pkg", "TestSum"), fp("AssertionError", "expected 7 got 6",
	    "at t.Foo(Foo.java:10)\nat t.Bar(Bar.java:20)"));
	/* a name is a whole token: test_get does not own test_get_user */
	check_str(fpo("E", "boom", "in test_get_user\nin lib", "", "",
	    "test_get"), fp("E", "boom", "in test_get_user\nin lib"));
	/* generic messages keep the test's own frames to tell them apart */
	strcpy(a, fpo("AssertionError", "",
	    "tests/test_a.py:3: in test_one", "tests/test_a.py", "",
	    "test_one"));
	ok(strcmp(a, fpo("AssertionError", "",
	    "tests/test_b.py:3: in test_two", "tests/test_b.py", "",
	    "test_two")) != 0,
	    "issue 13 item 7: an empty message splits by own frames");
	check_str(fpo("AssertionError", "AssertionError",
	    "tests/test_a.py:3: in test_one", "tests/test_a.py", "",
	    "test_one"), fp("AssertionError", "AssertionError",
	    "tests/test_a.py:3: in test_one"));
	check_str(fpo("builtins.AssertionError", "AssertionError:",
	    "tests/test_a.py:3: in test_one", "tests/test_a.py", "",
	    "test_one"), fp("builtins.AssertionError", "AssertionError:",
	    "tests/test_a.py:3: in test_one"));
	check_str(fpo("E", "boom", NULL, NULL, NULL, NULL), fp("E", "boom",
	    NULL));
	return done_testing();
}
