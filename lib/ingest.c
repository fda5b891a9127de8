/*
 * The ingest service (SPEC §3): one upload (several XML files, or a JSON
 * list of results) becomes one shard of a run, atomically (I-2), exactly
 * once (I-3), with everything the read side needs written in the same
 * transaction (ING-7).
 *
 * Life of an ingest: ingest_new(), metadata from the request
 * (ingest_set_param) and the sidecar (ingest_set_sidecar), ingest_begin()
 * takes the write lock and creates the run and shard rows (answering 1 for
 * a known duplicate), then each file streams through ingest_xml(): every
 * testcase becomes a test definition (new ones counted) and a result, with
 * repeated testcases merging into one result as attempts.  ingest_finish()
 * settles the run id (request > sidecar > content hash), metadata
 * precedence (request > sidecar > XML), has rollup.c derive rollups and
 * incidents from the shard's results, then counts, project counters and
 * the run event; and commits.  ingest_free() rolls back whatever was not committed.
 * Parsing is junit.c's; HTTP is the cgi-bin program's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "fault.h"
#include "ident.h"
#include "ingest.h"
#include "junit.h"
#include "jval.h"
#include "log.h"
#include "repeats.h"
#include "rollup.h"
#include "stream.h"
#include "trace.h"
#include "tvtime.h"
#include "utf8.h"

const struct param_spec ingest_meta_spec[META__MAX + 1] = {
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
	[META_REPEATS] = { "repeats", PARAM_ENUM, 0, 0, 0,
	    repeats_mode_names },
	[META__MAX] = { NULL, 0, 0, 0, 0, NULL },
};

/* How a repeated (run, test) merges: the last attempt wins (ING-1). */
#define RESULT_MERGE \
	"shard = excluded.shard, status = excluded.status, " \
	"duration_ms = coalesce(excluded.duration_ms, duration_ms), " \
	"attempts = attempts + excluded.attempts, " \
	"flaky_in_run = CASE WHEN excluded.status = 0 AND " \
	"(status IN (1, 2) OR flaky_in_run) THEN 1 " \
	"ELSE excluded.flaky_in_run END, " \
	"fingerprint = coalesce(excluded.fingerprint, fingerprint), " \
	"assertions = coalesce(excluded.assertions, assertions)"
#define TEXT_MERGE \
	"message = coalesce(excluded.message, message), " \
	"error_type = coalesce(excluded.error_type, error_type), " \
	"details = coalesce(excluded.details, details), " \
	"stdout = coalesce(excluded.stdout, stdout), " \
	"stderr = coalesce(excluded.stderr, stderr)"

enum stmt {
	STMT_RUN_FIND,
	STMT_RUN_INSERT,
	STMT_RUN_GET,
	STMT_RUN_META,
	STMT_RUN_RENAME,
	STMT_RUN_DELETE,
	STMT_RUN_COUNTS,
	STMT_RUN_SET_COUNTS,
	STMT_SHARD_FIND,
	STMT_SHARD_INSERT,
	STMT_SHARD_COUNTS,
	STMT_SHARD_SET,
	STMT_SHARD_MOVE,
	STMT_SHARD_RELABEL,
	STMT_TEST_INSERT,
	STMT_STATS_INSERT,
	STMT_TEST_REFRESH,
	STMT_TEST_OVERRIDE,
	STMT_RESULT_UPSERT,
	STMT_TEXT_UPSERT,
	STMT_MOVE_RESULTS,
	STMT_MOVE_TEXTS,
	STMT_DROP_RESULTS,
	STMT_DROP_TEXTS,
	STMT_RESTAMP,
	STMT_PROJECT_BUMP,
	STMT_EVENT,
	STMT_ALIASES,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_RUN_FIND] =
	    "SELECT id FROM runs WHERE project_id = ?1 AND run_id = ?2",
	[STMT_RUN_INSERT] =
	    "INSERT INTO runs (project_id, run_id, started_at, ingested_at) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[STMT_RUN_GET] =
	    "SELECT started_at, finished_at, duration_ms, git_sha, branch, "
	    "session_id, env_fingerprint, triggered_by, ci_url, tags "
	    "FROM runs WHERE id = ?1",
	[STMT_RUN_META] =
	    "UPDATE runs SET started_at = ?2, finished_at = ?3, "
	    "duration_ms = ?4, git_sha = ?5, branch = ?6, session_id = ?7, "
	    "env_fingerprint = ?8, triggered_by = ?9, ci_url = ?10, "
	    "tags = ?11 WHERE id = ?1",
	[STMT_RUN_RENAME] =
	    "UPDATE runs SET run_id = ?2 WHERE id = ?1",
	[STMT_RUN_DELETE] =
	    "DELETE FROM runs WHERE id = ?1",
	[STMT_RUN_COUNTS] =
	    "SELECT status, count(*), sum(flaky_in_run) FROM results "
	    "WHERE run = ?1 GROUP BY status",
	[STMT_RUN_SET_COUNTS] =
	    "UPDATE runs SET tests = ?2, passed = ?3, failed = ?4, "
	    "errors = ?5, skipped = ?6, flaky = ?7, status = ?8, "
	    "new_tests = new_tests + ?9, shards = (SELECT count(*) FROM "
	    "run_shards WHERE run = ?1) WHERE id = ?1",
	[STMT_SHARD_FIND] =
	    "SELECT id, tests, passed, failed, errors, skipped, flaky "
	    "FROM run_shards WHERE run = ?1 AND shard = ?2",
	[STMT_SHARD_INSERT] =
	    "INSERT INTO run_shards (run, shard, content_sha256, source, "
	    "received_at) VALUES (?1, ?2, '', ?3, ?4)",
	[STMT_SHARD_COUNTS] =
	    "SELECT status, count(*), sum(flaky_in_run) FROM results "
	    "WHERE run = ?1 AND shard = ?2 GROUP BY status",
	[STMT_SHARD_SET] =
	    "UPDATE run_shards SET content_sha256 = ?2, tests = ?3, "
	    "passed = ?4, failed = ?5, errors = ?6, skipped = ?7, flaky = ?8, "
	    "new_tests = ?9, warnings = ?10, diff = ?11, changed_files = ?12 "
	    "WHERE id = ?1",
	[STMT_SHARD_MOVE] =
	    "UPDATE run_shards SET run = ?2 WHERE id = ?1",
	[STMT_SHARD_RELABEL] =
	    "UPDATE run_shards SET shard = ?2 WHERE id = ?1",
	[STMT_TEST_INSERT] =
	    "INSERT INTO tests (id, project_id, test_id, identity_path, name, "
	    "base_name, params, classname, file, line, suite_path, tags, "
	    "owner, feature_hint, domain_hint, first_seen_at, first_run) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17) ON CONFLICT (id) DO NOTHING",
	[STMT_STATS_INSERT] =
	    "INSERT INTO test_stats (test, project_id, last_seen_at) "
	    "VALUES (?1, ?3, ?2)",
	[STMT_TEST_REFRESH] =
	    "UPDATE tests SET file = coalesce(?2, file), "
	    "line = coalesce(?3, line), tags = coalesce(?4, tags), "
	    "owner = coalesce(?5, owner), "
	    "feature_hint = coalesce(?6, feature_hint), "
	    "domain_hint = coalesce(?7, domain_hint) WHERE id = ?1 AND ("
	    "file IS NOT coalesce(?2, file) OR line IS NOT coalesce(?3, line) "
	    "OR tags IS NOT coalesce(?4, tags) OR "
	    "owner IS NOT coalesce(?5, owner) OR "
	    "feature_hint IS NOT coalesce(?6, feature_hint) OR "
	    "domain_hint IS NOT coalesce(?7, domain_hint))",
	[STMT_TEST_OVERRIDE] =
	    "UPDATE tests SET tags = coalesce(?3, tags), "
	    "owner = coalesce(?4, owner), "
	    "feature_hint = coalesce(?5, feature_hint), "
	    "domain_hint = coalesce(?6, domain_hint) "
	    "WHERE id = ?1 AND project_id = ?2",
	[STMT_RESULT_UPSERT] =
	    "INSERT INTO results (run, test, shard, started_at, status, "
	    "duration_ms, attempts, flaky_in_run, fingerprint, assertions) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	    "ON CONFLICT (run, test) DO UPDATE SET " RESULT_MERGE,
	[STMT_TEXT_UPSERT] =
	    "INSERT INTO result_texts (run, test, message, error_type, "
	    "details, stdout, stderr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (run, test) DO UPDATE SET " TEXT_MERGE,
	[STMT_MOVE_RESULTS] =
	    "INSERT INTO results (run, test, shard, started_at, status, "
	    "duration_ms, attempts, flaky_in_run, fingerprint, assertions) "
	    "SELECT ?2, test, shard, started_at, status, duration_ms, "
	    "attempts, flaky_in_run, fingerprint, assertions FROM results "
	    "WHERE run = ?1 ON CONFLICT (run, test) DO UPDATE SET "
	    RESULT_MERGE,
	[STMT_MOVE_TEXTS] =
	    "INSERT INTO result_texts (run, test, message, error_type, "
	    "details, stdout, stderr) SELECT ?2, test, message, error_type, "
	    "details, stdout, stderr FROM result_texts WHERE run = ?1 "
	    "ON CONFLICT (run, test) DO UPDATE SET " TEXT_MERGE,
	[STMT_DROP_RESULTS] =
	    "DELETE FROM results WHERE run = ?1",
	[STMT_DROP_TEXTS] =
	    "DELETE FROM result_texts WHERE run = ?1",
	[STMT_RESTAMP] =
	    "UPDATE results SET started_at = ?2 WHERE run = ?1 AND "
	    "started_at != ?2",
	[STMT_PROJECT_BUMP] =
	    "UPDATE projects SET run_count = run_count + ?2, "
	    "test_count = test_count + ?3, "
	    "last_run_at = max(coalesce(last_run_at, ?4), ?4) WHERE id = ?1",
	[STMT_EVENT] =
	    "INSERT INTO events (project_id, at, kind, subject, payload) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_ALIASES] =
	    "SELECT from_test, to_test FROM aliases WHERE project_id = ?1 "
	    "ORDER BY from_test",
};

#define STMT(in, i) db_stmt((in)->db, DBM_INGEST, sql, STMT__MAX, (i))

enum pfield {
	PF_NAME, PF_CLASSNAME, PF_FILE, PF_SUITE, PF_PATH, PF_BASE, PF_PARAMS,
	PF_MESSAGE, PF_TYPE, PF_DETAILS, PF_OUT, PF_ERR, PF_TAGS, PF_OWNER,
	PF_FEATURE, PF_DOMAIN, PF__MAX
};

/* A testcase waiting in the batch; strings live in the batch buffer. */
struct pcase {
	int64_t		 key;
	size_t		 seq;
	size_t		 off[PF__MAX];	/* (size_t)-1 for NULL */
	char		 test_id[TEST_ID_LEN + 1];
	char		 fp[FINGERPRINT_LEN + 1];
	long		 line;
	int		 status, attempts, flaky;
	int		 aliased;	/* key redirected by an alias */
	long long	 duration, assertions;
};

#define PNULL ((size_t)-1)

/* Testcases waiting to be written and their strings. */
struct batch {
	struct pcase	*cases;		/* BATCH_CASES slots, lazily */
	size_t		 n;
	struct buf	 text;
};

/* The identity fields on_case() caps to max_name_bytes (issue 11 item 3). */
enum ident_field {
	IDENT_NAME,
	IDENT_CLASSNAME,
	IDENT_FILE,
	IDENT_SUITE,
	IDENT_OWNER,
	IDENT__MAX
};

struct counts {
	long long	 tests, by[ST__MAX], flaky;
};

struct ingest {
	struct db		*db;
	const struct config	*cfg;
	struct fault		*fault;
	int64_t			 project_id;
	char			*project;
	const char		*source;
	char			*param[META__MAX];
	int64_t			 param_started;
	json_t			*sidecar;
	struct buf		 diff;
	int			 has_diff;
	int			 begun, done, duplicate;
	int64_t			 now;
	int64_t			 run;		/* runs.id */
	int			 run_new;
	char			*run_id;	/* as in the row */
	int			 run_id_pending;
	int64_t			 shard_row;
	char			*shard;
	char			*branch;	/* final, once settled */
	char			*git_sha;	/* final, or NULL */
	int64_t			 started_at;	/* stamped on results */
	int			 started_fixed;
	long long		 new_tests;
	struct junit_info	 info;		/* summed over files */
	const struct junit_info	*reading;	/* the file being read */
	long long		 repairs;
	int64_t			 xml_started;
	long long		 xml_duration;
	struct buf		 digests;	/* per-file SHA-256, joined */
	struct buf		 base, params;
	struct buf		 cut[IDENT__MAX];	/* capped identity fields */
	long long		 names_cut;
	struct repeats		*seen;		/* testcases of this upload */
	struct buf		 variant;	/* a repeat's variant name */
	long long		 variants;	/* repeats stored as variants */
	long long		 retried_failures;	/* failed, then repeated */
	struct batch		*cur;		/* being filled */
	struct batch		*bat;		/* two, see ingest_xml */
	size_t			 seq;
	struct fault		*sfault;	/* storage faults go here */
	struct writer		*writer;	/* while ingest_xml runs */
	struct junit_limits	 lim;
	int64_t			*aliases;	/* from, to pairs by from */
	size_t			 naliases;
	/* tracing: the "ingest" span, and the writer's time (unix ns) */
	struct trace_span	*span;		/* NULL: not traced */
	struct trace_span	*results_span;	/* JSON results being read */
	long long		 results_n;
	int64_t			 store_t0, store_t1, store_ns;
	long long		 store_batches, store_cases;
};

static char *
xstrdup(const char *s)
{
	char *p = s != NULL ? strdup(s) : NULL;

	if (s != NULL && p == NULL)
		abort();
	return p;
}

/*
 * A new ingest of project (id and slug, copied) from source ("http",
 * "cli", "spool"), reporting client errors into fault (borrowed).  Free
 * with ingest_free().
 */
struct ingest *
ingest_new(struct db *db, const struct config *cfg, int64_t project_id,
    const char *project, const char *source, struct fault *fault)
{
	struct ingest *in = calloc(1, sizeof(*in));
	int i;

	if (in == NULL)
		abort();
	in->db = db;
	in->cfg = cfg;
	in->fault = fault;
	in->project_id = project_id;
	in->project = xstrdup(project);
	in->source = source;
	in->param_started = -1;
	in->xml_started = -1;
	in->xml_duration = -1;
	in->now = tvtime_now_ms();
	in->lim.message_max = cfg->max_message_bytes;
	in->lim.text_max = cfg->max_text_bytes;
	buf_init(&in->diff);
	buf_init(&in->digests);
	buf_init(&in->base);
	buf_init(&in->params);
	for (i = 0; i < IDENT__MAX; i++)
		buf_init(&in->cut[i]);
	buf_init(&in->variant);
	in->seen = repeats_new();
	in->sfault = fault;
	if ((in->bat = calloc(2, sizeof(*in->bat))) == NULL)
		abort();
	in->cur = &in->bat[0];
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
	if (in->fault->status != 0) {
		trace_error(in->results_span, in->fault->code);
		trace_error(in->span, in->fault->code);
	}
	trace_end(in->results_span);
	trace_end(in->span);
	for (i = 0; i < META__MAX; i++)
		free(in->param[i]);
	json_decref(in->sidecar);
	free(in->project);
	free(in->run_id);
	free(in->shard);
	free(in->branch);
	free(in->git_sha);
	buf_free(&in->diff);
	buf_free(&in->digests);
	buf_free(&in->base);
	buf_free(&in->params);
	for (i = 0; i < IDENT__MAX; i++)
		buf_free(&in->cut[i]);
	buf_free(&in->variant);
	repeats_free(in->seen);
	for (i = 0; in->bat != NULL && i < 2; i++) {
		free(in->bat[i].cases);
		buf_free(&in->bat[i].text);
	}
	free(in->bat);
	free(in->aliases);
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
	if (f == META_STARTED_AT) {
		in->param_started = ms;
		return;
	}
	free(in->param[f]);
	in->param[f] = xstrdup(text);
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
	trace_attr_int(in->span, "testvis.project_id", in->project_id);
	trace_attr_str(in->span, "testvis.ingest.source", in->source);
}

/* A 400 about a sidecar field; returns -1. */
static int
meta_fault(struct ingest *in, const char *field, const char *why)
{
	fault_set(in->fault, 400, "invalid_json", "meta field '%s' %s", field,
	    why);
	return -1;
}

/* Checks a JSON array of strings of at most maxlen chars, maxn items. */
static int
check_strings(struct ingest *in, const char *field, json_t *v, size_t maxn,
    long long maxlen)
{
	struct param_spec spec = { field, PARAM_STRING, 0, 1, maxlen, NULL };
	struct param_value pv;
	char why[256];
	json_t *e;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > maxn)
		return meta_fault(in, field, "must be an array of strings");
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || param_validate(&spec,
		    json_string_value(e), json_string_length(e), &pv, why,
		    sizeof(why)) == -1 || (strstr(field, "tags") != NULL &&
		    strchr(json_string_value(e), ',') != NULL))
			return meta_fault(in, field, "must hold short "
			    "strings without control characters (tags: "
			    "no commas)");
	}
	return 0;
}

/* Validates one per-test override {tags, owner, feature, domain}. */
static int
check_override(struct ingest *in, const char *key, json_t *o)
{
	static const struct param_spec path_spec =
	    { "feature", PARAM_STRING, 0, 1, 512, NULL };
	struct param_value pv;
	const char *k;
	char why[256];
	json_t *v;

	if (!json_is_object(o))
		return meta_fault(in, "tests", "must map test keys to objects");
	json_object_foreach(o, k, v) {
		if (strcmp(k, "tags") == 0) {
			if (check_strings(in, "tests.*.tags", v, 50, 64) == -1)
				return -1;
		} else if (strcmp(k, "owner") == 0 ||
		    strcmp(k, "feature") == 0 || strcmp(k, "domain") == 0) {
			if (!json_is_string(v) || param_validate(&path_spec,
			    json_string_value(v), json_string_length(v), &pv,
			    why, sizeof(why)) == -1)
				return meta_fault(in, "tests", "has an invalid "
				    "owner, feature or domain");
		} else {
			fault_set(in->fault, 400, "invalid_json", "meta field "
			    "'tests' entry '%.*s' has unknown key '%.*s'",
			    UTF8_CUT(key, 64), UTF8_CUT(k, 64));
			return -1;
		}
	}
	return 0;
}

/*
 * Validates and keeps the sidecar (ING-5; reference stolen): run
 * metadata, finished_at, duration_ms, tags, changed_files and per-test
 * overrides.  Returns 0, or -1 with a 400 naming the field.
 */
int
ingest_set_sidecar(struct ingest *in, json_t *meta)
{
	struct param_value pv;
	const char *k;
	char why[256];
	json_t *v;
	int i;

	if (!json_is_object(meta)) {
		json_decref(meta);
		fault_set(in->fault, 400, "invalid_json",
		    "meta must be a JSON object");
		return -1;
	}
	json_decref(in->sidecar);
	in->sidecar = meta;
	json_object_foreach(meta, k, v) {
		for (i = 0; i < META__MAX; i++)
			if (strcmp(k, ingest_meta_spec[i].name) == 0)
				break;
		if (i < META__MAX) {
			if (!json_is_string(v) || param_validate(
			    &ingest_meta_spec[i], json_string_value(v),
			    json_string_length(v), &pv, why, sizeof(why)) == -1)
				return meta_fault(in, k, json_is_string(v) ?
				    why : "must be a string");
			continue;
		}
		if (strcmp(k, "finished_at") == 0) {
			int64_t ms;
			if (!json_is_string(v) || tvtime_parse_iso8601(
			    json_string_value(v), json_string_length(v),
			    &ms) == -1)
				return meta_fault(in, k, "must be an "
				    "ISO-8601 time");
		} else if (strcmp(k, "duration_ms") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return meta_fault(in, k, "must be a "
				    "non-negative integer");
		} else if (strcmp(k, "tags") == 0) {
			if (check_strings(in, k, v, 50, 64) == -1)
				return -1;
		} else if (strcmp(k, "changed_files") == 0) {
			if (check_strings(in, k, v, 100000, 4096) == -1)
				return -1;
		} else if (strcmp(k, "tests") == 0) {
			const char *tk;
			json_t *o;
			if (!json_is_object(v))
				return meta_fault(in, k, "must be an object");
			json_object_foreach(v, tk, o)
				if (check_override(in, tk, o) == -1)
					return -1;
		} else if (strcmp(k, "project") != 0) {
			fault_set(in->fault, 400, "invalid_json",
			    "unknown meta field '%.*s'", UTF8_CUT(k, 64));
			return -1;
		}
	}
	return 0;
}

/* A metadata string: the request's, else the sidecar's, else NULL. */
static const char *
meta_str(struct ingest *in, enum meta_field f)
{
	json_t *v;

	if (in->param[f] != NULL)
		return in->param[f];
	if (in->sidecar != NULL &&
	    (v = json_object_get(in->sidecar, ingest_meta_spec[f].name)) !=
	    NULL)
		return json_string_value(v);
	return NULL;
}

/* A time from the sidecar field name, or -1. */
static int64_t
sidecar_time(struct ingest *in, const char *name)
{
	json_t *v;
	int64_t ms;

	if (in->sidecar == NULL || (v = json_object_get(in->sidecar, name)) ==
	    NULL || tvtime_parse_iso8601(json_string_value(v),
	    json_string_length(v), &ms) == -1)
		return -1;
	return ms;
}

/*
 * Sets the storage fault to 503 busy (locked) or 507 (disk full) or 500;
 * returns -1.  While a writer thread stores batches, it has its own.
 */
static int
storage_fault(struct ingest *in)
{
	int code = sqlite3_errcode(db_handle(in->db));

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		fault_set(in->sfault, 503, "busy", "the database is busy, "
		    "retry later");
	else if (code == SQLITE_FULL)
		fault_set(in->sfault, 507, "storage_full", "the database disk "
		    "is full");
	else
		fault_set(in->sfault, 500, "internal", "storage error");
	return -1;
}

/* Steps a write statement to completion; 0 or -1 (storage fault). */
static int
step_done(struct ingest *in, sqlite3_stmt *st)
{
	int rc = db_step(in->db, st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : storage_fault(in);
}

/* Looks up the run row of (project, run_id): 1 found, 0 not, -1 error. */
static int
run_find(struct ingest *in, const char *run_id, int64_t *id)
{
	sqlite3_stmt *st = STMT(in, STMT_RUN_FIND);
	int rc;

	if (st == NULL || db_bind_int(in->db, st, 1, in->project_id) == -1 ||
	    db_bind_text(in->db, st, 2, run_id) == -1)
		return storage_fault(in);
	rc = db_step(in->db, st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == -1 ? storage_fault(in) : rc == SQLITE_ROW;
}

/* Looks up shard label of run: 1 found (its row id), 0 not, -1 error. */
static int
shard_find(struct ingest *in, int64_t run, const char *shard, int64_t *id)
{
	sqlite3_stmt *st = STMT(in, STMT_SHARD_FIND);
	int rc;

	if (st == NULL || db_bind_int(in->db, st, 1, run) == -1 ||
	    db_bind_text(in->db, st, 2, shard) == -1)
		return storage_fault(in);
	rc = db_step(in->db, st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == -1 ? storage_fault(in) : rc == SQLITE_ROW;
}

/*
 * Loads the project's aliases (API-25), usually none: a testcase whose
 * key is an alias's old test is stored under the test it was renamed
 * to.  Returns 0 or -1 (fault set).
 */
static int
aliases_load(struct ingest *in)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if ((st = STMT(in, STMT_ALIASES)) == NULL ||
	    db_bind_int(in->db, st, 1, in->project_id) == -1)
		return storage_fault(in);
	while ((rc = db_step(in->db, st)) == SQLITE_ROW) {
		if (2 * in->naliases + 2 > cap) {
			cap = cap * 2 + 16;
			if ((in->aliases = realloc(in->aliases, cap *
			    sizeof(*in->aliases))) == NULL)
				abort();
		}
		in->aliases[2 * in->naliases] = sqlite3_column_int64(st, 0);
		in->aliases[2 * in->naliases + 1] = sqlite3_column_int64(st, 1);
		in->naliases++;
	}
	sqlite3_reset(st);
	return rc == -1 ? storage_fault(in) : 0;
}

/* Redirects keys of renamed tests to their new tests (sorted pairs). */
static void
aliases_apply(const struct ingest *in, struct batch *b)
{
	size_t i, lo, hi, mid;

	for (i = 0; in->naliases > 0 && i < b->n; i++) {
		struct pcase *c = &b->cases[i];
		lo = 0;
		hi = in->naliases;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (in->aliases[2 * mid] < c->key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < in->naliases && in->aliases[2 * lo] == c->key) {
			c->key = in->aliases[2 * lo + 1];
			c->aliased = 1;
		}
	}
}

/*
 * Takes the write lock and creates the run (unless it exists) and this
 * upload's shard.  Returns 0 to go on, 1 when (run_id, shard) was already
 * stored (the body need not be read; ingest_finish() answers "skipped"),
 * or -1 with the fault set.
 */
int
ingest_begin(struct ingest *in)
{
	const char *run_id = meta_str(in, META_RUN_ID);
	const char *shard = meta_str(in, META_SHARD);
	char pending[40], rnd[17];
	sqlite3_stmt *st;
	int found;

	in->shard = xstrdup(shard != NULL ? shard : "");
	if (rollup_register(db_handle(in->db)) == -1)
		return storage_fault(in);
	/*
	 * An HTTP client waits at most busy_timeout_ms for another writer,
	 * then gets 503 busy with Retry-After (issue 11 item 9); the CLI and
	 * the spool have no client waiting and may queue longer.
	 */
	sqlite3_busy_timeout(db_handle(in->db), strcmp(in->source, "http") ==
	    0 ? (int)in->cfg->busy_timeout_ms : 30000);
	/*
	 * Rollups and the per-test index touch pages all over the file: a
	 * 64 MB page cache keeps them in memory for the length of the
	 * transaction instead of re-reading them (no mmap: mapped pages
	 * would count against the ingest's memory budget, PERF-4).
	 */
	if (db_exec(in->db, "PRAGMA cache_size = -65536") == -1)
		return storage_fault(in);
	if (db_begin(in->db) == -1)
		return storage_fault(in);
	in->begun = 1;
	if (aliases_load(in) == -1)
		return -1;
	if (run_id != NULL) {
		if ((found = run_find(in, run_id, &in->run)) == -1)
			return -1;
		if (found) {
			int dup = shard_find(in, in->run, in->shard,
			    &in->shard_row);
			if (dup == -1)
				return -1;
			if (dup) {
				in->run_id = xstrdup(run_id);
				in->duplicate = 1;
				return 1;
			}
		}
		in->run_id = xstrdup(run_id);
	} else {
		if (crypto_random_hex(rnd, 16) == -1)
			return storage_fault(in);
		snprintf(pending, sizeof(pending), "pending-%s", rnd);
		in->run_id = xstrdup(pending);
		in->run_id_pending = 1;
		found = 0;
	}
	if (!found) {
		in->started_at = in->param_started >= 0 ? in->param_started :
		    in->now;
		if ((st = STMT(in, STMT_RUN_INSERT)) == NULL ||
		    db_bind_int(in->db, st, 1, in->project_id) == -1 ||
		    db_bind_text(in->db, st, 2, in->run_id) == -1 ||
		    db_bind_int(in->db, st, 3, in->started_at) == -1 ||
		    db_bind_int(in->db, st, 4, in->now) == -1 ||
		    step_done(in, st) == -1)
			return -1;
		in->run = sqlite3_last_insert_rowid(db_handle(in->db));
		in->run_new = 1;
	} else {
		if ((st = STMT(in, STMT_RUN_GET)) == NULL ||
		    db_bind_int(in->db, st, 1, in->run) == -1 ||
		    db_step(in->db, st) != SQLITE_ROW) {
			if (st != NULL)
				sqlite3_reset(st);
			return storage_fault(in);
		}
		in->started_at = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		in->started_fixed = 1;
	}
	if ((st = STMT(in, STMT_SHARD_INSERT)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    db_bind_text(in->db, st, 2, in->shard) == -1 ||
	    db_bind_text(in->db, st, 3, in->source) == -1 ||
	    db_bind_int(in->db, st, 4, in->now) == -1 ||
	    step_done(in, st) == -1)
		return -1;
	in->shard_row = sqlite3_last_insert_rowid(db_handle(in->db));
	return 0;
}

/* Binds s, or NULL when s is NULL or empty. */
static int
bind_opt(struct ingest *in, sqlite3_stmt *st, int i, const char *s)
{
	return db_bind_text(in->db, st, i, s != NULL && s[0] != '\0' ? s :
	    NULL);
}

/*
 * Fixes the start time stamped on results at the first testcase: request,
 * else sidecar, else the report's own timestamp, else ingest time.
 */
static void
settle_start(struct ingest *in, const struct junit_info *info)
{
	int64_t t;

	if (in->started_fixed)
		return;
	in->started_fixed = 1;
	if (in->param_started >= 0)
		t = in->param_started;
	else if ((t = sidecar_time(in, "started_at")) >= 0)
		;
	else if (info != NULL && info->started_at >= 0)
		t = info->started_at;
	else
		t = in->started_at;
	in->started_at = t;
}

/*
 * Testcases are written in batches sorted by test key: keys are hashes, so
 * in document order every write lands somewhere else in each B-tree; in
 * key order consecutive writes share pages.  A batch holds at most
 * BATCH_CASES testcases or BATCH_BYTES of text, which bounds memory
 * whatever the report's size.  The sort is stable, so repeats of a test
 * keep their document order and the last attempt still wins.
 */
#define BATCH_CASES	8192
#define BATCH_BYTES	(32u * 1024 * 1024)

/* Copies s (or NULL) into the batch's text; returns its offset. */
static size_t
batch_str(struct batch *b, const char *s)
{
	size_t off = b->text.len;

	if (s == NULL)
		return PNULL;
	buf_append(&b->text, s, strlen(s) + 1);
	return off;
}

/* The string of field f of c in batch b, or NULL. */
static const char *
pstr(const struct batch *b, const struct pcase *c, enum pfield f)
{
	return c->off[f] == PNULL ? NULL : b->text.p + c->off[f];
}

static int
pcase_cmp(const void *a, const void *b)
{
	const struct pcase *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes one testcase of batch b: its definition and (merged) result. */
static int
store_case(struct ingest *in, const struct batch *b, const struct pcase *c)
{
	const char *file = pstr(b, c, PF_FILE);
	const char *tags = pstr(b, c, PF_TAGS), *owner = pstr(b, c, PF_OWNER);
	const char *feature = pstr(b, c, PF_FEATURE);
	const char *domain = pstr(b, c, PF_DOMAIN);
	const char *msg = pstr(b, c, PF_MESSAGE), *type = pstr(b, c, PF_TYPE);
	const char *details = pstr(b, c, PF_DETAILS);
	const char *out = pstr(b, c, PF_OUT), *err = pstr(b, c, PF_ERR);
	sqlite3_stmt *st;

	if (c->aliased)
		goto result;	/* the new test's definition stays as it is */
	if ((st = STMT(in, STMT_TEST_INSERT)) == NULL ||
	    db_bind_int(in->db, st, 1, c->key) == -1 ||
	    db_bind_int(in->db, st, 2, in->project_id) == -1 ||
	    db_bind_text(in->db, st, 3, c->test_id) == -1 ||
	    db_bind_text(in->db, st, 4, pstr(b, c, PF_PATH)) == -1 ||
	    db_bind_text(in->db, st, 5, pstr(b, c, PF_NAME)) == -1 ||
	    db_bind_text(in->db, st, 6, pstr(b, c, PF_BASE)) == -1 ||
	    db_bind_text(in->db, st, 7, pstr(b, c, PF_PARAMS)) == -1 ||
	    db_bind_text(in->db, st, 8, pstr(b, c, PF_CLASSNAME)) == -1 ||
	    db_bind_text(in->db, st, 9, file) == -1 ||
	    (c->line > 0 ? db_bind_int(in->db, st, 10, c->line) :
	    db_bind_null(in->db, st, 10)) == -1 ||
	    db_bind_text(in->db, st, 11, pstr(b, c, PF_SUITE)) == -1 ||
	    bind_opt(in, st, 12, tags) == -1 ||
	    bind_opt(in, st, 13, owner) == -1 ||
	    bind_opt(in, st, 14, feature) == -1 ||
	    bind_opt(in, st, 15, domain) == -1 ||
	    db_bind_int(in->db, st, 16, in->started_at) == -1 ||
	    db_bind_int(in->db, st, 17, in->run) == -1 ||
	    step_done(in, st) == -1)
		return -1;
	if (sqlite3_changes(db_handle(in->db)) > 0) {
		in->new_tests++;
		if ((st = STMT(in, STMT_STATS_INSERT)) == NULL ||
		    db_bind_int(in->db, st, 1, c->key) == -1 ||
		    db_bind_int(in->db, st, 2, in->started_at) == -1 ||
		    db_bind_int(in->db, st, 3, in->project_id) == -1 ||
		    step_done(in, st) == -1)
			return -1;
	} else if (file[0] != '\0' || c->line > 0 || tags != NULL ||
	    owner != NULL || feature != NULL || domain != NULL) {
		if ((st = STMT(in, STMT_TEST_REFRESH)) == NULL ||
		    db_bind_int(in->db, st, 1, c->key) == -1 ||
		    bind_opt(in, st, 2, file) == -1 ||
		    (c->line > 0 ? db_bind_int(in->db, st, 3, c->line) :
		    db_bind_null(in->db, st, 3)) == -1 ||
		    bind_opt(in, st, 4, tags) == -1 ||
		    bind_opt(in, st, 5, owner) == -1 ||
		    bind_opt(in, st, 6, feature) == -1 ||
		    bind_opt(in, st, 7, domain) == -1 ||
		    step_done(in, st) == -1)
			return -1;
	}
result:
	if ((st = STMT(in, STMT_RESULT_UPSERT)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    db_bind_int(in->db, st, 2, c->key) == -1 ||
	    db_bind_int(in->db, st, 3, in->shard_row) == -1 ||
	    db_bind_int(in->db, st, 4, in->started_at) == -1 ||
	    db_bind_int(in->db, st, 5, c->status) == -1 ||
	    (c->duration >= 0 ? db_bind_int(in->db, st, 6, c->duration) :
	    db_bind_null(in->db, st, 6)) == -1 ||
	    db_bind_int(in->db, st, 7, c->attempts) == -1 ||
	    db_bind_int(in->db, st, 8, c->flaky) == -1 ||
	    bind_opt(in, st, 9, c->fp) == -1 ||
	    (c->assertions >= 0 ? db_bind_int(in->db, st, 10,
	    c->assertions) : db_bind_null(in->db, st, 10)) == -1 ||
	    step_done(in, st) == -1)
		return -1;
	if (msg == NULL && type == NULL && details == NULL && out == NULL &&
	    err == NULL)
		return 0;
	if ((st = STMT(in, STMT_TEXT_UPSERT)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    db_bind_int(in->db, st, 2, c->key) == -1 ||
	    db_bind_text(in->db, st, 3, msg) == -1 ||
	    db_bind_text(in->db, st, 4, type) == -1 ||
	    db_bind_text(in->db, st, 5, details) == -1 ||
	    db_bind_text(in->db, st, 6, out) == -1 ||
	    db_bind_text(in->db, st, 7, err) == -1 ||
	    step_done(in, st) == -1)
		return -1;
	return 0;
}

/* Adds one written batch of n cases, begun at t0, to the store time. */
static void
store_time(struct ingest *in, int64_t t0, size_t n)
{
	in->store_t1 = trace_now();
	if (in->store_batches++ == 0)
		in->store_t0 = t0;
	in->store_ns += in->store_t1 - t0;
	in->store_cases += (long long)n;
}

/*
 * Reports the batches written so far as one "ingest.store" span (from
 * the first batch's start to the last one's end, busy_ms the time spent
 * writing), then starts counting anew.
 */
static void
store_span(struct ingest *in)
{
	struct trace_span *sp;

	if (in->store_batches == 0 || (sp = trace_begin(in->span,
	    "ingest.store")) == NULL)
		return;
	trace_attr_str(sp, "testvis.run_id", in->run_id);
	trace_attr_int(sp, "testvis.batches", in->store_batches);
	trace_attr_int(sp, "testvis.cases", in->store_cases);
	trace_attr_int(sp, "testvis.busy_ms", in->store_ns / 1000000);
	trace_times(sp, in->store_t0, in->store_t1);
	trace_end(sp);
	in->store_batches = in->store_cases = in->store_ns = 0;
}

/* Writes batch b in key order and empties it; 0 or -1. */
static int
batch_write(struct ingest *in, struct batch *b)
{
	size_t i;
	int rc = 0;
	int64_t t0 = in->span != NULL ? trace_now() : 0;

	aliases_apply(in, b);
	qsort(b->cases, b->n, sizeof(b->cases[0]), pcase_cmp);
	for (i = 0; i < b->n && rc == 0; i++)
		rc = store_case(in, b, &b->cases[i]);
	if (in->span != NULL)	/* maybe the writer thread: no span here */
		store_time(in, t0, b->n);
	b->n = 0;
	buf_reset(&b->text);
	return rc;
}

/*
 * Parsing and storing overlap on two cores: while ingest_xml() reads, a
 * writer thread stores the previous batch.  The database connection is
 * used only by the writer meanwhile; the reader fills the other batch and
 * hands it over once the writer is idle.
 */
struct writer {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct batch	*todo;
	int		 busy, quit, failed;
	struct fault	 fault;
	struct ingest	*in;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct batch *b;
	int rc;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->todo == NULL && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->todo == NULL)
			break;
		b = w->todo;
		w->todo = NULL;
		w->busy = 1;
		pthread_mutex_unlock(&w->mu);
		rc = w->failed ? -1 : batch_write(w->in, b);
		b->n = 0;
		buf_reset(&b->text);
		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		if (rc == -1)
			w->failed = 1;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Waits until the writer holds no batch; returns its failed flag. */
static int
writer_idle(struct writer *w)
{
	int failed;

	pthread_mutex_lock(&w->mu);
	while (w->todo != NULL || w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	return failed;
}

/*
 * Writes the current batch: handed to the writer thread when there is
 * one (then filling the other batch), else written here.  0 or -1.
 */
static int
batch_flush(struct ingest *in)
{
	struct writer *w = in->writer;

	if (in->cur->n == 0)
		return 0;
	if (w == NULL)
		return batch_write(in, in->cur);
	if (writer_idle(w))
		return -1;
	pthread_mutex_lock(&w->mu);
	w->todo = in->cur;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	in->cur = in->cur == &in->bat[0] ? &in->bat[1] : &in->bat[0];
	return 0;
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
	in->names_cut += cut;
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
	const char *mode = meta_str(in, META_REPEATS);
	int failing = c->status == ST_FAILED || c->status == ST_ERROR;
	int prior_failed;
	long n;

	n = repeats_see(in->seen, ident_test_key(tid), failing, &prior_failed);
	if (n < 2)
		return 0;
	if (mode == NULL || strcmp(mode, "variants") != 0) {
		in->retried_failures += prior_failed;
		return 0;
	}
	buf_reset(&in->variant);
	buf_printf(&in->variant, "%s[#%ld]", c->name, n);
	c->name = in->variant.p;
	in->variants++;
	return 1;
}

/*
 * Takes one testcase from the reader: settles the run's start on the
 * first, derives identity, test_id and fingerprint, and queues it; a full
 * batch is written.  Returns 0 or -1 (fault set).
 */
static int
on_case(void *arg, const struct junit_case *given)
{
	struct ingest *in = arg;
	struct junit_case capped_case = *given, *c = &capped_case;
	char tid[TEST_ID_LEN + 1];
	const char *path;
	struct batch *b = in->cur;
	struct pcase *p;

	cap_identity(in, c);
	path = ident_path(c->classname, c->file, c->suite_path);
	ident_test_id(in->project, path, c->name, tid);
	if (repeat_variant(in, c, tid) == 1)
		ident_test_id(in->project, path, c->name, tid);

	settle_start(in, in->reading);
	if (b->cases == NULL && (b->cases = calloc(BATCH_CASES,
	    sizeof(*b->cases))) == NULL)
		abort();
	p = &b->cases[b->n++];
	p->seq = in->seq++;
	memcpy(p->test_id, tid, sizeof(tid));
	p->key = ident_test_key(p->test_id);
	ident_split_params(c->name, &in->base, &in->params);
	p->off[PF_NAME] = batch_str(b, c->name);
	p->off[PF_CLASSNAME] = batch_str(b, c->classname);
	p->off[PF_FILE] = batch_str(b, c->file);
	p->off[PF_SUITE] = batch_str(b, c->suite_path);
	p->off[PF_PATH] = batch_str(b, path);
	p->off[PF_BASE] = batch_str(b, in->base.p);
	p->off[PF_PARAMS] = batch_str(b, in->params.p != NULL ?
	    in->params.p : "");
	p->off[PF_MESSAGE] = batch_str(b, c->message);
	p->off[PF_TYPE] = batch_str(b, c->error_type);
	p->off[PF_DETAILS] = batch_str(b, c->details);
	p->off[PF_OUT] = batch_str(b, c->out);
	p->off[PF_ERR] = batch_str(b, c->err);
	p->off[PF_TAGS] = batch_str(b, c->tags);
	p->off[PF_OWNER] = batch_str(b, c->owner);
	p->off[PF_FEATURE] = batch_str(b, c->feature);
	p->off[PF_DOMAIN] = batch_str(b, c->domain);
	p->line = c->line;
	p->status = c->status;
	p->attempts = c->attempts;
	p->flaky = c->flaky_in_run;
	p->duration = c->duration_ms;
	p->assertions = c->assertions;
	p->fp[0] = '\0';
	if (c->status == ST_FAILED || c->status == ST_ERROR ||
	    (c->flaky_in_run && c->message != NULL))
		ident_fingerprint(c->error_type, c->message, c->details, p->fp);
	if (b->n == BATCH_CASES || b->text.len >= BATCH_BYTES)
		return batch_flush(in);
	return 0;
}

/* Adds one file's tolerances to the ingest's totals. */
static void
info_add(struct ingest *in, const struct junit_info *i)
{
	in->info.cases += i->cases;
	in->info.bad_times += i->bad_times;
	in->info.unnamed += i->unnamed;
	in->info.truncated += i->truncated;
	in->info.suite_output += i->suite_output;
	if (i->started_at >= 0 && (in->xml_started < 0 ||
	    i->started_at < in->xml_started))
		in->xml_started = i->started_at;
	if (i->duration_ms >= 0)
		in->xml_duration = (in->xml_duration < 0 ? 0 :
		    in->xml_duration) + i->duration_ms;
}

/*
 * Reads one JUnit XML file (plain or gzip) from src (borrowed) into the
 * shard.  Returns 0, or -1 with the fault set (invalid_xml, not_junit,
 * too_large, invalid_gzip, storage).
 */
int
ingest_xml(struct ingest *in, struct stream *src)
{
	struct stream *gz, *content;
	struct junit_info info;
	char digest[SHA256_HEX_LEN];
	struct writer w;
	struct trace_span *sp = trace_begin(in->span, "ingest.parse");
	int rc, threaded;

	gz = stream_gunzip(src, in->cfg->max_decompressed_bytes, in->fault);
	content = stream_content(gz, in->fault);
	memset(&w, 0, sizeof(w));
	w.in = in;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	threaded = pthread_create(&w.thread, NULL, writer_main, &w) == 0;
	if (threaded) {
		in->writer = &w;
		in->sfault = &w.fault;
	}
	in->reading = &info;
	rc = junit_read(content, &in->lim, on_case, in, &info, in->fault);
	in->reading = NULL;
	if (rc == 0)
		rc = batch_flush(in);
	if (threaded) {
		if (writer_idle(&w))
			rc = -1;
		pthread_mutex_lock(&w.mu);
		w.quit = 1;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
		pthread_join(w.thread, NULL);
		in->writer = NULL;
		in->sfault = in->fault;
		if (w.fault.status != 0 && in->fault->status == 0)
			*in->fault = w.fault;
		if (w.failed)
			rc = -1;
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	in->cur->n = 0;
	buf_reset(&in->cur->text);
	if (rc == 0) {
		info_add(in, &info);
		in->repairs += stream_content_repairs(content);
		stream_content_digest(content, digest);
		buf_puts(&in->digests, digest);
	}
	stream_free(content);
	stream_free(gz);
	trace_attr_str(sp, "testvis.run_id", in->run_id);
	trace_attr_int(sp, "testvis.cases", info.cases);
	if (rc == -1)
		trace_error(sp, in->fault->code);
	trace_end(sp);
	store_span(in);
	return rc;
}

/* A 400 about results[i]; returns -1. */
static int
result_fault(struct ingest *in, size_t i, const char *field, const char *why)
{
	fault_set(in->fault, 400, "invalid_json", "results[%zu].%s %s", i,
	    field, why);
	return -1;
}

/* A string field of a results element, checked; NULL when absent. */
static int
result_str(struct ingest *in, json_t *o, size_t i, const char *field,
    long long maxlen, int required, const char **out)
{
	struct param_spec spec = { field, PARAM_STRING, 0, 1, maxlen, NULL };
	struct param_value pv;
	json_t *v = json_object_get(o, field);
	char why[256];

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return result_fault(in, i, field, "is required");
		return 0;
	}
	if (!json_is_string(v))
		return result_fault(in, i, field, "must be a string");
	if (maxlen > 0 && param_validate(&spec, json_string_value(v),
	    json_string_length(v), &pv, why, sizeof(why)) == -1)
		return result_fault(in, i, field, why);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return result_fault(in, i, field, "must not contain NUL");
	*out = json_string_value(v);
	return 0;
}

/* Cuts s to cap bytes (on a UTF-8 boundary) with the truncation marker. */
static const char *
capped(struct ingest *in, struct buf *b, const char *s, long long cap)
{
	size_t n, cut;

	if (s == NULL || (long long)(n = strlen(s)) <= cap)
		return s;
	cut = (size_t)cap;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	buf_reset(b);
	buf_append(b, s, cut);
	buf_printf(b, "\n[... truncated %zu bytes]", n - cut);
	in->info.truncated++;
	return b->p;
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
	static const char *const known[] = { "classname", "name", "file",
	    "status", "duration_ms", "message", "details", "tags", "owner",
	    NULL };
	struct buf tags, m, d;
	struct junit_case c;
	const char *status, *k;
	json_t *v;
	size_t t;
	int j, rc = -1;

	memset(&c, 0, sizeof(c));
	if (in->results_span == NULL && in->span != NULL)
		in->results_span = trace_begin(in->span, "ingest.parse");
	in->results_n++;
	if (!json_is_object(o))
		return result_fault(in, i, "", "must be an object");
	json_object_foreach(o, k, v) {
		for (j = 0; known[j] != NULL; j++)
			if (strcmp(k, known[j]) == 0)
				break;
		if (known[j] == NULL) {
			fault_set(in->fault, 400, "invalid_json",
			    "results[%zu] has unknown field '%.*s'", i,
			    UTF8_CUT(k, 64));
			return -1;
		}
	}
	if (result_str(in, o, i, "name", 2048, 1, &c.name) == -1 ||
	    result_str(in, o, i, "classname", 2048, 0, &c.classname) == -1 ||
	    result_str(in, o, i, "file", 2048, 0, &c.file) == -1 ||
	    result_str(in, o, i, "status", 16, 1, &status) == -1 ||
	    result_str(in, o, i, "message", 0, 0, &c.message) == -1 ||
	    result_str(in, o, i, "details", 0, 0, &c.details) == -1 ||
	    result_str(in, o, i, "owner", 256, 0, &c.owner) == -1)
		return -1;
	if (junit_status_parse(status, &c.status) == -1)
		return result_fault(in, i, "status", "must be one of passed, "
		    "failed, error, skipped");
	c.duration_ms = -1;
	if ((v = json_object_get(o, "duration_ms")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return result_fault(in, i, "duration_ms", "must be a "
			    "non-negative integer");
		c.duration_ms = json_integer_value(v);
	}
	buf_init(&tags);
	buf_init(&m);
	buf_init(&d);
	if ((v = json_object_get(o, "tags")) != NULL) {
		json_t *e;
		if (!json_is_array(v)) {
			result_fault(in, i, "tags", "must be an array");
			goto out;
		}
		json_array_foreach(v, t, e) {
			struct param_spec ts = { "tags", PARAM_STRING, 0, 1, 64,
			    NULL };
			struct param_value pv;
			char why[128];
			if (!json_is_string(e) || param_validate(&ts,
			    json_string_value(e), json_string_length(e), &pv,
			    why, sizeof(why)) == -1 ||
			    strchr(json_string_value(e), ',') != NULL) {
				result_fault(in, i, "tags", "must hold 1..64 "
				    "characters without control characters "
				    "or commas");
				goto out;
			}
			if (tags.len > 0)
				buf_puts(&tags, ",");
			buf_puts(&tags, json_string_value(e));
		}
	}
	c.tags = tags.len > 0 ? tags.p : NULL;
	if (c.classname == NULL)
		c.classname = "";
	if (c.file == NULL)
		c.file = "";
	c.suite_path = "";
	c.attempts = 1;
	c.assertions = -1;
	c.message = capped(in, &m, c.message, in->lim.message_max);
	c.details = capped(in, &d, c.details, in->lim.text_max);
	in->info.cases++;
	rc = on_case(in, &c);
out:
	buf_free(&tags);
	buf_free(&m);
	buf_free(&d);
	return rc;
}

/*
 * Stores what ingest_result() queued; 0 or -1 (fault set).  Ends the
 * "ingest.parse" span the first result opened.
 */
int
ingest_results_done(struct ingest *in)
{
	int rc = batch_flush(in);

	if (in->results_span != NULL) {
		trace_attr_int(in->results_span, "testvis.cases",
		    in->results_n);
		if (rc == -1)
			trace_error(in->results_span, in->fault->code);
		trace_end(in->results_span);
		in->results_span = NULL;
	}
	store_span(in);
	return rc;
}

/*
 * Stores a whole `results` array (borrowed) of a JSON IngestRunRequest:
 * ingest_result() for each element, then ingest_results_done().
 * Returns 0, or -1 with a 400 naming the element and field.
 */
int
ingest_results(struct ingest *in, json_t *arr)
{
	json_t *o;
	size_t i;

	if (!json_is_array(arr)) {
		fault_set(in->fault, 400, "invalid_json",
		    "results must be an array");
		return -1;
	}
	json_array_foreach(arr, i, o)
		if (ingest_result(in, o, i) == -1)
			return -1;
	return ingest_results_done(in);
}

/* Reads grouped status counts of a statement into *c; 0 or -1. */
static int
read_counts(struct ingest *in, sqlite3_stmt *st, struct counts *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	while ((rc = db_step(in->db, st)) == SQLITE_ROW) {
		int s = sqlite3_column_int(st, 0);
		long long n = sqlite3_column_int64(st, 1);
		if (s >= 0 && s < ST__MAX)
			c->by[s] += n;
		c->tests += n;
		c->flaky += sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : storage_fault(in);
}

/* {"tests", "passed", "failed", "errors", "skipped", "flaky"} */
static json_t *
counts_json(const struct counts *c)
{
	return json_pack("{sIsIsIsIsIsI}", "tests", (json_int_t)c->tests,
	    "passed", (json_int_t)c->by[ST_PASSED],
	    "failed", (json_int_t)c->by[ST_FAILED],
	    "errors", (json_int_t)c->by[ST_ERROR],
	    "skipped", (json_int_t)c->by[ST_SKIPPED],
	    "flaky", (json_int_t)c->flaky);
}

/* The answer object of ING-3 (reference returned to the caller). */
static json_t *
answer(struct ingest *in, const char *status, const char *run_id,
    const struct counts *c, long long new_tests, json_t *warnings)
{
	char path[512];
	json_t *o, *links, *rep;

	o = json_object();
	links = json_object();
	if (o == NULL || links == NULL)
		abort();
	json_object_set_new(o, "status", jval_str(status));
	json_object_set_new(o, "project", jval_str(in->project));
	json_object_set_new(o, "run_id", jval_str(run_id));
	json_object_set_new(o, "shard", in->shard != NULL &&
	    in->shard[0] != '\0' ? jval_str(in->shard) : json_null());
	json_object_set_new(o, "counts", counts_json(c));
	json_object_set_new(o, "new_tests", json_integer(new_tests));
	rep = jval_object();
	jval_set(rep, "mode", jval_str(meta_str(in, META_REPEATS) != NULL ?
	    meta_str(in, META_REPEATS) : "retries"));
	jval_set(rep, "retried_failures", jval_int(in->retried_failures));
	jval_set(rep, "variants", jval_int(in->variants));
	jval_set(o, "repeats", rep);
	json_object_set_new(o, "warnings", warnings != NULL ? warnings :
	    json_array());
	snprintf(path, sizeof(path), "/api/tests/runs/%s?project=%s", run_id,
	    in->project);
	json_object_set_new(links, "run", jval_str(path));
	snprintf(path, sizeof(path), "/api/tests/runs/%s/results?project=%s",
	    run_id, in->project);
	json_object_set_new(links, "results", jval_str(path));
	json_object_set_new(o, "links", links);
	return o;
}

/* The answer for a stored duplicate: its stored counts, status skipped. */
static int
answer_duplicate(struct ingest *in, const char *run_id, json_t **out)
{
	sqlite3_stmt *st = STMT(in, STMT_SHARD_FIND);
	struct counts c;
	int64_t run;

	memset(&c, 0, sizeof(c));
	if (run_find(in, run_id, &run) != 1 || st == NULL ||
	    db_bind_int(in->db, st, 1, run) == -1 ||
	    db_bind_text(in->db, st, 2, in->shard) == -1)
		return storage_fault(in);
	if (db_step(in->db, st) == SQLITE_ROW) {
		c.tests = sqlite3_column_int64(st, 1);
		c.by[ST_PASSED] = sqlite3_column_int64(st, 2);
		c.by[ST_FAILED] = sqlite3_column_int64(st, 3);
		c.by[ST_ERROR] = sqlite3_column_int64(st, 4);
		c.by[ST_SKIPPED] = sqlite3_column_int64(st, 5);
		c.flaky = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	db_rollback(in->db);
	in->done = 1;
	*out = answer(in, "skipped", run_id, &c, 0, NULL);
	return 200;
}

/*
 * Moves this upload's rows from the provisional run to run `to` (an
 * existing run with the final run id), merging results that meet.
 */
static int
move_to_run(struct ingest *in, int64_t to)
{
	sqlite3_stmt *st;
	int i;
	static const enum stmt steps[] = { STMT_MOVE_RESULTS, STMT_MOVE_TEXTS,
	    STMT_DROP_RESULTS, STMT_DROP_TEXTS };

	for (i = 0; i < 4; i++) {
		if ((st = STMT(in, steps[i])) == NULL ||
		    db_bind_int(in->db, st, 1, in->run) == -1 ||
		    (i < 2 && db_bind_int(in->db, st, 2, to) == -1) ||
		    step_done(in, st) == -1)
			return -1;
	}
	if ((st = STMT(in, STMT_SHARD_MOVE)) == NULL ||
	    db_bind_int(in->db, st, 1, in->shard_row) == -1 ||
	    db_bind_int(in->db, st, 2, to) == -1 || step_done(in, st) == -1 ||
	    (st = STMT(in, STMT_RUN_DELETE)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    step_done(in, st) == -1)
		return -1;
	in->run = to;
	in->run_new = 0;
	return 0;
}

/*
 * A shard label that arrived after ingest_begin() (a late multipart meta
 * part) relabels this upload's shard row.  Returns 0, 1 when the label is
 * already stored for the run (a duplicate), or -1.
 */
static int
settle_shard(struct ingest *in)
{
	const char *want = meta_str(in, META_SHARD);
	sqlite3_stmt *st;
	int64_t other;
	int found;

	if (want == NULL || strcmp(want, in->shard) == 0)
		return 0;
	if ((found = shard_find(in, in->run, want, &other)) != 0) {
		if (found == 1) {
			free(in->shard);
			in->shard = xstrdup(want);
		}
		return found;
	}
	if ((st = STMT(in, STMT_SHARD_RELABEL)) == NULL ||
	    db_bind_int(in->db, st, 1, in->shard_row) == -1 ||
	    db_bind_text(in->db, st, 2, want) == -1 || step_done(in, st) == -1)
		return -1;
	free(in->shard);
	in->shard = xstrdup(want);
	return 0;
}

/*
 * Settles the final run id: request > sidecar > the one given at begin >
 * SHA-256 of the content.  Returns 0, 1 when that makes the upload a
 * duplicate, or -1.
 */
static int
settle_run_id(struct ingest *in)
{
	const char *want = meta_str(in, META_RUN_ID);
	char digest[SHA256_HEX_LEN], derived[33];
	int64_t other, shard;
	sqlite3_stmt *st;
	int found, rc, derived_id = 0;

	if ((rc = settle_shard(in)) != 0)
		return rc;
	if (want == NULL && !in->run_id_pending)
		return 0;
	if (want == NULL) {
		crypto_sha256_hex(in->digests.p != NULL ? in->digests.p : "",
		    in->digests.len, digest);
		memcpy(derived, digest, 32);
		derived[32] = '\0';
		want = derived;
		derived_id = 1;
	}
	if (strcmp(want, in->run_id) == 0)
		return 0;
	if ((found = run_find(in, want, &other)) == -1)
		return -1;
	if (found) {
		/* Same content again, or a late run id naming a known run. */
		if (derived_id || (found = shard_find(in, other, in->shard,
		    &shard)) == 1) {
			free(in->run_id);
			in->run_id = xstrdup(want);
			return 1;
		}
		if (found == -1 || move_to_run(in, other) == -1)
			return -1;
	} else if ((st = STMT(in, STMT_RUN_RENAME)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    db_bind_text(in->db, st, 2, want) == -1 || step_done(in, st) == -1)
		return -1;
	free(in->run_id);
	in->run_id = xstrdup(want);
	in->run_id_pending = 0;
	return 0;
}

/* Binds column-or-override: the new value wins when present. */
static int
bind_pick(struct ingest *in, sqlite3_stmt *st, int i, const char *v,
    sqlite3_stmt *old, int col)
{
	if (v != NULL)
		return db_bind_text(in->db, st, i, v);
	return db_bind_text(in->db, st, i, db_column_text(old, col));
}

/*
 * Writes the run's metadata with precedence request > sidecar > XML >
 * what an earlier shard stored, and restamps the results when the start
 * time moved.  Returns 0 or -1.
 */
static int
settle_run_meta(struct ingest *in)
{
	static const enum meta_field fields[] = { META_GIT_SHA, META_BRANCH,
	    META_SESSION_ID, META_ENV_FINGERPRINT, META_TRIGGERED_BY,
	    META_CI_URL };
	sqlite3_stmt *old = STMT(in, STMT_RUN_GET), *st;
	int64_t started, finished, duration;
	char *tags = NULL;
	json_t *v;
	size_t i;
	int rc = -1;

	if (old == NULL || db_bind_int(in->db, old, 1, in->run) == -1 ||
	    db_step(in->db, old) != SQLITE_ROW) {
		if (old != NULL)
			sqlite3_reset(old);
		return storage_fault(in);
	}
	settle_start(in, NULL);
	started = in->run_new ? in->started_at :
	    sqlite3_column_int64(old, 0);
	if (in->param_started >= 0)
		started = in->param_started;
	else if (sidecar_time(in, "started_at") >= 0)
		started = sidecar_time(in, "started_at");
	else if (in->run_new && in->xml_started >= 0 &&
	    in->started_at == in->now)
		started = in->xml_started;
	duration = sqlite3_column_type(old, 2) != SQLITE_NULL ?
	    sqlite3_column_int64(old, 2) : -1;
	if (in->sidecar != NULL && (v = json_object_get(in->sidecar,
	    "duration_ms")) != NULL)
		duration = json_integer_value(v);
	else if (in->xml_duration >= 0)
		duration = duration < 0 ? in->xml_duration :
		    (duration > in->xml_duration ? duration : in->xml_duration);
	finished = sidecar_time(in, "finished_at");
	if (finished < 0 && duration >= 0)
		finished = started + duration;
	if (finished < 0 && sqlite3_column_type(old, 1) != SQLITE_NULL)
		finished = sqlite3_column_int64(old, 1);
	if (in->sidecar != NULL && (v = json_object_get(in->sidecar,
	    "tags")) != NULL)
		tags = json_dumps(v, JSON_COMPACT);
	if ((st = STMT(in, STMT_RUN_META)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    db_bind_int(in->db, st, 2, started) == -1 ||
	    (finished >= 0 ? db_bind_int(in->db, st, 3, finished) :
	    db_bind_null(in->db, st, 3)) == -1 ||
	    (duration >= 0 ? db_bind_int(in->db, st, 4, duration) :
	    db_bind_null(in->db, st, 4)) == -1)
		goto out;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (bind_pick(in, st, 5 + (int)i, meta_str(in, fields[i]), old,
		    3 + (int)i) == -1)
			goto out;
	if (bind_pick(in, st, 11, tags, old, 9) == -1)
		goto out;
	/* the branch as stored decides incidents: it may be an earlier
	 * shard's */
	free(in->branch);
	in->branch = xstrdup(meta_str(in, META_BRANCH) != NULL ?
	    meta_str(in, META_BRANCH) : db_column_text(old, 4) != NULL ?
	    db_column_text(old, 4) : "");
	free(in->git_sha);
	in->git_sha = xstrdup(meta_str(in, META_GIT_SHA) != NULL ?
	    meta_str(in, META_GIT_SHA) : db_column_text(old, 3));
	sqlite3_reset(old);
	if (step_done(in, st) == -1)
		goto out;
	if (started != in->started_at) {
		in->started_at = started;
		if ((st = STMT(in, STMT_RESTAMP)) == NULL ||
		    db_bind_int(in->db, st, 1, in->run) == -1 ||
		    db_bind_int(in->db, st, 2, started) == -1 ||
		    step_done(in, st) == -1)
			goto out;
	}
	rc = 0;
out:
	sqlite3_reset(old);
	free(tags);
	return rc;
}

/* Applies the sidecar's per-test overrides (tags, owner, feature). */
static int
apply_overrides(struct ingest *in)
{
	json_t *tests, *o, *v, *e;
	const char *key, *sep;
	char test_id[TEST_ID_LEN + 1], *path;
	struct buf tags;
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (in->sidecar == NULL ||
	    (tests = json_object_get(in->sidecar, "tests")) == NULL)
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
		if ((st = STMT(in, STMT_TEST_OVERRIDE)) == NULL ||
		    db_bind_int(in->db, st, 1, ident_test_key(test_id)) == -1 ||
		    db_bind_int(in->db, st, 2, in->project_id) == -1 ||
		    db_bind_text(in->db, st, 3, tags.len > 0 ? tags.p :
		    NULL) == -1 ||
		    db_bind_text(in->db, st, 4, json_string_value(
		    json_object_get(o, "owner"))) == -1 ||
		    db_bind_text(in->db, st, 5, json_string_value(
		    json_object_get(o, "feature"))) == -1 ||
		    db_bind_text(in->db, st, 6, json_string_value(
		    json_object_get(o, "domain"))) == -1 ||
		    step_done(in, st) == -1) {
			rc = -1;
			break;
		}
	}
	buf_free(&tags);
	return rc;
}

/* The warnings array of the answer: everything that was tolerated. */
static json_t *
warnings_json(struct ingest *in)
{
	json_t *w = json_array();
	char msg[256];

	if (w == NULL)
		abort();
#define WARN(cond, ...) do { if (cond) { \
	snprintf(msg, sizeof(msg), __VA_ARGS__); \
	json_array_append_new(w, jval_str(msg)); } } while (0)
	WARN(in->info.bad_times > 0, "%lld testcase time values could not "
	    "be read and are stored as unknown", in->info.bad_times);
	WARN(in->info.unnamed > 0, "%lld testcases without a name are stored "
	    "as \"(unnamed testcase N)\", N their position in their suite",
	    in->info.unnamed);
	WARN(in->info.truncated > 0, "%lld texts were cut to the size limits",
	    in->info.truncated);
	WARN(in->retried_failures > 0, "%lld failed attempts were followed by "
	    "another attempt of the same test and read as retries; if they "
	    "are parameter variants, upload with repeats=variants",
	    in->retried_failures);
	WARN(in->variants > 0, "%lld repeated testcases were stored as "
	    "variants NAME[#n]", in->variants);
	WARN(in->names_cut > 0, "%lld testcases had a name, classname, file, "
	    "suite or owner over %lld bytes, cut and marked with a hash of "
	    "the whole value", in->names_cut, in->cfg->max_name_bytes);
	WARN(in->repairs > 0, "%lld invalid characters were replaced or "
	    "dropped", in->repairs);
	WARN(in->info.suite_output > 0, "%lld suite-level system-out/"
	    "system-err blocks were ignored", in->info.suite_output);
	WARN(in->info.cases == 0, "the report contains no testcases");
#undef WARN
	return w;
}

/* Tags the ingest span with what the shard stored. */
static void
trace_counts(struct ingest *in, const struct counts *c)
{
	trace_attr_str(in->span, "testvis.run_id", in->run_id);
	trace_attr_str(in->span, "testvis.shard", in->shard);
	trace_attr_int(in->span, "testvis.tests", c->tests);
	trace_attr_int(in->span, "testvis.failed", c->by[ST_FAILED] +
	    c->by[ST_ERROR]);
	trace_attr_int(in->span, "testvis.new_tests", in->new_tests);
}

/*
 * Completes the ingest and commits.  Stores the answer object in *out
 * (caller owns it) and returns its HTTP status: 201 created, 200 skipped
 * (duplicate, nothing stored).  Returns -1 with the fault set otherwise,
 * having stored nothing.
 */
int
ingest_finish(struct ingest *in, json_t **out)
{
	struct counts run_c, shard_c;
	struct rollup_shard ru;
	sqlite3_stmt *st;
	char digest[SHA256_HEX_LEN], *warnings = NULL, *changed = NULL;
	struct trace_span *sp;
	json_t *w, *ev;
	int rc;

	*out = NULL;
	if (in->duplicate)
		return answer_duplicate(in, in->run_id, out);
	if ((rc = settle_run_id(in)) == -1)
		return -1;
	if (rc == 1)
		return answer_duplicate(in, in->run_id, out);
	if (settle_run_meta(in) == -1)
		return -1;
	ru.project_id = in->project_id;
	ru.run = in->run;
	ru.shard = in->shard_row;
	ru.run_id = in->run_id;
	ru.branch = in->branch != NULL ? in->branch : "";
	ru.git_sha = in->git_sha;
	ru.started_at = in->started_at;
	ru.now = in->now;
	sp = trace_begin(in->span, "ingest.rollup");
	trace_attr_str(sp, "testvis.run_id", in->run_id);
	if ((rc = rollup_apply(in->db, &ru)) == -1)
		storage_fault(in);
	trace_end(sp);
	if (rc == -1 || apply_overrides(in) == -1)
		return -1;
	if ((st = STMT(in, STMT_RUN_COUNTS)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    read_counts(in, st, &run_c) == -1 ||
	    (st = STMT(in, STMT_SHARD_COUNTS)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    db_bind_int(in->db, st, 2, in->shard_row) == -1 ||
	    read_counts(in, st, &shard_c) == -1)
		return -1;
	if ((st = STMT(in, STMT_RUN_SET_COUNTS)) == NULL ||
	    db_bind_int(in->db, st, 1, in->run) == -1 ||
	    db_bind_int(in->db, st, 2, run_c.tests) == -1 ||
	    db_bind_int(in->db, st, 3, run_c.by[ST_PASSED]) == -1 ||
	    db_bind_int(in->db, st, 4, run_c.by[ST_FAILED]) == -1 ||
	    db_bind_int(in->db, st, 5, run_c.by[ST_ERROR]) == -1 ||
	    db_bind_int(in->db, st, 6, run_c.by[ST_SKIPPED]) == -1 ||
	    db_bind_int(in->db, st, 7, run_c.flaky) == -1 ||
	    db_bind_text(in->db, st, 8, run_c.tests == 0 ? "empty" :
	    run_c.by[ST_FAILED] + run_c.by[ST_ERROR] > 0 ? "failed" :
	    "passed") == -1 ||
	    db_bind_int(in->db, st, 9, in->new_tests) == -1 ||
	    step_done(in, st) == -1)
		return -1;
	w = warnings_json(in);
	warnings = json_dumps(w, JSON_COMPACT);
	if (in->sidecar != NULL &&
	    json_object_get(in->sidecar, "changed_files") != NULL)
		changed = json_dumps(json_object_get(in->sidecar,
		    "changed_files"), JSON_COMPACT);
	crypto_sha256_hex(in->digests.p != NULL ? in->digests.p : "",
	    in->digests.len, digest);
	rc = (st = STMT(in, STMT_SHARD_SET)) == NULL ||
	    db_bind_int(in->db, st, 1, in->shard_row) == -1 ||
	    db_bind_text(in->db, st, 2, digest) == -1 ||
	    db_bind_int(in->db, st, 3, shard_c.tests) == -1 ||
	    db_bind_int(in->db, st, 4, shard_c.by[ST_PASSED]) == -1 ||
	    db_bind_int(in->db, st, 5, shard_c.by[ST_FAILED]) == -1 ||
	    db_bind_int(in->db, st, 6, shard_c.by[ST_ERROR]) == -1 ||
	    db_bind_int(in->db, st, 7, shard_c.by[ST_SKIPPED]) == -1 ||
	    db_bind_int(in->db, st, 8, shard_c.flaky) == -1 ||
	    db_bind_int(in->db, st, 9, in->new_tests) == -1 ||
	    db_bind_text(in->db, st, 10, warnings) == -1 ||
	    (in->has_diff ? db_bind_text(in->db, st, 11, in->diff.p != NULL ?
	    in->diff.p : "") : db_bind_null(in->db, st, 11)) == -1 ||
	    db_bind_text(in->db, st, 12, changed) == -1 ||
	    step_done(in, st) == -1 ? -1 : 0;
	free(warnings);
	free(changed);
	if (rc == -1)
		goto fail;
	if ((st = STMT(in, STMT_PROJECT_BUMP)) == NULL ||
	    db_bind_int(in->db, st, 1, in->project_id) == -1 ||
	    db_bind_int(in->db, st, 2, in->run_new) == -1 ||
	    db_bind_int(in->db, st, 3, in->new_tests) == -1 ||
	    db_bind_int(in->db, st, 4, in->started_at) == -1 ||
	    step_done(in, st) == -1)
		goto fail;
	ev = json_pack("{sssssosIsb}", "run_id", in->run_id, "shard",
	    in->shard, "counts", counts_json(&shard_c),
	    "new_tests", (json_int_t)in->new_tests, "new_run", in->run_new);
	warnings = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	rc = (st = STMT(in, STMT_EVENT)) == NULL ||
	    db_bind_int(in->db, st, 1, in->project_id) == -1 ||
	    db_bind_int(in->db, st, 2, in->now) == -1 ||
	    db_bind_text(in->db, st, 3, "run_ingested") == -1 ||
	    db_bind_text(in->db, st, 4, in->run_id) == -1 ||
	    db_bind_text(in->db, st, 5, warnings != NULL ? warnings : "{}") ==
	    -1 || step_done(in, st) == -1 ? -1 : 0;
	free(warnings);
	if (rc == -1)
		goto fail;
	sp = trace_begin(in->span, "ingest.commit");
	rc = db_commit(in->db);
	trace_end(sp);
	if (rc == -1) {
		storage_fault(in);
		goto fail;
	}
	in->done = 1;
	trace_counts(in, &shard_c);
	*out = answer(in, "created", in->run_id, &shard_c, in->new_tests, w);
	return 201;
fail:
	json_decref(w);
	return -1;
}
