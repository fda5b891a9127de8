/*
 * UTF-8 checks for untrusted text (query strings, config values, header
 * values that reach error messages).  Strict: no overlong forms, no
 * surrogates, nothing above U+10FFFF.  Also the two repairs every string
 * bound for JSON may need: cutting on a character boundary and replacing
 * what is not UTF-8.  Not a transcoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* a byte of 0x01, and of 0x80, in each of a word's eight bytes */
#define ASCII_ONES	0x0101010101010101ULL
#define ASCII_HIGHS	0x8080808080808080ULL

/*
 * Returns the length of the valid UTF-8 sequence at s (at most n bytes
 * available), or 0 when the bytes there are not valid UTF-8.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)		/* overlong */
			return 0;
		if (c == 0xed && s[1] >= 0xa0)		/* surrogate */
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)		/* overlong */
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)		/* > U+10FFFF */
			return 0;
		return 4;
	}
	return 0;
}

/* Predicate: s[0..n) is valid UTF-8 and contains no NUL byte. */
int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint64_t w;

	while (i < n) {
		/* eight ASCII bytes, none NUL, at a time: the usual text */
		if (n - i >= 8) {
			memcpy(&w, p + i, 8);
			if (((w | ((w - ASCII_ONES) & ~w)) & ASCII_HIGHS) == 0) {
				i += 8;
				continue;
			}
		}
		if (p[i] == 0 || (k = utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Number of code points in valid UTF-8 s[0..n) (continuation bytes skip). */
size_t
utf8_count(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/*
 * Length of the longest prefix of s[0..n) that is at most max bytes and
 * does not end inside a multi-byte sequence: the place to truncate valid
 * UTF-8 (for "%.*s").  Bytes that are not UTF-8 count as one character.
 */
size_t
utf8_prefix(const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	if (n <= max)
		return n;
	while (i < max) {
		k = utf8_seq(p + i, n - i);
		if (k == 0)
			k = 1;
		if (i + k > max)
			break;
		i += k;
	}
	return i;
}

/*
 * Length of s[0..n) without a multi-byte sequence cut short at its end:
 * what is left of valid UTF-8 after a fixed-size buffer truncated it.
 */
size_t
utf8_whole(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = n, back = 0;

	while (i > 0 && back < 3 && (p[i - 1] & 0xc0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0 || p[i - 1] < 0xc0)
		return n;	/* ends on ASCII or a run of stray bytes */
	if (utf8_seq(p + i - 1, n - (i - 1)) == 0)
		return i - 1;	/* its lead byte wants more than is there */
	return n;
}

/*
 * A NUL-terminated copy of s[0..n) in which every byte that does not
 * start a valid sequence becomes U+FFFD and NUL bytes are dropped, so
 * that it can always be a JSON string.  Returns NULL when out of memory;
 * caller frees.  *outlen (may be NULL) receives the length.
 */
char *
utf8_repair(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(n * 3 + 1);	/* each bad byte grows to 3 */
	size_t i = 0, o = 0, k;

	if (out == NULL)
		return NULL;
	while (i < n) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, n - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}
