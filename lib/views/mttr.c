/*
 * The time to repair of the quality report (REP-3, "mttr" of GET
 * /api/quality): the incidents closed since a time in a branch (or all)
 * and job (or all), their count, mean and median duration, overall, per
 * branch and per primary feature of the test (unmapped tests count only
 * overall and per branch).  Without a job it reads the repair times
 * (lib/db/repairs.c: per day, branch, feature and whole second) from
 * the first whole UTC day after `since` on, and the incidents themselves
 * only for the part of a day before that; with a job, whose tests are
 * known only per incident, it reads the incidents.  Means are exact;
 * medians are exact to the second.  The caller owns the JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jval.h"
#include "mttr.h"
#include "xalloc.h"

#define DAY_MS		86400000LL

enum stmt {
	STMT_INCIDENTS,
	STMT_DAYS,
	STMT_FEATURE,
	STMT_MAPPED,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* incidents closed in [?4, ?5) (a range of the index) on branch ?2;
	 * for a job ?3, of the tests that ran in that job on the
	 * incident's branch */
	[STMT_INCIDENTS] =
	    "SELECT i.branch, i.test, i.closed_at - i.opened_at "
	    "FROM incidents i WHERE i.project_id = ?1 AND "
	    "i.closed_at IS NOT NULL AND i.closed_at >= ?4 AND "
	    "i.closed_at < ?5 AND "
	    "(i.branch = CAST(?2 AS TEXT) OR CAST(?2 AS TEXT) IS NULL) AND "
	    "(CAST(?3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM stream_stats "
	    "s WHERE s.project_id = ?1 AND s.branch = i.branch AND "
	    "s.job = CAST(?3 AS TEXT) AND s.test = i.test))",
	/* the repair times of the days from ?3 on, branch ?2 */
	[STMT_DAYS] =
	    "SELECT branch, feature, secs, n, sum_ms FROM repair_times "
	    "WHERE project_id = ?1 AND day >= ?3 AND "
	    "(branch = CAST(?2 AS TEXT) OR CAST(?2 AS TEXT) IS NULL)",
	[STMT_FEATURE] = "SELECT path FROM features WHERE id = ?1",
	/* the index tests_feature alone: no definition row is read */
	[STMT_MAPPED] = "SELECT id, feature FROM tests WHERE project_id = ?1 "
	    "AND feature IS NOT NULL",
};

#define STMT(db, i) DB_STMT((db), DBM_MTTR, (i))

/* Durations under a group (a branch's index among the names met, a
 * feature's or a test's id): n of them of ms each (to the second when
 * counted by the day) summing to sum ms. */
struct dur {
	int64_t		 id, ms, n;
	double		 sum;
};
/* Durations as they are read. */
struct durs {
	struct dur	*v;
	size_t		 n, cap;
};
/* A group of incidents and its figures. */
struct group {
	int64_t		 id, n;
	double		 mean, median;
};
/* The branch names met. */
struct names {
	char		**v;
	size_t		 n;
	size_t		 last;		/* the one met last */
};

/* Appends a duration to d. */
static void
durs_add(struct durs *d, int64_t id, int64_t ms, int64_t n, double sum)
{
	if (d->n == d->cap) {
		d->cap = d->cap == 0 ? 256 : d->cap * 2;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n].id = id;
	d->v[d->n].ms = ms;
	d->v[d->n].n = n;
	d->v[d->n++].sum = sum;
}

/* The index of branch b among the names met, added when new. */
static int64_t
name_index(struct names *nm, const char *b)
{
	size_t i;

	if (nm->n > 0 && strcmp(nm->v[nm->last], b) == 0)
		return (int64_t)nm->last;
	for (i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], b) == 0)
			break;
	if (i == nm->n) {
		nm->v = xreallocarray(nm->v, nm->n + 1, sizeof(*nm->v));
		nm->v[nm->n++] = xstrdup(b);
	}
	nm->last = i;
	return (int64_t)i;
}

/* Orders durations by group, then length. */
static int
dur_cmp(const void *a, const void *b)
{
	const struct dur *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->ms < y->ms ? -1 : x->ms > y->ms;
}

/* Orders groups by incidents (most first), then id. */
static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The k-th (from 0) of the durations d[0..n) sorted by length. */
static double
kth(const struct dur *d, size_t n, int64_t k)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (k < d[i].n)
			return (double)d[i].ms;
		k -= d[i].n;
	}
	return (double)d[n - 1].ms;
}

/* The count, mean and median of the durations d[0..n) (one group, sorted
 * by length) into g. */
static void
group_figures(const struct dur *d, size_t n, struct group *g)
{
	double sum = 0;
	int64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		sum += d[i].sum;
		total += d[i].n;
	}
	g->id = d[0].id;
	g->n = total;
	g->mean = sum / (double)total;
	g->median = total % 2 == 1 ? kth(d, n, total / 2) :
	    (kth(d, n, total / 2 - 1) + kth(d, n, total / 2)) / 2.0;
}

/* Sets "incidents", "mean_ms" and "median_ms" of g (n 0: nulls). */
static void
group_json(json_t *o, const struct group *g)
{
	jval_set(o, "incidents", jval_int(g->n));
	jval_set(o, "mean_ms", g->n > 0 ? json_real(g->mean) : json_null());
	jval_set(o, "median_ms", g->n > 0 ? json_real(g->median) :
	    json_null());
}

/*
 * The groups of d (n durations, sorted here): at most limit of them, most
 * incidents first, in *g (caller frees); their count.
 */
static size_t
groups(struct dur *d, size_t n, int limit, struct group **g)
{
	size_t i, j, ng = 0;

	*g = NULL;
	if (n == 0)
		return 0;
	qsort(d, n, sizeof(*d), dur_cmp);
	*g = xreallocarray(NULL, n, sizeof(**g));
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && d[j].id == d[i].id; j++)
			;
		group_figures(d + i, j - i, &(*g)[ng++]);
	}
	qsort(*g, ng, sizeof(**g), group_cmp);
	return ng < (size_t)limit ? ng : (size_t)limit;
}

/* "by_branch": the groups of d by branch (names). */
static json_t *
by_branch(struct dur *d, size_t n, int limit, const struct names *nm)
{
	struct group *g;
	json_t *arr = jval_array(), *o;
	size_t i, ng = groups(d, n, limit, &g);

	for (i = 0; i < ng; i++) {
		o = jval_object();
		jval_set(o, "branch", jval_str(nm->v[g[i].id]));
		group_json(o, &g[i]);
		jval_push(arr, o);
	}
	free(g);
	return arr;
}

/* "by_feature": the groups of d by feature id, their paths looked up;
 * NULL on a database error. */
static json_t *
by_feature(struct db *db, struct dur *d, size_t n, int limit)
{
	struct db_query *st;
	struct group *g;
	json_t *arr = jval_array(), *o;
	size_t i, ng = groups(d, n, limit, &g);
	int rc;

	for (i = 0; i < ng; i++) {
		if ((st = STMT(db, STMT_FEATURE)) == NULL ||
		    db_bind_int(db, st, 1, g[i].id) == -1 ||
		    (rc = db_step(db, st)) == -1) {
			json_decref(arr);
			arr = NULL;
			break;
		}
		o = jval_object();
		jval_set(o, "feature_id", jval_int(g[i].id));
		jval_set(o, "feature", rc == DB_ROW ? jval_col_text(st, 0) :
		    json_null());
		db_reset(st);
		group_json(o, &g[i]);
		jval_push(arr, o);
	}
	free(g);
	return arr;
}

/* Orders (test, feature) pairs by test. */
static int
pair_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * Turns the durations d->v[from..] (under their test's id) into the
 * durations of mapped tests under their primary feature's id, in place,
 * dropping the others.  One read of the index of mapped tests instead of
 * a definition row per incident.  0, or -1 on a database error.
 */
static int
to_features(struct db *db, int64_t project, struct durs *d, size_t from)
{
	struct db_query *st;
	int64_t *map = NULL, key[2], *hit;
	size_t nm = 0, cap = 0, i, k = from;
	int rc;

	if (d->n == from)
		return 0;
	if ((st = STMT(db, STMT_MAPPED)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (nm == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			map = xreallocarray(map, cap, 2 * sizeof(*map));
		}
		map[2 * nm] = db_col_int(st, 0);
		map[2 * nm + 1] = db_col_int(st, 1);
		nm++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(map);
		return -1;
	}
	if (nm > 0)
		qsort(map, nm, 2 * sizeof(*map), pair_cmp);
	for (i = from; i < d->n && nm > 0; i++) {
		key[0] = d->v[i].id;
		hit = bsearch(key, map, nm, 2 * sizeof(*map), pair_cmp);
		if (hit != NULL) {
			d->v[k] = d->v[i];
			d->v[k++].id = hit[1];
		}
	}
	d->n = k;
	free(map);
	return 0;
}

/*
 * Reads the incidents closed in [since, until) (until < 0: no end) in
 * scope: each into br (by branch) and fe (by test, for now).  0, or -1.
 */
static int
read_incidents(struct db *db, int64_t project, const struct mttr_scope *sc,
    int64_t until, struct names *nm, struct durs *br, struct durs *fe)
{
	struct db_query *st = STMT(db, STMT_INCIDENTS);
	int64_t ms;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text_opt(db, st, 2, sc->branch) == -1 ||
	    db_bind_text_opt(db, st, 3, sc->job) == -1 ||
	    db_bind_int(db, st, 4, sc->since) == -1 ||
	    db_bind_int(db, st, 5, until >= 0 ? until : INT64_MAX) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		ms = db_col_int(st, 2);
		durs_add(br, name_index(nm, db_column_text(st, 0)), ms, 1,
		    (double)ms);
		durs_add(fe, db_col_int(st, 1), ms, 1, (double)ms);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/* Reads the repair times of the days from day on in scope into br and
 * fe (mapped features only).  0, or -1. */
static int
read_days(struct db *db, int64_t project, const struct mttr_scope *sc,
    int64_t day, struct names *nm, struct durs *br, struct durs *fe)
{
	struct db_query *st = STMT(db, STMT_DAYS);
	int64_t ms, n, f;
	double sum;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text_opt(db, st, 2, sc->branch) == -1 ||
	    db_bind_int(db, st, 3, day) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		f = db_col_int(st, 1);
		ms = db_col_int(st, 2) * 1000;
		n = db_col_int(st, 3);
		sum = (double)db_col_int(st, 4);
		durs_add(br, name_index(nm, db_column_text(st, 0)), ms, n,
		    sum);
		if (f != 0)
			durs_add(fe, f, ms, n, sum);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/* The one group of every duration of d into all (n 0 when none). */
static void
overall(const struct durs *d, struct group *all)
{
	struct dur *v;
	size_t i;

	memset(all, 0, sizeof(*all));
	if (d->n == 0)
		return;
	v = xreallocarray(NULL, d->n, sizeof(*v));
	for (i = 0; i < d->n; i++) {
		v[i] = d->v[i];
		v[i].id = 0;
	}
	qsort(v, d->n, sizeof(*v), dur_cmp);
	group_figures(v, d->n, all);
	free(v);
}

/*
 * "mttr" of the quality report for project within sc: {incidents,
 * mean_ms, median_ms, by_branch, by_feature}.  NULL on a database
 * error.
 */
json_t *
quality_mttr(struct db *db, int64_t project, const struct mttr_scope *sc)
{
	struct durs br = { NULL, 0, 0 }, fe = { NULL, 0, 0 };
	struct names nm = { NULL, 0, 0 };
	struct group all;
	json_t *o = NULL, *a;
	int64_t day = -1;
	size_t i;

	if (sc->job == NULL && sc->since >= 0)	/* the first whole day */
		day = (sc->since + DAY_MS - 1) / DAY_MS * DAY_MS;
	if (read_incidents(db, project, sc, day, &nm, &br, &fe) == -1 ||
	    to_features(db, project, &fe, 0) == -1 ||
	    (day >= 0 && read_days(db, project, sc, day, &nm, &br,
	    &fe) == -1))
		goto out;
	overall(&br, &all);
	if ((a = by_feature(db, fe.v, fe.n, sc->limit)) == NULL)
		goto out;
	o = jval_object();
	group_json(o, &all);
	jval_set(o, "by_branch", by_branch(br.v, br.n, sc->limit, &nm));
	jval_set(o, "by_feature", a);
out:
	for (i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	free(br.v);
	free(fe.v);
	return o;
}
