#ifndef TESTVIS_CURSOR_H
#define TESTVIS_CURSOR_H
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

#define CURSOR_MAX_KEYS 4

/* A decoded cursor: its kind and the sort key of the last item served. */
struct cursor {
	char		 kind[16];
	int		 n;
	json_t		*keys[CURSOR_MAX_KEYS];	/* borrowed from doc */
	json_t		*doc;
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
int	 cursor_bind_int(struct db *, sqlite3_stmt *, int, const struct cursor *,
	    int);

#endif
