/*
 * Unit tests for the tv_* SQL functions rollup.c uses, as the SQLite
 * adapter gives them (lib/db/db_sqlite_fn.c), through the storage layer.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "tap.h"

static struct db *db;

/* Evaluates one SQL expression to text ("NULL" for null). */
static const char *
eval(const char *expr)
{
	static char out[1024];
	char q[1024];
	struct db_query *st;

	snprintf(q, sizeof(q), "SELECT %s", expr);
	snprintf(out, sizeof(out), "ERROR");
	if ((st = db_prepare(db, q)) == NULL)
		return out;
	if (db_step(db, st) == DB_ROW)
		snprintf(out, sizeof(out), "%s", db_col_type(st, 0) ==
		    DB_NULL ? "NULL" : db_column_text(st,
		    0));
	db_finalize(st);
	return out;
}

int
main(void)
{
	char win[256], expr[512], err[256];
	int i;

	if ((db = db_open(":memory:", DB_CREATE, err, sizeof(err))) == NULL)
		return 1;
	check_str(eval("tv_push_status('', 0, 0)"), "P");
	check_str(eval("tv_push_status('PF', 2, 0)"), "PFE");
	check_str(eval("tv_push_status('PF', 0, 1)"), "PP");
	memset(win, 'P', 50);
	win[50] = '\0';
	snprintf(expr, sizeof(expr), "length(tv_push_status('%s', 1, 0))",
	    win);
	check_str(eval(expr), "50");
	snprintf(expr, sizeof(expr), "substr(tv_push_status('%s', 1, 0), -2)",
	    win);
	check_str(eval(expr), "PF");

	/* duration windows are blobs of int32 LE */
	check_str(eval("hex(tv_push_ms(X'', 12, 0))"), "0C000000");
	check_str(eval("hex(tv_push_ms(X'0100000002000000', 3, 0))"),
	    "010000000200000003000000");
	check_str(eval("hex(tv_push_ms(X'0100000002000000', 9, 1))"),
	    "0100000009000000");
	check_str(eval("hex(tv_push_ms(X'01000000', NULL, 0))"), "01000000");
	check_str(eval("hex(tv_push_ms(X'', -5, 0))"), "00000000");
	check_str(eval("hex(tv_push_ms(X'', 99999999999, 0))"), "FFFFFF7F");
	check_str(eval("hex(tv_push_ms('', 7, 0))"), "07000000");
	/* 50 entries 1..50; a push drops the oldest */
	snprintf(expr, sizeof(expr), "WITH RECURSIVE w(i, b) AS (SELECT 0, "
	    "X'' UNION ALL SELECT i + 1, tv_push_ms(b, i + 1, 0) FROM w "
	    "WHERE i < 51) SELECT length(b) || ',' || tv_pct(b, 0) || ',' || "
	    "tv_pct(b, 100) FROM w WHERE i = 51");
	{
		char q[600];
		struct db_query *st;
		snprintf(q, sizeof(q), "%s", expr);
		ok((st = db_prepare(db, q)) != NULL, "prepared");
		check_int(db_step(db, st), ==, DB_ROW);
		check_str(db_column_text(st, 0), "200,2,51");
		db_finalize(st);
	}
	(void)win;
	(void)i;

	check_str(eval("tv_pct(X'', 50)"), "NULL");
	check_str(eval("tv_pct(X'05000000', 95)"), "5");
	check_str(eval("tv_pct(X'0A000000010000000300000002000000', 50)"), "2");
	check_str(eval("tv_pct(X'0A000000010000000300000002000000', 100)"),
	    "10");
	check_str(eval("tv_pct('x,y', 50)"), "NULL");
	check_str(eval("tv_half_pct(X'0100000002000000030000000400000005000000', "
	    "0, 50)"), "NULL");
	check_str(eval("tv_half_pct(X'0A0000000A0000000A0000005A0000005F000000"
	    "64000000', 0, 50)"), "10");
	check_str(eval("tv_half_pct(X'0A0000000A0000000A0000005A0000005F000000"
	    "64000000', 1, 50)"), "95");
	check_str(eval("tv_flip_rate('')"), "0.0");
	check_str(eval("tv_flip_rate('PPPP')"), "0.0");
	check_str(eval("tv_flip_rate('PFPF')"), "1.0");
	check_str(eval("tv_flip_rate('PSSFEP')"), "0.666666666666667");
	check_str(eval("tv_flip_rate('SSSP')"), "0.0");
	db_close(db);
	return done_testing();
}
