/*
 * Opaque keyset cursors for list endpoints (API-0).  A cursor carries the
 * list's kind and the sort key of the last item served, base64url-encoded
 * JSON, so the next page is "strictly after that key" in the list's fixed
 * order: pages never repeat or skip an item because rows arrived in
 * between.  Decoding is strict: another list's cursor, a wrong shape or
 * bad encoding is refused (the caller answers 400).  What the keys mean
 * is the query module's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cursor.h"
#include "db.h"
#include "jval.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Encodes kind and keys (a JSON array of the last item's sort key,
 * reference stolen) as a cursor string the caller frees.
 */
char *
cursor_encode(const char *kind, json_t *keys)
{
	json_t *doc = json_array();
	char *text, *out;
	size_t n, i, o = 0;
	unsigned v;

	if (doc == NULL || json_array_append_new(doc, jval_str(kind)) ==
	    -1 || json_array_extend(doc, keys) == -1)
		abort();
	json_decref(keys);
	if ((text = json_dumps(doc, JSON_COMPACT)) == NULL)
		abort();
	json_decref(doc);
	n = strlen(text);
	if ((out = malloc(n * 4 / 3 + 4)) == NULL)
		abort();
	for (i = 0; i < n; i += 3) {
		v = (unsigned char)text[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)text[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)text[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
	free(text);
	return out;
}

static int
b64val(int c)
{
	const char *p = c != 0 ? strchr(b64, c) : NULL;

	return p != NULL ? (int)(p - b64) : -1;
}

/*
 * Decodes text as a cursor of kind whose keys have the JSON types in
 * shape ('i' integer, 's' string, 'r' number, one letter per key).
 * Returns 0 with *c filled (free with cursor_clear()), or -1.
 */
int
cursor_decode(const char *text, const char *kind, const char *shape,
    struct cursor *c)
{
	size_t n = strlen(text), i, k;
	struct buf raw;
	json_t *doc;
	int v[4], j, rc = -1;

	memset(c, 0, sizeof(*c));
	if (n == 0 || n > 2048 || n % 4 == 1)
		return -1;
	buf_init(&raw);
	for (i = 0; i < n; i += 4) {
		for (j = 0; j < 4; j++)
			v[j] = i + (size_t)j < n ? b64val(text[i + j]) : 0;
		for (j = 0; j < 4 && i + (size_t)j < n; j++)
			if (v[j] < 0)
				goto out;
		k = n - i >= 4 ? 3 : n - i - 1;
		{
			unsigned w = (unsigned)(v[0] << 18 | v[1] << 12 |
			    v[2] << 6 | v[3]);
			char bytes[3] = { (char)(w >> 16), (char)(w >> 8),
			    (char)w };
			buf_append(&raw, bytes, k);
		}
	}
	if ((doc = json_loadb(raw.p, raw.len, 0, NULL)) == NULL)
		goto out;
	if (!json_is_array(doc) || json_array_size(doc) != strlen(shape) + 1 ||
	    strlen(shape) > CURSOR_MAX_KEYS ||
	    !json_is_string(json_array_get(doc, 0)) ||
	    strcmp(json_string_value(json_array_get(doc, 0)), kind) != 0) {
		json_decref(doc);
		goto out;
	}
	for (j = 0; shape[j] != '\0'; j++) {
		json_t *e = json_array_get(doc, (size_t)j + 1);
		if ((shape[j] == 'i' && !json_is_integer(e)) ||
		    (shape[j] == 's' && !json_is_string(e)) ||
		    (shape[j] == 'r' && !json_is_number(e))) {
			json_decref(doc);
			goto out;
		}
		c->keys[j] = e;
	}
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	c->n = (int)strlen(shape);
	c->doc = doc;
	rc = 0;
out:
	buf_free(&raw);
	return rc;
}

/*
 * Sets out's "next_cursor": the cursor of kind after the item whose sort
 * key is keys (reference stolen), or null when keys is NULL (last page).
 */
void
cursor_set_next(json_t *out, const char *kind, json_t *keys)
{
	char *c;

	if (keys == NULL) {
		json_object_set_new(out, "next_cursor", json_null());
		return;
	}
	c = cursor_encode(kind, keys);
	json_object_set_new(out, "next_cursor", jval_str(c));
	free(c);
}

/* Releases a decoded cursor; accepts a zeroed one. */
void
cursor_clear(struct cursor *c)
{
	json_decref(c->doc);
	memset(c, 0, sizeof(*c));
}

int64_t
cursor_int(const struct cursor *c, int i)
{
	return json_integer_value(c->keys[i]);
}

const char *
cursor_str(const struct cursor *c, int i)
{
	return json_string_value(c->keys[i]);
}

double
cursor_real(const struct cursor *c, int i)
{
	return json_number_value(c->keys[i]);
}

/*
 * Binds parameter i of st to integer key k of cur, or to NULL when the
 * request carried no cursor (the first page).  0, or -1 (logged).
 */
int
cursor_bind_int(struct db *db, sqlite3_stmt *st, int i,
    const struct cursor *cur, int k)
{
	return cur->doc != NULL ? db_bind_int(db, st, i, cursor_int(cur, k)) :
	    db_bind_null(db, st, i);
}
