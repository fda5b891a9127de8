/*
 * Mapping tests to product features (MAP-1): the batch `mapping` pass,
 * the resolver it shares with the manual override and import of API-24,
 * and the per-day feature rollups of the timeline (API-17).  A test's
 * candidates come from five providers (manual > explicit > rule > import
 * > heuristic); the primary is the one with the highest confidence >=
 * 0.5, precedence breaking ties, and is copied to tests.feature; a test
 * without one lands in "unmapped".  The rules file and the heuristics are
 * lib/passes/maprule.c; this module stores.  Reading a test's mappings and the
 * API-24 writes are lib/views/mappings.c; the health views are lib/health.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "history.h"
#include "log.h"
#include "mapping.h"
#include "maprule.h"
#include "pass.h"
#include "repairs.h"
#include "reportcells.h"
#include "xalloc.h"

#define CHUNK		2000	/* tests re-resolved per transaction */
/* features newly mapped to past which their cells are rebuilt at once */
#define REMAP_FEATURES_MAX	32
#define MAX_CANDS	16
#define DAY_MS		86400000LL
#define UNMAPPED	"unmapped"	/* the feature of a test without one */

enum provider {
	PROV_MANUAL,
	PROV_EXPLICIT,
	PROV_RULE,
	PROV_IMPORT,
	PROV_HEURISTIC,
	PROV__MAX
};

static const char *const prov_names[PROV__MAX] = {
	"manual", "explicit", "rule", "import", "heuristic"
};

enum stmt {
	STMT_DOMAIN_GET,
	STMT_DOMAIN_ADD,
	STMT_FEATURE_GET,
	STMT_FEATURE_ADD,
	STMT_TESTS_NEW,
	STMT_TESTS_ALL,
	STMT_TEST_ONE,
	STMT_INPUTS,
	STMT_DERIVED_DROP,
	STMT_MAP_ADD,
	STMT_PRIMARY_CLEAR,
	STMT_PRIMARY_SET,
	STMT_TEST_FEATURE,
	STMT_SHARDS_NEW,
	STMT_DAYS_SHARD,
	STMT_DAYS_DROP_ALL,
	STMT_DAYS_DROP_ONE,
	STMT_DAYS_ALL,
	STMT_DAYS_ONE,
	STMT_SHARD_MAX,
	STMT__MAX
};

#define TEST_COLS \
	"id, file, classname, name, coalesce(tags, ''), " \
	"coalesce(feature_hint, ''), coalesce(domain_hint, ''), feature"
/* The passed, failed (or errors) and skipped results of a group. */
#define STATUS_SUMS \
	"sum(CASE WHEN r.status = 0 THEN 1 ELSE 0 END), " \
	"sum(CASE WHEN r.status IN (1, 2) THEN 1 ELSE 0 END), " \
	"sum(CASE WHEN r.status = 3 THEN 1 ELSE 0 END)"
/*
 * A feature's results per day, with the day's latest run: on SQLite the
 * bare r.run of the row max(r.started_at) picks; PostgreSQL has no bare
 * columns, so it takes the first of the runs by time, newest first.
 */
#define DAYS_SELECT \
	"SELECT r.feature, r.started_at / 86400000 AS day, " \
	"count(DISTINCT r.run), " STATUS_SUMS ", r.run, max(r.started_at) "
#define PG_DAYS_SELECT \
	"SELECT max(r.feature), r.started_at / 86400000 AS day, " \
	"count(DISTINCT r.run), " STATUS_SUMS ", (array_agg(r.run ORDER BY " \
	"r.started_at DESC, r.run DESC))[1], max(r.started_at) "
#define DAYS_INSERT \
	"INSERT INTO feature_days (feature, day, runs, passed, failed, " \
	"skipped, last_run, last_run_at) "
/* the results of the tests meeting cond (lib/db/history.h) */
#define DAYS_FROM(cond) \
	"FROM (" BY_TEST_JOIN("t.feature, " HISTORY_COLS, "tests t", "t.id", \
	cond " AND r.started_at >= CAST(?2 AS BIGINT) * 86400000") ") AS r "
#define DAYS_ALL_WHERE \
	DAYS_FROM("t.project_id = ?1 AND t.feature IS NOT NULL") \
	"GROUP BY r.feature, day"
#define DAYS_ONE_WHERE \
	DAYS_FROM("t.project_id = ?1 AND t.feature = ?3") "GROUP BY day"

static const char *const sql[STMT__MAX] = {
	[STMT_DOMAIN_GET] =
	    "SELECT id FROM domains WHERE project_id = ?1 AND path = ?2",
	[STMT_DOMAIN_ADD] =
	    "INSERT INTO domains (project_id, path, name, parent) "
	    "VALUES (?1, ?2, ?3, ?4) RETURNING id",
	[STMT_FEATURE_GET] =
	    "SELECT id FROM features WHERE project_id = ?1 AND path = ?2",
	[STMT_FEATURE_ADD] =
	    "INSERT INTO features (project_id, path, name, domain) "
	    "VALUES (?1, ?2, ?3, ?4) RETURNING id",
	[STMT_TESTS_NEW] =
	    "SELECT " TEST_COLS " FROM tests WHERE project_id = ?1 AND "
	    "feature IS NULL AND alias_of IS NULL LIMIT ?2",
	[STMT_TESTS_ALL] =
	    "SELECT " TEST_COLS " FROM tests WHERE project_id = ?1 AND "
	    "id > ?2 AND alias_of IS NULL ORDER BY id LIMIT ?3",
	[STMT_TEST_ONE] =
	    "SELECT " TEST_COLS " FROM tests WHERE project_id = ?1 AND id = ?2",
	[STMT_INPUTS] =
	    "SELECT provider, features.path, confidence FROM mappings JOIN "
	    "features ON features.id = mappings.feature WHERE test = ?1 AND "
	    "provider IN ('manual', 'import') ORDER BY provider, confidence "
	    "DESC, features.path",
	[STMT_DERIVED_DROP] =
	    "DELETE FROM mappings WHERE test = ?1 AND provider IN "
	    "('explicit', 'rule', 'heuristic')",
	[STMT_MAP_ADD] =
	    "INSERT INTO mappings (test, provider, feature, confidence, "
	    "is_primary, updated_at) VALUES (?1, ?2, ?3, ?4, 0, ?5) "
	    "ON CONFLICT (test, provider, feature) DO UPDATE SET "
	    "confidence = ?4, updated_at = ?5",
	[STMT_PRIMARY_CLEAR] =
	    "UPDATE mappings SET is_primary = 0 WHERE test = ?1 AND "
	    "is_primary = 1",
	[STMT_PRIMARY_SET] =
	    "UPDATE mappings SET is_primary = 1 WHERE test = ?1 AND "
	    "provider = ?2 AND feature = ?3",
	[STMT_TEST_FEATURE] =
	    "UPDATE tests SET feature = ?2 WHERE id = ?1",
	[STMT_SHARDS_NEW] =
	    "SELECT s.id, s.run FROM run_shards s JOIN runs ON runs.id = s.run "
	    "WHERE runs.project_id = ?1 AND s.id > ?2 ORDER BY s.id LIMIT 64",
	[STMT_DAYS_SHARD] =
	    "INSERT INTO feature_days (feature, day, runs, passed, failed, "
	    "skipped, last_run, last_run_at) "
	    "SELECT t.feature, max(r.started_at) / 86400000, 1, "
	    STATUS_SUMS ", max(r.run), max(r.started_at) FROM results r "
	    "JOIN tests t ON t.id = r.test "
	    "WHERE r.run = ?1 AND r.shard = ?2 AND t.feature IS NOT NULL "
	    "GROUP BY t.feature "
	    "ON CONFLICT (feature, day) DO UPDATE SET "
	    "runs = feature_days.runs + CASE WHEN feature_days.last_run IS "
	    "DISTINCT FROM excluded.last_run THEN 1 ELSE 0 END, "
	    "passed = feature_days.passed + excluded.passed, "
	    "failed = feature_days.failed + excluded.failed, "
	    "skipped = feature_days.skipped + excluded.skipped, "
	    "last_run = CASE WHEN excluded.last_run_at >= "
	    "coalesce(feature_days.last_run_at, 0) THEN excluded.last_run "
	    "ELSE feature_days.last_run END, "
	    "last_run_at = max(coalesce(feature_days.last_run_at, 0), "
	    "excluded.last_run_at)",
	[STMT_DAYS_DROP_ALL] =
	    "DELETE FROM feature_days WHERE day >= ?2 AND feature IN "
	    "(SELECT id FROM features WHERE project_id = ?1)",
	[STMT_DAYS_DROP_ONE] =
	    "DELETE FROM feature_days WHERE feature = ?1 AND day >= ?2",
	[STMT_DAYS_ALL] = DB_SQL2(
	    DAYS_INSERT DAYS_SELECT DAYS_ALL_WHERE,
	    DAYS_INSERT PG_DAYS_SELECT DAYS_ALL_WHERE),
	[STMT_DAYS_ONE] = DB_SQL2(
	    DAYS_INSERT DAYS_SELECT DAYS_ONE_WHERE,
	    DAYS_INSERT PG_DAYS_SELECT DAYS_ONE_WHERE),
	[STMT_SHARD_MAX] =
	    "SELECT coalesce(max(s.id), 0) FROM run_shards s JOIN runs ON "
	    "runs.id = s.run WHERE runs.project_id = ?1",
};

/* One candidate feature of a test. */
struct cand {
	enum provider	 prov;
	char		 path[256];
	double		 conf;
};

/*
 * Steps the bound INSERT ... RETURNING id st and stores the new row's id
 * in *id.  Returns 0 or -1 (logged).
 */
static int
new_id(struct db *db, struct db_query *st, int64_t *id)
{
	if (db_step(db, st) != DB_ROW) {
		db_reset(st);
		return -1;
	}
	*id = db_col_int(st, 0);
	db_reset(st);
	return 0;
}

/*
 * The id of domain path (creating it and its ancestors); 0 for "".
 * Returns 0 or -1.
 */
static int
domain_id(struct db *db, int64_t project, const char *path, int64_t *id)
{
	struct db_query *st;
	char parent[256];
	const char *slash;
	int64_t pid = 0;
	int rc;

	*id = 0;
	if (*path == '\0')
		return 0;
	if ((st = DB_STMT(db, DBM_MAPPING, STMT_DOMAIN_GET)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, path) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		*id = db_col_int(st, 0);
		db_reset(st);
		return 0;
	}
	if ((slash = strrchr(path, '/')) != NULL) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path),
		    path);
		if (domain_id(db, project, parent, &pid) == -1)
			return -1;
	}
	if ((st = DB_STMT(db, DBM_MAPPING, STMT_DOMAIN_ADD)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, path) == -1 ||
	    db_bind_text(db, st, 3, slash != NULL ? slash + 1 : path) == -1 ||
	    (pid != 0 ? db_bind_int(db, st, 4, pid) :
	    db_bind_null(db, st, 4)) == -1)
		return -1;
	return new_id(db, st, id);
}

/*
 * The id of feature path (normalised), creating it and its domains: the
 * domain of "a/b/c" is "a/b"; a one-segment path "x" is feature x of
 * domain x.  Returns 0 or -1.
 */
static int
feature_id(struct db *db, int64_t project, const char *path, int64_t *id)
{
	struct db_query *st;
	char dom[256];
	const char *slash = strrchr(path, '/');
	int64_t did;
	int rc;

	if ((st = DB_STMT(db, DBM_MAPPING, STMT_FEATURE_GET)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, path) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW) {
		*id = db_col_int(st, 0);
		db_reset(st);
		return 0;
	}
	snprintf(dom, sizeof(dom), "%.*s", slash != NULL ?
	    (int)(slash - path) : (int)strlen(path), path);
	if (domain_id(db, project, dom, &did) == -1)
		return -1;
	if ((st = DB_STMT(db, DBM_MAPPING, STMT_FEATURE_ADD)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, path) == -1 ||
	    db_bind_text(db, st, 3, slash != NULL ? slash + 1 : path) == -1 ||
	    db_bind_int(db, st, 4, did) == -1)
		return -1;
	return new_id(db, st, id);
}

/*
 * Stores (or updates) the candidate feature path (normalised) of test
 * from provider ("manual", "import", ...) with confidence conf, creating
 * the feature; it is not primary until the test is resolved.  Inside the
 * caller's transaction.  Returns 0 or -1.
 */
int
mapping_add(struct db *db, int64_t project, int64_t test,
    const char *provider, const char *path, double conf, int64_t now)
{
	struct db_query *st;
	int64_t fid;

	if (feature_id(db, project, path, &fid) == -1 ||
	    (st = DB_STMT(db, DBM_MAPPING, STMT_MAP_ADD)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1 ||
	    db_bind_text(db, st, 2, provider) == -1 ||
	    db_bind_int(db, st, 3, fid) == -1 ||
	    db_bind_double(db, st, 4, conf) == -1 ||
	    db_bind_int(db, st, 5, now) == -1)
		return -1;
	return db_step(db, st) == -1 ? -1 : 0;
}

/* Adds a candidate when its path normalises; silently drops bad ones. */
static void
cand_add(struct cand *c, size_t *n, enum provider p, const char *path,
    double conf)
{
	const char *why;

	if (*n >= MAX_CANDS || path == NULL || *path == '\0')
		return;
	if (maprule_feature_norm(path, c[*n].path, sizeof(c[*n].path),
	    &why) == -1)
		return;
	c[*n].prov = p;
	c[*n].conf = conf;
	(*n)++;
}

/*
 * Re-resolves the test on the current row of st (TEST_COLS): rewrites
 * its derived candidates, picks the primary and sets tests.feature.
 * *moved_from is the feature it left (0 when unchanged or new), *to the
 * one it has now.  Returns 0 or -1.
 */
static int
resolve_row(struct db *db, int64_t project, const struct maprules *rules,
    struct db_query *row, int64_t now, int64_t *moved_from, int64_t *to)
{
	struct cand c[MAX_CANDS];
	struct maprule_test t;
	const char *matches[8], *hint, *dhint;
	char *file, *cls, *name, *tags, path[256];
	struct db_query *st;
	int64_t test = db_col_int(row, 0), old, fid;
	size_t n = 0, i, k, best = MAX_CANDS;
	double conf;
	int rc = -1;

	old = db_col_null(row, 7) ? 0 :
	    db_col_int(row, 7);
	file = strdup(db_column_text(row, 1));
	cls = strdup(db_column_text(row, 2));
	name = strdup(db_column_text(row, 3));
	tags = strdup(db_column_text(row, 4));
	hint = db_column_text(row, 5);
	dhint = db_column_text(row, 6);
	if (file == NULL || cls == NULL || name == NULL || tags == NULL)
		abort();
	/* explicit: the sidecar's or properties' feature (and domain) */
	if (*hint != '\0' || *dhint != '\0') {
		if (*dhint != '\0' && *hint != '\0' && strchr(hint, '/') ==
		    NULL)
			snprintf(path, sizeof(path), "%s/%s", dhint, hint);
		else
			snprintf(path, sizeof(path), "%s", *hint != '\0' ?
			    hint : dhint);
		cand_add(c, &n, PROV_EXPLICIT, path, 0.95);
	}
	t.file = file;
	t.classname = cls;
	t.name = name;
	t.tags = tags;
	if (rules != NULL) {
		k = maprule_match(rules, &t, matches, 8);
		for (i = 0; i < k; i++)
			cand_add(c, &n, PROV_RULE, matches[i], 0.9);
	}
	if (maprule_heuristic(&t, path, sizeof(path), &conf) == 0)
		cand_add(c, &n, PROV_HEURISTIC, path, conf);
	/* the stored inputs: manual and import */
	if ((st = DB_STMT(db, DBM_MAPPING, STMT_INPUTS)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1)
		goto out;
	while ((k = (size_t)db_step(db, st)) == DB_ROW)
		cand_add(c, &n, strcmp(db_column_text(st, 0), "manual") == 0 ?
		    PROV_MANUAL : PROV_IMPORT, db_column_text(st, 1),
		    db_col_double(st, 2));
	db_reset(st);
	if ((int)k == -1)
		goto out;
	/* rewrite the derived rows */
	if ((st = DB_STMT(db, DBM_MAPPING, STMT_DERIVED_DROP)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1 || db_step(db, st) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (c[i].conf >= 0.5 && (best == MAX_CANDS ||
		    c[i].conf > c[best].conf || (c[i].conf == c[best].conf &&
		    c[i].prov < c[best].prov)))
			best = i;
		if (c[i].prov == PROV_MANUAL || c[i].prov == PROV_IMPORT)
			continue;
		if (mapping_add(db, project, test, prov_names[c[i].prov],
		    c[i].path, c[i].conf, now) == -1)
			goto out;
	}
	if ((st = DB_STMT(db, DBM_MAPPING, STMT_PRIMARY_CLEAR)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1 || db_step(db, st) == -1)
		goto out;
	if (feature_id(db, project, best < MAX_CANDS ? c[best].path :
	    UNMAPPED, &fid) == -1)
		goto out;
	if (best < MAX_CANDS &&
	    ((st = DB_STMT(db, DBM_MAPPING, STMT_PRIMARY_SET)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1 ||
	    db_bind_text(db, st, 2, prov_names[c[best].prov]) == -1 ||
	    db_bind_int(db, st, 3, fid) == -1 || db_step(db, st) == -1))
		goto out;
	if (fid != old &&
	    ((st = DB_STMT(db, DBM_MAPPING, STMT_TEST_FEATURE)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1 ||
	    db_bind_int(db, st, 2, fid) == -1 || db_step(db, st) == -1))
		goto out;
	*moved_from = fid != old ? old : 0;
	*to = fid;
	rc = 0;
out:
	free(file);
	free(cls);
	free(name);
	free(tags);
	return rc;
}

/*
 * Reads and parses the rules file named by the configuration.  *rules is
 * NULL when none is configured; hash gets the SHA-256 of its bytes ("-"
 * when none).  Returns 0, or -1 with the reason logged.
 */
static int
rules_load(const struct config *cfg, struct maprules **rules,
    char hash[SHA256_HEX_LEN])
{
	char err[512], *text = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;

	*rules = NULL;
	snprintf(hash, SHA256_HEX_LEN, "-");
	if (cfg->mapping_rules[0] == '\0')
		return 0;
	if ((f = fopen(cfg->mapping_rules, "r")) == NULL) {
		log_error("mapping: %s: %s", cfg->mapping_rules,
		    strerror(errno));
		return -1;
	}
	do {
		if (len + 4096 > cap) {
			cap = cap * 2 + 8192;
			if (cap > 16u * 1024 * 1024) {
				log_error("mapping: %s: over 16 MB",
				    cfg->mapping_rules);
				fclose(f);
				free(text);
				return -1;
			}
			if ((text = realloc(text, cap)) == NULL)
				abort();
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	/* a read error (a directory, EIO) is not an empty rules file */
	if (ferror(f)) {
		log_error("mapping: %s: %s", cfg->mapping_rules,
		    strerror(errno));
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	crypto_sha256_hex(text != NULL ? text : "", len, hash);
	*rules = maprule_parse(text != NULL ? text : "", len,
	    cfg->mapping_rules, err, sizeof(err));
	free(text);
	if (*rules == NULL) {
		log_error("mapping: %s", err);
		return -1;
	}
	return 0;
}

/*
 * Recomputes feature_days, the report cells and the repair times of one
 * feature (or, with feature 0, of every feature of the project) from the
 * stored results and incidents, for the days from from_day on:
 * retention deleted the results of older days, whose rollups stay as
 * they were (incidents it keeps: their repair times are all rebuilt).
 * Inside the caller's transaction.  Returns 0 or -1.
 */
int
mapping_days_rebuild(struct db *db, int64_t project, int64_t feature,
    int64_t from_day)
{
	struct db_query *st;

	if (feature == 0) {
		if ((st = DB_STMT(db, DBM_MAPPING, STMT_DAYS_DROP_ALL)) ==
		    NULL || db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, from_day) == -1 ||
		    db_step(db, st) == -1 ||
		    (st = DB_STMT(db, DBM_MAPPING, STMT_DAYS_ALL)) == NULL ||
		    db_bind_int(db, st, 1, project) == -1 ||
		    db_bind_int(db, st, 2, from_day) == -1 ||
		    db_step(db, st) == -1)
			return -1;
		if (reportcells_project(db, project, from_day * DAY_MS) == -1)
			return -1;
		return repairs_project(db, project);
	}
	if ((st = DB_STMT(db, DBM_MAPPING, STMT_DAYS_DROP_ONE)) == NULL ||
	    db_bind_int(db, st, 1, feature) == -1 ||
	    db_bind_int(db, st, 2, from_day) == -1 || db_step(db, st) == -1 ||
	    (st = DB_STMT(db, DBM_MAPPING, STMT_DAYS_ONE)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, from_day) == -1 ||
	    db_bind_int(db, st, 3, feature) == -1 || db_step(db, st) == -1)
		return -1;
	if (reportcells_feature(db, project, feature, from_day * DAY_MS) == -1)
		return -1;
	return repairs_feature(db, project, feature);
}

/* The first day whose results retention keeps (0: all). */
static int64_t
keep_from_day(const struct config *cfg, int64_t now)
{
	if (cfg->retention_days <= 0)
		return 0;
	return now / DAY_MS - cfg->retention_days + 1;
}

/*
 * Re-resolves one test with the given rules (NULL: none) and moves its
 * days between the features it left and joined.  Inside the caller's
 * transaction.  Returns 0 or -1.
 */
static int
resolve_one(struct db *db, const struct config *cfg,
    const struct maprules *rules, int64_t project, int64_t test, int64_t now)
{
	struct db_query *st;
	int64_t moved = 0, to = 0;
	int rc;

	if ((st = DB_STMT(db, DBM_MAPPING, STMT_TEST_ONE)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_int(db, st, 2, test) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW)
		rc = resolve_row(db, project, rules, st, now, &moved, &to);
	else
		rc = 0;
	db_reset(st);
	if (rc == -1 || moved == 0)
		return rc;
	if (mapping_days_rebuild(db, project, moved, keep_from_day(cfg,
	    now)) == -1 || mapping_days_rebuild(db, project, to,
	    keep_from_day(cfg, now)) == -1)
		return -1;
	return 0;
}

/*
 * Re-resolves the tests tests[0..n) now (API-24), each once however
 * often it is listed, with the current rules file read once (an unusable
 * one is logged and left out).  Inside the caller's transaction.
 * Returns the number of distinct tests, or -1.
 */
long
mapping_resolve(struct db *db, const struct config *cfg, int64_t project,
    const int64_t *tests, size_t n, int64_t now)
{
	struct maprules *rules;
	char hash[SHA256_HEX_LEN];
	size_t i, m;
	long done = 0;

	if (rules_load(cfg, &rules, hash) == -1)
		rules = NULL;
	for (i = 0; i < n; i++) {
		for (m = 0; m < i && tests[m] != tests[i]; m++)
			;
		if (m < i)
			continue;
		if (resolve_one(db, cfg, rules, project, tests[i], now) ==
		    -1) {
			done = -1;
			break;
		}
		done++;
	}
	maprule_free(rules);
	return done;
}

/* Orders feature ids. */
static int
id_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * Rebuilds, in one transaction, the report cells and repair times of the
 * features f[0..n) that tests were first mapped to, and of the tests not
 * mapped yet: the results and incidents of those tests were counted as
 * not mapped when they were stored.  Many features, or whole: the
 * project's whole (one pass over its results, not one per feature).
 * Clears the "mapping-cells" mark the chunks set.  Returns 0 or -1.
 */
static int
cells_remap(struct pass_ctx *c, int64_t *f, size_t n, int whole)
{
	int64_t from = keep_from_day(c->cfg, c->now) * DAY_MS;
	size_t i, k = 0;

	if (n > 0)
		qsort(f, n, sizeof(*f), id_cmp);
	for (i = 0; i < n; i++)
		if (k == 0 || f[k - 1] != f[i])
			f[k++] = f[i];
	if (db_begin(c->db) == -1)
		return -1;
	if (whole || k > REMAP_FEATURES_MAX) {
		if (reportcells_project(c->db, c->project_id, from) == -1 ||
		    repairs_project(c->db, c->project_id) == -1)
			return -1;
	} else {
		for (i = 0; i < k; i++)
			if (reportcells_feature(c->db, c->project_id, f[i],
			    from) == -1 || repairs_feature(c->db,
			    c->project_id, f[i]) == -1)
				return -1;
		if (reportcells_feature(c->db, c->project_id, 0, from) == -1 ||
		    repairs_feature(c->db, c->project_id, 0) == -1)
			return -1;
	}
	if (pass_mark_set(c, "mapping-cells", 0, NULL) == -1)
		return -1;
	return pass_commit(c);
}

/*
 * Resolves tests in chunks: all of them when full (the rules changed),
 * else those never mapped, whose features' report cells and repair times
 * are then rebuilt (cells_remap; the "mapping-cells" mark says, until
 * then, that they are due).  Returns the number resolved, or -1.
 */
static long
resolve_tests(struct pass_ctx *c, const struct maprules *rules, int full,
    long *moved)
{
	struct db_query *st;
	int64_t last = 0, from, to, *mapped = NULL;
	size_t nmapped = 0, cap = 0;
	long done = 0, n;
	int rc;

	*moved = 0;
	for (;;) {
		if (db_begin(c->db) == -1)
			break;
		st = DB_STMT(c->db, DBM_MAPPING, full ? STMT_TESTS_ALL :
		    STMT_TESTS_NEW);
		if (st == NULL ||
		    db_bind_int(c->db, st, 1, c->project_id) == -1)
			break;
		if (full ? db_bind_int(c->db, st, 2, last) == -1 ||
		    db_bind_int(c->db, st, 3, CHUNK) == -1 :
		    db_bind_int(c->db, st, 2, CHUNK) == -1)
			break;
		n = 0;
		while ((rc = db_step(c->db, st)) == DB_ROW) {
			last = db_col_int(st, 0);
			if (resolve_row(c->db, c->project_id, rules, st, c->now,
			    &from, &to) == -1) {
				db_reset(st);
				rc = -1;
				break;
			}
			*moved += from != 0;
			if (!full && to != 0) {
				if (nmapped == cap) {
					cap = cap ? cap * 2 : 256;
					mapped = xreallocarray(mapped, cap,
					    sizeof(*mapped));
				}
				mapped[nmapped++] = to;
			}
			n++;
		}
		db_reset(st);
		if (rc == -1 || (nmapped > 0 && pass_mark_set(c,
		    "mapping-cells", 1, NULL) == -1) || pass_commit(c) == -1)
			break;
		done += n;
		if (n < CHUNK) {
			rc = nmapped > 0 ? cells_remap(c, mapped, nmapped, 0) :
			    0;
			free(mapped);
			return rc == -1 ? -1 : done;
		}
	}
	free(mapped);
	return -1;
}

/*
 * pass_each_new() step of the mapping pass: adds the results of the next
 * shards (a few) after *mark to feature_days inside the open transaction
 * and counts them in *arg (a long).  Returns 1 with *mark on the last of
 * them, 0 when no shard is left, or -1.
 */
static int
shards_next(struct pass_ctx *c, int64_t *mark, void *arg)
{
	struct db_query *st, *ins;
	int64_t shards[64], runs[64];
	long *total = arg;
	size_t n = 0, i;
	int rc;

	if ((st = DB_STMT(c->db, DBM_MAPPING, STMT_SHARDS_NEW)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, *mark) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW && n < 64) {
		shards[n] = db_col_int(st, 0);
		runs[n++] = db_col_int(st, 1);
	}
	db_reset(st);
	if (rc == -1)
		return -1;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((ins = DB_STMT(c->db, DBM_MAPPING, STMT_DAYS_SHARD)) ==
		    NULL || db_bind_int(c->db, ins, 1, runs[i]) == -1 ||
		    db_bind_int(c->db, ins, 2, shards[i]) == -1 ||
		    db_step(c->db, ins) == -1)
			return -1;
	*mark = shards[n - 1];
	*total += (long)n;
	return 1;
}

/*
 * The batch `mapping` pass: maps new tests (all tests when the rules
 * file changed since the last run, then rebuilds the day rollups), and
 * adds new shards' results to the day rollups.  Returns 0 or -1.
 */
int
mapping_pass(struct pass_ctx *c)
{
	struct maprules *rules;
	char hash[SHA256_HEX_LEN], old[SHA256_HEX_LEN + 8];
	struct db_query *st;
	int64_t mark, top, due;
	long n, moved, shards = 0;
	int full;

	if (rules_load(c->cfg, &rules, hash) == -1) {
		pass_note(c, "rules file %s unusable (see log)",
		    c->cfg->mapping_rules);
		return -1;
	}
	if (pass_mark_get(c, "mapping-rules", &mark, old, sizeof(old)) ==
	    -1) {
		maprule_free(rules);
		return -1;
	}
	/* first run: "new" tests are all of them, no rebuild needed */
	full = old[0] != '\0' && strcmp(old, hash) != 0;
	/* a pass that stopped between mapping tests and rebuilding their
	 * features' cells: rebuild them all */
	if (pass_mark_get(c, "mapping-cells", &due, NULL, 0) == -1 ||
	    (due != 0 && cells_remap(c, NULL, 0, 1) == -1)) {
		maprule_free(rules);
		return -1;
	}
	n = resolve_tests(c, rules, full, &moved);
	maprule_free(rules);
	if (n == -1)
		return -1;
	c->changed += n;
	pass_note(c, "%ld tests %s", n, full ? "re-mapped (rules changed)" :
	    "mapped");
	if (full) {
		/* every feature may have changed: rebuild the days at once */
		if (db_begin(c->db) == -1 ||
		    (st = DB_STMT(c->db, DBM_MAPPING, STMT_SHARD_MAX)) ==
		    NULL || db_bind_int(c->db, st, 1, c->project_id) == -1 ||
		    db_step(c->db, st) != DB_ROW)
			return -1;
		top = db_col_int(st, 0);
		db_reset(st);
		if (mapping_days_rebuild(c->db, c->project_id, 0,
		    keep_from_day(c->cfg, c->now)) == -1 ||
		    pass_mark_set(c, "mapping", top, NULL) == -1 ||
		    pass_mark_set(c, "mapping-rules", 0, hash) == -1 ||
		    pass_commit(c) == -1)
			return -1;
		c->changed += moved + 1;
		pass_note(c, "%ld moved, timelines rebuilt", moved);
		return 0;
	}
	if (pass_each_new(c, "mapping", shards_next, &shards) == -1)
		return -1;
	if (strcmp(old, hash) != 0 && (db_begin(c->db) == -1 ||
	    pass_mark_set(c, "mapping-rules", 0, hash) == -1 ||
	    pass_commit(c) == -1))
		return -1;
	c->changed += shards;
	pass_note(c, "%ld shards into timelines", shards);
	return 0;
}
