/*
 * A run's results written out as a file (REP-6, GET
 * /api/tests/runs/{run_id}/export): CSV, one row per result with its
 * test and first failure message, or JUnit XML that testvis ingests back
 * to the same tests and counts (one <testsuite> per suite path).  Rows
 * are read in suite order and written as they come through the caller's
 * writer, in chunks, so memory stays flat whatever the run's size.
 * The batch `exports` pass (exports.c) writes the JUnit form a page of
 * results at a time in test order (runexport_junit_*), and borrows the
 * CSV field writer; it lives in passes/ for that, below the views.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "runexport.h"
#include "tvtime.h"

#define CHUNK_BYTES	65536	/* written out once this much is held */

const char *const runexport_formats[] = { "csv", "junit", NULL };

enum stmt {
	STMT_RUN,
	STMT_ROWS,
	STMT_PAGE,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_RUN] =
	    "SELECT id, run_id, started_at, coalesce(branch, ''), "
	    "coalesce(job, ''), tests, failed, errors, skipped, duration_ms "
	    "FROM runs WHERE project_id = ?1 AND run_id = ?2",
	[STMT_ROWS] =
	    "SELECT t.test_id, t.suite_path, t.classname, t.name, t.file, "
	    "r.status, r.duration_ms, r.attempts, x.message, x.error_type, "
	    "x.details, x.stdout, x.stderr FROM results r JOIN tests t ON "
	    "t.id = r.test LEFT JOIN result_texts x ON x.run = r.run AND "
	    "x.test = r.test WHERE r.run = ?1 "
	    "ORDER BY t.suite_path, t.classname, t.name, t.id",
	/* the same columns a page at a time in test order, for the exports
	 * pass (libpq reads a result whole: pages keep its memory flat);
	 * t.id > ?2 and the texts by one probe a row keep PostgreSQL's
	 * generic plan from reading the run's tests and texts from the start
	 * for every page */
	[STMT_PAGE] =
	    "SELECT t.test_id, t.suite_path, t.classname, t.name, t.file, "
	    "r.status, r.duration_ms, r.attempts, x.message, x.error_type, "
	    "x.details, x.stdout, x.stderr, r.test FROM results r JOIN tests t "
	    "ON t.id = r.test LEFT JOIN result_texts x ON x.id = (SELECT y.id "
	    "FROM result_texts y WHERE y.run = r.run AND y.test = r.test) "
	    "WHERE r.run = ?1 AND r.test > ?2 AND t.id > ?2 "
	    "ORDER BY r.test LIMIT ?3",
};

#define STMT(db, i) DB_STMT((db), DBM_RUNEXPORT, (i))

/* The columns of STMT_ROWS. */
enum col {
	C_TEST_ID, C_SUITE, C_CLASS, C_NAME, C_FILE, C_STATUS, C_MS,
	C_ATTEMPTS, C_MESSAGE, C_TYPE, C_DETAILS, C_STDOUT, C_STDERR, C_KEY
};

static const char *const status_names[] = { "passed", "failed", "error",
    "skipped" };

/*
 * Finds run_id of project into *run (strings owned by *run: free with
 * runexport_run_free).  Returns 1, 0 when there is none, or -1.
 */
int
runexport_find(struct db *db, int64_t project, const char *run_id,
    struct runexport_run *run)
{
	struct db_query *st = STMT(db, STMT_RUN);
	int rc;

	memset(run, 0, sizeof(*run));
	if ((rc = db_step_keyed(db, st, project, run_id)) != DB_ROW)
		return rc == -1 ? -1 : 0;
	run->id = db_col_int(st, 0);
	snprintf(run->run_id, sizeof(run->run_id), "%s",
	    db_column_text(st, 1));
	run->started_at = db_col_int(st, 2);
	snprintf(run->branch, sizeof(run->branch), "%s",
	    db_column_text(st, 3));
	snprintf(run->job, sizeof(run->job), "%s",
	    db_column_text(st, 4));
	run->tests = db_col_int(st, 5);
	run->failed = db_col_int(st, 6);
	run->errors = db_col_int(st, 7);
	run->skipped = db_col_int(st, 8);
	run->duration_ms = db_col_null(st, 9) ? -1 : db_col_int(st, 9);
	db_reset(st);
	return 1;
}

/* Hands what b holds to the writer once it holds enough (all: force). */
static void
flush(struct buf *b, const struct runexport_out *out, int all)
{
	if (b->len == 0 || (!all && b->len < CHUNK_BYTES))
		return;
	out->write(out->ctx, b->p, b->len);
	buf_reset(b);
}

/* Appends s as a CSV field: quoted when it holds a separator, a quote
 * or a line break; a leading = + - @ made inert for spreadsheets. */
void
runexport_csv_field(struct buf *b, const char *s)
{
	const char *p;
	int inert;

	if (s == NULL)
		s = "";
	inert = *s != '\0' && strchr("=+-@", *s) != NULL;
	if (strpbrk(s, ",\"\r\n") == NULL && !inert) {
		buf_puts(b, s);
		return;
	}
	buf_append(b, "\"", 1);
	if (inert)
		buf_append(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_append(b, "\"", 1);
		buf_append(b, p, 1);
	}
	buf_append(b, "\"", 1);
}

/* Appends s with XML's five specials escaped and the characters XML
 * 1.0 cannot hold (controls but tab and line breaks) left out; in an
 * attribute (attr) tabs and line breaks as character references, which
 * a parser would otherwise turn into spaces. */
static void
xml_text_in(struct buf *b, const char *s, int attr)
{
	const unsigned char *p;

	for (p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0';
	    p++) {
		if (attr && (*p == '\t' || *p == '\n' || *p == '\r')) {
			buf_printf(b, "&#%d;", *p);
			continue;
		}
		switch (*p) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		default:
			if (*p >= 0x20 || *p == '\t' || *p == '\n' ||
			    *p == '\r')
				buf_append(b, p, 1);
		}
	}
}

/* Appends s escaped as element content. */
static void
xml_text(struct buf *b, const char *s)
{
	xml_text_in(b, s, 0);
}

/* Appends name="value" (value escaped) when value is set and not empty. */
static void
xml_attr(struct buf *b, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_printf(b, " %s=\"", name);
	xml_text_in(b, value, 1);
	buf_append(b, "\"", 1);
}

/* One CSV row of the result st has read. */
static void
csv_row(struct buf *b, const struct runexport_run *run, struct db_query *st)
{
	char iso[TVTIME_ISO_LEN], n[32];
	int64_t s = db_col_int(st, C_STATUS);

	tvtime_format_iso8601(run->started_at, iso);
	runexport_csv_field(b, run->run_id);
	buf_printf(b, ",%s,", iso);
	runexport_csv_field(b, run->branch);
	buf_append(b, ",", 1);
	runexport_csv_field(b, run->job);
	buf_append(b, ",", 1);
	runexport_csv_field(b, db_column_text(st, C_TEST_ID));
	buf_append(b, ",", 1);
	runexport_csv_field(b, db_column_text(st, C_SUITE));
	buf_append(b, ",", 1);
	runexport_csv_field(b, db_column_text(st, C_CLASS));
	buf_append(b, ",", 1);
	runexport_csv_field(b, db_column_text(st, C_NAME));
	buf_append(b, ",", 1);
	runexport_csv_field(b, db_column_text(st, C_FILE));
	buf_printf(b, ",%s,", s >= 0 && s < 4 ? status_names[s] : "?");
	if (!db_col_null(st, C_MS)) {
		snprintf(n, sizeof(n), "%lld", (long long)db_col_int(st, C_MS));
		buf_puts(b, n);
	}
	buf_printf(b, ",%lld,", (long long)db_col_int(st, C_ATTEMPTS));
	runexport_csv_field(b, db_column_text(st, C_MESSAGE));
	buf_puts(b, "\r\n");
}

/* The seconds of ms as JUnit writes them ("0.125"). */
static void
junit_time(struct buf *b, int64_t ms)
{
	buf_printf(b, " time=\"%lld.%03lld\"", (long long)(ms / 1000),
	    (long long)(ms % 1000));
}

/* One <testcase> of the result st has read. */
static void
junit_case(struct buf *b, struct db_query *st)
{
	static const char *const tags[] = { NULL, "failure", "error",
	    "skipped" };
	int64_t s = db_col_int(st, C_STATUS);
	const char *text;

	buf_puts(b, "  <testcase");
	xml_attr(b, "classname", db_column_text(st, C_CLASS));
	buf_puts(b, " name=\"");
	xml_text_in(b, db_column_text(st, C_NAME), 1);
	buf_append(b, "\"", 1);
	xml_attr(b, "file", db_column_text(st, C_FILE));
	if (!db_col_null(st, C_MS))
		junit_time(b, db_col_int(st, C_MS));
	buf_puts(b, ">\n");
	if (s >= 1 && s <= 3) {
		buf_printf(b, "   <%s", tags[s]);
		xml_attr(b, "message", db_column_text(st, C_MESSAGE));
		if (s != 3)
			xml_attr(b, "type", db_column_text(st, C_TYPE));
		text = db_column_text(st, C_DETAILS);
		if (text != NULL && *text != '\0' && s != 3) {
			buf_append(b, ">", 1);
			xml_text(b, text);
			buf_printf(b, "</%s>\n", tags[s]);
		} else
			buf_puts(b, "/>\n");
	}
	if ((text = db_column_text(st, C_STDOUT)) != NULL && *text != '\0') {
		buf_puts(b, "   <system-out>");
		xml_text(b, text);
		buf_puts(b, "</system-out>\n");
	}
	if ((text = db_column_text(st, C_STDERR)) != NULL && *text != '\0') {
		buf_puts(b, "   <system-err>");
		xml_text(b, text);
		buf_puts(b, "</system-err>\n");
	}
	buf_puts(b, "  </testcase>\n");
}

/* The opening of the JUnit document: the run's counts on the root. */
static void
junit_head(struct buf *b, const struct runexport_run *run)
{
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites");
	xml_attr(b, "name", run->run_id);
	buf_printf(b, " tests=\"%lld\" failures=\"%lld\" errors=\"%lld\" "
	    "skipped=\"%lld\"", (long long)run->tests,
	    (long long)run->failed, (long long)run->errors,
	    (long long)run->skipped);
	if (run->duration_ms >= 0)
		junit_time(b, run->duration_ms);
	buf_puts(b, ">\n");
}

/*
 * Writes run (found by runexport_find) in format (enum runexport_format)
 * through out.  Returns 0, or -1 when reading failed (what was written
 * stays written: the caller logs it).
 */
int
runexport_write(struct db *db, const struct runexport_run *run, int format,
    const struct runexport_out *out)
{
	struct db_query *st = STMT(db, STMT_ROWS);
	struct buf b, suite;
	int rc, open = 0;

	if (st == NULL || db_bind_int(db, st, 1, run->id) == -1)
		return -1;
	buf_init(&b);
	buf_init(&suite);
	if (format == RUNEXPORT_CSV)
		buf_puts(&b, "run_id,started_at,branch,job,test_id,suite,"
		    "classname,name,file,status,duration_ms,attempts,message"
		    "\r\n");
	else
		junit_head(&b, run);
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (format == RUNEXPORT_CSV) {
			csv_row(&b, run, st);
		} else {
			if (!open || strcmp(suite.p,
			    db_column_text(st, C_SUITE)) != 0) {
				if (open)
					buf_puts(&b, " </testsuite>\n");
				buf_reset(&suite);
				buf_puts(&suite, db_column_text(st, C_SUITE));
				buf_puts(&b, " <testsuite name=\"");
				xml_text_in(&b, suite.p, 1);
				buf_puts(&b, "\">\n");
				open = 1;
			}
			junit_case(&b, st);
		}
		flush(&b, out, 0);
	}
	db_reset(st);
	if (format != RUNEXPORT_CSV)
		buf_puts(&b, open ? " </testsuite>\n</testsuites>\n" :
		    "</testsuites>\n");
	flush(&b, out, 1);
	buf_free(&b);
	buf_free(&suite);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * Starts a JUnit document of run in j for the exports pass, which then
 * calls runexport_junit_page() until it returns 0 and runexport_junit_end()
 * (always: it frees j's buffers).  Text goes out through out.
 */
void
runexport_junit_begin(struct runexport_junit *j,
    const struct runexport_run *run, const struct runexport_out *out)
{
	memset(j, 0, sizeof(*j));
	buf_init(&j->b);
	buf_init(&j->suite);
	junit_head(&j->b, run);
	flush(&j->b, out, 0);
}

/*
 * Writes the next (at most limit) results of run after test *after (0
 * first), in test order: a <testsuite> opens whenever the suite changes,
 * so a suite whose tests are apart comes as several elements of the same
 * name, which ingest reads back to the same tests.  Moves *after on.
 * Returns the results written (0: no more), or -1.
 */
long
runexport_junit_page(struct db *db, const struct runexport_run *run,
    int64_t *after, int limit, struct runexport_junit *j,
    const struct runexport_out *out)
{
	struct db_query *st = STMT(db, STMT_PAGE);
	long n = 0;
	int rc;

	if (st == NULL || db_bind_int(db, st, 1, run->id) == -1 ||
	    db_bind_int(db, st, 2, *after) == -1 ||
	    db_bind_int(db, st, 3, limit) == -1)
		return -1;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (!j->open || strcmp(j->suite.p,
		    db_column_text(st, C_SUITE)) != 0) {
			if (j->open)
				buf_puts(&j->b, " </testsuite>\n");
			buf_reset(&j->suite);
			buf_puts(&j->suite, db_column_text(st, C_SUITE));
			buf_puts(&j->b, " <testsuite name=\"");
			xml_text_in(&j->b, j->suite.p, 1);
			buf_puts(&j->b, "\">\n");
			j->open = 1;
		}
		junit_case(&j->b, st);
		*after = db_col_int(st, C_KEY);
		n++;
		flush(&j->b, out, 0);
	}
	db_reset(st);
	flush(&j->b, out, 1);
	return rc == DB_DONE ? n : -1;
}

/* Ends the document runexport_junit_begin() started and frees j. */
void
runexport_junit_end(struct runexport_junit *j, const struct runexport_out *out)
{
	buf_puts(&j->b, j->open ? " </testsuite>\n</testsuites>\n" :
	    "</testsuites>\n");
	flush(&j->b, out, 1);
	buf_free(&j->b);
	buf_free(&j->suite);
}
