#ifndef TESTVIS_JVAL_H
#define TESTVIS_JVAL_H
#include <stdint.h>

struct db_query;
#include <jansson.h>

json_t	*jval_object(void);
json_t	*jval_array(void);
void	 jval_set(json_t *, const char *, json_t *);
void	 jval_push(json_t *, json_t *);
json_t	*jval_str(const char *);
json_t	*jval_strn(const char *, size_t);
json_t	*jval_int(int64_t);
json_t	*jval_time(int64_t);
json_t	*jval_col_text(struct db_query *, int);
json_t	*jval_col_int(struct db_query *, int);
json_t	*jval_col_time(struct db_query *, int);
json_t	*jval_load(const char *);

/*
 * A row's members: key from column base + col as kind, in table order
 * (jval_fields() sets them, jw_fields() writes them, the same bytes);
 * JCOL_NAME is name(the integer column), a static string.
 */
enum jcol_kind { JCOL_TEXT, JCOL_INT, JCOL_TIME, JCOL_BOOL, JCOL_NAME };
struct jcol {
	const char	*key;
	int		 col;
	enum jcol_kind	 kind;
	const char	*(*name)(int64_t);
};
void	 jval_fields(json_t *, struct db_query *, const struct jcol *, size_t,
	    int);
json_t	*jval_row(struct db_query *, const struct jcol *, size_t);

struct db;
json_t	*jval_rows(struct db *, struct db_query *, json_t *(*)(struct db_query *));

#endif
