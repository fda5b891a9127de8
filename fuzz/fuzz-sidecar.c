/*
 * Fuzz harness for the sidecar (ING-5) validation, ingest_set_sidecar()
 * (ingestcheck_sidecar() in lib/ingest/ingestcheck.c): the input is parsed as
 * the ingest endpoint and `testvis ingest` parse a meta part or
 * NAME.meta.json (duplicate keys refused) and handed over.  Validation touches no database, so the
 * ingest is made without one and never begun.  Invariant: a refusal is a
 * 400 invalid_json naming the field.
 */
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "fault.h"
#include "fuzz.h"
#include "ingest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config *cfg;
	struct ingest *in;
	struct fault f;
	json_error_t e;
	json_t *meta;
	char err[256];

	if (cfg == NULL && (cfg = config_load(NULL, err, sizeof(err))) ==
	    NULL)
		FUZZ_CHECK(!"config_load");
	if ((meta = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES, &e)) == NULL)
		return 0;
	memset(&f, 0, sizeof(f));
	in = ingest_new(NULL, cfg, 1, "default", "fuzz", &f);
	if (ingest_set_sidecar(in, meta) == -1)
		FUZZ_CHECK(fault_status(&f) == 400 && f.code != NULL &&
		    strcmp(f.code, "invalid_json") == 0);
	else
		FUZZ_CHECK(fault_status(&f) == 0);
	ingest_free(in);
	return 0;
}
