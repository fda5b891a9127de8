/*
 * Ingesting a report file from disk, for `testvis ingest` and the batch
 * spool pass (ING-6): NAME.meta.json next to NAME.xml or NAME.xml.gz is
 * the sidecar; its "project" picks the project unless the caller names
 * one.  Everything else is lib/ingest/ingest.c.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "fault.h"
#include "ingest.h"
#include "ingestfile.h"
#include "param.h"
#include "project.h"
#include "stream.h"
#include "utf8.h"

/*
 * The sidecar path of a report: NAME.meta.json for NAME.xml or
 * NAME.xml.gz.  Returns 0, or -1 when file is neither or the path does
 * not fit.
 */
int
ingestfile_sidecar_path(const char *file, char *path, size_t pathsz)
{
	size_t n = strlen(file);

	if (n > 7 && strcmp(file + n - 7, ".xml.gz") == 0)
		n -= 7;
	else if (n > 4 && strcmp(file + n - 4, ".xml") == 0)
		n -= 4;
	else
		return -1;
	if (snprintf(path, pathsz, "%.*s.meta.json", (int)n, file) >=
	    (int)pathsz)
		return -1;
	return 0;
}

/*
 * Loads file's sidecar.  Returns 0 with *meta the object (caller owns
 * it) or NULL when there is none, or -1 with f set (400) when it exists
 * but is not a JSON object.
 */
static int
sidecar_load(const char *file, json_t **meta, struct fault *f)
{
	char path[4096];
	json_error_t e;

	*meta = NULL;
	if (ingestfile_sidecar_path(file, path, sizeof(path)) == -1 ||
	    access(path, F_OK) != 0)
		return 0;
	if ((*meta = json_load_file(path, JSON_REJECT_DUPLICATES, &e)) ==
	    NULL) {
		fault_set(f, FAULT_BAD_INPUT, "invalid_sidecar",
		    "%s:%d:%d: %s", path,
		    e.line, e.column, e.text);
		return -1;
	}
	return 0;
}

/*
 * Ingests one report file from source ("cli" or "spool") into project
 * (NULL: the sidecar's "project", else "default"), with the run metadata
 * in meta[] (NULL entries: not given).  Returns 0 when stored or skipped
 * (*ans is the answer, caller owns it), or -1 with f set: 4xx for bad
 * input, 5xx for storage errors.
 */
int
ingestfile_run(struct db *db, const struct config *cfg, const char *project,
    const char *const meta[META__MAX], const char *file, const char *source,
    json_t **ans, struct fault *f)
{
	return ingestfile_ingest(db, cfg, project, meta, NULL, file, source,
	    ans, f);
}

/*
 * Picks the value of field i: meta[i] (the flags) when given, else
 * fallback[i] (the CI environment, a derived run id or shard) unless the
 * sidecar side has the field, which then wins.  Sets *from_flag.
 * Returns the value, or NULL: the sidecar's or nobody's.
 */
static const char *
pick(const char *const meta[META__MAX], const char *const fb[META__MAX],
    const json_t *side, int i, int *from_flag)
{
	*from_flag = meta != NULL && meta[i] != NULL;
	if (*from_flag)
		return meta[i];
	if (fb == NULL || fb[i] == NULL || (side != NULL &&
	    json_object_get(side, ingestmeta_spec[i].name) != NULL))
		return NULL;
	return fb[i];
}

/*
 * ingestfile_run with a weaker source: fallback[] (NULL, or NULL
 * entries: none) gives the fields that neither meta[] nor the sidecar
 * gives, so that the precedence is flags > sidecar > fallback > what
 * the report says.
 */
int
ingestfile_ingest(struct db *db, const struct config *cfg,
    const char *project, const char *const meta[META__MAX],
    const char *const fallback[META__MAX], const char *file,
    const char *source, json_t **ans, struct fault *f)
{
	struct ingest *in = NULL;
	struct stream *s = NULL;
	json_t *side = NULL, *pv;
	const char *slug = project;
	int64_t pid;
	int fd = -1, rc = -1, i;

	*ans = NULL;
	if (sidecar_load(file, &side, f) == -1)
		goto out;
	if (slug == NULL && side != NULL &&
	    (pv = json_object_get(side, "project")) != NULL)
		slug = json_string_value(pv);
	if (slug == NULL)
		slug = "default";
	if (!param_is_slug(slug, strlen(slug)) ||
	    project_lookup(db, slug, &pid) != 1) {
		fault_set(f, FAULT_BAD_INPUT, "not_found",
		    "unknown project '%.*s'",
		    UTF8_CUT(slug, 64));
		goto out;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		fault_set(f, FAULT_BAD_INPUT, "read_error", "%s: %s", file,
		    strerror(errno));
		goto out;
	}
	in = ingest_new(db, cfg, pid, slug, source, f);
	for (i = 0; i < META__MAX; i++) {
		struct param_value v;
		char why[256];
		const char *val;
		int flag;
		if ((val = pick(meta, fallback, side, i, &flag)) == NULL)
			continue;
		if (param_validate(&ingestmeta_spec[i], val, strlen(val), &v,
		    why, sizeof(why)) == -1) {
			fault_set(f, FAULT_BAD_INPUT, "invalid_param",
			    flag ? "--%s %s" : "%s (from the CI environment) %s",
			    ingestmeta_spec[i].name, why);
			goto out;
		}
		ingest_set_param(in, (enum meta_field)i, val, v.i);
	}
	if (side != NULL) {
		json_t *m = side;
		side = NULL;
		if (ingest_set_sidecar(in, m) == -1)
			goto out;
	}
	s = stream_fd(fd, f);
	if ((rc = ingest_begin(in)) == 0)
		rc = ingest_xml(in, s);
	rc = rc >= 0 && ingest_finish(in, ans) != INGEST_FAILED ? 0 : -1;
out:
	json_decref(side);
	stream_free(s);
	ingest_free(in);
	if (fd != -1)
		close(fd);
	if (rc == -1 && f->kind == FAULT_NONE)
		fault_set(f, FAULT_INTERNAL, "internal", "ingest failed");
	return rc;
}

/*
 * The SHA-256 of a file's bytes as they are on disk (compressed or not),
 * read through a mapping so that a large report costs no heap.  Returns 0
 * with out set, or -1 (errno set) when the file cannot be read.
 */
int
ingestfile_digest(const char *file, char out[SHA256_HEX_LEN])
{
	struct stat st;
	void *p;
	int fd, saved;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (st.st_size == 0) {
		close(fd);
		crypto_sha256_hex("", 0, out);
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	saved = errno;
	close(fd);
	if (p == MAP_FAILED) {
		errno = saved;
		return -1;
	}
	crypto_sha256_hex(p, (size_t)st.st_size, out);
	munmap(p, (size_t)st.st_size);
	return 0;
}
