/*
 * testvis: the command-line program for administrators and cron.
 * Subcommands: migrate, copy, project add|list, token create|list|revoke,
 * ingest, batch, gate, summary.
 * It talks to the database directly (no HTTP) with the same library as
 * the cgi-bin programs.  Exit status: 0 success, 1 bad input or failure,
 * 2 usage error, 3 storage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "batch.h"
#include "buf.h"
#include "cienv.h"
#include "config.h"
#include "gate.h"
#include "crypto.h"
#include "db.h"
#include "fault.h"
#include "ingest.h"
#include "ingestfile.h"
#include "jval.h"
#include "log.h"
#include "param.h"
#include "pgcopy.h"
#include "pgmigrate.h"
#include "project.h"
#include "stream.h"
#include "summary.h"
#include "tvtime.h"
#include "utf8.h"

#define EXIT_BAD	1
#define EXIT_USAGE	2
#define EXIT_STORAGE	3

/* Options shared by every subcommand, plus the leftover arguments. */
struct cli {
	const char	*config;
	const char	*project;
	const char	*scope;
	const char	*name;
	const char	*pass, *now, *interval;
	const char	*to;		/* copy: the PostgreSQL URL */
	const char	*wait;		/* gate, summary: seconds */
	int		 watch;
	int		 each;		/* ingest: one run per file */
	const char	*meta[META__MAX];
	int		 argc;
	char		**argv;
	struct config	*cfg;
	struct db	*db;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: testvis [--config FILE] COMMAND ...\n"
	    "  migrate                     create or upgrade the database\n"
	    "  copy --to postgresql://...  copy this database into a migrated,\n"
	    "                              empty PostgreSQL one (resumable)\n"
	    "  project add SLUG [--name N] create a project\n"
	    "  project list                list projects\n"
	    "  token create --project P --scope read|ingest|admin [--name N]\n"
	    "                              print a new API token (shown once)\n"
	    "  token list [--project P]    list tokens (never their secrets)\n"
	    "  token revoke ID             revoke a token by its id\n"
	    "  ingest [--project P] [--run-id ID] [--shard S] [--git-sha SHA]\n"
	    "         [--branch B] [--job J] [--session-id S] [--started-at TIME]\n"
	    "         [--repeats retries|variants] [--each] FILE...\n"
	    "                              store JUnit reports (plain or .gz;\n"
	    "                              NAME.meta.json beside NAME.xml is\n"
	    "                              the sidecar) as one run, a shard\n"
	    "                              per file (--each: a run per file);\n"
	    "                              unset metadata comes from the CI's\n"
	    "                              variables; one JSON line each\n"
	    "  batch [--pass P,...] [--project P] [--now TIME]\n"
	    "                              run the background passes once:\n"
	    "                              spool, history, fingerprints,\n"
	    "                              mapping, flaky, integrity, alerts,\n"
	    "                              exports, retention (one instance\n"
	    "                              at a time)\n"
	    "  batch --watch [--interval SECONDS]\n"
	    "                              drain the spool as files land and\n"
	    "                              run the other passes every interval\n"
	    "  gate RUN_ID [--project P] [--wait SECONDS]\n"
	    "                              the quality gate of a run, by the\n"
	    "                              gate_* rules of the configuration:\n"
	    "                              its JSON verdict; exit 0 when it\n"
	    "                              passes, 1 when it fails; --wait:\n"
	    "                              first wait (0..300 s) for the run\n"
	    "                              and its integrity check (unchecked\n"
	    "                              then: it fails, \"pending\")\n"
	    "  summary RUN_ID [--project P] [--wait SECONDS]\n"
	    "                              the run's Markdown summary for a\n"
	    "                              pull-request comment\n"
	    "  version                     print the version\n"
	    "The configuration file is --config or $TESTVIS_CONF.\n");
}

/*
 * Splits argv into known options (anywhere) and positional arguments.
 * Returns 0, or -1 after printing what was wrong.
 */
static int
cli_parse(struct cli *c, int argc, char **argv)
{
	int i;

	c->argv = calloc((size_t)argc + 1, sizeof(*c->argv));
	if (c->argv == NULL)
		abort();
	for (i = 1; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--config") == 0)
			slot = &c->config;
		else if (strcmp(argv[i], "--project") == 0)
			slot = &c->project;
		else if (strcmp(argv[i], "--scope") == 0)
			slot = &c->scope;
		else if (strcmp(argv[i], "--name") == 0)
			slot = &c->name;
		else if (strcmp(argv[i], "--pass") == 0)
			slot = &c->pass;
		else if (strcmp(argv[i], "--now") == 0)
			slot = &c->now;
		else if (strcmp(argv[i], "--interval") == 0)
			slot = &c->interval;
		else if (strcmp(argv[i], "--to") == 0)
			slot = &c->to;
		else if (strcmp(argv[i], "--wait") == 0)
			slot = &c->wait;
		else if (strcmp(argv[i], "--watch") == 0) {
			c->watch = 1;
			continue;
		} else if (strcmp(argv[i], "--each") == 0) {
			c->each = 1;
			continue;
		}
		else if (strcmp(argv[i], "--run-id") == 0)
			slot = &c->meta[META_RUN_ID];
		else if (strcmp(argv[i], "--shard") == 0)
			slot = &c->meta[META_SHARD];
		else if (strcmp(argv[i], "--git-sha") == 0)
			slot = &c->meta[META_GIT_SHA];
		else if (strcmp(argv[i], "--branch") == 0)
			slot = &c->meta[META_BRANCH];
		else if (strcmp(argv[i], "--session-id") == 0)
			slot = &c->meta[META_SESSION_ID];
		else if (strcmp(argv[i], "--started-at") == 0)
			slot = &c->meta[META_STARTED_AT];
		else if (strcmp(argv[i], "--repeats") == 0)
			slot = &c->meta[META_REPEATS];
		else if (strcmp(argv[i], "--job") == 0)
			slot = &c->meta[META_JOB];
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strncmp(argv[i], "--", 2) == 0) {
			fprintf(stderr, "testvis: unknown option %s\n",
			    argv[i]);
			return -1;
		} else {
			c->argv[c->argc++] = argv[i];
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "testvis: %s needs a value\n", argv[i]);
			return -1;
		}
		*slot = argv[++i];
	}
	return 0;
}

/*
 * Loads the configuration and opens the database (creating it when create
 * is set).  Unless migrating, the schema must be current.  Returns 0 or
 * an exit status.
 */
static int
cli_open(struct cli *c, int create)
{
	char err[512];
	int level;

	c->cfg = config_load(c->config != NULL ? c->config :
	    getenv("TESTVIS_CONF"), err, sizeof(err));
	if (c->cfg == NULL) {
		fprintf(stderr, "testvis: config: %s\n", err);
		return EXIT_BAD;
	}
	if ((c->db = db_open(c->cfg->db, create ? DB_CREATE : 0, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "testvis: %s\n", err);
		if (c->cfg->path != NULL)
			fprintf(stderr, "testvis: (the database named by "
			    "%s; a different file: --config FILE, "
			    "TESTVIS_CONF=FILE or TESTVIS_DB=PATH)\n",
			    c->cfg->path);
		else
			fprintf(stderr, "testvis: (the built-in default: no "
			    "--config and no $TESTVIS_CONF; name your "
			    "testvis.conf with --config FILE or "
			    "TESTVIS_CONF=FILE, or the database with "
			    "TESTVIS_DB=PATH)\n");
		return EXIT_STORAGE;
	}
	if (db_limit_size(c->db, c->cfg->max_db_mb) == -1)
		return EXIT_STORAGE;
	if (create)
		return 0;
	level = db_schema_version(c->db);
	if (level != db_schema_latest()) {
		fprintf(stderr, "testvis: database schema is at level %d, "
		    "expected %d: run 'testvis migrate'\n", level,
		    db_schema_latest());
		return EXIT_STORAGE;
	}
	return 0;
}

/*
 * testvis migrate on PostgreSQL (db = postgresql://…): the schema of
 * schema/postgres, level recorded as on SQLite.  Returns an exit status,
 * or -1 when the database is not PostgreSQL.
 */
static int
cli_migrate_pg(struct cli *c)
{
	char err[512], where[300];
	int applied, level;

	c->cfg = config_load(c->config != NULL ? c->config :
	    getenv("TESTVIS_CONF"), err, sizeof(err));
	if (c->cfg == NULL) {
		fprintf(stderr, "testvis: config: %s\n", err);
		return EXIT_BAD;
	}
	if (!db_is_url(c->cfg->db)) {
		config_free(c->cfg);
		c->cfg = NULL;
		return -1;
	}
	if (pgmigrate_run(c->cfg->db, &applied, &level, where, sizeof(where),
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "testvis: %s\n", err);
		return EXIT_STORAGE;
	}
	printf("%s at schema level %d (%d applied)\n", where, level,
	    applied);
	return 0;
}

/*
 * testvis copy --to postgresql://…: this SQLite database into a
 * PostgreSQL one `testvis migrate` made (lib/db/pgcopy.c), resumable.
 */
static int
cmd_copy(struct cli *c)
{
	char err[512];
	int rc, n;

	if (c->argc != 1 || c->to == NULL)
		return EXIT_USAGE;
	if (!db_is_url(c->to)) {
		fprintf(stderr, "testvis: copy --to takes a postgresql:// "
		    "URL\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	if ((n = pgcopy_run(c->db, c->to, stderr, err,
	    sizeof(err))) == -1) {
		fprintf(stderr, "testvis: copy: %s\n", err);
		return EXIT_STORAGE;
	}
	printf("copied %d tables (the others were there already)\n", n);
	return 0;
}

/* testvis migrate */
static int
cmd_migrate(struct cli *c)
{
	int rc, applied;

	if (c->argc != 1)
		return EXIT_USAGE;
	if ((rc = cli_migrate_pg(c)) != -1)
		return rc;
	if ((rc = cli_open(c, 1)) != 0)
		return rc;
	if (db_migrate(c->db, &applied) == -1) {
		fprintf(stderr, "testvis: migration failed\n");
		return EXIT_STORAGE;
	}
	printf("database %s at schema level %d (%d applied)\n", c->cfg->db,
	    db_schema_version(c->db), applied);
	return 0;
}

/* testvis project add SLUG [--name N] | project list */
static int
cmd_project(struct cli *c)
{
	int64_t id;
	json_t *list, *p;
	size_t i;
	int rc;

	if (c->argc == 3 && strcmp(c->argv[1], "add") == 0) {
		if (!param_is_slug(c->argv[2], strlen(c->argv[2]))) {
			fprintf(stderr, "testvis: invalid project slug '%s' "
			    "(expected [a-z0-9][a-z0-9-]{0,63})\n",
			    c->argv[2]);
			return EXIT_BAD;
		}
		if ((rc = cli_open(c, 0)) != 0)
			return rc;
		rc = project_add(c->db, c->argv[2], c->name, &id);
		if (rc == -1)
			return EXIT_STORAGE;
		printf("project %s %s\n", c->argv[2], rc ? "created" :
		    "already exists");
		return 0;
	}
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		if ((rc = cli_open(c, 0)) != 0)
			return rc;
		if ((list = project_list(c->db, 0)) == NULL)
			return EXIT_STORAGE;
		json_array_foreach(list, i, p) {
			const char *last = json_string_value(
			    json_object_get(p, "last_run_at"));
			printf("%s\t%s\t%lld runs\t%lld tests\t%s\n",
			    json_string_value(json_object_get(p, "slug")),
			    json_string_value(json_object_get(p, "name")),
			    json_integer_value(json_object_get(p,
			    "run_count")),
			    json_integer_value(json_object_get(p,
			    "test_count")), last != NULL ? last : "-");
		}
		json_decref(list);
		return 0;
	}
	return EXIT_USAGE;
}

/* Resolves --project to an id; 0 or an exit status (message printed). */
static int
cli_project(struct cli *c, int64_t *id)
{
	int found;

	if (!param_is_slug(c->project, strlen(c->project))) {
		fprintf(stderr, "testvis: invalid project slug '%s'\n",
		    c->project);
		return EXIT_BAD;
	}
	if ((found = project_lookup(c->db, c->project, id)) == -1)
		return EXIT_STORAGE;
	if (found == 0) {
		fprintf(stderr, "testvis: unknown project '%s' (create it "
		    "with 'testvis project add %s')\n", c->project,
		    c->project);
		return EXIT_BAD;
	}
	return 0;
}

/*
 * The id of a token named by arg: the ID column of `token list` as it
 * is, or the whole token text tv_ID_SECRET, whose ID part it takes.
 */
static void
token_id(const char *arg, char *id, size_t idsz)
{
	const char *end;

	if (strncmp(arg, "tv_", 3) == 0 && (end = strchr(arg + 3, '_')) !=
	    NULL)
		snprintf(id, idsz, "%.*s", (int)(end - arg - 3), arg + 3);
	else
		snprintf(id, idsz, "%s", arg);
}

/* testvis token create|list|revoke */
static int
cmd_token(struct cli *c)
{
	char token[AUTH_TOKEN_LEN + 1], id[256];
	enum scope scope;
	int64_t pid = 0;
	json_t *list, *t;
	size_t i;
	int rc;

	if (c->argc == 2 && strcmp(c->argv[1], "create") == 0) {
		if (c->project == NULL || c->scope == NULL) {
			fprintf(stderr, "testvis: token create needs "
			    "--project and --scope\n");
			return EXIT_USAGE;
		}
		if (auth_scope_parse(c->scope, &scope) == -1) {
			fprintf(stderr, "testvis: invalid scope '%s' "
			    "(expected read, ingest or admin)\n", c->scope);
			return EXIT_BAD;
		}
		if (c->name != NULL && strlen(c->name) > 200) {
			fprintf(stderr, "testvis: --name is over 200 bytes\n");
			return EXIT_BAD;
		}
		if ((rc = cli_open(c, 0)) != 0 ||
		    (rc = cli_project(c, &pid)) != 0)
			return rc;
		if (auth_token_create(c->db, pid, scope, c->name != NULL ?
		    c->name : "", token) == -1)
			return EXIT_STORAGE;
		printf("%s\n", token);
		return 0;
	}
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		if ((rc = cli_open(c, 0)) != 0)
			return rc;
		if (c->project != NULL && (rc = cli_project(c, &pid)) != 0)
			return rc;
		if ((list = auth_token_list(c->db, pid)) == NULL)
			return EXIT_STORAGE;
		/* the ID column is what `token revoke` takes */
		printf("ID\tPROJECT\tSCOPE\tNAME\tCREATED\tSTATE\n");
		json_array_foreach(list, i, t) {
			const char *rev = json_string_value(
			    json_object_get(t, "revoked_at"));
			printf("%s\t%s\t%s\t%s\t%s\t%s\n",
			    json_string_value(json_object_get(t, "id")),
			    json_string_value(json_object_get(t, "project")),
			    json_string_value(json_object_get(t, "scope")),
			    json_string_value(json_object_get(t, "name")),
			    json_string_value(json_object_get(t,
			    "created_at")), rev != NULL ? "revoked" : "active");
		}
		json_decref(list);
		return 0;
	}
	if (c->argc == 3 && strcmp(c->argv[1], "revoke") == 0) {
		if ((rc = cli_open(c, 0)) != 0)
			return rc;
		token_id(c->argv[2], id, sizeof(id));
		rc = auth_token_revoke(c->db, id);
		if (rc == -1)
			return EXIT_STORAGE;
		if (rc == 0) {
			fprintf(stderr, "testvis: no active token '%.*s' "
			    "(the ID column of 'testvis token list')\n",
			    UTF8_CUT(id, 64));
			return EXIT_BAD;
		}
		printf("token %s revoked\n", id);
		return 0;
	}
	return EXIT_USAGE;
}

/* Prints the answer of one file as a JSON line (errors included). */
static void
print_answer(const char *file, json_t *ans, const struct fault *f)
{
	json_t *o = ans;
	char *text;

	if (o == NULL) {
		json_t *e = jval_object();

		o = jval_object();
		jval_set(e, "code", jval_str(f->code != NULL ? f->code :
		    "internal"));
		jval_set(e, "message", jval_str(f->msg));
		jval_set(e, "status", jval_int(fault_status(f)));
		if (f->line > 0)
			jval_set(e, "line", jval_int(f->line));
		jval_set(o, "error", e);
	}
	json_object_set_new(o, "file", jval_str(file));
	text = json_dumps(o, JSON_COMPACT);
	printf("%s\n", text != NULL ? text : "{}");
	free(text);
	if (o != ans)
		json_decref(o);
}

/*
 * How the files of one `testvis ingest` are stored (SPEC ING-6): the
 * flags (c->meta), and beneath the sidecar the fallback: the CI
 * environment's fields, the run id of this command and each file's shard.
 */
struct ingest_plan {
	const char	*fallback[META__MAX];
	char		 run_id[CIENV_ID_MAX + 1];
	int		 shards;	/* a shard per file */
	char		**shard;	/* per file, or NULL */
	struct cienv	 ci;
};

/* getenv, typed as cienv_read takes it. */
static const char *
env_get(const char *name)
{
	return getenv(name);
}

/*
 * The run id of a command's files when neither --run-id nor the CI gives
 * one: the first 32 hex digits of the SHA-256 over each file's SHA-256
 * (a line each, in argument order), so that the same command run again
 * names the same run and stores nothing new (I-3).
 */
static void
content_run_id(char **files, int n, char *out, size_t outsz)
{
	char digest[SHA256_HEX_LEN], all[SHA256_HEX_LEN];
	char *joined;
	size_t len = 0;
	int i;

	if ((joined = calloc((size_t)n, SHA256_HEX_LEN + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (ingestfile_digest(files[i], digest) == -1)
			snprintf(digest, sizeof(digest), "unreadable");
		len += (size_t)snprintf(joined + len, SHA256_HEX_LEN + 1,
		    "%s\n", digest);
	}
	crypto_sha256_hex(joined, len, all);
	free(joined);
	snprintf(out, outsz, "%.32s", all);
}

/*
 * The shard label of file: [NODE/][SHARD/]NAME, NAME its last depth path
 * components, made a valid label.  The caller frees it.
 */
static char *
shard_label(const char *file, int depth, const char *node, const char *shard)
{
	char buf[512];
	const char *tail = file + strlen(file);
	char *l;

	while (tail > file && depth > 0)
		if (*--tail == '/' && --depth == 0)
			tail++;
	snprintf(buf, sizeof(buf), "%s%s%s%s%.*s",
	    node != NULL ? node : "", node != NULL ? "/" : "",
	    shard != NULL ? shard : "", shard != NULL ? "/" : "",
	    UTF8_CUT(tail, 128));
	cienv_label(buf);
	if ((l = strdup(buf)) == NULL)
		abort();
	return l;
}

/* Marks in dup[] the labels that another of the n labels equals. */
static void
shard_dups(char **l, int n, char *dup)
{
	int i, j;

	memset(dup, 0, (size_t)n);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(l[i], l[j]) == 0)
				dup[i] = dup[j] = 1;
}

/*
 * The shard label of each file: its name (see shard_label); files of the
 * same name take their directory too (pytest/report.xml), and a label two
 * files still share gets "-N" (N: the file's position), so that neither
 * is taken for the other's duplicate.
 */
static char **
shard_labels(char **files, int n, const char *node, const char *shard)
{
	char **l, *dup;
	char buf[512];
	int i, pass;

	if ((l = calloc((size_t)n, sizeof(*l))) == NULL ||
	    (dup = malloc((size_t)n)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		l[i] = shard_label(files[i], 1, node, shard);
	for (pass = 0; pass < 2; pass++) {
		shard_dups(l, n, dup);
		for (i = 0; i < n; i++) {
			if (!dup[i])
				continue;
			if (pass == 0)
				snprintf(buf, sizeof(buf), "%s", files[i]);
			else
				snprintf(buf, sizeof(buf), "%.*s-%d",
				    CIENV_ID_MAX - 12, l[i], i + 1);
			free(l[i]);
			l[i] = pass == 0 ? shard_label(buf, 2, node, shard) :
			    strdup(buf);
			if (l[i] == NULL)
				abort();
		}
	}
	free(dup);
	return l;
}

/*
 * Decides how the n files are stored.  One run for all (a shard each)
 * unless --each; its id is --run-id, else the CI build's
 * ("<provider>-<build>[-<job>]", where the files are a shard each even
 * alone, so that two commands of one job add to one run), else for
 * several files one derived from their content; a single file without
 * either keeps the ingest's own content-derived id and no shard.
 */
static void
plan_ingest(struct cli *c, char **files, int n, struct ingest_plan *p)
{
	const char *job;
	int k;

	memset(p, 0, sizeof(*p));
	if (cienv_read(env_get, &p->ci))
		for (k = 0; k < META__MAX; k++)
			p->fallback[k] = p->ci.meta[k];
	if (c->each)
		return;
	job = c->meta[META_JOB] != NULL ? c->meta[META_JOB] :
	    p->ci.meta[META_JOB];
	if (c->meta[META_RUN_ID] != NULL)
		p->shards = n > 1;
	else if (cienv_run_id(&p->ci, job, p->run_id, sizeof(p->run_id)) == 0)
		p->shards = 1;
	else if (n > 1) {
		content_run_id(files, n, p->run_id, sizeof(p->run_id));
		p->shards = 1;
	}
	if (p->run_id[0] != '\0')
		p->fallback[META_RUN_ID] = p->run_id;
	if (p->shards && (c->meta[META_SHARD] == NULL || n > 1))
		p->shard = shard_labels(files, n, p->ci.node,
		    c->meta[META_SHARD]);
}

/* Frees what p holds (n: its files). */
static void
plan_free(struct ingest_plan *p, int n)
{
	int i;

	for (i = 0; p->shard != NULL && i < n; i++)
		free(p->shard[i]);
	free(p->shard);
	cienv_free(&p->ci);
}

/*
 * Ingests file i of the plan; returns an exit status (0, 1 bad input,
 * 3 storage).  A shard label that extends --shard is a flag's value;
 * one made from the file's name alone is beneath the sidecar's.
 */
static int
ingest_file(struct cli *c, struct ingest_plan *p, int i, const char *file)
{
	struct fault f;
	json_t *ans = NULL;
	const char *meta[META__MAX], *fb[META__MAX];
	int rc;

	memset(&f, 0, sizeof(f));
	memcpy(meta, c->meta, sizeof(meta));
	memcpy(fb, p->fallback, sizeof(fb));
	if (p->shard != NULL && c->meta[META_SHARD] != NULL)
		meta[META_SHARD] = p->shard[i];
	else if (p->shard != NULL)
		fb[META_SHARD] = p->shard[i];
	rc = ingestfile_ingest(c->db, c->cfg, c->project, meta, fb, file,
	    "cli", &ans, &f) == 0 ? 0 : fault_status(&f) >= 500 ?
	    EXIT_STORAGE : EXIT_BAD;
	print_answer(file, ans, &f);
	json_decref(ans);
	return rc;
}

/*
 * testvis batch [--pass LIST] [--project P] [--now TIME] [--watch
 * [--interval S]] (SPEC §6).  --now replays history at a given clock (for
 * imports and tests).  Returns batch_main()'s exit status.
 */
static int
cmd_batch(struct cli *c)
{
	struct batch_opts o;
	char err[512];
	char *end;

	if (c->argc != 1)
		return EXIT_USAGE;
	memset(&o, 0, sizeof(o));
	o.passes = c->pass;
	o.project = c->project;
	o.watch = c->watch;
	o.interval = 60;
	if (c->interval != NULL) {
		o.interval = strtol(c->interval, &end, 10);
		if (*end != '\0' || o.interval < 1 || o.interval > 86400) {
			fprintf(stderr, "testvis: --interval takes 1 to 86400 "
			    "seconds\n");
			return EXIT_USAGE;
		}
	}
	if (c->now != NULL && tvtime_parse_iso8601(c->now, strlen(c->now),
	    &o.now) == -1) {
		fprintf(stderr, "testvis: --now takes an ISO-8601 time such "
		    "as 2026-01-31T12:00:00Z\n");
		return EXIT_USAGE;
	}
	if ((c->cfg = config_load(c->config != NULL ? c->config :
	    getenv("TESTVIS_CONF"), err, sizeof(err))) == NULL) {
		fprintf(stderr, "testvis: %s\n", err);
		return EXIT_BAD;
	}
	return batch_main(c->cfg, &o);
}

/*
 * The gate rules for c's run (the configuration's, per project where it
 * says so) into *g, after --wait: waits for the run and its integrity
 * check, and an unchecked run then fails.  Returns 0 or an exit status
 * (1 unknown run, said; 2 bad --wait; 3 storage).
 */
static int
cli_gate_prepare(struct cli *c, int64_t pid, struct gate_rules *g)
{
	long long wait = -1;
	char *end;
	int rc;

	if (c->wait != NULL) {
		wait = strtoll(c->wait, &end, 10);
		if (*c->wait == '\0' || *end != '\0' || wait < 0 ||
		    wait > GATE_WAIT_MAX) {
			fprintf(stderr, "testvis: --wait takes 0 to %d "
			    "seconds\n", GATE_WAIT_MAX);
			return EXIT_USAGE;
		}
	}
	gate_rules_of(c->cfg, c->project, g);
	if (wait < 0)
		return 0;
	g->need_checked = 1;
	if ((rc = gate_wait(c->db, pid, c->argv[1], wait,
	    c->cfg->gate_settle_seconds)) == -1)
		return EXIT_STORAGE;
	if (rc == 0) {
		fprintf(stderr, "testvis: no run '%s' in project '%s'\n",
		    c->argv[1], c->project);
		return EXIT_BAD;
	}
	return 0;
}

/*
 * testvis gate RUN_ID [--project P] [--wait S]: prints the gate's
 * verdict on the run (lib/views/gate.c, the configuration's rules) as
 * one JSON line.  Exit 0 pass, 1 fail or no such run, 2 usage, 3
 * storage.
 */
static int
cmd_gate(struct cli *c)
{
	struct gate_rules g;
	json_t *out = NULL;
	char *text;
	int64_t pid;
	int rc, pass;

	if (c->argc != 2)
		return EXIT_USAGE;
	if (c->project == NULL)
		c->project = "default";
	if ((rc = cli_open(c, 0)) != 0 || (rc = cli_project(c, &pid)) != 0 ||
	    (rc = cli_gate_prepare(c, pid, &g)) != 0)
		return rc;
	if ((rc = gate_judge(c->db, pid, c->argv[1], &g, &out)) == -1)
		return EXIT_STORAGE;
	if (rc == 0) {
		fprintf(stderr, "testvis: no run '%s' in project '%s'\n",
		    c->argv[1], c->project);
		return EXIT_BAD;
	}
	pass = json_is_true(json_object_get(out, "pass"));
	text = json_dumps(out, JSON_COMPACT);
	printf("%s\n", text != NULL ? text : "{}");
	free(text);
	json_decref(out);
	return pass ? 0 : EXIT_BAD;
}

/*
 * testvis summary RUN_ID [--project P] [--wait S]: prints the run's
 * Markdown summary (lib/views/summary.c), as GET .../summary.md answers
 * it.  Exit 0 (whatever the verdict), 1 no such run, 2 usage, 3 storage.
 */
static int
cmd_summary(struct cli *c)
{
	struct summary_opts o;
	struct buf md;
	int64_t pid;
	int rc;

	if (c->argc != 2)
		return EXIT_USAGE;
	if (c->project == NULL)
		c->project = "default";
	memset(&o, 0, sizeof(o));
	if ((rc = cli_open(c, 0)) != 0 || (rc = cli_project(c, &pid)) != 0 ||
	    (rc = cli_gate_prepare(c, pid, &o.rules)) != 0)
		return rc;
	o.max_failures = 10;
	o.public_url = c->cfg->public_url;
	o.project = c->project;
	buf_init(&md);
	if ((rc = summary_build(c->db, pid, c->argv[1], &o, &md)) == 1)
		fwrite(md.p, 1, md.len, stdout);
	buf_free(&md);
	if (rc == 0)
		fprintf(stderr, "testvis: no run '%s' in project '%s'\n",
		    c->argv[1], c->project);
	return rc == 1 ? 0 : rc == 0 ? EXIT_BAD : EXIT_STORAGE;
}

/* testvis ingest [options] [--each] FILE... (ING-6) */
static int
cmd_ingest(struct cli *c)
{
	struct ingest_plan p;
	int i, n, rc, worst = 0;

	if (c->argc < 2)
		return EXIT_USAGE;
	if (c->each && c->meta[META_RUN_ID] != NULL) {
		fprintf(stderr, "testvis: --each makes a run of each file; "
		    "--run-id names one run for all: give one of them\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	n = c->argc - 1;
	plan_ingest(c, c->argv + 1, n, &p);
	for (i = 0; i < n; i++) {
		rc = ingest_file(c, &p, i, c->argv[i + 1]);
		if (rc > worst)
			worst = rc;
	}
	plan_free(&p, n);
	return worst;
}

int
main(int argc, char **argv)
{
	struct cli c;
	int rc;

	memset(&c, 0, sizeof(c));
	log_set_tag("testvis");
	umask(007);
	if (cli_parse(&c, argc, argv) == -1 || c.argc == 0) {
		usage(stderr);
		free(c.argv);
		return EXIT_USAGE;
	}
	if (strcmp(c.argv[0], "migrate") == 0)
		rc = cmd_migrate(&c);
	else if (strcmp(c.argv[0], "copy") == 0)
		rc = cmd_copy(&c);
	else if (strcmp(c.argv[0], "project") == 0)
		rc = cmd_project(&c);
	else if (strcmp(c.argv[0], "token") == 0)
		rc = cmd_token(&c);
	else if (strcmp(c.argv[0], "ingest") == 0)
		rc = cmd_ingest(&c);
	else if (strcmp(c.argv[0], "batch") == 0)
		rc = cmd_batch(&c);
	else if (strcmp(c.argv[0], "gate") == 0)
		rc = cmd_gate(&c);
	else if (strcmp(c.argv[0], "summary") == 0)
		rc = cmd_summary(&c);
	else if (strcmp(c.argv[0], "version") == 0 && c.argc == 1) {
		printf("testvis %s (schema level %d)\n", TESTVIS_VERSION,
		    db_schema_latest());
		rc = 0;
	} else {
		fprintf(stderr, "testvis: unknown command '%s'\n", c.argv[0]);
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_USAGE)
		usage(stderr);
	db_close(c.db);
	config_free(c.cfg);
	free(c.argv);
	return rc;
}
