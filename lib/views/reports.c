/*
 * Report answers (REP-1): a resolved definition (reportdef.c) counted
 * per group of one or two keys, with totals, and the results behind one
 * group (the drilldown), paged newest run first.  A report that groups
 * and filters only by what a run knows (its time, branch, job, status
 * and tags) reads the runs' own counts; one that involves suites,
 * owners, features or domains reads the report cells (reportcells.c),
 * never the results.  Each group's duration percentiles are over its
 * runs: the runs' durations, or what the group's tests took in each run.
 * The caller owns the JSON it is given.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "fault.h"
#include "jval.h"
#include "reportfold.h"
#include "reports.h"
#include "stats.h"
#include "trends.h"
#include "tvtime.h"
#include "xalloc.h"

#define DAY_MS		86400000LL
#define DRILL_MAX	500	/* results in one drilldown page */

enum stmt {
	STMT_RUNS,
	STMT_CELLS,
	STMT_FEATURES,
	STMT_DRILL,
	STMT__MAX
};

/* runs of project ?1 in [?2, ?3), branch ?4, job ?5, status ?6, tag ?7
 * (JSON-quoted, as the run's tags array holds it); NULL: any */
#define RUN_WHERE \
	"u.project_id = ?1 AND u.started_at >= ?2 AND u.started_at < ?3 " \
	"AND (" NONE("?4") " OR coalesce(u.branch, '') = ?4) " \
	"AND (" NONE("?5") " OR coalesce(u.job, '') = ?5) " \
	"AND (" NONE("?6") " OR u.status = ?6) " \
	"AND (" NONE("?7") " OR instr(CAST(u.tags AS TEXT), ?7) > 0)"
/* text parameter p is NULL (typed, for PostgreSQL to prepare) */
#define NONE(p)		"CAST(" p " AS TEXT) IS NULL"
/* path column c is p or under it, below separator sep (p NULL: any):
 * suite paths join names with " / ", domain paths with "/" */
#define UNDER(c, p, sep) \
	"(" NONE(p) " OR " c " = " p " OR substr(" c ", 1, " \
	"length(CAST(" p " AS TEXT)) + length('" sep "')) = " \
	"CAST(" p " AS TEXT) || '" sep "')"
/* the features of the domains at or under path p (of project ?1) */
#define DOMAIN_FEATURES(p) \
	"(SELECT f.id FROM features f JOIN domains d ON d.id = f.domain " \
	"WHERE d.project_id = ?1 AND " UNDER("d.path", p, "/") ")"

static const char *const sql[STMT__MAX] = {
	[STMT_RUNS] =
	    "SELECT u.id, u.started_at, coalesce(u.branch, ''), "
	    "coalesce(u.job, ''), '', '', 0, u.tests, u.passed, "
	    "u.failed + u.errors, u.skipped, u.duration_ms FROM runs u "
	    "WHERE " RUN_WHERE " ORDER BY u.started_at, u.id",
	/* the cells, each as it is, in run order (reportfold.c folds them
	 * by group and run: a GROUP BY here would sort them all); ?8
	 * suite, ?9 owner, ?10 feature path, ?11 domain path: filters */
	[STMT_CELLS] =
	    "SELECT c.run, u.started_at, coalesce(u.branch, ''), "
	    "coalesce(u.job, ''), c.suite, c.owner, c.feature, c.tests, "
	    "c.passed, c.failed, c.skipped, c.duration_ms FROM runs u JOIN "
	    "report_cells c ON c.run = u.id WHERE " RUN_WHERE " AND "
	    UNDER("c.suite", "?8", " / ")
	    " AND (" NONE("?9") " OR c.owner = ?9) "
	    "AND (" NONE("?10") " OR c.feature = (SELECT id FROM features "
	    "WHERE project_id = ?1 AND path = ?10)) "
	    "AND (" NONE("?11") " OR c.feature IN " DOMAIN_FEATURES("?11") ") "
	    "ORDER BY u.started_at, u.id",
	[STMT_FEATURES] =
	    "SELECT f.id, f.path, d.path FROM features f JOIN domains d ON "
	    "d.id = f.domain WHERE f.project_id = ?1 ORDER BY f.id",
	/*
	 * The results behind a group: the run filters, then ?8 suite (and
	 * under), ?9 suite exactly, ?10 owner, ?11 feature path ('': not
	 * mapped yet), ?12 domain (and under), ?13 domain exactly, ?14
	 * result status (1: failed or error), after the cursor (?15
	 * started_at, ?16 run, ?17 test), ?18 rows.
	 */
	[STMT_DRILL] =
	    "SELECT u.run_id, u.started_at, u.branch, u.job, t.test_id, "
	    "t.name, t.suite_path, r.status, r.duration_ms, u.id, r.test "
	    "FROM runs u JOIN results r ON r.run = u.id JOIN tests t ON "
	    "t.id = r.test WHERE " RUN_WHERE " AND "
	    UNDER("t.suite_path", "?8", " / ")
	    " AND (" NONE("?9") " OR t.suite_path = ?9) "
	    "AND (" NONE("?10") " OR coalesce(t.owner, '') = ?10) "
	    "AND (" NONE("?11") " OR coalesce(t.feature, 0) = "
	    "coalesce((SELECT id FROM features WHERE project_id = ?1 AND "
	    "path = ?11), 0)) "
	    "AND (" NONE("?12") " OR t.feature IN " DOMAIN_FEATURES("?12") ") "
	    "AND (" NONE("?13") " OR t.feature IN (SELECT f.id FROM "
	    "features f JOIN domains d ON d.id = f.domain WHERE "
	    "d.project_id = ?1 AND d.path = ?13) OR (?13 = '' AND "
	    "t.feature IS NULL)) "
	    "AND (CAST(?14 AS BIGINT) IS NULL OR r.status = ?14 OR "
	    "(?14 = 1 AND r.status = 2)) "
	    "AND (CAST(?15 AS BIGINT) IS NULL OR u.started_at < ?15 OR "
	    "(u.started_at = ?15 AND (u.id < ?16 OR (u.id = ?16 AND "
	    "r.test < ?17)))) "
	    "ORDER BY u.started_at DESC, u.id DESC, r.test DESC LIMIT ?18",
};

#define STMT(db, i) DB_STMT((db), DBM_REPORTS, (i))

/* A feature's path and its domain's. */
struct feat {
	int64_t		 id;
	const char	*path, *domain;
};

/* What a computation holds while it reads. */
struct rep {
	struct arena	*a;
	struct feat	*feats;
	size_t		 nfeats;
	int64_t		 t;		/* the started_at of tv below */
	const char	*tv[RK_MONTH + 1];	/* time values of t */
};

/* Whether key k needs the report cells. */
static int
cell_key(int k)
{
	return k == RK_SUITE || k == RK_OWNER || k == RK_FEATURE ||
	    k == RK_DOMAIN;
}

/* Whether q reads the report cells rather than the runs. */
static int
uses_cells(const struct report_query *q)
{
	int i;

	for (i = 0; i < q->nkeys; i++)
		if (cell_key(q->keys[i]))
			return 1;
	return q->suite != NULL || q->owner != NULL || q->feature != NULL ||
	    q->domain != NULL;
}

/* Whether q groups by key k. */
static int
groups_by(const struct report_query *q, int k)
{
	int i;

	for (i = 0; i < q->nkeys; i++)
		if (q->keys[i] == k)
			return 1;
	return 0;
}

/* The tag as a run's JSON array holds it ("\"nightly\""), in buf. */
static const char *
quoted_tag(const char *tag, struct buf *b)
{
	json_t *s;
	char *t;

	if (tag == NULL)
		return NULL;
	s = jval_str(tag);
	t = json_dumps(s, JSON_ENCODE_ANY);
	json_decref(s);
	buf_puts(b, t != NULL ? t : "");
	free(t);
	return b->p;
}

/* Binds the run filters ?1..?7 of q to st; 0 or -1. */
static int
bind_runs(struct db *db, struct db_query *st, int64_t project,
    const struct report_query *q, int64_t from, int64_t to, const char *tag)
{
	return db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, from) == -1 ||
	    db_bind_int(db, st, 3, to) == -1 ||
	    db_bind_text_opt(db, st, 4, q->branch) == -1 ||
	    db_bind_text_opt(db, st, 5, q->job) == -1 ||
	    db_bind_text_opt(db, st, 6, q->status) == -1 ||
	    db_bind_text_opt(db, st, 7, tag) == -1 ? -1 : 0;
}

/* Orders features by id. */
static int
feat_cmp(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Loads the project's features with their domains into r; 0 or -1. */
static int
feats_load(struct db *db, int64_t project, struct rep *r)
{
	struct db_query *st = STMT(db, STMT_FEATURES);
	size_t cap = 0;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, project) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (r->nfeats == cap) {
			cap = cap ? cap * 2 : 64;
			r->feats = xreallocarray(r->feats, cap,
			    sizeof(*r->feats));
		}
		r->feats[r->nfeats].id = db_col_int(st, 0);
		r->feats[r->nfeats].path = arena_strdup(r->a,
		    db_column_text(st, 1));
		r->feats[r->nfeats++].domain = arena_strdup(r->a,
		    db_column_text(st, 2));
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/* The feature id of r, or NULL (not mapped yet, or gone). */
static const struct feat *
feat_find(const struct rep *r, int64_t id)
{
	struct feat k;

	k.id = id;
	return r->nfeats == 0 ? NULL : bsearch(&k, r->feats, r->nfeats,
	    sizeof(k), feat_cmp);
}

/* "YYYY-MM-DD" (n 10) or "YYYY-MM" (n 7) of time t, in the arena. */
static const char *
date_text(struct arena *a, int64_t t, size_t n)
{
	char iso[TVTIME_ISO_LEN];

	tvtime_format_iso8601(t, iso);
	return arena_strndup(a, iso, n);
}

/* The value of time key k (day, week, month) of time t: made once per
 * run, as rows come in run order. */
static const char *
time_value(struct rep *r, int k, int64_t t)
{
	if (t != r->t || r->tv[k] == NULL) {
		if (t != r->t)
			memset(r->tv, 0, sizeof(r->tv));
		r->t = t;
		r->tv[k] = k == RK_MONTH ? date_text(r->a, t, 7) :
		    date_text(r->a, trends_interval_start(k == RK_DAY ?
		    TI_DAY : TI_WEEK, t), 10);
	}
	return r->tv[k];
}

/* The value of key k for the row st has read (borrowed from st or r). */
static const char *
key_value(struct rep *r, struct db_query *st, int k)
{
	const struct feat *f;

	switch (k) {
	case RK_DAY:
	case RK_WEEK:
	case RK_MONTH:
		return time_value(r, k, db_col_int(st, 1));
	case RK_BRANCH:
		return db_column_text(st, 2);
	case RK_JOB:
		return db_column_text(st, 3);
	case RK_SUITE:
		return db_column_text(st, 4);
	case RK_OWNER:
		return db_column_text(st, 5);
	default:
		f = feat_find(r, db_col_int(st, 6));
		return f == NULL ? "" : k == RK_FEATURE ? f->path : f->domain;
	}
}

/*
 * Reads the rows of q (runs or cells, bound; in run order) into fold.
 * 0; -1 on a database error; 1 past REPORT_GROUPS_MAX groups.
 */
static int
rows_read(struct db *db, struct db_query *st, const struct report_query *q,
    struct rep *r, struct rfold *fold)
{
	const char *v[REPORT_KEYS_MAX];
	struct rfold_row w;
	int rc, i;

	while ((rc = db_step(db, st)) == DB_ROW) {
		for (i = 0; i < q->nkeys; i++)
			v[i] = key_value(r, st, q->keys[i]);
		w.run = db_col_int(st, 0);
		w.tests = (long)db_col_int(st, 7);
		w.passed = (long)db_col_int(st, 8);
		w.failed = (long)db_col_int(st, 9);
		w.skipped = (long)db_col_int(st, 10);
		w.hasdur = !db_col_null(st, 11);
		w.dur = db_col_int(st, 11);
		if (rfold_add(fold, v, &w) == -1) {
			db_reset(st);
			return 1;
		}
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/* Reads what q counts into fold: from the runs or from the cells.
 * 0, -1 or 1 as rows_read(). */
static int
read_all(struct db *db, int64_t project, const struct report_query *q,
    struct rep *r, struct rfold *fold)
{
	struct db_query *st;
	struct buf tag;
	int cells = uses_cells(q), rc = -1;

	buf_init(&tag);
	if ((groups_by(q, RK_FEATURE) || groups_by(q, RK_DOMAIN)) &&
	    feats_load(db, project, r) == -1)
		goto out;
	if ((st = STMT(db, cells ? STMT_CELLS : STMT_RUNS)) == NULL ||
	    bind_runs(db, st, project, q, q->from, q->to,
	    quoted_tag(q->tag, &tag)) == -1)
		goto out;
	if (cells && (db_bind_text_opt(db, st, 8, q->suite) == -1 ||
	    db_bind_text_opt(db, st, 9, q->owner) == -1 ||
	    db_bind_text_opt(db, st, 10, q->feature) == -1 ||
	    db_bind_text_opt(db, st, 11, q->domain) == -1)) {
		db_reset(st);
		goto out;
	}
	rc = rows_read(db, st, q, r, fold);
out:
	buf_free(&tag);
	return rc;
}

/*
 * Computes report id (definition def, resolved as q) of project into
 * *out: {report_id, query, range, duration, groups, totals}.  Returns 1,
 * or -1 with f set (a storage failure, or too many groups).
 */
int
reports_compute(struct db *db, int64_t project, int64_t id,
    const json_t *def, const struct report_query *q, json_t **out,
    struct fault *f)
{
	const char *names[REPORT_KEYS_MAX];
	struct rfold *fold = rfold_new(q->nkeys);
	struct rep r;
	json_t *range;
	int i, rc = 0;

	memset(&r, 0, sizeof(r));
	r.a = arena_new();
	r.t = -1;
	*out = NULL;
	if (q->from < q->to)
		rc = read_all(db, project, q, &r, fold);
	if (rc == -1)
		fault_set(f, FAULT_STORAGE, "storage", "reading the report "
		    "failed");
	else if (rc == 1)
		fault_param(f, "group_by", "invalid", "the report has more "
		    "than %d groups: narrow the range or the filters, or group "
		    "by fewer keys", REPORT_GROUPS_MAX);
	if (rc != 0)
		goto out;
	for (i = 0; i < q->nkeys; i++)
		names[i] = report_keys[q->keys[i]];
	*out = jval_object();
	jval_set(*out, "report_id", jval_int(id));
	jval_set(*out, "query", json_deep_copy(def));
	range = jval_object();
	jval_set(range, "from", jval_time(q->from));
	jval_set(range, "to", jval_time(q->to));
	jval_set(range, "branch", q->branch != NULL ? jval_str(q->branch) :
	    json_null());
	jval_set(*out, "range", range);
	jval_set(*out, "duration", jval_str(uses_cells(q) ? "tests" : "run"));
	jval_set(*out, "groups", rfold_groups_json(fold, names));
	jval_set(*out, "totals", rfold_totals_json(fold));
out:
	rfold_free(fold);
	free(r.feats);
	arena_free(r.a);
	return rc == 0 ? 1 : -1;
}

/* The constraints of a drilldown: the report's filters and the group's
 * values (strings borrowed or in the arena; NULL: any). */
struct drill {
	int64_t		 from, to;
	const char	*branch, *job, *suite_under, *suite, *owner;
	const char	*feature, *domain_under, *domain;
	int		 empty;		/* the filters and values disagree */
};

/* Narrows *have (a filter, NULL: any) to exactly v; a different filter
 * makes d empty. */
static void
narrow(struct drill *d, const char **have, const char *v)
{
	if (*have != NULL && strcmp(*have, v) != 0)
		d->empty = 1;
	*have = v;
}

/* Narrows d's range to [from, to). */
static void
narrow_time(struct drill *d, int64_t from, int64_t to)
{
	if (from > d->from)
		d->from = from;
	if (to < d->to)
		d->to = to;
	if (d->from >= d->to)
		d->empty = 1;
}

/* The month "YYYY-MM" of s as [*from, *to) ms; 0 or -1. */
static int
month_range(const char *s, int64_t *from, int64_t *to)
{
	char iso[32];
	int y, m;

	if (strlen(s) != 7 || sscanf(s, "%4d-%2d", &y, &m) != 2 || m < 1 ||
	    m > 12)
		return -1;
	snprintf(iso, sizeof(iso), "%04d-%02d-01T00:00:00Z", y, m);
	if (tvtime_parse_iso8601(iso, strlen(iso), from) == -1)
		return -1;
	snprintf(iso, sizeof(iso), "%04d-%02d-01T00:00:00Z", m == 12 ? y + 1 :
	    y, m == 12 ? 1 : m + 1);
	return tvtime_parse_iso8601(iso, strlen(iso), to);
}

/* The day "YYYY-MM-DD" of s as ms; 0 or -1. */
static int
day_start(const char *s, int64_t *t)
{
	char iso[32];

	if (strlen(s) != 10)
		return -1;
	snprintf(iso, sizeof(iso), "%sT00:00:00Z", s);
	return tvtime_parse_iso8601(iso, strlen(iso), t);
}

/* Applies value v of key k to d; 0 or -1 (v is no value of k). */
static int
drill_value(struct drill *d, int k, const char *v)
{
	int64_t from, to;

	switch (k) {
	case RK_DAY:
	case RK_WEEK:
		if (day_start(v, &from) == -1)
			return -1;
		narrow_time(d, from, from + (k == RK_DAY ? 1 : 7) * DAY_MS);
		return 0;
	case RK_MONTH:
		if (month_range(v, &from, &to) == -1)
			return -1;
		narrow_time(d, from, to);
		return 0;
	case RK_BRANCH:
		narrow(d, &d->branch, v);
		return 0;
	case RK_JOB:
		narrow(d, &d->job, v);
		return 0;
	case RK_SUITE:
		d->suite = v;
		return 0;
	case RK_OWNER:
		narrow(d, &d->owner, v);
		return 0;
	case RK_FEATURE:
		narrow(d, &d->feature, v);
		return 0;
	default:
		d->domain = v;
		return 0;
	}
}

/*
 * Splits group key s into its values (at unescaped ',', unescaping '\')
 * in the arena; returns their number (at most REPORT_KEYS_MAX + 1).
 */
static int
key_split(struct arena *a, const char *s, const char **v)
{
	char *out = arena_alloc(a, strlen(s) + 1), *o = out;
	int n = 0;

	v[n++] = out;
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			*o++ = *++s;
		else if (*s == ',') {
			*o++ = '\0';
			if (n == REPORT_KEYS_MAX + 1)
				return n + 1;
			v[n++] = o;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return n;
}

/* One result of a drilldown. */
static json_t *
drill_row(struct db_query *st)
{
	static const char *const names[] = { "passed", "failed", "error",
	    "skipped" };
	json_t *o = jval_object();
	int64_t s = db_col_int(st, 7);

	jval_set(o, "run_id", jval_col_text(st, 0));
	jval_set(o, "started_at", jval_col_time(st, 1));
	jval_set(o, "branch", jval_col_text(st, 2));
	jval_set(o, "job", jval_col_text(st, 3));
	jval_set(o, "test_id", jval_col_text(st, 4));
	jval_set(o, "name", jval_col_text(st, 5));
	jval_set(o, "suite", jval_col_text(st, 6));
	jval_set(o, "status", jval_str(s >= 0 && s < 4 ? names[s] : "?"));
	jval_set(o, "duration_ms", jval_col_int(st, 8));
	return o;
}

/* Binds d's constraints (?1..?14 but the tag) to st; 0 or -1. */
static int
drill_bind(struct db *db, struct db_query *st, int64_t project,
    const struct report_query *q, const struct drill *d, const char *tag,
    int status)
{
	struct report_query rq = *q;

	rq.branch = d->branch;
	rq.job = d->job;
	return bind_runs(db, st, project, &rq, d->from, d->to, tag) == -1 ||
	    db_bind_text_opt(db, st, 8, d->suite_under) == -1 ||
	    db_bind_text_opt(db, st, 9, d->suite) == -1 ||
	    db_bind_text_opt(db, st, 10, d->owner) == -1 ||
	    db_bind_text_opt(db, st, 11, d->feature) == -1 ||
	    db_bind_text_opt(db, st, 12, d->domain_under) == -1 ||
	    db_bind_text_opt(db, st, 13, d->domain) == -1 ||
	    (status < 0 ? db_bind_null(db, st, 14) :
	    db_bind_int(db, st, 14, status)) == -1 ? -1 : 0;
}

/* Reads page rows of d after cursor c (NULL: from the newest) into
 * res, with *next set past them when more follow.  0 or -1. */
static int
drill_page(struct db *db, int64_t project, const struct report_query *q,
    const struct drill *d, int status, const int64_t *c, int limit,
    json_t *res, char *next, size_t nextsz)
{
	struct db_query *st = STMT(db, STMT_DRILL);
	struct buf tag;
	int rc = -1, n = 0;

	buf_init(&tag);
	*next = '\0';
	if (st == NULL || drill_bind(db, st, project, q, d,
	    quoted_tag(q->tag, &tag), status) == -1 ||
	    (c == NULL ? db_bind_null(db, st, 15) == -1 ||
	    db_bind_null(db, st, 16) == -1 || db_bind_null(db, st, 17) == -1 :
	    db_bind_int(db, st, 15, c[0]) == -1 ||
	    db_bind_int(db, st, 16, c[1]) == -1 ||
	    db_bind_int(db, st, 17, c[2]) == -1) ||
	    db_bind_int(db, st, 18, limit + 1) == -1) {
		if (st != NULL)
			db_reset(st);
		goto out;
	}
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (n++ == limit) {
			rc = DB_DONE;
			break;
		}
		jval_push(res, drill_row(st));
		snprintf(next, nextsz, "%" PRId64 ".%" PRId64 ".%" PRId64,
		    db_col_int(st, 1), db_col_int(st, 9), db_col_int(st, 10));
	}
	if (n <= limit)
		*next = '\0';
	db_reset(st);
	rc = rc == DB_DONE ? 0 : -1;
out:
	buf_free(&tag);
	return rc;
}

/* Parses cursor s ("started_at.run.test", three decimal integers in
 * range) into c; 0 or -1. */
static int
cursor_parse(const char *s, int64_t *c)
{
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		c[i] = strtoll(s, &end, 10);
		if (errno != 0 || *end != (i < 2 ? '.' : '\0'))
			return -1;
		s = end + 1;
	}
	return 0;
}

/*
 * The results behind group key of report id (resolved as q), of status
 * (0 passed, 1 failed or error, 3 skipped; -1 any), limit at a time
 * after cursor (NULL: the newest), into *out: {report_id, key, values,
 * results, next_cursor}.  Returns 1, or -1 with f set (a key or cursor
 * that does not parse: 400).
 */
int
reports_drilldown(struct db *db, int64_t project, int64_t id,
    const struct report_query *q, const char *key, int status,
    const char *cursor, int limit, json_t **out, struct fault *f)
{
	const char *v[REPORT_KEYS_MAX + 2];
	struct arena *a = arena_new();
	struct drill d;
	json_t *vals, *res;
	int64_t c[3];
	char next[80];
	int i, n, rc = -1;

	*out = NULL;
	memset(&d, 0, sizeof(d));
	d.from = q->from;
	d.to = q->to;
	d.branch = q->branch;
	d.job = q->job;
	d.suite_under = q->suite;
	d.owner = q->owner;
	d.feature = q->feature;
	d.domain_under = q->domain;
	if ((n = key_split(a, key, v)) != q->nkeys) {
		fault_param(f, "group", "invalid", "group must have %d "
		    "value%s (the group's key from the report)", q->nkeys,
		    q->nkeys > 1 ? "s" : "");
		goto out;
	}
	vals = jval_object();
	for (i = 0; i < n; i++) {
		jval_set(vals, report_keys[q->keys[i]], jval_str(v[i]));
		if (drill_value(&d, q->keys[i], v[i]) == -1) {
			json_decref(vals);
			fault_param(f, "group", "invalid", "'%.40s' is no %s",
			    v[i], report_keys[q->keys[i]]);
			goto out;
		}
	}
	if (cursor != NULL && cursor_parse(cursor, c) == -1) {
		json_decref(vals);
		fault_param(f, "cursor", "invalid", "cursor must be a "
		    "next_cursor of this drilldown");
		goto out;
	}
	if (limit < 1 || limit > DRILL_MAX)
		limit = DRILL_MAX;
	res = jval_array();
	if (!d.empty && q->from < q->to && drill_page(db, project, q, &d,
	    status, cursor != NULL ? c : NULL, limit, res, next,
	    sizeof(next)) == -1) {
		json_decref(vals);
		json_decref(res);
		fault_set(f, FAULT_STORAGE, "storage", "reading the results "
		    "failed");
		goto out;
	}
	if (d.empty)
		next[0] = '\0';
	*out = jval_object();
	jval_set(*out, "report_id", jval_int(id));
	jval_set(*out, "key", jval_str(key));
	jval_set(*out, "values", vals);
	jval_set(*out, "results", res);
	jval_set(*out, "next_cursor", next[0] != '\0' ? jval_str(next) :
	    json_null());
	rc = 1;
out:
	arena_free(a);
	return rc;
}
