/*
 * The repair times (migration 0017): closed incidents counted per
 * project, branch, UTC day of closing, primary feature of the test and
 * duration in whole seconds, with their exact summed durations, for the
 * time to repair of GET /api/quality.  The rollup counts incidents in as
 * it closes them (lib/db/rollup.c); these rebuild the rows of a feature,
 * or of a whole project, from the incidents when tests change features
 * (the mapping pass, an alias).  Inside the caller's transaction.
 */
#include <stdint.h>

#include "db.h"
#include "repairs.h"

enum stmt {
	STMT_FEATURE_DROP,
	STMT_FEATURE_ADD,
	STMT_UNMAPPED_ADD,
	STMT_PROJECT_DROP,
	STMT_PROJECT_ADD,
	STMT__MAX
};

#define REPAIRS_INSERT \
	"INSERT INTO repair_times (project_id, day, branch, feature, secs, " \
	"n, sum_ms) SELECT i.project_id, i.closed_at / 86400000 * 86400000, " \
	"i.branch, coalesce(t.feature, 0), (i.closed_at - i.opened_at) / " \
	"1000, count(*), sum(i.closed_at - i.opened_at) FROM incidents i " \
	"JOIN tests t ON t.id = i.test WHERE i.project_id = ?1 AND " \
	"i.closed_at IS NOT NULL "
#define REPAIRS_GROUP \
	" GROUP BY i.project_id, i.closed_at / 86400000 * 86400000, " \
	"i.branch, coalesce(t.feature, 0), (i.closed_at - i.opened_at) / 1000"

static const char *const sql[STMT__MAX] = {
	[STMT_FEATURE_DROP] = "DELETE FROM repair_times WHERE "
	    "project_id = ?1 AND feature = ?2",
	[STMT_FEATURE_ADD] = REPAIRS_INSERT
	    "AND t.feature = ?2" REPAIRS_GROUP,
	/* the tests not mapped yet (?2 is 0: bound, not read) */
	[STMT_UNMAPPED_ADD] = REPAIRS_INSERT
	    "AND t.feature IS NULL AND ?2 = 0" REPAIRS_GROUP,
	[STMT_PROJECT_DROP] = "DELETE FROM repair_times WHERE "
	    "project_id = ?1",
	[STMT_PROJECT_ADD] = REPAIRS_INSERT REPAIRS_GROUP,
};

#define STMT(db, i) DB_STMT((db), DBM_REPAIRS, (i))

/* Runs statement s bound to project (and feature when with); 0, -1. */
static int
run(struct db *db, enum stmt s, int64_t project, int64_t feature, int with)
{
	struct db_query *st = STMT(db, s);

	if (st == NULL || db_bind_int(db, st, 1, project) == -1 ||
	    (with && db_bind_int(db, st, 2, feature) == -1))
		return -1;
	return db_step_done(db, st);
}

/*
 * Rebuilds the repair times of feature (0: the tests not mapped yet) of
 * project from its tests' closed incidents.  Returns 0 or -1 (logged).
 */
int
repairs_feature(struct db *db, int64_t project, int64_t feature)
{
	if (run(db, STMT_FEATURE_DROP, project, feature, 1) == -1 ||
	    run(db, feature != 0 ? STMT_FEATURE_ADD : STMT_UNMAPPED_ADD,
	    project, feature, 1) == -1)
		return -1;
	return 0;
}

/* Rebuilds every repair time of project; 0 or -1 (logged). */
int
repairs_project(struct db *db, int64_t project)
{
	if (run(db, STMT_PROJECT_DROP, project, 0, 0) == -1 ||
	    run(db, STMT_PROJECT_ADD, project, 0, 0) == -1)
		return -1;
	return 0;
}
