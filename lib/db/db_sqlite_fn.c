/*
 * The SQL functions testvis statements use (tv_push_status, tv_push_ms,
 * tv_pct, tv_half_pct, tv_flip_rate, tv_fail_rate), for SQLite, in C:
 * part of the SQLite adapter.  What each computes is described in
 * rollup.c, which uses them; PostgreSQL gets the same functions in SQL
 * from schema/postgres/0010.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "db_sqlite.h"
#include "rollup.h"

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

/*
 * Duration windows are blobs of little-endian int32 milliseconds, oldest
 * first: a push is a memmove, no parsing.  Durations are capped at
 * INT32_MAX ms (24 days).
 */
static size_t
window_get(sqlite3_value *v, int32_t *out)
{
	const unsigned char *b = sqlite3_value_blob(v);
	size_t n = (size_t)sqlite3_value_bytes(v) / 4, i;

	if (b == NULL || sqlite3_value_type(v) != SQLITE_BLOB)
		return 0;
	if (n > ROLLUP_WINDOW)
		n = ROLLUP_WINDOW;
	for (i = 0; i < n; i++)
		out[i] = (int32_t)((uint32_t)b[4 * i] |
		    (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
		    (uint32_t)b[4 * i + 3] << 24);
	return n;
}

static void
fn_push_ms(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int32_t w[ROLLUP_WINDOW + 1];
	unsigned char out[4 * ROLLUP_WINDOW];
	size_t n = window_get(argv[0], w), i, start = 0;
	int64_t ms;

	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	if (sqlite3_value_int(argv[2]) && n > 0)
		n--;
	ms = sqlite3_value_int64(argv[1]);
	w[n++] = (int32_t)(ms < 0 ? 0 : ms > INT32_MAX ? INT32_MAX : ms);
	if (n > ROLLUP_WINDOW)
		start = n - ROLLUP_WINDOW;
	for (i = start; i < n; i++) {
		uint32_t u = (uint32_t)w[i];
		out[4 * (i - start)] = (unsigned char)u;
		out[4 * (i - start) + 1] = (unsigned char)(u >> 8);
		out[4 * (i - start) + 2] = (unsigned char)(u >> 16);
		out[4 * (i - start) + 3] = (unsigned char)(u >> 24);
	}
	sqlite3_result_blob(ctx, out, (int)(4 * (n - start)),
	    SQLITE_TRANSIENT);
}

/*
 * Sorts a duration window in place.  Windows hold at most ROLLUP_WINDOW
 * values: an insertion sort beats qsort's calls through a comparator
 * (this runs for every test of every ingest, and per row of API-22).
 */
static void
window_sort(int32_t *v, size_t n)
{
	size_t i, j;
	int32_t x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Nearest-rank percentile p of sorted v[0..n); n > 0. */
static int32_t
rank_of(const int32_t *v, size_t n, double p)
{
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/*
 * tv_pct(window, p).  The rollup asks for p50 and p95 of the same new
 * window in a row: the last window sorted is kept, so it sorts once.
 */
static void
fn_pct(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	static unsigned char last[4 * ROLLUP_WINDOW];
	static int last_bytes = -1;
	static int32_t sorted[ROLLUP_WINDOW];
	static size_t nsorted;
	const void *b = sqlite3_value_blob(argv[0]);
	int bytes = sqlite3_value_bytes(argv[0]);

	if (bytes != last_bytes || bytes > (int)sizeof(last) ||
	    (bytes > 0 && memcmp(b, last, (size_t)bytes) != 0)) {
		nsorted = window_get(argv[0], sorted);
		window_sort(sorted, nsorted);
		last_bytes = bytes <= (int)sizeof(last) ? bytes : -1;
		if (last_bytes > 0)
			memcpy(last, b, (size_t)bytes);
	}
	if (nsorted == 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, rank_of(sorted, nsorted,
		    sqlite3_value_double(argv[1])));
}

/* tv_half_pct(window, half, p): the older (0) or newer (1) half. */
static void
fn_half_pct(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int32_t v[ROLLUP_WINDOW];
	size_t n = window_get(argv[0], v), half = n / 2;
	int32_t *part = sqlite3_value_int(argv[1]) == 0 ? v : v + half;
	size_t m = sqlite3_value_int(argv[1]) == 0 ? half : n - half;

	if (n < 6) {
		sqlite3_result_null(ctx);
		return;
	}
	window_sort(part, m);
	sqlite3_result_int64(ctx, rank_of(part, m,
	    sqlite3_value_double(argv[2])));
}

static void
fn_fail_rate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *w = (const char *)sqlite3_value_text(argv[0]);
	int ran = 0, failed = 0;

	for (; w != NULL && *w != '\0'; w++) {
		ran += *w != 'S';
		failed += *w == 'F' || *w == 'E';
	}
	if (ran == 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_double(ctx, (double)failed / (double)ran);
}

static void
fn_flip_rate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_result_double(ctx, rollup_flip_rate((const char *)
	    sqlite3_value_text(argv[0])));
}

/*
 * Registers the tv_* functions on the SQLite connection db (the SQLite
 * adapter does, on every connection it opens); 0 or -1.
 */
int
sqlitefn_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	if (sqlite3_create_function(db, "tv_push_status", 3, flags, NULL,
	    fn_push_status, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "tv_push_ms", 3, flags, NULL,
	    fn_push_ms, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "tv_pct", 2, flags, NULL, fn_pct,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "tv_flip_rate", 1, flags, NULL,
	    fn_flip_rate, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "tv_half_pct", 3, flags, NULL,
	    fn_half_pct, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "tv_fail_rate", 1, flags, NULL,
	    fn_fail_rate, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
