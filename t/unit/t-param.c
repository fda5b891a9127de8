/* Unit tests for lib/base/param.c: every validator, good and bad input. */
#include <string.h>

#include "param.h"
#include "tap.h"

static const char *const colours[] = { "red", "green", NULL };

static const struct param_spec spec_limit =
    { "limit", PARAM_INT, 0, 1, 500, NULL, 0 };
static const struct param_spec spec_enum =
    { "colour", PARAM_ENUM, 0, 0, 0, colours, 0 };
static const struct param_spec spec_str =
    { "q", PARAM_STRING, 0, 1, 5, NULL, 0 };
static const struct param_spec spec_time =
    { "since", PARAM_TIME, 0, 0, 0, NULL, 0 };
static const struct param_spec spec_slug =
    { "project", PARAM_SLUG, 0, 0, 0, NULL, 0 };
static const struct param_spec spec_hex =
    { "test_id", PARAM_HEX, 0, 16, 16, NULL, 0 };
static const struct param_spec spec_run =
    { "run_id", PARAM_RUNID, 0, 0, 0, NULL, 0 };
static const struct param_spec spec_bool =
    { "flaky", PARAM_BOOL, 0, 0, 0, NULL, 0 };

/* Validates s[0..n) against spec; returns 1 when accepted. */
static int
accepts_n(const struct param_spec *spec, const char *s, size_t n,
    long long *iv)
{
	struct param_value v;
	char why[256];

	if (param_validate(spec, s, n, &v, why, sizeof(why)) == -1)
		return 0;
	if (iv != NULL)
		*iv = v.i;
	return v.present;
}

/* Validates the string s against spec; returns 1 when accepted. */
static int
accepts(const struct param_spec *spec, const char *s, long long *iv)
{
	return accepts_n(spec, s, strlen(s), iv);
}

/* The reason given for rejecting s. */
static const char *
reason(const struct param_spec *spec, const char *s)
{
	static char why[256];
	struct param_value v;

	why[0] = '\0';
	param_validate(spec, s, strlen(s), &v, why, sizeof(why));
	return why;
}

int
main(void)
{
	long long iv = 0;

	ok(accepts(&spec_limit, "50", &iv) && iv == 50, "int in range");
	ok(accepts(&spec_limit, "500", NULL), "int at upper bound");
	ok(!accepts(&spec_limit, "501", NULL), "int above range rejected");
	ok(!accepts(&spec_limit, "0", NULL), "int below range rejected");
	ok(!accepts(&spec_limit, "5x", NULL), "trailing junk rejected");
	ok(!accepts(&spec_limit, " 5", NULL), "leading space rejected");
	ok(!accepts(&spec_limit, "", NULL), "empty int rejected");
	ok(!accepts(&spec_limit, "99999999999999999999", NULL),
	    "overflow rejected");
	ok(!accepts(&spec_limit, "+5", NULL), "plus sign rejected");
	check_str(reason(&spec_limit, "x"), "must be an integer in 1..500");

	ok(accepts(&spec_enum, "green", &iv) && iv == 1, "enum index");
	ok(!accepts(&spec_enum, "Green", NULL), "enum is case-sensitive");
	ok(!accepts(&spec_enum, "gree", NULL), "enum prefix rejected");
	check_str(reason(&spec_enum, "blue"), "must be one of red, green");

	ok(accepts(&spec_str, "caf\xc3\xa9", NULL), "5 characters, 6 bytes");
	ok(!accepts(&spec_str, "toolong", NULL), "over length rejected");
	ok(!accepts(&spec_str, "", NULL), "under length rejected");
	ok(!accepts(&spec_str, "a\x01", NULL), "control char rejected");
	ok(!accepts(&spec_str, "\xc3\x28", NULL), "invalid UTF-8 rejected");

	ok(accepts(&spec_time, "2024-05-01T12:00:00Z", &iv) &&
	    iv == 1714564800000LL, "time stored as ms");
	ok(!accepts(&spec_time, "2024-05-01T12:00:00Q", NULL),
	    "bad time rejected");

	ok(accepts(&spec_slug, "my-project-2", NULL), "slug");
	ok(!accepts(&spec_slug, "-lead", NULL), "slug leading dash rejected");
	ok(!accepts(&spec_slug, "Upper", NULL), "slug upper case rejected");
	ok(!accepts(&spec_slug, "a_b", NULL), "slug underscore rejected");
	ok(!accepts(&spec_slug, "a234567890123456789012345678901234567890"
	    "12345678901234567890123456", NULL), "slug of 66 rejected");

	ok(accepts(&spec_hex, "0123456789abcdef", NULL), "hex id");
	ok(!accepts(&spec_hex, "0123456789ABCDEF", NULL),
	    "upper-case hex rejected");
	ok(!accepts(&spec_hex, "0123456789abcde", NULL), "short hex rejected");
	check_str(reason(&spec_hex, "zz"), "must be 16 lower-case hex digits");

	ok(accepts(&spec_run, "gh:1234/attempt-2.x_y", NULL), "run id");
	ok(!accepts(&spec_run, "has space", NULL), "run id space rejected");
	ok(!accepts(&spec_run, "", NULL), "empty run id rejected");
	/* found by fuzz/fuzz-query.c: a JSON sidecar's "\u0000" got through */
	ok(!accepts_n(&spec_run, "r1\0x", 4, NULL),
	    "issue 11 fuzz: a run id holding a NUL is rejected");
	ok(!accepts_n(&spec_run, "\0", 1, NULL),
	    "issue 11 fuzz: a run id of one NUL is rejected");
	ok(!accepts_n(&spec_limit, "5\0x", 3, NULL),
	    "issue 11 fuzz: an integer followed by a NUL is rejected");
	ok(!accepts_n(&spec_limit, "5\0", 2, NULL),
	    "issue 11 fuzz: an integer ending in a NUL is rejected");

	ok(accepts(&spec_bool, "true", &iv) && iv == 1, "bool true");
	ok(accepts(&spec_bool, "0", &iv) && iv == 0, "bool 0");
	ok(!accepts(&spec_bool, "yes", NULL), "bool yes rejected");
	return done_testing();
}
