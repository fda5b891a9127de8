/*
 * `testvis batch` (SPEC §6): runs the passes (spool, history, fingerprints,
 * mapping, flaky, integrity, alerts, exports, retention) one after the
 * other, one instance at a time, each pass for every project from its own
 * watermark; prints one summary line per pass and records each pass's
 * last run in batch_passes for /api/health.  --watch drains the spool as
 * files land (inotify) and runs the other passes every interval.  This is the
 * runner: it owns the locks, the pass table and its order, the
 * bookkeeping and the exit status.  The passes live in their modules;
 * what they share (the pass context, watermarks, chunked commits) is
 * lib/passes/pass.c, which they include instead of this module.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <jansson.h>

#include "alerts.h"
#include "batch.h"
#include "config.h"
#include "db.h"
#include "exports.h"
#include "flakystate.h"
#include "historypass.h"
#include "integrity.h"
#include "log.h"
#include "mapping.h"
#include "pass.h"
#include "refinger.h"
#include "retention.h"
#include "rollup.h"
#include "spool.h"
#include "trace.h"
#include "tvtime.h"

/* One pass: global passes run once, the others once per project. */
struct batch_pass {
	const char	*name;
	int		 per_project;
	int		(*run)(struct pass_ctx *);
};

/* In SPEC order: the spool feeds mapping, mapping feeds the health views
 * the others annotate, retention last so the passes see the new data.
 * fingerprints (a no-op unless FINGERPRINT_VERSION changed) recomputes
 * the stored failures' fingerprints before anything reads them; history
 * copies the runs the spool and the uploads wrote into the per-test
 * order the other passes' by-test reads use. */
static const struct batch_pass passes[] = {
	{ "spool", 0, spool_pass },
	{ "history", 0, history_pass },
	{ "fingerprints", 1, refinger_pass },
	{ "mapping", 1, mapping_pass },
	{ "flaky", 1, flakystate_pass },
	{ "integrity", 1, integrity_pass },
	{ "alerts", 1, alerts_pass },
	{ "exports", 1, exports_pass },
	{ "retention", 1, retention_pass },
};
#define NPASSES (sizeof(passes) / sizeof(passes[0]))

enum stmt {
	STMT_PROJECTS,
	STMT_PROJECT,
	STMT_PASS_START,
	STMT_PASS_END,
	STMT_EVENT,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_PROJECTS] = "SELECT id, slug FROM projects ORDER BY id",
	[STMT_PROJECT] = "SELECT id, slug FROM projects WHERE slug = ?1",
	[STMT_PASS_START] =
	    "INSERT INTO batch_passes (name, last_started_at) VALUES (?1, ?2) "
	    "ON CONFLICT (name) DO UPDATE SET last_started_at = ?2",
	[STMT_PASS_END] =
	    "UPDATE batch_passes SET last_finished_at = ?2, last_status = ?3, "
	    "last_summary = ?4 WHERE name = ?1",
	/* a pass changed the project: pages following it live refresh */
	[STMT_EVENT] =
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, 'batch_done', ?3, ?4)",
};

static volatile sig_atomic_t stopping;

/* SIGTERM / SIGINT under --watch: stop after the current round. */
static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Records the start or the end of a pass in batch_passes; 0 or -1. */
static int
batch_record(struct db *db, const char *name, int64_t at, const char *status,
    const char *summary)
{
	struct db_query *st;

	st = DB_STMT(db, DBM_BATCH, status == NULL ? STMT_PASS_START :
	    STMT_PASS_END);
	if (st == NULL || db_bind_text(db, st, 1, name) == -1 ||
	    db_bind_int(db, st, 2, at) == -1)
		return -1;
	if (status != NULL && (db_bind_text(db, st, 3, status) == -1 ||
	    db_bind_text(db, st, 4, summary) == -1))
		return -1;
	return db_step_done(db, st);
}

/* Predicate: every name in the list is a pass. */
static int
batch_passes_valid(const char *list)
{
	const char *p = list, *e;
	size_t i, n;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < NPASSES; i++)
			if (strlen(passes[i].name) == n &&
			    strncmp(passes[i].name, p, n) == 0)
				break;
		if (i == NPASSES)
			return 0;
		p += n + (e != NULL);
	}
	return list[0] != '\0';
}

/*
 * Writes the `batch_done` event of pass name for c's project, which the
 * pass changed (c->changed): {"pass", "summary"}.  0 or -1.
 */
static int
batch_event(struct pass_ctx *c, const char *name)
{
	struct db_query *st;
	json_t *o = json_pack("{ssss}", "pass", name, "summary", c->summary);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc = -1;

	json_decref(o);
	if (text == NULL)
		abort();
	if (db_begin(c->db) == 0 &&
	    (st = DB_STMT(c->db, DBM_BATCH, STMT_EVENT)) != NULL &&
	    db_bind_int(c->db, st, 1, c->project_id) == 0 &&
	    db_bind_int(c->db, st, 2, c->now) == 0 &&
	    db_bind_text(c->db, st, 3, name) == 0 &&
	    db_bind_text(c->db, st, 4, text) == 0 &&
	    db_step_done(c->db, st) == 0 && db_commit(c->db) == 0)
		rc = 0;
	else
		db_rollback(c->db);
	free(text);
	return rc;
}

/*
 * Runs one pass for one project (or globally): a failed pass rolls back
 * its open chunk; what it committed before stays, with its watermark.
 * Traced as a child of the pass's span (NULL: not traced).  Returns 0 or
 * -1.
 */
static int
batch_run_one(struct pass_ctx *c, const struct batch_pass *p,
    struct trace_span *parent)
{
	struct trace_span *sp = trace_begin(parent, p->per_project ?
	    "batch.project" : "batch.global");
	long chunks = c->chunks;
	int rc;

	c->summary[0] = '\0';
	c->changed = 0;
	rc = p->run(c);
	if (rc == -1)
		db_rollback(c->db);
	else if (c->project_id > 0 && c->changed > 0 &&
	    batch_event(c, p->name) == -1)
		rc = -1;
	if (c->project_id > 0) {
		trace_attr_int(sp, "testvis.project_id", c->project_id);
		trace_attr_str(sp, "testvis.project", c->project);
	}
	trace_attr_int(sp, "testvis.batch.chunks", c->chunks - chunks);
	trace_attr_str(sp, "testvis.batch.summary", c->summary);
	if (rc == -1)
		trace_error(sp, "pass failed");
	trace_end(sp);
	return rc;
}

/*
 * Runs the selected passes once: per pass, for each project, then one
 * summary line and the bookkeeping row.  Returns 0 when every pass
 * succeeded, 1 when any failed (the others still ran).
 */
static int
batch_once(struct db *db, const struct config *cfg,
    const struct batch_opts *o, const char *only, struct tracer *tr)
{
	struct trace_span *root;
	struct pass_ctx c;
	struct db_query *st;
	char line[4096], *crash;
	int64_t ids[256];
	char *slugs[256];
	size_t np = 0, i, k;
	int rc, failed = 0, pfail;
	double t0;

	/* the project list, read once */
	st = DB_STMT(db, DBM_BATCH, o->project != NULL ? STMT_PROJECT :
	    STMT_PROJECTS);
	if (st == NULL || (o->project != NULL &&
	    db_bind_text(db, st, 1, o->project) == -1))
		return 1;
	while ((rc = db_step(db, st)) == DB_ROW && np < 256) {
		ids[np] = db_col_int(st, 0);
		if ((slugs[np] = strdup(db_column_text(st, 1))) == NULL)
			abort();
		np++;
	}
	db_reset(st);
	if (rc == -1) {
		for (i = 0; i < np; i++)
			free(slugs[i]);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.cfg = cfg;
	if ((crash = getenv("TESTVIS_BATCH_CRASH_AFTER")) != NULL)
		c.crash_after = strtol(crash, NULL, 10);
	for (i = 0; i < NPASSES; i++) {
		const struct batch_pass *p = &passes[i];
		if (only != NULL && !pass_list_has(only, p->name))
			continue;
		c.now = o->now != 0 ? o->now : tvtime_now_ms();
		t0 = tvtime_mono_ms();
		snprintf(line, sizeof(line), "batch %s", p->name);
		root = trace_start(tr, NULL, line, TRACE_INTERNAL);
		trace_attr_str(root, "testvis.batch.pass", p->name);
		trace_attr_int(root, "testvis.batch.projects", p->per_project ?
		    (long long)np : 0);
		(void)batch_record(db, p->name, c.now, NULL, NULL);
		pfail = 0;
		line[0] = '\0';
		for (k = 0; k < (p->per_project ? np : 1); k++) {
			c.project_id = p->per_project ? ids[k] : 0;
			c.project = p->per_project ? slugs[k] : NULL;
			if (batch_run_one(&c, p, root) == -1) {
				pfail = 1;
				pass_note(&c, "FAILED");
			}
			if (c.summary[0] != '\0') {
				size_t n = strlen(line);
				snprintf(line + n, sizeof(line) - n, "%s%s%s%s",
				    n > 0 ? "; " : "", c.project != NULL ?
				    c.project : "", c.project != NULL ?
				    ": " : "", c.summary);
			}
		}
		if (line[0] == '\0')
			snprintf(line, sizeof(line), "%s",
			    np == 0 && p->per_project ? "no projects" :
			    "nothing to do");
		printf("batch: %s %s in %.3f s: %s\n", p->name,
		    pfail ? "failed" : "ok",
		    (tvtime_mono_ms() - t0) / 1000.0, line);
		fflush(stdout);
		(void)batch_record(db, p->name, o->now != 0 ? o->now :
		    tvtime_now_ms(), pfail ? "failed" : "ok", line);
		trace_attr_str(root, "testvis.batch.summary", line);
		if (pfail)
			trace_error(root, "pass failed");
		trace_end(root);
		failed |= pfail;
	}
	for (i = 0; i < np; i++)
		free(slugs[i]);
	/* uploads leave their commits in the log for this (db_checkpoint()) */
	(void)db_checkpoint(db, DB_CKPT_RESET);
	return failed ? 1 : 0;
}

/*
 * Takes the batch's lock SUFFIX without waiting: a file lock
 * (spool_lock_path()), or for the batch lock of a PostgreSQL database an
 * advisory lock on db (several hosts share it; then 0 stands for the
 * held lock).  Returns the open descriptor (held until exit), -2 when
 * another process holds it, or -1 on an error (logged).
 */
static int
lock_take(const struct config *cfg, struct db *db, const char *suffix)
{
	char path[PATH_MAX];
	int fd;

	if (db_is_url(cfg->db) && strcmp(suffix, "batch.lock") == 0) {
		fd = db_batch_lock(db, 0);
		return fd == 1 ? 0 : fd == 0 ? -2 : -1;
	}
	if (spool_lock_path(cfg, suffix, path, sizeof(path)) == -1) {
		log_error("batch: no place for the %s: set spool_dir", suffix);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) == -1) {
		log_error("batch: %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return errno == EWOULDBLOCK ? -2 : -1;
	}
	return fd;
}

/* Releases a lock lock_take() took (fd 0: the database's). */
static void
lock_release(struct db *db, int fd)
{
	if (fd == 0 && db != NULL && db_engine(db) == DB_POSTGRES)
		db_batch_unlock(db);
	else if (fd > 0)
		close(fd);
}

/*
 * --watch: holds the spool lock, drains the spool whenever inotify says a
 * file was closed or moved in (after spool_settle_seconds), and every
 * interval runs the other passes under the batch lock (skipped while a
 * cron batch holds it).  Runs until SIGTERM or SIGINT.  Returns an exit
 * status.
 */
static int
batch_watch(struct db *db, const struct config *cfg,
    const struct batch_opts *o, struct tracer *tr)
{
	struct pollfd pfd;
	char buf[4096] __attribute__((aligned(8)));
	double next_all = 0, due_spool = 0, now;
	int ifd = -1, lfd, bfd, rc = 0;

	if ((lfd = lock_take(cfg, db, "spool.lock")) == -2) {
		printf("batch: another batch --watch is running\n");
		return 0;
	}
	if (lfd == -1)
		return 3;
	if (cfg->spool_dir[0] != '\0') {
		if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
		    inotify_add_watch(ifd, cfg->spool_dir, IN_CLOSE_WRITE |
		    IN_MOVED_TO) == -1) {
			log_error("batch: watching %s: %s", cfg->spool_dir,
			    strerror(errno));
			close(lfd);
			if (ifd != -1)
				close(ifd);
			return 1;
		}
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	spool_hold_lock(1);
	due_spool = tvtime_mono_ms();	/* whatever is there already */
	while (!stopping) {
		int timeout;
		now = tvtime_mono_ms();
		if (due_spool > 0 && now >= due_spool) {
			due_spool = 0;
			rc |= batch_once(db, cfg, o, "spool", tr);
			if (spool_pending())
				due_spool = now + 1000.0 *
				    (cfg->spool_settle_seconds + 0.2);
		}
		if (now >= next_all) {
			if ((bfd = lock_take(cfg, db, "batch.lock")) >= 0) {
				rc |= batch_once(db, cfg, o,
				    "history,fingerprints,mapping,flaky,"
				    "integrity,alerts,exports,retention", tr);
				lock_release(db, bfd);
			}
			next_all = now + 1000.0 * o->interval;
		}
		timeout = (int)(next_all - now);
		if (due_spool > 0 && due_spool - now < timeout)
			timeout = (int)(due_spool - now);
		pfd.fd = ifd;
		pfd.events = POLLIN;
		if (poll(&pfd, ifd != -1 ? 1 : 0, timeout < 0 ? 0 : timeout) >
		    0) {
			while (read(ifd, buf, sizeof(buf)) > 0)
				;
			due_spool = tvtime_mono_ms() + 1000.0 *
			    cfg->spool_settle_seconds + 200;
		}
	}
	printf("batch: --watch stopped\n");
	if (ifd != -1)
		close(ifd);
	close(lfd);
	return rc ? 1 : 0;
}

/*
 * Looks the project slug up: 1 it exists, 0 it does not, -1 on a
 * database error (logged).
 */
static int
batch_project_known(struct db *db, const char *slug)
{
	struct db_query *st;
	int rc;

	if ((st = DB_STMT(db, DBM_BATCH, STMT_PROJECT)) == NULL ||
	    db_bind_text(db, st, 1, slug) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	db_reset(st);
	return rc == DB_ROW;
}

/*
 * The whole `testvis batch`: validates the options, takes the lock (a
 * second instance says so and returns 0), opens the database and runs
 * the passes once (or --watch).  Returns the exit status: 0, 1 when a
 * pass failed or the project is unknown, 2 usage, 3 storage.
 */
int
batch_main(const struct config *cfg, const struct batch_opts *o)
{
	struct tracer *tr;
	struct db *db = NULL;
	char err[512];
	int lfd = -1, rc = 3, known;

	if (o->passes != NULL && !batch_passes_valid(o->passes)) {
		fprintf(stderr, "testvis: --pass takes a comma-separated list "
		    "of spool, history, fingerprints, mapping, flaky, "
		    "integrity, alerts, exports, retention\n");
		return 2;
	}
	if ((db = db_open(cfg->db, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "testvis: %s\n", err);
		goto out;
	}
	if (!o->watch) {
		if ((lfd = lock_take(cfg, db, "batch.lock")) == -2) {
			printf("batch: another batch is running; nothing "
			    "to do\n");
			rc = 0;
			goto out;
		}
		if (lfd == -1)
			goto out;
	}
	if (db_limit_size(db, cfg->max_db_mb) == -1) {
		fprintf(stderr, "testvis: cannot prepare the database "
		    "connection\n");
		goto out;
	}
	if (db_schema_version(db) != db_schema_latest()) {
		fprintf(stderr, "testvis: database schema is at level %d, "
		    "this program needs %d: run 'testvis migrate'\n",
		    db_schema_version(db), db_schema_latest());
		goto out;
	}
	if (o->project != NULL &&
	    (known = batch_project_known(db, o->project)) != 1) {
		if (known == 0) {
			fprintf(stderr, "testvis: unknown project '%s'\n",
			    o->project);
			rc = 1;
		}
		goto out;
	}
	tr = trace_open(cfg->trace_file, cfg->trace_max_bytes,
	    "testvis-batch");
	rc = o->watch ? batch_watch(db, cfg, o, tr) :
	    batch_once(db, cfg, o, o->passes, tr);
	trace_close(tr);
out:
	if (lfd >= 0)
		lock_release(db, lfd);
	db_close(db);
	return rc;
}
