/*
 * The file formats of an export job (REP-6): rows of typed cells written
 * as CSV (RFC 4180, with runexport.c's guard against spreadsheet
 * formulas), NDJSON (one object a line), JSON (one array, streamed row by
 * row) or an Excel workbook (libxlsxwriter in its constant_memory mode:
 * one row held at a time, a further sheet past 1,048,575 rows, a bold
 * header, numbers as numbers and times as ISO 8601 text); JUnit XML comes
 * as raw text from runexport.c.  A sink owns its open file and what it
 * holds; text is written out whenever 64 kB are held, so memory stays
 * flat whatever the number of rows.  exports.c drives the sinks.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "buf.h"
#include "db.h"
#include "exportfmt.h"
#include "runexport.h"
#include "tvtime.h"

#define CHUNK_BYTES	65536		/* written out once this much is held */
#define SHEET_ROWS	1048575		/* data rows a sheet holds (+ header) */
#define XLSX_STR_MAX	32767		/* bytes of a cell's text kept */

const char *const export_formats[] = { "csv", "ndjson", "json", "junit",
    "xlsx", NULL };
const char *const export_exts[] = { "csv", "ndjson", "json", "xml", "xlsx",
    NULL };
const char *const export_types[] = { "text/csv; charset=utf-8",
    "application/x-ndjson", "application/json",
    "application/xml; charset=utf-8",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    NULL };

/* An open export file: owned by its caller until xsink_close/abort. */
struct xsink {
	int			 format;	/* enum export_format */
	const struct xcols	*cols;
	FILE			*f;		/* the text formats */
	struct buf		 b;		/* text not written yet */
	int64_t			 bytes;		/* written to f */
	int64_t			 rows;
	int			 failed;	/* a write failed */
	lxw_workbook		*wb;		/* xlsx */
	lxw_worksheet		*ws;
	lxw_format		*bold;
	int			 sheets;
	lxw_row_t		 row;		/* next row of ws */
};

/* Starts sheet number s->sheets + 1 of a workbook with its header row. */
static int
xlsx_sheet(struct xsink *s)
{
	char name[32];
	int i;

	s->sheets++;
	if (s->sheets == 1)
		snprintf(name, sizeof(name), "export");
	else
		snprintf(name, sizeof(name), "export %d", s->sheets);
	if ((s->ws = workbook_add_worksheet(s->wb, name)) == NULL)
		return -1;
	for (i = 0; i < s->cols->n; i++)
		worksheet_write_string(s->ws, 0, (lxw_col_t)i,
		    s->cols->names[i], s->bold);
	s->row = 1;
	return 0;
}

/* Appends s as a JSON string, quoted and escaped. */
static void
json_text(struct buf *b, const char *s)
{
	const unsigned char *p;

	buf_append(b, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			buf_append(b, "\\", 1);
			buf_append(b, p, 1);
		} else if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\r')
			buf_puts(b, "\\r");
		else if (*p == '\t')
			buf_puts(b, "\\t");
		else if (*p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_append(b, p, 1);
	}
	buf_append(b, "\"", 1);
}

/*
 * Opens a sink writing format (enum export_format) into path, with the
 * columns cols (borrowed for the sink's life); tmpdir holds the
 * workbook's temporary files.  Returns it, or NULL with err set.
 */
struct xsink *
xsink_open(int format, const char *path, const char *tmpdir,
    const struct xcols *cols, char *err, size_t errsz)
{
	lxw_workbook_options o;
	struct xsink *s;
	int i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		abort();
	s->format = format;
	s->cols = cols;
	buf_init(&s->b);
	if (format == EXF_XLSX) {
		memset(&o, 0, sizeof(o));
		o.constant_memory = LXW_TRUE;
		o.tmpdir = (char *)tmpdir;
		o.use_zip64 = LXW_TRUE;
		if ((s->wb = workbook_new_opt(path, &o)) == NULL ||
		    (s->bold = workbook_add_format(s->wb)) == NULL) {
			snprintf(err, errsz, "cannot start the workbook %s",
			    path);
			xsink_abort(s);
			return NULL;
		}
		format_set_bold(s->bold);
		if (xlsx_sheet(s) == -1) {
			snprintf(err, errsz, "cannot add a sheet to %s", path);
			xsink_abort(s);
			return NULL;
		}
		return s;
	}
	if ((s->f = fopen(path, "w")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		xsink_abort(s);
		return NULL;
	}
	if (format == EXF_CSV) {
		for (i = 0; i < cols->n; i++) {
			if (i > 0)
				buf_append(&s->b, ",", 1);
			runexport_csv_field(&s->b, cols->names[i]);
		}
		buf_puts(&s->b, "\r\n");
	} else if (format == EXF_JSON)
		buf_puts(&s->b, "[\n");
	return s;
}

/* Appends raw text (JUnit XML, written by runexport.c). */
void
xsink_raw(struct xsink *s, const void *p, size_t n)
{
	buf_append(&s->b, p, n);
	if (s->b.len >= CHUNK_BYTES)
		(void)xsink_flush(s);
}

/* Writes cell i of the current xlsx row. */
static void
cell_xlsx(struct xsink *s, int i, int type, const char *text, int64_t iv,
    double dv)
{
	char iso[TVTIME_ISO_LEN], *cut = NULL;
	size_t n;

	switch (type) {
	case XC_INT:
		dv = (double)iv;
		/* FALLTHROUGH */
	case XC_REAL:
		if (isfinite(dv))
			worksheet_write_number(s->ws, s->row, (lxw_col_t)i, dv,
			    NULL);
		return;
	case XC_TIME:
		tvtime_format_iso8601(iv, iso);
		worksheet_write_string(s->ws, s->row, (lxw_col_t)i, iso,
		    NULL);
		return;
	}
	/* a cell holds 32,767 characters: cut longer text at a character */
	if ((n = strlen(text)) > XLSX_STR_MAX) {
		n = XLSX_STR_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
		if ((cut = strndup(text, n)) == NULL)
			abort();
		text = cut;
	}
	worksheet_write_string(s->ws, s->row, (lxw_col_t)i, text, NULL);
	free(cut);
}

/*
 * Writes cell i of the current row: text (XC_TEXT), iv (XC_INT, XC_TIME)
 * or dv (XC_REAL); null writes the format's empty value.
 */
static void
cell(struct xsink *s, int i, int type, const char *text, int64_t iv,
    double dv, int null)
{
	char iso[TVTIME_ISO_LEN];

	if (s->format == EXF_XLSX) {
		if (!null)
			cell_xlsx(s, i, type, text, iv, dv);
		return;
	}
	if (s->format == EXF_CSV) {
		if (i > 0)
			buf_append(&s->b, ",", 1);
	} else {
		buf_puts(&s->b, i > 0 ? "," : "{");
		json_text(&s->b, s->cols->names[i]);
		buf_append(&s->b, ":", 1);
	}
	if (null || (type == XC_REAL && !isfinite(dv))) {
		if (s->format != EXF_CSV)
			buf_puts(&s->b, "null");
		return;
	}
	switch (type) {
	case XC_INT:
		buf_printf(&s->b, "%lld", (long long)iv);
		break;
	case XC_REAL:
		buf_printf(&s->b, "%.15g", dv);
		break;
	case XC_TIME:
		tvtime_format_iso8601(iv, iso);
		if (s->format == EXF_CSV)
			buf_puts(&s->b, iso);
		else
			json_text(&s->b, iso);
		break;
	default:
		if (s->format == EXF_CSV)
			runexport_csv_field(&s->b, text);
		else
			json_text(&s->b, text);
	}
}

/* Starts a row (the separator before it). */
static void
row_begin(struct xsink *s)
{
	if (s->format == EXF_JSON && s->rows > 0)
		buf_puts(&s->b, ",\n");
	if (s->format == EXF_XLSX && s->row > SHEET_ROWS &&
	    xlsx_sheet(s) == -1)
		s->failed = 1;
}

/* Ends a row: its terminator; the text written out once enough is held. */
static void
row_end(struct xsink *s)
{
	if (s->format == EXF_CSV)
		buf_puts(&s->b, "\r\n");
	else if (s->format == EXF_NDJSON)
		buf_puts(&s->b, s->cols->n > 0 ? "}\n" : "{}\n");
	else if (s->format == EXF_JSON)
		buf_puts(&s->b, s->cols->n > 0 ? "}" : "{}");
	else
		s->row++;
	s->rows++;
	if (s->b.len >= CHUNK_BYTES)
		(void)xsink_flush(s);
}

/* Writes the row st has read: its first cols->n columns, by type. */
void
xsink_row_db(struct xsink *s, struct db_query *st)
{
	int i, t;

	row_begin(s);
	for (i = 0; i < s->cols->n; i++) {
		t = s->cols->types[i];
		cell(s, i, t, t == XC_TEXT ? db_column_text(st, i) : NULL,
		    t == XC_INT || t == XC_TIME ? db_col_int(st, i) : 0,
		    t == XC_REAL ? db_col_double(st, i) : 0,
		    db_col_null(st, i));
	}
	row_end(s);
}

/* Writes a row of cols->n JSON values (NULL or null: empty), each
 * written as its JSON type says (strings as text). */
void
xsink_row_json(struct xsink *s, json_t *const *v)
{
	int i;

	row_begin(s);
	for (i = 0; i < s->cols->n; i++) {
		if (json_is_integer(v[i]))
			cell(s, i, XC_INT, NULL, json_integer_value(v[i]), 0,
			    0);
		else if (json_is_real(v[i]))
			cell(s, i, XC_REAL, NULL, 0, json_real_value(v[i]), 0);
		else if (json_is_string(v[i]))
			cell(s, i, XC_TEXT, json_string_value(v[i]), 0, 0, 0);
		else if (json_is_boolean(v[i]))
			cell(s, i, XC_INT, NULL, json_is_true(v[i]), 0, 0);
		else
			cell(s, i, XC_TEXT, NULL, 0, 0, 1);
	}
	row_end(s);
}

/* Writes out what the sink holds.  Returns 0, or -1 when a write failed
 * (then and after). */
int
xsink_flush(struct xsink *s)
{
	if (s->f != NULL && s->b.len > 0 && !s->failed) {
		if (fwrite(s->b.p, 1, s->b.len, s->f) != s->b.len)
			s->failed = 1;
		else
			s->bytes += (int64_t)s->b.len;
	}
	buf_reset(&s->b);
	if (s->f != NULL && !s->failed && fflush(s->f) == EOF)
		s->failed = 1;
	return s->failed ? -1 : 0;
}

/* The bytes written to the file so far (a workbook: 0 until closed). */
int64_t
xsink_bytes(const struct xsink *s)
{
	return s->bytes;
}

/* Finishes the file and frees s.  Returns 0, or -1 with err set. */
int
xsink_close(struct xsink *s, char *err, size_t errsz)
{
	lxw_error e;
	int rc = 0;

	if (s->format == EXF_JSON)
		buf_puts(&s->b, s->rows > 0 ? "\n]\n" : "]\n");
	if (s->format == EXF_XLSX) {
		e = workbook_close(s->wb);
		s->wb = NULL;
		if (e != LXW_NO_ERROR || s->failed) {
			snprintf(err, errsz, "writing the workbook failed: %s",
			    lxw_strerror(e));
			rc = -1;
		}
	} else if (xsink_flush(s) == -1 || fclose(s->f) == EOF) {
		snprintf(err, errsz, "writing the file failed: %s",
		    strerror(errno));
		rc = -1;
	}
	s->f = NULL;
	xsink_abort(s);
	return rc;
}

/* Frees s, closing its file as it is (the caller removes it). */
void
xsink_abort(struct xsink *s)
{
	if (s == NULL)
		return;
	if (s->f != NULL)
		fclose(s->f);
	if (s->wb != NULL)
		workbook_close(s->wb);
	buf_free(&s->b);
	free(s);
}
