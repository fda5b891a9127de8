/*
 * The PERF-2 baseline: the smallest useful FastCGI responder.  A request
 * for /bench/fixed/NAME answers the bytes of $FIXED_DIR/NAME.json (read
 * once, then kept in memory), so each endpoint is compared with a fixed
 * JSON body of its own size.  Built and run only by bench/read-bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#define MAX_BODIES 32

struct body {
	char	 name[64];
	char	*data;
	size_t	 len;
};

static struct body bodies[MAX_BODIES];
static int nbodies;

/* The body called name, loaded on first use; NULL when there is none. */
static const struct body *
body_get(const char *dir, const char *name)
{
	char path[4096];
	struct body *b;
	FILE *f;
	long n;
	int i;

	for (i = 0; i < nbodies; i++)
		if (strcmp(bodies[i].name, name) == 0)
			return &bodies[i];
	if (nbodies == MAX_BODIES || strlen(name) >= sizeof(b->name) ||
	    strchr(name, '/') != NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = &bodies[nbodies];
	if (n < 0 || (b->data = malloc((size_t)n + 1)) == NULL ||
	    fread(b->data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->len = (size_t)n;
	nbodies++;
	return b;
}

int
main(void)
{
	const char *dir = getenv("FIXED_DIR"), *uri, *name;
	const struct body *b;
	FCGX_Request req;
	char head[256];
	int h;

	if (dir == NULL || FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		uri = FCGX_GetParam("REQUEST_URI", req.envp);
		name = uri != NULL ? strrchr(uri, '/') : NULL;
		b = name != NULL ? body_get(dir, name + 1) : NULL;
		/* libfcgi's own FCGX_FPrintF knows no %zu: format here */
		h = snprintf(head, sizeof(head), "Status: %s\r\nContent-Type: "
		    "application/json\r\nContent-Length: %zu\r\n\r\n",
		    b != NULL ? "200 OK" : "404 Not Found",
		    b != NULL ? b->len : 0);
		FCGX_PutStr(head, h, req.out);
		if (b != NULL)
			FCGX_PutStr(b->data, (int)b->len, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
