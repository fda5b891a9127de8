/*
 * The batch `exports` pass (REP-6): writes the files of the export jobs
 * POST /api/exports queued (lib/views/exportjobs.c), and of `running` ones
 * a crashed batch left (started again from the first row: the .part file
 * is rewritten), into export_dir as <job_id>.<ext>.part, renamed to
 * <job_id>.<ext> once whole.  Rows are read a page at a time by keyset
 * (a run's results by test, a test's history newest first, the catalogue
 * by test, a saved report's groups from the snapshot taken when the job
 * was asked for) and written by exportfmt.c as they come, so memory stays
 * flat whatever the size (libpq reads a result whole: pages bound it);
 * each page commits rows_done and bytes, which GET /api/exports/{job_id}
 * shows as progress.  Expires done jobs past expires_at (the file
 * deleted, the job 'expired') and keeps the export files together under
 * export_quota_mb: a file growing past it fails its job and is deleted.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "exportfmt.h"
#include "exports.h"
#include "history.h"
#include "log.h"
#include "pass.h"
#include "runexport.h"

#define PAGE_ROWS	5000		/* rows read and committed at a time */
#define HOUR_MS		3600000LL
#define MB		1048576LL
#define KEYS_MAX	8		/* group_by keys of a report */

const char *const export_kinds[] = { "run", "test_history", "catalogue",
    "report", NULL };

#define STATUS_NAME "CASE r.status WHEN 0 THEN 'passed' WHEN 1 THEN " \
	"'failed' WHEN 2 THEN 'error' WHEN 3 THEN 'skipped' END"
/* the catalogue's filters: ?1 project, ?2 after this test, ?3 a LIKE
 * pattern on the name, ?4 a suite path prefix, ?5 state, ?6
 * last status, ?7 owner, ?8 a tag; ?9 rows at most (as GET /api/tests,
 * ?3 matches the name alone) */
#define CAT_WHERE "t.project_id = ?1 AND t.id > ?2 AND (lower(t.name) " \
	"LIKE lower(CAST(?3 AS TEXT)) ESCAPE '\\' OR ?3 IS NULL) AND (substr(" \
	"t.suite_path, 1, length(CAST(?4 AS TEXT))) = CAST(?4 AS TEXT) OR " \
	"?4 IS NULL) AND (t.state = CAST(?5 AS TEXT) OR ?5 IS NULL) AND (" \
	"s.last_status = CAST(?6 AS TEXT) OR ?6 IS NULL) AND (t.owner = " \
	"CAST(?7 AS TEXT) OR ?7 IS NULL) AND (',' || coalesce(t.tags, '') || " \
	"',' LIKE '%,' || CAST(?8 AS TEXT) || ',%' OR ?8 IS NULL)"
/* the texts of result r, found by one index probe per row: a join on
 * (run, test) lets PostgreSQL's generic plan sort every text of the run
 * for each page */
#define TEXT_ID "(SELECT y.id FROM result_texts y WHERE y.run = r.run AND " \
	"y.test = r.test)"
/* a test's history: ?1 test, ?2 branch or NULL, before (?3, ?4) */
#define HIST_FROM(tail) "FROM (" BY_TEST("?1", "(CAST(?2 AS TEXT) IS " \
	"NULL OR EXISTS (SELECT 1 FROM runs b WHERE b.id = r.run AND " \
	"b.branch = ?2)) AND " \
	"((r.started_at, r.run) < (?3, ?4) OR ?3 IS NULL)", tail) ") AS r " \
	"JOIN runs u ON u.id = r.run LEFT JOIN result_texts x ON x.id = " \
	TEXT_ID

enum stmt {
	STMT_EXPIRED,
	STMT_EXPIRE,
	STMT_NEXT,
	STMT_START,
	STMT_PROGRESS,
	STMT_DONE,
	STMT_FAIL,
	STMT_USED,
	STMT_TEST,
	STMT_RUN_ROWS,
	STMT_RUN_COUNT,
	STMT_HIST_ROWS,
	STMT_HIST_COUNT,
	STMT_CAT_ROWS,
	STMT_CAT_COUNT,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_EXPIRED] =
	    "SELECT id, file FROM export_jobs WHERE project_id = ?1 AND "
	    "status = 'done' AND expires_at <= ?2 ORDER BY id LIMIT 1",
	[STMT_EXPIRE] =
	    "UPDATE export_jobs SET status = 'expired', file = NULL "
	    "WHERE id = ?1",
	[STMT_NEXT] =
	    "SELECT id, job_id, format, query, snapshot FROM export_jobs "
	    "WHERE project_id = ?1 AND status IN ('queued', 'running') AND "
	    "id > ?2 ORDER BY id LIMIT 1",
	[STMT_START] =
	    "UPDATE export_jobs SET status = 'running', started_at = ?2, "
	    "rows_done = 0, bytes = 0, rows_total = ?3, error = NULL "
	    "WHERE id = ?1",
	[STMT_PROGRESS] =
	    "UPDATE export_jobs SET rows_done = ?2, bytes = ?3 WHERE id = ?1",
	[STMT_DONE] =
	    "UPDATE export_jobs SET status = 'done', rows_done = ?2, "
	    "bytes = ?3, finished_at = ?4, expires_at = ?5, file = ?6 "
	    "WHERE id = ?1",
	[STMT_FAIL] =
	    "UPDATE export_jobs SET status = 'failed', error = ?2, "
	    "finished_at = ?3, bytes = 0, file = NULL WHERE id = ?1",
	[STMT_USED] =
	    "SELECT coalesce(sum(bytes), 0) FROM export_jobs WHERE "
	    "status = 'done' AND id <> ?1",
	[STMT_TEST] =
	    "SELECT id FROM tests WHERE project_id = ?1 AND test_id = ?2",
	[STMT_RUN_ROWS] =
	    "SELECT u.run_id, u.started_at, u.branch, u.job, t.test_id, "
	    "t.suite_path, t.classname, t.name, t.file, " STATUS_NAME ", "
	    "r.duration_ms, r.attempts, x.message, r.test FROM results r "
	    "JOIN runs u ON u.id = r.run JOIN tests t ON t.id = r.test "
	    "LEFT JOIN result_texts x ON x.id = " TEXT_ID " WHERE r.run = ?1 "
	    "AND r.test > ?2 AND t.id > ?2 ORDER BY r.test LIMIT ?3",
	[STMT_RUN_COUNT] =
	    "SELECT count(*) FROM (SELECT 1 FROM results WHERE run = ?1 AND "
	    "test > ?2 LIMIT ?3) x",
	[STMT_HIST_ROWS] =
	    "SELECT u.run_id, r.started_at, u.branch, u.job, u.git_sha, "
	    STATUS_NAME ", r.duration_ms, r.attempts, r.flaky_in_run, "
	    "x.message, r.started_at, r.run " HIST_FROM("ORDER BY started_at "
	    "DESC, run DESC LIMIT ?5") " ORDER BY r.started_at DESC, "
	    "r.run DESC",
	[STMT_HIST_COUNT] =
	    "SELECT count(*) FROM (SELECT 1 " HIST_FROM("LIMIT ?5") ") x",
	[STMT_CAT_ROWS] =
	    "SELECT t.test_id, t.name, t.classname, t.suite_path, t.file, "
	    "t.state, t.owner, t.tags, t.first_seen_at, s.last_status, "
	    "s.last_result_at, s.runs_count, s.fail_rate, t.id FROM tests t "
	    "LEFT JOIN test_stats s ON s.test = t.id WHERE " CAT_WHERE
	    " ORDER BY t.id LIMIT ?9",
	[STMT_CAT_COUNT] =
	    "SELECT count(*) FROM (SELECT 1 FROM tests t LEFT JOIN test_stats "
	    "s ON s.test = t.id WHERE " CAT_WHERE " LIMIT ?9) x",
};

#define STMT(c, i) DB_STMT((c)->db, DBM_EXPORTS, (i))

/* The columns of each kind (a report's are its keys and figures). */
static const char *const run_names[] = { "run_id", "started_at", "branch",
    "job", "test_id", "suite", "classname", "name", "file", "status",
    "duration_ms", "attempts", "message" };
static const int run_types[] = { XC_TEXT, XC_TIME, XC_TEXT, XC_TEXT,
    XC_TEXT, XC_TEXT, XC_TEXT, XC_TEXT, XC_TEXT, XC_TEXT, XC_INT, XC_INT,
    XC_TEXT };
static const char *const hist_names[] = { "run_id", "started_at", "branch",
    "job", "git_sha", "status", "duration_ms", "attempts", "flaky_in_run",
    "message" };
static const int hist_types[] = { XC_TEXT, XC_TIME, XC_TEXT, XC_TEXT,
    XC_TEXT, XC_TEXT, XC_INT, XC_INT, XC_INT, XC_TEXT };
static const char *const cat_names[] = { "test_id", "name", "classname",
    "suite", "file", "state", "owner", "tags", "first_seen_at",
    "last_status", "last_result_at", "runs", "fail_rate" };
static const int cat_types[] = { XC_TEXT, XC_TEXT, XC_TEXT, XC_TEXT,
    XC_TEXT, XC_TEXT, XC_TEXT, XC_TEXT, XC_TIME, XC_TEXT, XC_TIME, XC_INT,
    XC_REAL };
static const char *const fig_names[] = { "runs", "tests", "passed",
    "failed", "skipped", "pass_rate", "duration_p50_ms",
    "duration_p95_ms" };
#define NFIGS	(sizeof(fig_names) / sizeof(fig_names[0]))
#define NCOLS(a) ((int)(sizeof(a) / sizeof(a[0])))

/* What a job reads and where it is (strings borrowed from query). */
struct src {
	int			 kind;		/* enum export_kind */
	struct runexport_run	 run;
	int64_t			 test;
	const char		*branch;
	int64_t			 k1, k2;	/* keyset: after this */
	int			 first;		/* no page read yet */
	int64_t			 left;		/* rows still wanted */
	const char		*flt[6];	/* catalogue: ?3 .. ?8 */
	char			*pattern;
	json_t			*groups;	/* report */
	size_t			 gi;
	const char		*names[KEYS_MAX + NFIGS];
	int			 types[KEYS_MAX + NFIGS];
	struct xcols		 cols;
};

/* One job of export_jobs being written. */
struct job {
	int64_t		 id;
	char		 job_id[80];
	int		 format;
	char		 path[PATH_MAX], part[PATH_MAX], dir[PATH_MAX];
	char		 err[400];
	int64_t		 rows, bytes, quota;
	struct xsink	*sink;
};

/*
 * The directory of export files: export_dir, else `exports` beside the
 * SQLite file, else (PostgreSQL) /var/lib/testvis/exports.  0, or -1 when
 * the path does not fit.
 */
int
exports_dir(const struct config *cfg, char *path, size_t size)
{
	const char *slash;
	int n;

	if (cfg->export_dir[0] != '\0')
		n = snprintf(path, size, "%s", cfg->export_dir);
	else if (db_is_url(cfg->db))
		n = snprintf(path, size, "/var/lib/testvis/exports");
	else if ((slash = strrchr(cfg->db, '/')) != NULL)
		n = snprintf(path, size, "%.*s/exports",
		    (int)(slash - cfg->db), cfg->db);
	else
		n = snprintf(path, size, "exports");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The string at key of o, or NULL. */
static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Makes the LIKE pattern %q% of q, escaping % _ and \ (NULL: none). */
static char *
like_pattern(const char *q)
{
	char *p, *o;

	if (q == NULL)
		return NULL;
	if ((p = malloc(strlen(q) * 2 + 3)) == NULL)
		abort();
	o = p;
	*o++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

/*
 * Sets s up for query (and a report's snapshot): finds what it names.
 * Returns 1, 0 with j->err set when it is gone, or -1.
 */
static int
src_open(struct pass_ctx *c, struct src *s, json_t *query, json_t *snap,
    struct job *j)
{
	static const char *const flt[] = { "q", "suite", "state", "status",
	    "owner", "tag" };
	struct db_query *st;
	json_t *keys;
	size_t i;
	int rc;

	memset(s, 0, sizeof(s[0]));
	s->first = 1;
	s->left = INT64_MAX;
	for (s->kind = 0; export_kinds[s->kind] != NULL &&
	    strcmp(export_kinds[s->kind], jstr(query, "kind") != NULL ?
	    jstr(query, "kind") : "") != 0; s->kind++)
		;
	switch (s->kind) {
	case EXK_RUN:
		s->cols = (struct xcols){ run_names, run_types,
		    NCOLS(run_names) };
		rc = runexport_find(c->db, c->project_id,
		    jstr(query, "run_id"), &s->run);
		if (rc == 0)
			snprintf(j->err, sizeof(j->err), "no run '%s' any more",
			    jstr(query, "run_id"));
		return rc;
	case EXK_TEST_HISTORY:
		s->cols = (struct xcols){ hist_names, hist_types,
		    NCOLS(hist_names) };
		s->branch = jstr(query, "branch");
		if (json_is_integer(json_object_get(query, "limit")))
			s->left = json_integer_value(json_object_get(query,
			    "limit"));
		if ((st = STMT(c, STMT_TEST)) == NULL ||
		    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
		    db_bind_text(c->db, st, 2, jstr(query, "test_id")) == -1 ||
		    (rc = db_step(c->db, st)) == -1)
			return -1;
		s->test = rc == DB_ROW ? db_col_int(st, 0) : 0;
		db_reset(st);
		if (rc != DB_ROW)
			snprintf(j->err, sizeof(j->err), "no test '%s' any "
			    "more", jstr(query, "test_id"));
		return rc == DB_ROW;
	case EXK_CATALOGUE:
		s->cols = (struct xcols){ cat_names, cat_types,
		    NCOLS(cat_names) };
		for (i = 0; i < 6; i++)
			s->flt[i] = jstr(query, flt[i]);
		s->pattern = like_pattern(s->flt[0]);
		s->flt[0] = s->pattern;
		return 1;
	case EXK_REPORT:
		keys = json_object_get(json_object_get(snap, "query"),
		    "group_by");
		s->groups = json_object_get(snap, "groups");
		if (!json_is_array(keys) || !json_is_array(s->groups) ||
		    json_array_size(keys) > KEYS_MAX) {
			snprintf(j->err, sizeof(j->err), "the report's "
			    "snapshot is unreadable");
			return 0;
		}
		for (i = 0; i < json_array_size(keys); i++) {
			s->names[i] = json_string_value(json_array_get(keys,
			    i));
			s->types[i] = XC_TEXT;
			if (s->names[i] == NULL)
				s->names[i] = "?";
		}
		for (rc = 0; rc < (int)NFIGS; rc++, i++) {
			s->names[i] = fig_names[rc];
			s->types[i] = XC_INT;
		}
		s->cols = (struct xcols){ s->names, s->types, (int)i };
		return 1;
	}
	snprintf(j->err, sizeof(j->err), "unknown query kind");
	return 0;
}

/* Binds the parameters of s's statement st (rows or count) for a page
 * of at most limit rows.  0 or -1. */
static int
src_bind(struct pass_ctx *c, struct src *s, struct db_query *st,
    int64_t limit)
{
	int i;

	switch (s->kind) {
	case EXK_RUN:
		return db_bind_int(c->db, st, 1, s->run.id) == -1 ||
		    db_bind_int(c->db, st, 2, s->k1) == -1 ||
		    db_bind_int(c->db, st, 3, limit) == -1 ? -1 : 0;
	case EXK_TEST_HISTORY:
		if (db_bind_int(c->db, st, 1, s->test) == -1 ||
		    db_bind_text(c->db, st, 2, s->branch) == -1 ||
		    (s->first ? db_bind_null(c->db, st, 3) :
		    db_bind_int(c->db, st, 3, s->k1)) == -1 ||
		    db_bind_int(c->db, st, 4, s->k2) == -1)
			return -1;
		return db_bind_int(c->db, st, 5, limit);
	default:
		if (db_bind_int(c->db, st, 1, c->project_id) == -1 ||
		    db_bind_int(c->db, st, 2, s->k1) == -1 ||
		    db_bind_int(c->db, st, 9, limit) == -1)
			return -1;
		for (i = 0; i < 6; i++)
			if (db_bind_text(c->db, st, 3 + i, s->flt[i]) == -1)
				return -1;
		return 0;
	}
}

/* Counts the rows s will write into *n.  0 or -1. */
static int
src_total(struct pass_ctx *c, struct src *s, int64_t *n)
{
	static const enum stmt count[] = { STMT_RUN_COUNT, STMT_HIST_COUNT,
	    STMT_CAT_COUNT };
	struct db_query *st;
	int rc;

	if (s->kind == EXK_REPORT) {
		*n = (int64_t)json_array_size(s->groups);
		return 0;
	}
	if ((st = STMT(c, count[s->kind])) == NULL ||
	    src_bind(c, s, st, s->left) == -1 ||
	    (rc = db_step(c->db, st)) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	*n = db_col_int(st, 0);
	db_reset(st);
	return 0;
}

/* Writes the group of a report snapshot at s->gi. */
static void
report_row(struct src *s, struct xsink *k)
{
	json_t *g = json_array_get(s->groups, s->gi), *v[KEYS_MAX + NFIGS];
	json_t *vals = json_object_get(g, "values");
	int i, nk = s->cols.n - (int)NFIGS;

	for (i = 0; i < nk; i++)
		v[i] = json_object_get(vals, s->names[i]);
	for (i = 0; i < (int)NFIGS; i++)
		v[nk + i] = json_object_get(g, fig_names[i]);
	xsink_row_json(k, v);
}

/* runexport_junit_page()'s writer: the job's sink. */
static void
raw_write(void *ctx, const void *p, size_t n)
{
	xsink_raw(ctx, p, n);
}

/*
 * Writes the next page of s (at most PAGE_ROWS rows) into sink k.
 * Returns the rows written (0: no more), or -1.
 */
static long
src_page(struct pass_ctx *c, struct src *s, struct xsink *k, int format,
    struct runexport_junit *ju)
{
	static const enum stmt rows[] = { STMT_RUN_ROWS, STMT_HIST_ROWS,
	    STMT_CAT_ROWS };
	struct runexport_out out = { raw_write, k };
	struct db_query *st;
	int64_t limit = s->left < PAGE_ROWS ? s->left : PAGE_ROWS;
	long n = 0;
	int rc;

	if (limit <= 0)
		return 0;
	if (s->kind == EXK_REPORT) {
		for (; s->gi < json_array_size(s->groups) && n < limit;
		    s->gi++, n++)
			report_row(s, k);
		return n;
	}
	if (format == EXF_JUNIT)
		return runexport_junit_page(c->db, &s->run, &s->k1, (int)limit,
		    ju, &out);
	if ((st = STMT(c, rows[s->kind])) == NULL ||
	    src_bind(c, s, st, limit) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW) {
		xsink_row_db(k, st);
		s->k1 = db_col_int(st, s->cols.n);
		if (s->kind == EXK_TEST_HISTORY)
			s->k2 = db_col_int(st, s->cols.n + 1);
		n++;
	}
	db_reset(st);
	s->first = 0;
	s->left -= n;
	return rc == DB_DONE ? n : -1;
}

/* Runs statement i on job id with ?2.. as given ("i": int, "s": text,
 * "n": NULL) in its own transaction.  0 or -1. */
static int
job_update(struct pass_ctx *c, enum stmt i, int64_t id, const char *types,
    ...)
{
	struct db_query *st;
	va_list ap;
	int k, rc = 0;

	if (db_begin(c->db) == -1 || (st = STMT(c, i)) == NULL ||
	    db_bind_int(c->db, st, 1, id) == -1)
		return -1;
	va_start(ap, types);
	for (k = 0; types[k] != '\0' && rc == 0; k++) {
		if (types[k] == 'i')
			rc = db_bind_int(c->db, st, k + 2, va_arg(ap, int64_t));
		else if (types[k] == 's')
			rc = db_bind_text(c->db, st, k + 2,
			    va_arg(ap, const char *));
		else
			rc = db_bind_null(c->db, st, k + 2);
	}
	va_end(ap);
	if (rc == -1 || db_step_done(c->db, st) == -1 || pass_commit(c) == -1)
		return -1;
	return 0;
}

/* The bytes the other jobs' files take, into *n.  0 or -1. */
static int
used_bytes(struct pass_ctx *c, int64_t id, int64_t *n)
{
	struct db_query *st = STMT(c, STMT_USED);
	int rc;

	if (st == NULL || db_bind_int(c->db, st, 1, id) == -1 ||
	    (rc = db_step(c->db, st)) != DB_ROW) {
		if (st != NULL)
			db_reset(st);
		return -1;
	}
	*n = db_col_int(st, 0);
	db_reset(st);
	return 0;
}

/* Pages s into j's sink, committing progress after each page: 1 all
 * written, 0 the job failed (j->err), -1 storage. */
static int
job_pages(struct pass_ctx *c, struct job *j, struct src *s)
{
	struct runexport_out out = { raw_write, j->sink };
	struct runexport_junit ju;
	long n;

	if (j->format == EXF_JUNIT)
		runexport_junit_begin(&ju, &s->run, &out);
	while ((n = src_page(c, s, j->sink, j->format, &ju)) > 0) {
		j->rows += n;
		if (xsink_flush(j->sink) == -1) {
			snprintf(j->err, sizeof(j->err), "writing %.300s "
			    "failed: %s", j->part, strerror(errno));
			break;
		}
		j->bytes = xsink_bytes(j->sink);
		if (j->bytes > j->quota) {
			snprintf(j->err, sizeof(j->err), "the file outgrew "
			    "export_quota_mb (%lld MB)",
			    (long long)c->cfg->export_quota_mb);
			break;
		}
		if (job_update(c, STMT_PROGRESS, j->id, "ii", j->rows,
		    j->bytes) == -1) {
			n = -1;
			break;
		}
	}
	if (j->format == EXF_JUNIT)
		runexport_junit_end(&ju, &out);
	if (n == -1)
		return -1;
	return j->err[0] == '\0';
}

/*
 * Writes the file of job j from s: counts its rows, marks it running,
 * pages it into the .part file and renames that.  Returns 1 written, 0
 * the job failed (j->err says why), -1 storage.
 */
static int
job_write(struct pass_ctx *c, struct job *j, struct src *s)
{
	struct stat sb;
	int64_t total, used;
	int rc;

	if (used_bytes(c, j->id, &used) == -1 ||
	    src_total(c, s, &total) == -1 ||
	    job_update(c, STMT_START, j->id, "ii", c->now, total) == -1)
		return -1;
	j->quota = c->cfg->export_quota_mb * MB - used;
	if (j->quota <= 0) {
		snprintf(j->err, sizeof(j->err), "export_quota_mb (%lld MB) "
		    "is used up by other exports",
		    (long long)c->cfg->export_quota_mb);
		return 0;
	}
	if (mkdir(j->dir, 0750) == -1 && errno != EEXIST) {
		snprintf(j->err, sizeof(j->err), "export_dir %.300s: %s",
		    j->dir,
		    strerror(errno));
		return 0;
	}
	if ((j->sink = xsink_open(j->format, j->part, j->dir, &s->cols,
	    j->err, sizeof(j->err))) == NULL)
		return 0;
	if ((rc = job_pages(c, j, s)) != 1)
		return rc;
	rc = xsink_close(j->sink, j->err, sizeof(j->err));
	j->sink = NULL;
	if (rc == -1)
		return 0;
	if (stat(j->part, &sb) == -1 || rename(j->part, j->path) == -1) {
		snprintf(j->err, sizeof(j->err), "%.300s: %s", j->part,
		    strerror(errno));
		return 0;
	}
	j->bytes = sb.st_size;
	if (j->bytes > j->quota) {
		snprintf(j->err, sizeof(j->err), "the file outgrew "
		    "export_quota_mb (%lld MB)",
		    (long long)c->cfg->export_quota_mb);
		unlink(j->path);
		return 0;
	}
	return 1;
}

/*
 * Runs job j (query and snapshot as stored): done with its file, or
 * failed with the reason and no file.  Returns 1 done, 0 failed, -1
 * storage (the job stays as it was for the next batch).
 */
static int
job_run(struct pass_ctx *c, struct job *j, const char *query,
    const char *snapshot)
{
	json_t *q = json_loads(query, 0, NULL), *snap = NULL;
	struct src s;
	char name[PATH_MAX];
	int rc;

	memset(&s, 0, sizeof(s));
	if (snapshot != NULL)
		snap = json_loads(snapshot, 0, NULL);
	snprintf(name, sizeof(name), "%s.%s", j->job_id,
	    export_exts[j->format]);
	if (snprintf(j->path, sizeof(j->path), "%s/%s", j->dir, name) >=
	    (int)sizeof(j->path) || snprintf(j->part, sizeof(j->part),
	    "%s.part", j->path) >= (int)sizeof(j->part)) {
		snprintf(j->err, sizeof(j->err), "export_dir is too long");
		rc = 0;
	} else if ((rc = src_open(c, &s, q, snap, j)) == 1 &&
	    j->format == EXF_JUNIT && s.kind != EXK_RUN) {
		snprintf(j->err, sizeof(j->err), "junit exports a run only");
		rc = 0;
	} else if (rc == 1)
		rc = job_write(c, j, &s);
	if (rc != 1) {
		xsink_abort(j->sink);
		j->sink = NULL;
		unlink(j->part);
	}
	if (rc == -1)
		db_rollback(c->db);
	else if (rc == 1 && job_update(c, STMT_DONE, j->id, "iiiis", j->rows,
	    j->bytes, c->now, c->now + c->cfg->export_ttl_hours * HOUR_MS,
	    name) == -1)
		rc = -1;
	else if (rc == 0 && job_update(c, STMT_FAIL, j->id, "si", j->err,
	    c->now) == -1)
		rc = -1;
	free(s.pattern);
	json_decref(q);
	json_decref(snap);
	return rc;
}

/* Expires the project's done jobs past expires_at: deletes their files.
 * Returns how many, or -1. */
static long
expire(struct pass_ctx *c, const char *dir)
{
	struct db_query *st;
	char path[PATH_MAX];
	int64_t id;
	long n = 0;
	int rc;

	for (;;) {
		if ((st = STMT(c, STMT_EXPIRED)) == NULL ||
		    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
		    db_bind_int(c->db, st, 2, c->now) == -1 ||
		    (rc = db_step(c->db, st)) == -1)
			return -1;
		if (rc != DB_ROW) {
			db_reset(st);
			return n;
		}
		id = db_col_int(st, 0);
		if (!db_col_null(st, 1) && snprintf(path, sizeof(path),
		    "%s/%s", dir, db_column_text(st, 1)) < (int)sizeof(path) &&
		    unlink(path) == -1 && errno != ENOENT)
			log_error("exports: %s: %s", path, strerror(errno));
		db_reset(st);
		if (job_update(c, STMT_EXPIRE, id, "") == -1)
			return -1;
		n++;
	}
}

/* Reads the next job after *after into j (query and snapshot copied
 * into *query and *snap: the caller frees them).  1, 0 none, or -1. */
static int
next_job(struct pass_ctx *c, int64_t *after, struct job *j, char **query,
    char **snap)
{
	struct db_query *st = STMT(c, STMT_NEXT);
	int rc;

	if (st == NULL || db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, *after) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		*after = j->id = db_col_int(st, 0);
		snprintf(j->job_id, sizeof(j->job_id), "%s",
		    db_column_text(st, 1));
		for (j->format = 0; export_formats[j->format] != NULL &&
		    strcmp(export_formats[j->format], db_column_text(st, 2)) !=
		    0; j->format++)
			;
		*snap = NULL;
		if ((*query = strdup(db_column_text(st, 3))) == NULL ||
		    (!db_col_null(st, 4) &&
		    (*snap = strdup(db_column_text(st, 4))) == NULL))
			abort();
	}
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * The batch `exports` pass for one project: expires old files, then
 * writes every queued (or interrupted) job.  Summary: "2 jobs done,
 * 1000000 rows, 83 MB; 1 expired; peak RSS 14 MB".  Returns 0 or -1.
 */
int
exports_pass(struct pass_ctx *c)
{
	struct rusage ru;
	struct job j;
	char *query, *snap;
	int64_t after = 0, rows = 0, bytes = 0;
	long expired, done = 0, failed = 0;
	int rc;

	memset(&j, 0, sizeof(j));
	if (exports_dir(c->cfg, j.dir, sizeof(j.dir)) == -1) {
		pass_note(c, "export_dir is too long");
		return -1;
	}
	if ((expired = expire(c, j.dir)) == -1)
		return -1;
	while ((rc = next_job(c, &after, &j, &query, &snap)) == 1) {
		j.rows = j.bytes = 0;
		j.err[0] = '\0';
		j.sink = NULL;
		if (j.format == EXF__MAX) {
			snprintf(j.err, sizeof(j.err), "unknown format");
			rc = job_update(c, STMT_FAIL, j.id, "si", j.err,
			    c->now) == -1 ? -1 : 0;
		} else
			rc = job_run(c, &j, query, snap);
		free(query);
		free(snap);
		if (rc == -1)
			return -1;
		done += rc;
		failed += !rc;
		rows += rc ? j.rows : 0;
		bytes += rc ? j.bytes : 0;
	}
	if (rc == -1)
		return -1;
	c->changed += done + failed + expired;
	if (done + failed + expired == 0)
		return 0;
	getrusage(RUSAGE_SELF, &ru);
	pass_note(c, "%ld jobs done, %lld rows, %lld MB; %ld failed; %ld "
	    "expired; peak RSS %ld MB", done, (long long)rows,
	    (long long)((bytes + MB / 2) / MB), failed, expired,
	    (ru.ru_maxrss + 512) / 1024);
	return 0;
}
