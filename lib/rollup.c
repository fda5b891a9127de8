/*
 * SQL functions for the per-test rollups that ingest keeps in the same
 * transaction as the results (ING-7), so that read endpoints never scan
 * history: a window of the last ROLLUP_WINDOW statuses ("PPFPS", one
 * character each) and durations ("12,15,11"), and percentiles over the
 * duration window.  Registered on a connection by rollup_register(); the
 * UPDATE that uses them lives in ingest.c.
 *
 *   tv_push_status(window, status, replace)  status 0..3 → P F E S
 *   tv_push_ms(window, ms, replace)          NULL ms leaves the window
 *   tv_pct(window_ms, p)                     nearest-rank percentile
 *
 * replace = 1 overwrites the newest entry instead of appending: a later
 * shard of the same run re-reporting the same test.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rollup.h"

/* The window character of a result status (0 passed .. 3 skipped). */
char
rollup_status_char(int status)
{
	static const char chars[] = "PFES";

	return status >= 0 && status <= 3 ? chars[status] : '?';
}

static void
fn_push_status(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *w = (const char *)sqlite3_value_text(argv[0]);
	int replace = sqlite3_value_int(argv[2]);
	char out[ROLLUP_WINDOW + 1];
	size_t n = w != NULL ? strlen(w) : 0;

	if (replace && n > 0)
		n--;
	if (n >= ROLLUP_WINDOW) {
		w += n - (ROLLUP_WINDOW - 1);
		n = ROLLUP_WINDOW - 1;
	}
	if (n > 0)
		memcpy(out, w, n);
	out[n++] = rollup_status_char(sqlite3_value_int(argv[1]));
	sqlite3_result_text(ctx, out, (int)n, SQLITE_TRANSIENT);
}

static void
fn_push_ms(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *w = (const char *)sqlite3_value_text(argv[0]);
	int replace = sqlite3_value_int(argv[2]), count = 0;
	const char *p, *start;
	struct buf b;
	size_t n;

	if (w == NULL)
		w = "";
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_text(ctx, w, -1, SQLITE_TRANSIENT);
		return;
	}
	n = strlen(w);
	if (replace && n > 0) {
		const char *comma = strrchr(w, ',');
		n = comma != NULL ? (size_t)(comma - w) : 0;
	}
	for (p = w; p < w + n; p++)
		if (*p == ',')
			count++;
	start = w;
	if (n > 0)
		count++;
	/* drop the oldest entries beyond ROLLUP_WINDOW - 1 */
	while (count > ROLLUP_WINDOW - 1) {
		const char *comma = memchr(start, ',', (size_t)(w + n - start));
		if (comma == NULL)
			break;
		start = comma + 1;
		count--;
	}
	buf_init(&b);
	buf_append(&b, start, (size_t)(w + n - start));
	buf_printf(&b, "%s%lld", b.len > 0 ? "," : "",
	    (long long)sqlite3_value_int64(argv[1]));
	sqlite3_result_text(ctx, b.p, (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
fn_pct(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *w = (const char *)sqlite3_value_text(argv[0]);
	double p = sqlite3_value_double(argv[1]);
	long long v[ROLLUP_WINDOW + 1];
	size_t n = 0, rank;
	char *end;

	while (w != NULL && *w != '\0' && n < ROLLUP_WINDOW + 1) {
		long long x = strtoll(w, &end, 10);
		if (end == w)
			break;
		v[n++] = x;
		w = *end == ',' ? end + 1 : end;
	}
	if (n == 0) {
		sqlite3_result_null(ctx);
		return;
	}
	qsort(v, n, sizeof(v[0]), cmp_ll);
	rank = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	sqlite3_result_int64(ctx, v[rank - 1]);
}

/* Registers the functions on db; 0 or -1. */
int
rollup_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	if (sqlite3_create_function(db, "tv_push_status", 3, flags, NULL,
	    fn_push_status, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "tv_push_ms", 3, flags, NULL,
	    fn_push_ms, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "tv_pct", 2, flags, NULL, fn_pct,
	    NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
