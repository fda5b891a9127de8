#ifndef TESTVIS_MIGRATIONS_H
#define TESTVIS_MIGRATIONS_H

/* One forward-only schema step; the table is generated from schema/sqlite. */
struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

#endif
