/*
 * The report cells (migration 0016): per run, its results counted and
 * their durations summed by the suite path, owner and primary feature of
 * their tests.  Reports (lib/views/reports.c) read these instead of the
 * results.  Ingest rebuilds the cells of the run it stored a shard of;
 * the mapping pass rebuilds those of the runs whose new tests it mapped
 * and, when tests move between features, those of the features.  Every
 * function runs inside the caller's transaction.
 */
#include <stdint.h>

#include "db.h"
#include "reportcells.h"

enum stmt {
	STMT_RUN_DROP,
	STMT_RUN_ADD,
	STMT_FEATURE_DROP,
	STMT_FEATURE_ADD,
	STMT_UNMAPPED_ADD,
	STMT_PROJECT_DROP,
	STMT_PROJECT_ADD,
	STMT__MAX
};

#define CELLS_INSERT \
	"INSERT INTO report_cells (run, suite, owner, feature, tests, " \
	"passed, failed, skipped, duration_ms) "
/* one cell's key and figures, from results r of tests t */
#define CELL_SELECT \
	"SELECT r.run, t.suite_path, coalesce(t.owner, ''), " \
	"coalesce(t.feature, 0), count(*), " \
	"sum(CASE WHEN r.status = 0 THEN 1 ELSE 0 END), " \
	"sum(CASE WHEN r.status IN (1, 2) THEN 1 ELSE 0 END), " \
	"sum(CASE WHEN r.status = 3 THEN 1 ELSE 0 END), " \
	"sum(coalesce(r.duration_ms, 0)) FROM results r " \
	"JOIN tests t ON t.id = r.test "
#define CELL_GROUP \
	" GROUP BY r.run, t.suite_path, coalesce(t.owner, ''), " \
	"coalesce(t.feature, 0)"

static const char *const sql[STMT__MAX] = {
	[STMT_RUN_DROP] = "DELETE FROM report_cells WHERE run = ?1",
	[STMT_RUN_ADD] = CELLS_INSERT CELL_SELECT "WHERE r.run = ?1"
	    CELL_GROUP,
	/* feature ?2 of project ?1 (0: not mapped), runs from time ?3 on */
	[STMT_FEATURE_DROP] =
	    "DELETE FROM report_cells WHERE feature = ?2 AND run IN "
	    "(SELECT id FROM runs WHERE project_id = ?1 AND "
	    "started_at >= ?3)",
	[STMT_FEATURE_ADD] = CELLS_INSERT CELL_SELECT
	    "WHERE t.project_id = ?1 AND t.feature = ?2 AND "
	    "r.started_at >= ?3" CELL_GROUP,
	/* the tests not mapped yet (?2 is 0: bound, not read) */
	[STMT_UNMAPPED_ADD] = CELLS_INSERT CELL_SELECT
	    "WHERE t.project_id = ?1 AND t.feature IS NULL AND ?2 = 0 AND "
	    "r.started_at >= ?3" CELL_GROUP,
	[STMT_PROJECT_DROP] =
	    "DELETE FROM report_cells WHERE run IN (SELECT id FROM runs "
	    "WHERE project_id = ?1 AND started_at >= ?2)",
	[STMT_PROJECT_ADD] = CELLS_INSERT CELL_SELECT
	    "JOIN runs u ON u.id = r.run WHERE u.project_id = ?1 AND "
	    "u.started_at >= ?2" CELL_GROUP,
};

#define STMT(db, i) DB_STMT((db), DBM_REPORTCELLS, (i))

/*
 * Runs the drop statement d and then the add statement a, both bound to
 * the n values v.  Returns 0 or -1 (logged).
 */
static int
rebuild(struct db *db, enum stmt d, enum stmt a, const int64_t *v, int n)
{
	struct db_query *st;
	enum stmt s[2] = { d, a };
	int i, k;

	for (i = 0; i < 2; i++) {
		if ((st = STMT(db, s[i])) == NULL)
			return -1;
		for (k = 0; k < n; k++)
			if (db_bind_int(db, st, k + 1, v[k]) == -1)
				return -1;
		if (db_step_done(db, st) == -1)
			return -1;
	}
	return 0;
}

/*
 * Rebuilds the cells of run (runs.id) from its stored results, with its
 * tests' current suite, owner and feature.  Returns 0 or -1.
 */
int
reportcells_run(struct db *db, int64_t run)
{
	return rebuild(db, STMT_RUN_DROP, STMT_RUN_ADD, &run, 1);
}

/*
 * Rebuilds the cells of feature (0: the tests not mapped yet) of project
 * in the runs started from time from (ms) on: retention deleted the
 * results of older runs, whose cells stay as they were.  Returns 0 or -1.
 */
int
reportcells_feature(struct db *db, int64_t project, int64_t feature,
    int64_t from)
{
	int64_t v[3] = { project, feature, from };

	return rebuild(db, STMT_FEATURE_DROP, feature != 0 ? STMT_FEATURE_ADD :
	    STMT_UNMAPPED_ADD, v, 3);
}

/*
 * Rebuilds every cell of project in the runs started from time from (ms)
 * on (the mapping rules changed: any feature may have).  Returns 0 or -1.
 */
int
reportcells_project(struct db *db, int64_t project, int64_t from)
{
	int64_t v[2] = { project, from };

	return rebuild(db, STMT_PROJECT_DROP, STMT_PROJECT_ADD, v, 2);
}
