#ifndef TESTVIS_JVAL_H
#define TESTVIS_JVAL_H
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

json_t	*jval_object(void);
json_t	*jval_array(void);
void	 jval_set(json_t *, const char *, json_t *);
void	 jval_push(json_t *, json_t *);
json_t	*jval_str(const char *);
json_t	*jval_strn(const char *, size_t);
json_t	*jval_int(int64_t);
json_t	*jval_time(int64_t);
json_t	*jval_col_text(sqlite3_stmt *, int);
json_t	*jval_col_int(sqlite3_stmt *, int);
json_t	*jval_col_time(sqlite3_stmt *, int);

struct db;
json_t	*jval_rows(struct db *, sqlite3_stmt *, json_t *(*)(sqlite3_stmt *));

#endif
