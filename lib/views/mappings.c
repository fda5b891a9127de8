/*
 * A test's feature mappings as the API sees them (API-24): the list of a
 * test's candidates, finding a test by its test_id, and the two admin
 * writes, the manual override and the import.  Each write stores its
 * input candidates and has the test re-resolved at once by the mapping
 * resolver (lib/passes/mapping.c), in one transaction.  This module does not
 * resolve, map new tests or keep the timelines: that is the batch
 * `mapping` pass in lib/passes/mapping.c.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fault.h"
#include "jval.h"
#include "mapping.h"
#include "mappings.h"
#include "maprule.h"
#include "utf8.h"

#define IMPORT_MAX	50000	/* entries per import */

enum stmt {
	STMT_LIST,
	STMT_MANUAL_DROP,
	STMT_IMPORT_DROP,
	STMT_TEST_BY_ID,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_LIST] =
	    "SELECT provider, features.id, features.path, confidence, "
	    "is_primary, updated_at FROM mappings JOIN features ON "
	    "features.id = mappings.feature WHERE test = ?1 ORDER BY "
	    "is_primary DESC, confidence DESC, CASE provider WHEN 'manual' "
	    "THEN 0 WHEN 'explicit' THEN 1 WHEN 'rule' THEN 2 WHEN 'import' "
	    "THEN 3 ELSE 4 END, features.path",
	[STMT_MANUAL_DROP] =
	    "DELETE FROM mappings WHERE test = ?1 AND provider = 'manual'",
	[STMT_IMPORT_DROP] =
	    "DELETE FROM mappings WHERE test = ?1 AND provider = 'import'",
	[STMT_TEST_BY_ID] =
	    "SELECT id FROM tests WHERE project_id = ?1 AND test_id = ?2 "
	    "AND alias_of IS NULL",
};

/*
 * GET /api/tests/{test_id}/mappings: every candidate of a test, the
 * primary first.  Returns a new array, or NULL on a database error.
 */
json_t *
mappings_list(struct db *db, int64_t test)
{
	struct db_query *st;
	json_t *arr = jval_array(), *o;
	int rc;

	if ((st = DB_STMT(db, DBM_MAPPINGS, STMT_LIST)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1) {
		json_decref(arr);
		return NULL;
	}
	while ((rc = db_step(db, st)) == DB_ROW) {
		o = jval_object();
		jval_set(o, "provider", jval_col_text(st, 0));
		jval_set(o, "feature_id", jval_col_int(st, 1));
		jval_set(o, "feature", jval_col_text(st, 2));
		jval_set(o, "confidence", json_real(
		    db_col_double(st, 3)));
		jval_set(o, "primary", json_boolean((int)db_col_int(st, 4)));
		jval_set(o, "updated_at", jval_col_time(st, 5));
		jval_push(arr, o);
	}
	db_reset(st);
	if (rc == -1) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/*
 * The integer key of test_id (borrowed) in the project, into *key (0
 * when not found).  Returns 1 found, 0 not, -1 on a database error.
 */
int
mappings_test_key(struct db *db, int64_t project, const char *test_id,
    int64_t *key)
{
	struct db_query *st;
	int rc;

	if ((st = DB_STMT(db, DBM_MAPPINGS, STMT_TEST_BY_ID)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1 ||
	    db_bind_text(db, st, 2, test_id) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	*key = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * PUT /api/tests/{test_id}/mapping: {"feature": "a/b"} sets the manual
 * mapping (confidence 1.0), {"feature": null} removes it; the test is
 * re-resolved at once.  Runs its own transaction.  Returns 0, or -1 with
 * f set (400 for a bad body, 500 storage).
 */
int
mappings_set_manual(struct db *db, const struct config *cfg,
    int64_t project, int64_t test, json_t *body, int64_t now,
    struct fault *f)
{
	char path[256];
	const char *why;
	json_t *v = json_object_get(body, "feature");
	struct db_query *st;
	const char *k;
	json_t *x;

	json_object_foreach(body, k, x)
		if (strcmp(k, "feature") != 0) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "unknown field '%.*s' (expected: "
			    "feature)", UTF8_CUT(k, 64));
			return -1;
		}
	if (v == NULL || (!json_is_string(v) && !json_is_null(v))) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "feature must be a feature path like "
		    "\"checkout/payments\", or null to remove the "
		    "manual mapping");
		return -1;
	}
	if (json_is_string(v) && maprule_feature_norm(json_string_value(v),
	    path, sizeof(path), &why) == -1) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "feature: %s", why);
		return -1;
	}
	if (db_begin(db) == -1)
		goto fail;
	if ((st = DB_STMT(db, DBM_MAPPINGS, STMT_MANUAL_DROP)) == NULL ||
	    db_bind_int(db, st, 1, test) == -1 || db_step(db, st) == -1)
		goto fail;
	if (json_is_string(v) && mapping_add(db, project, test, "manual",
	    path, 1.0, now) == -1)
		goto fail;
	if (mapping_resolve(db, cfg, project, &test, 1, now) == -1 ||
	    db_commit(db) == -1)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	fault_set(f, FAULT_STORAGE, "storage",
	    "the mapping could not be stored");
	return -1;
}

/*
 * Checks entry i of an import: {test_id, feature, confidence} and
 * nothing else, a confidence in [0, 1], a feature path that normalises
 * (into path, pathsz bytes) and a test of the project (its key into
 * *test).  Returns 0, or -1 with f set (400 naming the entry, 404
 * unknown test, 500 storage).
 */
static int
import_check(struct db *db, int64_t project, json_t *e, size_t i,
    char *path, size_t pathsz, int64_t *test, struct fault *f)
{
	json_t *tid = json_object_get(e, "test_id");
	json_t *feat = json_object_get(e, "feature");
	json_t *conf = json_object_get(e, "confidence");
	const char *why;
	double cv;
	int rc;

	if (!json_is_object(e) || json_object_size(e) != 3 ||
	    !json_is_string(tid) || !json_is_string(feat) ||
	    !json_is_number(conf)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "mappings[%zu] must be {\"test_id\", \"feature\", "
		    "\"confidence\"} and nothing else", i);
		return -1;
	}
	cv = json_number_value(conf);
	if (!(cv >= 0.0 && cv <= 1.0)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "mappings[%zu].confidence must be between 0 and 1", i);
		return -1;
	}
	if (maprule_feature_norm(json_string_value(feat), path, pathsz,
	    &why) == -1) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "mappings[%zu].feature: %s",
		    i, why);
		return -1;
	}
	if ((rc = mappings_test_key(db, project, json_string_value(tid),
	    test)) == -1) {
		fault_set(f, FAULT_STORAGE, "storage", "database error");
		return -1;
	}
	if (rc == 0) {
		fault_set(f, FAULT_NOT_FOUND, "not_found",
		    "mappings[%zu]: no test '%.*s' in this "
		    "project", i, UTF8_CUT(json_string_value(tid), 64));
		return -1;
	}
	return 0;
}

/*
 * Stores the checked import list (paths and tests parallel to it) in one
 * transaction: replace drops the listed tests' earlier imports first;
 * then each listed test is re-resolved once.  Returns the number of
 * distinct tests, or -1 (rolled back).
 */
static long
import_store(struct db *db, const struct config *cfg, int64_t project,
    json_t *list, char (*paths)[256], const int64_t *tests, int replace,
    int64_t now)
{
	struct db_query *st;
	size_t i, n = json_array_size(list);
	long j;

	if (db_begin(db) == -1)
		goto fail;
	if (replace)
		for (i = 0; i < n; i++)
			if ((st = DB_STMT(db, DBM_MAPPINGS,
			    STMT_IMPORT_DROP)) == NULL ||
			    db_bind_int(db, st, 1, tests[i]) == -1 ||
			    db_step(db, st) == -1)
				goto fail;
	for (i = 0; i < n; i++)
		if (mapping_add(db, project, tests[i], "import", paths[i],
		    json_number_value(json_object_get(json_array_get(list, i),
		    "confidence")), now) == -1)
			goto fail;
	if ((j = mapping_resolve(db, cfg, project, tests, n, now)) == -1 ||
	    db_commit(db) == -1)
		goto fail;
	return j;
fail:
	db_rollback(db);
	return -1;
}

/*
 * POST /api/tests/mappings/import: {"mappings": [{"test_id", "feature",
 * "confidence"}...], "replace": bool}.  Every entry is checked before
 * anything is stored (all or nothing); replace drops a listed test's
 * earlier imports first.  *out gets {imported, tests}.  Returns 0, or -1
 * with f set (400 naming the entry, 404 unknown test, 500 storage).
 */
int
mappings_import(struct db *db, const struct config *cfg, int64_t project,
    json_t *body, int64_t now, json_t **out, struct fault *f)
{
	json_t *list = json_object_get(body, "mappings"), *e, *rep, *x;
	char (*paths)[256] = NULL;
	int64_t *tests = NULL;
	const char *k;
	size_t i, n;
	long j;
	int rc = -1;

	*out = NULL;
	json_object_foreach(body, k, x)
		if (strcmp(k, "mappings") != 0 && strcmp(k, "replace") != 0) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_body",
			    "unknown field '%.*s' (expected: mappings, "
			    "replace)",
			    UTF8_CUT(k, 64));
			return -1;
		}
	rep = json_object_get(body, "replace");
	if (rep != NULL && !json_is_boolean(rep)) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "replace must be true or false");
		return -1;
	}
	if (!json_is_array(list) || (n = json_array_size(list)) == 0 ||
	    n > IMPORT_MAX) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_body",
		    "mappings must be an array of 1 to 50000 {test_id, "
		    "feature, confidence} objects");
		return -1;
	}
	if ((paths = calloc(n, sizeof(*paths))) == NULL ||
	    (tests = calloc(n, sizeof(*tests))) == NULL)
		abort();
	json_array_foreach(list, i, e)
		if (import_check(db, project, e, i, paths[i],
		    sizeof(paths[i]), &tests[i], f) == -1)
			goto out;
	if ((j = import_store(db, cfg, project, list, paths, tests,
	    json_is_true(rep), now)) == -1) {
		fault_set(f, FAULT_STORAGE, "storage",
		    "the mappings could not be stored");
		goto out;
	}
	*out = json_pack("{sIsI}", "imported", (json_int_t)n, "tests",
	    (json_int_t)j);
	rc = 0;
out:
	free(paths);
	free(tests);
	return rc;
}
