/* Unit tests for lib/base/config.c: keys, values, errors and env overrides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static char path[] = "/tmp/t-config-XXXXXX";
static char err[512];

/* Writes text to the scratch file and loads it. */
static struct config *
load(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	return config_load(path, err, sizeof(err));
}

/* Loads text expecting failure; returns the error message. */
static const char *
load_err(const char *text)
{
	struct config *c = load(text);

	if (c != NULL) {
		config_free(c);
		return "(loaded)";
	}
	/* drop the "/tmp/t-config-XXXXXX" prefix */
	return strchr(err, ':') != NULL ? strchr(err, ':') + 1 : err;
}

int
main(void)
{
	struct config *c;
	int fd;

	unsetenv("TESTVIS_DB");
	unsetenv("TESTVIS_ENABLED");
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);

	c = config_load(NULL, err, sizeof(err));
	ok(c != NULL, "defaults load without a file");
	check_int(c->enabled, ==, 1);
	check_int(c->auth_read, ==, AUTH_READ_TOKEN);
	check_int(c->auth_ingest, ==, AUTH_INGEST_TOKEN);
	check_str(c->base_path, "");
	config_free(c);

	c = load("# comment\n\ndb = /x/y.db\nenabled = false\n"
	    "auth_read = public\n  auth_ingest=open  \n"
	    "max_body_bytes = 2048\nbase_path = \"/tv\"\n");
	ok(c != NULL, "full file loads");
	if (c != NULL) {
		check_str(c->db, "/x/y.db");
		check_int(c->enabled, ==, 0);
		check_int(c->auth_read, ==, AUTH_READ_PUBLIC);
		check_int(c->auth_ingest, ==, AUTH_INGEST_OPEN);
		check_int(c->max_body_bytes, ==, 2048);
		check_str(c->base_path, "/tv");
		config_free(c);
	}

	check_str(load_err("db = a\nbogus = 1\n"), "2: unknown key 'bogus'");
	check_str(load_err("enabled = maybe\n"),
	    "1: bad value for 'enabled': 'maybe' (expected true or false)");
	check_str(load_err("\n\nauth_read = everyone\n"),
	    "3: bad value for 'auth_read': 'everyone' (expected token or "
	    "public)");
	check_str(load_err("max_body_bytes = 12k\n"),
	    "1: bad value for 'max_body_bytes': '12k' (expected an integer "
	    "in 1024..4294967296)");
	check_str(load_err("max_body_bytes = 10\n"),
	    "1: bad value for 'max_body_bytes': '10' (expected an integer "
	    "in 1024..4294967296)");
	check_str(load_err("db = a\ndb = b\n"), "2: duplicate key 'db'");
	check_str(load_err("just words\n"), "1: expected 'key = value'");
	check_str(load_err("db =\n"),
	    "1: bad value for 'db': length must be 1..4096");
	check_str(load_err("base_path = /tv/\n"),
	    "1: bad value for 'base_path': '/tv/' (expected empty or /path "
	    "without trailing slash)");

	/* per-project gate rules (gate_KEY.SLUG) and the public URL */
	c = load("gate_max_new_failures = 1\ngate_max_new_failures.web = 3\n"
	    "gate_severity.web = critical\ngate_min_pass_rate_pct.api = 90\n"
	    "public_url = https://tv.example.com/x/\n");
	ok(c != NULL, "per-project gate keys load");
	if (c != NULL) {
		const struct config_gate *g = config_gate_project(c, "web");

		ok(g != NULL && g->set == (CONFIG_GATE_NEW |
		    CONFIG_GATE_SEVERITY), "web sets two rules");
		check_int(g != NULL ? g->max_new_failures : -1, ==, 3);
		check_int(g != NULL ? g->severity : -1, ==, 3);
		g = config_gate_project(c, "api");
		check_int(g != NULL ? g->min_pass_rate_pct : -1, ==, 90);
		ok(config_gate_project(c, "other") == NULL,
		    "a project without rules: none");
		check_int(c->gate_max_new_failures, ==, 1);
		check_str(c->public_url, "https://tv.example.com/x");
		config_free(c);
	}
	check_str(load_err("gate_max_new_failures.web = 1\n"
	    "gate_max_new_failures.web = 2\n"),
	    "2: duplicate key 'gate_max_new_failures.web'");
	check_str(load_err("gate_max_count_drop.web = -1\n"),
	    "1: bad value for 'gate_max_count_drop.web': '-1' (expected an "
	    "integer in 0..100000000)");
	check_str(load_err("max_body_bytes.web = 1\n"),
	    "1: unknown key 'max_body_bytes.web' (only the gate_* rules take "
	    "a .PROJECT suffix)");
	check_str(load_err("gate_severity.-x = low\n"),
	    "1: bad project in 'gate_severity.-x': the slug must match "
	    "[a-z0-9][a-z0-9-]{0,63}");
	check_str(load_err("public_url = ftp://x\n"),
	    "1: bad value for 'public_url': 'ftp://x' (expected empty or "
	    "http(s)://host[/path])");
	check_str(load_err("public_url = https://x/a b\n"),
	    "1: bad value for 'public_url': 'https://x/a b' (expected empty "
	    "or http(s)://host[/path])");

	/* the shipped example is a valid file (run from the source tree) */
	if (access("conf/testvis.conf", R_OK) == 0) {
		c = config_load("conf/testvis.conf", err, sizeof(err));
		ok(c != NULL, "conf/testvis.conf loads");
		if (c == NULL)
			printf("# %s\n", err);
		config_free(c);
	}

	c = config_load("/nonexistent/testvis.conf", err, sizeof(err));
	ok(c == NULL && strstr(err, "No such file") != NULL,
	    "missing file is an error naming the cause");

	setenv("TESTVIS_DB", "/env/db.sqlite", 1);
	setenv("TESTVIS_ENABLED", "0", 1);
	c = load("db = /file.db\n");
	ok(c != NULL, "env overrides load");
	if (c != NULL) {
		check_str(c->db, "/env/db.sqlite");
		check_int(c->enabled, ==, 0);
		config_free(c);
	}
	setenv("TESTVIS_ENABLED", "perhaps", 1);
	c = config_load(NULL, err, sizeof(err));
	ok(c == NULL, "bad env value rejected");
	check_str(err, "environment TESTVIS_ENABLED: bad value for 'enabled': "
	    "'perhaps' (expected true or false)");
	unlink(path);
	return done_testing();
}
