/*
 * The PostgreSQL adapter of the storage layer (db.c), over libpq.
 * Statement texts are SQLite's (or a DB_SQL2 variant) with ?N / ?
 * placeholders rewritten to $N; cached statements are prepared once per
 * connection under their own names, parameters go as untyped text (the
 * server infers each type from its context) or binary for blobs, results
 * come whole (as text; bytea decoded on demand), so a caller may run other
 * statements while it walks a result, as with SQLite.
 *
 * Guarantees that SQLite gives by its file lock are given here by
 * advisory locks: writers take one transaction-level lock (one writer at a
 * time, as on SQLite; readers never wait), the batch a session-level one.
 * The data version the response caches compare is the sequence
 * data_version (schema/postgres/0011), advanced after every commit that
 * wrote and read before a read transaction's snapshot: a commit between
 * the two only makes the next request miss the cache, never a stale
 * answer.  SQLSTATE 53100 (disk full) is DB_FAIL_FULL; lock timeouts,
 * serialization failures and a lost connection are DB_FAIL_BUSY, and a
 * lost connection is re-established once at the next transaction.  The
 * connection string never reaches a log or an answer: it may hold a
 * password.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "db.h"
#include "db_engine.h"
#include "log.h"

/* the database's size in bytes */
#define DB_BYTES	"SELECT pg_database_size(current_database())"

/* advisory lock keys: "tvwriter" and "tvbatch!" as big-endian integers */
#define WRITER_LOCK	"8392611451312825714"
#define BATCH_LOCK	"8392602555498161185"

/* type OIDs (pg_type.h) the adapter tells apart */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_OID		26
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_NUMERIC	1700
#define OID_TEXT	25

/* writes sent ahead before their results are read back */
#define LATER_MAX	512

/* A write sent ahead: what to tell when its result is read. */
struct pg_later {
	void		(*done)(void *, int64_t);
	void		*arg;
	const char	*sql;		/* for the log */
};

/* The connection and what the adapter tracks about it. */
struct pg_conn {
	PGconn		*pg;
	struct pg_query	*queries;	/* every live statement */
	long		 next_name;	/* for server-side statement names */
	int64_t		 changes;	/* rows of the last command */
	int		 writing;	/* inside db_begin()'s transaction */
	int		 wrote;		/* a statement changed rows, not told */
	int		 batch_locked;
	int		 in_pipeline;	/* writes were sent ahead */
	struct pg_later	*later;		/* their callbacks, in order */
	size_t		 nlater, later_cap;
};

/* A statement: its text for the server, its parameters, its result. */
struct pg_query {
	struct db_query	 q;
	struct pg_query	*next;		/* in the connection's list */
	char		*sql;		/* with $N placeholders */
	char		 name[24];	/* of the server's prepared statement */
	int		 prepared;	/* on the current connection */
	int		 nparams;
	char		**values;	/* owned; NULL is SQL NULL */
	int		*lengths;
	int		*formats;	/* 1: binary (blobs) */
	Oid		*kinds;		/* type bound: int8, float8, bytea, 0 */
	PGresult	*res;		/* after the first step */
	int		 row;		/* current row of res */
	unsigned char	*blob;		/* the last decoded bytea */
};

static void	pg_reset(struct db_query *);
static int	sync_pipeline(struct db *);
static int	settle(struct db *);
static int64_t	pg_int(struct db *, const char *);

/* The adapter state of a handle. */
static struct pg_conn *
pgc(struct db *db)
{
	return db->eng;
}

/* The adapter statement of q. */
static struct pg_query *
pgq(struct db_query *q)
{
	return (struct pg_query *)q;
}

/* The SQLSTATE class of res's error, DB_FAIL_*. */
static int
classify(PGconn *pg, const PGresult *res)
{
	const char *s = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(pg) != CONNECTION_OK)
		return DB_FAIL_BUSY;
	if (s == NULL)
		return DB_FAIL_OTHER;
	if (strcmp(s, "53100") == 0)
		return DB_FAIL_FULL;
	if (strcmp(s, "55P03") == 0 || strcmp(s, "40001") == 0 ||
	    strcmp(s, "40P01") == 0 || strcmp(s, "57014") == 0 ||
	    strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0)
		return DB_FAIL_BUSY;
	return DB_FAIL_OTHER;
}

/* Logs the error of res (or of the connection) with its SQL; classifies. */
static void
pg_log(struct db *db, const PGresult *res, const char *sql)
{
	PGconn *pg = pgc(db)->pg;
	const char *m = res != NULL ? PQresultErrorMessage(res) : "";
	const char *state = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (m[0] == '\0')
		m = PQerrorMessage(pg);
	log_error("postgres: %.*s (%s) in: %.300s", (int)strcspn(m, "\n"), m,
	    state != NULL ? state : "no sqlstate", sql != NULL ? sql : "?");
	db->failure = classify(pg, res);
}

/*
 * The PostgreSQL text of an SQLite statement: ?N becomes $N and a bare ?
 * the next number after the highest so far, outside quoted literals and
 * identifiers.  Sets *nparams to the highest number.  Caller frees.
 */
static char *
translate(const char *sql, int *nparams)
{
	struct buf b;
	const char *p;
	char quote = 0;
	long n, hi = 0;
	char *end;

	buf_init(&b);
	for (p = sql; *p != '\0'; p++) {
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
			buf_append(&b, p, 1);
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			buf_append(&b, p, 1);
		} else if (*p == '?') {
			if (isdigit((unsigned char)p[1])) {
				n = strtol(p + 1, &end, 10);
				p = end - 1;
			} else
				n = hi + 1;
			if (n > hi)
				hi = n;
			buf_printf(&b, "$%ld", n);
		} else
			buf_append(&b, p, 1);
	}
	*nparams = (int)hi;
	if (b.p == NULL && (b.p = strdup("")) == NULL)
		abort();
	return b.p;
}

/*
 * Tells the response caches of every connection that the data changed:
 * advances data_version (after the commit, never before it: a reader
 * that sees the new number sees the new rows).  A failure only costs
 * cache hits until the entries' one-second age runs out.
 */
static void
bump(struct db *db)
{
	PGresult *res;

	pgc(db)->wrote = 0;
	res = PQexec(pgc(db)->pg, "SELECT nextval('data_version')");
	PQclear(res);
}

/*
 * Notes a statement's result: one that changed rows or the schema marks
 * the connection as having written; outside a transaction (autocommit)
 * that is told at once, inside one at its commit.
 */
static void
noted(struct db *db, const PGresult *res)
{
	static const char *const verbs[] = { "INSERT", "UPDATE", "DELETE",
	    "CREATE", "ALTER", "DROP", "TRUNCATE", "COPY", "MERGE" };
	const char *st = PQcmdStatus((PGresult *)res);
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncmp(st, verbs[i], strlen(verbs[i])) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0]) ||
	    (i < 3 && pgc(db)->changes == 0))
		return;
	pgc(db)->wrote = 1;
	if (PQtransactionStatus(pgc(db)->pg) == PQTRANS_IDLE)
		bump(db);
}

/* Frees q's result and decoded blob; it steps from the start again. */
static void
forget_result(struct pg_query *q)
{
	PQclear(q->res);
	q->res = NULL;
	q->row = -1;
	PQfreemem(q->blob);
	q->blob = NULL;
}

/* Clears q's parameters. */
static void
clear_params(struct pg_query *q)
{
	int i;

	for (i = 0; i < q->nparams; i++) {
		free(q->values[i]);
		q->values[i] = NULL;
		q->lengths[i] = 0;
		q->formats[i] = 0;
		q->kinds[i] = 0;
	}
}

/*
 * Prepares sql: translated now, sent to the server at its first step
 * (persistent: under a name, once per connection).  NULL never: errors
 * come at the step, as the server sees the text only then.
 */
static struct db_query *
pg_prepare(struct db *db, const char *sql, int persistent)
{
	struct pg_conn *c = pgc(db);
	struct pg_query *q;
	int n;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		abort();
	q->q.db = db;
	q->sql = translate(sql, &n);
	q->nparams = n;
	if (n > 0 && ((q->values = calloc(n, sizeof(*q->values))) == NULL ||
	    (q->lengths = calloc(n, sizeof(*q->lengths))) == NULL ||
	    (q->formats = calloc(n, sizeof(*q->formats))) == NULL ||
	    (q->kinds = calloc(n, sizeof(*q->kinds))) == NULL))
		abort();
	(void)persistent;	/* every statement is prepared once, named */
	snprintf(q->name, sizeof(q->name), "tv%ld", ++c->next_name);
	q->row = -1;
	q->next = c->queries;
	c->queries = q;
	return &q->q;
}

/* Runs a command whose failure only matters as a result; its result. */
static ExecStatusType
command(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType s = PQresultStatus(res);

	PQclear(res);
	return s;
}

/* Frees q and its server-side statement. */
static void
pg_finalize(struct db_query *dq)
{
	struct pg_query *q = pgq(dq), **pp;

	for (pp = &pgc(dq->db)->queries; *pp != NULL; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	(void)settle(dq->db);
	if (q->prepared && PQstatus(pgc(dq->db)->pg) == CONNECTION_OK) {
		char sql[48];

		snprintf(sql, sizeof(sql), "DEALLOCATE %s", q->name);
		(void)command(pgc(dq->db)->pg, sql);
	}
	forget_result(q);
	clear_params(q);
	free(q->values);
	free(q->lengths);
	free(q->formats);
	free(q->kinds);
	free(q->sql);
	free(q);
}

/*
 * Predicate: res failed on a parameter's type (one the server could not
 * find, or one a declared guess made wrong), so that another attempt of
 * param_types() may do.
 */
static int
type_error(const PGresult *res)
{
	static const char *const states[] = { "42P18", "42P08", "42883",
	    "42804", "22P02", "42725" };
	const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	size_t i;

	for (i = 0; s != NULL && i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

/*
 * Prepares q's text under its name ("" for a one-use statement) with
 * types (NULL: none declared).  Inside a transaction a savepoint keeps a
 * failed attempt from aborting it.  Returns NULL when prepared, else the
 * failed result.
 */
static PGresult *
prepare_as(struct pg_query *q, const Oid *types)
{
	PGconn *pg = pgc(q->q.db)->pg;
	int txn = PQtransactionStatus(pg) == PQTRANS_INTRANS;
	PGresult *res;

	if (txn && command(pg, "SAVEPOINT tv_prepare") != PGRES_COMMAND_OK)
		return PQexec(pg, "SAVEPOINT tv_prepare");
	res = PQprepare(pg, q->name, q->sql, q->nparams, types);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		if (txn)
			(void)command(pg, "RELEASE SAVEPOINT tv_prepare");
		return NULL;
	}
	if (txn)
		(void)command(pg, "ROLLBACK TO SAVEPOINT tv_prepare");
	return res;
}

/*
 * The number of the parameter whose type the server could not find in
 * res's message ("... of parameter $3"), or 0.
 */
static int
untyped_param(const PGresult *res)
{
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *p = m != NULL ? strstr(m, "parameter $") : NULL;

	return p != NULL ? atoi(p + 11) : 0;
}

/*
 * Declares one more parameter type after a failed attempt res, in types
 * (nparams long, 0 = undeclared): the parameter the server names gets
 * the type it was bound as (int8, float8, bytea; text for text; bigint
 * for NULL), and when the server instead found a declared guess wrong
 * (an operator missing: bigint = text), the last NULL guessed bigint
 * becomes text; when the server names none, every parameter bound as a
 * number or blob is declared so first.  *last is the parameter guessed
 * last (1-based).  Returns 0, or -1 when nothing is left to try.
 */
static int
declare_next(const struct pg_query *q, const PGresult *res, Oid *types,
    int *last)
{
	int n = untyped_param(res), i;

	if (n >= 1 && n <= q->nparams && types[n - 1] == 0) {
		types[n - 1] = q->kinds[n - 1] != 0 ? q->kinds[n - 1] :
		    q->values[n - 1] != NULL ? OID_TEXT : OID_INT8;
		*last = n;
		return 0;
	}
	/* no name ("operator is not unique: - unknown"): what was bound */
	for (n = 0, i = 0; i < q->nparams; i++)
		if (types[i] == 0 && q->kinds[i] != 0) {
			types[i] = q->kinds[i];
			n++;
		}
	if (n > 0)
		return 0;
	if (*last > 0 && q->values[*last - 1] == NULL &&
	    types[*last - 1] == OID_INT8) {
		types[*last - 1] = OID_TEXT;
		return 0;
	}
	return -1;
}

/*
 * Prepares q on the server (once per connection, under its name).  Where
 * the server cannot type a parameter (SQLite texts such as "?2 IS NULL OR
 * branch = ?2" leave the first use untyped), the text is prepared again
 * with declared types (declare_next()).  Returns NULL when q is prepared,
 * else the first error's result (caller clears it).
 */
static PGresult *
prepare_typed(struct pg_query *q)
{
	PGresult *res, *first = NULL;
	Oid *types = NULL;
	int i, last = 0, stop;

	if (q->nparams > 0 && (types = calloc(q->nparams,
	    sizeof(*types))) == NULL)
		abort();
	for (i = 0; !q->prepared && i <= 2 * q->nparams; i++) {
		if ((res = prepare_as(q, i == 0 ? NULL : types)) == NULL) {
			q->prepared = 1;
			break;
		}
		stop = !type_error(res) || declare_next(q, res, types,
		    &last) == -1;
		if (first == NULL)
			first = res;
		else
			PQclear(res);
		if (stop)
			break;
	}
	free(types);
	if (q->prepared) {
		PQclear(first);
		return NULL;
	}
	return first;
}

/* Sends q to the server, prepared first if it is not; its result. */
static PGresult *
execute(struct pg_query *q)
{
	PGresult *e;

	if (!q->prepared && (e = prepare_typed(q)) != NULL)
		return e;
	return PQexecPrepared(pgc(q->q.db)->pg, q->name, q->nparams,
	    (const char *const *)q->values, q->lengths, q->formats, 0);
}

/*
 * Writes sent ahead (db_step_later()) are read back here: the pipeline
 * is synced and every result taken in order; each statement's callback
 * learns its row count, the first failure is logged and makes the rest
 * of the pipeline fail with it (the transaction cannot commit).
 * Callbacks must not send statements.  0, or -1 (logged).
 */
static int
sync_pipeline(struct db *db)
{
	struct pg_conn *c = pgc(db);
	PGresult *res;
	ExecStatusType st;
	size_t i;
	int rc = 0;

	if (!c->in_pipeline)
		return 0;
	if (PQpipelineSync(c->pg) != 1)
		rc = -1;
	for (i = 0; i < c->nlater; i++) {
		res = PQgetResult(c->pg);
		st = PQresultStatus(res);
		if (st == PGRES_COMMAND_OK && rc == 0 &&
		    c->later[i].done != NULL)
			c->later[i].done(c->later[i].arg,
			    strtoll(PQcmdTuples(res), NULL, 10));
		else if (st != PGRES_COMMAND_OK &&
		    st != PGRES_PIPELINE_ABORTED && rc == 0) {
			pg_log(db, res, c->later[i].sql);
			rc = -1;
		}
		PQclear(res);
		while ((res = PQgetResult(c->pg)) != NULL)
			PQclear(res);
	}
	c->nlater = 0;
	while ((res = PQgetResult(c->pg)) != NULL &&
	    PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		PQclear(res);
	PQclear(res);
	if (PQexitPipelineMode(c->pg) != 1 && rc == 0) {
		pg_log(db, NULL, "leaving pipeline mode");
		rc = -1;
	}
	c->in_pipeline = 0;
	return rc;
}

/*
 * Sends the bound write q ahead without waiting for it (libpq's pipeline
 * mode): many writes then cost one round trip.  done(arg, rows) is called
 * when its result is read (sync_pipeline(), before any other statement,
 * at the latest at the commit).  0, or -1 (logged).
 */
static int
pg_later(struct db_query *dq, void (*done)(void *, int64_t), void *arg)
{
	struct pg_query *q = pgq(dq);
	struct pg_conn *c = pgc(dq->db);
	PGresult *e;

	if (!q->prepared) {
		if (sync_pipeline(dq->db) == -1)
			return -1;
		if ((e = prepare_typed(q)) != NULL) {
			pg_log(dq->db, e, q->sql);
			PQclear(e);
			pg_reset(dq);
			return -1;
		}
	}
	if (!c->in_pipeline) {
		if (PQenterPipelineMode(c->pg) != 1) {
			pg_log(dq->db, NULL, "entering pipeline mode");
			pg_reset(dq);
			return -1;
		}
		c->in_pipeline = 1;
	}
	if (c->nlater == c->later_cap) {
		c->later_cap = c->later_cap ? 2 * c->later_cap : 64;
		if ((c->later = reallocarray(c->later, c->later_cap,
		    sizeof(*c->later))) == NULL)
			abort();
	}
	c->later[c->nlater].done = done;
	c->later[c->nlater].arg = arg;
	c->later[c->nlater].sql = q->sql;
	c->nlater++;
	if (PQsendQueryPrepared(c->pg, q->name, q->nparams,
	    (const char *const *)q->values, q->lengths, q->formats, 0) != 1) {
		pg_log(dq->db, NULL, q->sql);
		pg_reset(dq);
		(void)sync_pipeline(dq->db);
		return -1;
	}
	pg_reset(dq);
	/* read results back now and then: the server's output must drain */
	return c->nlater >= LATER_MAX ? sync_pipeline(dq->db) : 0;
}

/*
 * Before any statement that waits for its answer: the writes sent ahead
 * are read back first (their order is the caller's).  0 or -1 (logged).
 */
static int
settle(struct db *db)
{
	return pgc(db)->in_pipeline ? sync_pipeline(db) : 0;
}

/* Syncs the pipeline: the results of every write sent ahead are in. */
static int
pg_sync(struct db *db)
{
	return settle(db);
}

/* Steps q: runs it at the first step, then walks its rows. */
static int
pg_step(struct db_query *dq)
{
	struct pg_query *q = pgq(dq);
	ExecStatusType s;
	const char *n;

	if (q->res == NULL) {
		if (settle(dq->db) == -1) {
			pg_reset(dq);
			return -1;
		}
		q->res = execute(q);
		s = PQresultStatus(q->res);
		if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
			pg_log(dq->db, q->res, q->sql);
			forget_result(q);
			return -1;
		}
		n = PQcmdTuples(q->res);
		pgc(dq->db)->changes = n[0] != '\0' ? strtoll(n, NULL, 10) : 0;
		noted(dq->db, q->res);
	}
	PQfreemem(q->blob);
	q->blob = NULL;
	if (q->row + 1 < PQntuples(q->res)) {
		q->row++;
		return DB_ROW;
	}
	q->row = PQntuples(q->res);
	return DB_DONE;
}

/* Rewinds q and clears its bindings. */
static void
pg_reset(struct db_query *dq)
{
	forget_result(pgq(dq));
	clear_params(pgq(dq));
}

/*
 * Stores parameter i (1-based) as n bytes of p in format fmt, bound as
 * type kind (0: text or NULL).
 */
static int
put_param(struct db_query *dq, int i, const void *p, size_t n, int fmt,
    Oid kind)
{
	struct pg_query *q = pgq(dq);

	if (i < 1 || i > q->nparams) {
		log_error("postgres: parameter %d out of range in: %.300s", i,
		    q->sql);
		dq->db->failure = DB_FAIL_OTHER;
		return -1;
	}
	free(q->values[i - 1]);
	q->values[i - 1] = NULL;
	if (p != NULL) {
		if ((q->values[i - 1] = malloc(n + 1)) == NULL)
			abort();
		memcpy(q->values[i - 1], p, n);
		q->values[i - 1][n] = '\0';
	}
	q->lengths[i - 1] = (int)n;
	q->formats[i - 1] = fmt;
	q->kinds[i - 1] = kind;
	return 0;
}

/* Binds text. */
static int
pg_bind_text(struct db_query *q, int i, const char *s)
{
	return put_param(q, i, s, strlen(s), 0, 0);
}

/* Binds a 64-bit integer, as its decimal text. */
static int
pg_bind_int(struct db_query *q, int i, int64_t v)
{
	char t[24];

	return put_param(q, i, t, (size_t)snprintf(t, sizeof(t), "%lld",
	    (long long)v), 0, OID_INT8);
}

/* Binds a double, as text that reads back to the same value. */
static int
pg_bind_double(struct db_query *q, int i, double v)
{
	char t[40];

	return put_param(q, i, t, (size_t)snprintf(t, sizeof(t), "%.17g",
	    v), 0, OID_FLOAT8);
}

/* Binds n bytes of p as a binary (bytea) parameter. */
static int
pg_bind_blob(struct db_query *q, int i, const void *p, size_t n)
{
	return put_param(q, i, p != NULL ? p : "", n, 1, OID_BYTEA);
}

/* Binds SQL NULL. */
static int
pg_bind_null(struct db_query *q, int i)
{
	return put_param(q, i, NULL, 0, 0, 0);
}

/* The text of column i of the current row, NULL for SQL NULL. */
static const char *
cell(struct pg_query *q, int i)
{
	if (q->res == NULL || q->row < 0 || q->row >= PQntuples(q->res) ||
	    i < 0 || i >= PQnfields(q->res) ||
	    PQgetisnull(q->res, q->row, i))
		return NULL;
	return PQgetvalue(q->res, q->row, i);
}

/* Column i as an integer: booleans 1/0, fractions truncated. */
static int64_t
pg_col_int(struct db_query *dq, int i)
{
	struct pg_query *q = pgq(dq);
	const char *v = cell(q, i);

	if (v == NULL)
		return 0;
	switch (PQftype(q->res, i)) {
	case OID_BOOL:
		return v[0] == 't';
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return (int64_t)strtod(v, NULL);
	default:
		return strtoll(v, NULL, 10);
	}
}

/* Column i as a double. */
static double
pg_col_double(struct db_query *dq, int i)
{
	struct pg_query *q = pgq(dq);
	const char *v = cell(q, i);

	if (v == NULL)
		return 0.0;
	if (PQftype(q->res, i) == OID_BOOL)
		return v[0] == 't' ? 1.0 : 0.0;
	return strtod(v, NULL);
}

/* Column i as text (booleans as 1/0, as SQLite stores them). */
static const char *
pg_col_text(struct db_query *dq, int i)
{
	struct pg_query *q = pgq(dq);
	const char *v = cell(q, i);

	if (v != NULL && PQftype(q->res, i) == OID_BOOL)
		return v[0] == 't' ? "1" : "0";
	return v;
}

/* Column i as bytes: bytea decoded (kept until the next step). */
static const void *
pg_col_blob(struct db_query *dq, int i, size_t *n)
{
	struct pg_query *q = pgq(dq);
	const char *v = cell(q, i);

	*n = 0;
	if (v == NULL)
		return NULL;
	if (PQftype(q->res, i) != OID_BYTEA) {
		*n = (size_t)PQgetlength(q->res, q->row, i);
		return v;
	}
	PQfreemem(q->blob);
	q->blob = PQunescapeBytea((const unsigned char *)v, n);
	return q->blob;
}

/* The DB_* type of column i's value. */
static int
pg_col_type(struct db_query *dq, int i)
{
	struct pg_query *q = pgq(dq);
	const char *v = cell(q, i);

	if (v == NULL)
		return DB_NULL;
	switch (PQftype(q->res, i)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return DB_INT;
	case OID_NUMERIC:
		return strpbrk(v, ".eE") != NULL ? DB_FLOAT : DB_INT;
	case OID_FLOAT4:
	case OID_FLOAT8:
		return DB_FLOAT;
	case OID_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

/* Bytes of column i (decoded for bytea). */
static size_t
pg_col_len(struct db_query *dq, int i)
{
	struct pg_query *q = pgq(dq);
	size_t n;

	if (cell(q, i) == NULL)
		return 0;
	if (PQftype(q->res, i) == OID_BYTEA) {
		(void)pg_col_blob(dq, i, &n);
		return n;
	}
	return strlen(pg_col_text(dq, i));
}

/* Columns of q's result (0 before its first step). */
static int
pg_col_count(struct db_query *dq)
{
	return pgq(dq)->res != NULL ? PQnfields(pgq(dq)->res) : 0;
}

/* Name of column i. */
static const char *
pg_col_name(struct db_query *dq, int i)
{
	return pgq(dq)->res != NULL ? PQfname(pgq(dq)->res, i) : NULL;
}

/* Rows of the last command. */
static int64_t
pg_changes(struct db *db)
{
	return pgc(db)->changes;
}

/* Runs statements without parameters or rows wanted; 0 or -1 (logged). */
static int
pg_exec(struct db *db, const char *sql)
{
	PGresult *res;

	if (settle(db) == -1)
		return -1;
	res = PQexec(pgc(db)->pg, sql);
	ExecStatusType s = PQresultStatus(res);
	const char *n;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		pg_log(db, res, sql);
		PQclear(res);
		return -1;
	}
	n = PQcmdTuples(res);
	pgc(db)->changes = n[0] != '\0' ? strtoll(n, NULL, 10) : 0;
	noted(db, res);
	PQclear(res);
	return 0;
}

/*
 * Before a transaction: a connection that was lost is re-established
 * once (its prepared statements are prepared again as they are used).
 * 0, or -1 when the server is still unreachable (DB_FAIL_BUSY).
 */
static int
reconnect(struct db *db)
{
	struct pg_conn *c = pgc(db);
	struct pg_query *q;

	if (PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	PQreset(c->pg);
	for (q = c->queries; q != NULL; q = q->next)
		q->prepared = 0;
	c->writing = 0;
	c->batch_locked = 0;
	if (PQstatus(c->pg) != CONNECTION_OK ||
	    pg_exec(db, "SET client_min_messages = warning") == -1) {
		log_error("postgres: the connection is lost and cannot be "
		    "re-established");
		db->failure = DB_FAIL_BUSY;
		return -1;
	}
	log_error("postgres: the connection was lost and is re-established");
	return 0;
}

/* A write transaction holding the writers' lock (one writer at a time). */
static int
pg_begin(struct db *db)
{
	if (reconnect(db) == -1 || pg_exec(db, "BEGIN") == -1)
		return -1;
	pgc(db)->writing = 1;
	if (pg_exec(db, "SELECT pg_advisory_xact_lock(" WRITER_LOCK ")") ==
	    -1) {
		(void)pg_exec(db, "ROLLBACK");
		pgc(db)->writing = 0;
		return -1;
	}
	return 0;
}

/* Rolls back the open transaction, if any. */
static void
pg_rollback(struct db *db)
{
	PGresult *res;

	(void)settle(db);	/* its failures no longer matter */
	pgc(db)->writing = 0;
	pgc(db)->wrote = 0;
	if (PQtransactionStatus(pgc(db)->pg) == PQTRANS_IDLE ||
	    PQstatus(pgc(db)->pg) != CONNECTION_OK)
		return;
	res = PQexec(pgc(db)->pg, "ROLLBACK");
	PQclear(res);
}

/* Commits, rolling back when that fails; 0 or -1. */
static int
pg_commit(struct db *db)
{
	PGresult *res;
	int ok;

	if (settle(db) == -1) {
		pg_rollback(db);
		return -1;
	}
	if (PQtransactionStatus(pgc(db)->pg) == PQTRANS_INERROR) {
		log_error("postgres: COMMIT of a transaction that failed");
		pg_rollback(db);
		return -1;
	}
	res = PQexec(pgc(db)->pg, "COMMIT");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		pg_log(db, res, "COMMIT");
	PQclear(res);
	pgc(db)->writing = 0;
	if (!ok)
		pg_rollback(db);
	else if (pgc(db)->wrote)
		bump(db);
	return ok ? 0 : -1;
}

/*
 * The data version (read before the snapshot: a commit in between only
 * makes the next request miss the cache), then a repeatable-read
 * transaction: one snapshot until db_idle().
 */
static int
pg_read_begin(struct db *db, int64_t *version)
{
	PGresult *res;
	int ok;

	if (settle(db) == -1 || reconnect(db) == -1)
		return -1;
	res = PQexec(pgc(db)->pg, "SELECT last_value + CASE WHEN is_called "
	    "THEN 1 ELSE 0 END FROM data_version");
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (!ok) {
		pg_log(db, res, "data_version");
		PQclear(res);
		return -1;
	}
	*version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

/* Frees every result, commits a read and rolls back a write left open. */
static void
pg_idle(struct db *db)
{
	struct pg_conn *c = pgc(db);
	struct pg_query *q;

	for (q = c->queries; q != NULL; q = q->next)
		forget_result(q);
	if (settle(db) == -1) {
		pg_rollback(db);
		return;
	}
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return;
	if (c->writing || PQtransactionStatus(c->pg) != PQTRANS_INTRANS ||
	    pg_exec(db, "COMMIT") == -1)
		pg_rollback(db);
	else if (c->wrote)
		bump(db);
}

/* Lock waits (the writers' lock above all) end after ms: busy. */
static void
pg_busy_timeout(struct db *db, int ms)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", ms > 0 ? ms : 0);
	(void)pg_exec(db, sql);
}

/* A size cap is the server's business (a quota, a tablespace): none. */
static int
pg_limit_size(struct db *db, long long max_mb)
{
	(void)db;
	(void)max_mb;
	return 0;
}

/* The server keeps the cache: nothing to give back here. */
static void
pg_shrink(struct db *db, long long max)
{
	(void)db;
	(void)max;
}

/*
 * VACUUM makes deleted rows' space reusable (autovacuum would, later);
 * it gives space back to the disk only at a table's end.  Returns the
 * bytes the database shrank by (often 0), or -1.
 */
static int64_t
pg_reclaim(struct db *db)
{
	int64_t before, after;

	if ((before = pg_int(db, DB_BYTES)) == -1 ||
	    pg_exec(db, "VACUUM") == -1 ||
	    (after = pg_int(db, DB_BYTES)) == -1)
		return -1;
	return before > after ? before - after : 0;
}

/* The server's shared buffers serve every connection: nothing to do. */
static int
pg_cache_size(struct db *db, int mb)
{
	(void)db;
	(void)mb;
	return 0;
}

/* The server checkpoints its own log: nothing to do (db_checkpoint()). */
static int
pg_checkpoint(struct db *db, int mode)
{
	(void)db;
	(void)mode;
	return 0;
}

/* The batch's session-level advisory lock: 1 taken, 0 held, -1 error. */
static int
pg_batch_lock(struct db *db, int wait)
{
	PGresult *res;
	int rc = -1;

	if (settle(db) == -1)
		return -1;
	res = PQexec(pgc(db)->pg, wait ?
	    "SELECT pg_advisory_lock(" BATCH_LOCK "), true" :
	    "SELECT 0, pg_try_advisory_lock(" BATCH_LOCK ")");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		rc = PQgetvalue(res, 0, 1)[0] == 't';
	else
		pg_log(db, res, "pg_advisory_lock");
	PQclear(res);
	if (rc == 1)
		pgc(db)->batch_locked = 1;
	return rc;
}

/* Releases the batch's lock. */
static void
pg_batch_unlock(struct db *db)
{
	if (pgc(db)->batch_locked)
		(void)pg_exec(db, "SELECT pg_advisory_unlock(" BATCH_LOCK ")");
	pgc(db)->batch_locked = 0;
}

/* The integer of a one-value query (parameterless), or -1 (logged). */
static int64_t
pg_int(struct db *db, const char *sql)
{
	PGresult *res;
	int64_t v = -1;

	if (settle(db) == -1)
		return -1;
	res = PQexec(pgc(db)->pg, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		pg_log(db, res, sql);
	PQclear(res);
	return v;
}

/*
 * The recorded schema level: 0 never migrated, -1 unreadable (logged).
 * Two queries: a statement naming a missing table fails as a whole.
 */
static int
pg_schema_version(struct db *db)
{
	int64_t v = pg_int(db, "SELECT count(*) FROM pg_tables WHERE "
	    "schemaname = current_schema() AND tablename = "
	    "'schema_migrations'");

	if (v <= 0)
		return (int)v;
	return (int)pg_int(db, "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations");
}

/* Migrations on PostgreSQL run through pgmigrate.c's own connection. */
static int
pg_migrate(struct db *db, int *applied)
{
	(void)db;
	*applied = 0;
	log_error("postgres: migrate with 'testvis migrate'");
	return -1;
}

/* Closes the connection. */
static void
pg_close(struct db *db)
{
	(void)settle(db);
	free(pgc(db)->later);
	PQfinish(pgc(db)->pg);
	free(pgc(db));
}

static const struct db_ops pg_ops = {
	DB_POSTGRES, pg_close, pg_prepare, pg_finalize, pg_step, pg_reset,
	pg_bind_text, pg_bind_int, pg_bind_double, pg_bind_blob, pg_bind_null,
	pg_col_int, pg_col_double, pg_col_text, pg_col_blob, pg_col_type,
	pg_col_len, pg_col_count, pg_col_name, pg_changes, pg_exec, pg_begin,
	pg_commit, pg_rollback, pg_read_begin, pg_idle, pg_busy_timeout,
	pg_limit_size, pg_shrink, pg_reclaim, pg_cache_size, pg_batch_lock,
	pg_batch_unlock, pg_schema_version, pg_migrate, pg_later, pg_sync,
	pg_checkpoint
};

/*
 * Connects to the PostgreSQL database url.  Returns the handle, or NULL
 * with the server's reason in err (libpq never echoes the password).
 */
struct db *
db_pg_open(const char *url, char *err, size_t errsz)
{
	struct pg_conn *c;
	struct db *db;
	const char *m;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	c->pg = PQconnectdb(url);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		m = PQerrorMessage(c->pg);
		snprintf(err, errsz, "cannot connect to PostgreSQL: %.*s",
		    (int)strcspn(m, "\n"), m);
		PQfinish(c->pg);
		free(c);
		return NULL;
	}
	db = db_new(&pg_ops, c);
	if (pg_exec(db, "SET client_min_messages = warning") == -1) {
		snprintf(err, errsz, "cannot use the PostgreSQL database");
		db_close(db);
		return NULL;
	}
	return db;
}
