/* Unit tests for lib/db/cursor.c's pages: the loop every list runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "db.h"
#include "jval.h"
#include "tap.h"

static char dir[] = "/tmp/t-cursor-XXXXXX";

/* Five rows k(id, t), listed newest t first; the key is (t, id). */
static const struct cursor_list k_paging = { "k", "ii", { 1, 0 } };

/* The row object of a k row. */
static json_t *
k_row(struct db_query *st)
{
	return json_pack("{sI}", "id", (json_int_t)db_col_int(st,
	    0));
}

/*
 * Reads one page of k after cursor (NULL: the first) of at most limit
 * rows: the ids joined ("5,4") into ids and the next cursor (caller
 * frees, NULL on the last page) into *next.  Returns the page's result.
 */
static int
page(struct db *db, const char *cursor, int limit, char *ids, size_t n,
    char **next)
{
	struct cursor_page pg;
	struct db_query *st;
	json_t *out = NULL, *v;
	size_t i, off = 0;
	int rc;

	*next = NULL;
	ids[0] = '\0';
	if ((rc = cursor_page_open(&pg, &k_paging, cursor, limit)) != 0)
		return rc;
	if ((st = db_prepare(db, "SELECT id, t FROM k WHERE "
	    "(?1 IS NULL OR (t, id) < (?1, ?2)) ORDER BY t DESC, id DESC "
	    "LIMIT ?3")) == NULL ||
	    cursor_page_bind(&pg, db, st, 1, 3) == -1) {
		cursor_page_clear(&pg);
		return -1;
	}
	rc = cursor_page_list(&pg, db, st, k_row, "k", &out);
	db_finalize(st);
	if (rc == -1)
		return -1;
	json_array_foreach(json_object_get(out, "k"), i, v)
		off += (size_t)snprintf(ids + off, n - off, "%s%lld",
		    i ? "," : "", (long long)json_integer_value(
		    json_object_get(v, "id")));
	if (json_is_string(json_object_get(out, "next_cursor")))
		*next = strdup(json_string_value(json_object_get(out,
		    "next_cursor")));
	json_decref(out);
	return 0;
}

int
main(void)
{
	struct cursor_page pg;
	char path[256], err[512], ids[64], *next, *next2, *other;
	struct db *db;
	int applied;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if ((db = db_open(path, DB_CREATE, err, sizeof(err))) == NULL ||
	    db_migrate(db, &applied) == -1)
		return 1;
	tap_ok(db_exec(db, "CREATE TABLE k (id INTEGER PRIMARY KEY, t "
	    "INTEGER); INSERT INTO k VALUES (1, 10), (2, 20), (3, 20), "
	    "(4, 40), (5, 50)") == 0, "a table of five rows");

	check_int(page(db, NULL, 2, ids, sizeof(ids), &next), ==, 0);
	check_str(ids, "5,4");
	tap_ok(next != NULL, "a full page with more rows has a next_cursor");
	check_int(page(db, next, 2, ids, sizeof(ids), &next2), ==, 0);
	check_str(ids, "3,2");
	free(next);
	check_int(page(db, next2, 2, ids, sizeof(ids), &next), ==, 0);
	check_str(ids, "1");
	tap_ok(next == NULL, "the last page's next_cursor is null");
	free(next2);
	check_int(page(db, NULL, 5, ids, sizeof(ids), &next), ==, 0);
	check_str(ids, "5,4,3,2,1");
	tap_ok(next == NULL, "a page holding exactly the rest ends the list");

	/* negative: another list's cursor and bad text are refused */
	other = cursor_encode("other", json_pack("[II]", (json_int_t)20,
	    (json_int_t)3));
	check_int(page(db, other, 2, ids, sizeof(ids), &next), ==,
	    CURSOR_BAD);
	free(other);
	other = cursor_encode("k", json_pack("[sI]", "20", (json_int_t)3));
	check_int(page(db, other, 2, ids, sizeof(ids), &next), ==,
	    CURSOR_BAD);
	free(other);
	check_int(page(db, "!!!!", 2, ids, sizeof(ids), &next), ==,
	    CURSOR_BAD);

	/* rows offered by hand (a list sorted in memory) */
	check_int(cursor_page_open(&pg, &k_paging, NULL, 1), ==, 0);
	check_int(cursor_page_take(&pg, json_pack("[II]", (json_int_t)1,
	    (json_int_t)1)), ==, 1);
	check_int(cursor_page_take(&pg, json_pack("[II]", (json_int_t)2,
	    (json_int_t)2)), ==, 0);
	check_int(pg.more, ==, 1);
	cursor_page_clear(&pg);

	db_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
