#ifndef TESTVIS_CURSOR_H
#define TESTVIS_CURSOR_H
#include <stdint.h>

struct db_query;
#include <jansson.h>

#define CURSOR_MAX_KEYS 4

/* A view's return when the request's cursor is not one of its list. */
#define CURSOR_BAD	(-2)

/* A decoded cursor: its kind and the sort key of the last item served. */
struct cursor {
	char		 kind[16];
	int		 n;
	json_t		*keys[CURSOR_MAX_KEYS];	/* borrowed from doc */
	json_t		*doc;
};

/*
 * How one list pages: its cursor kind, the JSON types of its sort key
 * ('i' integer, 's' string, 'r' number, one letter per key) and the
 * columns of its rows holding that key, in the same order.
 */
struct cursor_list {
	const char	*kind;
	const char	*shape;
	int		 cols[CURSOR_MAX_KEYS];
};

/* One page of a list being read: the request's cursor and the rows. */
struct cursor_page {
	const struct cursor_list *list;	/* borrowed */
	struct cursor	 cur;		/* the request's, or zeroed */
	int		 limit;		/* rows served at most */
	int		 n;		/* rows served so far */
	int		 more;		/* a row beyond the page exists */
	json_t		*last;		/* the key of the last row served */
};

char	*cursor_encode(const char *, json_t *);
int	 cursor_decode(const char *, const char *, const char *,
	    struct cursor *);
void	 cursor_clear(struct cursor *);
void	 cursor_set_next(json_t *, const char *, json_t *);
int64_t	 cursor_int(const struct cursor *, int);
const char *cursor_str(const struct cursor *, int);
double	 cursor_real(const struct cursor *, int);

struct db;
int	 cursor_page_open(struct cursor_page *, const struct cursor_list *,
	    const char *, int);
int	 cursor_page_bind(struct cursor_page *, struct db *, struct db_query *,
	    int, int);
int	 cursor_page_take(struct cursor_page *, json_t *);
int	 cursor_page_step(struct cursor_page *, struct db *, struct db_query *);
int	 cursor_page_rows(struct cursor_page *, struct db *, struct db_query *,
	    json_t *(*)(struct db_query *), json_t *, const char *);
int	 cursor_page_list(struct cursor_page *, struct db *, struct db_query *,
	    json_t *(*)(struct db_query *), const char *, json_t **);
void	 cursor_page_finish(struct cursor_page *, json_t *);
char	*cursor_page_next(struct cursor_page *);
void	 cursor_page_clear(struct cursor_page *);

#endif
