/*
 * What /api/health reports about background work: each batch pass's last
 * run, read from batch_passes (written by the batch program).  Database
 * reachability and schema level come from db.c; this module only reads.
 */
#include "db.h"
#include "jval.h"
#include "status.h"

enum stmt {
	STMT_PASSES,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_PASSES] =
	    "SELECT name, last_started_at, last_finished_at, last_status "
	    "FROM batch_passes ORDER BY name",
};

/*
 * Returns a new object {"last_batch_at": time|null, "passes": {name:
 * {started_at, finished_at, status}}}, or NULL on a database error.
 * last_batch_at is the latest finish of any pass.
 */
json_t *
status_batch(struct db *db)
{
	struct db_query *st;
	json_t *res, *passes, *o;
	int64_t last = -1;
	int rc;

	if ((st = db_stmt(db, DBM_STATUS, sql, STMT__MAX, STMT_PASSES)) ==
	    NULL)
		return NULL;
	passes = jval_object();
	while ((rc = db_step(db, st)) == DB_ROW) {
		o = jval_object();
		jval_set(o, "started_at", jval_col_time(st, 1));
		jval_set(o, "finished_at", jval_col_time(st, 2));
		jval_set(o, "status", jval_col_text(st, 3));
		if (!db_col_null(st, 2) &&
		    db_col_int(st, 2) > last)
			last = db_col_int(st, 2);
		jval_set(passes, db_column_text(st, 0), o);
	}
	db_reset(st);
	if (rc == -1) {
		json_decref(passes);
		return NULL;
	}
	res = jval_object();
	jval_set(res, "last_batch_at", last >= 0 ? jval_time(last) :
	    json_null());
	jval_set(res, "passes", passes);
	return res;
}
