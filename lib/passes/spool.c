/*
 * The batch `spool` pass (ING-6): ingests the reports dropped in
 * spool_dir (*.xml and *.xml.gz, each with an optional NAME.meta.json
 * sidecar), then moves each, with its sidecar, to done/ or to failed/
 * next to a NAME.error file saying why.  A file still being written is
 * left for the next pass: one modified within spool_settle_seconds, or
 * one some process still has open for writing (a read lease cannot be
 * taken on it).  Files are taken in name order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "fault.h"
#include "ingestfile.h"
#include "log.h"
#include "pass.h"
#include "spool.h"
#include "tvtime.h"

#define SPOOL_MAX_FILES	10000	/* per pass */

static int lock_held;	/* batch --watch holds the spool lock */
static int pending;	/* files left because still being written */

/* Tells the pass that the caller (batch --watch) holds the spool lock. */
void
spool_hold_lock(int held)
{
	lock_held = held;
}

/* Predicate: the last pass left files that were still being written. */
int
spool_pending(void)
{
	return pending;
}

/* Predicate: name is a report the spool takes. */
static int
is_report(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	return (n > 4 && strcmp(name + n - 4, ".xml") == 0) ||
	    (n > 7 && strcmp(name + n - 7, ".xml.gz") == 0);
}

/*
 * Predicate: some process has path open for writing.  Linux refuses a
 * read lease on such a file (EAGAIN); where leases are not permitted
 * (not the owner, or no CAP_LEASE) the settle time alone decides.
 */
static int
being_written(const char *path)
{
	int fd, busy = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return 1;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == -1)
		busy = errno == EAGAIN;
	else
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
	return busy;
}

/* Moves dir/name to dir/sub/name (creating sub); 0 or -1 (logged). */
static int
move_to(const char *dir, const char *sub, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX], d[PATH_MAX];

	if (snprintf(d, sizeof(d), "%s/%s", dir, sub) >= (int)sizeof(d) ||
	    snprintf(from, sizeof(from), "%s/%s", dir, name) >=
	    (int)sizeof(from) || snprintf(to, sizeof(to), "%s/%s", d, name) >=
	    (int)sizeof(to))
		return -1;
	if (mkdir(d, 0770) == -1 && errno != EEXIST) {
		log_error("spool: mkdir %s: %s", d, strerror(errno));
		return -1;
	}
	if (rename(from, to) == -1) {
		log_error("spool: rename %s to %s: %s", from, to,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes dir/failed/NAME.error with the reason; 0 or -1. */
static int
write_error(const char *dir, const char *name, const struct fault *f)
{
	char path[PATH_MAX];
	FILE *fp;

	if (snprintf(path, sizeof(path), "%s/failed/%s.error", dir, name) >=
	    (int)sizeof(path) || (fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "%d %s: %s\n", fault_status(f), f->code != NULL ? f->code :
	    "error", f->msg);
	if (f->line > 0)
		fprintf(fp, "at line %d, column %d\n", f->line, f->column);
	return fclose(fp) == 0 ? 0 : -1;
}

/* qsort() comparator of file names (char *), in strcmp() order. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Ingests one spooled report and moves it (and its sidecar) away.
 * Returns 1 stored or skipped, 0 failed input, -1 storage error (the
 * file stays for the next pass).
 */
static int
take(struct pass_ctx *c, const char *dir, const char *name)
{
	char path[PATH_MAX], side[PATH_MAX];
	const char *sname;
	struct fault f;
	json_t *ans = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = ingestfile_run(c->db, c->cfg, NULL, NULL, path, "spool", &ans,
	    &f);
	json_decref(ans);
	if (rc == -1 && fault_status(&f) >= 500) {
		log_error("spool: %s: %s (left for the next pass)", path,
		    f.msg);
		return -1;
	}
	if (move_to(dir, rc == 0 ? "done" : "failed", name) == -1)
		return -1;
	if (ingestfile_sidecar_path(name, side, sizeof(side)) == 0 &&
	    snprintf(path, sizeof(path), "%s/%s", dir, side) <
	    (int)sizeof(path) && access(path, F_OK) == 0)
		(void)move_to(dir, rc == 0 ? "done" : "failed", side);
	if (rc == -1) {
		sname = name;
		if (write_error(dir, sname, &f) == -1)
			log_error("spool: cannot write %s/failed/%s.error", dir,
			    sname);
		log_error("spool: %s/%s failed: %s", dir, name, f.msg);
		return 0;
	}
	return 1;
}

/*
 * The lock file of the batch's `suffix` ("spool.lock", "batch.lock") into
 * path: beside an SQLite database; for a PostgreSQL one (whose URL is no
 * path, and may hold a password) in the spool directory, which is this
 * host's own.  0, or -1 when it does not fit or there is no place.
 */
int
spool_lock_path(const struct config *cfg, const char *suffix, char *path,
    size_t size)
{
	int n;

	if (!db_is_url(cfg->db))
		n = snprintf(path, size, "%s.%s", cfg->db, suffix);
	else if (cfg->spool_dir[0] != '\0')
		n = snprintf(path, size, "%s/.%s", cfg->spool_dir, suffix);
	else
		return -1;
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * The batch `spool` pass (global): nothing when spool_dir is not set;
 * skipped while `batch --watch` drains the spool.  Returns 0, or -1 when
 * the directory cannot be read or a storage error stopped it.
 */
int
spool_pass(struct pass_ctx *c)
{
	const char *dir = c->cfg->spool_dir;
	char path[PATH_MAX], lock[PATH_MAX], **names = NULL;
	struct dirent *e;
	struct stat sb;
	size_t n = 0, cap = 0, i;
	long ok = 0, bad = 0, left = 0;
	int lfd = -1, rc = 0, r;
	DIR *d;

	pending = 0;
	if (dir[0] == '\0') {
		pass_note(c, "off (no spool_dir)");
		return 0;
	}
	if (!lock_held) {
		if (spool_lock_path(c->cfg, "spool.lock", lock,
		    sizeof(lock)) == -1 || (lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) ==
		    -1 || flock(lfd, LOCK_EX | LOCK_NB) == -1) {
			if (lfd != -1)
				close(lfd);
			pass_note(c, "drained by batch --watch");
			return 0;
		}
	}
	if ((d = opendir(dir)) == NULL) {
		pass_note(c, "cannot read %s: %s", dir, strerror(errno));
		if (lfd != -1)
			close(lfd);
		return -1;
	}
	while ((e = readdir(d)) != NULL && n < SPOOL_MAX_FILES) {
		if (!is_report(e->d_name))
			continue;
		if (n == cap) {
			cap = cap * 2 + 64;
			if ((names = realloc(names, cap * sizeof(*names))) ==
			    NULL)
				abort();
		}
		if ((names[n++] = strdup(e->d_name)) == NULL)
			abort();
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lstat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if ((int64_t)sb.st_mtime * 1000 > tvtime_now_ms() -
		    c->cfg->spool_settle_seconds * 1000 ||
		    being_written(path)) {
			left++;
			continue;
		}
		if ((r = take(c, dir, names[i])) == -1) {
			rc = -1;
			break;
		}
		if (r == 1)
			ok++;
		else
			bad++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (lfd != -1)
		close(lfd);
	pending = left > 0;
	pass_note(c, "%ld ingested, %ld failed, %ld still being written",
	    ok, bad, left);
	return rc;
}
