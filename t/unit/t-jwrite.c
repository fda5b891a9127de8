/*
 * Unit tests for lib/db/jwrite.c: what it writes is byte for byte what
 * jdump() writes for the value jval.c builds of the same parts (so an
 * answer moved to the writer keeps its ETag): strings with escapes,
 * control characters, NUL bytes and bytes that are not UTF-8 (repaired
 * alike), integers to the extremes, times, booleans, null, nested
 * objects and arrays, empty containers, a byte that is not plain ASCII at
 * every place of strings of 1-40 bytes (the one-pass copy's 8- and
 * 16-byte steps and their overlapping tails), and
 * a generated answer-like list.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jdump.h"
#include "jval.h"
#include "jwrite.h"
#include "tap.h"

/* Predicate: w's text is jdump(v)'s; says both when not.  Frees v. */
static int
same(json_t *v, struct buf *written, const char *what)
{
	struct buf want;
	int eq;

	buf_init(&want);
	eq = jdump(v, &want) == 0 && want.len == written->len &&
	    memcmp(want.p, written->p, want.len) == 0;
	if (!eq)
		printf("# %s:\n#  jdump  %.*s\n#  jwrite %.*s\n", what,
		    (int)want.len, want.p != NULL ? want.p : "",
		    (int)written->len, written->p != NULL ? written->p : "");
	json_decref(v);
	buf_free(&want);
	buf_free(written);
	return eq;
}

/* Strings both ways: {"s": s[0..n)} */
static int
string_case(const char *s, size_t n, const char *what)
{
	json_t *o = jval_object();
	struct jwrite w;
	struct buf b;

	jval_set(o, "s", jval_strn(s, n));
	buf_init(&b);
	jw_init(&w, &b);
	jw_object(&w);
	jw_key(&w, "s");
	jw_strn(&w, s, n);
	jw_end_object(&w);
	return same(o, &b, what);
}

int
main(void)
{
	static const char *const strings[] = {
		"", "plain", "quote \" backslash \\ slash /", "tab\tnew\nline\r",
		"\x01\x02\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"bad \xff byte", "cut \xe2\x82", "over \xc0\xaf long",
		"surrogate \xed\xa0\x80", "\xf4\x90\x80\x80 too high",
	};
	static const int64_t ints[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN,
	    1796585289000LL, -86400000LL };
	json_t *o, *arr, *row;
	struct jwrite w;
	struct buf b;
	unsigned seed = 7;
	size_t i;
	int k, j;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		tap_ok(string_case(strings[i], strlen(strings[i]),
		    strings[i]), "string %zu as jval and jdump write it", i);
	tap_ok(string_case("nul\0inside", 10, "NUL"),
	    "a NUL byte inside a string");

	/* plain ASCII is copied in one pass, eight bytes at a time: one
	 * byte that is not plain at every place of strings across the word
	 * boundaries is written as jdump writes it */
	{
		static const char odd[] = { '"', '\\', '\n', '\0', '\x7f',
		    '\x1f', '\xc3', '\xff', ' ' };
		int bad = 0, cases = 0;
		size_t len, at, ob;

		for (len = 1; len <= 40; len++)
			for (at = 0; at < len; at++)
				for (ob = 0; ob < sizeof(odd); ob++) {
					char text[48];
					memset(text, 'a', len);
					text[at] = odd[ob];
					if (odd[ob] == '\xc3' && at + 1 < len)
						text[at + 1] = '\xa9';
					cases++;
					bad += !string_case(text, len, "odd byte");
				}
		tap_ok(bad == 0, "%d strings of 1-40 bytes, one byte not plain "
		    "at each place: as jdump writes them", cases);
	}

	/* scalars, times and nesting in one object */
	o = jval_object();
	buf_init(&b);
	jw_init(&w, &b);
	jw_object(&w);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		char k1[16], k2[16];
		snprintf(k1, sizeof(k1), "i%zu", i);
		snprintf(k2, sizeof(k2), "t%zu", i);
		jval_set(o, k1, jval_int(ints[i]));
		jw_key(&w, k1);
		jw_int(&w, ints[i]);
		if (ints[i] >= -62135596800000LL && ints[i] < 253402300800000LL) {
			jval_set(o, k2, jval_time(ints[i]));
			jw_key(&w, k2);
			jw_time(&w, ints[i]);
		}
	}
	/* names with characters to escape (none of the programs' own):
	 * written as jdump writes them, and so is the plain name after */
	{
		static const char *const odd[] = { "q\"uote", "back\\slash",
		    "line\nfeed", "\001ctl", "tail\"", "" };
		for (k = 0; k < (int)(sizeof(odd) / sizeof(odd[0])); k++) {
			jval_set(o, odd[k], jval_int((int64_t)k));
			jw_key(&w, odd[k]);
			jw_int(&w, (int64_t)k);
		}
	}
	jval_set(o, "yes", json_true());
	jw_key(&w, "yes");
	jw_bool(&w, 1);
	jval_set(o, "no", json_false());
	jw_key(&w, "no");
	jw_bool(&w, 0);
	jval_set(o, "none", json_null());
	jw_key(&w, "none");
	jw_str(&w, NULL);
	jval_set(o, "empty_list", jval_array());
	jw_key(&w, "empty_list");
	jw_array(&w);
	jw_end_array(&w);
	jval_set(o, "empty_object", jval_object());
	jw_key(&w, "empty_object");
	jw_object(&w);
	jw_end_object(&w);
	arr = jval_array();
	jw_key(&w, "nested");
	jw_array(&w);
	for (k = 0; k < 3; k++) {
		json_t *inner = jval_array();
		jw_array(&w);
		for (j = 0; j < k; j++) {
			jval_push(inner, jval_int(j));
			jw_int(&w, j);
		}
		jw_end_array(&w);
		jval_push(arr, inner);
	}
	jw_end_array(&w);
	jval_set(o, "nested", arr);
	jw_end_object(&w);
	tap_ok(same(o, &b, "scalars"), "integers, times, booleans, null, "
	    "empty and nested containers");

	/* a generated list of rows, as the list endpoints write */
	o = jval_object();
	arr = jval_array();
	buf_init(&b);
	jw_init(&w, &b);
	jw_object(&w);
	jw_key(&w, "test_id");
	jw_str(&w, "3a4015e92ec2aeca");
	jval_set(o, "test_id", jval_str("3a4015e92ec2aeca"));
	jw_key(&w, "rows");
	jw_array(&w);
	for (k = 0; k < 300; k++) {
		char text[64];
		size_t n = (size_t)(rand_r(&seed) % 40);
		int64_t v = (int64_t)rand_r(&seed) * (rand_r(&seed) % 2 ? -1 : 1);

		for (i = 0; i < n; i++)
			text[i] = (char)(rand_r(&seed) % 256);
		row = jval_object();
		jw_object(&w);
		jw_key(&w, "n");
		jw_int(&w, v);
		jval_set(row, "n", jval_int(v));
		jw_key(&w, "text");
		jw_strn(&w, text, n);
		jval_set(row, "text", jval_strn(text, n));
		jw_key(&w, "at");
		jw_time(&w, v * 1000);
		jval_set(row, "at", jval_time(v * 1000));
		jw_end_object(&w);
		jval_push(arr, row);
	}
	jw_end_array(&w);
	jval_set(o, "rows", arr);
	jw_key(&w, "total");
	jw_int(&w, 300);
	jval_set(o, "total", jval_int(300));
	jw_end_object(&w);
	tap_ok(same(o, &b, "rows"), "300 generated rows of random bytes, "
	    "integers and times");
	return done_testing();
}
