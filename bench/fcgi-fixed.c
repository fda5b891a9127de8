/*
 * The PERF-2 baseline: the smallest useful FastCGI responder.  A request
 * for /bench/fixed/NAME answers the bytes of $FIXED_DIR/NAME.json (read
 * once, then kept in memory), so each endpoint is compared with a fixed
 * JSON body of its own size.  Built and run only by bench/read-bench.sh.
 *
 * The floor (FLOOR=1 in read-bench.sh): with FLOOR_DB set to the
 * database, a request for NAME first runs the SQL of $FIXED_DIR/NAME.sql
 * (lines "STEPS<TAB>SQL", as bench/sqlrec.c wrote down what one request
 * of the endpoint ran, its values written in), prepared once, each
 * stepped as often as the endpoint stepped it (0: to its end), reading
 * every column of every row, then answers the same fixed body: the
 * cheapest any program could answer the endpoint from this database,
 * without building its answer.  Linked with testvis's library for its
 * SQL functions (sqlitefn_register()).
 *
 * FIXED_CLOSE=at-once ends each connection as testvis's programs do
 * (lib/web/http.c: closed at once once the request's input is read);
 * otherwise (the baseline issue 18 set) libfcgi's close, which shuts the
 * connection down and waits for lighttpd to close its end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>
#include <sqlite3.h>

/* testvis's SQL functions (lib/db/db_sqlite_fn.c), which its SQL calls */
int	 sqlitefn_register(sqlite3 *);

#define MAX_BODIES 32
#define MAX_STMTS 64

struct body {
	char		 name[64];
	char		*data;
	size_t		 len;
	sqlite3_stmt	*st[MAX_STMTS];
	long		 steps[MAX_STMTS];	/* 0: to the end */
	int		 nst;
};

static sqlite3 *floor_db;

/* Prepares the statements of path (one a line) into b; 0 or -1. */
static int
floor_load(struct body *b, const char *path)
{
	char line[65536], *sql;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (b->nst == MAX_STMTS) {
			fprintf(stderr, "fcgi-fixed: %s: more than %d "
			    "statements\n", path, MAX_STMTS);
			fclose(f);
			return -1;
		}
		n = strlen(line);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		b->steps[b->nst] = strtol(line, &sql, 10);
		if (*sql != '\t') {
			fprintf(stderr, "fcgi-fixed: %s: no STEPS<TAB>SQL\n",
			    path);
			fclose(f);
			return -1;
		}
		if (sqlite3_prepare_v3(floor_db, sql + 1, -1,
		    SQLITE_PREPARE_PERSISTENT, &b->st[b->nst], NULL) !=
		    SQLITE_OK) {
			fprintf(stderr, "fcgi-fixed: %s: %s\n", path,
			    sqlite3_errmsg(floor_db));
			fclose(f);
			return -1;
		}
		b->nst++;
	}
	fclose(f);
	return 0;
}

/* Runs b's statements, reading every column of every row. */
static void
floor_run(const struct body *b)
{
	volatile size_t sink = 0;
	long k;
	int i, c, n;

	for (i = 0; i < b->nst; i++) {
		for (k = 0; (b->steps[i] == 0 || k < b->steps[i]) &&
		    sqlite3_step(b->st[i]) == SQLITE_ROW; k++) {
			n = sqlite3_column_count(b->st[i]);
			for (c = 0; c < n; c++) {
				if (sqlite3_column_type(b->st[i], c) ==
				    SQLITE_INTEGER)
					sink += (size_t)sqlite3_column_int64(
					    b->st[i], c);
				else if (sqlite3_column_text(b->st[i], c) !=
				    NULL)
					sink += (size_t)sqlite3_column_bytes(
					    b->st[i], c);
			}
		}
		sqlite3_reset(b->st[i]);
	}
	(void)sink;
}

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
	b->nst = 0;
	snprintf(path, sizeof(path), "%s/%s.sql", dir, name);
	if (floor_db != NULL && floor_load(b, path) == -1)
		return NULL;
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
	int h, at_once;

	at_once = getenv("FIXED_CLOSE") != NULL &&
	    strcmp(getenv("FIXED_CLOSE"), "at-once") == 0;
	if (dir == NULL || FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	/* the floor: the database opened as testvis opens it (no bulk of
	 * pages for each page cache either: lib/db/db_sqlite.c) */
	if (getenv("FLOOR_DB") != NULL)
		(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	if (getenv("FLOOR_DB") != NULL && (sqlite3_open_v2(getenv("FLOOR_DB"),
	    &floor_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK || sqlite3_exec(floor_db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA cache_size = -16384;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlitefn_register(floor_db) == -1))
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		uri = FCGX_GetParam("REQUEST_URI", req.envp);
		name = uri != NULL ? strrchr(uri, '/') : NULL;
		b = name != NULL ? body_get(dir, name + 1) : NULL;
		if (b != NULL)
			floor_run(b);
		/* libfcgi's own FCGX_FPrintF knows no %zu: format here */
		h = snprintf(head, sizeof(head), "Status: %s\r\nContent-Type: "
		    "application/json\r\nContent-Length: %zu\r\n\r\n",
		    b != NULL ? "200 OK" : "404 Not Found",
		    b != NULL ? b->len : 0);
		FCGX_PutStr(head, h, req.out);
		if (b != NULL)
			FCGX_PutStr(b->data, (int)b->len, req.out);
		if (at_once && (FCGX_HasSeenEOF(req.in) == EOF ||
		    FCGX_GetChar(req.in) == EOF))
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	return 0;
}
