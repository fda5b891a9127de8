/*
 * Product health views: the nested domain tree (API-15), the feature
 * list (API-16) and a feature's day-by-day timeline (API-17).  Figures
 * come from the latest result of each test whose primary mapping is the
 * feature (test_stats), the flaky states and the open integrity signals;
 * the timeline from the feature_days rollups the mapping pass keeps.
 * It writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "featurehealth.h"
#include "jval.h"
#include "tvtime.h"
#include "xalloc.h"

#define DAY_MS 86400000LL

enum stmt {
	STMT_FEATURES,
	STMT_SIGNALS,
	STMT_FEATURES_B,
	STMT_SIGNALS_B,
	STMT_DOMAINS,
	STMT_FEATURE,
	STMT_DAYS,
	STMT_DAY_SIGNALS,
	STMT_FIRST_GREEN,
	STMT_LAST_RED,
	STMT_LAST_GOOD,
	STMT__MAX
};

#define DAY_MARK \
	"SELECT fd.day, fd.last_run_at, runs.run_id FROM feature_days fd " \
	"LEFT JOIN runs ON runs.id = fd.last_run WHERE fd.feature = ?1 AND "

/* SQLite's sum(c) of a condition, spelled for PostgreSQL too (which
 * does not add booleans): 1 or 0 per row, NULL rows left out. */
#define SUM_IF(c) "sum(CASE WHEN " c " THEN 1 WHEN NOT (" c ") THEN 0 END)"

static const char *const sql[STMT__MAX] = {
	[STMT_FEATURES] =
	    "SELECT f.id, f.path, f.name, f.domain, count(*), "
	    SUM_IF("s.last_status = 'passed'") ", "
	    SUM_IF("s.last_status IN ('failed', 'error')") ", "
	    SUM_IF("s.last_status = 'skipped'") ", max(s.last_result_at), "
	    "count(fs.test) FROM tests t JOIN features f ON f.id = t.feature "
	    "JOIN test_stats s ON s.test = t.id LEFT JOIN flaky_states fs ON "
	    "fs.test = t.id AND fs.state = 'flaky' WHERE t.project_id = ?1 "
	    "AND t.alias_of IS NULL GROUP BY f.id",
	/* a signal counts toward the feature of its test, or of each test
	 * a run-wide signal is about (signal_tests), once per feature */
	[STMT_SIGNALS] =
	    "SELECT f.id, f.path, f.name, f.domain, count(DISTINCT g.id) "
	    "FROM signals g LEFT JOIN signal_tests x ON x.signal = g.id AND "
	    "g.test IS NULL LEFT JOIN tests t ON t.id = coalesce(g.test, "
	    "x.test) LEFT JOIN features f ON f.id = t.feature WHERE "
	    "g.project_id = ?1 AND g.status = 'open' "
	    "GROUP BY f.id, f.path, f.name, f.domain",
	/*
	 * The same for branch ?2 (NULL: every branch) and job ?3 (NULL:
	 * every job), issue 13 item 4: the tests that ran there by their
	 * latest status there (the worst of the latest of each job, as the
	 * overview counts), flaky with evidence there; signals raised by
	 * runs of that branch and job.
	 */
	[STMT_FEATURES_B] =
	    "WITH b AS (SELECT test, min(CASE last_status WHEN 'failed' "
	    "THEN 0 WHEN 'error' THEN 0 WHEN 'passed' THEN 2 ELSE 3 END) AS "
	    "rank, max(last_result_at) AS at, max(flaky_at) AS flaky_at "
	    "FROM stream_stats WHERE project_id = ?1 AND ("
	    "branch = ?2 OR ?2 IS NULL) AND (job = ?3 OR ?3 IS NULL) "
	    "GROUP BY test) "
	    "SELECT f.id, f.path, f.name, f.domain, count(*), "
	    "sum(CASE WHEN b.rank = 2 THEN 1 ELSE 0 END), "
	    "sum(CASE WHEN b.rank = 0 THEN 1 ELSE 0 END), "
	    "sum(CASE WHEN b.rank = 3 THEN 1 ELSE 0 END), max(b.at), "
	    "count(fs.test) FROM b JOIN tests t ON t.id = b.test "
	    "JOIN features f ON f.id = t.feature LEFT JOIN flaky_states fs "
	    "ON fs.test = t.id AND fs.state = 'flaky' AND "
	    "b.flaky_at IS NOT NULL WHERE t.project_id = ?1 AND "
	    "t.alias_of IS NULL GROUP BY f.id, f.path, f.name, f.domain",
	[STMT_SIGNALS_B] =
	    "SELECT f.id, f.path, f.name, f.domain, count(DISTINCT g.id) "
	    "FROM signals g JOIN runs u ON u.id = g.run LEFT JOIN "
	    "signal_tests x ON x.signal = g.id AND g.test IS NULL LEFT JOIN "
	    "tests t ON t.id = coalesce(g.test, x.test) LEFT JOIN features f "
	    "ON f.id = t.feature WHERE g.project_id = ?1 AND "
	    "g.status = 'open' AND (coalesce(u.branch, '') = ?2 OR ?2 IS NULL) "
	    "AND (u.job = ?3 OR ?3 IS NULL) "
	    "GROUP BY f.id, f.path, f.name, f.domain",
	[STMT_DOMAINS] =
	    "SELECT id, path, name, parent FROM domains WHERE project_id = ?1 "
	    "ORDER BY path",
	[STMT_FEATURE] =
	    "SELECT path, name, domain FROM features WHERE project_id = ?1 "
	    "AND id = ?2",
	[STMT_DAYS] =
	    "SELECT fd.day, fd.runs, fd.passed, fd.failed, fd.skipped, "
	    "fd.last_run_at, runs.run_id FROM feature_days fd LEFT JOIN runs "
	    "ON runs.id = fd.last_run WHERE fd.feature = ?1 AND fd.day >= ?2 "
	    "AND fd.day <= ?3 ORDER BY fd.day",
	[STMT_DAY_SIGNALS] =
	    "SELECT g.created_at / 86400000 AS day, count(*) FROM signals g "
	    "JOIN tests t ON t.id = g.test WHERE t.feature = ?1 AND "
	    "g.created_at >= CAST(?2 AS BIGINT) * 86400000 GROUP BY day",
	[STMT_FIRST_GREEN] =
	    DAY_MARK "fd.passed > 0 AND fd.failed = 0 ORDER BY fd.day LIMIT 1",
	[STMT_LAST_RED] =
	    DAY_MARK "fd.failed > 0 ORDER BY fd.day DESC LIMIT 1",
	[STMT_LAST_GOOD] =
	    DAY_MARK "fd.passed > 0 AND fd.failed = 0 AND fd.skipped = 0 "
	    "ORDER BY fd.day DESC LIMIT 1",
};

/* The figures of one feature or domain. */
struct figures {
	long	 tests, passed, failed, skipped, flaky, signals;
	int64_t	 last_at;
};

struct feat {
	int64_t		 id, domain;
	char		*path, *name;
	struct figures	 fig;
};

struct dom {
	int64_t		 id, parent;
	char		*path, *name;
	struct figures	 fig;
	int		 parent_ix;	/* -1 at the top */
};

/* Everything the tree and the list are built from (one project). */
struct health {
	struct feat	*f;
	size_t		 nf;
	struct dom	*d;
	size_t		 nd;
	long		 loose_signals;	/* open, tied to no test */
};

/* Frees what health_load() filled in h (not h itself). */
static void
health_free(struct health *h)
{
	size_t i;

	for (i = 0; i < h->nf; i++) {
		free(h->f[i].path);
		free(h->f[i].name);
	}
	for (i = 0; i < h->nd; i++) {
		free(h->d[i].path);
		free(h->d[i].name);
	}
	free(h->f);
	free(h->d);
}

/* Adds the figures of from to those of to. */
static void
fig_add(struct figures *to, const struct figures *from)
{
	to->tests += from->tests;
	to->passed += from->passed;
	to->failed += from->failed;
	to->skipped += from->skipped;
	to->flaky += from->flaky;
	to->signals += from->signals;
	if (from->last_at > to->last_at)
		to->last_at = from->last_at;
}

/*
 * Appends to h a feature with no figures yet from the row at st (id,
 * path, name, domain); *cap is the capacity of h->f.  Returns it.
 */
static struct feat *
feat_add(struct health *h, size_t *cap, struct db_query *st)
{
	struct feat *f;

	if (h->nf == *cap) {
		*cap = *cap * 2 + 64;
		if ((h->f = realloc(h->f, *cap * sizeof(*h->f))) == NULL)
			abort();
	}
	f = &h->f[h->nf++];
	memset(f, 0, sizeof(*f));
	f->id = db_col_int(st, 0);
	f->path = xstrdup(db_column_text(st, 1));
	f->name = xstrdup(db_column_text(st, 2));
	f->domain = db_col_int(st, 3);
	return f;
}

/*
 * Loads features with figures (of sc's branch and job when it names
 * either, else of the project's rollups), domains, and rolls feature
 * figures up every ancestor domain.  Returns 0 or -1 (h is then freed).
 */
static int
health_load(struct db *db, int64_t project, const struct health_scope *sc,
    struct health *h)
{
	int scoped = sc->branch != NULL || sc->job != NULL;
	struct db_query *st;
	size_t cap = 0, i, k;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((st = DB_STMT(db, DBM_FEATUREHEALTH, scoped ? STMT_FEATURES_B :
	    STMT_FEATURES)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    (scoped && (db_bind_text_opt(db, st, 2, sc->branch) == -1 ||
	    db_bind_text_opt(db, st, 3, sc->job) == -1)))
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		struct feat *f = feat_add(h, &cap, st);
		f->fig.tests = db_col_int(st, 4);
		f->fig.passed = db_col_int(st, 5);
		f->fig.failed = db_col_int(st, 6);
		f->fig.skipped = db_col_int(st, 7);
		f->fig.last_at = db_col_int(st, 8);
		f->fig.flaky = db_col_int(st, 9);
	}
	db_reset(st);
	if (rc == -1)
		goto fail;
	if ((st = DB_STMT(db, DBM_FEATUREHEALTH, scoped ? STMT_SIGNALS_B :
	    STMT_SIGNALS)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    (scoped && (db_bind_text_opt(db, st, 2, sc->branch) == -1 ||
	    db_bind_text_opt(db, st, 3, sc->job) == -1)))
		goto fail;
	while ((rc = db_step(db, st)) == DB_ROW) {
		int64_t fid = db_col_int(st, 0);
		long n = db_col_int(st, 4);
		if (db_col_null(st, 0)) {
			h->loose_signals += n;
			continue;
		}
		for (i = 0; i < h->nf && h->f[i].id != fid; i++)
			;
		/* a feature whose tests all vanished on the branch */
		(i < h->nf ? &h->f[i] : feat_add(h, &cap, st))->fig.signals = n;
	}
	db_reset(st);
	if (rc == -1)
		goto fail;
	cap = 0;
	if ((st = DB_STMT(db, DBM_FEATUREHEALTH, STMT_DOMAINS)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1)
		goto fail;
	while ((rc = db_step(db, st)) == DB_ROW) {
		struct dom *d;
		if (h->nd == cap) {
			cap = cap * 2 + 64;
			if ((h->d = realloc(h->d, cap * sizeof(*h->d))) == NULL)
				abort();
		}
		d = &h->d[h->nd++];
		memset(d, 0, sizeof(*d));
		d->id = db_col_int(st, 0);
		d->path = xstrdup(db_column_text(st, 1));
		d->name = xstrdup(db_column_text(st, 2));
		d->parent = db_col_int(st, 3);
	}
	db_reset(st);
	if (rc == -1)
		goto fail;
	for (i = 0; i < h->nd; i++) {
		h->d[i].parent_ix = -1;
		for (k = 0; k < h->nd; k++)
			if (h->d[k].id == h->d[i].parent)
				h->d[i].parent_ix = (int)k;
	}
	/* roll each feature up its domain chain */
	for (i = 0; i < h->nf; i++) {
		int ix = -1;
		for (k = 0; k < h->nd; k++)
			if (h->d[k].id == h->f[i].domain)
				ix = (int)k;
		for (; ix >= 0; ix = h->d[ix].parent_ix)
			fig_add(&h->d[ix].fig, &h->f[i].fig);
	}
	return 0;
fail:
	health_free(h);
	return -1;
}

/* Sets "branch" and "job" (null: every one) of an answer for sc. */
static void
scope_json(json_t *o, const struct health_scope *sc)
{
	jval_set(o, "branch", sc->branch != NULL ? jval_str(sc->branch) :
	    json_null());
	jval_set(o, "job", sc->job != NULL ? jval_str(sc->job) :
	    json_null());
}

/* Sets the figures of a node on o (pass rate skips skipped tests). */
static void
fig_json(json_t *o, const struct figures *g, int with_status)
{
	long ran = g->passed + g->failed;
	double rate, score;

	score = 1.0 - 0.1 * (double)g->signals;
	if (score < 0)
		score = 0;
	jval_set(o, "tests", jval_int(g->tests));
	jval_set(o, "passed", jval_int(g->passed));
	jval_set(o, "failed", jval_int(g->failed));
	jval_set(o, "skipped", jval_int(g->skipped));
	jval_set(o, "pending", jval_int(g->tests - ran - g->skipped));
	if (ran > 0) {
		rate = (double)g->passed / (double)ran;
		jval_set(o, "pass_rate", json_real(rate));
		jval_set(o, "confidence", json_real(rate * score));
	} else {
		jval_set(o, "pass_rate", json_null());
		jval_set(o, "confidence", json_null());
	}
	jval_set(o, "flaky_tests", jval_int(g->flaky));
	jval_set(o, "open_signals", jval_int(g->signals));
	jval_set(o, "integrity_score", json_real(score));
	if (with_status) {
		jval_set(o, "status", jval_str(g->failed > 0 ? "red" :
		    g->passed > 0 ? "green" : "unknown"));
		jval_set(o, "last_run_at", g->last_at > 0 ?
		    jval_time(g->last_at) : json_null());
	}
}

/* The JSON object of one feature with its figures; caller owns it. */
static json_t *
feature_json(const struct feat *f)
{
	json_t *o = jval_object();

	jval_set(o, "id", jval_int(f->id));
	jval_set(o, "path", jval_str(f->path));
	jval_set(o, "name", jval_str(f->name));
	jval_set(o, "domain_id", jval_int(f->domain));
	fig_json(o, &f->fig, 1);
	return o;
}

/* The JSON node of domain ix with its sub-domains and features. */
static json_t *
domain_json(const struct health *h, size_t ix)
{
	json_t *o = jval_object(), *kids = jval_array(), *feats = jval_array();
	size_t i;

	jval_set(o, "id", jval_int(h->d[ix].id));
	jval_set(o, "path", jval_str(h->d[ix].path));
	jval_set(o, "name", jval_str(h->d[ix].name));
	fig_json(o, &h->d[ix].fig, 1);
	for (i = 0; i < h->nd; i++)
		if (h->d[i].parent_ix == (int)ix && (h->d[i].fig.tests > 0 ||
		    h->d[i].fig.signals > 0))
			jval_push(kids, domain_json(h, i));
	for (i = 0; i < h->nf; i++)
		if (h->f[i].domain == h->d[ix].id)
			jval_push(feats, feature_json(&h->f[i]));
	jval_set(o, "children", kids);
	jval_set(o, "features", feats);
	return o;
}

/* qsort: features by path. */
static int
feat_cmp(const void *a, const void *b)
{
	return strcmp(((const struct feat *)a)->path,
	    ((const struct feat *)b)->path);
}

/*
 * GET /api/tests/health/domains: {domains: [tree], totals}.  Domains
 * without tests are left out.  Returns a new object, or NULL on a
 * database error.
 */
json_t *
featurehealth_domains(struct db *db, int64_t project,
    const struct health_scope *sc)
{
	struct health h;
	struct figures all;
	json_t *out, *top, *tot;
	size_t i;

	if (health_load(db, project, sc, &h) == -1)
		return NULL;
	if (h.nf > 0)
		qsort(h.f, h.nf, sizeof(*h.f), feat_cmp);
	memset(&all, 0, sizeof(all));
	top = jval_array();
	for (i = 0; i < h.nd; i++)
		if (h.d[i].parent_ix == -1 && (h.d[i].fig.tests > 0 ||
		    h.d[i].fig.signals > 0)) {
			jval_push(top, domain_json(&h, i));
			fig_add(&all, &h.d[i].fig);
		}
	all.signals += h.loose_signals;
	out = jval_object();
	jval_set(out, "domains", top);
	tot = jval_object();
	fig_json(tot, &all, 1);
	jval_set(out, "totals", tot);
	health_free(&h);
	scope_json(out, sc);
	return out;
}

/* Predicate: domain id is did or below it. */
static int
under(const struct health *h, int64_t id, int64_t did)
{
	size_t k;
	int ix = -1;

	for (k = 0; k < h->nd; k++)
		if (h->d[k].id == id)
			ix = (int)k;
	for (; ix >= 0; ix = h->d[ix].parent_ix)
		if (h->d[ix].id == did)
			return 1;
	return 0;
}

/* The feature list pages by path (sorted here, not in SQL). */
static const struct cursor_list features_paging = { "features", "s",
    { 0 } };

/*
 * GET /api/tests/health/features: features by path, optionally under
 * domain did (0: all), paged by path.  Returns 0, CURSOR_BAD, or
 * -1 on a database error; *out is a new object.
 */
int
featurehealth_features(struct db *db, int64_t project, int64_t did,
    const struct health_scope *sc, const char *cursor, int limit,
    json_t **out)
{
	struct cursor_page pg;
	struct health h;
	const char *after = NULL;
	json_t *arr;
	size_t i;

	if (cursor_page_open(&pg, &features_paging, cursor, limit) != 0)
		return CURSOR_BAD;
	if (health_load(db, project, sc, &h) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	if (pg.cur.doc != NULL)
		after = cursor_str(&pg.cur, 0);
	if (h.nf > 0)
		qsort(h.f, h.nf, sizeof(*h.f), feat_cmp);
	arr = jval_array();
	for (i = 0; i < h.nf; i++) {
		if (after != NULL && strcmp(h.f[i].path, after) <= 0)
			continue;
		if (did != 0 && !under(&h, h.f[i].domain, did))
			continue;
		if (!cursor_page_take(&pg, json_pack("[s]", h.f[i].path)))
			break;
		jval_push(arr, feature_json(&h.f[i]));
	}
	*out = jval_object();
	jval_set(*out, "features", arr);
	scope_json(*out, sc);
	cursor_page_finish(&pg, *out);
	health_free(&h);
	return 0;
}

/* One day of the timeline as {day, at, run_id}, or null. */
static json_t *
day_mark(struct db *db, enum stmt s, int64_t feature)
{
	struct db_query *st;
	json_t *o = json_null();
	char iso[TVTIME_ISO_LEN];
	int rc;

	if ((st = DB_STMT(db, DBM_FEATUREHEALTH, s)) == NULL ||
	    db_bind_int(db, st, 1, feature) == -1)
		return NULL;
	if ((rc = db_step(db, st)) == DB_ROW) {
		o = jval_object();
		tvtime_format_iso8601(db_col_int(st, 0) * DAY_MS,
		    iso);
		iso[10] = '\0';
		jval_set(o, "day", jval_str(iso));
		jval_set(o, "latest_run_at", jval_col_time(st, 1));
		jval_set(o, "run_id", jval_col_text(st, 2));
	}
	db_reset(st);
	if (rc == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * GET /api/tests/features/{feature_id}/timeline: one entry per UTC day
 * of the last `days` days up to now (oldest first, zeros where nothing
 * ran), and the first_green, last_red and last_known_good markers over
 * the whole kept history.  Returns 1, 0 when the feature is not in the
 * project, -1 on a database error; *out is a new object.
 */
int
featurehealth_timeline(struct db *db, int64_t project, int64_t feature,
    int days, int64_t now, json_t **out)
{
	struct db_query *st;
	json_t *arr, *o, *m[3];
	char iso[TVTIME_ISO_LEN];
	int64_t today = now / DAY_MS, from = today - days + 1, d, *sig;
	int rc, i;

	if ((st = DB_STMT(db, DBM_FEATUREHEALTH, STMT_FEATURE)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, feature) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	if (rc != DB_ROW)
		return 0;
	*out = jval_object();
	jval_set(*out, "feature_id", jval_int(feature));
	jval_set(*out, "path", jval_col_text(st, 0));
	jval_set(*out, "name", jval_col_text(st, 1));
	jval_set(*out, "domain_id", jval_col_int(st, 2));
	jval_set(*out, "days_requested", jval_int(days));
	db_reset(st);
	if ((sig = calloc((size_t)days, sizeof(*sig))) == NULL)
		abort();
	if ((st = DB_STMT(db, DBM_FEATUREHEALTH, STMT_DAY_SIGNALS)) == NULL ||
	    db_bind_int(db, st, 1, feature) == -1 ||
	    db_bind_int(db, st, 2, from) == -1)
		goto fail;
	while ((rc = db_step(db, st)) == DB_ROW) {
		d = db_col_int(st, 0);
		if (d >= from && d <= today)
			sig[d - from] = db_col_int(st, 1);
	}
	db_reset(st);
	if (rc == -1)
		goto fail;
	if ((st = DB_STMT(db, DBM_FEATUREHEALTH, STMT_DAYS)) == NULL ||
	    db_bind_int(db, st, 1, feature) == -1 ||
	    db_bind_int(db, st, 2, from) == -1 ||
	    db_bind_int(db, st, 3, today) == -1)
		goto fail;
	arr = jval_array();
	rc = db_step(db, st);
	for (d = from; d <= today; d++) {
		int has = rc == DB_ROW && db_col_int(st, 0) == d;
		o = jval_object();
		tvtime_format_iso8601(d * DAY_MS, iso);
		iso[10] = '\0';
		jval_set(o, "day", jval_str(iso));
		jval_set(o, "runs", jval_int(has ? db_col_int(st,
		    1) : 0));
		jval_set(o, "passed", jval_int(has ? db_col_int(st,
		    2) : 0));
		jval_set(o, "failed", jval_int(has ? db_col_int(st,
		    3) : 0));
		jval_set(o, "skipped", jval_int(has ?
		    db_col_int(st, 4) : 0));
		jval_set(o, "signals", jval_int(sig[d - from]));
		jval_set(o, "latest_run_at", has ? jval_col_time(st, 5) :
		    json_null());
		jval_set(o, "run_id", has ? jval_col_text(st, 6) :
		    json_null());
		jval_push(arr, o);
		if (has)
			rc = db_step(db, st);
	}
	db_reset(st);
	jval_set(*out, "days", arr);
	if (rc == -1)
		goto fail;
	m[0] = day_mark(db, STMT_FIRST_GREEN, feature);
	m[1] = day_mark(db, STMT_LAST_RED, feature);
	m[2] = day_mark(db, STMT_LAST_GOOD, feature);
	for (i = 0; i < 3; i++)
		if (m[i] == NULL) {
			while (i-- > 0)
				json_decref(m[i]);
			goto fail;
		}
	jval_set(*out, "first_green", m[0]);
	jval_set(*out, "last_red", m[1]);
	jval_set(*out, "last_known_good", m[2]);
	free(sig);
	return 1;
fail:
	free(sig);
	json_decref(*out);
	*out = NULL;
	return -1;
}
