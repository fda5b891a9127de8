/*
 * Fuzz harness for the JUnit reader (lib/ingest/junit.c) and the byte layers
 * under it (lib/ingest/stream.c: gunzip, content repair and hashing), wired as
 * ingest wires them: input -> gunzip (plain passes through) -> content ->
 * junit_read.  Small caps make the truncation paths run on small inputs.
 * Invariants: every string handed to the callback is valid UTF-8 (it goes
 * to SQLite and from there to jansson), fields are within their promised
 * ranges, and a failure carries a 4xx/5xx fault with a code.
 */
#include <string.h>

#include "fault.h"
#include "fuzz.h"
#include "junit.h"
#include "stream.h"

static int
on_case(void *arg, const struct junit_case *c)
{
	long long *n = arg;

	FUZZ_CHECK(c->name != NULL && c->classname != NULL &&
	    c->file != NULL && c->suite_path != NULL);
	FUZZ_CHECK(fuzz_clean_text(c->name) &&
	    fuzz_clean_text(c->classname) && fuzz_clean_text(c->file) &&
	    fuzz_clean_text(c->suite_path) && fuzz_clean_text(c->message) &&
	    fuzz_clean_text(c->error_type) && fuzz_clean_text(c->details) &&
	    fuzz_clean_text(c->out) && fuzz_clean_text(c->err) &&
	    fuzz_clean_text(c->tags) && fuzz_clean_text(c->owner) &&
	    fuzz_clean_text(c->feature) && fuzz_clean_text(c->domain));
	FUZZ_CHECK(c->status >= 0 && c->status < ST__MAX);
	FUZZ_CHECK(c->attempts >= 1);
	FUZZ_CHECK(c->duration_ms >= -1);
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct junit_limits lim = { 64, 256 };
	struct junit_info info;
	struct stream *src, *gz, *content;
	struct fault f;
	long long n = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	src = fuzz_stream(data, size, &f);
	gz = stream_gunzip(src, 1 << 20, &f);
	content = stream_content(gz, &f);
	rc = junit_read(content, &lim, on_case, &n, &info, &f);
	if (rc == 0) {
		FUZZ_CHECK(fault_status(&f) == 0);
		FUZZ_CHECK(info.cases == n);
	} else {
		FUZZ_CHECK(fault_status(&f) >= 400 && fault_status(&f) <= 599 &&
		    f.code != NULL);
	}
	stream_free(content);
	stream_free(gz);
	stream_free(src);
	return 0;
}
