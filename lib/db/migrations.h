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
/* the same steps for PostgreSQL, from schema/postgres (issue 14) */
extern const struct migration pg_migrations[];
extern const int pg_migrations_count;

#endif
