/*
 * testvis-sqlfn: a test-only program (never installed) that evaluates SQL
 * expressions with testvis's SQL functions on SQLite, where they are C
 * (lib/db/db_sqlite_fn.c), so that t/67-pg-functions.t can compare their
 * PostgreSQL twins (schema/postgres/0010) with what the C computes, not
 * with expected values written by hand.  Not a shell: one expression per
 * line of standard input, one typed result per line of standard output.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "db_sqlite.h"

/*
 * Prints the value of column 0 of st: NULL, i:INTEGER, r:the 16 hex
 * digits of the IEEE double (big-endian, as PostgreSQL's float8send), t:TEXT
 * or b:the blob's hex digits.
 */
static void
print_value(sqlite3_stmt *st)
{
	const unsigned char *b;
	double d;
	uint64_t u;
	int i, n;

	switch (sqlite3_column_type(st, 0)) {
	case SQLITE_NULL:
		printf("NULL\n");
		break;
	case SQLITE_INTEGER:
		printf("i:%" PRId64 "\n", (int64_t)sqlite3_column_int64(st, 0));
		break;
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, 0);
		memcpy(&u, &d, sizeof(u));
		printf("r:%016" PRIx64 "\n", u);
		break;
	case SQLITE_TEXT:
		printf("t:%s\n", (const char *)sqlite3_column_text(st, 0));
		break;
	default:
		b = sqlite3_column_blob(st, 0);
		n = sqlite3_column_bytes(st, 0);
		printf("b:");
		for (i = 0; i < n; i++)
			printf("%02x", b[i]);
		printf("\n");
		break;
	}
}

/*
 * Evaluates each line of standard input as SELECT <line> on an in-memory
 * database with the functions registered; an expression that fails prints
 * ERROR and the message.  Exits 0, or 1 when the database cannot be made.
 */
int
main(void)
{
	char line[65536], q[65600];
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t n;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlitefn_register(db) == -1) {
		fprintf(stderr, "testvis-sqlfn: cannot open SQLite\n");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		snprintf(q, sizeof(q), "SELECT %s", line);
		if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
			printf("ERROR: %s\n", sqlite3_errmsg(db));
			continue;
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			print_value(st);
		else
			printf("ERROR: %s\n", sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return 0;
}
