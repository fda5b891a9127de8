/* Unit tests for the SQL window functions of lib/rollup.c. */
#include <stdio.h>
#include <string.h>

#include "rollup.h"
#include "tap.h"

static sqlite3 *db;

/* Evaluates one SQL expression to text ("NULL" for null). */
static const char *
eval(const char *expr)
{
	static char out[1024];
	char q[1024];
	sqlite3_stmt *st;

	snprintf(q, sizeof(q), "SELECT %s", expr);
	snprintf(out, sizeof(out), "ERROR");
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return out;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s", sqlite3_column_type(st, 0) ==
		    SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st,
		    0));
	sqlite3_finalize(st);
	return out;
}

int
main(void)
{
	char win[256], expr[512];
	int i;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    rollup_register(db) == -1)
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

	check_str(eval("tv_push_ms('', 12, 0)"), "12");
	check_str(eval("tv_push_ms('1,2', 3, 0)"), "1,2,3");
	check_str(eval("tv_push_ms('1,2', 9, 1)"), "1,9");
	check_str(eval("tv_push_ms('1,2', NULL, 0)"), "1,2");
	win[0] = '\0';
	for (i = 1; i <= 50; i++)
		snprintf(win + strlen(win), sizeof(win) - strlen(win),
		    "%s%d", i > 1 ? "," : "", i % 10);
	snprintf(expr, sizeof(expr), "tv_push_ms('%s', 7, 0)", win);
	ok(strncmp(eval(expr), "2,3,4", 5) == 0, "the oldest duration drops "
	    "out at 50: %.12s", eval(expr));

	check_str(eval("tv_pct('', 50)"), "NULL");
	check_str(eval("tv_pct('5', 95)"), "5");
	check_str(eval("tv_pct('10,1,3,2', 50)"), "2");
	check_str(eval("tv_pct('1,2,3,4,5,6,7,8,9,100', 95)"), "100");
	check_str(eval("tv_pct('1,2,3,4,5,6,7,8,9,100', 50)"), "5");
	check_str(eval("tv_pct('x,y', 50)"), "NULL");
	check_str(eval("tv_half_pct('1,2,3,4,5', 0, 50)"), "NULL");
	check_str(eval("tv_half_pct('10,10,10,90,95,100', 0, 50)"), "10");
	check_str(eval("tv_half_pct('10,10,10,90,95,100', 1, 50)"), "95");
	check_str(eval("tv_flip_rate('')"), "0.0");
	check_str(eval("tv_flip_rate('PPPP')"), "0.0");
	check_str(eval("tv_flip_rate('PFPF')"), "1.0");
	check_str(eval("tv_flip_rate('PSSFEP')"), "0.666666666666667");
	check_str(eval("tv_flip_rate('SSSP')"), "0.0");
	sqlite3_close(db);
	return done_testing();
}
