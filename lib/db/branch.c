/*
 * Branches: which branch of a project is its default, the one a team
 * judges its product by (issue 13).  default_branch in testvis.conf
 * names it for every project; when unset, `main`, `master` or `trunk`
 * (the first of them with runs), else the branch with the most runs, else
 * "" for runs that name no branch.
 * It is not a list of branches, and it stores nothing.
 */
#include <stdio.h>

#include "branch.h"
#include "config.h"
#include "db.h"

enum stmt {
	STMT_USUAL,
	STMT_MOST,
	STMT_ANY,
	STMT__MAX
};

/* SQL: the project ?1 has a run on branch name */
#define HAS_RUNS(name) \
	"EXISTS (SELECT 1 FROM runs WHERE project_id = ?1 AND branch = '" \
	name "')"

static const char *const sql[STMT__MAX] = {
	/* the usual names, in that order of preference: a seek in
	 * runs_branch each (a GROUP BY over them counted every run) */
	[STMT_USUAL] =
	    "SELECT b FROM (SELECT CASE WHEN " HAS_RUNS("main") " THEN 'main' "
	    "WHEN " HAS_RUNS("master") " THEN 'master' "
	    "WHEN " HAS_RUNS("trunk") " THEN 'trunk' END AS b) AS c "
	    "WHERE b IS NOT NULL",
	[STMT_MOST] =
	    "SELECT branch, count(*) AS n FROM runs WHERE project_id = ?1 AND "
	    "branch IS NOT NULL GROUP BY branch ORDER BY n DESC, branch "
	    "LIMIT 1",
	/* any run at all: their branch is "" when none names one */
	[STMT_ANY] =
	    "SELECT '' FROM runs WHERE project_id = ?1 LIMIT 1",
};

/* Writes the first column of statement i's row for project into out;
 * returns 1 when there was a row, 0 none, -1 error (logged). */
static int
first_branch(struct db *db, int i, int64_t project, char *out, size_t sz)
{
	struct db_query *st;
	int rc;

	if ((st = DB_STMT(db, DBM_BRANCH, i)) == NULL ||
	    db_bind_int(db, st, 1, project) == -1)
		return -1;
	rc = db_step(db, st);
	if (rc == DB_ROW)
		snprintf(out, sz, "%s", db_column_text(st, 0));
	db_reset(st);
	return rc == -1 ? -1 : rc == DB_ROW;
}

/*
 * Writes the default branch of project (projects.id) into out (sz bytes,
 * cut if longer): cfg's default_branch when set, else `main`, `master` or
 * `trunk` if it has runs, else the branch with the most runs (ties: the
 * name that sorts first), else "" when the project's runs name no branch
 * (those runs are its main line), else `main` for a project without
 * runs.  cfg is borrowed.  Returns 0, or -1 on a database error (logged;
 * out then holds `main`).
 */
int
branch_default(struct db *db, int64_t project, const struct config *cfg,
    char *out, size_t sz)
{
	int rc;

	if (cfg->default_branch != NULL && cfg->default_branch[0] != '\0') {
		snprintf(out, sz, "%s", cfg->default_branch);
		return 0;
	}
	snprintf(out, sz, "main");
	if ((rc = first_branch(db, STMT_USUAL, project, out, sz)) != 0)
		return rc == -1 ? -1 : 0;
	if ((rc = first_branch(db, STMT_MOST, project, out, sz)) == 0)
		rc = first_branch(db, STMT_ANY, project, out, sz);
	if (rc == -1) {
		snprintf(out, sz, "main");
		return -1;
	}
	return 0;
}
