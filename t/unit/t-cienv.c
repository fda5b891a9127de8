/*
 * Unit tests for lib/ingest/cienv.c (issue 13 item 2): each CI
 * provider's variables map to branch, git_sha, job, ci_url, the build
 * id and the run id, read from a table instead of the real environment.
 */
#include <string.h>

#include "cienv.h"
#include "tap.h"

/* The environment of the test at hand: NAME, VALUE pairs, NULL-ended. */
static const char *const *envtab;

/* Looks name up in envtab. */
static const char *
lookup(const char *name)
{
	int i;

	for (i = 0; envtab[i] != NULL; i += 2)
		if (strcmp(envtab[i], name) == 0)
			return envtab[i + 1];
	return NULL;
}

/* Reads tab into ci; returns cienv_read's answer. */
static int
read_tab(const char *const *tab, struct cienv *ci)
{
	envtab = tab;
	return cienv_read(lookup, ci);
}

/* A field of ci, "(null)" when unset, for check_str. */
static const char *
f(const struct cienv *ci, enum meta_field k)
{
	return ci->meta[k] != NULL ? ci->meta[k] : "(null)";
}

static void
test_none(void)
{
	static const char *const tab[] = { "HOME", "/root",
	    "GITHUB_ACTIONS", "false", "CI", "true", NULL };
	struct cienv ci;
	char id[CIENV_ID_MAX + 1];

	check_int(read_tab(tab, &ci), ==, 0);
	check_int(ci.provider == NULL, ==, 1);
	check_int(cienv_run_id(&ci, "unit", id, sizeof(id)), ==, -1);
	cienv_free(&ci);
}

static void
test_github(void)
{
	static const char *const push[] = { "GITHUB_ACTIONS", "true",
	    "GITHUB_REF_NAME", "main", "GITHUB_HEAD_REF", "",
	    "GITHUB_SHA", "0123abc", "GITHUB_JOB", "unit",
	    "GITHUB_SERVER_URL", "https://github.com",
	    "GITHUB_REPOSITORY", "acme/shop", "GITHUB_RUN_ID", "987",
	    "GITHUB_RUN_ATTEMPT", "2", NULL };
	static const char *const pr[] = { "GITHUB_ACTIONS", "true",
	    "GITHUB_REF_NAME", "42/merge", "GITHUB_HEAD_REF", "feature/x",
	    "GITHUB_RUN_ID", "5", NULL };
	struct cienv ci;
	char id[CIENV_ID_MAX + 1];

	check_int(read_tab(push, &ci), ==, 1);
	check_str(ci.provider, "github");
	check_str(f(&ci, META_BRANCH), "main");
	check_str(f(&ci, META_GIT_SHA), "0123abc");
	check_str(f(&ci, META_JOB), "unit");
	check_str(f(&ci, META_CI_URL),
	    "https://github.com/acme/shop/actions/runs/987");
	check_str(ci.build, "987-2");
	check_int(cienv_run_id(&ci, "unit", id, sizeof(id)), ==, 0);
	check_str(id, "github-987-2-unit");
	check_int(cienv_run_id(&ci, NULL, id, sizeof(id)), ==, 0);
	check_str(id, "github-987-2");
	cienv_free(&ci);

	check_int(read_tab(pr, &ci), ==, 1);
	check_str(f(&ci, META_BRANCH), "feature/x");
	check_str(f(&ci, META_CI_URL), "(null)");
	check_str(ci.build, "5");
	cienv_free(&ci);
}

static void
test_gitlab(void)
{
	static const char *const tab[] = { "GITLAB_CI", "true",
	    "CI_COMMIT_REF_NAME", "dev", "CI_COMMIT_SHA", "feed01",
	    "CI_JOB_NAME", "rspec 2/3", "CI_JOB_URL",
	    "https://gitlab.example/acme/shop/-/jobs/77",
	    "CI_PIPELINE_ID", "55", "CI_NODE_INDEX", "2",
	    "CI_NODE_TOTAL", "3", NULL };
	struct cienv ci;
	char id[CIENV_ID_MAX + 1];

	check_int(read_tab(tab, &ci), ==, 1);
	check_str(ci.provider, "gitlab");
	check_str(f(&ci, META_BRANCH), "dev");
	check_str(f(&ci, META_GIT_SHA), "feed01");
	check_str(f(&ci, META_JOB), "rspec");
	check_str(f(&ci, META_CI_URL),
	    "https://gitlab.example/acme/shop/-/jobs/77");
	check_str(ci.build, "55");
	check_str(ci.node != NULL ? ci.node : "(null)", "2");
	check_int(cienv_run_id(&ci, f(&ci, META_JOB), id, sizeof(id)), ==, 0);
	check_str(id, "gitlab-55-rspec");
	cienv_free(&ci);
}

static void
test_jenkins(void)
{
	static const char *const multi[] = { "JENKINS_URL",
	    "https://ci.example/", "BRANCH_NAME", "release",
	    "GIT_BRANCH", "origin/other", "GIT_COMMIT", "beef02",
	    "JOB_NAME", "shop/release", "BUILD_URL",
	    "https://ci.example/job/shop/12/", "BUILD_NUMBER", "12", NULL };
	static const char *const plain[] = { "JENKINS_URL", "https://ci/",
	    "GIT_BRANCH", "origin/main", "JOB_NAME", "nightly tests",
	    "BUILD_NUMBER", "3", NULL };
	struct cienv ci;
	char id[CIENV_ID_MAX + 1];

	check_int(read_tab(multi, &ci), ==, 1);
	check_str(ci.provider, "jenkins");
	check_str(f(&ci, META_BRANCH), "release");
	check_str(f(&ci, META_GIT_SHA), "beef02");
	check_str(f(&ci, META_JOB), "shop/release");
	check_str(f(&ci, META_CI_URL), "https://ci.example/job/shop/12/");
	check_str(ci.build, "12");
	cienv_free(&ci);

	check_int(read_tab(plain, &ci), ==, 1);
	check_str(f(&ci, META_BRANCH), "main");
	check_int(cienv_run_id(&ci, f(&ci, META_JOB), id, sizeof(id)), ==, 0);
	check_str(id, "jenkins-3-nightly_tests");
	cienv_free(&ci);
}

static void
test_buildkite(void)
{
	static const char *const tab[] = { "BUILDKITE", "true",
	    "BUILDKITE_BRANCH", "main", "BUILDKITE_COMMIT", "c0ffee",
	    "BUILDKITE_LABEL", ":rspec: Tests", "BUILDKITE_STEP_KEY", "",
	    "BUILDKITE_BUILD_URL", "https://buildkite.com/acme/shop/builds/9",
	    "BUILDKITE_BUILD_ID", "0190-uuid", "BUILDKITE_PARALLEL_JOB", "0",
	    NULL };
	static const char *const keyed[] = { "BUILDKITE", "true",
	    "BUILDKITE_LABEL", ":rspec: Tests", "BUILDKITE_STEP_KEY", "rspec",
	    "BUILDKITE_BUILD_ID", "0190-uuid", NULL };
	struct cienv ci;
	char id[CIENV_ID_MAX + 1];

	check_int(read_tab(tab, &ci), ==, 1);
	check_str(ci.provider, "buildkite");
	check_str(f(&ci, META_BRANCH), "main");
	check_str(f(&ci, META_GIT_SHA), "c0ffee");
	check_str(f(&ci, META_JOB), ":rspec: Tests");
	check_str(f(&ci, META_CI_URL),
	    "https://buildkite.com/acme/shop/builds/9");
	check_str(ci.node != NULL ? ci.node : "(null)", "0");
	check_int(cienv_run_id(&ci, f(&ci, META_JOB), id, sizeof(id)), ==, 0);
	check_str(id, "buildkite-0190-uuid-:rspec:_Tests");
	cienv_free(&ci);

	check_int(read_tab(keyed, &ci), ==, 1);
	check_str(f(&ci, META_JOB), "rspec");
	check_int(ci.node == NULL, ==, 1);
	cienv_free(&ci);
}

static void
test_circleci(void)
{
	static const char *const tab[] = { "CIRCLECI", "true",
	    "CIRCLE_BRANCH", "main", "CIRCLE_SHA1", "abc123",
	    "CIRCLE_JOB", "test", "CIRCLE_BUILD_URL",
	    "https://circleci.com/gh/acme/shop/4", "CIRCLE_WORKFLOW_ID",
	    "wf-1", "CIRCLE_NODE_INDEX", "0", "CIRCLE_NODE_TOTAL", "1", NULL };
	struct cienv ci;
	char id[CIENV_ID_MAX + 1];

	check_int(read_tab(tab, &ci), ==, 1);
	check_str(ci.provider, "circleci");
	check_str(f(&ci, META_BRANCH), "main");
	check_str(f(&ci, META_GIT_SHA), "abc123");
	check_str(f(&ci, META_JOB), "test");
	check_str(f(&ci, META_CI_URL), "https://circleci.com/gh/acme/shop/4");
	check_str(ci.build, "wf-1");
	check_int(ci.node == NULL, ==, 1);
	check_int(cienv_run_id(&ci, "test", id, sizeof(id)), ==, 0);
	check_str(id, "circleci-wf-1-test");
	cienv_free(&ci);
}

static void
test_limits(void)
{
	static char longjob[400];
	static const char *tab[] = { "GITHUB_ACTIONS", "true",
	    "GITHUB_JOB", longjob, "GITHUB_RUN_ID", "1", NULL };
	struct cienv ci;
	char id[CIENV_ID_MAX + 1];

	memset(longjob, 'j', sizeof(longjob) - 1);
	check_int(read_tab(tab, &ci), ==, 1);
	check_int((int)strlen(f(&ci, META_JOB)), ==, 128);
	check_int(cienv_run_id(&ci, f(&ci, META_JOB), id, sizeof(id)), ==, 0);
	check_int((int)strlen(id), ==, CIENV_ID_MAX);
	cienv_free(&ci);
}

int
main(void)
{
	test_none();
	test_github();
	test_gitlab();
	test_jenkins();
	test_buildkite();
	test_circleci();
	test_limits();
	return done_testing();
}
