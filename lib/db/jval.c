/*
 * Building jansson values without a NULL check at every call: allocation
 * failure aborts (the server respawns the process), so callers compose
 * trees freely; text that is not UTF-8 is repaired, never a failure.  Also the house conversions: times as ISO-8601 UTC with
 * milliseconds (I-5), SQL NULL as JSON null, and a statement's rows as an
 * array.  Dumping is http.c's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jval.h"
#include "tvtime.h"
#include "utf8.h"

/* Aborts the process: jansson only fails on allocation. */
static json_t *
need(json_t *v)
{
	if (v == NULL) {
		fprintf(stderr, "testvis: out of memory building JSON\n");
		abort();
	}
	return v;
}

/* A new empty object; caller owns the reference. */
json_t *
jval_object(void)
{
	return need(json_object());
}

/* A new empty array; caller owns the reference. */
json_t *
jval_array(void)
{
	return need(json_array());
}

/*
 * Sets obj[key] = v, stealing the reference to v.  key is the program's
 * own (a literal, or a name from its tables): valid UTF-8, so jansson is
 * spared checking it again on every row.
 */
void
jval_set(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new_nocheck(obj, key, need(v)) == -1)
		need(NULL);
}

/* Appends v to arr, stealing the reference to v. */
void
jval_push(json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, need(v)) == -1)
		need(NULL);
}

/*
 * A string (NULL gives null).  Text that is not valid UTF-8 (a header, a
 * name cut by a format's precision, a diff's file name) is repaired
 * instead of refused: every byte that is not UTF-8 becomes U+FFFD, so no
 * input can make building an answer fail (I-6).
 */
json_t *
jval_str(const char *s)
{
	return s == NULL ? json_null() : jval_strn(s, strlen(s));
}

/* As jval_str, for s[0..n) (which may contain NUL bytes: dropped). */
json_t *
jval_strn(const char *s, size_t n)
{
	json_t *v;
	char *fixed;
	size_t flen;

	if (utf8_valid(s, n))
		return need(json_stringn_nocheck(s, n));
	if ((fixed = utf8_repair(s, n, &flen)) == NULL)
		need(NULL);
	v = need(json_stringn_nocheck(fixed, flen));
	free(fixed);
	return v;
}

/* An integer. */
json_t *
jval_int(int64_t v)
{
	return need(json_integer(v));
}

/* ms since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
json_t *
jval_time(int64_t ms)
{
	char iso[TVTIME_ISO_LEN];

	tvtime_format_iso8601(ms, iso);
	return need(json_stringn_nocheck(iso, strlen(iso)));
}

/* Column i as a string, or null. */
json_t *
jval_col_text(struct db_query *st, int i)
{
	if (db_col_null(st, i))
		return json_null();
	return jval_strn(db_column_text(st, i),
	    db_col_len(st, i));
}

/* Column i as an integer, or null. */
json_t *
jval_col_int(struct db_query *st, int i)
{
	if (db_col_null(st, i))
		return json_null();
	return jval_int(db_col_int(st, i));
}

/* Column i (ms since the epoch) as an ISO-8601 time, or null. */
json_t *
jval_col_time(struct db_query *st, int i)
{
	if (db_col_null(st, i))
		return json_null();
	return jval_time(db_col_int(st, i));
}

/*
 * Sets o's members of the row at st: the n columns cols describes, from
 * column base on.  o is borrowed.
 */
void
jval_fields(json_t *o, struct db_query *st, const struct jcol *cols,
    size_t n, int base)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct jcol *c = &cols[i];
		int col = base + c->col;
		switch (c->kind) {
		case JCOL_TEXT:
			jval_set(o, c->key, jval_col_text(st, col));
			break;
		case JCOL_INT:
			jval_set(o, c->key, jval_col_int(st, col));
			break;
		case JCOL_TIME:
			jval_set(o, c->key, jval_col_time(st, col));
			break;
		case JCOL_BOOL:
			jval_set(o, c->key, json_boolean(db_col_int(st, col)));
			break;
		case JCOL_NAME:
			jval_set(o, c->key, jval_str(c->name(
			    db_col_int(st, col))));
			break;
		}
	}
}

/* The row at st as a new object of the n columns cols describes. */
json_t *
jval_row(struct db_query *st, const struct jcol *cols, size_t n)
{
	json_t *o = jval_object();

	jval_fields(o, st, cols, n, 0);
	return o;
}

/*
 * Steps st (bound by the caller) to its end, appending row(st) for each
 * row to a new array, and resets st.  Returns the array (caller owns it),
 * or NULL on a database error (logged by db_step).
 */
json_t *
jval_rows(struct db *db, struct db_query *st, json_t *(*row)(struct db_query *))
{
	json_t *arr = jval_array();
	int rc;

	while ((rc = db_step(db, st)) == DB_ROW)
		jval_push(arr, row(st));
	db_reset(st);
	if (rc == -1) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* qsort order of object keys as PostgreSQL's JSONB keeps them. */
static int
key_order(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t nx = strlen(x), ny = strlen(y);

	if (nx != ny)
		return nx < ny ? -1 : 1;
	return memcmp(x, y, nx);
}

/*
 * v with every object's keys in JSONB's order (shorter first, then by
 * bytes), recursively: a stored JSON document reads back the same from
 * either engine (PostgreSQL's JSONB keeps no key order of its own).
 * Takes v's reference; returns the caller's.
 */
static json_t *
canonical(json_t *v)
{
	const char **keys;
	json_t *o, *x;
	const char *k;
	size_t i, n;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			json_array_set_new(v, i, canonical(json_incref(x)));
		return v;
	}
	if (!json_is_object(v) || (n = json_object_size(v)) < 2)
		return v;
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		abort();
	i = 0;
	json_object_foreach(v, k, x)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_order);
	o = jval_object();
	for (i = 0; i < n; i++)
		jval_set(o, keys[i], canonical(json_incref(json_object_get(v,
		    keys[i]))));
	free(keys);
	json_decref(v);
	return o;
}

/*
 * The JSON document stored in text (a column holding JSON), its objects'
 * keys in one order whatever the engine; NULL when text is NULL or not
 * JSON.  Caller owns the reference.
 */
json_t *
jval_load(const char *text)
{
	json_t *v = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) :
	    NULL;

	return v != NULL ? canonical(v) : NULL;
}
