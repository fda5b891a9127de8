#ifndef TESTVIS_JWRITE_H
#define TESTVIS_JWRITE_H
#include <stdint.h>

struct buf;
struct db_query;
struct jcol;

#define JWRITE_DEPTH	16

/* A JSON text written as it goes (jwrite.c); the buffer is the caller's. */
struct jwrite {
	struct buf	*b;
	int		 depth, keyed;
	unsigned char	 more[JWRITE_DEPTH];
};

void	 jw_init(struct jwrite *, struct buf *);
void	 jw_object(struct jwrite *);
void	 jw_array(struct jwrite *);
void	 jw_end_object(struct jwrite *);
void	 jw_end_array(struct jwrite *);
void	 jw_key(struct jwrite *, const char *);
void	 jw_str(struct jwrite *, const char *);
void	 jw_strn(struct jwrite *, const char *, size_t);
void	 jw_int(struct jwrite *, int64_t);
void	 jw_bool(struct jwrite *, int);
void	 jw_null(struct jwrite *);
void	 jw_time(struct jwrite *, int64_t);
void	 jw_col_text(struct jwrite *, struct db_query *, int);
void	 jw_col_int(struct jwrite *, struct db_query *, int);
void	 jw_col_time(struct jwrite *, struct db_query *, int);
void	 jw_fields(struct jwrite *, struct db_query *, const struct jcol *,
	    size_t, int);
void	 jw_row(struct jwrite *, struct db_query *, const struct jcol *,
	    size_t);

#endif
