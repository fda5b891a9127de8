#ifndef TESTVIS_DB_ENGINE_H
#define TESTVIS_DB_ENGINE_H
/*
 * Between the storage layer (db.c) and its engine adapters (db_sqlite.c,
 * db_pg.c): what an engine provides.  Nothing outside lib/db includes this;
 * who does includes db.h first.
 */
#include <stddef.h>
#include <stdint.h>

/* The engine-neutral head of every prepared statement. */
struct db_query {
	struct db	*db;
};

struct db_ops {
	int		 engine;		/* DB_SQLITE, DB_POSTGRES */
	void		(*close)(struct db *);
	struct db_query	*(*prepare)(struct db *, const char *, int);
	void		(*finalize)(struct db_query *);
	int		(*step)(struct db_query *);
	void		(*reset)(struct db_query *);
	int		(*bind_text)(struct db_query *, int, const char *);
	int		(*bind_int)(struct db_query *, int, int64_t);
	int		(*bind_double)(struct db_query *, int, double);
	int		(*bind_blob)(struct db_query *, int, const void *,
			    size_t);
	int		(*bind_null)(struct db_query *, int);
	int64_t		(*col_int)(struct db_query *, int);
	double		(*col_double)(struct db_query *, int);
	const char	*(*col_text)(struct db_query *, int);
	const void	*(*col_blob)(struct db_query *, int, size_t *);
	int		(*col_type)(struct db_query *, int);
	size_t		(*col_len)(struct db_query *, int);
	int		(*col_count)(struct db_query *);
	const char	*(*col_name)(struct db_query *, int);
	int64_t		(*changes)(struct db *);
	int		(*exec)(struct db *, const char *);
	int		(*begin)(struct db *);
	int		(*commit)(struct db *);
	void		(*rollback)(struct db *);
	int		(*read_begin)(struct db *, int64_t *);
	void		(*idle)(struct db *);
	void		(*busy_timeout)(struct db *, int);
	int		(*limit_size)(struct db *, long long);
	void		(*shrink)(struct db *, long long);
	int64_t		(*reclaim)(struct db *);
	int		(*cache_size)(struct db *, int);
	int		(*batch_lock)(struct db *, int);
	void		(*batch_unlock)(struct db *);
	int		(*schema_version)(struct db *);
	int		(*migrate)(struct db *, int *);
	int		(*later)(struct db_query *, void (*)(void *, int64_t),
			    void *);
	int		(*sync)(struct db *);
	int		(*checkpoint)(struct db *, int);
};

/* The handle: the engine's operations and state, and the statement cache. */
struct db {
	const struct db_ops	*ops;
	void			*eng;		/* the adapter's connection */
	int			 failure;	/* DB_FAIL_* of the last error */
	struct db_query		**cache[DBM__MAX];
	size_t			 ncache[DBM__MAX];
};

struct db	*db_sqlite_open(const char *, int, char *, size_t);
struct db	*db_pg_open(const char *, char *, size_t);
struct db	*db_new(const struct db_ops *, void *);
const char	*db_sql_for(const char *, int);

#endif
