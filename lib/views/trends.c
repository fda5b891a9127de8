/*
 * GET /api/trends (REP-2): one metric of the suite over the last `window`
 * days or ISO weeks (UTC; a week starts on Monday 00:00), for a branch
 * and job, with the points that fall outside a rolling band (anomalies)
 * and a forecast of the next intervals.  Every figure comes from
 * aggregates kept at ingest and in the batch, never from results: a run's
 * counts and duration (runs), incidents opened and closed per day
 * (incident_days), the spans of flaky states.
 * The methods are named in the answer:
 *   anomalies: the median of the previous ANOMALY_LOOKBACK values (at
 *   least 3) ± k × 1.4826 × their median absolute deviation;
 *   forecast: a least-squares line through the series' values, with its
 *   95% prediction interval (Student's t).
 * This module owns the SQL and the arithmetic; the program the query.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jval.h"
#include "stats.h"
#include "trends.h"
#include "xalloc.h"

#define DAY_MS			86400000LL
#define ANOMALY_LOOKBACK	7

const char *const trends_metrics[] = { "pass_rate", "failures",
    "duration_p95", "tests_count", "flaky_count", "incidents_open", NULL };
const char *const trends_intervals[] = { "day", "week", NULL };

enum stmt {
	STMT_RUNS,
	STMT_FLAKY,
	STMT_INC_BEFORE,
	STMT_INC_DAYS,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* the runs of the window, of a branch ("" : none) and job */
	[STMT_RUNS] =
	    "SELECT started_at, passed, failed, errors, tests, duration_ms "
	    "FROM runs WHERE project_id = ?1 AND started_at >= ?2 AND "
	    "started_at < ?3 AND (coalesce(branch, '') = ?4 OR ?4 IS NULL) "
	    "AND (job = ?5 OR ?5 IS NULL) ORDER BY started_at, id",
	/* flaky spans that reach into the window: [first_at, resolved_at) */
	[STMT_FLAKY] =
	    "SELECT first_at, resolved_at FROM flaky_states WHERE "
	    "project_id = ?1 AND first_at < ?3 AND (resolved_at IS NULL OR "
	    "resolved_at >= ?2)",
	/* incidents open when the window starts: opened minus closed on
	 * the days before it (incident_days, kept at ingest) */
	[STMT_INC_BEFORE] =
	    "SELECT coalesce(sum(opened - closed), 0) FROM incident_days "
	    "WHERE project_id = ?1 AND day < ?2 AND (branch = ?3 OR ?3 IS "
	    "NULL)",
	/* ... and the change on each day of it */
	[STMT_INC_DAYS] =
	    "SELECT day, sum(opened - closed) FROM incident_days WHERE "
	    "project_id = ?1 AND day >= ?2 AND day < ?3 AND (branch = ?4 OR "
	    "?4 IS NULL) GROUP BY day",
};

/* What one interval holds. */
struct bucket {
	int64_t		 start, end;
	long		 runs, passed, failed, errors, tests;
	int64_t		 newest;		/* started_at of its newest run */
	double		*durations;
	size_t		 ndur;
	long		 open;			/* spans open at its end */
	int		 has;			/* value is set */
	double		 value;
};

/* The start (ms) of the day or ISO week (UTC) holding t. */
int64_t
trends_interval_start(int interval, int64_t t)
{
	int64_t day = t >= 0 ? t / DAY_MS : -((-t + DAY_MS - 1) / DAY_MS);

	if (interval == TI_WEEK)	/* 1970-01-01 was a Thursday */
		day -= ((day + 3) % 7 + 7) % 7;
	return day * DAY_MS;
}

/* The start of the interval after the one starting at start. */
static int64_t
next_start(int interval, int64_t start)
{
	return start + (interval == TI_WEEK ? 7 : 1) * DAY_MS;
}

/* The index of the bucket holding t among b[0..n), or -1. */
static long
bucket_of(const struct bucket *b, size_t n, int64_t t)
{
	int64_t len = b[0].end - b[0].start;
	long i;

	if (t < b[0].start || t >= b[n - 1].end)
		return -1;
	i = (long)((t - b[0].start) / len);
	return i < (long)n ? i : -1;
}

/* Adds the runs of the window to the buckets; 0 or -1. */
static int
load_runs(struct db *db, int64_t project, const struct trends_query *q,
    struct bucket *b, size_t n)
{
	struct db_query *st = DB_STMT(db, DBM_TRENDS, STMT_RUNS);
	struct bucket *k;
	long i;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, b[0].start) == -1 ||
	    db_bind_int(db, st, 3, b[n - 1].end) == -1 ||
	    db_bind_text_opt(db, st, 4, q->branch) == -1 ||
	    db_bind_text_opt(db, st, 5, q->job) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if ((i = bucket_of(b, n, db_col_int(st, 0))) < 0)
			continue;
		k = &b[i];
		k->runs++;
		k->passed += (long)db_col_int(st, 1);
		k->failed += (long)db_col_int(st, 2);
		k->errors += (long)db_col_int(st, 3);
		if (db_col_int(st, 0) >= k->newest) {
			k->newest = db_col_int(st, 0);
			k->tests = (long)db_col_int(st, 4);
		}
		if (!db_col_null(st, 5)) {
			k->durations = xreallocarray(k->durations, k->ndur + 1,
			    sizeof(*k->durations));
			k->durations[k->ndur++] = (double)db_col_int(st, 5);
		}
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * Counts, for each bucket, the flaky spans [from, to) (to NULL: still
 * flaky) that are open at its end.  0 or -1.
 */
static int
load_flaky(struct db *db, int64_t project, struct bucket *b, size_t n)
{
	struct db_query *st = DB_STMT(db, DBM_TRENDS, STMT_FLAKY);
	long *delta = xcalloc(n + 1, sizeof(*delta)), run = 0, lo, hi;
	int64_t from, to, len = b[0].end - b[0].start;
	size_t i;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, b[0].end) == -1 ||
	    db_bind_int(db, st, 3, b[n - 1].end) == -1) {
		free(delta);
		return -1;
	}
	while ((rc = db_step(db, st)) == DB_ROW) {
		from = db_col_int(st, 0);
		to = db_col_null(st, 1) ? INT64_MAX : db_col_int(st, 1);
		/* open at the end e of bucket i: from < e <= to */
		lo = from < b[0].end ? 0 : (long)((from - b[0].end) / len) + 1;
		hi = to >= b[n - 1].end ? (long)n - 1 :
		    (long)((to - b[0].end) / len);
		if (lo <= hi && lo < (long)n) {
			delta[lo]++;
			delta[hi + 1]--;
		}
	}
	db_reset(st);
	for (i = 0; i < n; i++)
		b[i].open = (run += delta[i]);
	free(delta);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * Counts, for each bucket, the incidents of the branch (NULL: every
 * branch) open at its end: those open when the window starts plus what
 * each day up to that end opened and closed.  0 or -1.
 */
static int
load_incidents(struct db *db, int64_t project, const char *branch,
    struct bucket *b, size_t n)
{
	struct db_query *st = DB_STMT(db, DBM_TRENDS, STMT_INC_BEFORE);
	long *delta = xcalloc(n, sizeof(*delta)), run, i;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, b[0].start) == -1 ||
	    db_bind_text_opt(db, st, 3, branch) == -1 ||
	    db_step(db, st) != DB_ROW) {
		free(delta);
		return -1;
	}
	run = (long)db_col_int(st, 0);
	db_reset(st);
	if ((st = DB_STMT(db, DBM_TRENDS, STMT_INC_DAYS)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, b[0].start) == -1 ||
	    db_bind_int(db, st, 3, b[n - 1].end) == -1 ||
	    db_bind_text_opt(db, st, 4, branch) == -1) {
		free(delta);
		return -1;
	}
	while ((rc = db_step(db, st)) == DB_ROW)
		if ((i = bucket_of(b, n, db_col_int(st, 0))) >= 0)
			delta[i] += (long)db_col_int(st, 1);
	db_reset(st);
	for (i = 0; i < (long)n; i++)
		b[i].open = (run += delta[i]);
	free(delta);
	return rc == DB_DONE ? 0 : -1;
}

/* The 95th percentile (nearest rank) of v[0..n), n > 0; sorts v. */
static double
p95(double *v, size_t n)
{
	size_t rank = (size_t)ceil(0.95 * (double)n);

	stats_median(v, n);		/* sorts */
	return v[rank > 0 ? rank - 1 : 0];
}

/* Sets each bucket's value of the metric (has = 0: no data). */
static void
values(int metric, struct bucket *b, size_t n)
{
	long judged;
	size_t i;

	for (i = 0; i < n; i++) {
		b[i].has = 1;
		switch (metric) {
		case TM_PASS_RATE:
			judged = b[i].passed + b[i].failed + b[i].errors;
			b[i].has = judged > 0;
			b[i].value = judged > 0 ? (double)b[i].passed /
			    (double)judged : 0;
			break;
		case TM_FAILURES:
			b[i].has = b[i].runs > 0;
			b[i].value = (double)(b[i].failed + b[i].errors);
			break;
		case TM_DURATION_P95:
			b[i].has = b[i].ndur > 0;
			b[i].value = b[i].ndur > 0 ? p95(b[i].durations,
			    b[i].ndur) : 0;
			break;
		case TM_TESTS_COUNT:
			b[i].has = b[i].runs > 0;
			b[i].value = (double)b[i].tests;
			break;
		default:	/* a state at the interval's end */
			b[i].value = (double)b[i].open;
			break;
		}
	}
}

/* A number for the answer: a whole count or time as an integer. */
static json_t *
num(int metric, double v)
{
	if (metric != TM_PASS_RATE && v == floor(v) && fabs(v) < 1e15)
		return jval_int((int64_t)v);
	return json_real(v);
}

/* One point {start, value, low, high} of the anomalies or forecast. */
static json_t *
band_point(int metric, int64_t start, double v, double lo, double hi)
{
	json_t *o = jval_object();

	jval_set(o, "start", jval_time(start));
	jval_set(o, "value", num(metric, v));
	jval_set(o, "low", num(metric, lo));
	jval_set(o, "high", num(metric, hi));
	return o;
}

/* The anomalies object: points outside the band of the ones before. */
static json_t *
anomalies(const struct trends_query *q, const struct bucket *b, size_t n)
{
	json_t *o = jval_object(), *pts = jval_array();
	double prev[ANOMALY_LOOKBACK];
	struct stats_band band;
	size_t i, j, m;

	for (i = 0; i < n; i++) {
		if (!b[i].has)
			continue;
		for (j = i, m = 0; j-- > 0 && m < ANOMALY_LOOKBACK;)
			if (b[j].has)
				prev[m++] = b[j].value;
		if (stats_band(prev, m, q->k, &band) == 0 &&
		    (b[i].value < band.low || b[i].value > band.high))
			/* a rate's band within [0, 1], a count's from 0 */
			jval_push(pts, band_point(q->metric, b[i].start,
			    b[i].value, fmax(band.low, 0), q->metric ==
			    TM_PASS_RATE ? fmin(band.high, 1) : band.high));
	}
	jval_set(o, "method", jval_str("rolling median \xc2\xb1 k\xc2\xb7MAD "
	    "(MAD scaled by 1.4826) of the previous 7 values, at least 3"));
	jval_set(o, "k", jval_int((int64_t)q->k));
	jval_set(o, "points", pts);
	return o;
}

/* The forecast object: the next `horizon` intervals of the line. */
static json_t *
forecast(const struct trends_query *q, const struct bucket *b, size_t n)
{
	json_t *o = jval_object(), *pts = jval_array();
	double *x = xcalloc(n, sizeof(*x)), *y = xcalloc(n, sizeof(*y));
	double v, lo, hi, cap = q->metric == TM_PASS_RATE ? 1 : INFINITY;
	struct stats_fit fit;
	int64_t start = b[n - 1].start;
	size_t i, m = 0;
	int h;

	for (i = 0; i < n; i++)
		if (b[i].has) {
			x[m] = (double)i;
			y[m++] = b[i].value;
		}
	if (stats_fit(x, y, m, &fit) == 0)
		for (h = 1; h <= q->horizon; h++) {
			start = next_start(q->interval, start);
			stats_predict(&fit, (double)(n - 1 + (size_t)h), &v,
			    &lo, &hi);
			/* a rate stays in [0, 1], a count or time >= 0 */
			jval_push(pts, band_point(q->metric, start,
			    fmin(fmax(v, 0), cap), fmin(fmax(lo, 0), cap),
			    fmin(fmax(hi, 0), cap)));
		}
	free(x);
	free(y);
	jval_set(o, "method", jval_str("least-squares linear trend with a 95% "
	    "prediction interval (Student's t), at least 3 values"));
	jval_set(o, "horizon", jval_int(q->horizon));
	jval_set(o, "points", pts);
	return o;
}

/* The series array of the answer. */
static json_t *
series(int metric, const struct bucket *b, size_t n)
{
	json_t *a = jval_array(), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = jval_object();
		jval_set(o, "start", jval_time(b[i].start));
		jval_set(o, "end", jval_time(b[i].end));
		jval_set(o, "value", b[i].has ? num(metric, b[i].value) :
		    json_null());
		jval_set(o, "runs", jval_int(b[i].runs));
		jval_push(a, o);
	}
	return a;
}

/*
 * The trend q of the project into *out (caller owns it): {metric,
 * interval, window, branch, job, unit, series, anomalies, forecast}.
 * Returns 1, or -1 on a database error.
 */
int
trends_get(struct db *db, int64_t project, const struct trends_query *q,
    json_t **out)
{
	static const char *const units[TM__MAX] = { "ratio", "count", "ms",
	    "count", "count", "count" };
	struct bucket *b = xcalloc((size_t)q->window, sizeof(*b));
	size_t n = (size_t)q->window, i;
	int64_t start = trends_interval_start(q->interval, q->until);
	int rc = 0;

	for (i = n; i-- > 0;) {
		b[i].start = start;
		b[i].end = next_start(q->interval, start);
		start -= (q->interval == TI_WEEK ? 7 : 1) * DAY_MS;
	}
	if (load_runs(db, project, q, b, n) == -1 ||
	    (q->metric == TM_FLAKY_COUNT && load_flaky(db, project, b,
	    n) == -1) ||
	    (q->metric == TM_INCIDENTS_OPEN && load_incidents(db, project,
	    q->branch, b, n) == -1))
		rc = -1;
	*out = NULL;
	if (rc == 0) {
		values(q->metric, b, n);
		*out = jval_object();
		jval_set(*out, "metric", jval_str(trends_metrics[q->metric]));
		jval_set(*out, "interval",
		    jval_str(trends_intervals[q->interval]));
		jval_set(*out, "window", jval_int(q->window));
		jval_set(*out, "branch", q->branch != NULL ?
		    jval_str(q->branch) : json_null());
		jval_set(*out, "job", q->job != NULL ? jval_str(q->job) :
		    json_null());
		jval_set(*out, "unit", jval_str(units[q->metric]));
		jval_set(*out, "series", series(q->metric, b, n));
		jval_set(*out, "anomalies", anomalies(q, b, n));
		jval_set(*out, "forecast", forecast(q, b, n));
		rc = 1;
	}
	for (i = 0; i < n; i++)
		free(b[i].durations);
	free(b);
	return rc;
}
