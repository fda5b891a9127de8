/*
 * Projects: the top of every piece of data (SPEC §2).  Creating, finding
 * by slug, and listing with the counters ingest keeps on the row, so that
 * listing never counts results.  Slug validation is the caller's (param.c).
 */
#include <string.h>

#include "db.h"
#include "jval.h"
#include "project.h"
#include "tvtime.h"

enum stmt {
	STMT_INSERT,
	STMT_LOOKUP,
	STMT_LIST,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO projects (slug, name, created_at) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (slug) DO NOTHING",
	[STMT_LOOKUP] =
	    "SELECT id FROM projects WHERE slug = ?1",
	[STMT_LIST] =
	    "SELECT slug, name, created_at, run_count, test_count, last_run_at "
	    "FROM projects WHERE ?1 = 0 OR id = ?1 ORDER BY slug",
};

#define STMT(db, i) DB_STMT((db), DBM_PROJECT, (i))

/*
 * Finds the project with slug; stores its id in *id.  Returns 1 found,
 * 0 not found, -1 database error (logged).
 */
int
project_lookup(struct db *db, const char *slug, int64_t *id)
{
	struct db_query *st;
	int rc;

	if ((st = STMT(db, STMT_LOOKUP)) == NULL ||
	    db_bind_text(db, st, 1, slug) == -1)
		return -1;
	rc = db_step(db, st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/*
 * Creates project slug (already validated) named name (NULL: the slug).
 * Stores its id in *id.  Returns 1 created, 0 it already existed, -1 error.
 */
int
project_add(struct db *db, const char *slug, const char *name, int64_t *id)
{
	struct db_query *st;
	int rc, changed;

	if ((st = STMT(db, STMT_INSERT)) == NULL ||
	    db_bind_text(db, st, 1, slug) == -1 ||
	    db_bind_text(db, st, 2, name != NULL ? name : slug) == -1 ||
	    db_bind_int(db, st, 3, tvtime_now_ms()) == -1)
		return -1;
	rc = db_step(db, st);
	db_reset(st);
	if (rc == -1)
		return -1;
	changed = db_changes(db) > 0;
	if (project_lookup(db, slug, id) != 1)
		return -1;
	return changed;
}

/* The project object of a STMT_LIST row. */
static json_t *
project_row(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "slug", jval_col_text(st, 0));
	jval_set(o, "name", jval_col_text(st, 1));
	jval_set(o, "created_at", jval_col_time(st, 2));
	jval_set(o, "run_count", jval_col_int(st, 3));
	jval_set(o, "test_count", jval_col_int(st, 4));
	jval_set(o, "last_run_at", jval_col_time(st, 5));
	return o;
}

/*
 * Lists projects (only project only_id when it is not 0) as a new JSON
 * array of {slug, name, created_at, run_count, test_count, last_run_at};
 * NULL on error (logged).
 */
json_t *
project_list(struct db *db, int64_t only_id)
{
	struct db_query *st;

	if ((st = STMT(db, STMT_LIST)) == NULL ||
	    db_bind_int(db, st, 1, only_id) == -1)
		return NULL;
	return jval_rows(db, st, project_row);
}
