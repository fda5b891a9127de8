/*
 * The per-language patterns of the diff scanner (SPEC INT-2): what an
 * assertion, a skip, an expected failure and a catch-all handler look
 * like in Python, JS/TS, Java/Kotlin, Go, C/C++, Ruby, PHP and C#, and
 * which file extensions mean which language.  Data only: matching them
 * against a line is lib/passes/diffscan.c's job (see pat_match() for the flags).
 */
#include "diffpat.h"

static const struct pat py_assert[] = {
	{ "assert", P_START | P_WORD },		/* the statement */
	{ "assert", P_CALL },		/* self.assertEqual(, assert_x( */
	{ "pytest.raises(", 0 },
	{ "pytest.warns(", 0 },
	{ "pytest.fail(", 0 },
	{ "self.fail(", 0 },
	{ NULL, 0 }
};
static const struct pat py_skip[] = {
	{ "pytest.mark.skip", 0 },		/* skip, skipif */
	{ "unittest.skip", 0 },			/* skip, skipIf, skipUnless */
	{ "pytest.skip(", 0 },
	{ "pytest.importorskip(", 0 },
	{ "skipTest(", 0 },
	{ "SkipTest", P_WORD },
	{ "@skip", P_START },
	{ NULL, 0 }
};
static const struct pat py_xfail[] = {
	{ "pytest.mark.xfail", 0 },
	{ "expectedFailure", P_WORD },
	{ "pytest.xfail(", 0 },
	{ NULL, 0 }
};
static const struct pat py_broad[] = {
	{ "except:", P_START },
	{ "except :", P_START },
	{ "except Exception", P_START | P_WORD },
	{ "except BaseException", P_START | P_WORD },
	{ "except (Exception", P_START | P_WORD },
	{ "except (BaseException", P_START | P_WORD },
	{ "suppress(Exception)", 0 },
	{ "suppress(BaseException)", 0 },
	{ NULL, 0 }
};

static const struct pat js_assert[] = {
	{ "expect(", 0 },
	{ "expect.", P_CALL },			/* expect.soft(, expect.poll( */
	{ "assert(", 0 },
	{ "assert.", P_CALL },			/* assert.equal( */
	{ ".should", P_WORD },
	{ NULL, 0 }
};
static const struct pat js_skip[] = {
	{ "it.skip", 0 },			/* it.skip(, it.skipIf( */
	{ "describe.skip", 0 },
	{ "test.skip", 0 },
	{ "context.skip", 0 },
	{ "suite.skip", 0 },
	{ "xit(", P_NODOT },
	{ "xdescribe(", P_NODOT },
	{ "xtest(", P_NODOT },
	{ "xcontext(", P_NODOT },
	{ "xspecify(", P_NODOT },
	{ "it.todo(", 0 },
	{ "test.todo(", 0 },
	{ "describe.todo(", 0 },
	{ "this.skip(", 0 },
	{ "test.fixme(", 0 },
	{ NULL, 0 }
};
static const struct pat js_xfail[] = {
	{ "it.failing", 0 },
	{ "test.failing", 0 },
	{ "test.fail(", 0 },
	{ "it.fails(", 0 },
	{ "test.fails(", 0 },
	{ NULL, 0 }
};

static const struct pat java_assert[] = {
	{ "assert", P_START | P_WORD },		/* the Java statement */
	{ "assert", P_CALL },			/* assertEquals(, assertThat( */
	{ "Assertions.", 0 },
	{ "verify", P_CALL },			/* Mockito verify( */
	{ "fail(", P_NODOT },
	{ "expectThat(", 0 },
	{ "shouldBe", P_WORD },			/* Kotest */
	{ "shouldNotBe", P_WORD },
	{ "shouldThrow", 0 },
	{ NULL, 0 }
};
static const struct pat java_skip[] = {
	{ "@Disabled", 0 },			/* and @DisabledIf... */
	{ "@Ignore", P_WORD },
	{ "Assumptions.assume", 0 },
	{ "Assume.assume", 0 },
	{ "assumeTrue(", 0 },
	{ "assumeFalse(", 0 },
	{ "assumeThat(", 0 },
	{ NULL, 0 }
};

static const struct pat go_assert[] = {
	{ "t.Error", 0 },			/* Error, Errorf */
	{ "t.Fatal", 0 },			/* Fatal, Fatalf */
	{ "t.Fail()", 0 },
	{ "t.FailNow()", 0 },
	{ "assert.", P_CALL },
	{ "require.", P_CALL },
	{ "Expect(", 0 },			/* gomega */
	{ NULL, 0 }
};
static const struct pat go_skip[] = {
	{ "t.Skip", 0 },			/* Skip, Skipf, SkipNow */
	{ NULL, 0 }
};
static const struct pat go_broad[] = {
	{ "recover()", 0 },
	{ NULL, 0 }
};

static const struct pat c_assert[] = {
	{ "ASSERT_", 0 },
	{ "EXPECT_", 0 },
	{ "assert(", 0 },
	{ "assert_", P_CALL },			/* cmocka */
	{ "CHECK(", 0 },
	{ "CHECK_", P_CALL },
	{ "REQUIRE(", 0 },
	{ "REQUIRE_", P_CALL },
	{ "ck_assert", 0 },
	{ "CU_ASSERT", 0 },
	{ "TEST_ASSERT", 0 },			/* Unity */
	{ "CPPUNIT_ASSERT", 0 },
	{ "BOOST_CHECK", 0 },
	{ "BOOST_REQUIRE", 0 },
	{ "BOOST_TEST(", 0 },
	{ "g_assert", 0 },
	{ "munit_assert", 0 },
	{ "check_int(", 0 },			/* t/tap.h */
	{ "check_str(", 0 },
	{ "ok(", P_NODOT },
	{ NULL, 0 }
};
static const struct pat c_skip[] = {
	{ "GTEST_SKIP", 0 },
	{ "DISABLED_", 0 },
	{ "SKIP(", 0 },				/* Catch2 */
	{ "TEST_IGNORE", 0 },			/* Unity */
	{ "g_test_skip", 0 },
	{ "skip()", P_NODOT },			/* cmocka */
	{ NULL, 0 }
};

static const struct pat rb_assert[] = {
	{ "expect(", 0 },
	{ "expect {", 0 },
	{ "expect{", 0 },
	{ "is_expected", 0 },
	{ "assert", P_NODOT },			/* assert, assert_equal... */
	{ "refute", P_NODOT },
	{ ".should", P_WORD },
	{ ".should_not", P_WORD },
	{ "must_", 0 },
	{ "wont_", 0 },
	{ NULL, 0 }
};
static const struct pat rb_skip[] = {
	{ "skip", P_WORD | P_NODOT | P_NOASSIGN },	/* also skip: meta */
	{ "xit", P_WORD | P_NODOT | P_NOASSIGN },
	{ "xdescribe", P_WORD | P_NODOT },
	{ "xcontext", P_WORD | P_NODOT },
	{ "xspecify", P_WORD | P_NODOT },
	{ "xexample", P_WORD | P_NODOT },
	{ NULL, 0 }
};
static const struct pat rb_xfail[] = {
	{ "pending", P_START | P_WORD | P_NOASSIGN },
	{ "pending:", P_NODOT },		/* it "x", pending: "why" */
	{ NULL, 0 }
};
static const struct pat rb_broad[] = {
	{ "rescue", P_EOL },
	{ "rescue =>", 0 },
	{ "rescue=>", 0 },
	{ "rescue;", 0 },
	{ "rescue then", P_WORD },
	{ "rescue Exception", P_WORD },
	{ "rescue StandardError", P_WORD },
	{ "rescue nil", P_WORD },
	{ NULL, 0 }
};

static const struct pat php_assert[] = {
	{ "->assert", P_ANY | P_CALL },		/* $this->assertSame( */
	{ "::assert", P_ANY | P_CALL },		/* self::assertTrue( */
	{ "->expectException", P_ANY },
	{ "expect(", 0 },			/* Pest */
	{ "assert(", 0 },
	{ NULL, 0 }
};
static const struct pat php_skip[] = {
	{ "markTestSkipped(", 0 },
	{ "markTestIncomplete(", 0 },
	{ "->skip(", P_ANY },			/* Pest */
	{ "@group skip", P_RAW | P_WORD },	/* in a docblock */
	{ "Group('skip')", P_RAW },
	{ "Group(\"skip\")", P_RAW },
	{ NULL, 0 }
};

static const struct pat cs_assert[] = {
	{ "Assert.", P_ANY },			/* also CollectionAssert. */
	{ ".Should()", P_ANY },
	{ ".Verify(", P_ANY },			/* Moq */
	{ NULL, 0 }
};
static const struct pat cs_skip[] = {
	{ "[Ignore", 0 },
	{ "Ignore(", P_NODOT },			/* [Test, Ignore("why")] */
	{ "[Explicit", 0 },
	{ "Skip =", 0 },			/* [Fact(Skip = "why")] */
	{ "Skip=", 0 },
	{ "Skip.If", 0 },
	{ "Assert.Ignore(", P_ANY },
	{ "Assert.Inconclusive(", P_ANY },
	{ "Assume.That(", 0 },
	{ NULL, 0 }
};

static const struct pat none[] = { { NULL, 0 } };

/* Indexed by enum lang; pats[] indexed by enum diff_kind. */
const struct lang_def diffpat_langs[L__MAX] = {
	[L_PY] = { C_HASH, K_NONE,
	    { py_assert, py_skip, py_xfail, py_broad } },
	[L_JS] = { C_SLASH, K_JS, { js_assert, js_skip, js_xfail, none } },
	[L_JAVA] = { C_SLASH, K_JAVA, { java_assert, java_skip, none, none } },
	[L_GO] = { C_SLASH, K_NONE, { go_assert, go_skip, none, go_broad } },
	[L_C] = { C_SLASH, K_CPP, { c_assert, c_skip, none, none } },
	[L_RB] = { C_HASH, K_NONE, { rb_assert, rb_skip, rb_xfail, rb_broad } },
	[L_PHP] = { C_HASH | C_SLASH | C_ATTR, K_PHP,
	    { php_assert, php_skip, none, none } },
	[L_CS] = { C_SLASH, K_CS, { cs_assert, cs_skip, none, none } },
};

/* The order in which a line is classified: one kind per line. */
const enum diff_kind diffpat_class_order[DIFF__MAX] = {
	DIFF_XFAIL_ADDED,
	DIFF_SKIP_ADDED,
	DIFF_BROAD_EXCEPTION_ADDED,
	DIFF_ASSERTION_REMOVED,
};

const struct diffpat_ext diffpat_exts[] = {
	{ "py", L_PY },
	{ "js", L_JS }, { "jsx", L_JS }, { "mjs", L_JS }, { "cjs", L_JS },
	{ "ts", L_JS }, { "tsx", L_JS }, { "mts", L_JS }, { "cts", L_JS },
	{ "java", L_JAVA }, { "kt", L_JAVA }, { "kts", L_JAVA },
	{ "go", L_GO },
	{ "c", L_C }, { "cc", L_C }, { "cpp", L_C }, { "cxx", L_C },
	{ "h", L_C }, { "hh", L_C }, { "hpp", L_C }, { "hxx", L_C },
	{ "rb", L_RB },
	{ "php", L_PHP },
	{ "cs", L_CS },
};

const size_t diffpat_nexts = sizeof(diffpat_exts) / sizeof(diffpat_exts[0]);
