/*
 * Unit tests for lib/db/branch.c: the default branch of a project
 * (issue 13 item 4): the configured one; else main, master or trunk if it
 * has runs; else the branch with the most runs; `main` without runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "branch.h"
#include "config.h"
#include "db.h"
#include "tap.h"

static char dir[] = "/tmp/t-branch-XXXXXX";
static int64_t next_id = 1;

/* Adds n runs of branch (NULL: none) to project. */
static int
runs_add(struct db *db, int64_t project, const char *branch, int n)
{
	struct db_query *st;
	int i, rc = 0;

	if ((st = db_prepare(db, "INSERT INTO runs (id, project_id, run_id, "
	    "started_at, ingested_at, branch) VALUES (?1, ?2, 'r' || ?1, ?1, "
	    "?1, ?3)")) == NULL)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		db_bind_int(db, st, 1, next_id++);
		db_bind_int(db, st, 2, project);
		db_bind_text(db, st, 3, branch);
		rc = db_step(db, st) == DB_DONE ? 0 : -1;
		db_reset(st);
	}
	db_finalize(st);
	return rc;
}

int
main(void)
{
	struct config cfg;
	struct db *db;
	char path[256], err[512], out[64], tiny[4];
	int applied;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if ((db = db_open(path, DB_CREATE, err, sizeof(err))) == NULL ||
	    db_migrate(db, &applied) == -1 ||
	    db_exec(db, "INSERT INTO projects (id, slug, name, created_at) "
	    "VALUES (1, 'a', 'A', 0), (2, 'b', 'B', 0), (3, 'c', 'C', 0), "
	    "(4, 'd', 'D', 0), (5, 'e', 'E', 0)") == -1 ||
	    runs_add(db, 1, "main", 1) == -1 ||
	    runs_add(db, 1, "master", 2) == -1 ||
	    runs_add(db, 1, "feature/big", 9) == -1 ||
	    runs_add(db, 2, "develop", 3) == -1 ||
	    runs_add(db, 2, "feature/x", 1) == -1 ||
	    runs_add(db, 2, NULL, 5) == -1 ||
	    runs_add(db, 3, "trunk", 1) == -1 ||
	    runs_add(db, 3, "master", 1) == -1 ||
	    runs_add(db, 4, "b-side", 2) == -1 ||
	    runs_add(db, 4, "a-side", 2) == -1) {
		fprintf(stderr, "t-branch: cannot set up %s: %s\n", path, err);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.default_branch = "";

	check_int(branch_default(db, 1, &cfg, out, sizeof(out)), ==, 0);
	check_str(out, "main");		/* before branches with more runs */
	check_int(branch_default(db, 3, &cfg, out, sizeof(out)), ==, 0);
	check_str(out, "master");	/* master before trunk */
	check_int(branch_default(db, 2, &cfg, out, sizeof(out)), ==, 0);
	check_str(out, "develop");	/* most runs; unbranched runs ignored */
	check_int(branch_default(db, 4, &cfg, out, sizeof(out)), ==, 0);
	check_str(out, "a-side");	/* a tie: the name that sorts first */
	check_int(branch_default(db, 5, &cfg, out, sizeof(out)), ==, 0);
	check_str(out, "main");		/* no runs at all */
	check_int(branch_default(db, 2, &cfg, tiny, sizeof(tiny)), ==, 0);
	check_str(tiny, "dev");		/* cut to the buffer */

	cfg.default_branch = "release/2";
	check_int(branch_default(db, 1, &cfg, out, sizeof(out)), ==, 0);
	check_str(out, "release/2");	/* configured: even without runs */
	check_int(branch_default(db, 2, &cfg, out, sizeof(out)), ==, 0);
	check_str(out, "release/2");

	db_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
