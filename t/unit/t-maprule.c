/*
 * Unit tests for lib/passes/maprule.c (MAP-1): feature path normalisation, the
 * rules file parser and its globs, matching order, hostile input, the
 * path heuristics, and the sample conf/mapping.rules (its path is argv[1],
 * else conf/mapping.rules from the current directory, the repository root
 * under `make check`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "maprule.h"
#include "tap.h"

/* The normalised path, or NULL; the reason of a failure in last_why. */
static const char *last_why;

static const char *
norm(const char *in)
{
	static char out[MAPRULE_PATH_MAX + 1];

	last_why = NULL;
	if (maprule_feature_norm(in, out, sizeof(out), &last_why) == -1)
		return NULL;
	return out;
}

/* The reason norm() fails with, or "ok". */
static const char *
norm_why(const char *in)
{
	return norm(in) == NULL ? last_why : "ok";
}

/* Parses text[0..len); returns "ok N" or the error message. */
static const char *
perr_n(const char *text, size_t len)
{
	static char err[512];
	struct maprules *rs;

	err[0] = '\0';
	if ((rs = maprule_parse(text, len, "rules", err, sizeof(err))) ==
	    NULL)
		return err;
	snprintf(err, sizeof(err), "ok %zu", maprule_count(rs));
	maprule_free(rs);
	return err;
}

static const char *
perr(const char *text)
{
	return perr_n(text, strlen(text));
}

/*
 * Predicate: the single rule "f FIELD GLOB" matches a test whose FIELD is
 * value; -1 when the rule does not parse.
 */
static int
gm(const char *field, const char *glob, const char *value)
{
	struct maprule_test t = { NULL, NULL, NULL, NULL };
	struct maprules *rs;
	struct buf b;
	const char *f[4];
	size_t n;

	buf_init(&b);
	buf_printf(&b, "f %s %s\n", field, glob);
	rs = maprule_parse(b.p, b.len, "t", NULL, 0);
	buf_free(&b);
	if (rs == NULL)
		return -1;
	if (strcmp(field, "file") == 0)
		t.file = value;
	else if (strcmp(field, "classname") == 0)
		t.classname = value;
	else if (strcmp(field, "name") == 0)
		t.name = value;
	else
		t.tags = value;
	n = maprule_match(rs, &t, f, 4);
	maprule_free(rs);
	return n == 1;
}

/* Matches t against rs and returns the features joined by ' '. */
static const char *
matches(const struct maprules *rs, const struct maprule_test *t,
    size_t max)
{
	static struct buf b;
	const char *f[16];
	size_t n, i;

	buf_reset(&b);
	buf_puts(&b, "");
	n = maprule_match(rs, t, f, max);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i > 0 ? " " : "", f[i]);
	return b.p;
}

/* The heuristic path for file and classname, or NULL; conf in last_conf. */
static double last_conf;

static const char *
heur(const char *file, const char *classname)
{
	static char out[MAPRULE_PATH_MAX + 1];
	struct maprule_test t = { file, classname, "test_x", "smoke" };

	last_conf = -1;
	if (maprule_heuristic(&t, out, sizeof(out), &last_conf) == -1) {
		ok(out[0] == '\0', "heuristic failure leaves out empty");
		return NULL;
	}
	return out;
}

/* Reads a whole file into b; returns 0 or -1. */
static int
slurp(const char *path, struct buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	buf_puts(b, "");
	return 0;
}

static void
test_norm(void)
{
	char buf[MAPRULE_PATH_MAX + 1], small[4];
	struct buf b;
	int i;

	check_str(norm("checkout/payments/refunds"),
	    "checkout/payments/refunds");
	check_str(norm(" checkout//payments/ "), "checkout/payments");
	check_str(norm("/checkout/"), "checkout");
	check_str(norm("///a///b///"), "a/b");
	check_str(norm("checkout / payments"), "checkout/payments");
	check_str(norm("\tsearch\t"), "search");
	check_str(norm("Gift Cards/Redeem"), "Gift Cards/Redeem");
	check_str(norm("Zahlung/R\xc3\xbc" "ckerstattung"),
	    "Zahlung/R\xc3\xbc" "ckerstattung");
	check_str(norm("a/.../b"), "a/.../b");
	check_str(norm("x"), "x");

	/* negative cases, each with its reason */
	check_str(norm(""), NULL);
	check_str(norm_why(""), "empty feature path");
	check_str(norm_why("  / // "), "empty feature path");
	check_str(norm_why(NULL), "empty feature path");
	check_str(norm_why("a/./b"), "'.' or '..' segment in feature path");
	check_str(norm_why(".."), "'.' or '..' segment in feature path");
	check_str(norm_why("a/.."), "'.' or '..' segment in feature path");
	check_str(norm_why("a\tb"), "control character in feature path");
	check_str(norm_why("a\nb"), "control character in feature path");
	check_str(norm_why("a\x7f"), "control character in feature path");
	check_str(norm_why("\xff"), "feature path is not valid UTF-8");
	check_str(norm_why("a/\xc3"), "feature path is not valid UTF-8");
	check_str(norm("1/2/3/4/5/6/7/8"), "1/2/3/4/5/6/7/8");
	check_str(norm_why("1/2/3/4/5/6/7/8/9"),
	    "feature path has more than 8 segments");

	buf_init(&b);
	for (i = 0; i < 64; i++)
		buf_puts(&b, "s");
	check_str(norm_why(b.p), "ok");
	buf_puts(&b, "s");
	check_str(norm_why(b.p), "feature path segment longer than 64 bytes");
	buf_reset(&b);
	for (i = 0; i < 4; i++)
		buf_printf(&b, "%s%063d", i > 0 ? "/" : "", 0);
	check_int(b.len, ==, 255);
	check_str(norm_why(b.p), "ok");
	buf_puts(&b, "x");
	check_str(norm_why(b.p), "feature path longer than 255 bytes");
	buf_free(&b);

	check_int(maprule_feature_norm("abc", small, 3, NULL), ==, -1);
	check_str(small, "");
	check_int(maprule_feature_norm("abc", small, 4, NULL), ==, 0);
	check_str(small, "abc");
	snprintf(buf, sizeof(buf), " a//b/ ");
	check_int(maprule_feature_norm(buf, buf, sizeof(buf), NULL), ==, 0);
	check_str(buf, "a/b");
}

static void
test_globs(void)
{
	/* '*' stays within a path segment for file */
	check_int(gm("file", "tests/*.py", "tests/a.py"), ==, 1);
	check_int(gm("file", "tests/*.py", "tests/x/a.py"), ==, 0);
	check_int(gm("file", "tests/*", "tests/"), ==, 1);
	check_int(gm("file", "*", "a/b"), ==, 0);
	/* '**' crosses segments */
	check_int(gm("file", "tests/**", "tests/x/y/a.py"), ==, 1);
	check_int(gm("file", "tests/**", "other/x.py"), ==, 0);
	check_int(gm("file", "src/foo**.py", "src/foo/bar.py"), ==, 1);
	/* "**" + "/" is zero or more whole segments */
	check_int(gm("file", "tests/**/test_*.py", "tests/test_a.py"), ==, 1);
	check_int(gm("file", "tests/**/test_*.py", "tests/a/b/test_a.py"), ==,
	    1);
	check_int(gm("file", "tests/**/test_*.py", "tests/a/b/a_test.py"), ==,
	    0);
	check_int(gm("file", "tests/**/test_*.py", "other/tests/test_a.py"),
	    ==, 0);
	check_int(gm("file", "tests/**/test_*.py", "tests/atest_a.py"), ==, 0);
	check_int(gm("file", "**/test_*.py", "test_a.py"), ==, 1);
	check_int(gm("file", "**/test_*.py", "a/b/test_a.py"), ==, 1);
	check_int(gm("file", "a/**/b/**/c", "a/b/c"), ==, 1);
	check_int(gm("file", "a/**/b/**/c", "a/x/b/y/z/c"), ==, 1);
	check_int(gm("file", "a/**/b/**/c", "a/x/y/z/c"), ==, 0);
	/* '?' is one character, not '/' in a file, UTF-8 counts once */
	check_int(gm("file", "t?.py", "ta.py"), ==, 1);
	check_int(gm("file", "t?.py", "t.py"), ==, 0);
	check_int(gm("file", "t?.py", "tab.py"), ==, 0);
	check_int(gm("file", "a?b", "a/b"), ==, 0);
	check_int(gm("file", "t?.py", "t\xc3\xbc.py"), ==, 1);
	/* classes */
	check_int(gm("file", "test_[abc].py", "test_b.py"), ==, 1);
	check_int(gm("file", "test_[abc].py", "test_d.py"), ==, 0);
	check_int(gm("file", "test_[a-c].py", "test_c.py"), ==, 1);
	check_int(gm("file", "test_[a-c].py", "test_d.py"), ==, 0);
	check_int(gm("file", "test_[!a].py", "test_b.py"), ==, 1);
	check_int(gm("file", "test_[!a].py", "test_a.py"), ==, 0);
	check_int(gm("file", "test_[^a].py", "test_a.py"), ==, 0);
	check_int(gm("file", "test_[]x].py", "test_].py"), ==, 1);
	check_int(gm("file", "test_[a-].py", "test_-.py"), ==, 1);
	check_int(gm("file", "test_[0-9a-f][0-9].py", "test_e7.py"), ==, 1);
	check_int(gm("file", "[\xc3\xa0-\xc3\xbf]x", "\xc3\xbcx"), ==, 1);
	check_int(gm("file", "a[!x]b", "a/b"), ==, 0);
	check_int(gm("classname", "a[!x]b", "a/b"), ==, 1);
	/* the whole value, case-sensitive */
	check_int(gm("file", "tests", "tests/a.py"), ==, 0);
	check_int(gm("file", "Tests/*.py", "tests/a.py"), ==, 0);
	/* file: "./" in front ignored, '\' read as '/' */
	check_int(gm("file", "tests/*.py", "./tests/a.py"), ==, 1);
	check_int(gm("file", "tests/*.py", "tests\\a.py"), ==, 1);
	check_int(gm("file", "**", ""), ==, 0);
	check_int(gm("file", "**", NULL), ==, 0);

	/* classname and name: '*' matches anything, '/' included */
	check_int(gm("classname", "com.shop.*", "com.shop.cart.CartTest"), ==,
	    1);
	check_int(gm("classname", "com.shop.*", "org.shop.CartTest"), ==, 0);
	check_int(gm("classname", "*::refunds", "tests/x::refunds"), ==, 1);
	check_int(gm("name", "*refund*", "test_refund_twice"), ==, 1);
	check_int(gm("name", "*Refund*", "test_refund_twice"), ==, 0);
	check_int(gm("name", "test_?", "test_\xe2\x82\xac"), ==, 1);

	/* tags: any one tag of the list, spaces around each ignored */
	check_int(gm("tag", "smoke", "slow, smoke ,auth-login"), ==, 1);
	check_int(gm("tag", "auth-[a-z]*", "slow, smoke ,auth-login"), ==, 1);
	check_int(gm("tag", "slo", "slow, smoke"), ==, 0);
	check_int(gm("tag", "slow smoke", "slow smoke"), ==, -1);
	check_int(gm("tag", "*", ",, ,"), ==, 0);
	check_int(gm("tag", "smoke", NULL), ==, 0);
	check_int(gm("tag", "smoke", "smoke"), ==, 1);
	check_int(gm("tag", "*", "a"), ==, 1);
}

static void
test_order(void)
{
	const char *text =
	    "# features, first match first\n"
	    "\n"
	    "a/x\tname\ttest_*\n"
	    "   \n"
	    "  # an indented comment\n"
	    "b/y  tag  smoke\r\n"
	    "/a//x/ file tests/**\n"
	    "c/z classname *";
	struct maprule_test t = { "tests/q.py", "K", "test_1", "smoke" };
	struct maprules *rs;
	char err[256];

	rs = maprule_parse(text, strlen(text), "rules", err, sizeof(err));
	ok(rs != NULL, "comments, blank lines, CRLF, no final newline");
	check_int(maprule_count(rs), ==, 4);
	check_str(matches(rs, &t, 16), "a/x b/y c/z");
	check_str(matches(rs, &t, 2), "a/x b/y");
	check_str(matches(rs, &t, 0), "");
	t.name = NULL;
	check_str(matches(rs, &t, 16), "b/y a/x c/z");
	t.tags = "slow";
	t.classname = "";
	check_str(matches(rs, &t, 16), "a/x");
	t.file = "src/q.py";
	check_str(matches(rs, &t, 16), "");
	maprule_free(rs);

	check_int(maprule_count(NULL), ==, 0);
	check_int(maprule_match(NULL, &t, NULL, 4), ==, 0);
	maprule_free(NULL);
	check_str(perr(""), "ok 0");
	check_str(perr_n(NULL, 0), "ok 0");
	check_str(perr("# only a comment\n\n"), "ok 0");
	check_str(perr("a name x\r\nb name y\r\n"), "ok 2");
	check_str(perr("\xef\xbb\xbf# a byte order mark\na name x\n"), "ok 1");
}

static void
test_errors(void)
{
	char err[256];
	struct buf b;
	int i;

	check_str(perr("a/b nope x\n"), "rules:1: unknown field 'nope' "
	    "(expected file, classname, name or tag)");
	check_str(perr("a/b File x\n"), "rules:1: unknown field 'File' "
	    "(expected file, classname, name or tag)");
	check_str(perr("# c\n\na/b file\n"), "rules:3: missing glob "
	    "(expected 'FEATURE-PATH FIELD GLOB')");
	check_str(perr("ok name x\na/b\n"), "rules:2: missing field and glob "
	    "(expected 'FEATURE-PATH FIELD GLOB')");
	check_str(perr("a/b file x y\n"), "rules:1: unexpected text after "
	    "the glob: 'y' (a comment goes on a line of its own)");
	check_str(perr("a/b file x # note\n"), "rules:1: unexpected text "
	    "after the glob: '#' (a comment goes on a line of its own)");
	check_str(perr("\n\n\na/../b file x\n"), "rules:4: invalid feature "
	    "path 'a/../b': '.' or '..' segment in feature path");
	check_str(perr("1/2/3/4/5/6/7/8/9 file x\n"), "rules:1: invalid "
	    "feature path '1/2/3/4/5/6/7/8/9': feature path has more than 8 "
	    "segments");
	check_str(perr("a file [abc\n"), "rules:1: bad glob '[abc': "
	    "unterminated '['");
	check_str(perr("a file x[!]\n"), "rules:1: bad glob 'x[!]': "
	    "unterminated '['");
	check_str(perr("a file [z-a]\n"), "rules:1: bad glob '[z-a]': "
	    "reversed range");
	check_str(perr_n("a name x\nb na\0me y\n", 19), "rules:2: NUL byte");
	check_str(perr("a name x\x01\n"), "rules:1: control character");
	check_str(perr("a name \xff\n"), "rules:1: not valid UTF-8");
	check_str(perr("a name x\r\nb name y\r\nc nope z\r\n"),
	    "rules:3: unknown field 'nope' (expected file, classname, name "
	    "or tag)");

	/* over-long lines: 4096 bytes is the most */
	buf_init(&b);
	buf_puts(&b, "# one\na name ");
	for (i = 0; i < 4096 - 7; i++)
		buf_puts(&b, "x");
	check_str(perr(b.p), "ok 1");
	buf_puts(&b, "x\n");
	check_str(perr(b.p), "rules:2: line too long (at most 4096 bytes)");

	/* hostile: a 1 MB line, 100k lines, NUL bytes with a length */
	buf_reset(&b);
	for (i = 0; i < 1024 * 1024; i++)
		buf_puts(&b, "*");
	check_str(perr(b.p), "rules:1: line too long (at most 4096 bytes)");
	buf_reset(&b);
	for (i = 0; i < MAPRULE_RULES_MAX; i++)
		buf_printf(&b, "f%d name t%d\n", i % 97, i);
	check_str(perr(b.p), "ok 10000");
	for (; i < 100000; i++)
		buf_printf(&b, "f%d name t%d\n", i % 97, i);
	check_str(perr(b.p), "rules:10001: too many rules (at most 10000)");
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "# comment\n\n");
	check_str(perr(b.p), "ok 0");
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "x\n");
	check_str(perr(b.p), "rules:1: missing field and glob (expected "
	    "'FEATURE-PATH FIELD GLOB')");
	buf_free(&b);
	check_str(perr_n("\0\0\0\0", 4), "rules:1: NUL byte");
	check_str(perr_n("a name x\n\0", 10), "rules:2: NUL byte");
	check_str(perr_n("a name x\n\0", 9), "ok 1");

	/* no room for a message, or no name */
	ok(maprule_parse("x", 1, "r", NULL, 0) == NULL,
	    "an error without an err buffer is still an error");
	ok(maprule_parse("x", 1, NULL, err, sizeof(err)) == NULL &&
	    strncmp(err, "mapping rules:1: ", 17) == 0,
	    "a NULL name reads 'mapping rules': %s", err);
	ok(maprule_parse("x", 1, "r", err, 8) == NULL &&
	    strcmp(err, "r:1: mi") == 0, "a short err is cut: %s", err);
}

/* A glob that would backtrack exponentially in a naive matcher. */
static void
test_pathological(void)
{
	struct buf v;
	int i;

	buf_init(&v);
	for (i = 0; i < 20000; i++)
		buf_puts(&v, "a");
	check_int(gm("name", "*a*a*a*a*a*a*a*a*a*a*a*a*b", v.p), ==, 0);
	check_int(gm("file", "**/**/**/**/**/**/**/**/b", v.p), ==, 0);
	buf_puts(&v, "b");
	check_int(gm("name", "*a*a*a*a*a*a*a*a*a*a*a*a*b", v.p), ==, 1);
	buf_free(&v);
}

static void
test_heuristics(void)
{
	/* the examples of MAP-1 */
	check_str(heur("tests/checkout/payments/test_refunds.py", NULL),
	    "checkout/payments/refunds");
	ok(last_conf == 0.6, "a domain gives confidence 0.6");
	check_str(heur("src/test/java/com/shop/cart/CartServiceTest.java",
	    NULL), "shop/cart/cart_service");
	check_str(heur("pkg/auth/login_test.go", NULL), "auth/login");
	check_str(heur("spec/models/user_spec.rb", NULL), "models/user");
	check_str(heur("__tests__/cart/Cart.test.tsx", NULL), "cart/cart");
	check_str(heur("", "com.shop.cart.CartServiceTest"),
	    "shop/cart/cart_service");
	ok(last_conf == 0.5, "a class name gives confidence 0.5");
	check_str(heur(NULL, "tests.checkout.test_refunds.TestRefunds"),
	    "checkout/refunds");
	check_str(heur("test_login.py", NULL), "login");
	ok(last_conf == 0.5, "a file without a domain gives 0.5");
	check_str(heur("", ""), NULL);
	check_str(heur(NULL, NULL), NULL);
	check_str(heur("tests/unit/test.py", "tests.unit"), NULL);
	check_str(heur("tests/test_.py", NULL), NULL);

	/* more languages */
	check_str(heur("src/test/kotlin/com/shop/orders/OrderRepositorySpec.kt",
	    NULL), "shop/orders/order_repository");
	check_str(heur("tests/Unit/Billing/InvoiceTest.php", NULL),
	    "billing/invoice");
	check_str(heur("Shop.Tests/Cart/CartTests.cs", NULL), "shop/cart/cart");
	check_str(heur("tests/net/test_socket.c", NULL), "socket");
	ok(last_conf == 0.5, "net is noise: socket alone, 0.5");
	check_str(heur("internal/serve/serve_test.go", NULL), "serve/serve");
	check_str(heur("src/components/__tests__/HTTPClient.spec.js", NULL),
	    "components/http_client");
	check_str(heur("src/it/java/org/acme/billing/PaymentGatewayIT.java",
	    NULL), "acme/billing/payment_gateway");
	check_str(heur("test/integration-tests/search/test-query-parser.js",
	    NULL), "search/query_parser");
	check_str(heur("tests\\checkout\\test_cart.py", NULL),
	    "checkout/cart");
	check_str(heur("./tests/../checkout/test_cart.py", NULL),
	    "checkout/cart");
	check_str(heur("tests/zahlung/test_r\xc3\xbc" "ckerstattung.py", NULL),
	    "zahlung/r\xc3\xbc" "ckerstattung");
	check_str(heur("tests/Latest/LatestNews.test.ts", NULL),
	    "latest/latest_news");
	check_str(heur("tests/api/AUDIT.py", NULL), "api/audit");
	check_str(heur("tests/api/AuditIT.py", NULL), "api/audit");
	check_str(heur("tests/api/TestXMLParser.java", NULL),
	    "api/xml_parser");
	/* a stem that names nothing leaves the domain */
	check_str(heur("__tests__/checkout/index.test.ts", NULL), "checkout");
	ok(last_conf == 0.5, "domain alone gives 0.5");
	check_str(heur("src/shop/cart/__init__.py", NULL), "shop/cart");
	check_str(heur("tests/app/test_init.py", NULL), "init");
	check_str(heur("tests/search/test_io.py", NULL), "search/io");
	check_str(heur("a/b/c/d/e/f/g/h/i/j/x_test.go", NULL),
	    "a/b/c/d/e/f/g/x");
	check_str(heur("tests/unit/test.py", "com.shop.Cart"), "shop/cart");

	/* class names */
	check_str(heur(NULL, "Shop.Tests.Cart.CartTests"), "shop/cart/cart");
	check_str(heur(NULL, "tests::checkout::refunds_test"),
	    "checkout/refunds");
	check_str(heur(NULL, "com.shop.cart.CartServiceTest$WhenEmpty"),
	    "shop/cart/cart_service");
	check_str(heur(NULL, "tests.test_cart.CartTests"), "cart");
	check_str(heur(NULL, "tests.checkout.test_refunds"),
	    "checkout/refunds");
	check_str(heur(NULL, "CartTest"), "cart");
	check_str(heur(NULL, "..."), NULL);
	check_int(maprule_heuristic(NULL, NULL, 0, NULL), ==, -1);
}

/* The sample file parses as it ships, and with its examples enabled. */
static void
test_sample(const char *path)
{
	struct maprule_test t = { NULL, NULL, NULL, NULL };
	struct maprules *rs;
	struct buf b, on;
	char err[512];
	const char *p, *nl;

	buf_init(&b);
	buf_init(&on);
	if (!ok(slurp(path, &b) == 0, "read %s", path))
		goto out;
	rs = maprule_parse(b.p, b.len, path, err, sizeof(err));
	ok(rs != NULL, "the sample parses as it ships: %s",
	    rs != NULL ? "" : err);
	check_int(maprule_count(rs), ==, 0);
	maprule_free(rs);

	for (p = b.p; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		if (strncmp(p, "#: ", 3) == 0)
			p += 3;
		buf_append(&on, p, nl + 1 - p);
	}
	rs = maprule_parse(on.p, on.len, path, err, sizeof(err));
	ok(rs != NULL, "the sample parses with its examples enabled: %s",
	    rs != NULL ? "" : err);
	check_int(maprule_count(rs), ==, 8);
	t.file = "tests/checkout/payments/test_refund_twice.py";
	check_str(matches(rs, &t, 16),
	    "checkout/payments/refunds checkout/payments");
	t.file = "tests/checkout/test_refunds.py";
	check_str(matches(rs, &t, 16), "checkout/payments/refunds");
	t.file = "src/web/cart/Cart.test.tsx";
	t.classname = "com.shop.cart.CartTest";
	check_str(matches(rs, &t, 16), "checkout/cart");
	t.file = NULL;
	t.classname = NULL;
	t.name = "test_autosuggest_empty";
	t.tags = "smoke, search";
	check_str(matches(rs, &t, 16),
	    "search search/suggestions platform/smoke");
	t.name = NULL;
	t.tags = "auth-sso";
	check_str(matches(rs, &t, 16), "accounts/login");
	maprule_free(rs);
out:
	buf_free(&b);
	buf_free(&on);
}

int
main(int argc, char *argv[])
{
	test_norm();
	test_globs();
	test_order();
	test_errors();
	test_pathological();
	test_heuristics();
	test_sample(argc > 1 ? argv[1] : "conf/mapping.rules");
	return done_testing();
}
