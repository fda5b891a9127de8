/*
 * A lexical walker over JSON text held in memory: it finds the members
 * of an object and the elements of an array as byte spans, without
 * building a tree, so that a request of a million results is decoded one
 * element at a time (issue 11 item 2: jansson's tree of the whole body
 * took 13x the body's size).  It checks the structure it walks (braces,
 * commas, colons, string and literal boundaries); the text inside a span
 * is for the caller to decode, e.g. with json_loadb().  Not a parser.
 */
#include <string.h>

#include "jscan.h"

#define DEPTH_MAX	512	/* nesting inside one skipped value */

/* Offset of the first non-whitespace byte at or after pos. */
static size_t
skip_ws(const char *s, size_t n, size_t pos)
{
	while (pos < n && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' ||
	    s[pos] == '\r'))
		pos++;
	return pos;
}

/*
 * Offset just past the string literal opening at pos (s[pos] == '"'),
 * or (size_t)-1 when it never closes or holds a raw control character.
 */
static size_t
skip_string(const char *s, size_t n, size_t pos)
{
	for (pos++; pos < n; pos++) {
		unsigned char c = (unsigned char)s[pos];
		if (c == '"')
			return pos + 1;
		if (c == '\\') {
			pos++;
			continue;
		}
		if (c < 0x20)
			return (size_t)-1;
	}
	return (size_t)-1;
}

/*
 * Offset just past the value starting at pos, or (size_t)-1.  Containers
 * are matched by depth (their contents checked later, when the span is
 * decoded); scalars end at a delimiter.
 */
static size_t
skip_value(const char *s, size_t n, size_t pos)
{
	char stack[DEPTH_MAX];
	size_t depth = 0;

	if (pos >= n)
		return (size_t)-1;
	if (s[pos] == '"')
		return skip_string(s, n, pos);
	if (s[pos] != '{' && s[pos] != '[') {
		size_t start = pos;
		while (pos < n && strchr(",]} \t\r\n", s[pos]) == NULL &&
		    s[pos] != '\0')
			pos++;
		return pos > start ? pos : (size_t)-1;
	}
	while (pos < n) {
		char c = s[pos];
		if (c == '"') {
			if ((pos = skip_string(s, n, pos)) == (size_t)-1)
				return pos;
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth == DEPTH_MAX)
				return (size_t)-1;
			stack[depth++] = c == '{' ? '}' : ']';
		} else if (c == '}' || c == ']') {
			if (depth == 0 || stack[depth - 1] != c)
				return (size_t)-1;
			if (--depth == 0)
				return pos + 1;
		}
		pos++;
	}
	return (size_t)-1;
}

/*
 * Starts walking the object ('{') or array ('[') at or after pos (after
 * whitespace).  Returns 0, or -1 with j->err set when something else is
 * there.
 */
int
jscan_open(struct jscan *j, const char *s, size_t n, size_t pos, char open)
{
	memset(j, 0, sizeof(*j));
	j->s = s;
	j->n = n;
	j->close = open == '{' ? '}' : ']';
	pos = skip_ws(s, n, pos);
	if (pos >= n || s[pos] != open) {
		j->err = pos;
		return -1;
	}
	j->pos = pos + 1;
	j->first = 1;
	return 0;
}

/*
 * The next member (objects: key span including its quotes, and value) or
 * element (arrays: key may be NULL).  Returns 1 with the spans, 0 after
 * the closing bracket (j->pos is just past it), or -1 with j->err the
 * offset of the first byte that does not fit.
 */
int
jscan_next(struct jscan *j, struct jspan *key, struct jspan *val)
{
	size_t pos = skip_ws(j->s, j->n, j->pos), end;

	if (pos < j->n && j->s[pos] == j->close && j->first) {
		j->pos = pos + 1;
		return 0;
	}
	if (!j->first) {
		if (pos < j->n && j->s[pos] == j->close) {
			j->pos = pos + 1;
			return 0;
		}
		if (pos >= j->n || j->s[pos] != ',')
			goto bad;
		pos = skip_ws(j->s, j->n, pos + 1);
	}
	j->first = 0;
	if (j->close == '}') {
		if (pos >= j->n || j->s[pos] != '"' ||
		    (end = skip_string(j->s, j->n, pos)) == (size_t)-1)
			goto bad;
		if (key != NULL) {
			key->off = pos;
			key->len = end - pos;
		}
		pos = skip_ws(j->s, j->n, end);
		if (pos >= j->n || j->s[pos] != ':')
			goto bad;
		pos = skip_ws(j->s, j->n, pos + 1);
	}
	if ((end = skip_value(j->s, j->n, pos)) == (size_t)-1)
		goto bad;
	val->off = pos;
	val->len = end - pos;
	j->pos = end;
	return 1;
bad:
	j->err = pos;
	return -1;
}

/* Predicate: only whitespace follows pos. */
int
jscan_rest_empty(const char *s, size_t n, size_t pos)
{
	return skip_ws(s, n, pos) == n;
}

/* 1-based line and column of byte offset off in s. */
void
jscan_position(const char *s, size_t n, size_t off, int *line, int *column)
{
	size_t i, bol = 0;

	*line = 1;
	if (off > n)
		off = n;
	for (i = 0; i < off; i++)
		if (s[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	*column = (int)(off - bol) + 1;
}
