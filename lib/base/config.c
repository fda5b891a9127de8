/*
 * Reads testvis.conf: "key = value" lines, '#' starts a comment line, blank
 * lines ignored, values optionally in double quotes.  Every key is declared
 * in one table with its type and limits; an unknown key, a duplicate or a
 * bad value is an error naming the file, the line and the key.  After the
 * file, TESTVIS_DB and TESTVIS_ENABLED from the environment override it.
 * It does not watch the file: programs read it once at start.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "param.h"
#include "utf8.h"

enum cfg_type {
	CFG_STRING,
	CFG_BOOL,
	CFG_INT,
	CFG_ENUM,
	CFG__MAX
};

struct cfg_key {
	const char		*name;
	enum cfg_type		 type;
	size_t			 off;
	long long		 min, max;	/* CFG_INT range */
	const char *const	*choices;	/* CFG_ENUM, NULL-terminated */
};

static const char *const auth_read_choices[] = { "token", "public", NULL };
static const char *const auth_ingest_choices[] = { "token", "open", NULL };
static const char *const gate_severity_choices[] = { "low", "medium",
    "high", "critical", "off", NULL };

#define OFF(f) offsetof(struct config, f)
static const struct cfg_key keys[] = {
	{ "db", CFG_STRING, OFF(db), 1, 4096, NULL },
	{ "enabled", CFG_BOOL, OFF(enabled), 0, 1, NULL },
	{ "auth_read", CFG_ENUM, OFF(auth_read), 0, 0, auth_read_choices },
	{ "auth_ingest", CFG_ENUM, OFF(auth_ingest), 0, 0,
	    auth_ingest_choices },
	{ "max_body_bytes", CFG_INT, OFF(max_body_bytes), 1024,
	    4LL * 1024 * 1024 * 1024, NULL },
	{ "max_decompressed_bytes", CFG_INT, OFF(max_decompressed_bytes),
	    1024, 64LL * 1024 * 1024 * 1024, NULL },
	{ "max_message_bytes", CFG_INT, OFF(max_message_bytes), 64,
	    1024 * 1024, NULL },
	{ "max_text_bytes", CFG_INT, OFF(max_text_bytes), 256,
	    16 * 1024 * 1024, NULL },
	{ "max_name_bytes", CFG_INT, OFF(max_name_bytes), 128, 65536, NULL },
	{ "base_path", CFG_STRING, OFF(base_path), 0, 256, NULL },
	{ "commit_url_template", CFG_STRING, OFF(commit_url_template), 0,
	    1024, NULL },
	{ "session_url_template", CFG_STRING, OFF(session_url_template), 0,
	    1024, NULL },
	{ "spool_dir", CFG_STRING, OFF(spool_dir), 0, 4096, NULL },
	{ "mapping_rules", CFG_STRING, OFF(mapping_rules), 0, 4096, NULL },
	{ "repo_path", CFG_STRING, OFF(repo_path), 0, 4096, NULL },
	{ "default_branch", CFG_STRING, OFF(default_branch), 0, 255, NULL },
	{ "retention_days", CFG_INT, OFF(retention_days), 0, 36500, NULL },
	{ "flaky_window", CFG_INT, OFF(flaky_window), 4, 50,
	    NULL },
	{ "flaky_flip_activate_pct", CFG_INT, OFF(flaky_flip_activate_pct),
	    1, 100, NULL },
	{ "flaky_flip_resolve_pct", CFG_INT, OFF(flaky_flip_resolve_pct),
	    0, 100, NULL },
	{ "flaky_quiet_days", CFG_INT, OFF(flaky_quiet_days), 0, 3650, NULL },
	{ "flaky_outage_pct", CFG_INT, OFF(flaky_outage_pct), 1, 100, NULL },
	{ "integrity_shrink_pct", CFG_INT, OFF(integrity_shrink_pct), 1, 100,
	    NULL },
	{ "integrity_shrink_tests", CFG_INT, OFF(integrity_shrink_tests), 1,
	    1000000, NULL },
	{ "integrity_collapse_factor", CFG_INT,
	    OFF(integrity_collapse_factor), 2, 1000, NULL },
	{ "spool_settle_seconds", CFG_INT, OFF(spool_settle_seconds), 0,
	    3600, NULL },
	{ "response_cache_kb", CFG_INT, OFF(response_cache_kb), 0,
	    1024 * 1024, NULL },
	{ "busy_timeout_ms", CFG_INT, OFF(busy_timeout_ms), 0, 600000, NULL },
	{ "max_db_mb", CFG_INT, OFF(max_db_mb), 0, 1024LL * 1024 * 1024,
	    NULL },
	{ "trace_file", CFG_STRING, OFF(trace_file), 0, 4096, NULL },
	{ "trace_max_bytes", CFG_INT, OFF(trace_max_bytes), 4096,
	    1LL << 40, NULL },
	{ "live_max_clients", CFG_INT, OFF(live_max_clients), 1, 100000,
	    NULL },
	{ "live_keepalive_s", CFG_INT, OFF(live_keepalive_s), 1, 3600, NULL },
	{ "live_idle_s", CFG_INT, OFF(live_idle_s), 1, 86400, NULL },
	{ "live_poll_ms", CFG_INT, OFF(live_poll_ms), 10, 10000, NULL },
	{ "live_ticket_ttl_s", CFG_INT, OFF(live_ticket_ttl_s), 5, 86400,
	    NULL },
	{ "live_replay", CFG_INT, OFF(live_replay), 0, 1000, NULL },
	{ "live_replay_max", CFG_INT, OFF(live_replay_max), 1, 10000, NULL },
	{ "live_client_buffer_kb", CFG_INT, OFF(live_client_buffer_kb), 16,
	    65536, NULL },
	{ "alert_max_attempts", CFG_INT, OFF(alert_max_attempts), 1, 100,
	    NULL },
	{ "alert_retry_base_s", CFG_INT, OFF(alert_retry_base_s), 0, 86400,
	    NULL },
	{ "alert_connect_timeout_ms", CFG_INT, OFF(alert_connect_timeout_ms),
	    100, 60000, NULL },
	{ "alert_timeout_ms", CFG_INT, OFF(alert_timeout_ms), 100, 120000,
	    NULL },
	{ "gate_max_new_failures", CFG_INT, OFF(gate_max_new_failures), 0,
	    1000000, NULL },
	{ "gate_severity", CFG_ENUM, OFF(gate_severity), 0, 0,
	    gate_severity_choices },
	{ "gate_max_count_drop", CFG_INT, OFF(gate_max_count_drop), 0,
	    100000000, NULL },
	{ "gate_min_pass_rate_pct", CFG_INT, OFF(gate_min_pass_rate_pct), 0,
	    100, NULL },
	{ "export_dir", CFG_STRING, OFF(export_dir), 0, 4096, NULL },
	{ "export_ttl_hours", CFG_INT, OFF(export_ttl_hours), 1, 24 * 3650,
	    NULL },
	{ "export_quota_mb", CFG_INT, OFF(export_quota_mb), 1,
	    1024LL * 1024 * 1024, NULL },
	{ "gate_settle_seconds", CFG_INT, OFF(gate_settle_seconds), 0, 600,
	    NULL },
	{ "public_url", CFG_STRING, OFF(public_url), 0, 1024, NULL },
	{ "history_copy_slices", CFG_INT, OFF(history_copy_slices), 1, 1000,
	    NULL },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Sets the defaults: a private deployment that needs tokens to read. */
static void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->db = strdup("/var/lib/testvis/testvis.db");
	c->enabled = 1;
	c->auth_read = AUTH_READ_TOKEN;
	c->auth_ingest = AUTH_INGEST_TOKEN;
	c->max_body_bytes = 64LL * 1024 * 1024;
	c->max_decompressed_bytes = 2048LL * 1024 * 1024;
	c->max_message_bytes = 4096;
	c->max_text_bytes = 65536;
	c->max_name_bytes = 1024;
	c->base_path = strdup("");
	c->commit_url_template = strdup("");
	c->session_url_template = strdup("");
	c->spool_dir = strdup("");
	c->mapping_rules = strdup("");
	c->repo_path = strdup("");
	c->default_branch = strdup("");
	c->retention_days = 0;
	c->flaky_window = 20;
	c->flaky_flip_activate_pct = 30;
	c->flaky_flip_resolve_pct = 10;
	c->flaky_quiet_days = 7;
	c->flaky_outage_pct = 80;
	c->integrity_shrink_pct = 10;
	c->integrity_shrink_tests = 25;
	c->integrity_collapse_factor = 10;
	c->spool_settle_seconds = 2;
	c->response_cache_kb = 4096;
	c->busy_timeout_ms = 3000;
	c->trace_file = strdup("");
	c->trace_max_bytes = 64LL * 1024 * 1024;
	c->live_max_clients = 2000;
	c->live_keepalive_s = 15;
	c->live_idle_s = 300;
	c->live_poll_ms = 250;
	c->live_ticket_ttl_s = 60;
	c->live_replay = 50;
	c->live_replay_max = 500;
	c->live_client_buffer_kb = 256;
	c->alert_max_attempts = 5;
	c->alert_retry_base_s = 30;
	c->alert_connect_timeout_ms = 5000;
	c->alert_timeout_ms = 10000;
	c->gate_max_new_failures = 0;
	c->gate_severity = 2;		/* high */
	c->gate_max_count_drop = 0;
	c->gate_min_pass_rate_pct = 0;
	c->export_dir = strdup("");
	c->export_ttl_hours = 24;
	c->export_quota_mb = 1024;
	c->gate_settle_seconds = 2;
	c->public_url = strdup("");
	c->history_copy_slices = 8;
}

/* Frees c and its strings; accepts NULL. */
void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->db);
	free(c->base_path);
	free(c->commit_url_template);
	free(c->session_url_template);
	free(c->spool_dir);
	free(c->mapping_rules);
	free(c->repo_path);
	free(c->default_branch);
	free(c->export_dir);
	free(c->trace_file);
	free(c->public_url);
	free(c->gate_projects);
	free(c);
}

/* Predicate: v spells a boolean; stores it in *out. */
static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on", NULL };
	static const char *const no[] = { "0", "false", "no", "off", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 1;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 1;
	return 0;
}

/* A base path is empty or "/seg[/seg...]" without a trailing slash. */
static int
valid_base_path(const char *v)
{
	const char *p;

	if (*v == '\0')
		return 1;
	if (v[0] != '/' || v[strlen(v) - 1] == '/')
		return 0;
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/-._~", *p) == NULL)
			return 0;
	return strstr(v, "//") == NULL;
}

/*
 * A public URL is empty or http(s)://host[/path] of printable ASCII that
 * needs no quoting in Markdown or HTML; a trailing slash is dropped by
 * the caller.
 */
static int
valid_public_url(const char *v)
{
	const char *p;

	if (*v == '\0')
		return 1;
	if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
		return 0;
	for (p = v; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || strchr("\"'<>\\`()[]{}|^", *p) !=
		    NULL)
			return 0;
	return strlen(v) > (v[4] == 's' ? 8 : 7);
}

/*
 * Stores value v for key k into c.  Returns 0, or -1 with a message in err
 * (what was wrong, without the file/line prefix the caller adds).
 */
static int
config_set(struct config *c, const struct cfg_key *k, const char *v,
    char *err, size_t errsz)
{
	char *field = (char *)c + k->off, *end;
	long long n;
	int i;

	if (!utf8_valid(v, strlen(v))) {
		snprintf(err, errsz, "bad value for '%s': not UTF-8", k->name);
		return -1;
	}
	switch (k->type) {
	case CFG_STRING:
		if ((long long)strlen(v) < k->min ||
		    (long long)strlen(v) > k->max) {
			snprintf(err, errsz, "bad value for '%s': length must "
			    "be %lld..%lld", k->name, k->min, k->max);
			return -1;
		}
		if (k->off == OFF(base_path) && !valid_base_path(v)) {
			snprintf(err, errsz, "bad value for 'base_path': '%s' "
			    "(expected empty or /path without trailing "
			    "slash)", v);
			return -1;
		}
		if (k->off == OFF(public_url) && !valid_public_url(v)) {
			snprintf(err, errsz, "bad value for 'public_url': '%s' "
			    "(expected empty or http(s)://host[/path])", v);
			return -1;
		}
		free(*(char **)field);
		if ((*(char **)field = strdup(v)) == NULL)
			abort();
		if (k->off == OFF(public_url) && *v != '\0' &&
		    (*(char **)field)[strlen(v) - 1] == '/')
			(*(char **)field)[strlen(v) - 1] = '\0';
		return 0;
	case CFG_BOOL:
		if (!parse_bool(v, (int *)field)) {
			snprintf(err, errsz, "bad value for '%s': '%s' "
			    "(expected true or false)", k->name, v);
			return -1;
		}
		return 0;
	case CFG_INT:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || n < k->min ||
		    n > k->max) {
			snprintf(err, errsz, "bad value for '%s': '%s' "
			    "(expected an integer in %lld..%lld)", k->name, v,
			    k->min, k->max);
			return -1;
		}
		*(long long *)field = n;
		return 0;
	case CFG_ENUM:
		for (i = 0; k->choices[i] != NULL; i++)
			if (strcmp(v, k->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		snprintf(err, errsz, "bad value for '%s': '%s' (expected %s "
		    "or %s)", k->name, v, k->choices[0], k->choices[1]);
		return -1;
	default:
		abort();
	}
}

/* Trims ASCII white space at both ends of s in place; returns s. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/*
 * A per-project gate rule "gate_KEY.SLUG = v" (KEY one of the four gate
 * rules): stores v as SLUG's KEY in c->gate_projects, at most
 * CONFIG_GATE_PROJECTS projects.  Returns 0, or -1 with a message in err.
 */
static int
config_gate_key(struct config *c, const char *key, const char *v,
    char *err, size_t errsz)
{
	static const char *const names[] = { "gate_max_new_failures",
	    "gate_severity", "gate_max_count_drop", "gate_min_pass_rate_pct",
	    NULL };
	const char *slug = strchr(key, '.') + 1;
	struct config_gate *g = NULL;
	struct cfg_key k;
	struct config tmp;
	size_t i, j, n = (size_t)(slug - 1 - key);

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && memcmp(names[i], key, n) == 0)
			break;
	if (names[i] == NULL) {
		snprintf(err, errsz, "unknown key '%.*s' (only the gate_* "
		    "rules take a .PROJECT suffix)", UTF8_CUT(key, 64));
		return -1;
	}
	if (!param_is_slug(slug, strlen(slug))) {
		snprintf(err, errsz, "bad project in '%.*s': the slug must "
		    "match [a-z0-9][a-z0-9-]{0,63}", UTF8_CUT(key, 100));
		return -1;
	}
	for (j = 0; j < NKEYS; j++)
		if (strcmp(keys[j].name, names[i]) == 0)
			break;
	k = keys[j];
	k.name = key;
	memset(&tmp, 0, sizeof(tmp));
	if (config_set(&tmp, &k, v, err, errsz) == -1)
		return -1;
	if (c->gate_projects == NULL && (c->gate_projects = calloc(
	    CONFIG_GATE_PROJECTS, sizeof(*c->gate_projects))) == NULL)
		abort();
	for (j = 0; j < c->ngate_projects; j++)
		if (strcmp(c->gate_projects[j].slug, slug) == 0)
			g = &c->gate_projects[j];
	if (g == NULL && c->ngate_projects == CONFIG_GATE_PROJECTS) {
		snprintf(err, errsz, "'%s': too many projects with their own "
		    "gate rules (at most %d)", key, CONFIG_GATE_PROJECTS);
		return -1;
	}
	if (g == NULL) {
		g = &c->gate_projects[c->ngate_projects++];
		snprintf(g->slug, sizeof(g->slug), "%s", slug);
	}
	if (g->set & (1u << i)) {
		snprintf(err, errsz, "duplicate key '%s'", key);
		return -1;
	}
	g->set |= 1u << i;
	if (i == 0)
		g->max_new_failures = tmp.gate_max_new_failures;
	else if (i == 1)
		g->severity = tmp.gate_severity;
	else if (i == 2)
		g->max_count_drop = tmp.gate_max_count_drop;
	else
		g->min_pass_rate_pct = tmp.gate_min_pass_rate_pct;
	return 0;
}

/*
 * The gate rules testvis.conf gives project slug (`gate_KEY.SLUG`; its
 * set bits say which), borrowed from c; NULL when it gives none.
 */
const struct config_gate *
config_gate_project(const struct config *c, const char *slug)
{
	size_t i;

	for (i = 0; slug != NULL && i < c->ngate_projects; i++)
		if (strcmp(c->gate_projects[i].slug, slug) == 0)
			return &c->gate_projects[i];
	return NULL;
}

/*
 * Parses the file at path into c.  Returns 0, or -1 with "path:line: what"
 * in err.
 */
static int
config_read_file(struct config *c, const char *path, char *err, size_t errsz)
{
	FILE *f;
	char line[8192], msg[512], *key, *val, *eq;
	unsigned char seen[NKEYS];
	size_t i;
	int lineno = 0, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	memset(seen, 0, sizeof(seen));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errsz, "%s:%d: expected 'key = value'",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (val[0] == '"' && strlen(val) >= 2 &&
		    val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		if (strchr(key, '.') != NULL) {
			if (config_gate_key(c, key, val, msg,
			    sizeof(msg)) == -1) {
				snprintf(err, errsz, "%s:%d: %s", path, lineno,
				    msg);
				goto out;
			}
			continue;
		}
		for (i = 0; i < NKEYS; i++)
			if (strcmp(keys[i].name, key) == 0)
				break;
		if (i == NKEYS) {
			snprintf(err, errsz, "%s:%d: unknown key '%.*s'",
			    path, lineno, UTF8_CUT(key, 64));
			goto out;
		}
		if (seen[i]) {
			snprintf(err, errsz, "%s:%d: duplicate key '%s'",
			    path, lineno, key);
			goto out;
		}
		seen[i] = 1;
		if (config_set(c, &keys[i], val, msg, sizeof(msg)) == -1) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* Applies one environment override; -1 with err naming the variable. */
static int
config_env(struct config *c, const char *var, const char *key, char *err,
    size_t errsz)
{
	const char *v = getenv(var);
	char msg[512];
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			break;
	if (config_set(c, &keys[i], v, msg, sizeof(msg)) == -1) {
		snprintf(err, errsz, "environment %s: %s", var, msg);
		return -1;
	}
	return 0;
}

/*
 * Loads the configuration: defaults, then the file at path (NULL or "" for
 * none), then the environment overrides.  Returns a config the caller frees
 * with config_free(), or NULL with a message in err.
 */
struct config *
config_load(const char *path, char *err, size_t errsz)
{
	struct config *c;

	if ((c = malloc(sizeof(*c))) == NULL)
		abort();
	config_defaults(c);
	if (path != NULL && *path != '\0') {
		if ((c->path = strdup(path)) == NULL)
			abort();
		if (config_read_file(c, path, err, errsz) == -1)
			goto fail;
	}
	if (config_env(c, "TESTVIS_DB", "db", err, errsz) == -1 ||
	    config_env(c, "TESTVIS_ENABLED", "enabled", err, errsz) == -1)
		goto fail;
	return c;
fail:
	config_free(c);
	return NULL;
}
