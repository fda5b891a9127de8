/*
 * Unit tests for lib/db/jdump.c: every answer's JSON text must be byte
 * for byte what json_dumps(v, JSON_COMPACT) writes (ETags and cursors
 * stay as they were), for the values answers hold and for generated
 * ones: escapes, every control character, UTF-8, embedded NULs, reals
 * from tiny to huge, deep nesting, empty containers, key order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jdump.h"
#include "tap.h"

/* Predicate: jdump(v) is what json_dumps(v, JSON_COMPACT) writes. */
static int
same(const json_t *v, const char *what)
{
	char *want = json_dumps(v, JSON_COMPACT);
	struct buf b;
	int eq;

	buf_init(&b);
	eq = want != NULL && jdump(v, &b) == 0 && b.len == strlen(want) &&
	    memcmp(b.p, want, b.len) == 0;
	if (!eq)
		printf("# %s: jansson %s\n# %s: jdump   %.*s\n", what,
		    want != NULL ? want : "(null)", what, (int)b.len,
		    b.p != NULL ? b.p : "");
	free(want);
	buf_free(&b);
	return eq;
}

/* A pseudo-random value of the kind answers hold, depth levels deep. */
static json_t *
random_value(unsigned *seed, int depth)
{
	static const char *const strs[] = { "", "plain", "a\"b", "back\\slash",
	    "tab\there", "nl\nx", "cr\rx", "\b\f", "\x01\x1f\x7f", "caf\xc3\xa9",
	    "\xe2\x82\xac \xf0\x9f\x98\x80", "slash/ok", "</script>",
	    "\xe2\x80\xa8 line sep" };
	static const double reals[] = { 0.0, -0.0, 1.0, -1.5, 0.1, 1e-5, 1e-7,
	    1.5e300, -2.5e-300, 123456789012345678.0, 1e16, 1e17, 3.14159,
	    0.30000000000000004, 100.0, 99.99, 1e21, 5e-324 };
	json_t *v;
	int i, n;

	switch (rand_r(seed) % (depth > 4 ? 5 : 7)) {
	case 0:
		return json_string(strs[rand_r(seed) % (sizeof(strs) /
		    sizeof(strs[0]))]);
	case 1:
		return json_integer((json_int_t)rand_r(seed) *
		    (rand_r(seed) % 2 ? -1 : 1) * (rand_r(seed) % 3 == 0 ?
		    4294967296LL : 1));
	case 2:
		return json_real(reals[rand_r(seed) % (sizeof(reals) /
		    sizeof(reals[0]))] * (rand_r(seed) % 5 == 0 ?
		    (double)rand_r(seed) : 1.0));
	case 3:
		return rand_r(seed) % 2 ? json_true() : json_false();
	case 4:
		return json_null();
	case 5:
		v = json_array();
		n = rand_r(seed) % 5;
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(seed, depth + 1));
		return v;
	default:
		v = json_object();
		n = rand_r(seed) % 6;
		for (i = 0; i < n; i++) {
			char key[16];
			snprintf(key, sizeof(key), "%s%d", i % 2 ? "k\"" : "key",
			    rand_r(seed) % 100);
			json_object_set_new(v, key, random_value(seed,
			    depth + 1));
		}
		return v;
	}
}

int
main(void)
{
	json_t *v, *o, *deep;
	struct buf b;
	unsigned seed = 18;
	int i, bad = 0;
	char ctl[32];

	v = json_pack("{s:s, s:i, s:n, s:b, s:[], s:{}}", "run_id", "r1",
	    "tests", 100000, "branch", "ok", 1, "list", "obj");
	ok(same(v, "a run"), "a run's answer");
	json_decref(v);
	/* every control character, and the escaped ASCII */
	for (i = 0; i < 32; i++)
		ctl[i] = (char)(i + 1 < 32 ? i + 1 : '"');
	v = json_array();
	json_array_append_new(v, json_stringn(ctl, sizeof(ctl)));
	json_array_append_new(v, json_stringn("nul\0inside", 10));
	json_array_append_new(v, json_string("\\ \" / \x7f"));
	ok(same(v, "escapes"), "control characters, NUL, quote, backslash");
	json_decref(v);
	/* key order is insertion order, keys escaped like strings */
	o = json_object();
	json_object_set_new(o, "zeta", json_integer(1));
	json_object_set_new(o, "alpha", json_integer(2));
	json_object_set_new(o, "quo\"te\n", json_integer(3));
	json_object_set_new(o, "zeta", json_integer(4));	/* replaced */
	ok(same(o, "keys"), "keys in insertion order, escaped");
	json_decref(o);
	/* reals as jansson prints them */
	v = json_array();
	for (i = -330; i <= 310; i += 7)
		json_array_append_new(v, json_real(pow(10.0, i) * 1.2345));
	json_array_append_new(v, json_real(-0.0));
	json_array_append_new(v, json_real(1e300 * 10));
	json_array_append_new(v, json_real(2.0));
	ok(same(v, "reals"), "reals from 1e-330 to 1e310, -0.0, integral");
	json_decref(v);
	/* generated values */
	for (i = 0; i < 3000; i++) {
		v = random_value(&seed, 0);
		if (json_is_object(v) || json_is_array(v))
			bad += !same(v, "generated");
		json_decref(v);
	}
	check_int(bad, ==, 0);
	/* deep nesting, up to the limit; scalars and NULL refused */
	deep = json_array();
	v = deep;
	for (i = 0; i < 500; i++) {
		json_t *in = json_array();
		json_array_append_new(v, in);
		v = in;
	}
	ok(same(deep, "deep"), "500 nested arrays");
	/* each byte to escape at each place of three 8-byte words, among
	 * ASCII and among UTF-8 (eight bytes are scanned at a time) */
	bad = 0;
	for (i = 0; i < 34; i++) {
		static const char *const fill[] = { "aaaaaaaaaaaaaaaaaaaaaaaa",
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" };
		char t[25];
		int at, f;
		for (f = 0; f < 2; f++)
			for (at = 0; at <= 24; at += f + 1) {
				/* inserted at a character's start */
				memcpy(t, fill[f], (size_t)at);
				t[at] = (char)(i < 32 ? i : i == 32 ? '"' : '\\');
				memcpy(t + at + 1, fill[f] + at, (size_t)(24 - at));
				v = json_pack("[s#]", t, (int)sizeof(t));
				bad += v == NULL || !same(v, "placed");
				json_decref(v);
			}
	}
	ok(bad == 0, "a byte to escape at every place of a word (%d wrong)",
	    bad);
	json_decref(deep);
	buf_init(&b);
	v = json_integer(1);
	check_int(jdump(v, &b), ==, -1);
	json_decref(v);
	check_int(jdump(NULL, &b), ==, -1);
	buf_free(&b);
	return done_testing();
}
