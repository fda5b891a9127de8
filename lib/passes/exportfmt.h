#ifndef TESTVIS_EXPORTFMT_H
#define TESTVIS_EXPORTFMT_H
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db_query;

/* The formats of an export file (REP-6), indexing export_formats. */
enum export_format {
	EXF_CSV,
	EXF_NDJSON,
	EXF_JSON,
	EXF_JUNIT,
	EXF_XLSX,
	EXF__MAX
};

/* The type of a column of an export, deciding how each format writes
 * its values. */
enum xcol {
	XC_TEXT,
	XC_INT,
	XC_TIME,	/* ms since the epoch: ISO 8601 text */
	XC_REAL
};

/* The columns of an export: names and types (borrowed). */
struct xcols {
	const char *const	*names;
	const int		*types;		/* enum xcol */
	int			 n;
};

struct xsink;

extern const char *const export_formats[];
extern const char *const export_exts[];
extern const char *const export_types[];

struct xsink	*xsink_open(int, const char *, const char *,
		    const struct xcols *, char *, size_t);
void		 xsink_raw(struct xsink *, const void *, size_t);
void		 xsink_row_db(struct xsink *, struct db_query *);
void		 xsink_row_json(struct xsink *, json_t *const *);
int		 xsink_flush(struct xsink *);
int64_t		 xsink_bytes(const struct xsink *);
int		 xsink_close(struct xsink *, char *, size_t);
void		 xsink_abort(struct xsink *);

#endif
