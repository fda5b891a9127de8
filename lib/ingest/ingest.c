/*
 * The ingest service (SPEC §3): one upload (several XML files, or a JSON
 * list of results) becomes one shard of a run, atomically (I-2), exactly
 * once (I-3), with everything the read side needs written in the same
 * transaction (ING-7).  This module is the life of an upload and ties
 * the others together:
 *
 *	ingest_new()		metadata from the request (ingest_set_param)
 *	ingest_set_sidecar()	and the sidecar: checked (ingestcheck.c),
 *				kept (ingestmeta.c, which says who wins)
 *	ingest_begin()		the write transaction, the run and shard rows
 *				(ingestrun.c), 1 for a known duplicate
 *	ingest_xml()		each file, streamed through junit.c: every
 *	ingest_result()		testcase gets its identity here and queues in
 *				the chunk writer (chunkwriter.c)
 *	ingest_finish()		settles the run id, shard and metadata, has
 *				rollup.c derive rollups and incidents, stores
 *				counts, project counters and the run event,
 *				commits, and answers (ingestanswer.c)
 *	ingest_free()		rolls back whatever was not committed
 *
 * The SQL is ingeststore.c's; HTTP is the callers'.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunkwriter.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "fault.h"
#include "ident.h"
#include "ingest.h"
#include "ingestanswer.h"
#include "ingestcheck.h"
#include "ingestmeta.h"
#include "ingestrun.h"
#include "ingeststore.h"
#include "junit.h"
#include "repeats.h"
#include "reportcells.h"
#include "rollup.h"
#include "stream.h"
#include "trace.h"
#include "tvtime.h"
#include "xalloc.h"

/* The identity fields on_case() caps to max_name_bytes (issue 11 item 3). */
enum ident_field {
	IDENT_NAME,
	IDENT_CLASSNAME,
	IDENT_FILE,
	IDENT_SUITE,
	IDENT_OWNER,
	IDENT__MAX
};

struct ingest {
	struct db		*db;
	const struct config	*cfg;
	struct fault		*fault;
	char			*project;
	const char		*source;
	struct ingestmeta	 meta;
	struct ingestrun	 run;
	struct chunkwriter	*cw;
	struct buf		 diff;
	int			 has_diff;
	int			 begun, done, duplicate;
	struct ingestanswer_notes notes;	/* tolerances, repeats */
	const struct junit_info	*reading;	/* the file being read */
	int64_t			 xml_started;
	long long		 xml_duration;
	struct buf		 digests;	/* per-file SHA-256, joined */
	struct buf		 base, params;
	struct buf		 cut[IDENT__MAX];	/* capped names */
	struct repeats		*seen;		/* testcases of this upload */
	struct buf		 variant;	/* a repeat's variant name */
	struct ingestcheck_result result;	/* the JSON result being read */
	struct junit_limits	 lim;
	/* tracing: the "ingest" span and the JSON results' parse span */
	struct trace_span	*span;		/* NULL: not traced */
	struct trace_span	*results_span;
	long long		 results_n;
};

/*
 * A new ingest of project (id and slug, copied) from source ("http",
 * "cli", "spool"; static), reporting client errors into fault
 * (borrowed).  db may be NULL for an ingest that is never begun (a
 * sidecar check).  Free with ingest_free().
 */
struct ingest *
ingest_new(struct db *db, const struct config *cfg, int64_t project_id,
    const char *project, const char *source, struct fault *fault)
{
	struct ingest *in = xcalloc(1, sizeof(*in));
	int i;

	in->db = db;
	in->cfg = cfg;
	in->fault = fault;
	in->project = xstrdup(project);
	in->source = source;
	ingestmeta_init(&in->meta);
	ingestrun_init(&in->run, project_id, tvtime_now_ms());
	in->xml_started = -1;
	in->xml_duration = -1;
	in->lim.message_max = cfg->max_message_bytes;
	in->lim.text_max = cfg->max_text_bytes;
	in->notes.name_max = cfg->max_name_bytes;
	buf_init(&in->diff);
	buf_init(&in->digests);
	buf_init(&in->base);
	buf_init(&in->params);
	for (i = 0; i < IDENT__MAX; i++)
		buf_init(&in->cut[i]);
	buf_init(&in->variant);
	ingestcheck_result_init(&in->result);
	in->seen = repeats_new();
	in->cw = chunkwriter_new(db, &in->run.t, fault);
	return in;
}

/* Frees in, rolling back an ingest that did not finish; accepts NULL. */
void
ingest_free(struct ingest *in)
{
	int i;

	if (in == NULL)
		return;
	if (in->begun && !in->done)
		db_rollback(in->db);
	if (in->fault->kind != FAULT_NONE) {
		trace_error(in->results_span, in->fault->code);
		trace_error(in->span, in->fault->code);
	}
	trace_end(in->results_span);
	trace_end(in->span);
	ingestmeta_free(&in->meta);
	ingestrun_free(&in->run);
	chunkwriter_free(in->cw);
	free(in->project);
	buf_free(&in->diff);
	buf_free(&in->digests);
	buf_free(&in->base);
	buf_free(&in->params);
	for (i = 0; i < IDENT__MAX; i++)
		buf_free(&in->cut[i]);
	buf_free(&in->variant);
	ingestcheck_result_free(&in->result);
	repeats_free(in->seen);
	free(in);
}

/*
 * Sets a request-level metadata field (already validated): text for
 * strings, ms for META_STARTED_AT.  Request fields beat the sidecar.
 */
void
ingest_set_param(struct ingest *in, enum meta_field f, const char *text,
    int64_t ms)
{
	ingestmeta_set_param(&in->meta, f, text, ms);
}

/*
 * Validates and keeps the sidecar (ING-5; reference stolen): run
 * metadata, finished_at, duration_ms, tags, changed_files and per-test
 * overrides.  Returns 0, or -1 with a 400 naming the field.
 */
int
ingest_set_sidecar(struct ingest *in, json_t *meta)
{
	if (ingestcheck_sidecar(meta, in->fault) == -1) {
		json_decref(meta);
		return -1;
	}
	ingestmeta_set_sidecar(&in->meta, meta);
	return 0;
}

/* Sets the diff of the commit (INT-2), stored with the shard. */
void
ingest_set_diff(struct ingest *in, const char *text, size_t n)
{
	buf_reset(&in->diff);
	buf_append(&in->diff, text, n);
	in->has_diff = 1;
}

/*
 * Traces this ingest as an "ingest" span under parent (NULL: not
 * traced); parsing, storing, rollups and the commit become its children.
 */
void
ingest_set_trace(struct ingest *in, struct trace_span *parent)
{
	if ((in->span = trace_begin(parent, "ingest")) == NULL)
		return;
	trace_attr_int(in->span, "testvis.project_id", in->run.t.project_id);
	trace_attr_str(in->span, "testvis.ingest.source", in->source);
	chunkwriter_set_trace(in->cw, in->span);
}

/*
 * Takes the write lock and creates the run (unless it exists) and this
 * upload's shard.  Returns 0 to go on, 1 when (run_id, shard) was already
 * stored (the body need not be read; ingest_finish() answers
 * INGEST_SKIPPED), or -1 with the fault set.
 */
int
ingest_begin(struct ingest *in)
{
	int64_t *aliases = NULL;
	struct ingeststore_known *known = NULL;
	size_t naliases = 0, nknown = 0;
	int rc;

	/*
	 * An HTTP client waits at most busy_timeout_ms for another writer,
	 * then gets 503 busy with Retry-After (issue 11 item 9); the CLI and
	 * the spool have no client waiting and may queue longer.
	 */
	if (ingeststore_open(in->db, strcmp(in->source, "http") == 0 ?
	    (int)in->cfg->busy_timeout_ms : 30000, in->fault) == -1)
		return -1;
	in->begun = 1;
	if (ingeststore_aliases(in->db, in->run.t.project_id, &aliases,
	    &naliases, in->fault) == -1) {
		free(aliases);
		return -1;
	}
	chunkwriter_set_aliases(in->cw, aliases, naliases);
	if (ingeststore_known(in->db, in->run.t.project_id, &known, &nknown,
	    in->fault) == -1) {
		free(known);
		return -1;
	}
	chunkwriter_set_known(in->cw, known, nknown);
	if ((rc = ingestrun_begin(&in->run, in->db, &in->meta, in->source,
	    in->fault)) == 1)
		in->duplicate = 1;
	return rc;
}

/*
 * Cuts c's identity fields to max_name_bytes (into in->cut, valid until
 * the next testcase), counting each testcase that had one cut: a name of
 * megabytes would otherwise be stored and served as it is.
 */
static void
cap_identity(struct ingest *in, struct junit_case *c)
{
	const char **f[IDENT__MAX] = { &c->name, &c->classname, &c->file,
	    &c->suite_path, &c->owner };
	size_t max = (size_t)in->cfg->max_name_bytes;
	int i, cut = 0;

	for (i = 0; i < IDENT__MAX; i++) {
		const char *v = *f[i];
		if (v != NULL && (*f[i] = ident_cap(v, max, &in->cut[i])) != v)
			cut = 1;
	}
	in->notes.names_cut += cut;
}

/*
 * Notes the testcase whose test_id is tid among this upload's and, when
 * it is a repeat, applies the upload's repeats mode (issue 11 item 13):
 * under variants, the n-th occurrence becomes a test of its own named
 * "NAME[#n]" (a parameterized variant sharing base_name; c->name then
 * points into in->variant) and 1 is returned; under retries the attempts
 * merge as before, and a failed attempt a repeat follows is counted so
 * the answer can say so.  Returns 0 when the name stands.
 */
static int
repeat_variant(struct ingest *in, struct junit_case *c, const char *tid)
{
	const char *mode = ingestmeta_str(&in->meta, META_REPEATS);
	int failing = c->status == ST_FAILED || c->status == ST_ERROR;
	int prior_failed;
	long n;

	n = repeats_see(in->seen, ident_test_key(tid), failing, &prior_failed);
	if (n < 2)
		return 0;
	if (mode == NULL || strcmp(mode, "variants") != 0) {
		in->notes.retried_failures += prior_failed;
		return 0;
	}
	buf_reset(&in->variant);
	buf_printf(&in->variant, "%s[#%ld]", c->name, n);
	c->name = in->variant.p;
	in->notes.variants++;
	return 1;
}

/*
 * Takes one testcase from the reader: settles the run's start on the
 * first, derives identity, test_id and fingerprint, and queues it; a full
 * chunk is written.  Returns 0 or -1 (fault set).
 */
static int
on_case(void *arg, const struct junit_case *given)
{
	struct ingest *in = arg;
	struct junit_case capped_case = *given, *c = &capped_case;
	struct ingeststore_case s;
	struct ident_own own;
	const char *path;

	cap_identity(in, c);
	path = ident_path(c->classname, c->file, c->suite_path);
	ident_test_id(in->project, path, c->name, s.test_id);
	if (repeat_variant(in, c, s.test_id) == 1)
		ident_test_id(in->project, path, c->name, s.test_id);
	ingestrun_start(&in->run, &in->meta, in->reading != NULL ?
	    in->reading->started_at : -1);
	s.key = ident_test_key(s.test_id);
	ident_split_params(c->name, &in->base, &in->params);
	s.str[SF_NAME] = c->name;
	s.str[SF_CLASSNAME] = c->classname;
	s.str[SF_FILE] = c->file;
	s.str[SF_SUITE] = c->suite_path;
	s.str[SF_PATH] = path;
	s.str[SF_BASE] = in->base.p;
	s.str[SF_PARAMS] = in->params.p != NULL ? in->params.p : "";
	s.str[SF_MESSAGE] = c->message;
	s.str[SF_TYPE] = c->error_type;
	s.str[SF_DETAILS] = c->details;
	s.str[SF_OUT] = c->out;
	s.str[SF_ERR] = c->err;
	s.str[SF_TAGS] = c->tags;
	s.str[SF_OWNER] = c->owner;
	s.str[SF_FEATURE] = c->feature;
	s.str[SF_DOMAIN] = c->domain;
	s.line = c->line;
	s.status = c->status;
	s.attempts = c->attempts;
	s.flaky = c->flaky_in_run;
	s.aliased = 0;
	s.duration = c->duration_ms;
	s.assertions = c->assertions;
	s.fp[0] = '\0';
	/* grouped by cause: frames naming the test itself do not count */
	own.file = c->file;
	own.classname = c->classname;
	own.function = in->base.p;
	if (c->status == ST_FAILED || c->status == ST_ERROR ||
	    (c->flaky_in_run && c->message != NULL))
		ident_fingerprint_own(c->error_type, c->message, c->details,
		    &own, s.fp);
	return chunkwriter_add(in->cw, &s);
}

/* Adds one file's tolerances and times to the ingest's totals. */
static void
info_add(struct ingest *in, const struct junit_info *i)
{
	struct junit_info *sum = &in->notes.info;

	sum->cases += i->cases;
	sum->bad_times += i->bad_times;
	sum->unnamed += i->unnamed;
	sum->truncated += i->truncated;
	sum->suite_output += i->suite_output;
	if (i->started_at >= 0 && (in->xml_started < 0 ||
	    i->started_at < in->xml_started))
		in->xml_started = i->started_at;
	if (i->duration_ms >= 0)
		in->xml_duration = (in->xml_duration < 0 ? 0 :
		    in->xml_duration) + i->duration_ms;
}

/*
 * Reads one JUnit XML file (plain or gzip) from src (borrowed) into the
 * shard, a writer thread storing while the reader parses.  Returns 0, or
 * -1 with the fault set (invalid_xml, not_junit, too_large, invalid_gzip,
 * storage).
 */
int
ingest_xml(struct ingest *in, struct stream *src)
{
	struct stream *gz, *content;
	struct junit_info info;
	char digest[SHA256_HEX_LEN];
	struct trace_span *sp = trace_begin(in->span, "ingest.parse");
	int rc;

	gz = stream_gunzip(src, in->cfg->max_decompressed_bytes, in->fault);
	content = stream_content(gz, in->fault);
	chunkwriter_start(in->cw);
	in->reading = &info;
	rc = junit_read(content, &in->lim, on_case, in, &info, in->fault);
	in->reading = NULL;
	if (rc == 0)
		rc = chunkwriter_flush(in->cw);
	if (chunkwriter_stop(in->cw) == -1)
		rc = -1;
	if (rc == 0) {
		info_add(in, &info);
		in->notes.repairs += stream_content_repairs(content);
		stream_content_digest(content, digest);
		buf_puts(&in->digests, digest);
	}
	stream_free(content);
	stream_free(gz);
	trace_attr_str(sp, "testvis.run_id", in->run.run_id);
	trace_attr_int(sp, "testvis.cases", info.cases);
	if (rc == -1)
		trace_error(sp, in->fault->code);
	trace_end(sp);
	chunkwriter_span(in->cw, in->run.run_id);
	return rc;
}

/*
 * Queues results[i] of a JSON IngestRunRequest, the object o (borrowed):
 * {classname, name, file, status, duration_ms, message, details, tags,
 * owner}.  The caller decodes the elements one at a time (the request
 * may hold a million) and calls ingest_results_done() after the last.
 * Returns 0, or -1 with a 400 naming the element and field.
 */
int
ingest_result(struct ingest *in, json_t *o, size_t i)
{
	if (in->results_span == NULL && in->span != NULL)
		in->results_span = trace_begin(in->span, "ingest.parse");
	in->results_n++;
	if (ingestcheck_result(&in->result, o, i, &in->lim, in->fault) == -1)
		return -1;
	in->notes.info.truncated += in->result.truncated;
	in->notes.info.cases++;
	return on_case(in, &in->result.c);
}

/*
 * Stores what ingest_result() queued; 0 or -1 (fault set).  Ends the
 * "ingest.parse" span the first result opened.
 */
int
ingest_results_done(struct ingest *in)
{
	int rc = chunkwriter_flush(in->cw);

	if (in->results_span != NULL) {
		trace_attr_int(in->results_span, "testvis.cases",
		    in->results_n);
		if (rc == -1)
			trace_error(in->results_span, in->fault->code);
		trace_end(in->results_span);
		in->results_span = NULL;
	}
	chunkwriter_span(in->cw, in->run.run_id);
	return rc;
}

/* The answer (caller owns it) with status, counts c and new_tests. */
static json_t *
answer(struct ingest *in, const char *status,
    const struct ingeststore_counts *c, long long new_tests, json_t *w)
{
	struct ingestanswer a;

	a.status = status;
	a.project = in->project;
	a.run_id = in->run.run_id;
	a.shard = in->run.shard;
	a.counts = c;
	a.new_tests = new_tests;
	in->notes.repeats = ingestmeta_str(&in->meta, META_REPEATS);
	return ingestanswer_json(&a, &in->notes, w);
}

/*
 * Answers a stored duplicate: its stored counts, nothing written (the
 * transaction is rolled back).  INGEST_SKIPPED or INGEST_FAILED.
 */
static enum ingest_outcome
answer_duplicate(struct ingest *in, json_t **out)
{
	struct ingeststore_counts c;

	if (ingeststore_stored_counts(in->db, in->run.t.project_id,
	    in->run.run_id, in->run.shard, &c, in->fault) == -1)
		return INGEST_FAILED;
	db_rollback(in->db);
	in->done = 1;
	*out = answer(in, "skipped", &c, 0, NULL);
	return INGEST_SKIPPED;
}

/* Derives the rollups and incidents of the shard (rollup.c) and the
 * report cells of its run (reportcells.c); 0 or -1. */
static int
finish_rollup(struct ingest *in)
{
	struct rollup_shard ru;
	struct trace_span *sp;
	int rc;

	ru.project_id = in->run.t.project_id;
	ru.run = in->run.t.run;
	ru.shard = in->run.t.shard;
	ru.run_id = in->run.run_id;
	ru.branch = in->run.branch != NULL ? in->run.branch : "";
	ru.git_sha = in->run.git_sha;
	ru.started_at = in->run.t.started_at;
	ru.now = in->run.now;
	sp = trace_begin(in->span, "ingest.rollup");
	trace_attr_str(sp, "testvis.run_id", in->run.run_id);
	if ((rc = rollup_apply(in->db, &ru)) == -1 ||
	    (rc = reportcells_run(in->db, ru.run)) == -1)
		ingeststore_fault(in->db, in->fault);
	trace_end(sp);
	return rc;
}

/* Applies the sidecar's per-test overrides (tags, owner, feature). */
static int
apply_overrides(struct ingest *in)
{
	json_t *tests, *o, *v, *e;
	const char *key, *sep, *text[4];
	char test_id[TEST_ID_LEN + 1], *path;
	struct buf tags;
	size_t i;
	int rc = 0;

	if ((tests = ingestmeta_sidecar(&in->meta, "tests")) == NULL)
		return 0;
	buf_init(&tags);
	json_object_foreach(tests, key, o) {
		if (strlen(key) == TEST_ID_LEN &&
		    strspn(key, "0123456789abcdef") == TEST_ID_LEN)
			memcpy(test_id, key, sizeof(test_id));
		else if ((sep = strstr(key, "::")) != NULL) {
			path = xstrdup(key);
			path[sep - key] = '\0';
			ident_test_id(in->project, path, sep + 2, test_id);
			free(path);
		} else
			continue;	/* names no test: nothing to apply */
		buf_reset(&tags);
		if ((v = json_object_get(o, "tags")) != NULL)
			json_array_foreach(v, i, e) {
				if (tags.len > 0)
					buf_puts(&tags, ",");
				buf_puts(&tags, json_string_value(e));
			}
		text[0] = tags.len > 0 ? tags.p : NULL;
		text[1] = json_string_value(json_object_get(o, "owner"));
		text[2] = json_string_value(json_object_get(o, "feature"));
		text[3] = json_string_value(json_object_get(o, "domain"));
		if (ingeststore_override(in->db, in->run.t.project_id,
		    ident_test_key(test_id), text, in->fault) == -1) {
			rc = -1;
			break;
		}
	}
	buf_free(&tags);
	return rc;
}

/*
 * Stores the counts of the run and the shard (into *shard_c), the shard
 * row with warnings w (borrowed), the project's counters and the run
 * event.  0 or -1.
 */
static int
finish_rows(struct ingest *in, struct ingeststore_counts *shard_c, json_t *w)
{
	const struct ingestrun *r = &in->run;
	struct ingeststore_counts run_c;
	struct ingeststore_shard_row row;
	char digest[SHA256_HEX_LEN], *warnings, *changed = NULL, *ev_text;
	long long new_tests = chunkwriter_new_tests(in->cw);
	json_t *v, *ev;
	int rc;

	if (ingeststore_counts(in->db, r->t.run, -1, &run_c, in->fault) == -1 ||
	    ingeststore_counts(in->db, r->t.run, r->t.shard, shard_c,
	    in->fault) == -1 ||
	    ingeststore_run_counts(in->db, r->t.run, &run_c, new_tests,
	    in->fault) == -1)
		return -1;
	warnings = json_dumps(w, JSON_COMPACT);
	if ((v = ingestmeta_sidecar(&in->meta, "changed_files")) != NULL)
		changed = json_dumps(v, JSON_COMPACT);
	crypto_sha256_hex(in->digests.p != NULL ? in->digests.p : "",
	    in->digests.len, digest);
	row.digest = digest;
	row.new_tests = new_tests;
	row.warnings = warnings;
	row.diff = in->has_diff ? (in->diff.p != NULL ? in->diff.p : "") :
	    NULL;
	row.changed = changed;
	rc = ingeststore_shard_set(in->db, r->t.shard, shard_c, &row,
	    in->fault);
	free(warnings);
	free(changed);
	if (rc == -1 || ingeststore_project_bump(in->db, r->t.project_id,
	    r->run_new, new_tests, r->t.started_at, in->fault) == -1)
		return -1;
	ev = json_pack("{sssssosIsb}", "run_id", r->run_id, "shard",
	    r->shard, "counts", ingestanswer_counts(shard_c),
	    "new_tests", (json_int_t)new_tests, "new_run", r->run_new);
	ev_text = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	rc = ingeststore_event(in->db, r->t.project_id, r->now, r->run_id,
	    ev_text != NULL ? ev_text : "{}", in->fault);
	free(ev_text);
	return rc;
}

/* Tags the ingest span with what the shard stored. */
static void
trace_counts(struct ingest *in, const struct ingeststore_counts *c)
{
	trace_attr_str(in->span, "testvis.run_id", in->run.run_id);
	trace_attr_str(in->span, "testvis.shard", in->run.shard);
	trace_attr_int(in->span, "testvis.tests", c->tests);
	trace_attr_int(in->span, "testvis.failed", c->by[ST_FAILED] +
	    c->by[ST_ERROR]);
	trace_attr_int(in->span, "testvis.new_tests",
	    chunkwriter_new_tests(in->cw));
}

/*
 * Completes the ingest and commits.  Stores the answer object in *out
 * (caller owns it) and returns INGEST_CREATED, or INGEST_SKIPPED for a
 * duplicate (nothing stored).  Returns INGEST_FAILED with the fault set
 * otherwise, having stored nothing.
 */
enum ingest_outcome
ingest_finish(struct ingest *in, json_t **out)
{
	struct ingeststore_counts shard_c;
	struct trace_span *sp;
	json_t *w;
	int rc;

	*out = NULL;
	if (in->duplicate)
		return answer_duplicate(in, out);
	if ((rc = ingestrun_settle(&in->run, in->db, &in->meta,
	    in->digests.p, in->digests.len, in->fault)) == -1)
		return INGEST_FAILED;
	if (rc == 1)
		return answer_duplicate(in, out);
	if (ingestrun_meta(&in->run, in->db, &in->meta, in->xml_started,
	    in->xml_duration, in->fault) == -1 || finish_rollup(in) == -1 ||
	    apply_overrides(in) == -1)
		return INGEST_FAILED;
	w = ingestanswer_warnings(&in->notes);
	if (finish_rows(in, &shard_c, w) == -1)
		goto fail;
	sp = trace_begin(in->span, "ingest.commit");
	rc = db_commit(in->db);
	trace_end(sp);
	if (rc == -1) {
		ingeststore_fault(in->db, in->fault);
		goto fail;
	}
	in->done = 1;
	trace_counts(in, &shard_c);
	*out = answer(in, "created", &shard_c, chunkwriter_new_tests(in->cw),
	    w);
	return INGEST_CREATED;
fail:
	json_decref(w);
	return INGEST_FAILED;
}
