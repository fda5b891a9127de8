/*
 * The compact JSON text of an answer, byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT) writes (so ETags and stored cursors do not
 * change), several times faster: jansson decodes every character of
 * every string through a callback, and a 14 KB history answer spent more
 * time there than in SQLite (issue 18).  Strings are taken as they are
 * stored: every string of an answer is valid UTF-8 already (jval_strn()
 * repairs what is not), so only '"', '\\' and the control characters
 * are escaped, as jansson does without JSON_ENSURE_ASCII and
 * JSON_ESCAPE_SLASH.  Objects keep their keys' insertion order; reals
 * print as jansson's default precision (17 significant digits, ".0" when
 * they would read as an integer, no '+' or leading zeros in exponents).
 * The caller owns the buffer.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "jdump.h"

/* Nesting deeper than this is refused (jansson's own limit is 2048). */
#define JDUMP_MAX_DEPTH	2048

/*
 * Predicate: one of the eight bytes at p needs escaping: a control
 * character (< 0x20), '"' or '\\' (bytes from 0x80 up never do).
 */
static inline int
needs_escape8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL,
	    highs = 0x8080808080808080ULL;
	uint64_t x, q, bs;

	memcpy(&x, p, sizeof(x));
	q = x ^ (ones * '"');
	bs = x ^ (ones * '\\');
	return ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
	    ((bs - ones) & ~bs)) & highs) != 0;
}

/* Predicate: one of the eight bytes at p is not plain (see below). */
static inline int
not_plain8(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return (x & 0x8080808080808080ULL) != 0 || needs_escape8(p);
}

/* Sixteen bytes as one vector (GCC's vector extension, any target). */
typedef unsigned char jdump_u8x16 __attribute__((vector_size(16)));

/* Predicate: one of the sixteen bytes at p is not plain (see below). */
static inline int
not_plain16(const unsigned char *p)
{
	jdump_u8x16 v, bad;
	uint64_t lo, hi;

	memcpy(&v, p, sizeof(v));
	bad = (v < 0x20) | (v >= 0x80) | (v == '"') | (v == '\\');
	memcpy(&lo, &bad, 8);
	memcpy(&hi, (const unsigned char *)&bad + 8, 8);
	return (lo | hi) != 0;
}

/*
 * Predicate: s[0..n) is plain: ASCII with nothing to escape (no control
 * character, NUL included, no '"' or '\\'), as most stored text is.
 * Sixteen bytes at a time (a history page's messages: twice as fast as
 * eight), the last ones overlapping the ones before.
 */
static int
jdump_is_plain(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			if (p[i] < 0x20 || p[i] >= 0x80 || p[i] == '"' ||
			    p[i] == '\\')
				return 0;
		return 1;
	}
	if (n < 16)
		return !not_plain8(p) && !not_plain8(p + n - 8);
	for (i = 0; i + 16 <= n; i += 16)
		if (not_plain16(p + i))
			return 0;
	return i == n || !not_plain16(p + n - 16);
}

/*
 * Appends the JSON string literal of s[0..n) to b when s is plain
 * (jdump_is_plain): one pass, one copy.  Returns 1 when it did, 0 (b
 * untouched) when s needs jdump_string() or UTF-8 checking.
 */
int
jdump_plain_string(struct buf *b, const char *s, size_t n)
{
	if (!jdump_is_plain(s, n))
		return 0;
	buf_reserve(b, n + 2);
	b->p[b->len] = '"';
	memcpy(b->p + b->len + 1, s, n);
	b->p[b->len + 1 + n] = '"';
	b->len += n + 2;
	b->p[b->len] = '\0';
	return 1;
}

/* Appends the JSON string literal of s[0..n) (valid UTF-8) to b. */
void
jdump_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, from = 0;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	buf_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c;
		/* eight bytes at a time while none needs escaping */
		while (i + 8 <= n && !needs_escape8(p + i))
			i += 8;
		if (i >= n)
			break;
		c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_put(b, s + from, i - from);
		from = i + 1;
		switch (c) {
		case '"':
			buf_put(b, "\\\"", 2);
			break;
		case '\\':
			buf_put(b, "\\\\", 2);
			break;
		case '\b':
			buf_put(b, "\\b", 2);
			break;
		case '\f':
			buf_put(b, "\\f", 2);
			break;
		case '\n':
			buf_put(b, "\\n", 2);
			break;
		case '\r':
			buf_put(b, "\\r", 2);
			break;
		case '\t':
			buf_put(b, "\\t", 2);
			break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_put(b, esc, sizeof(esc));
		}
	}
	buf_put(b, s + from, n - from);
	buf_put(b, "\"", 1);
}

/* Appends the real v as jansson prints it (jsonp_dtostr, precision 17). */
static void
dump_real(struct buf *b, double v)
{
	char num[64], *e, *from, *to;
	int n = snprintf(num, sizeof(num), "%.17g", v);

	if (n < 0 || (size_t)n >= sizeof(num) - 3)
		n = snprintf(num, sizeof(num), "0.0");
	if (strchr(num, '.') == NULL && strchr(num, 'e') == NULL) {
		num[n++] = '.';
		num[n++] = '0';
		num[n] = '\0';
	}
	if ((e = strchr(num, 'e')) != NULL) {
		from = e + 1;
		if (*from == '-')
			from++;
		to = from;		/* drop a '+' and leading zeros */
		if (*from == '+')
			from++;
		while (*from == '0' && from[1] != '\0')
			from++;
		if (from != to) {
			memmove(to, from, strlen(from) + 1);
			n = (int)strlen(num);
		}
	}
	buf_put(b, num, (size_t)n);
}

/* Appends v, depth levels down; 0, or -1 when v cannot be written. */
static int
dump_value(struct buf *b, const json_t *v, int depth)
{
	char num[32];
	const char *key;
	void *it;
	size_t i;
	int n, first = 1;

	if (depth > JDUMP_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_put(b, "{", 1);
		for (it = json_object_iter((json_t *)v); it != NULL;
		    it = json_object_iter_next((json_t *)v, it)) {
			key = json_object_iter_key(it);
			if (!first)
				buf_put(b, ",", 1);
			first = 0;
			jdump_string(b, key, json_object_iter_key_len(it));
			buf_put(b, ":", 1);
			if (dump_value(b, json_object_iter_value(it),
			    depth + 1) == -1)
				return -1;
		}
		buf_put(b, "}", 1);
		return 0;
	case JSON_ARRAY:
		buf_put(b, "[", 1);
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				buf_put(b, ",", 1);
			if (dump_value(b, json_array_get(v, i),
			    depth + 1) == -1)
				return -1;
		}
		buf_put(b, "]", 1);
		return 0;
	case JSON_STRING:
		jdump_string(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		buf_put(b, num, (size_t)n);
		return 0;
	case JSON_REAL:
		dump_real(b, json_real_value(v));
		return 0;
	case JSON_TRUE:
		buf_put(b, "true", 4);
		return 0;
	case JSON_FALSE:
		buf_put(b, "false", 5);
		return 0;
	case JSON_NULL:
		buf_put(b, "null", 4);
		return 0;
	}
	return -1;
}

/*
 * Appends the compact JSON text of v (an object or an array, as
 * json_dumps() requires without JSON_ENCODE_ANY) to b.  0, or -1 (b then
 * holds a part of it) when v is neither or nests too deep.
 */
int
jdump(const json_t *v, struct buf *b)
{
	if (v == NULL || (!json_is_object(v) && !json_is_array(v)))
		return -1;
	buf_reserve(b, 16384);
	return dump_value(b, v, 0);
}
