/*
 * Fuzz harness for the FastCGI wire format of the live program
 * (lib/web/fcgiproto.c): the input is what a web server might send on a
 * connection.  Each whole record found must lie within the input; the
 * FCGI_PARAMS stream decodes into "NAME=value" strings with a non-empty
 * name (or is refused); an FCGI_GET_VALUES answer is one whole record;
 * and the input framed as FCGI_STDOUT reads back as the same bytes.
 */
#include <string.h>

#include "buf.h"
#include "fcgiproto.h"
#include "fuzz.h"

/* The input framed as FCGI_STDOUT must parse back to the same bytes. */
static void
roundtrip(const uint8_t *data, size_t size)
{
	struct fcgi_record rec;
	struct buf out, back;
	size_t off = 0;
	int k;

	buf_init(&out);
	buf_init(&back);
	fcgi_put_stdout(&out, 1, data, size);
	fcgi_put_end(&out, 1, 0);
	while ((k = fcgi_record_next((const unsigned char *)out.p + off,
	    out.len - off, &rec)) > 0) {
		if (rec.type == FCGI_STDOUT)
			buf_append(&back, rec.content, rec.clen);
		off += (size_t)k;
	}
	FUZZ_CHECK(off == out.len && back.len == size &&
	    (size == 0 || memcmp(back.p, data, size) == 0));
	buf_free(&out);
	buf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcgi_record rec, ans;
	struct buf params, out;
	size_t off = 0;
	char **env, **e;
	int k;

	buf_init(&params);
	while ((k = fcgi_record_next(data + off, size - off, &rec)) > 0) {
		FUZZ_CHECK((size_t)k <= size - off &&
		    rec.content + rec.clen <= data + size);
		if (rec.type == FCGI_PARAMS)
			buf_append(&params, rec.content, rec.clen);
		if (rec.type == FCGI_GET_VALUES) {
			buf_init(&out);
			fcgi_put_values(&out, rec.content, rec.clen, 100);
			FUZZ_CHECK(fcgi_record_next((const unsigned char *)
			    out.p, out.len, &ans) == (int)out.len &&
			    ans.type == FCGI_GET_VALUES_RESULT);
			buf_free(&out);
		}
		off += (size_t)k;
	}
	env = fcgi_params_decode((const unsigned char *)(params.p != NULL ?
	    params.p : ""), params.len, 64);
	for (e = env; e != NULL && *e != NULL; e++)
		FUZZ_CHECK((*e)[0] != '=' && strchr(*e, '=') != NULL);
	fcgi_params_free(env);
	buf_free(&params);
	roundtrip(data, size > 200000 ? 200000 : size);
	return 0;
}
