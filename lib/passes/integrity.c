/*
 * The batch `integrity` pass (INT-1 … INT-3): evidence that a run made the
 * suite weaker, each run against its baseline: the previous run of the
 * same branch and job, or for a branch's first run the newest earlier
 * run of the same job on the default branch (lib/db/branch.c); the
 * default branch's own first run has none.  For the unnamed job, whose
 * "stream" may be several CI jobs, the baseline must report one of the
 * run's suites (suite_path) and the result-based checks count only tests
 * of the suites both runs report, so two jobs that report different
 * suites are never compared with each other.
 *   result-based (INT-1): test_removed (grouped per parameterized test),
 *     suite_shrink, newly_skipped, assertions_dropped, duration_collapse;
 *   diff-based (INT-2), from the diff uploaded with the run or, when
 *     repo_path is set, `git show` of its commit (fork+exec, no shell):
 *     assertion_removed, skip_added, xfail_added, broad_exception_added
 *     (lib/passes/diffscan.c reads the diff), and edited_before_green.  These
 *     need no baseline (but edited_before_green does): the first run on
 *     a branch gets them too.
 * Signals are keyed by (run, type, subject), so a re-run never duplicates
 * them.  INT-3: a test with two or more signals in one run, or any
 * critical signal, raises an integrity_alert event.  Reading and
 * updating signals is lib/views/signals.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "branch.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "diffscan.h"
#include "integrity.h"
#include "jval.h"
#include "log.h"
#include "pass.h"
#include "tvtime.h"
#include "utf8.h"

#define GIT_DIFF_MAX	(32 * 1024 * 1024)
#define GIT_TIMEOUT_MS	20000
#define MIN_COLLAPSE_MS	20	/* medians below this are noise */
#define BASE_SCAN	"20"	/* unnamed job: runs looked at for a baseline */

enum stmt {
	STMT_RUN,
	STMT_BASELINE,
	STMT_SHRINK_TESTS,
	STMT_COUNTS,
	STMT_REMOVED,
	STMT_SKIPPED,
	STMT_ASSERTIONS,
	STMT_COLLAPSE,
	STMT_SHARDS,
	STMT_RUN_TESTS,
	STMT_GREENED,
	STMT_SIGNAL_ADD,
	STMT_EVENT,
	STMT_ALERT_GROUPS,
	STMT_ALERTED,
	STMT__MAX
};

#define T_COLS "t.id, t.test_id, t.name, t.file, t.classname"
/* The signals of run ?1 by test (a run-wide signal alone), with the
 * aggregate join_types of their types. */
#define ALERT_GROUPS(join_types) \
	"SELECT coalesce(test, -id), count(*), max(CASE WHEN severity = " \
	"'critical' THEN 1 ELSE 0 END), sum(CASE WHEN alerted = 0 THEN 1 " \
	"ELSE 0 END), " join_types ", max((SELECT test_id FROM tests " \
	"WHERE id = signals.test)) FROM signals WHERE run = ?1 " \
	"GROUP BY coalesce(test, -id)"

static const char *const sql[STMT__MAX] = {
	[STMT_RUN] =
	    "SELECT id, run_id, branch, git_sha, started_at, tests, "
	    "session_id, job FROM runs WHERE id = ?1",
	/*
	 * the previous run of the stream (branch ?2 and job ?5) before run
	 * ?4; with ?6 = 0 (the unnamed job), of the last BASE_SCAN such
	 * runs the newest that reports a suite run ?4 reports
	 */
	[STMT_BASELINE] =
	    "SELECT r.id, r.tests, r.run_id FROM (SELECT id, tests, run_id, "
	    "started_at FROM runs WHERE project_id = ?1 AND "
	    "branch IS NOT DISTINCT FROM ?2 AND job IS NOT DISTINCT FROM ?5 "
	    "AND (started_at < ?3 OR (started_at = ?3 AND "
	    "id < ?4)) ORDER BY started_at DESC, id DESC LIMIT " BASE_SCAN
	    ") r WHERE ?6 = 1 OR EXISTS (SELECT 1 FROM results b JOIN tests t "
	    "ON t.id = b.test WHERE b.run = r.id AND t.suite_path IN "
	    "(SELECT u.suite_path FROM results c JOIN tests u ON "
	    "u.id = c.test WHERE c.run = ?4)) "
	    "ORDER BY r.started_at DESC, r.id DESC LIMIT 1",
	/* tests of baseline ?1 and run ?2 in the suites both report */
	/* the tests of baseline ?1 missing from run ?2 (in the suites it
	 * reports, for the unnamed job: ?3 = 0) behind its suite_shrink */
	[STMT_SHRINK_TESTS] =
	    "INSERT INTO signal_tests (signal, test) SELECT g.id, b.test "
	    "FROM signals g JOIN results b ON b.run = ?1 JOIN tests t ON "
	    "t.id = b.test WHERE g.run = ?2 AND g.signal_type = "
	    "'suite_shrink' AND g.subject = '' AND NOT EXISTS (SELECT 1 "
	    "FROM results c WHERE c.run = ?2 AND c.test = b.test) AND "
	    "(?3 = 1 OR t.suite_path IN (SELECT DISTINCT t2.suite_path FROM "
	    "results c2 JOIN tests t2 ON t2.id = c2.test WHERE c2.run = ?2)) "
	    "ON CONFLICT (signal, test) DO NOTHING",
	[STMT_COUNTS] =
	    "WITH bs AS (SELECT DISTINCT t.suite_path AS s FROM results b "
	    "JOIN tests t ON t.id = b.test WHERE b.run = ?1), "
	    "cs AS (SELECT DISTINCT t.suite_path AS s FROM results c "
	    "JOIN tests t ON t.id = c.test WHERE c.run = ?2) "
	    "SELECT (SELECT count(*) FROM results b JOIN tests t ON "
	    "t.id = b.test WHERE b.run = ?1 AND t.suite_path IN "
	    "(SELECT s FROM cs)), (SELECT count(*) FROM results c JOIN tests t "
	    "ON t.id = c.test WHERE c.run = ?2 AND t.suite_path IN "
	    "(SELECT s FROM bs))",
	/*
	 * baseline tests missing now whose identity path still reports
	 * (a deleted file is suite_shrink's), and with ?3 = 0 (the unnamed
	 * job) whose suite still reports
	 */
	[STMT_REMOVED] =
	    "WITH cur AS (SELECT DISTINCT t.identity_path AS p, "
	    "t.suite_path AS s FROM results c JOIN tests t ON t.id = c.test "
	    "WHERE c.run = ?2) "
	    "SELECT " T_COLS ", t.identity_path, t.base_name FROM results b "
	    "JOIN tests t ON t.id = b.test WHERE b.run = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM results c WHERE c.run = ?2 AND c.test = b.test) "
	    "AND t.alias_of IS NULL AND t.identity_path IN (SELECT p FROM cur) "
	    "AND (?3 = 1 OR t.suite_path IN (SELECT s FROM cur)) "
	    "ORDER BY t.identity_path, t.base_name, t.name",
	[STMT_SKIPPED] =
	    "SELECT " T_COLS " FROM results c JOIN results b ON b.run = ?1 AND "
	    "b.test = c.test JOIN tests t ON t.id = c.test WHERE c.run = ?2 "
	    "AND c.status = 3 AND b.status = 0",
	[STMT_ASSERTIONS] =
	    "SELECT " T_COLS ", b.assertions, c.assertions FROM results c "
	    "JOIN results b ON b.run = ?1 AND b.test = c.test JOIN tests t ON "
	    "t.id = c.test WHERE c.run = ?2 AND c.assertions < b.assertions",
	[STMT_COLLAPSE] =
	    "SELECT " T_COLS ", c.duration_ms, s.p50_ms FROM results c JOIN "
	    "test_stats s ON s.test = c.test JOIN tests t ON t.id = c.test "
	    "WHERE c.run = ?1 AND c.status = 0 AND c.duration_ms IS NOT NULL "
	    "AND s.p50_ms >= ?2 AND c.duration_ms * ?3 < s.p50_ms",
	[STMT_SHARDS] =
	    "SELECT diff, changed_files FROM run_shards WHERE run = ?1 "
	    "ORDER BY id",
	[STMT_RUN_TESTS] =
	    "SELECT " T_COLS " FROM results c JOIN tests t ON t.id = c.test "
	    "WHERE c.run = ?1",
	[STMT_GREENED] =
	    "SELECT " T_COLS " FROM results c JOIN results b ON b.run = ?1 AND "
	    "b.test = c.test JOIN tests t ON t.id = c.test WHERE c.run = ?2 "
	    "AND c.status = 0 AND b.status IN (1, 2)",
	[STMT_SIGNAL_ADD] =
	    "INSERT INTO signals (project_id, run, baseline_run, "
	    "signal_type, severity, subject, test, file, message, evidence, "
	    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?11) ON CONFLICT DO NOTHING RETURNING id",
	[STMT_EVENT] =
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	/* per test (or per test-less signal): signals of this run */
	/* the types joined by commas: group_concat, or string_agg */
	[STMT_ALERT_GROUPS] = DB_SQL2(
	    ALERT_GROUPS("group_concat(signal_type)"),
	    ALERT_GROUPS("string_agg(signal_type, ',')")),
	[STMT_ALERTED] =
	    "UPDATE signals SET alerted = 1 WHERE run = ?1 AND "
	    "(test = ?2 OR id = -?2)",
};

/* The run being checked and its baseline. */
struct irun {
	int64_t		 id, base, started_at, tests, base_tests;
	char		 run_id[160], base_run_id[160], sha[80], session[300];
	int		 has_sha;
	int		 named;		/* job is not NULL: all suites count */
	long		 raised;
};

/* A test of the run: who a diff finding in a file belongs to. */
struct rtest {
	int64_t	 id;
	char	*test_id, *name, *file, *classname;
};

/* Logs one event of kind about subject with payload (JSON text); all
 * borrowed.  Returns 0 or -1. */
static int
event_add(struct pass_ctx *c, const char *kind, const char *subject,
    const char *payload)
{
	struct db_query *st;

	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_EVENT)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, c->now) == -1 ||
	    db_bind_text(c->db, st, 3, kind) == -1 ||
	    db_bind_text(c->db, st, 4, subject) == -1 ||
	    db_bind_text(c->db, st, 5, payload) == -1)
		return -1;
	return db_step(c->db, st) == -1 ? -1 : 0;
}

/*
 * Stores one signal unless the same (run, type, subject) exists; a new
 * one also goes to the event log.  test is 0 for run- or file-wide
 * signals; evidence is a JSON text (borrowed).  Returns 0 or -1.
 */
static int
signal_add(struct pass_ctx *c, struct irun *r, const char *type,
    const char *severity, const char *subject, int64_t test,
    const char *test_id, const char *file, const char *message,
    const char *evidence)
{
	struct db_query *st;
	json_t *p;
	char *text;
	int64_t id;
	int rc;

	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_SIGNAL_ADD)) == NULL ||
	    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
	    db_bind_int(c->db, st, 2, r->id) == -1 ||
	    (r->base != 0 ? db_bind_int(c->db, st, 3, r->base) :
	    db_bind_null(c->db, st, 3)) == -1 ||
	    db_bind_text(c->db, st, 4, type) == -1 ||
	    db_bind_text(c->db, st, 5, severity) == -1 ||
	    db_bind_text(c->db, st, 6, subject) == -1 ||
	    (test != 0 ? db_bind_int(c->db, st, 7, test) :
	    db_bind_null(c->db, st, 7)) == -1 ||
	    db_bind_text_opt(c->db, st, 8, file) == -1 ||
	    db_bind_text(c->db, st, 9, message) == -1 ||
	    db_bind_text(c->db, st, 10, evidence != NULL ? evidence : "{}") ==
	    -1 || db_bind_int(c->db, st, 11, c->now) == -1 ||
	    (rc = db_step(c->db, st)) == -1)
		return -1;
	if (rc == DB_DONE)	/* raised before: the conflict kept the old */
		return 0;
	id = db_col_int(st, 0);
	db_reset(st);
	r->raised++;
	p = json_pack("{sIssssssss*}", "signal_id", (json_int_t)id,
	    "signal_type", type,
	    "severity", severity, "run_id", r->run_id, "test_id", test_id);
	if ((text = json_dumps(p, JSON_COMPACT)) == NULL)
		abort();
	json_decref(p);
	rc = event_add(c, "signal_raised", test_id != NULL ? test_id :
	    r->run_id, text);
	free(text);
	return rc;
}

/* A test-level signal for the row of st (T_COLS first); 0 or -1. */
static int
signal_row(struct pass_ctx *c, struct irun *r, struct db_query *st,
    const char *type, const char *severity, const char *message,
    const char *evidence)
{
	char *tid, *file;
	int rc;

	if ((tid = strdup(db_column_text(st, 1))) == NULL ||
	    (file = strdup(db_column_text(st, 3))) == NULL)
		abort();
	rc = signal_add(c, r, type, severity, tid, db_col_int(st,
	    0), tid, file, message, evidence);
	free(tid);
	free(file);
	return rc;
}

/*
 * test_removed, one signal per parameterized test (identity path and
 * base name), however many variants vanished.  Returns 0 or -1.
 */
static int
check_removed(struct pass_ctx *c, struct irun *r)
{
	struct db_query *st;
	struct buf subj, msg;
	json_t *ids = NULL;
	char *first_tid = NULL, *file = NULL, *text;
	int64_t first = 0;
	long n = 0;
	int rc, more, err = 0;

	memset(&subj, 0, sizeof(subj));
	memset(&msg, 0, sizeof(msg));
	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_REMOVED)) == NULL ||
	    db_bind_int(c->db, st, 1, r->base) == -1 ||
	    db_bind_int(c->db, st, 2, r->id) == -1 ||
	    db_bind_int(c->db, st, 3, r->named) == -1)
		return -1;
	rc = db_step(c->db, st);
	for (;;) {
		char key[1200] = "";
		more = rc == DB_ROW;
		if (more)
			snprintf(key, sizeof(key), "%s::%s",
			    db_column_text(st, 5), db_column_text(st, 6));
		/* flush the group that just ended */
		if (n > 0 && (!more || strcmp(key, subj.p) != 0)) {
			buf_reset(&msg);
			if (n == 1)
				buf_printf(&msg, "test %s vanished while %s "
				    "still reports", subj.p, file[0] != '\0' ?
				    file : "its suite");
			else
				buf_printf(&msg, "%ld variants of %s vanished "
				    "while %s still reports", n, subj.p,
				    file[0] != '\0' ? file : "its suite");
			json_t *ev = json_pack("{sIsO}", "variants",
			    (json_int_t)n, "test_ids", ids);
			text = json_dumps(ev, JSON_COMPACT);
			json_decref(ev);
			if (text == NULL)
				abort();
			if (signal_add(c, r, "test_removed", "high", subj.p,
			    first, first_tid, file, msg.p, text) == -1)
				err = 1;
			free(text);
			json_decref(ids);
			ids = NULL;
			free(first_tid);
			free(file);
			first_tid = file = NULL;
			n = 0;
		}
		if (!more || err)
			break;
		if (n == 0) {
			buf_reset(&subj);
			buf_printf(&subj, "%s", key);
			ids = json_array();
			first = db_col_int(st, 0);
			if ((first_tid = strdup(db_column_text(st, 1))) ==
			    NULL || (file = strdup(db_column_text(st, 3))) ==
			    NULL)
				abort();
		}
		if (json_array_size(ids) < 50)
			json_array_append_new(ids, jval_str(
			    db_column_text(st, 1)));
		n++;
		rc = db_step(c->db, st);
	}
	db_reset(st);
	free(first_tid);
	free(file);
	json_decref(ids);
	buf_free(&subj);
	buf_free(&msg);
	return rc == -1 || err ? -1 : 0;
}

/*
 * suite_shrink: the run has far fewer tests than its baseline; for the
 * unnamed job, counting only the suites both report.  The tests that
 * vanished are kept with the signal (signal_tests: the health tree counts
 * it toward their features).  Returns 0 or -1.
 */
static int
check_shrink(struct pass_ctx *c, struct irun *r)
{
	struct db_query *st;
	char msg[512], ev[128];
	int64_t drop;
	int rc;

	if (!r->named) {
		if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_COUNTS)) ==
		    NULL || db_bind_int(c->db, st, 1, r->base) == -1 ||
		    db_bind_int(c->db, st, 2, r->id) == -1 ||
		    (rc = db_step(c->db, st)) == -1)
			return -1;
		if (rc == DB_ROW) {
			r->base_tests = db_col_int(st, 0);
			r->tests = db_col_int(st, 1);
		}
		db_reset(st);
	}
	drop = r->base_tests - r->tests;
	if (drop <= 0 || (drop < c->cfg->integrity_shrink_tests &&
	    drop * 100 < c->cfg->integrity_shrink_pct * r->base_tests))
		return 0;
	snprintf(msg, sizeof(msg), "the suite shrank from %lld to %lld tests "
	    "(-%lld, %.1f%%) since run %s", (long long)r->base_tests,
	    (long long)r->tests, (long long)drop, 100.0 * (double)drop /
	    (double)r->base_tests, r->base_run_id);
	snprintf(ev, sizeof(ev), "{\"before\":%lld,\"after\":%lld}",
	    (long long)r->base_tests, (long long)r->tests);
	if (signal_add(c, r, "suite_shrink", "critical", "", 0, NULL, NULL,
	    msg, ev) == -1 ||
	    (st = DB_STMT(c->db, DBM_INTEGRITY, STMT_SHRINK_TESTS)) == NULL ||
	    db_bind_int(c->db, st, 1, r->base) == -1 ||
	    db_bind_int(c->db, st, 2, r->id) == -1 ||
	    db_bind_int(c->db, st, 3, r->named) == -1 ||
	    db_step_done(c->db, st) == -1)
		return -1;
	return 0;
}

/* newly_skipped, assertions_dropped and duration_collapse. */
static int
check_tests(struct pass_ctx *c, struct irun *r)
{
	struct db_query *st;
	char msg[600], ev[160];
	int rc = 0;

	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_SKIPPED)) == NULL ||
	    db_bind_int(c->db, st, 1, r->base) == -1 ||
	    db_bind_int(c->db, st, 2, r->id) == -1)
		return -1;
	while (rc == 0 && db_step(c->db, st) == DB_ROW) {
		snprintf(msg, sizeof(msg), "%.*s passed in run %s and is "
		    "skipped now", UTF8_CUT(db_column_text(st, 2), 400),
		    r->base_run_id);
		rc = signal_row(c, r, st, "newly_skipped", "medium", msg,
		    NULL);
	}
	db_reset(st);
	if (rc == -1 ||
	    (st = DB_STMT(c->db, DBM_INTEGRITY, STMT_ASSERTIONS)) == NULL ||
	    db_bind_int(c->db, st, 1, r->base) == -1 ||
	    db_bind_int(c->db, st, 2, r->id) == -1)
		return -1;
	while (rc == 0 && db_step(c->db, st) == DB_ROW) {
		snprintf(msg, sizeof(msg), "%.*s checks %lld assertions, "
		    "%lld in run %s", UTF8_CUT(db_column_text(st, 2), 400),
		    (long long)db_col_int(st, 6),
		    (long long)db_col_int(st, 5), r->base_run_id);
		snprintf(ev, sizeof(ev), "{\"before\":%lld,\"after\":%lld}",
		    (long long)db_col_int(st, 5),
		    (long long)db_col_int(st, 6));
		rc = signal_row(c, r, st, "assertions_dropped", "high", msg,
		    ev);
	}
	db_reset(st);
	if (rc == -1 ||
	    (st = DB_STMT(c->db, DBM_INTEGRITY, STMT_COLLAPSE)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1 ||
	    db_bind_int(c->db, st, 2, MIN_COLLAPSE_MS) == -1 ||
	    db_bind_int(c->db, st, 3, c->cfg->integrity_collapse_factor) == -1)
		return -1;
	while (rc == 0 && db_step(c->db, st) == DB_ROW) {
		snprintf(msg, sizeof(msg), "%.*s passed in %lld ms against a "
		    "median of %lld ms: its body may have been stubbed out",
		    UTF8_CUT(db_column_text(st, 2), 400),
		    (long long)db_col_int(st, 5),
		    (long long)db_col_int(st, 6));
		snprintf(ev, sizeof(ev), "{\"duration_ms\":%lld,"
		    "\"median_ms\":%lld}",
		    (long long)db_col_int(st, 5),
		    (long long)db_col_int(st, 6));
		rc = signal_row(c, r, st, "duration_collapse", "medium", msg,
		    ev);
	}
	db_reset(st);
	return rc;
}

/* Predicate: sha is 7 to 64 hex digits (safe as a git argument). */
static int
sha_ok(const char *sha)
{
	size_t n = strspn(sha, "0123456789abcdefABCDEF");

	return n >= 7 && n <= 64 && sha[n] == '\0';
}

/*
 * Appends `git -C repo show --format= -U3 SHA` to out: fork and exec with
 * an argv, never a shell; capped in size and time.  Returns 0, or -1
 * when git failed (logged; the uploaded diff is still used).
 */
static int
git_diff(const char *repo, const char *sha, struct buf *out)
{
	char *argv[] = { "git", "-C", (char *)repo, "show", "--format=",
	    "--no-color", "--no-ext-diff", "-U3", (char *)sha, "--", NULL };
	char chunk[65536];
	struct pollfd pfd;
	double t0 = tvtime_mono_ms();
	int fds[2], status, devnull;
	size_t total = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(fds[1], 1);
		if (devnull != -1) {
			dup2(devnull, 0);
			dup2(devnull, 2);
		}
		execvp("git", argv);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		int left = GIT_TIMEOUT_MS - (int)(tvtime_mono_ms() - t0);
		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			log_error("integrity: git show %s: timed out", sha);
			kill(pid, SIGKILL);
			break;
		}
		if ((n = read(fds[0], chunk, sizeof(chunk))) <= 0)
			break;
		if (total + (size_t)n > GIT_DIFF_MAX) {
			log_error("integrity: git show %s: diff over %d bytes, "
			    "cut", sha, GIT_DIFF_MAX);
			kill(pid, SIGKILL);
			break;
		}
		buf_append(out, chunk, (size_t)n);
		total += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_error("integrity: git -C %s show %s failed", repo, sha);
		return -1;
	}
	return 0;
}

/* Predicate: the test lives in path (its file, or its class's path). */
static int
test_in_file(const struct rtest *t, const char *path)
{
	char cls[1024];
	const char *dot;
	size_t i, n;

	if (t->file[0] != '\0')
		return diffscan_path_matches(path, t->file);
	if (t->classname[0] == '\0')
		return 0;
	/* com.shop.CartTest -> com/shop/CartTest, against path sans ext */
	snprintf(cls, sizeof(cls), "%s", t->classname);
	for (i = 0; cls[i] != '\0'; i++)
		if (cls[i] == '.')
			cls[i] = '/';
	if ((dot = strrchr(path, '.')) == NULL || strchr(dot, '/') != NULL)
		return 0;
	n = strlen(cls);
	return (size_t)(dot - path) >= n && strncmp(dot - n, cls, n) == 0 &&
	    (dot - n == path || dot[-(long)n - 1] == '/');
}

/* Frees the n tests of t and t itself; accepts NULL with n 0. */
static void
rtests_free(struct rtest *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].test_id);
		free(t[i].name);
		free(t[i].file);
		free(t[i].classname);
	}
	free(t);
}

/* Loads the tests of statement st's rows (T_COLS).  Returns the count. */
static long
rtests_load(struct db *db, struct db_query *st, struct rtest **out)
{
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (n == cap) {
			cap = cap * 2 + 256;
			if ((*out = realloc(*out, cap * sizeof(**out))) == NULL)
				abort();
		}
		(*out)[n].id = db_col_int(st, 0);
		if (((*out)[n].test_id = strdup(db_column_text(st, 1))) ==
		    NULL || ((*out)[n].name = strdup(db_column_text(st, 2))) ==
		    NULL || ((*out)[n].file = strdup(db_column_text(st, 3))) ==
		    NULL || ((*out)[n].classname = strdup(db_column_text(st,
		    4))) == NULL)
			abort();
		n++;
	}
	db_reset(st);
	if (rc == -1) {
		rtests_free(*out, n);
		*out = NULL;
		return -1;
	}
	return (long)n;
}

/*
 * Severity of each diff finding kind, in diff_kind order: removed
 * assertions and swallowed exceptions hide failures; skips and xfails
 * are visible in the results too.
 */
static const char *const diff_severity[DIFF__MAX] = {
	"high", "medium", "medium", "high"
};

/*
 * Raises a signal per finding of the scanned diff ds, tied to the test
 * of the run the hunk is in when its function context names one.
 * Returns 0 or -1.
 */
static int
diff_findings(struct pass_ctx *c, struct irun *r, const struct diffscan *ds)
{
	struct rtest *rt = NULL;
	struct db_query *st;
	char subject[1200], msg[1200], *ev;
	json_t *v;
	long nt, i;
	size_t k;
	int rc = 0;

	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_RUN_TESTS)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1 ||
	    (nt = rtests_load(c->db, st, &rt)) == -1)
		return -1;
	for (k = 0; k < diffscan_nfindings(ds) && rc == 0; k++) {
		const struct diff_finding *f = diffscan_finding(ds, k);
		const struct rtest *who = NULL;
		for (i = 0; i < nt && who == NULL; i++)
			if (f->context[0] != '\0' && rt[i].name[0] != '\0' &&
			    strstr(f->context, rt[i].name) != NULL &&
			    test_in_file(&rt[i], f->file))
				who = &rt[i];
		snprintf(subject, sizeof(subject), "%s%s%s",
		    who != NULL ? who->test_id : "", who != NULL ? "@" : "",
		    f->file);
		snprintf(msg, sizeof(msg), "%s: %d %s in %s%s%s: %.*s",
		    diff_kind_names[f->kind], f->count, f->kind ==
		    DIFF_ASSERTION_REMOVED ? "assertion(s) removed" :
		    "marker(s) added", f->file, who != NULL ? ", " : "",
		    who != NULL ? who->name : "", UTF8_CUT(f->text, 200));
		v = jval_object();
		jval_set(v, "file", jval_str(f->file));
		jval_set(v, "line", jval_int(f->line));
		jval_set(v, "count", jval_int(f->count));
		jval_set(v, "sample", jval_str(f->text));
		if (f->context[0] != '\0')
			json_object_set_new(v, "context",
			    jval_str(f->context));
		ev = json_dumps(v, JSON_COMPACT);
		json_decref(v);
		if (ev == NULL)
			abort();
		rc = signal_add(c, r, diff_kind_names[f->kind],
		    diff_severity[f->kind], subject, who != NULL ? who->id : 0,
		    who != NULL ? who->test_id : NULL, f->file, msg, ev);
		free(ev);
	}
	rtests_free(rt, (size_t)nt);
	return rc;
}

/*
 * edited_before_green: a test red in the baseline and green now whose
 * file is among changed (an array of paths, borrowed).  Needs the
 * baseline.  Returns 0 or -1.
 */
static int
check_greened(struct pass_ctx *c, struct irun *r, json_t *changed)
{
	struct rtest *rt = NULL;
	struct db_query *st;
	char msg[1200], *ev;
	json_t *v;
	long nt, i;
	size_t j;
	int rc = 0;

	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_GREENED)) == NULL ||
	    db_bind_int(c->db, st, 1, r->base) == -1 ||
	    db_bind_int(c->db, st, 2, r->id) == -1 ||
	    (nt = rtests_load(c->db, st, &rt)) == -1)
		return -1;
	for (i = 0; i < nt && rc == 0; i++) {
		json_array_foreach(changed, j, v) {
			const char *p = json_string_value(v);
			if (p == NULL || !test_in_file(&rt[i], p))
				continue;
			snprintf(msg, sizeof(msg), "%.*s failed in run %s and "
			    "passes now, and its file %.*s was changed in "
			    "this commit", UTF8_CUT(rt[i].name, 400),
			    r->base_run_id, UTF8_CUT(p, 300));
			v = jval_object();
			jval_set(v, "file", jval_str(p));
			ev = json_dumps(v, JSON_COMPACT);
			json_decref(v);
			if (ev == NULL)
				abort();
			rc = signal_add(c, r, "edited_before_green", "high",
			    rt[i].test_id, rt[i].id, rt[i].test_id, p, msg, ev);
			free(ev);
			break;
		}
	}
	rtests_free(rt, (size_t)nt);
	return rc;
}

/*
 * The diff-based signals of a run: gathers the uploaded diffs and
 * changed_files (and git's diff when repo_path is set), scans them, and
 * raises a signal per finding (diff_findings()); then, when the run has
 * a baseline, edited_before_green.  Needs no baseline itself.  Returns 0
 * or -1.
 */
static int
check_diff(struct pass_ctx *c, struct irun *r)
{
	struct buf diff;
	struct diffscan *ds = NULL;
	json_t *changed = json_array(), *v;
	struct db_query *st;
	size_t k;
	int rc, err = -1;

	memset(&diff, 0, sizeof(diff));
	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_SHARDS)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1)
		goto out;
	while ((rc = db_step(c->db, st)) == DB_ROW) {
		if (!db_col_null(st, 0)) {
			buf_printf(&diff, "%s\n", db_column_text(st, 0));
		}
		if (!db_col_null(st, 1) &&
		    (v = json_loads(db_column_text(st, 1), 0, NULL)) != NULL) {
			if (json_is_array(v))
				json_array_extend(changed, v);
			json_decref(v);
		}
	}
	db_reset(st);
	if (rc == -1)
		goto out;
	if (diff.len == 0 && c->cfg->repo_path[0] != '\0' && r->has_sha &&
	    sha_ok(r->sha))
		(void)git_diff(c->cfg->repo_path, r->sha, &diff);
	if (diff.len == 0 && json_array_size(changed) == 0) {
		err = 0;
		goto out;
	}
	if ((ds = diffscan_run(diff.p != NULL ? diff.p : "", diff.len)) ==
	    NULL)
		abort();
	for (k = 0; k < diffscan_nfiles(ds); k++)
		json_array_append_new(changed, jval_str(
		    diffscan_file(ds, k)->path));
	if (diff_findings(c, r, ds) == -1)
		goto out;
	if (json_array_size(changed) > 0 && r->base != 0 &&
	    check_greened(c, r, changed) == -1)
		goto out;
	err = 0;
out:
	diffscan_free(ds);
	json_decref(changed);
	buf_free(&diff);
	return err;
}

/*
 * INT-3: raises one integrity_alert event per test with two or more
 * signals in this run, or with a critical one, unless already raised.
 * Returns the number of alerts, or -1.
 */
static long
alerts_raise(struct pass_ctx *c, struct irun *r)
{
	struct db_query *st;
	int64_t groups[256];
	char *payloads[256];
	size_t n = 0, i;
	long raised = 0;
	int rc;

	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_ALERT_GROUPS)) == NULL ||
	    db_bind_int(c->db, st, 1, r->id) == -1)
		return -1;
	while ((rc = db_step(c->db, st)) == DB_ROW && n < 256) {
		json_t *p;
		if (db_col_int(st, 3) == 0 ||
		    (db_col_int(st, 1) < 2 &&
		    (int)db_col_int(st, 2) == 0))
			continue;
		groups[n] = db_col_int(st, 0);
		p = json_pack("{ssssss+sIsb}", "run_id", r->run_id, "test_id",
		    !db_col_null(st, 5) ?
		    db_column_text(st, 5) : "", "signal_types", "",
		    db_column_text(st, 4), "signals", (json_int_t)
		    db_col_int(st, 1), "critical",
		    (int)db_col_int(st, 2));
		if (db_col_null(st, 5))
			json_object_set_new(p, "test_id", json_null());
		if ((payloads[n] = json_dumps(p, JSON_COMPACT)) == NULL)
			abort();
		json_decref(p);
		n++;
	}
	db_reset(st);
	for (i = 0; i < n; i++) {
		if (rc != -1 && (event_add(c, "integrity_alert", r->run_id,
		    payloads[i]) == -1 ||
		    (st = DB_STMT(c->db, DBM_INTEGRITY, STMT_ALERTED)) ==
		    NULL || db_bind_int(c->db, st, 1, r->id) == -1 ||
		    db_bind_int(c->db, st, 2, groups[i]) == -1 ||
		    db_step(c->db, st) == -1))
			rc = -1;
		free(payloads[i]);
		raised++;
	}
	return rc == -1 ? -1 : raised;
}

/* What the integrity pass counts while it steps through the runs, and
 * the project's default branch it compares first runs with. */
struct itally {
	long	 signals, alerts;
	char	 def[BRANCH_BYTES];
};

/*
 * Finds the baseline of r (its id, started_at and named filled; branch
 * NULL when the run has none, job NULL for the unnamed job, both
 * borrowed): the previous run of its stream, else, off the default
 * branch def, the newest earlier run of its job on def.  For the unnamed
 * job both only take runs that report one of r's suites (STMT_BASELINE).
 * Leaves r->base 0 when there is none.  Returns 0 or -1.
 */
static int
baseline_find(struct pass_ctx *c, struct irun *r, const char *branch,
    const char *job, const char *def)
{
	struct db_query *st;
	int i, rc = DB_DONE;

	for (i = 0; i < 2 && rc != DB_ROW; i++) {
		if (i == 1 && branch != NULL && strcmp(branch, def) == 0)
			break;
		if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_BASELINE)) ==
		    NULL ||
		    db_bind_int(c->db, st, 1, c->project_id) == -1 ||
		    db_bind_text(c->db, st, 2, i == 0 ? branch : def) == -1 ||
		    db_bind_int(c->db, st, 3, r->started_at) == -1 ||
		    db_bind_int(c->db, st, 4, r->id) == -1 ||
		    db_bind_text(c->db, st, 5, job) == -1 ||
		    db_bind_int(c->db, st, 6, r->named) == -1 ||
		    (rc = db_step(c->db, st)) == -1)
			return -1;
		if (rc == DB_ROW) {
			r->base = db_col_int(st, 0);
			r->base_tests = db_col_int(st, 1);
			snprintf(r->base_run_id, sizeof(r->base_run_id), "%s",
			    db_column_text(st, 2));
		}
		db_reset(st);
	}
	return 0;
}

/*
 * pass_each_run() work of the integrity pass: checks run (runs.id)
 * against its baseline inside the open transaction, counting into the
 * tally at arg.  Returns 0 or -1.
 */
static int
run_check(struct pass_ctx *c, int64_t run, void *arg)
{
	struct itally *t = arg;
	struct irun r;
	struct db_query *st;
	char branch[BRANCH_BYTES], job[JOB_BYTES];
	long a;
	int has_branch;

	if ((st = DB_STMT(c->db, DBM_INTEGRITY, STMT_RUN)) == NULL ||
	    db_bind_int(c->db, st, 1, run) == -1 ||
	    db_step(c->db, st) != DB_ROW)
		return -1;
	memset(&r, 0, sizeof(r));
	r.id = db_col_int(st, 0);
	snprintf(r.run_id, sizeof(r.run_id), "%s", db_column_text(st, 1));
	has_branch = !db_col_null(st, 2);
	if (has_branch)
		snprintf(branch, sizeof(branch), "%s", db_column_text(st, 2));
	r.has_sha = !db_col_null(st, 3);
	if (r.has_sha)
		snprintf(r.sha, sizeof(r.sha), "%s", db_column_text(st, 3));
	r.started_at = db_col_int(st, 4);
	r.tests = db_col_int(st, 5);
	r.named = !db_col_null(st, 7);
	if (r.named)
		snprintf(job, sizeof(job), "%s", db_column_text(st, 7));
	db_reset(st);
	if (baseline_find(c, &r, has_branch ? branch : NULL, r.named ? job :
	    NULL, t->def) == -1)
		return -1;
	/*
	 * The result-based checks compare with the baseline; the diff alone
	 * needs none, so the first run on a branch gets its diff-based
	 * signals too (issue 11 item 11).
	 */
	if ((r.base != 0 && (check_removed(c, &r) == -1 ||
	    check_shrink(c, &r) == -1 || check_tests(c, &r) == -1)) ||
	    check_diff(c, &r) == -1)
		return -1;
	if ((a = alerts_raise(c, &r)) == -1)
		return -1;
	t->signals += r.raised;
	t->alerts += a;
	return 0;
}

/*
 * The batch `integrity` pass for one project: each run since the
 * watermark against its baseline, one transaction each with the
 * watermark.  Returns 0 or -1.
 */
int
integrity_pass(struct pass_ctx *c)
{
	struct itally t;
	long runs;

	memset(&t, 0, sizeof(t));
	if (branch_default(c->db, c->project_id, c->cfg, t.def,
	    sizeof(t.def)) == -1)
		return -1;
	if ((runs = pass_each_run(c, "integrity", run_check, &t)) == -1)
		return -1;
	c->changed += runs;
	pass_note(c, "%ld runs checked, %ld signals, %ld alerts", runs,
	    t.signals, t.alerts);
	return 0;
}
