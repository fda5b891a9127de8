/*
 * The run summary (API-29, issue 17 item 4): Markdown for a pull-request
 * comment.  A title with the gate's verdict, the run, its branch, job
 * and commit; a table of counts against the baseline (the previous run
 * of its branch and job) with deltas; its new failures with the first
 * line of their message, fixed tests, flaky tests that failed, its open
 * integrity signals; the gate's reasons and rules; links back to the run
 * and test pages.  Built from what the run page and the gate already
 * compute (runs_detail() and gate_judge()), not queried again; only the
 * baseline's counts and the run's flaky tests are read here.
 *
 * Everything that came from an upload (names, messages, branches) is
 * hostile: it is cut to a bound on a character boundary, kept on one
 * line, and every character Markdown or HTML could read as syntax is
 * escaped, so a test name cannot open a link, a table cell or a tag.
 * HTTP is cgi-bin/runs.c's; `testvis summary` prints the same text.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "gate.h"
#include "jval.h"
#include "runs.h"
#include "summary.h"
#include "utf8.h"

#define NAME_MAX_BYTES	200	/* a test name, branch, job, run id */
#define MSG_MAX_BYTES	300	/* the first line of a message */

enum stmt {
	STMT_RUN,
	STMT_FLAKY,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* a run's row id and counts (the run's and its baseline's) */
	[STMT_RUN] =
	    "SELECT id, tests, passed, failed, errors, skipped, duration_ms "
	    "FROM runs WHERE project_id = ?1 AND run_id = ?2",
	/* failed and known flaky, or flaky within the run (failed, then
	 * passed on a retry) */
	[STMT_FLAKY] =
	    "SELECT t.test_id, t.name, r.status, r.flaky_in_run, CASE WHEN "
	    "f.test IS NULL THEN 0 ELSE 1 END FROM results r JOIN tests t ON "
	    "t.id = r.test LEFT JOIN flaky_states f ON f.test = r.test AND "
	    "f.state = 'flaky' WHERE r.run = ?1 AND ((r.status IN (1, 2) AND "
	    "f.test IS NOT NULL) OR r.flaky_in_run <> 0) ORDER BY t.name, t.id",
};

#define STMT(db, i) DB_STMT((db), DBM_SUMMARY, (i))

/* A run's counts (STMT_RUN); duration -1 when unknown. */
struct counts {
	int64_t	 id, tests, passed, failed, skipped, duration;
};

/* What one summary is being written from and into. */
struct sum {
	struct db			*db;
	const struct summary_opts	*o;
	struct buf			*b;
	json_t				*run;	/* runs_detail() */
	json_t				*gate;	/* gate_judge() */
	struct counts			 now, base;
	int				 has_base;
};

/*
 * Appends s as Markdown text: at most max bytes (cut on a character,
 * then "…"), on one line (a line break becomes a space, or ends the text
 * when first_line is set), control characters as spaces, and each
 * character that could open emphasis, code, a link, an HTML tag or
 * entity, a table cell, a strike-through or a mention escaped with a
 * backslash (never at the start of a line: the rest is inert there).
 * NULL appends "—".
 */
static void
md_text(struct buf *b, const char *s, size_t max, int first_line)
{
	size_t n, i, cut;

	if (s == NULL) {
		buf_puts(b, "\u2014");
		return;
	}
	n = strlen(s);
	if (first_line && strchr(s, '\n') != NULL)
		n = (size_t)(strchr(s, '\n') - s);
	cut = utf8_prefix(s, n, max);
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			buf_puts(b, " ");
		else if (strchr("\\`*_[]<>|~&@", c) != NULL) {
			char e[2] = { '\\', (char)c };
			buf_append(b, e, 2);
		} else
			buf_append(b, s + i, 1);
	}
	if (cut < n)
		buf_puts(b, "\u2026");
}

/* md_text() of a JSON string member (null: "—"). */
static void
md_field(struct buf *b, json_t *o, const char *key, size_t max,
    int first_line)
{
	md_text(b, json_string_value(json_object_get(o, key)), max,
	    first_line);
}

/*
 * Appends the link destination of a frontend page: public_url (or
 * nothing: relative) + "/#/" + kind + "/" + the percent-encoded id, and
 * ?project= for a project other than the default one.
 */
static void
md_href(const struct sum *s, struct buf *b, const char *kind,
    const char *id)
{
	const char *p = s->o->project;

	buf_printf(b, "%s%s#/%s/", s->o->public_url,
	    s->o->public_url[0] != '\0' ? "/" : "", kind);
	buf_urlencode(b, id != NULL ? id : "");
	if (p != NULL && strcmp(p, "default") != 0) {
		buf_puts(b, "?project=");
		buf_urlencode(b, p);
	}
}

/* Appends [text](href) to b for a page of kind with id, text escaped. */
static void
md_link(const struct sum *s, struct buf *b, const char *kind,
    const char *id, const char *text)
{
	buf_puts(b, "[");
	md_text(b, text, NAME_MAX_BYTES, 0);
	buf_puts(b, "](");
	md_href(s, b, kind, id);
	buf_puts(b, ")");
}

/*
 * Reads run_id's counts into *c.  Returns 1, 0 (no such run) or -1.
 */
static int
read_counts(struct db *db, int64_t project, const char *run_id,
    struct counts *c)
{
	struct db_query *st = STMT(db, STMT_RUN);
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = db_step_keyed(db, st, project, run_id)) != DB_ROW)
		return rc == -1 ? -1 : 0;
	c->id = db_col_int(st, 0);
	c->tests = db_col_int(st, 1);
	c->passed = db_col_int(st, 2);
	c->failed = db_col_int(st, 3) + db_col_int(st, 4);
	c->skipped = db_col_int(st, 5);
	c->duration = db_col_null(st, 6) ? -1 : db_col_int(st, 6);
	db_reset(st);
	return 1;
}

/* The title line: the verdict, the run, its branch, job and commit. */
static void
title(struct sum *s)
{
	int pass = json_is_true(json_object_get(s->gate, "pass"));
	const char *sha = json_string_value(json_object_get(s->run,
	    "git_sha"));
	const char *v;
	size_t i;

	buf_printf(s->b, "### %s testvis: run ", pass ? "\u2705" : "\u274C");
	md_link(s, s->b, "runs", json_string_value(json_object_get(s->run,
	    "run_id")), json_string_value(json_object_get(s->run, "run_id")));
	buf_printf(s->b, " %s the quality gate\n\n", pass ? "passed" :
	    "failed");
	v = json_string_value(json_object_get(s->run, "branch"));
	buf_puts(s->b, v != NULL ? "Branch " : "No branch");
	if (v != NULL)
		md_text(s->b, v, NAME_MAX_BYTES, 0);
	v = json_string_value(json_object_get(s->run, "job"));
	buf_puts(s->b, v != NULL ? " \u00b7 job " : " \u00b7 no job");
	if (v != NULL)
		md_text(s->b, v, NAME_MAX_BYTES, 0);
	if (sha != NULL) {
		/* a hex sha as code, cut to 12; anything else as text */
		for (i = 0; sha[i] != '\0' && strchr("0123456789abcdefABCDEF",
		    sha[i]) != NULL; i++)
			;
		buf_puts(s->b, " \u00b7 commit ");
		if (sha[i] == '\0' && i > 0)
			buf_printf(s->b, "`%.12s`", sha);
		else
			md_text(s->b, sha, 64, 0);
	}
	if (s->has_base) {
		buf_puts(s->b, " \u00b7 baseline ");
		v = json_string_value(json_object_get(s->gate,
		    "baseline_run_id"));
		md_link(s, s->b, "runs", v, v);
	} else
		buf_puts(s->b, " \u00b7 no baseline (the first run of its "
		    "branch and job)");
	buf_puts(s->b, "\n\n");
}

/* A table row of integer counts: this run, the baseline, the delta. */
static void
row_int(struct sum *s, const char *what, int64_t now, int64_t base)
{
	buf_printf(s->b, "| %s | %lld | ", what, (long long)now);
	if (s->has_base)
		buf_printf(s->b, now == base ? "%lld | %lld |\n" :
		    "%lld | %+lld |\n", (long long)base,
		    (long long)(now - base));
	else
		buf_puts(s->b, "\u2014 | \u2014 |\n");
}

/* The pass rate of c in percent (passed of passed and failed); -1. */
static double
pass_rate(const struct counts *c)
{
	int64_t judged = c->passed + c->failed;

	return judged > 0 ? 100.0 * (double)c->passed / (double)judged : -1;
}

/* Appends a delta cell: d to a tenth with its sign and unit, and "0.0"
 * rather than "+0.0" or "-0.0" when it rounds to zero. */
static void
delta_cell(struct buf *b, double d, const char *unit)
{
	if (d > -0.05 && d < 0.05)
		buf_printf(b, "0.0 %s |\n", unit);
	else
		buf_printf(b, "%+.1f %s |\n", d, unit);
}

/* The counts table against the baseline. */
static void
counts_table(struct sum *s)
{
	double r = pass_rate(&s->now), rb = pass_rate(&s->base);
	int64_t d = s->now.duration, db = s->base.duration;

	buf_puts(s->b, "| | This run | Baseline | \u0394 |\n"
	    "|:--|--:|--:|--:|\n");
	row_int(s, "Tests", s->now.tests, s->base.tests);
	row_int(s, "Passed", s->now.passed, s->base.passed);
	row_int(s, "Failed", s->now.failed, s->base.failed);
	row_int(s, "Skipped", s->now.skipped, s->base.skipped);
	buf_puts(s->b, "| Pass rate | ");
	if (r >= 0)
		buf_printf(s->b, "%.1f %% | ", r);
	else
		buf_puts(s->b, "\u2014 | ");
	if (s->has_base && rb >= 0)
		buf_printf(s->b, "%.1f %% | ", rb);
	else
		buf_puts(s->b, "\u2014 | ");
	if (s->has_base && r >= 0 && rb >= 0)
		delta_cell(s->b, r - rb, "pp");
	else
		buf_puts(s->b, "\u2014 |\n");
	buf_puts(s->b, "| Duration | ");
	if (d >= 0)
		buf_printf(s->b, "%.1f s | ", (double)d / 1000);
	else
		buf_puts(s->b, "\u2014 | ");
	if (s->has_base && db >= 0)
		buf_printf(s->b, "%.1f s | ", (double)db / 1000);
	else
		buf_puts(s->b, "\u2014 | ");
	if (s->has_base && d >= 0 && db >= 0)
		delta_cell(s->b, (double)(d - db) / 1000, "s");
	else
		buf_puts(s->b, "\u2014 |\n");
	buf_puts(s->b, "\n");
}

/* "… and N more" after a list that showed shown of total. */
static void
more(struct sum *s, long long shown, long long total)
{
	if (total > shown)
		buf_printf(s->b, "- \u2026 and %lld more\n", total - shown);
	buf_puts(s->b, "\n");
}

/*
 * The new failures (the gate's list: names, first message lines, and
 * what excuses a quarantined or known flaky one), at most max_failures.
 */
static void
new_failures(struct sum *s)
{
	json_t *list = json_object_get(s->gate, "new_failures"), *f, *c;
	const char *why;
	long long total;
	size_t i;

	c = json_object_get(s->gate, "counts");
	total = json_integer_value(json_object_get(c, "new_failures")) +
	    json_integer_value(json_object_get(c, "excused_failures"));
	if (total == 0)
		return;
	buf_printf(s->b, "#### \u274C New failures (%lld)\n\n", total);
	for (i = 0; i < json_array_size(list) &&
	    i < (size_t)s->o->max_failures; i++) {
		f = json_array_get(list, i);
		buf_puts(s->b, "- ");
		md_link(s, s->b, "tests", json_string_value(json_object_get(f,
		    "test_id")), json_string_value(json_object_get(f, "name")));
		why = json_string_value(json_object_get(f, "excused"));
		if (why != NULL)
			buf_printf(s->b, " _(%s: not counted)_", strcmp(why,
			    "flaky") == 0 ? "known flaky" : why);
		if (json_string_value(json_object_get(f, "message")) != NULL) {
			buf_puts(s->b, ": ");
			md_field(s->b, f, "message", MSG_MAX_BYTES, 1);
		}
		buf_puts(s->b, "\n");
	}
	more(s, (long long)i, total);
}

/* The fixed tests (the run page's diff), at most max_failures. */
static void
fixed(struct sum *s)
{
	json_t *diff = json_object_get(s->run, "diff"), *list, *t;
	long long total;
	size_t i;

	if (!json_is_object(diff))
		return;
	list = json_object_get(diff, "fixed");
	total = json_integer_value(json_object_get(diff, "fixed_count"));
	if (total == 0)
		return;
	buf_printf(s->b, "#### \u2705 Fixed (%lld)\n\n", total);
	for (i = 0; i < json_array_size(list) &&
	    i < (size_t)s->o->max_failures; i++) {
		t = json_array_get(list, i);
		buf_puts(s->b, "- ");
		md_link(s, s->b, "tests", json_string_value(json_object_get(t,
		    "test_id")), json_string_value(json_object_get(t, "name")));
		buf_puts(s->b, "\n");
	}
	more(s, (long long)i, total);
}

/*
 * The flaky tests that failed: failed and known flaky, or failed then
 * passed on a retry within the run; at most max_failures.  0, or -1.
 */
static int
flaky(struct sum *s)
{
	struct db_query *st = STMT(s->db, STMT_FLAKY);
	struct buf items;
	long long n = 0;
	int rc;

	if (st == NULL || db_bind_int(s->db, st, 1, s->now.id) == -1)
		return -1;
	buf_init(&items);
	while ((rc = db_step(s->db, st)) == DB_ROW) {
		if (n++ >= s->o->max_failures)
			continue;
		buf_puts(&items, "- ");
		md_link(s, &items, "tests", db_column_text(st, 0),
		    db_column_text(st, 1));
		buf_printf(&items, " _(%s)_\n", db_col_int(st, 2) == 1 ||
		    db_col_int(st, 2) == 2 ? "known flaky" :
		    "failed, then passed on a retry");
	}
	db_reset(st);
	if (rc == DB_DONE && n > 0) {
		buf_printf(s->b, "#### \u2248 Flaky tests that failed "
		    "(%lld)\n\n", n);
		buf_append(s->b, items.p, items.len);
		more(s, n < s->o->max_failures ? n : s->o->max_failures, n);
	}
	buf_free(&items);
	return rc == DB_DONE ? 0 : -1;
}

/* The run's open integrity signals (the gate's list). */
static void
signals(struct sum *s)
{
	json_t *list = json_object_get(s->gate, "signals"), *g;
	size_t i, n = json_array_size(list);
	const char *v;

	if (n == 0)
		return;
	buf_printf(s->b, "#### \u26A0\uFE0F Integrity signals (%zu)\n\n", n);
	for (i = 0; i < n && i < (size_t)s->o->max_failures; i++) {
		g = json_array_get(list, i);
		buf_puts(s->b, "- **");
		md_field(s->b, g, "severity", 20, 0);
		buf_puts(s->b, "** ");
		md_field(s->b, g, "signal_type", 40, 0);
		v = json_string_value(json_object_get(g, "subject"));
		if (v != NULL && *v != '\0') {
			buf_puts(s->b, " \u00b7 ");
			md_text(s->b, v, NAME_MAX_BYTES, 0);
		}
		buf_puts(s->b, ": ");
		md_field(s->b, g, "message", MSG_MAX_BYTES, 1);
		buf_puts(s->b, json_integer_value(json_object_get(g,
		    "counts")) ? "\n" : " _(below the gate's severity)_\n");
	}
	more(s, (long long)i, (long long)n);
}

/* The gate's verdict, its reasons and its rules. */
static void
verdict(struct sum *s)
{
	json_t *reasons = json_object_get(s->gate, "reasons"), *r;
	const struct gate_rules *g = &s->o->rules;
	size_t i;

	buf_printf(s->b, "#### Quality gate: %s\n\n",
	    json_is_true(json_object_get(s->gate, "pass")) ?
	    "\u2705 passed" : "\u274C failed");
	for (i = 0; i < json_array_size(reasons); i++) {
		r = json_array_get(reasons, i);
		buf_puts(s->b, "- ");
		md_field(s->b, r, "message", MSG_MAX_BYTES, 1);
		buf_puts(s->b, " (");
		md_field(s->b, r, "rule", 40, 0);
		buf_puts(s->b, ")\n");
	}
	if (i > 0)
		buf_puts(s->b, "\n");
	buf_printf(s->b, "Rules: at most %lld new failures \u00b7 ",
	    g->max_new_failures);
	if (g->severity < 4)
		buf_printf(s->b, "no open integrity signal of severity %s or "
		    "above \u00b7 ", gate_severities[g->severity]);
	else
		buf_puts(s->b, "integrity signals not counted \u00b7 ");
	buf_printf(s->b, "at most %lld tests fewer than the baseline \u00b7 ",
	    g->max_count_drop);
	if (g->min_pass_rate_pct > 0)
		buf_printf(s->b, "pass rate at least %lld %%", g->
		    min_pass_rate_pct);
	else
		buf_puts(s->b, "no minimum pass rate");
	buf_puts(s->b, json_is_true(json_object_get(s->gate,
	    "integrity_checked")) ? " \u00b7 integrity checked\n\n" :
	    " \u00b7 integrity not checked yet (the batch integrity pass has "
	    "not judged this run)\n\n");
}

/*
 * Writes the summary of run_id of project into b (appended, UTF-8).
 * Returns 1, 0 when there is no such run, or -1 on a database error.
 */
int
summary_build(struct db *db, int64_t project, const char *run_id,
    const struct summary_opts *o, struct buf *b)
{
	struct sum s;
	const char *base;
	int rc;

	memset(&s, 0, sizeof(s));
	s.db = db;
	s.o = o;
	s.b = b;
	if ((rc = read_counts(db, project, run_id, &s.now)) != 1)
		return rc;
	if ((rc = runs_detail(db, project, run_id, &s.run)) != 1 ||
	    (rc = gate_judge(db, project, run_id, &o->rules, &s.gate)) != 1)
		goto out;
	base = json_string_value(json_object_get(s.gate, "baseline_run_id"));
	if (base != NULL && (rc = read_counts(db, project, base,
	    &s.base)) == -1)
		goto out;
	s.has_base = base != NULL && rc == 1;
	title(&s);
	counts_table(&s);
	new_failures(&s);
	fixed(&s);
	if (flaky(&s) == -1) {
		rc = -1;
		goto out;
	}
	signals(&s);
	verdict(&s);
	buf_puts(b, "[Open the run in testvis](");
	md_href(&s, b, "runs", run_id);
	buf_puts(b, ")\n");
	rc = 1;
out:
	json_decref(s.run);
	json_decref(s.gate);
	return rc;
}
