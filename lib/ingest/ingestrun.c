/*
 * Which run and shard an upload becomes (I-2, I-3).  At the start the
 * run is found by the run id given so far (or made, under a provisional
 * "pending-…" id when none is given) and the shard row created, unless
 * (run id, shard) is already stored: a duplicate.  At the end, metadata
 * that arrived late (a multipart `meta` part after the files) settles
 * the shard label and the run id, which falls back to a hash of the
 * content, so the same report uploaded twice is one run; a final run id
 * naming another stored run moves this upload's rows there.  Which
 * source wins is ingestmeta.c's rule; the SQL is ingeststore.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ingestmeta.h"
#include "ingestrun.h"
#include "xalloc.h"

/* Makes r an upload to project_id begun at now, with no rows yet. */
void
ingestrun_init(struct ingestrun *r, int64_t project_id, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->t.project_id = project_id;
	r->now = now;
}

/* Frees r's strings (r itself is the caller's). */
void
ingestrun_free(struct ingestrun *r)
{
	free(r->run_id);
	free(r->shard);
	free(r->branch);
	free(r->git_sha);
}

/* Replaces the string *p with a copy of s. */
static void
set_str(char **p, const char *s)
{
	free(*p);
	*p = xstrdup(s);
}

/*
 * Finds or creates the run of the run id given so far (request, else
 * sidecar: m; a provisional one when neither) and creates the shard row,
 * in the open transaction.  Returns 0 to go on, 1 when (run id, shard)
 * is already stored (a duplicate: nothing was written), or -1 with the
 * fault set.
 */
int
ingestrun_begin(struct ingestrun *r, struct db *db,
    const struct ingestmeta *m, const char *source, struct fault *f)
{
	const char *run_id = ingestmeta_str(m, META_RUN_ID);
	const char *shard = ingestmeta_str(m, META_SHARD);
	char pending[40], rnd[17];
	int found = 0;

	set_str(&r->shard, shard != NULL ? shard : "");
	if (run_id != NULL) {
		if ((found = ingeststore_run_find(db, r->t.project_id, run_id,
		    &r->t.run, f)) == -1)
			return -1;
		set_str(&r->run_id, run_id);
		if (found) {
			int dup = ingeststore_shard_find(db, r->t.run,
			    r->shard, &r->t.shard, f);
			if (dup != 0)
				return dup;
		}
	} else {
		if (crypto_random_hex(rnd, 16) == -1)
			return ingeststore_fault(db, f);
		snprintf(pending, sizeof(pending), "pending-%s", rnd);
		set_str(&r->run_id, pending);
		r->run_id_pending = 1;
	}
	if (!found) {
		/* provisional: ingestrun_start() settles it */
		r->t.started_at = m->param_started >= 0 ? m->param_started :
		    r->now;
		if (ingeststore_run_add(db, &r->t, r->run_id, r->now, f) == -1)
			return -1;
		r->run_new = 1;
	} else {
		if (ingeststore_run_started(db, r->t.run, &r->t.started_at,
		    f) == -1)
			return -1;
		r->started_fixed = 1;
	}
	return ingeststore_shard_add(db, &r->t, r->shard, source, r->now, f);
}

/*
 * Settles the start stamped on the results, once, at the first testcase
 * (found: its report's timestamp, -1 for none) or at the end.  A run
 * that was already stored keeps its start.
 */
void
ingestrun_start(struct ingestrun *r, const struct ingestmeta *m,
    int64_t found)
{
	if (r->started_fixed)
		return;
	r->started_fixed = 1;
	r->t.started_at = ingestmeta_start(m, found, r->t.started_at);
}

/*
 * A shard label that arrived after ingestrun_begin() (a late multipart
 * meta part) relabels this upload's shard row.  Returns 0, 1 when the
 * label is already stored for the run (a duplicate), or -1.
 */
static int
settle_shard(struct ingestrun *r, struct db *db, const struct ingestmeta *m,
    struct fault *f)
{
	const char *want = ingestmeta_str(m, META_SHARD);
	int64_t other;
	int found;

	if (want == NULL || strcmp(want, r->shard) == 0)
		return 0;
	if ((found = ingeststore_shard_find(db, r->t.run, want, &other,
	    f)) != 0) {
		if (found == 1)
			set_str(&r->shard, want);
		return found;
	}
	if (ingeststore_shard_relabel(db, r->t.shard, want, f) == -1)
		return -1;
	set_str(&r->shard, want);
	return 0;
}

/*
 * Settles the shard label, then the final run id: request > sidecar >
 * the one given at begin > the first 32 hex digits of the SHA-256 of the
 * files' digests (digests[0..n)).  Returns 0, 1 when that makes the
 * upload a duplicate (r->run_id names the stored run), or -1.
 */
int
ingestrun_settle(struct ingestrun *r, struct db *db,
    const struct ingestmeta *m, const char *digests, size_t n,
    struct fault *f)
{
	const char *want = ingestmeta_str(m, META_RUN_ID);
	char digest[SHA256_HEX_LEN], derived[33];
	int64_t other, shard;
	int found, rc;

	if ((rc = settle_shard(r, db, m, f)) != 0)
		return rc;
	if (want == NULL && !r->run_id_pending)
		return 0;
	if (want == NULL) {
		crypto_sha256_hex(digests != NULL ? digests : "", n, digest);
		memcpy(derived, digest, 32);
		derived[32] = '\0';
		want = derived;
	}
	if (strcmp(want, r->run_id) == 0)
		return 0;
	if ((found = ingeststore_run_find(db, r->t.project_id, want, &other,
	    f)) == -1)
		return -1;
	if (found) {
		/* Same content again, or a late run id naming a known run. */
		if (want == derived || (found = ingeststore_shard_find(db,
		    other, r->shard, &shard, f)) == 1) {
			set_str(&r->run_id, want);
			return 1;
		}
		if (found == -1 || ingeststore_run_merge(db, &r->t, other,
		    f) == -1)
			return -1;
		r->run_new = 0;
	} else if (ingeststore_run_rename(db, r->t.run, want, f) == -1)
		return -1;
	set_str(&r->run_id, want);
	r->run_id_pending = 0;
	return 0;
}

/*
 * Writes the run's metadata (ingestmeta_settle(): request > sidecar >
 * the reports: xml_started, xml_duration > stored) and settles
 * r->branch and r->git_sha.  0 or -1.
 */
int
ingestrun_meta(struct ingestrun *r, struct db *db, const struct ingestmeta *m,
    int64_t xml_started, long long xml_duration, struct fault *f)
{
	struct ingestmeta_found found;

	ingestrun_start(r, m, -1);
	found.run_new = r->run_new;
	found.started_at = r->t.started_at;
	found.now = r->now;
	found.xml_started = xml_started;
	found.xml_duration = xml_duration;
	return ingeststore_run_meta(db, &r->t, m, &found, &r->branch,
	    &r->git_sha, f);
}
