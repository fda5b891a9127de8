/* Unit tests for lib/passes/diffscan.c: diff parsing, per-language signals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diffscan.h"
#include "tap.h"
#include "utf8.h"

static struct diffscan *ds;

/*
 * Scans the n bytes at s from an exactly sized copy without terminator,
 * so that AddressSanitizer sees any read past the end.
 */
static void
scan_n(const char *s, size_t n)
{
	char *copy = malloc(n != 0 ? n : 1);

	if (copy == NULL)
		abort();
	memcpy(copy, s, n);
	diffscan_free(ds);
	ds = diffscan_run(copy, n);
	free(copy);
}

static void
scan(const char *s)
{
	scan_n(s, strlen(s));
}

/* The finding of kind in file, or NULL. */
static const struct diff_finding *
get(const char *file, enum diff_kind kind)
{
	const struct diff_finding *f;
	size_t i;

	for (i = 0; (f = diffscan_finding(ds, i)) != NULL; i++)
		if (strcmp(f->file, file) == 0 && f->kind == kind)
			return f;
	return NULL;
}

/* The net count of kind in file, 0 when there is no finding. */
static int
count(const char *file, enum diff_kind kind)
{
	const struct diff_finding *f = get(file, kind);

	return f != NULL ? f->count : 0;
}

static int
line(const char *file, enum diff_kind kind)
{
	const struct diff_finding *f = get(file, kind);

	return f != NULL ? f->line : -1;
}

static const char *
text(const char *file, enum diff_kind kind)
{
	const struct diff_finding *f = get(file, kind);

	return f != NULL ? f->text : "(none)";
}

static const char *
context(const char *file, enum diff_kind kind)
{
	const struct diff_finding *f = get(file, kind);

	return f != NULL ? f->context : "(none)";
}

static const char *
path(size_t i)
{
	const struct diff_file *f = diffscan_file(ds, i);

	return f != NULL ? f->path : "(none)";
}

static int
is_test(size_t i)
{
	const struct diff_file *f = diffscan_file(ds, i);

	return f != NULL ? f->is_test : -1;
}

/* Predicate: every string of the current result is valid UTF-8. */
static int
all_valid(void)
{
	const struct diff_finding *f;
	const struct diff_file *df;
	size_t i;

	for (i = 0; (df = diffscan_file(ds, i)) != NULL; i++)
		if (!utf8_valid(df->path, strlen(df->path)))
			return 0;
	for (i = 0; (f = diffscan_finding(ds, i)) != NULL; i++)
		if (!utf8_valid(f->text, strlen(f->text)) ||
		    !utf8_valid(f->context, strlen(f->context)) ||
		    strlen(f->text) > 200 || strlen(f->context) > 200)
			return 0;
	return 1;
}

static const char py_diff[] =
    "diff --git a/tests/checkout/payments/test_refunds.py "
    "b/tests/checkout/payments/test_refunds.py\n"
    "index 1111111..2222222 100644\n"
    "--- a/tests/checkout/payments/test_refunds.py\n"
    "+++ b/tests/checkout/payments/test_refunds.py\n"
    "@@ -10,5 +10,6 @@ def test_refund_partial():\n"
    "     order = make_order(total=100)\n"
    "     refund = order.refund(40)\n"
    "-    assert refund.amount == 40\n"
    "-    self.assertEqual(order.balance, 60)\n"
    "+    # assert refund.amount == 40\n"
    "+    print(refund)  # assert refund\n"
    "+    x = \"assert nothing\"\n"
    "     order.close()\n"
    "@@ -30,2 +31,9 @@ class TestRefunds:\n"
    " \n"
    "+    @pytest.mark.skip(reason=\"flaky\")\n"
    "     def test_full(self):\n"
    "+        pytest.xfail(\"known\")\n"
    "+        try:\n"
    "+            pass\n"
    "+        except Exception:\n"
    "+            pass\n"
    "+        pytest.skip(\"later\")\n"
    "diff --git a/src/app.py b/src/app.py\n"
    "--- a/src/app.py\n"
    "+++ b/src/app.py\n"
    "@@ -1,2 +1,1 @@\n"
    "-assert config.ok\n"
    " run()\n";

static void
test_python(void)
{
	const char *f = "tests/checkout/payments/test_refunds.py";

	scan(py_diff);
	check_int(diffscan_nfiles(ds), ==, 2);
	check_str(path(0), f);
	check_int(is_test(0), ==, 1);
	check_str(path(1), "src/app.py");
	check_int(is_test(1), ==, 0);
	check_int(diffscan_nfindings(ds), ==, 4);
	/* comments and strings do not count as added assertions */
	check_int(count(f, DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line(f, DIFF_ASSERTION_REMOVED), ==, 12);
	check_str(text(f, DIFF_ASSERTION_REMOVED),
	    "assert refund.amount == 40");
	check_str(context(f, DIFF_ASSERTION_REMOVED),
	    "def test_refund_partial():");
	check_int(count(f, DIFF_SKIP_ADDED), ==, 2);
	check_int(line(f, DIFF_SKIP_ADDED), ==, 32);
	check_str(text(f, DIFF_SKIP_ADDED),
	    "@pytest.mark.skip(reason=\"flaky\")");
	check_str(context(f, DIFF_SKIP_ADDED), "class TestRefunds:");
	check_int(count(f, DIFF_XFAIL_ADDED), ==, 1);
	check_int(line(f, DIFF_XFAIL_ADDED), ==, 34);
	check_int(count(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 1);
	check_int(line(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 37);
	check_str(text(f, DIFF_BROAD_EXCEPTION_ADDED), "except Exception:");
	ok(get("src/app.py", DIFF_ASSERTION_REMOVED) == NULL,
	    "a removed assert in a non-test file is not reported");

	scan("--- a/tests/test_m.py\n+++ b/tests/test_m.py\n"
	    "@@ -1,5 +1,9 @@\n"
	    "+@unittest.skipIf(sys.platform == 'win32', 'x')\n"
	    "+@unittest.expectedFailure\n"
	    "+    self.skipTest('no db')\n"
	    "+    raise unittest.SkipTest('no db')\n"
	    "+except:\n"
	    " a\n"
	    "-    with pytest.raises(ValueError):\n"
	    "-    mock.assert_called_once_with(1)\n"
	    "+    with contextlib.suppress(Exception):\n"
	    " b\n"
	    " c\n");
	check_int(count("tests/test_m.py", DIFF_SKIP_ADDED), ==, 3);
	check_int(count("tests/test_m.py", DIFF_XFAIL_ADDED), ==, 1);
	check_int(count("tests/test_m.py", DIFF_BROAD_EXCEPTION_ADDED), ==, 2);
	check_int(count("tests/test_m.py", DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line("tests/test_m.py", DIFF_ASSERTION_REMOVED), ==, 2);
	check_str(context("tests/test_m.py", DIFF_ASSERTION_REMOVED), "");

	/* not assertions: assertion_count = 1, except ValueError */
	scan("--- a/tests/test_n.py\n+++ b/tests/test_n.py\n"
	    "@@ -1,2 +1,1 @@\n"
	    "-assertion_count = 1\n"
	    "-reassert(x)\n"
	    "+except ValueError:\n");
	check_int(diffscan_nfindings(ds), ==, 0);
}

static void
test_moved(void)
{
	scan("diff --git a/tests/test_cart.py b/tests/test_cart.py\n"
	    "--- a/tests/test_cart.py\n+++ b/tests/test_cart.py\n"
	    "@@ -3,3 +3,2 @@ def test_total():\n"
	    "     total = cart.total()\n"
	    "-    assert total == 3\n"
	    "     cart.clear()\n"
	    "@@ -20,2 +19,3 @@ def test_clear():\n"
	    "     cart.clear()\n"
	    "+    assert total == 3\n"
	    "     done()\n");
	check_int(diffscan_nfiles(ds), ==, 1);
	check_int(diffscan_nfindings(ds), ==, 0);

	/* a skip moved between two sections of one file: no finding */
	scan("diff --git a/tests/test_c.py b/tests/test_c.py\n"
	    "--- a/tests/test_c.py\n+++ b/tests/test_c.py\n"
	    "@@ -1 +1 @@\n-@pytest.mark.skip\n+x\n"
	    "diff --git a/tests/test_c.py b/tests/test_c.py\n"
	    "--- a/tests/test_c.py\n+++ b/tests/test_c.py\n"
	    "@@ -9 +9 @@\n-y\n+@pytest.mark.skip\n");
	check_int(diffscan_nfiles(ds), ==, 1);
	check_int(diffscan_nfindings(ds), ==, 0);
}

static void
test_js(void)
{
	const char *f = "__tests__/cart/Cart.test.tsx";

	scan("diff --git a/__tests__/cart/Cart.test.tsx "
	    "b/__tests__/cart/Cart.test.tsx\n"
	    "--- a/__tests__/cart/Cart.test.tsx\n"
	    "+++ b/__tests__/cart/Cart.test.tsx\n"
	    "@@ -1,7 +1,10 @@ describe('Cart', () => {\n"
	    "-  it('adds items', () => {\n"
	    "+  it.skip('adds items', () => {\n"
	    "     const cart = new Cart();\n"
	    "-    expect(cart.total()).toBe(0);\n"
	    "-    assert.equal(cart.size, 0);\n"
	    "+    // expect(cart.total()).toBe(0);\n"
	    "+    try { cart.add(null); } catch (e) { /* ignore */ }\n"
	    "+    fetchAll().catch(() => {});\n"
	    "   });\n"
	    "-  xit('removes items', () => {});\n"
	    "+  test.failing('removes items', () => {});\n"
	    "+  xdescribe('later', () => {});\n"
	    "+  const s = \"it.skip(\";\n"
	    " });\n");
	check_int(is_test(0), ==, 1);
	check_int(count(f, DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line(f, DIFF_ASSERTION_REMOVED), ==, 3);
	check_str(context(f, DIFF_ASSERTION_REMOVED),
	    "describe('Cart', () => {");
	/* two added, one removed */
	check_int(count(f, DIFF_SKIP_ADDED), ==, 1);
	check_int(line(f, DIFF_SKIP_ADDED), ==, 1);
	check_str(text(f, DIFF_SKIP_ADDED), "it.skip('adds items', () => {");
	check_int(count(f, DIFF_XFAIL_ADDED), ==, 1);
	check_int(line(f, DIFF_XFAIL_ADDED), ==, 7);
	check_int(count(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 2);
	check_int(line(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 4);

	scan("--- a/web/cart.spec.js\n+++ b/web/cart.spec.js\n"
	    "@@ -1,4 +1,6 @@\n"
	    "-  cart.should.have.length(1);\n"
	    "-  sinon.assert.calledOnce(spy);\n"
	    "-  assert(cart);\n"
	    "-  await expect.soft(page).toHaveTitle('x');\n"
	    "+  } catch (err) {\n"
	    "+  } catch (err) { throw err; }\n"
	    "+  p.catch((e) => { log(e); });\n"
	    "+  p.catch(noop);\n"
	    "+  this.skip();\n"
	    "+  it.todo('later');\n");
	check_int(count("web/cart.spec.js", DIFF_ASSERTION_REMOVED), ==, 4);
	check_int(count("web/cart.spec.js", DIFF_BROAD_EXCEPTION_ADDED), ==, 1);
	check_str(text("web/cart.spec.js", DIFF_BROAD_EXCEPTION_ADDED),
	    "p.catch(noop);");
	check_int(count("web/cart.spec.js", DIFF_SKIP_ADDED), ==, 2);
}

static void
test_java_kotlin(void)
{
	const char *j = "src/test/java/com/shop/cart/CartServiceTest.java";
	const char *k = "src/test/kotlin/com/shop/CartTest.kt";

	scan("diff --git a/src/test/java/com/shop/cart/CartServiceTest.java "
	    "b/src/test/java/com/shop/cart/CartServiceTest.java\n"
	    "index 3b18e51..a9c1f2e 100644\n"
	    "--- a/src/test/java/com/shop/cart/CartServiceTest.java\n"
	    "+++ b/src/test/java/com/shop/cart/CartServiceTest.java\n"
	    "@@ -20,6 +20,10 @@ class CartServiceTest {\n"
	    "     @Test\n"
	    "+    @Disabled(\"flaky on CI\")\n"
	    "     void addsItem() {\n"
	    "-        assertEquals(1, cart.size());\n"
	    "-        verify(repo).save(any());\n"
	    "-        Assertions.assertThat(cart.isEmpty()).isFalse();\n"
	    "+        try {\n"
	    "+            cart.add(item);\n"
	    "+        } catch (final Exception e) {\n"
	    "+        }\n"
	    "+        // assertEquals(2, cart.size());\n"
	    "     }\n"
	    "+        } catch (IllegalArgumentException expected) {}\n"
	    "diff --git a/src/test/kotlin/com/shop/CartTest.kt "
	    "b/src/test/kotlin/com/shop/CartTest.kt\n"
	    "--- a/src/test/kotlin/com/shop/CartTest.kt\n"
	    "+++ b/src/test/kotlin/com/shop/CartTest.kt\n"
	    "@@ -5,1 +5,3 @@ class CartTest {\n"
	    "-        cart.size shouldBe 1\n"
	    "+        } catch (e: Throwable) {\n"
	    "+        Assumptions.assumeTrue(isCi)\n"
	    "+        @Ignore\n");
	check_int(diffscan_nfiles(ds), ==, 2);
	check_int(count(j, DIFF_ASSERTION_REMOVED), ==, 3);
	check_int(line(j, DIFF_ASSERTION_REMOVED), ==, 22);
	check_str(text(j, DIFF_ASSERTION_REMOVED),
	    "assertEquals(1, cart.size());");
	check_str(context(j, DIFF_ASSERTION_REMOVED),
	    "class CartServiceTest {");
	check_int(count(j, DIFF_SKIP_ADDED), ==, 1);
	check_int(line(j, DIFF_SKIP_ADDED), ==, 21);
	/* a typed expected-exception catch is not catch-all */
	check_int(count(j, DIFF_BROAD_EXCEPTION_ADDED), ==, 1);
	check_int(line(j, DIFF_BROAD_EXCEPTION_ADDED), ==, 25);
	check_int(count(j, DIFF_XFAIL_ADDED), ==, 0);
	check_int(count(k, DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(count(k, DIFF_BROAD_EXCEPTION_ADDED), ==, 1);
	check_int(count(k, DIFF_SKIP_ADDED), ==, 2);
}

static void
test_go(void)
{
	const char *f = "pkg/auth/login_test.go";

	scan("diff --git a/pkg/auth/login_test.go b/pkg/auth/login_test.go\n"
	    "--- a/pkg/auth/login_test.go\n"
	    "+++ b/pkg/auth/login_test.go\n"
	    "@@ -15,6 +15,7 @@ func TestLogin(t *testing.T) {\n"
	    "+\tt.Skip(\"broken upstream\")\n"
	    " \ttok, err := Login(\"u\", \"p\")\n"
	    "-\tif err != nil {\n"
	    "-\t\tt.Fatalf(\"login: %v\", err)\n"
	    "-\t}\n"
	    "+\tdefer func() { recover() }()\n"
	    " \trequire.NotEmpty(t, tok)\n"
	    "-\tassert.Equal(t, \"u\", tok.User)\n"
	    "+\t// t.Errorf(\"x\")\n"
	    "+\tt.Skipf(\"%s\", \"x\")\n"
	    "+\tif t.Failed() {\n");
	check_int(count(f, DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line(f, DIFF_ASSERTION_REMOVED), ==, 17);
	check_str(text(f, DIFF_ASSERTION_REMOVED),
	    "t.Fatalf(\"login: %v\", err)");
	check_str(context(f, DIFF_ASSERTION_REMOVED),
	    "func TestLogin(t *testing.T) {");
	check_int(count(f, DIFF_SKIP_ADDED), ==, 2);
	check_int(line(f, DIFF_SKIP_ADDED), ==, 15);
	check_int(count(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 1);
	check_int(line(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 17);
}

static void
test_c(void)
{
	const char *f = "tests/cart_test.cc";

	scan("diff --git a/tests/cart_test.cc b/tests/cart_test.cc\n"
	    "--- a/tests/cart_test.cc\n+++ b/tests/cart_test.cc\n"
	    "@@ -8,5 +8,6 @@ namespace {\n"
	    "-TEST(Cart, Adds) {\n"
	    "+TEST(Cart, DISABLED_Adds) {\n"
	    "-  ASSERT_EQ(1, cart.size());\n"
	    "-  EXPECT_TRUE(cart.ok());\n"
	    "+  try { cart.add(); } catch (...) {}\n"
	    "+  GTEST_SKIP() << \"later\";\n"
	    "+  /* EXPECT_TRUE(x); */\n"
	    "+  * EXPECT_TRUE(y);\n"
	    "-  static_assert(sizeof(int) == 4, \"x\");\n"
	    " }\n");
	check_int(count(f, DIFF_SKIP_ADDED), ==, 2);
	check_int(line(f, DIFF_SKIP_ADDED), ==, 8);
	check_int(count(f, DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line(f, DIFF_ASSERTION_REMOVED), ==, 9);
	check_int(count(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 1);
	check_str(text(f, DIFF_BROAD_EXCEPTION_ADDED),
	    "try { cart.add(); } catch (...) {}");

	scan("--- a/t/unit/t-cart.c\n+++ b/t/unit/t-cart.c\n"
	    "@@ -1,5 +1,1 @@\n"
	    "-\tck_assert_int_eq(a, 1);\n"
	    "-\tCU_ASSERT_EQUAL(a, 1);\n"
	    "-\tcheck_int(a, ==, 1);\n"
	    "-\tassert(a == 1);\n"
	    "-\tTEST_ASSERT_EQUAL(1, a);\n"
	    "+\tSKIP(\"later\");\n");
	check_int(count("t/unit/t-cart.c", DIFF_ASSERTION_REMOVED), ==, 5);
	check_int(count("t/unit/t-cart.c", DIFF_SKIP_ADDED), ==, 1);
}

static void
test_ruby(void)
{
	const char *f = "spec/models/user_spec.rb";

	scan("diff --git a/spec/models/user_spec.rb "
	    "b/spec/models/user_spec.rb\n"
	    "--- a/spec/models/user_spec.rb\n+++ b/spec/models/user_spec.rb\n"
	    "@@ -4,3 +4,10 @@ describe User do\n"
	    "   it \"names\" do\n"
	    "-    expect(user.name).to eq(\"bob\")\n"
	    "-    assert_equal 1, user.id\n"
	    "+    skip \"needs db\"\n"
	    "+    pending \"broken since #42\"\n"
	    "+    begin\n"
	    "+      user.save!\n"
	    "+    rescue => e\n"
	    "+    end\n"
	    "+    # expect(x).to eq(1)\n"
	    "+    status = :pending\n"
	    "+    foo rescue nil\n");
	check_int(count(f, DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line(f, DIFF_ASSERTION_REMOVED), ==, 5);
	check_int(count(f, DIFF_SKIP_ADDED), ==, 1);
	check_int(line(f, DIFF_SKIP_ADDED), ==, 5);
	check_int(count(f, DIFF_XFAIL_ADDED), ==, 1);
	check_str(text(f, DIFF_XFAIL_ADDED), "pending \"broken since #42\"");
	check_int(count(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 2);
	check_int(line(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 9);

	scan("--- a/test/user_test.rb\n+++ b/test/user_test.rb\n"
	    "@@ -1,3 +1,3 @@\n"
	    "-    _(user.name).must_equal \"bob\"\n"
	    "-    user.name.should == \"bob\"\n"
	    "-    refute user.admin?\n"
	    "+    xit \"later\" do\n"
	    "+    rescue\n"
	    "+    skip_count = 3\n");
	check_int(count("test/user_test.rb", DIFF_ASSERTION_REMOVED), ==, 3);
	check_int(count("test/user_test.rb", DIFF_SKIP_ADDED), ==, 1);
	check_int(count("test/user_test.rb", DIFF_BROAD_EXCEPTION_ADDED), ==,
	    1);
}

static void
test_php(void)
{
	const char *f = "tests/Unit/CartTest.php";

	scan("diff --git a/tests/Unit/CartTest.php b/tests/Unit/CartTest.php\n"
	    "--- a/tests/Unit/CartTest.php\n+++ b/tests/Unit/CartTest.php\n"
	    "@@ -12,4 +12,8 @@ final class CartTest extends TestCase\n"
	    "+    /**\n"
	    "+     * @group skip\n"
	    "+     */\n"
	    "     public function testAdd(): void\n"
	    "     {\n"
	    "-        $this->assertSame(1, $cart->count());\n"
	    "-        self::assertTrue($cart->isEmpty());\n"
	    "+        $this->markTestSkipped('later');\n"
	    "+        try { $cart->add(); } catch (\\Exception $e) {}\n"
	    "+        # $this->assertSame(2, 3);\n");
	check_int(count(f, DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line(f, DIFF_ASSERTION_REMOVED), ==, 14);
	check_str(context(f, DIFF_ASSERTION_REMOVED),
	    "final class CartTest extends TestCase");
	check_int(count(f, DIFF_SKIP_ADDED), ==, 2);
	check_int(line(f, DIFF_SKIP_ADDED), ==, 13);
	check_str(text(f, DIFF_SKIP_ADDED), "* @group skip");
	check_int(count(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 1);
	check_int(line(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 18);

	scan("--- a/tests/PayTest.php\n+++ b/tests/PayTest.php\n"
	    "@@ -1 +1,3 @@\n"
	    "-        expect($total)->toBe(3);\n"
	    "+    #[Group('skip')]\n"
	    "+        } catch (Throwable $t) {\n"
	    "+        } catch (InvalidArgumentException $e) {}\n");
	check_int(count("tests/PayTest.php", DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(count("tests/PayTest.php", DIFF_SKIP_ADDED), ==, 1);
	check_int(count("tests/PayTest.php", DIFF_BROAD_EXCEPTION_ADDED), ==,
	    1);
}

static void
test_csharp(void)
{
	const char *f = "Shop.Tests/CartTests.cs";

	scan("diff --git a/Shop.Tests/CartTests.cs b/Shop.Tests/CartTests.cs\n"
	    "--- a/Shop.Tests/CartTests.cs\n+++ b/Shop.Tests/CartTests.cs\n"
	    "@@ -7,4 +7,8 @@ public class CartTests\n"
	    "+    [Fact(Skip = \"flaky\")]\n"
	    "     public void Adds()\n"
	    "     {\n"
	    "-        Assert.Equal(1, cart.Count);\n"
	    "-        cart.Total.Should().Be(0);\n"
	    "+        try { cart.Add(); } catch (Exception) { }\n"
	    "+        try { cart.Add(); } catch { }\n"
	    "+        // Assert.Equal(2, 3);\n"
	    "+    [Test, Ignore(\"later\")]\n"
	    "+        } catch (ArgumentException e) { }\n");
	check_int(is_test(0), ==, 1);
	check_int(count(f, DIFF_ASSERTION_REMOVED), ==, 2);
	check_int(line(f, DIFF_ASSERTION_REMOVED), ==, 9);
	check_int(count(f, DIFF_SKIP_ADDED), ==, 2);
	check_int(line(f, DIFF_SKIP_ADDED), ==, 7);
	check_str(text(f, DIFF_SKIP_ADDED), "[Fact(Skip = \"flaky\")]");
	check_int(count(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 2);
	check_int(line(f, DIFF_BROAD_EXCEPTION_ADDED), ==, 10);
}

static const char headers_diff[] =
    "diff --git a/tests/old_test.py b/tests/new_test.py\n"
    "similarity index 90%\n"
    "rename from tests/old_test.py\n"
    "rename to tests/new_test.py\n"
    "index 1234567..89abcde 100644\n"
    "--- a/tests/old_test.py\n"
    "+++ b/tests/new_test.py\n"
    "@@ -1,2 +1 @@\n"
    "-assert a\n"
    " x = 1\n"
    "\\ No newline at end of file\n"
    "diff --git a/tests/gone_test.go b/tests/gone_test.go\n"
    "deleted file mode 100644\n"
    "index abcdef0..0000000\n"
    "--- a/tests/gone_test.go\n"
    "+++ /dev/null\n"
    "@@ -1,3 +0,0 @@\n"
    "-func TestX(t *testing.T) {\n"
    "-\tt.Fatal(\"x\")\n"
    "-}\n"
    "diff --git a/web/new.js b/web/new.js\n"
    "new file mode 100644\n"
    "index 0000000..abcdef0\n"
    "--- /dev/null\n"
    "+++ b/web/new.js\n"
    "@@ -0,0 +1 @@\n"
    "+export const x = 1;\n"
    "\\ No newline at end of file\n"
    "diff --git a/img/logo.png b/img/logo.png\n"
    "new file mode 100644\n"
    "index 0000000..1234567\n"
    "Binary files /dev/null and b/img/logo.png differ\n"
    "diff --git a/img/old.png b/img/old.png\n"
    "deleted file mode 100644\n"
    "index 1234567..0000000\n"
    "Binary files a/img/old.png and /dev/null differ\n"
    "diff --git a/docs/a b.md b/docs/a b.md\n"
    "index 1111111..2222222 100644\n"
    "--- a/docs/a b.md\t\n"
    "+++ b/docs/a b.md\t\n"
    "@@ -1 +1 @@\n"
    "-x\n"
    "+y\n"
    "diff --git \"a/tests/t\\303\\251st_x.py\" "
    "\"b/tests/t\\303\\251st_x.py\"\n"
    "index 1111111..2222222 100644\n"
    "--- \"a/tests/t\\303\\251st_x.py\"\n"
    "+++ \"b/tests/t\\303\\251st_x.py\"\n"
    "@@ -1 +1 @@ def test_\xc3\xa9():\n"
    "-    assert x\n"
    "+    pass\n"
    "diff --git a/tests/moved_test.rb b/spec/moved_spec.rb\n"
    "similarity index 100%\n"
    "rename from tests/moved_test.rb\n"
    "rename to spec/moved_spec.rb\n"
    "diff --git a/bin/run b/bin/run\n"
    "old mode 100644\n"
    "new mode 100755\n";

static void
test_headers(void)
{
	scan(headers_diff);
	check_int(diffscan_nfiles(ds), ==, 9);
	check_str(path(0), "tests/new_test.py");
	check_str(path(1), "tests/gone_test.go");
	check_int(is_test(1), ==, 1);
	check_str(path(2), "web/new.js");
	check_int(is_test(2), ==, 0);
	check_str(path(3), "img/logo.png");
	check_str(path(4), "img/old.png");
	check_str(path(5), "docs/a b.md");
	check_str(path(6), "tests/t\xc3\xa9st_x.py");
	check_str(path(7), "spec/moved_spec.rb");
	check_int(is_test(7), ==, 1);
	check_str(path(8), "bin/run");
	check_int(diffscan_nfindings(ds), ==, 3);
	check_int(count("tests/new_test.py", DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(line("tests/new_test.py", DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(count("tests/gone_test.go", DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(line("tests/gone_test.go", DIFF_ASSERTION_REMOVED), ==, 2);
	check_str(text("tests/gone_test.go", DIFF_ASSERTION_REMOVED),
	    "t.Fatal(\"x\")");
	check_str(context("tests/t\xc3\xa9st_x.py", DIFF_ASSERTION_REMOVED),
	    "def test_\xc3\xa9():");

	/* a plain diff -u with time stamps, no git header */
	scan("--- tests/a_test.go.orig\t2024-01-01 00:00:00.000 +0000\n"
	    "+++ tests/a_test.go\t2024-01-02 00:00:00.000 +0000\n"
	    "@@ -1,2 +1 @@\n"
	    "-\tt.Errorf(\"x\")\n"
	    " }\n"
	    "--- tests/b_test.go.orig\n"
	    "+++ tests/b_test.go\n"
	    "@@ -1 +1 @@\n"
	    "-\tt.Errorf(\"x\")\n"
	    "+\tt.Errorf(\"y\")\n");
	check_int(diffscan_nfiles(ds), ==, 2);
	check_str(path(0), "tests/a_test.go");
	check_str(path(1), "tests/b_test.go");
	check_int(count("tests/a_test.go", DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(diffscan_nfindings(ds), ==, 1);

	/* removed lines that look like headers stay in their hunk */
	scan("diff --git a/tests/test_s.py b/tests/test_s.py\n"
	    "--- a/tests/test_s.py\n+++ b/tests/test_s.py\n"
	    "@@ -1,4 +1,2 @@\n"
	    "--- a/not/a/header.py\n"
	    "-+++ b/not/a/header.py\n"
	    "-assert y\n"
	    " x\n"
	    "+++ counter\n");
	check_int(diffscan_nfiles(ds), ==, 1);
	check_int(count("tests/test_s.py", DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(line("tests/test_s.py", DIFF_ASSERTION_REMOVED), ==, 3);

	/* CRLF line ends */
	scan("diff --git a/tests/test_w.py b/tests/test_w.py\r\n"
	    "--- a/tests/test_w.py\r\n+++ b/tests/test_w.py\r\n"
	    "@@ -1 +1 @@ def test_w():\r\n"
	    "-    assert x\r\n"
	    "+    pass\r\n");
	check_str(path(0), "tests/test_w.py");
	check_str(text("tests/test_w.py", DIFF_ASSERTION_REMOVED), "assert x");
	check_str(context("tests/test_w.py", DIFF_ASSERTION_REMOVED),
	    "def test_w():");

	/* a merge's combined diff: listed, not looked into */
	scan("diff --cc tests/test_m.py\n"
	    "index 1,2..3\n"
	    "--- a/tests/test_m.py\n"
	    "+++ b/tests/test_m.py\n"
	    "@@@ -1,2 -1,2 +1,2 @@@\n"
	    "- assert x\n"
	    " -assert y\n"
	    "++pytest.skip()\n"
	    "  z\n");
	check_int(diffscan_nfiles(ds), ==, 1);
	check_str(path(0), "tests/test_m.py");
	check_int(diffscan_nfindings(ds), ==, 0);
}

static void
test_multi(void)
{
	scan(py_diff);
	check_int(diffscan_nfiles(ds), ==, 2);
	/* Python, Go and a non-test file in one diff */
	scan("diff --git a/tests/test_a.py b/tests/test_a.py\n"
	    "--- a/tests/test_a.py\n+++ b/tests/test_a.py\n"
	    "@@ -1 +1 @@\n-assert a\n+pass\n"
	    "diff --git a/README.md b/README.md\n"
	    "--- a/README.md\n+++ b/README.md\n"
	    "@@ -1 +1 @@\n-assert a\n+@pytest.mark.skip\n"
	    "diff --git a/x/y_test.go b/x/y_test.go\n"
	    "--- a/x/y_test.go\n+++ b/x/y_test.go\n"
	    "@@ -1 +1 @@\n-\tt.Error(\"a\")\n+\tt.SkipNow()\n");
	check_int(diffscan_nfiles(ds), ==, 3);
	check_int(is_test(1), ==, 0);
	check_int(diffscan_nfindings(ds), ==, 3);
	check_str(diffscan_finding(ds, 0)->file, "tests/test_a.py");
	check_str(diff_kind_names[diffscan_finding(ds, 0)->kind],
	    "assertion_removed");
	check_str(diffscan_finding(ds, 1)->file, "x/y_test.go");
	check_str(diff_kind_names[diffscan_finding(ds, 2)->kind],
	    "skip_added");
	ok(diffscan_finding(ds, 3) == NULL, "finding past the end is NULL");
	ok(diffscan_file(ds, 3) == NULL, "file past the end is NULL");
	check_str(diff_kind_names[DIFF_XFAIL_ADDED], "xfail_added");
	check_str(diff_kind_names[DIFF_BROAD_EXCEPTION_ADDED],
	    "broad_exception_added");
}

/* A small deterministic generator for garbage. */
static unsigned long
rnd(void)
{
	static unsigned long x = 88172645463325252UL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void
test_hostile(void)
{
	static const char alphabet[] = "@@ -+\n\\ad/b\"c(){}#*0123456789,";
	struct buf b;
	size_t i, n, crashes = 0;
	char *big;

	scan_n("", 0);
	check_int(diffscan_nfiles(ds), ==, 0);
	diffscan_free(ds);
	ds = diffscan_run(NULL, 0);
	check_int(diffscan_nfiles(ds), ==, 0);
	check_int(diffscan_nfindings(ds), ==, 0);
	diffscan_free(NULL);

	/* no newline at the end */
	scan("--- a/tests/test_e.py\n+++ b/tests/test_e.py\n"
	    "@@ -1 +0,0 @@\n-assert last");
	check_int(count("tests/test_e.py", DIFF_ASSERTION_REMOVED), ==, 1);
	check_str(text("tests/test_e.py", DIFF_ASSERTION_REMOVED),
	    "assert last");

	/* absurd hunk headers: skipped, and the next file is still read */
	scan("diff --git a/tests/test_h.py b/tests/test_h.py\n"
	    "@@ -99999999999,x +y @@\n-assert a\n"
	    "@@ -99999999999,3 +1,3 @@\n-assert b\n"
	    "@@ -1,999999999 +1,999999999 @@ huge\n-assert c\n+pytest.skip()\n"
	    "diff --git a/tests/test_i.py b/tests/test_i.py\n"
	    "@@ -1,100 +1,100 @@\n-assert d\n"
	    "diff --git a/tests/test_j.py b/tests/test_j.py\n"
	    "@@ -2147483647,3 +2147483647,3 @@\n-assert e\n \n"
	    "@@ -0,0 +0,0 @@\n-assert f\n"
	    "@@\n@@ -\n@@ -1,\n@@ -1 +\n@@ -1 +1\n@@ -1 +1 @\n");
	check_int(diffscan_nfiles(ds), ==, 3);
	check_int(count("tests/test_h.py", DIFF_ASSERTION_REMOVED), ==, 1);
	check_str(context("tests/test_h.py", DIFF_ASSERTION_REMOVED), "huge");
	check_int(count("tests/test_h.py", DIFF_SKIP_ADDED), ==, 1);
	check_int(count("tests/test_i.py", DIFF_ASSERTION_REMOVED), ==, 1);
	check_int(count("tests/test_j.py", DIFF_ASSERTION_REMOVED), ==, 0);

	/* found by fuzz/fuzz-diffscan.c: a finding numbered line 0 */
	scan("--- a/test/user_test.rb\n+++ b/test/user_test.rb\n"
	    "@@ -0,3 +1,3 @@\n-    refute user.admin?\n+    x\n"
	    "@@ -5,1 +0,1 @@\n-    y\n+    xit \"later\" do\n");
	check_int(diffscan_nfindings(ds), ==, 0);
	ok(line("test/user_test.rb", DIFF_ASSERTION_REMOVED) != 0 &&
	    line("test/user_test.rb", DIFF_SKIP_ADDED) != 0,
	    "issue 11 fuzz: a hunk side at line 0 with lines is skipped, "
	    "no finding is numbered 0");
	scan("--- a/tests/PayTest.php\n+++ b/tests/PayTest.php\n"
	    "@@ -1,3 +0,0 @@\n-        a();\n-        b();\n"
	    "+        } catch (Throwable $t) {\n");
	check_int(count("tests/PayTest.php", DIFF_BROAD_EXCEPTION_ADDED), ==,
	    0);
	scan("--- a/tests/PayTest.php\n+++ b/tests/PayTest.php\n"
	    "@@ -4,1 +4,2 @@\n-        a();\n"
	    "-        $this->assertTrue($x);\n+        b();\n");
	check_int(count("tests/PayTest.php", DIFF_ASSERTION_REMOVED), ==, 0);
	ok(diffscan_nfindings(ds) == 0, "issue 11 fuzz: a line for a hunk "
	    "side whose count is used up is not counted (it was numbered "
	    "outside the hunk, or 0)");

	/* NUL bytes inside lines, given a length */
	{
		static const char nul[] =
		    "diff --git a/tests/test_z.py b/tests/test_z.py\n"
		    "--- a/tests/test_z.py\n+++ b/tests/test_z.py\n"
		    "@@ -1,2 +1,2 @@ def t\0x():\n"
		    " a\0b\n"
		    "+    pytest.skip(\0)\n"
		    "-    assert \0\0\n"
		    "diff --git \"a/tests/x\\000_test.py\" "
		    "\"b/tests/x\\000_test.py\"\n";

		scan_n(nul, sizeof(nul) - 1);
		check_int(diffscan_nfiles(ds), ==, 1);
		check_int(count("tests/test_z.py", DIFF_SKIP_ADDED), ==, 1);
		check_int(line("tests/test_z.py", DIFF_SKIP_ADDED), ==, 2);
		check_str(text("tests/test_z.py", DIFF_SKIP_ADDED),
		    "pytest.skip( )");
		check_str(context("tests/test_z.py", DIFF_SKIP_ADDED),
		    "def t x():");
		check_int(count("tests/test_z.py", DIFF_ASSERTION_REMOVED), ==,
		    1);
	}

	/* a 1 MB line inside a hunk and one between hunks */
	n = 1 << 20;
	big = malloc(n + 1);
	if (big == NULL)
		abort();
	memset(big, 'a', n);
	big[n] = '\0';
	big[0] = '+';
	memcpy(big + 1, "pytest.skip(", 12);
	buf_init(&b);
	buf_puts(&b, "diff --git a/tests/test_l.py b/tests/test_l.py\n"
	    "--- a/tests/test_l.py\n+++ b/tests/test_l.py\n"
	    "@@ -1,2 +1,4 @@\n");
	buf_puts(&b, big);
	buf_puts(&b, "\n+@pytest.mark.skip\n x\n-assert y\n+z\n");
	buf_puts(&b, big);
	buf_puts(&b, "\n");
	scan_n(b.p, b.len);
	check_int(count("tests/test_l.py", DIFF_SKIP_ADDED), ==, 1);
	check_int(line("tests/test_l.py", DIFF_SKIP_ADDED), ==, 2);
	check_int(line("tests/test_l.py", DIFF_ASSERTION_REMOVED), ==, 2);
	buf_free(&b);
	free(big);

	/* text is cut at 200 bytes, not inside a UTF-8 sequence */
	buf_init(&b);
	buf_puts(&b, "--- a/tests/test_u.py\n+++ b/tests/test_u.py\n"
	    "@@ -0,0 +1 @@ ");
	for (i = 0; i < 150; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "\n+    pytest.skip(x");
	for (i = 0; i < 150; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, ")\n");
	scan_n(b.p, b.len);
	check_int(strlen(text("tests/test_u.py", DIFF_SKIP_ADDED)), ==, 199);
	check_int(strlen(context("tests/test_u.py", DIFF_SKIP_ADDED)), ==,
	    200);
	buf_free(&b);

	/* invalid UTF-8 in paths, text and context becomes '?' */
	scan("diff --git \"a/tests/caf\\351_test.go\" "
	    "\"b/tests/caf\\351_test.go\"\n"
	    "@@ -1 +1 @@ func T\xff(t) {\n"
	    "-\tt.Error(\"\xe9t\xc3\xa9\")\n"
	    "+\tx\n");
	check_str(path(0), "tests/caf?_test.go");
	check_str(text("tests/caf?_test.go", DIFF_ASSERTION_REMOVED),
	    "t.Error(\"?t\xc3\xa9\")");
	check_str(context("tests/caf?_test.go", DIFF_ASSERTION_REMOVED),
	    "func T?(t) {");

	/* garbage, and every prefix of a real diff */
	buf_init(&b);
	for (i = 0; i < 200000; i++)
		buf_append(&b, &alphabet[rnd() % (sizeof(alphabet) - 1)], 1);
	scan_n(b.p, b.len);
	ok(ds != NULL, "random garbage is survived");
	for (i = 0; i < b.len; i++)
		b.p[i] = (char)(rnd() & 0xff);
	scan_n(b.p, b.len);
	ok(ds != NULL, "random bytes are survived");
	/* random bytes in the lines of a test file's hunk */
	buf_reset(&b);
	buf_puts(&b, "diff --git a/tests/test_r.py b/tests/test_r.py\n"
	    "@@ -1,100000 +1,100000 @@ \x80\xfe ctx\n");
	for (i = 0; i < 20000; i++) {
		buf_puts(&b, i % 2 ? "+    pytest.skip(" : "-    assert ");
		for (n = 0; n < 40; n++) {
			char c = (char)(rnd() & 0xff);
			if (c != '\n')
				buf_append(&b, &c, 1);
		}
		buf_puts(&b, "\n");
	}
	scan_n(b.p, b.len);
	check_int(diffscan_nfindings(ds), >=, 1);
	ok(all_valid(), "texts and contexts from random bytes are UTF-8");
	buf_free(&b);
	for (n = 0; n <= sizeof(headers_diff) - 1; n++) {
		scan_n(headers_diff, n);
		if (ds == NULL)
			crashes++;
	}
	for (n = 0; n <= sizeof(py_diff) - 1; n++) {
		scan_n(py_diff, n);
		if (ds == NULL)
			crashes++;
	}
	check_int(crashes, ==, 0);

	/* too many files: capped */
	buf_init(&b);
	for (i = 0; i < 10001; i++)
		buf_printf(&b, "diff --git a/f%zu_test.go b/f%zu_test.go\n"
		    "@@ -1 +1 @@\n-\tt.Error(x)\n+\tx\n", i, i);
	scan_n(b.p, b.len);
	check_int(diffscan_nfiles(ds), ==, 10000);
	check_int(diffscan_nfindings(ds), ==, 10000);
	check_int(diffscan_truncated(ds), ==, 1);
	buf_free(&b);
	scan(py_diff);
	check_int(diffscan_truncated(ds), ==, 0);
}

static void
test_paths(void)
{
	static const char *const yes[] = {
		"src/test/java/com/shop/cart/CartServiceTest.java",
		"pkg/auth/login_test.go",
		"spec/models/user_spec.rb",
		"__tests__/cart/Cart.test.tsx",
		"tests/checkout/payments/test_refunds.py",
		"conftest.py",
		"app/tests/conftest.py",
		"web/src/cart.spec.ts",
		"cypress/e2e/login.cy.js",
		"src/test/java/com/shop/CartIT.java",
		"src/test/kotlin/com/shop/CartTest.kt",
		"Shop.Tests/Helpers.cs",
		"src/Shop/CartTests.cs",
		"tests/Unit/CartTest.php",
		"test/user_test.rb",
		"t/unit/t-ident.c",
		"tests\\unit\\test_x.py",
		"src/cart_unittest.cc",
		"test/helpers.js",
		NULL
	};
	static const char *const no[] = {
		"src/contest.py",
		"latest.go",
		"src/app.py",
		"tests/fixtures/data.json",
		"lib/base/ident.c",
		"src/main/java/com/shop/Cart.java",
		"src/main/java/com/shop/SPLIT.java",
		"app/models/user.rb",
		"testdata/input.go",
		"src/attest_utils.py",
		"tests/",
		"test_x",
		".py",
		"",
		NULL
	};
	int i;

	for (i = 0; yes[i] != NULL; i++)
		ok(diffscan_is_test_path(yes[i]) == 1, "test path: %s",
		    yes[i]);
	for (i = 0; no[i] != NULL; i++)
		ok(diffscan_is_test_path(no[i]) == 0, "not a test path: %s",
		    no[i]);
	ok(diffscan_is_test_path(NULL) == 0, "NULL is not a test path");

	check_int(diffscan_path_matches("tests/a/test_x.py",
	    "repo/tests/a/test_x.py"), ==, 1);
	check_int(diffscan_path_matches("repo/tests/a/test_x.py",
	    "tests/a/test_x.py"), ==, 1);
	check_int(diffscan_path_matches("tests/a/test_x.py",
	    "/home/ci/repo/tests/a/test_x.py"), ==, 1);
	check_int(diffscan_path_matches("./tests/a/test_x.py",
	    "tests/a/test_x.py"), ==, 1);
	check_int(diffscan_path_matches("tests/a/test_x.py",
	    "././tests/a/test_x.py"), ==, 1);
	check_int(diffscan_path_matches("tests\\a\\test_x.py",
	    "tests/a/test_x.py"), ==, 1);
	check_int(diffscan_path_matches("test_x.py", "test_x.py"), ==, 1);
	check_int(diffscan_path_matches("a/test_x.py",
	    "tests/ba/test_x.py"), ==, 0);
	check_int(diffscan_path_matches("tests/a/test_x.py",
	    "tests/b/test_x.py"), ==, 0);
	check_int(diffscan_path_matches("/a/x.py", "/b/a/x.py"), ==, 0);
	check_int(diffscan_path_matches("x.py", "xx.py"), ==, 0);
	check_int(diffscan_path_matches("", "x.py"), ==, 0);
	check_int(diffscan_path_matches("./", "x.py"), ==, 0);
	check_int(diffscan_path_matches(NULL, "x.py"), ==, 0);
	check_int(diffscan_path_matches("x.py", NULL), ==, 0);
}

int
main(void)
{
	test_python();
	test_moved();
	test_js();
	test_java_kotlin();
	test_go();
	test_c();
	test_ruby();
	test_php();
	test_csharp();
	test_headers();
	test_multi();
	test_hostile();
	test_paths();
	diffscan_free(ds);
	return done_testing();
}
