/*
 * An answer's JSON text written straight from its rows (issue 18): the
 * same bytes jdump() writes for the jansson value jval.c would have built
 * (keys in the order written, strings repaired to UTF-8 as jval_strn()
 * repairs them, times as jval_time() writes them, integers as jansson
 * prints them), without the value: a list's rows cost no allocation and
 * no second walk.  The caller writes a well-formed sequence (a key before
 * each member, ends matching starts, at most JWRITE_DEPTH levels: a
 * program's own shapes) and owns the buffer.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "jdump.h"
#include "jval.h"
#include "jwrite.h"
#include "tvtime.h"
#include "utf8.h"

/* Starts writing into b (appended to what it holds). */
void
jw_init(struct jwrite *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

/* Before a value or a key: the comma after the one before, if any. */
static void
separate(struct jwrite *w)
{
	if (w->keyed) {
		w->keyed = 0;
		return;
	}
	if (w->more[w->depth])
		buf_put(w->b, ",", 1);
	w->more[w->depth] = 1;
}

/* Opens a container with c ('{' or '['), one level down. */
static void
open_with(struct jwrite *w, const char *c)
{
	separate(w);
	buf_put(w->b, c, 1);
	if (w->depth + 1 >= JWRITE_DEPTH)
		abort();	/* a program's own shape, never input's */
	w->more[++w->depth] = 0;
}

/* Closes the container opened last with c ('}' or ']'). */
static void
close_with(struct jwrite *w, const char *c)
{
	buf_put(w->b, c, 1);
	if (w->depth > 0)
		w->depth--;
}

/* Writes '{'. */
void
jw_object(struct jwrite *w)
{
	open_with(w, "{");
}

/* Writes '['. */
void
jw_array(struct jwrite *w)
{
	open_with(w, "[");
}

/* Writes '}'. */
void
jw_end_object(struct jwrite *w)
{
	close_with(w, "}");
}

/* Writes ']'. */
void
jw_end_array(struct jwrite *w)
{
	close_with(w, "]");
}

/*
 * Writes the member name k (the program's own: valid UTF-8) and ':'.
 * Names are plain words, copied as they are (jdump_plain_string); one
 * with a character to escape (none of ours) goes through jdump_string.
 */
void
jw_key(struct jwrite *w, const char *k)
{
	size_t n = strlen(k);

	separate(w);
	w->keyed = 1;
	if (!jdump_plain_string(w->b, k, n))
		jdump_string(w->b, k, n);
	buf_put(w->b, ":", 1);
}

/*
 * Writes s[0..n) as a string, repaired as jval_strn() repairs it: plain
 * ASCII in one pass (jdump_plain_string), the rest checked as UTF-8
 * first.
 */
void
jw_strn(struct jwrite *w, const char *s, size_t n)
{
	char *fixed;
	size_t flen;

	separate(w);
	if (jdump_plain_string(w->b, s, n))
		return;
	if (utf8_valid(s, n)) {
		jdump_string(w->b, s, n);
		return;
	}
	if ((fixed = utf8_repair(s, n, &flen)) == NULL)
		abort();	/* out of memory, as jval's need() */
	jdump_string(w->b, fixed, flen);
	free(fixed);
}

/* Writes s as a string, or null for NULL. */
void
jw_str(struct jwrite *w, const char *s)
{
	if (s == NULL)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

/* Writes v. */
void
jw_int(struct jwrite *w, int64_t v)
{
	separate(w);
	buf_put_int(w->b, (long long)v);
}

/* Writes true or false. */
void
jw_bool(struct jwrite *w, int v)
{
	separate(w);
	if (v)
		buf_put(w->b, "true", 4);
	else
		buf_put(w->b, "false", 5);
}

/* Writes null. */
void
jw_null(struct jwrite *w)
{
	separate(w);
	buf_put(w->b, "null", 4);
}

/* Writes ms since the epoch as jval_time() does. */
void
jw_time(struct jwrite *w, int64_t ms)
{
	struct buf *b = w->b;
	char *p;
	size_t n;

	separate(w);
	buf_reserve(b, TVTIME_ISO_LEN + 1);
	p = b->p + b->len;
	p[0] = '"';
	tvtime_format_iso8601(ms, p + 1);
	n = strlen(p + 1);
	memcpy(p + 1 + n, "\"", 2);	/* with the NUL */
	b->len += n + 2;
}

/*
 * Column i of st as a string, or null: the text is NULL for SQL NULL
 * (db_column_text), so the column's type is not asked for.
 */
void
jw_col_text(struct jwrite *w, struct db_query *st, int i)
{
	const char *s = db_column_text(st, i);

	if (s == NULL)
		jw_null(w);
	else
		jw_strn(w, s, db_col_len(st, i));
}

/* Column i of st as an integer, or null. */
void
jw_col_int(struct jwrite *w, struct db_query *st, int i)
{
	if (db_col_null(st, i))
		jw_null(w);
	else
		jw_int(w, db_col_int(st, i));
}

/* Column i of st (ms since the epoch) as a time, or null. */
void
jw_col_time(struct jwrite *w, struct db_query *st, int i)
{
	if (db_col_null(st, i))
		jw_null(w);
	else
		jw_time(w, db_col_int(st, i));
}

/*
 * Writes the members of the row at st: the n columns cols describes,
 * from column base on, as jval_fields() sets them.
 */
void
jw_fields(struct jwrite *w, struct db_query *st, const struct jcol *cols,
    size_t n, int base)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct jcol *c = &cols[i];
		int col = base + c->col;
		jw_key(w, c->key);
		switch (c->kind) {
		case JCOL_TEXT:
			jw_col_text(w, st, col);
			break;
		case JCOL_INT:
			jw_col_int(w, st, col);
			break;
		case JCOL_TIME:
			jw_col_time(w, st, col);
			break;
		case JCOL_BOOL:
			jw_bool(w, db_col_int(st, col) != 0);
			break;
		case JCOL_NAME:
			jw_str(w, c->name(db_col_int(st, col)));
			break;
		}
	}
}

/* The row at st as an object of the n columns cols describes. */
void
jw_row(struct jwrite *w, struct db_query *st, const struct jcol *cols,
    size_t n)
{
	jw_object(w);
	jw_fields(w, st, cols, n, 0);
	jw_end_object(w);
}
