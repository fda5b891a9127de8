/*
 * Fuzz harness for the JSON form of an upload (an IngestRunRequest, as
 * cgi-bin/ingest.c's from_json() reads it): the body walked by
 * ingestjson_run() (results one element at a time, junit_xml through
 * ingest_xml(), every other key as the sidecar), then ingest_finish()
 * with its rollups.  Each input gets a
 * fresh in-memory database: a copy of one built from schema/ at the first
 * call, with the "default" project and one stored run ("seed-1"), so that
 * inputs are independent and a duplicate run id is reachable.
 * Invariants: an accepted upload is created or skipped with an answer
 * object, a refused one carries a 4xx/5xx fault with a code.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "db_sqlite.h"
#include "fault.h"
#include "fuzz.h"
#include "ingest.h"
#include "ingestjson.h"
#include "project.h"
#include "stream.h"

/* The migrated database every input starts from, serialized. */
static unsigned char	*image;
static sqlite3_int64	 image_len;
static struct config	*cfg;
static int64_t		 project_id;

static enum ingest_outcome upload(struct db *, const char *, size_t,
		    json_t **, struct fault *);

/* An empty in-memory database; aborts when SQLite cannot give one. */
static struct db *
db_memory(void)
{
	char err[256];
	struct db *db = db_open(":memory:", DB_CREATE, err, sizeof(err));

	FUZZ_CHECK(db != NULL);
	return db;
}

/* Builds the template database once: migrated, a project, one run. */
static void
setup(void)
{
	static const char seed[] = "{\"run_id\": \"seed-1\", \"branch\": "
	    "\"main\", \"results\": [{\"classname\": \"a.B\", \"name\": "
	    "\"t1\", \"status\": \"passed\"}, {\"classname\": \"a.B\", "
	    "\"name\": \"t2\", \"status\": \"failed\", \"message\": "
	    "\"boom\"}]}";
	struct db *db;
	struct fault f;
	json_t *ans = NULL;
	char err[256];
	int applied;

	FUZZ_CHECK((cfg = config_load(NULL, err, sizeof(err))) != NULL);
	/* small caps, so that truncation runs on small inputs */
	cfg->max_message_bytes = 64;
	cfg->max_text_bytes = 256;
	db = db_memory();
	FUZZ_CHECK(db_migrate(db, &applied) == 0);
	FUZZ_CHECK(project_add(db, "default", "Default", &project_id) >= 0);
	memset(&f, 0, sizeof(f));
	FUZZ_CHECK(upload(db, seed, strlen(seed), &ans, &f) ==
	    INGEST_CREATED);
	json_decref(ans);
	FUZZ_CHECK((image = sqlite3_serialize(db_sqlite_handle(db), "main",
	    &image_len, 0)) != NULL);
	db_close(db);
}

/* A fresh copy of the template database. */
static struct db *
db_fresh(void)
{
	struct db *db = db_memory();
	unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)image_len);

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, image, (size_t)image_len);
	FUZZ_CHECK(sqlite3_deserialize(db_sqlite_handle(db), "main", copy,
	    image_len, image_len, SQLITE_DESERIALIZE_FREEONCLOSE |
	    SQLITE_DESERIALIZE_RESIZEABLE) == SQLITE_OK);
	return db;
}

/*
 * Uploads the request body data[0..size) as from_json() does, through
 * the streamed JSON form.  Returns ingest_finish()'s outcome with *ans
 * set, or INGEST_FAILED with f set.
 */
static enum ingest_outcome
upload(struct db *db, const char *data, size_t size, json_t **ans,
    struct fault *f)
{
	struct ingest *in;
	enum ingest_outcome rc;

	*ans = NULL;
	in = ingest_new(db, cfg, project_id, "default", "fuzz", f);
	rc = ingestjson_run(in, data, size, f) == 0 ?
	    ingest_finish(in, ans) : INGEST_FAILED;
	ingest_free(in);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct db *db;
	struct fault f;
	json_t *ans;
	enum ingest_outcome done;

	if (image == NULL)
		setup();
	db = db_fresh();
	memset(&f, 0, sizeof(f));
	done = upload(db, (const char *)data, size, &ans, &f);
	if (done != INGEST_FAILED) {
		FUZZ_CHECK(done == INGEST_CREATED || done == INGEST_SKIPPED);
		FUZZ_CHECK(json_is_object(ans));
	} else
		FUZZ_CHECK(fault_status(&f) >= 400 && fault_status(&f) <= 599 &&
		    f.code != NULL);
	json_decref(ans);
	db_close(db);
	return 0;
}
