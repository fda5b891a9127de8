/*
 * The run metadata of an upload (SPEC ING-5) and the one rule that says
 * which source wins.  A field may come from four places, strongest
 * first:
 *
 *	1. the request's parameters (query string, or `testvis ingest` flags),
 *	2. the sidecar (a multipart `meta` part, NAME.meta.json, or the
 *	   metadata members of a JSON IngestRunRequest),
 *	3. what the upload itself holds (the reports' timestamps and times),
 *	4. what earlier shards of the run stored in its row.
 *
 * The first source that has a value gives it; the run id falls back to a
 * hash of the content and the start time to the ingest's time.  Every
 * decision of that kind is made here, as pure functions of the values;
 * reading and writing the run row is ingeststore.c's, checking the
 * sidecar ingestcheck.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "ingestmeta.h"
#include "repeats.h"
#include "tvtime.h"
#include "xalloc.h"

const struct param_spec ingestmeta_spec[META__MAX + 1] = {
	[META_RUN_ID] = { "run_id", PARAM_RUNID, 0, 0, 0, NULL },
	[META_SHARD] = { "shard", PARAM_RUNID, 0, 0, 0, NULL },
	[META_GIT_SHA] = { "git_sha", PARAM_STRING, 0, 1, 128, NULL },
	[META_BRANCH] = { "branch", PARAM_STRING, 0, 1, 256, NULL },
	[META_SESSION_ID] = { "session_id", PARAM_STRING, 0, 1, 256, NULL },
	[META_ENV_FINGERPRINT] = { "env_fingerprint", PARAM_STRING, 0, 1, 256,
	    NULL },
	[META_STARTED_AT] = { "started_at", PARAM_TIME, 0, 0, 0, NULL },
	[META_TRIGGERED_BY] = { "triggered_by", PARAM_STRING, 0, 1, 256,
	    NULL },
	[META_CI_URL] = { "ci_url", PARAM_STRING, 0, 1, 2048, NULL },
	[META_JOB] = { "job", PARAM_STRING, 0, 1, 128, NULL },
	[META_REPEATS] = { "repeats", PARAM_ENUM, 0, 0, 0,
	    repeats_mode_names },
	[META__MAX] = { NULL, 0, 0, 0, 0, NULL },
};

const enum meta_field ingestmeta_texts[INGESTMETA_TEXTS] = {
	META_GIT_SHA, META_BRANCH, META_SESSION_ID, META_ENV_FINGERPRINT,
	META_TRIGGERED_BY, META_CI_URL, META_JOB
};

/* Makes m empty: nothing given. */
void
ingestmeta_init(struct ingestmeta *m)
{
	memset(m, 0, sizeof(*m));
	m->param_started = -1;
}

/* Frees what m holds and leaves it empty; m itself is the caller's. */
void
ingestmeta_free(struct ingestmeta *m)
{
	int i;

	for (i = 0; i < META__MAX; i++)
		free(m->param[i]);
	json_decref(m->sidecar);
	free(m->tags);
	ingestmeta_init(m);
}

/*
 * Sets a request-level field (already validated): text (copied) for
 * strings, ms for META_STARTED_AT.
 */
void
ingestmeta_set_param(struct ingestmeta *m, enum meta_field f,
    const char *text, int64_t ms)
{
	if (f == META_STARTED_AT) {
		m->param_started = ms;
		return;
	}
	free(m->param[f]);
	m->param[f] = xstrdup(text);
}

/*
 * Keeps the sidecar (reference stolen; ingestcheck_sidecar() has passed
 * it), replacing an earlier one.
 */
void
ingestmeta_set_sidecar(struct ingestmeta *m, json_t *sidecar)
{
	json_t *tags;

	json_decref(m->sidecar);
	m->sidecar = sidecar;
	free(m->tags);
	m->tags = NULL;
	if ((tags = ingestmeta_sidecar(m, "tags")) != NULL)
		m->tags = json_dumps(tags, JSON_COMPACT);
}

/* The sidecar's member name (borrowed), or NULL. */
json_t *
ingestmeta_sidecar(const struct ingestmeta *m, const char *name)
{
	return m->sidecar != NULL ? json_object_get(m->sidecar, name) : NULL;
}

/* A string field: the request's, else the sidecar's, else NULL. */
const char *
ingestmeta_str(const struct ingestmeta *m, enum meta_field f)
{
	json_t *v;

	if (m->param[f] != NULL)
		return m->param[f];
	if ((v = ingestmeta_sidecar(m, ingestmeta_spec[f].name)) != NULL)
		return json_string_value(v);
	return NULL;
}

/* A time from the sidecar member name, or -1. */
static int64_t
sidecar_time(const struct ingestmeta *m, const char *name)
{
	json_t *v;
	int64_t ms;

	if ((v = ingestmeta_sidecar(m, name)) == NULL ||
	    tvtime_parse_iso8601(json_string_value(v), json_string_length(v),
	    &ms) == -1)
		return -1;
	return ms;
}

/*
 * The run's start: the request's, else the sidecar's, else found (what
 * a report said, -1 for nothing), else fallback.
 */
int64_t
ingestmeta_start(const struct ingestmeta *m, int64_t found, int64_t fallback)
{
	int64_t t;

	if (m->param_started >= 0)
		return m->param_started;
	if ((t = sidecar_time(m, "started_at")) >= 0)
		return t;
	return found >= 0 ? found : fallback;
}

/*
 * Settles the run row's metadata into *out from m, what the upload found
 * and what the row holds (stored; its strings are borrowed by out too):
 * each field by the rule at the top of this file.  The start of a new
 * run is the one stamped on its results, unless only the ingest time
 * stood there and the reports carry one; the duration of several shards
 * is the longest; the end, when not given, is start + duration.
 */
void
ingestmeta_settle(const struct ingestmeta *m, const struct ingestmeta_found *f,
    const struct ingestmeta_run *stored, struct ingestmeta_run *out)
{
	const char *v;
	json_t *d;
	int i;

	memset(out, 0, sizeof(*out));
	out->started_at = ingestmeta_start(m, f->run_new &&
	    f->started_at == f->now ? f->xml_started : -1, f->run_new ?
	    f->started_at : stored->started_at);
	out->duration_ms = stored->duration_ms;
	if ((d = ingestmeta_sidecar(m, "duration_ms")) != NULL)
		out->duration_ms = json_integer_value(d);
	else if (f->xml_duration >= 0 && f->xml_duration > out->duration_ms)
		out->duration_ms = f->xml_duration;
	out->finished_at = sidecar_time(m, "finished_at");
	if (out->finished_at < 0 && out->duration_ms >= 0)
		out->finished_at = out->started_at + out->duration_ms;
	if (out->finished_at < 0)
		out->finished_at = stored->finished_at;
	for (i = 0; i < INGESTMETA_TEXTS; i++) {
		enum meta_field k = ingestmeta_texts[i];
		v = ingestmeta_str(m, k);
		out->text[k] = v != NULL ? v : stored->text[k];
	}
	out->tags = m->tags != NULL ? m->tags : stored->tags;
}
