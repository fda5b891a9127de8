/*
 * Unit tests for lib/passes/pass.c: summary notes, the comma-list predicate,
 * watermarks, and the loops over what was stored after a watermark.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "db_sqlite.h"
#include "pass.h"
#include "tap.h"

static char dir[] = "/tmp/t-pass-XXXXXX";

/* pass_each_new() step: items 1..*arg, one per transaction. */
static int
step_upto(struct pass_ctx *c, int64_t *mark, void *arg)
{
	int64_t last = *(int64_t *)arg;

	if (*mark >= last)
		return 0;
	(*mark)++;
	return 1;
}

/* pass_each_new() step that fails at once. */
static int
step_fail(struct pass_ctx *c, int64_t *mark, void *arg)
{
	return -1;
}

/* pass_each_run() work: appends the run's id to the list at arg. */
static int
run_seen(struct pass_ctx *c, int64_t run, void *arg)
{
	char *seen = arg;
	size_t n = strlen(seen);

	snprintf(seen + n, 64 - n, "%s%lld", n > 0 ? "," : "",
	    (long long)run);
	return 0;
}

int
main(void)
{
	struct pass_ctx c;
	char path[256], err[512], state[32], seen[64] = "";
	int64_t mark, upto = 3;
	int applied;

	ok(pass_list_has("mapping,flaky", "flaky"), "list: last item");
	ok(pass_list_has("mapping,flaky", "mapping"), "list: first item");
	ok(!pass_list_has("mapping,flaky", "flak"), "list: a prefix is not "
	    "an item");
	ok(!pass_list_has("retry_x,flip", "retry"), "list: nor a part of one");
	ok(!pass_list_has("", "flip"), "list: the empty list has nothing");

	memset(&c, 0, sizeof(c));
	pass_note(&c, "%d tests mapped", 12);
	pass_note(&c, "%s", "3 moved");
	check_str(c.summary, "12 tests mapped, 3 moved");
	memset(c.summary, 'x', sizeof(c.summary) - 2);
	c.summary[sizeof(c.summary) - 2] = '\0';
	pass_note(&c, "%s", "more");
	check_int(strlen(c.summary), ==, sizeof(c.summary) - 1);
	ok(c.summary[sizeof(c.summary) - 2] == 'm', "a note that does not "
	    "fit is cut at the end of the summary");

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	memset(&c, 0, sizeof(c));
	if ((c.db = db_open(path, DB_CREATE, err, sizeof(err))) == NULL ||
	    db_migrate(c.db, &applied) == -1 ||
	    db_exec(c.db, "INSERT INTO projects (id, slug, name, created_at) "
	    "VALUES (1, 'a', 'A', 0), (2, 'b', 'B', 0)") == -1 ||
	    db_exec(c.db, "INSERT INTO runs (id, project_id, run_id, "
	    "started_at, ingested_at) VALUES (1, 1, 'r1', 0, 0), "
	    "(2, 2, 'r2', 0, 0), (3, 1, 'r3', 0, 0), (4, 1, 'r4', 0, 0)") ==
	    -1) {
		fprintf(stderr, "t-pass: cannot set up %s: %s\n", path, err);
		return 1;
	}
	c.project_id = 1;

	check_int(pass_mark_get(&c, "x", &mark, state, sizeof(state)), ==, 0);
	ok(mark == 0 && state[0] == '\0', "a mark never set is 0 and ''");
	check_int(db_begin(c.db), ==, 0);
	check_int(pass_mark_set(&c, "x", 7, "abc"), ==, 0);
	check_int(pass_commit(&c), ==, 0);
	check_int(c.chunks, ==, 1);
	check_int(pass_mark_get(&c, "x", &mark, state, sizeof(state)), ==, 0);
	ok(mark == 7 && strcmp(state, "abc") == 0, "a stored mark reads "
	    "back with its state");
	c.project_id = 2;
	check_int(pass_mark_get(&c, "x", &mark, NULL, 0), ==, 0);
	check_int(mark, ==, 0);
	c.project_id = 1;

	check_int(pass_each_new(&c, "items", step_upto, &upto), ==, 3);
	check_int(c.chunks, ==, 4);
	check_int(pass_mark_get(&c, "items", &mark, NULL, 0), ==, 0);
	check_int(mark, ==, 3);
	check_int(pass_each_new(&c, "items", step_upto, &upto), ==, 0);
	ok(sqlite3_get_autocommit(db_sqlite_handle(c.db)), "nothing left: no "
	    "transaction stays open");
	check_int(pass_each_new(&c, "items", step_fail, NULL), ==, -1);
	db_rollback(c.db);
	check_int(pass_mark_get(&c, "items", &mark, NULL, 0), ==, 0);
	check_int(mark, ==, 3);

	check_int(pass_each_run(&c, "runs", run_seen, seen), ==, 3);
	check_str(seen, "1,3,4");
	check_int(pass_mark_get(&c, "runs", &mark, NULL, 0), ==, 0);
	check_int(mark, ==, 4);
	seen[0] = '\0';
	check_int(pass_each_run(&c, "runs", run_seen, seen), ==, 0);
	check_str(seen, "");

	db_close(c.db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
