#ifndef TESTVIS_JSCAN_H
#define TESTVIS_JSCAN_H
#include <stddef.h>

/* A byte span of the text being walked. */
struct jspan {
	size_t	 off, len;
};

/* A walk over one object's members or one array's elements. */
struct jscan {
	const char	*s;
	size_t		 n;
	size_t		 pos;	/* where the next member starts looking */
	size_t		 err;	/* after -1: offset of the offending byte */
	char		 close;
	int		 first;
};

int	 jscan_open(struct jscan *, const char *, size_t, size_t, char);
int	 jscan_next(struct jscan *, struct jspan *, struct jspan *);
int	 jscan_rest_empty(const char *, size_t, size_t);
void	 jscan_position(const char *, size_t, size_t, int *, int *);

#endif
