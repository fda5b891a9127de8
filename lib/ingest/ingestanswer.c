/*
 * The answer to an upload (ING-3): what was stored where, the counts,
 * how repeated testcases were read, links to the run, and one warning
 * for each kind of thing that was tolerated instead of refused.  Pure
 * JSON building from values the ingest gathered; storing and choosing
 * the HTTP status are others' jobs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ingestanswer.h"
#include "ingeststore.h"
#include "jval.h"

/* {"tests", "passed", "failed", "errors", "skipped", "flaky"} of c. */
json_t *
ingestanswer_counts(const struct ingeststore_counts *c)
{
	return json_pack("{sIsIsIsIsIsI}", "tests", (json_int_t)c->tests,
	    "passed", (json_int_t)c->by[ST_PASSED],
	    "failed", (json_int_t)c->by[ST_FAILED],
	    "errors", (json_int_t)c->by[ST_ERROR],
	    "skipped", (json_int_t)c->by[ST_SKIPPED],
	    "flaky", (json_int_t)c->flaky);
}

/* The warnings array (caller owns it): everything that was tolerated. */
json_t *
ingestanswer_warnings(const struct ingestanswer_notes *n)
{
	json_t *w = json_array();
	char msg[256];

	if (w == NULL)
		abort();
#define WARN(cond, ...) do { if (cond) { \
	snprintf(msg, sizeof(msg), __VA_ARGS__); \
	json_array_append_new(w, jval_str(msg)); } } while (0)
	WARN(n->info.bad_times > 0, "%lld testcase time values could not "
	    "be read and are stored as unknown", n->info.bad_times);
	WARN(n->info.unnamed > 0, "%lld testcases without a name are stored "
	    "as \"(unnamed testcase N)\", N their position in their suite",
	    n->info.unnamed);
	WARN(n->info.truncated > 0, "%lld texts were cut to the size limits",
	    n->info.truncated);
	WARN(n->retried_failures > 0, "%lld failed attempts were followed by "
	    "another attempt of the same test and read as retries; if they "
	    "are parameter variants, upload with repeats=variants",
	    n->retried_failures);
	WARN(n->variants > 0, "%lld repeated testcases were stored as "
	    "variants NAME[#n]", n->variants);
	WARN(n->names_cut > 0, "%lld testcases had a name, classname, file, "
	    "suite or owner over %lld bytes, cut and marked with a hash of "
	    "the whole value", n->names_cut, n->name_max);
	WARN(n->repairs > 0, "%lld invalid characters were replaced or "
	    "dropped", n->repairs);
	WARN(n->info.suite_output > 0, "%lld suite-level system-out/"
	    "system-err blocks were ignored", n->info.suite_output);
	WARN(n->info.cases == 0, "the report contains no testcases");
#undef WARN
	return w;
}

/*
 * The answer object (caller owns it) of head a, with the repeats of n
 * and warnings (stolen; NULL: none).
 */
json_t *
ingestanswer_json(const struct ingestanswer *a,
    const struct ingestanswer_notes *n, json_t *warnings)
{
	char path[512];
	json_t *o, *links, *rep;

	o = json_object();
	links = json_object();
	if (o == NULL || links == NULL)
		abort();
	json_object_set_new(o, "status", jval_str(a->status));
	json_object_set_new(o, "project", jval_str(a->project));
	json_object_set_new(o, "run_id", jval_str(a->run_id));
	json_object_set_new(o, "shard", a->shard != NULL &&
	    a->shard[0] != '\0' ? jval_str(a->shard) : json_null());
	json_object_set_new(o, "counts", ingestanswer_counts(a->counts));
	json_object_set_new(o, "new_tests", json_integer(a->new_tests));
	rep = jval_object();
	jval_set(rep, "mode", jval_str(n->repeats != NULL ? n->repeats :
	    "retries"));
	jval_set(rep, "retried_failures", jval_int(n->retried_failures));
	jval_set(rep, "variants", jval_int(n->variants));
	jval_set(o, "repeats", rep);
	json_object_set_new(o, "warnings", warnings != NULL ? warnings :
	    json_array());
	snprintf(path, sizeof(path), "/api/tests/runs/%s?project=%s",
	    a->run_id, a->project);
	json_object_set_new(links, "run", jval_str(path));
	snprintf(path, sizeof(path), "/api/tests/runs/%s/results?project=%s",
	    a->run_id, a->project);
	json_object_set_new(links, "results", jval_str(path));
	json_object_set_new(o, "links", links);
	return o;
}
