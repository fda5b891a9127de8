/*
 * Migrations on PostgreSQL (issue 14, first step): `testvis migrate` with
 * `db = postgresql://…` applies schema/postgres (compiled in as
 * pg_migrations) in order, each in its own transaction, recording the
 * level in schema_migrations as on SQLite.  Concurrent migrators queue on
 * an advisory lock, on a connection of its own (the PostgreSQL adapter
 * serves a migrated database).  It never prints the connection string (it
 * may hold a password).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "migrations.h"
#include "pgmigrate.h"
#include "tvtime.h"

/* pg_advisory_lock key of the migrators: "tvmigrat" */
#define MIGRATE_LOCK "7631703384117535092"

/*
 * Copies the server's message of a failed result (or connection) into err
 * (first line: never the connection string, which libpq does not echo).
 */
static void
pg_error(PGconn *pg, const char *what, char *err, size_t errsz)
{
	const char *m = PQerrorMessage(pg);
	size_t n = strcspn(m, "\n");

	snprintf(err, errsz, "%s: %.*s", what, (int)n, m);
}

/* Runs sql (no parameters, no rows wanted); 0 or -1 with err set. */
static int
pg_exec(PGconn *pg, const char *sql, const char *what, char *err,
    size_t errsz)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType s = PQresultStatus(res);

	PQclear(res);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 0;
	pg_error(pg, what, err, errsz);
	return -1;
}

/* The level recorded in schema_migrations, or -1 with err set. */
static int
pg_level(PGconn *pg, char *err, size_t errsz)
{
	PGresult *res = PQexec(pg, "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations");
	int v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = atoi(PQgetvalue(res, 0, 0));
	else
		pg_error(pg, "reading the schema level", err, errsz);
	PQclear(res);
	return v;
}

/* Applies migration m and records it, in one transaction; 0 or -1. */
static int
pg_apply(PGconn *pg, const struct migration *m, char *err, size_t errsz)
{
	char ver[16], at[24];
	const char *params[3] = { ver, m->name, at };
	PGresult *res;
	int ok;

	snprintf(ver, sizeof(ver), "%d", m->version);
	snprintf(at, sizeof(at), "%lld", (long long)tvtime_now_ms());
	if (pg_exec(pg, "BEGIN", "BEGIN", err, errsz) == -1)
		return -1;
	if (pg_exec(pg, m->sql, m->name, err, errsz) == -1) {
		(void)pg_exec(pg, "ROLLBACK", "ROLLBACK", err + strlen(err),
		    0);
		return -1;
	}
	res = PQexecParams(pg, "INSERT INTO schema_migrations (version, "
	    "name, applied_at) VALUES ($1, $2, $3)", 3, NULL, params, NULL,
	    NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		pg_error(pg, "recording the level", err, errsz);
		(void)pg_exec(pg, "ROLLBACK", "ROLLBACK", err + strlen(err), 0);
		return -1;
	}
	return pg_exec(pg, "COMMIT", "COMMIT", err, errsz);
}

/*
 * Connects to url and applies every PostgreSQL migration above its level.
 * Sets *applied, *level and where (host and database, for the answer; no
 * password).  Returns 0, or -1 with the reason in err.
 */
int
pgmigrate_run(const char *url, int *applied, int *level, char *where,
    size_t wsz, char *err, size_t errsz)
{
	PGconn *pg;
	int i, rc = -1;

	*applied = 0;
	*level = -1;
	pg = PQconnectdb(url);
	if (PQstatus(pg) != CONNECTION_OK) {
		pg_error(pg, "cannot connect to PostgreSQL", err, errsz);
		PQfinish(pg);
		return -1;
	}
	snprintf(where, wsz, "postgresql database %s on %s", PQdb(pg),
	    PQhost(pg));
	if (pg_exec(pg, "SET client_min_messages = warning", "settings", err,
	    errsz) == -1 ||
	    pg_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")",
	    "taking the migration lock", err, errsz) == -1 ||
	    pg_exec(pg, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at BIGINT NOT NULL)", "schema_migrations", err,
	    errsz) == -1 || (*level = pg_level(pg, err, errsz)) == -1)
		goto out;
	for (i = 0; i < pg_migrations_count; i++) {
		if (pg_migrations[i].version <= *level)
			continue;
		if (pg_apply(pg, &pg_migrations[i], err, errsz) == -1)
			goto out;
		*level = pg_migrations[i].version;
		(*applied)++;
	}
	rc = 0;
out:
	PQfinish(pg);
	return rc;
}
