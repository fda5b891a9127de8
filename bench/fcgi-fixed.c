/*
 * The PERF-2 baseline: the smallest useful FastCGI responder, answering
 * every request with the bytes of the file named by $FIXED_JSON (a JSON
 * body of the same size as the endpoint it is compared with).  Built and
 * run only by bench/read-bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>

#include <fcgiapp.h>

int
main(void)
{
	const char *path = getenv("FIXED_JSON");
	FCGX_Request req;
	static char body[1 << 20];
	char head[256];
	size_t n;
	FILE *f;

	if (path == NULL || (f = fopen(path, "rb")) == NULL)
		return 1;
	n = fread(body, 1, sizeof(body), f);
	fclose(f);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		/* libfcgi's own FCGX_FPrintF knows no %zu: format here */
		int h = snprintf(head, sizeof(head), "Status: 200 OK\r\n"
		    "Content-Type: application/json\r\nContent-Length: "
		    "%zu\r\n\r\n", n);
		FCGX_PutStr(head, h, req.out);
		FCGX_PutStr(body, (int)n, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
