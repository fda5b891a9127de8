/*
 * testvis copy --to postgresql://… (issue 14 item 4): moves every table
 * of a SQLite database into a PostgreSQL database that `testvis migrate`
 * made, one COPY per table in its own transaction, so a copy that stops
 * resumes where it stopped: a table already whole in PostgreSQL (same
 * row count) is skipped, an empty one is copied, anything else is an
 * error.  Identity sequences follow the copied ids.  A progress line per
 * table goes to the caller's stream.  The only module besides the engine
 * adapters that talks to both engines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "db.h"
#include "migrations.h"
#include "pgcopy.h"

/* Every table, parents before the tables that reference them. */
static const char *const tables[] = {
	"projects", "tokens", "batch_passes", "runs", "run_shards", "tests",
	"test_stats", "results", "result_history", "history_pending",
	"result_texts", "incidents",
	"failure_groups", "failure_tests",
	"failure_streams", "events", "batch_marks", "domains", "features",
	"mappings", "aliases", "feature_days", "flaky_windows",
	"flaky_states", "signals", "stream_stats", "signal_tests", "secrets",
	"dashboards", "incident_days", "report_cells", "reports",
	"repair_times", "alert_rules", "alert_firings", "alert_deliveries",
	"alert_attempts", "export_jobs",
	NULL
};

/* Tables whose id PostgreSQL draws from an identity sequence. */
static const char *const identities[] = {
	"projects", "runs", "run_shards", "result_texts", "incidents",
	"events", "domains", "features", "signals", "dashboards", "reports",
	"alert_rules", "alert_firings", "alert_deliveries", "alert_attempts",
	"export_jobs",
	NULL
};

/* Predicate: name is in the NULL-terminated list. */
static int
listed(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/* Sets err from the connection's message (first line, no URL). */
static void
pg_fail(PGconn *pg, const char *what, char *err, size_t errsz)
{
	const char *m = PQerrorMessage(pg);

	snprintf(err, errsz, "%s: %.*s", what, (int)strcspn(m, "\n"), m);
}

/* One number from a query on PostgreSQL, or -1 with err set. */
static long long
pg_number(PGconn *pg, const char *sql, char *err, size_t errsz)
{
	PGresult *res = PQexec(pg, sql);
	long long v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = PQgetisnull(res, 0, 0) ? 0 : atoll(PQgetvalue(res, 0, 0));
	else
		pg_fail(pg, sql, err, errsz);
	PQclear(res);
	return v;
}

/* Appends s to b escaped for COPY's text format. */
static void
copy_text(struct buf *b, const unsigned char *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			buf_append(b, "\\\\", 2);
			break;
		case '\t':
			buf_append(b, "\\t", 2);
			break;
		case '\n':
			buf_append(b, "\\n", 2);
			break;
		case '\r':
			buf_append(b, "\\r", 2);
			break;
		default:
			buf_append(b, (const char *)&s[i], 1);
			break;
		}
	}
}

/* Appends column i of the row at st to b as a COPY text field. */
static void
copy_field(struct buf *b, struct db_query *st, int i)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char num[40];
	size_t n, k;
	int len;

	switch (db_col_type(st, i)) {
	case DB_NULL:
		buf_append(b, "\\N", 2);
		break;
	case DB_INT:
		len = snprintf(num, sizeof(num), "%lld",
		    (long long)db_col_int(st, i));
		buf_append(b, num, (size_t)len);
		break;
	case DB_FLOAT:
		len = snprintf(num, sizeof(num), "%.17g",
		    db_col_double(st, i));
		buf_append(b, num, (size_t)len);
		break;
	case DB_BLOB:
		p = db_col_blob(st, i, &n);
		buf_append(b, "\\\\x", 3);
		for (k = 0; k < n; k++) {
			buf_append(b, &hex[p[k] >> 4], 1);
			buf_append(b, &hex[p[k] & 15], 1);
		}
		break;
	default:
		copy_text(b, (const unsigned char *)db_column_text(st, i),
		    (int)db_col_len(st, i));
		break;
	}
}

/*
 * Copies SQLite table t (n rows) into PostgreSQL in one transaction: the
 * columns SQLite has, by name.  Returns 0 or -1 with err set.
 */
static int
copy_table(struct db *lite, PGconn *pg, const char *t, char *err,
    size_t errsz)
{
	char sql[512];
	struct buf cols, row;
	struct db_query *st = NULL;
	PGresult *res;
	int i, nc, rc = -1;

	buf_init(&cols);
	buf_init(&row);
	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", t);
	if ((st = db_prepare(lite, sql)) == NULL) {
		snprintf(err, errsz, "%s: cannot read it", t);
		goto out;
	}
	nc = db_col_count(st);
	for (i = 0; i < nc; i++)
		buf_printf(&cols, "%s\"%s\"", i ? ", " : "",
		    db_col_name(st, i));
	buf_printf(&row, "BEGIN; COPY \"%s\" (%.*s) FROM STDIN", t,
	    (int)cols.len, cols.p);
	res = PQexec(pg, row.p);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		PQclear(res);
		pg_fail(pg, t, err, errsz);
		goto out;
	}
	PQclear(res);
	while ((i = db_step(lite, st)) == DB_ROW) {
		buf_reset(&row);
		for (i = 0; i < nc; i++) {
			if (i > 0)
				buf_append(&row, "\t", 1);
			copy_field(&row, st, i);
		}
		buf_append(&row, "\n", 1);
		if (PQputCopyData(pg, row.p, (int)row.len) != 1)
			break;
	}
	if (PQputCopyEnd(pg, i == DB_DONE ? NULL : "source failed") != 1)
		goto pgerr;
	while ((res = PQgetResult(pg)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			PQclear(res);
			goto pgerr;
		}
		PQclear(res);
	}
	if (i != DB_DONE) {
		snprintf(err, errsz, "%s: cannot read it", t);
		goto rollback;
	}
	if (listed(identities, t)) {
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_"
		    "sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) "
		    "FROM \"%s\"", t, t);
		if (pg_number(pg, sql, err, errsz) == -1)
			goto rollback;
	}
	res = PQexec(pg, "COMMIT");
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(res);
	if (rc == -1)
		pg_fail(pg, "COMMIT", err, errsz);
	goto out;
pgerr:
	pg_fail(pg, t, err, errsz);
rollback:
	PQclear(PQexec(pg, "ROLLBACK"));
out:
	db_finalize(st);
	buf_free(&cols);
	buf_free(&row);
	return rc;
}

/* Row count of table t on SQLite, or -1. */
static long long
lite_count(struct db *lite, const char *t)
{
	char sql[128];
	struct db_query *st;
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", t);
	if ((st = db_prepare(lite, sql)) == NULL)
		return -1;
	if (db_step(lite, st) == DB_ROW)
		n = db_col_int(st, 0);
	db_finalize(st);
	return n;
}

/*
 * Copies every table of db into the PostgreSQL database at url (made by
 * `testvis migrate`, at the latest level), skipping tables already whole
 * there.  Writes a progress line per table to progress.  Returns the
 * number of tables copied now, or -1 with the reason in err.
 */
int
pgcopy_run(struct db *db, const char *url, FILE *progress, char *err,
    size_t errsz)
{
	struct db *lite = db;
	PGconn *pg = PQconnectdb(url);
	long long nl, np;
	int i, copied = 0, total;
	char sql[128];

	for (total = 0; tables[total] != NULL; total++)
		;
	if (PQstatus(pg) != CONNECTION_OK) {
		pg_fail(pg, "cannot connect to PostgreSQL", err, errsz);
		copied = -1;
		goto out;
	}
	if (pg_number(pg, "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations", err, errsz) != pg_migrations_count) {
		snprintf(err, errsz, "the PostgreSQL database is not at schema "
		    "level %d: run 'testvis migrate' on it first",
		    pg_migrations_count);
		copied = -1;
		goto out;
	}
	for (i = 0; tables[i] != NULL; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"",
		    tables[i]);
		if ((nl = lite_count(lite, tables[i])) < 0 ||
		    (np = pg_number(pg, sql, err, errsz)) < 0) {
			if (nl < 0)
				snprintf(err, errsz, "%s: cannot read it",
				    tables[i]);
			copied = -1;
			goto out;
		}
		if (np == nl) {
			fprintf(progress, "copy: %d/%d %s: %lld rows, already "
			    "there\n", i + 1, total, tables[i], nl);
			continue;
		}
		if (np != 0) {
			snprintf(err, errsz, "%s has %lld rows in PostgreSQL "
			    "and %lld in SQLite: copy into an empty database",
			    tables[i], np, nl);
			copied = -1;
			goto out;
		}
		if (copy_table(lite, pg, tables[i], err, errsz) == -1) {
			copied = -1;
			goto out;
		}
		fprintf(progress, "copy: %d/%d %s: %lld rows\n", i + 1, total,
		    tables[i], nl);
		fflush(progress);
		copied++;
	}
out:
	PQfinish(pg);
	return copied;
}
