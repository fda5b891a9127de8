/*
 * Unit tests for lib/ingest/ingestmeta.c: the one precedence rule of run
 * metadata (request > sidecar > what the reports say > what the run row
 * stored), as pure functions.
 */
#include <string.h>

#include <jansson.h>

#include "ingestmeta.h"
#include "tap.h"

#define T2024	1704067200000LL		/* 2024-01-01T00:00:00Z */
#define T2025	1735689600000LL		/* 2025-01-01T00:00:00Z */

/* A sidecar from JSON text (stolen by m). */
static void
sidecar(struct ingestmeta *m, const char *text)
{
	json_error_t e;

	ingestmeta_set_sidecar(m, json_loads(text, 0, &e));
}

/* A stored run row: started at s, unknown end and duration, no text. */
static void
stored_row(struct ingestmeta_run *r, int64_t s)
{
	memset(r, 0, sizeof(*r));
	r->started_at = s;
	r->finished_at = -1;
	r->duration_ms = -1;
}

static void
test_str(void)
{
	struct ingestmeta m;

	ingestmeta_init(&m);
	ok(ingestmeta_str(&m, META_BRANCH) == NULL, "no source: no value");
	sidecar(&m, "{\"branch\": \"side\"}");
	check_str(ingestmeta_str(&m, META_BRANCH), "side");
	ingestmeta_set_param(&m, META_BRANCH, "req", 0);
	check_str(ingestmeta_str(&m, META_BRANCH), "req");
	ingestmeta_free(&m);
}

static void
test_start(void)
{
	struct ingestmeta m;

	ingestmeta_init(&m);
	check_int(ingestmeta_start(&m, -1, 7), ==, 7);
	check_int(ingestmeta_start(&m, 5, 7), ==, 5);
	sidecar(&m, "{\"started_at\": \"2024-01-01T00:00:00Z\"}");
	check_int(ingestmeta_start(&m, 5, 7), ==, T2024);
	ingestmeta_set_param(&m, META_STARTED_AT, NULL, 3);
	check_int(ingestmeta_start(&m, 5, 7), ==, 3);
	ingestmeta_free(&m);
}

static void
test_settle_times(void)
{
	struct ingestmeta m;
	struct ingestmeta_found f = { 1, 1000, 1000, 500, 40 };
	struct ingestmeta_run stored, out;

	ingestmeta_init(&m);
	stored_row(&stored, 1000);
	ingestmeta_settle(&m, &f, &stored, &out);
	check_int(out.started_at, ==, 500);	/* only the ingest time stood */
	check_int(out.duration_ms, ==, 40);
	check_int(out.finished_at, ==, 540);
	f.started_at = 800;			/* a report's start stands */
	ingestmeta_settle(&m, &f, &stored, &out);
	check_int(out.started_at, ==, 800);
	f.run_new = 0;				/* an earlier shard's run */
	stored.duration_ms = 90;
	stored.finished_at = 5;
	ingestmeta_settle(&m, &f, &stored, &out);
	check_int(out.started_at, ==, 1000);
	check_int(out.duration_ms, ==, 90);	/* the longest shard */
	check_int(out.finished_at, ==, 1090);
	sidecar(&m, "{\"duration_ms\": 7, \"finished_at\": "
	    "\"2025-01-01T00:00:00Z\"}");
	ingestmeta_settle(&m, &f, &stored, &out);
	check_int(out.duration_ms, ==, 7);
	check_int(out.finished_at, ==, T2025);
	ingestmeta_free(&m);
}

static void
test_settle_texts(void)
{
	struct ingestmeta m;
	struct ingestmeta_found f = { 0, 1000, 2000, -1, -1 };
	struct ingestmeta_run stored, out;

	ingestmeta_init(&m);
	stored_row(&stored, 1000);
	stored.text[META_BRANCH] = "stored";
	stored.text[META_CI_URL] = "http://ci/1";
	stored.tags = "[\"old\"]";
	sidecar(&m, "{\"branch\": \"side\", \"tags\": [\"a\", \"b\"]}");
	ingestmeta_set_param(&m, META_GIT_SHA, "abc", 0);
	ingestmeta_settle(&m, &f, &stored, &out);
	check_str(out.text[META_BRANCH], "side");
	check_str(out.text[META_GIT_SHA], "abc");
	check_str(out.text[META_CI_URL], "http://ci/1");
	ok(out.text[META_SESSION_ID] == NULL, "unknown stays unknown");
	check_str(out.tags, "[\"a\",\"b\"]");
	check_int(out.finished_at, ==, -1);
	ingestmeta_free(&m);
}

int
main(void)
{
	test_str();
	test_start();
	test_settle_times();
	test_settle_texts();
	return done_testing();
}
