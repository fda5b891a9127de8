/*
 * Opaque keyset cursors for list endpoints (API-0).  A cursor carries the
 * list's kind and the sort key of the last item served, base64url-encoded
 * JSON, so the next page is "strictly after that key" in the list's fixed
 * order: pages never repeat or skip an item because rows arrived in
 * between.  Decoding is strict: another list's cursor, a wrong shape or
 * bad encoding is refused (the caller answers 400).  A page
 * (cursor_page_*) is the one loop every list runs: decode the request's
 * cursor, bind its key, step up to limit + 1 rows keeping the last row's
 * key, and set next_cursor from it.  Which columns are the key and what
 * the rows mean is the query module's business.
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

/* The value of base64url digit c, or -1. */
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

/* Integer key i of a decoded cursor. */
int64_t
cursor_int(const struct cursor *c, int i)
{
	return json_integer_value(c->keys[i]);
}

/* String key i of a decoded cursor, borrowed from it. */
const char *
cursor_str(const struct cursor *c, int i)
{
	return json_string_value(c->keys[i]);
}

/* Number key i of a decoded cursor. */
double
cursor_real(const struct cursor *c, int i)
{
	return json_number_value(c->keys[i]);
}

/*
 * Starts a page of list: decodes the request's cursor text (NULL: the
 * first page) and serves at most limit rows.  Returns 0, or CURSOR_BAD
 * when text is not a cursor of this list (nothing to clear then).
 */
int
cursor_page_open(struct cursor_page *pg, const struct cursor_list *list,
    const char *text, int limit)
{
	memset(pg, 0, sizeof(*pg));
	pg->list = list;
	pg->limit = limit;
	if (text != NULL && cursor_decode(text, list->kind, list->shape,
	    &pg->cur) == -1)
		return CURSOR_BAD;
	return 0;
}

/*
 * Binds the cursor's keys to parameters first, first + 1, ... of st (SQL
 * NULLs on the first page) and, when limit_param is not 0, limit + 1 to
 * that parameter: the extra row tells whether there is a next page.
 * Returns 0, or -1 (logged).
 */
int
cursor_page_bind(struct cursor_page *pg, struct db *db, struct db_query *st,
    int first, int limit_param)
{
	const char *shape = pg->list->shape;
	int k, p, rc;

	for (k = 0; shape[k] != '\0'; k++) {
		p = first + k;
		if (pg->cur.doc == NULL)
			rc = db_bind_null(db, st, p);
		else if (shape[k] == 'i')
			rc = db_bind_int(db, st, p, cursor_int(&pg->cur, k));
		else if (shape[k] == 's')
			rc = db_bind_text(db, st, p, cursor_str(&pg->cur, k));
		else
			rc = db_bind_double(db, st, p, cursor_real(&pg->cur,
			    k));
		if (rc == -1)
			return -1;
	}
	if (limit_param > 0 && db_bind_int(db, st, limit_param,
	    pg->limit + 1) == -1)
		return -1;
	return 0;
}

/*
 * Offers the page one more row whose sort key is keys (a JSON array,
 * reference stolen).  Returns 1 when the row is on the page (its key
 * kept for the next cursor), or 0 when the page is full (more set).
 */
int
cursor_page_take(struct cursor_page *pg, json_t *keys)
{
	if (keys == NULL)
		abort();	/* out of memory */
	if (pg->n == pg->limit) {
		pg->more = 1;
		json_decref(keys);
		return 0;
	}
	pg->n++;
	json_decref(pg->last);
	pg->last = keys;
	return 1;
}

/* The key of the row at st, as the page's list shapes it (a new array). */
static json_t *
row_keys(const struct cursor_list *l, struct db_query *st)
{
	json_t *keys, *v;
	int k, c;

	if ((keys = json_array()) == NULL)
		abort();
	for (k = 0; l->shape[k] != '\0'; k++) {
		c = l->cols[k];
		v = l->shape[k] == 'i' ? json_integer(db_col_int(st,
		    c)) : l->shape[k] == 'r' ? json_real(db_col_double(
		    st, c)) : json_string(db_column_text(st, c));
		if (v == NULL || json_array_append_new(keys, v) == -1)
			abort();
	}
	return keys;
}

/*
 * Steps st for the next row of the page.  Returns DB_ROW, DB_DONE at the
 * end of the rows or of the page (more set when rows remain), or -1
 * (logged).  Only the row that fills the page has its key kept, for the
 * next cursor: a row before it is never the last served (issue 18: a
 * 50-row history page built and freed 50 keys).  The caller resets st.
 */
int
cursor_page_step(struct cursor_page *pg, struct db *db, struct db_query *st)
{
	int rc;

	if ((rc = db_step(db, st)) != DB_ROW)
		return rc;
	if (pg->n == pg->limit) {
		pg->more = 1;
		return DB_DONE;
	}
	if (pg->n + 1 < pg->limit) {
		pg->n++;
		return DB_ROW;
	}
	return cursor_page_take(pg, row_keys(pg->list, st)) ? DB_ROW :
	    DB_DONE;
}

/*
 * Reads the page's rows of st, each made an object by row, into a new
 * array set as out's member name, and resets st.  Returns 0, or -1 on a
 * database error (logged; the page is cleared, out is left as it was).
 */
int
cursor_page_rows(struct cursor_page *pg, struct db *db, struct db_query *st,
    json_t *(*row)(struct db_query *), json_t *out, const char *name)
{
	json_t *arr = jval_array();
	int rc;

	while ((rc = cursor_page_step(pg, db, st)) == DB_ROW)
		jval_push(arr, row(st));
	db_reset(st);
	if (rc == -1) {
		json_decref(arr);
		cursor_page_clear(pg);
		return -1;
	}
	jval_set(out, name, arr);
	return 0;
}

/*
 * The usual answer of a list: a new object {name: the page's rows of st,
 * each made an object by row, next_cursor} into *out (caller owns it),
 * and the page released.  Returns 0, or -1 on a database error (logged).
 */
int
cursor_page_list(struct cursor_page *pg, struct db *db, struct db_query *st,
    json_t *(*row)(struct db_query *), const char *name, json_t **out)
{
	json_t *o = jval_object();

	if (cursor_page_rows(pg, db, st, row, o, name) == -1) {
		json_decref(o);
		return -1;
	}
	cursor_page_finish(pg, o);
	*out = o;
	return 0;
}

/*
 * The cursor after the last row served (the caller frees it), or NULL on
 * the last page; releases the page.
 */
char *
cursor_page_next(struct cursor_page *pg)
{
	char *c = NULL;

	if (pg->more) {
		c = cursor_encode(pg->list->kind, pg->last);
		pg->last = NULL;	/* stolen */
	}
	cursor_page_clear(pg);
	return c;
}

/*
 * Sets out's "next_cursor" (the cursor after the last row served, or
 * null on the last page) and releases the page.
 */
void
cursor_page_finish(struct cursor_page *pg, json_t *out)
{
	char *c = cursor_page_next(pg);

	json_object_set_new(out, "next_cursor", c != NULL ? jval_str(c) :
	    json_null());
	free(c);
}

/* Releases a page (after an error); accepts a finished or zeroed one. */
void
cursor_page_clear(struct cursor_page *pg)
{
	cursor_clear(&pg->cur);
	json_decref(pg->last);
	pg->last = NULL;
}
