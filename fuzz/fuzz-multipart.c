/*
 * Fuzz harness for the multipart/form-data reader (lib/ingest/multipart.c).  The
 * input's first line is the Content-Type header value (so the boundary
 * parameter is fuzzed too), the rest is the body, handed out in uneven
 * chunks.  Every part is visited and its body read to the end, as the
 * ingest endpoint does.  Invariants: a part has a name, header strings
 * are C strings, a failure carries a 400 invalid_multipart.
 */
#include <string.h>

#include "fault.h"
#include "fuzz.h"
#include "multipart.h"
#include "stream.h"

#define MAX_PARTS	1000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char ctype[256], sink[1000];
	struct multipart *m;
	struct mp_part part;
	struct stream *body;
	struct fault f;
	size_t clen;
	ssize_t k;
	int parts = 0, rc;

	memset(&f, 0, sizeof(f));
	clen = nl != NULL ? (size_t)(nl - data) : size;
	if (clen >= sizeof(ctype))
		clen = sizeof(ctype) - 1;
	memcpy(ctype, data, clen);
	ctype[clen] = '\0';
	body = fuzz_stream(nl != NULL ? nl + 1 : data + size,
	    nl != NULL ? size - (size_t)(nl - data) - 1 : 0, &f);
	if ((m = multipart_new(body, ctype, &f)) == NULL) {
		FUZZ_CHECK(fault_status(&f) == 400);
		stream_free(body);
		return 0;
	}
	while (parts < MAX_PARTS && (rc = multipart_next(m, &part)) == 1) {
		parts++;
		FUZZ_CHECK(part.name != NULL);
		FUZZ_CHECK(strlen(part.name) < 8192);
		FUZZ_CHECK(part.filename == NULL ||
		    strlen(part.filename) < 8192);
		FUZZ_CHECK(part.content_type == NULL ||
		    strlen(part.content_type) < 8192);
		/* every other part is read, the others skipped by _next */
		if (parts % 2 == 1) {
			while ((k = stream_read(multipart_body(m), sink,
			    sizeof(sink))) > 0)
				FUZZ_CHECK((size_t)k <= sizeof(sink));
			if (k < 0)
				break;
		}
	}
	if (fault_status(&f) != 0)
		FUZZ_CHECK(fault_status(&f) == 400 && f.code != NULL &&
		    strcmp(f.code, "invalid_multipart") == 0);
	multipart_free(m);
	stream_free(body);
	return 0;
}
