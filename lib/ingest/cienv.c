/*
 * Run metadata from the environment of a CI build, for `testvis ingest`
 * (SPEC ING-6): which provider runs us and what it says about the
 * branch, commit, job, build page and build id.  A pure mapping from
 * an environment (read through a lookup function, getenv in the CLI, a
 * table in t/unit/t-cienv.c) to a struct cienv; what wins over what is
 * the caller's (bin/testvis.c: flags > sidecar > these > the reports).
 *
 * Providers, detected by the variable each sets to say it is there:
 *
 *	GitHub Actions	GITHUB_ACTIONS=true
 *	GitLab CI	GITLAB_CI=true
 *	Jenkins		JENKINS_URL (non-empty)
 *	Buildkite	BUILDKITE=true
 *	CircleCI	CIRCLECI=true
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cienv.h"
#include "utf8.h"
#include "xalloc.h"

/* The variable name, or NULL when unset or empty. */
static const char *
env(cienv_get get, const char *name)
{
	const char *v = get(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The first of two variables that is set, or NULL. */
static const char *
env2(cienv_get get, const char *a, const char *b)
{
	const char *v = env(get, a);

	return v != NULL ? v : env(get, b);
}

/*
 * Sets field f of ci to a copy of v (NULL: leaves it unset), cut on a
 * character to the field's longest valid length.
 */
static void
set(struct cienv *ci, enum meta_field f, const char *v)
{
	char *s;
	int n;

	if (v == NULL)
		return;
	n = (int)utf8_prefix(v, strlen(v),
	    (size_t)ingestmeta_spec[f].max);
	s = xmalloc((size_t)n + 1);
	memcpy(s, v, (size_t)n);
	s[n] = '\0';
	free(ci->meta[f]);
	ci->meta[f] = s;
}

/* A copy of a, or of "a-b" when b is set; NULL when a is unset. */
static char *
join(const char *a, const char *b)
{
	char *s;
	size_t n;

	if (a == NULL)
		return NULL;
	if (b == NULL)
		return xstrdup(a);
	n = strlen(a) + strlen(b) + 2;
	s = xmalloc(n);
	snprintf(s, n, "%s-%s", a, b);
	return s;
}

/*
 * GitHub Actions.  A pull request's branch is its head (GITHUB_HEAD_REF),
 * not the "123/merge" ref; the build is the workflow run and its attempt.
 */
static void
read_github(cienv_get get, struct cienv *ci)
{
	const char *srv = env(get, "GITHUB_SERVER_URL");
	const char *repo = env(get, "GITHUB_REPOSITORY");
	const char *run = env(get, "GITHUB_RUN_ID");
	char url[2048];

	ci->provider = "github";
	set(ci, META_BRANCH, env2(get, "GITHUB_HEAD_REF", "GITHUB_REF_NAME"));
	set(ci, META_GIT_SHA, env(get, "GITHUB_SHA"));
	set(ci, META_JOB, env(get, "GITHUB_JOB"));
	if (srv != NULL && repo != NULL && run != NULL &&
	    snprintf(url, sizeof(url), "%s/%s/actions/runs/%s", srv, repo,
	    run) < (int)sizeof(url))
		set(ci, META_CI_URL, url);
	ci->build = join(run, run != NULL ? env(get, "GITHUB_RUN_ATTEMPT") :
	    NULL);
}

/*
 * GitLab CI.  The build is the pipeline; a `parallel:` job's name ends in
 * " I/N", which is cut so that its nodes are shards of one job.
 */
static void
read_gitlab(cienv_get get, struct cienv *ci)
{
	const char *job = env(get, "CI_JOB_NAME");
	const char *node = env(get, "CI_NODE_INDEX");
	const char *total = env(get, "CI_NODE_TOTAL");
	char suffix[64];
	size_t n, k;

	ci->provider = "gitlab";
	set(ci, META_BRANCH, env(get, "CI_COMMIT_REF_NAME"));
	set(ci, META_GIT_SHA, env(get, "CI_COMMIT_SHA"));
	set(ci, META_JOB, job);
	set(ci, META_CI_URL, env(get, "CI_JOB_URL"));
	ci->build = join(env(get, "CI_PIPELINE_ID"), NULL);
	if (node == NULL || total == NULL || strcmp(total, "1") == 0)
		return;
	ci->node = xstrdup(node);
	if (ci->meta[META_JOB] != NULL && snprintf(suffix, sizeof(suffix),
	    " %s/%s", node, total) < (int)sizeof(suffix)) {
		n = strlen(ci->meta[META_JOB]);
		k = strlen(suffix);
		if (n > k && strcmp(ci->meta[META_JOB] + n - k, suffix) == 0)
			ci->meta[META_JOB][n - k] = '\0';
	}
}

/*
 * Jenkins.  BRANCH_NAME is a multibranch pipeline's; GIT_BRANCH (the Git
 * plugin's) loses its "origin/".  The build is BUILD_NUMBER, which counts
 * per job, so the job is always part of the run id.
 */
static void
read_jenkins(cienv_get get, struct cienv *ci)
{
	const char *b = env(get, "BRANCH_NAME");

	ci->provider = "jenkins";
	if (b == NULL && (b = env(get, "GIT_BRANCH")) != NULL &&
	    strncmp(b, "origin/", 7) == 0 && b[7] != '\0')
		b += 7;
	set(ci, META_BRANCH, b);
	set(ci, META_GIT_SHA, env(get, "GIT_COMMIT"));
	set(ci, META_JOB, env(get, "JOB_NAME"));
	set(ci, META_CI_URL, env(get, "BUILD_URL"));
	ci->build = join(env(get, "BUILD_NUMBER"), NULL);
}

/*
 * Buildkite.  The job is the step's key when it has one (stable, meant
 * as an id), else its label; `parallelism:` nodes are shards.
 */
static void
read_buildkite(cienv_get get, struct cienv *ci)
{
	const char *node = env(get, "BUILDKITE_PARALLEL_JOB");

	ci->provider = "buildkite";
	set(ci, META_BRANCH, env(get, "BUILDKITE_BRANCH"));
	set(ci, META_GIT_SHA, env(get, "BUILDKITE_COMMIT"));
	set(ci, META_JOB, env2(get, "BUILDKITE_STEP_KEY", "BUILDKITE_LABEL"));
	set(ci, META_CI_URL, env(get, "BUILDKITE_BUILD_URL"));
	ci->build = join(env(get, "BUILDKITE_BUILD_ID"), NULL);
	if (node != NULL)
		ci->node = xstrdup(node);
}

/* CircleCI.  The build is the workflow; `parallelism:` nodes are shards. */
static void
read_circleci(cienv_get get, struct cienv *ci)
{
	const char *node = env(get, "CIRCLE_NODE_INDEX");
	const char *total = env(get, "CIRCLE_NODE_TOTAL");

	ci->provider = "circleci";
	set(ci, META_BRANCH, env(get, "CIRCLE_BRANCH"));
	set(ci, META_GIT_SHA, env(get, "CIRCLE_SHA1"));
	set(ci, META_JOB, env(get, "CIRCLE_JOB"));
	set(ci, META_CI_URL, env(get, "CIRCLE_BUILD_URL"));
	ci->build = join(env(get, "CIRCLE_WORKFLOW_ID"), NULL);
	if (node != NULL && total != NULL && strcmp(total, "1") != 0)
		ci->node = xstrdup(node);
}

/*
 * Fills ci (which the caller owns and frees with cienv_free) from the
 * environment that get reads.  Returns 1 when a CI provider was found,
 * else 0 with ci empty.
 */
int
cienv_read(cienv_get get, struct cienv *ci)
{
	const char *v;

	memset(ci, 0, sizeof(*ci));
	if ((v = env(get, "GITHUB_ACTIONS")) != NULL && strcmp(v, "true") == 0)
		read_github(get, ci);
	else if ((v = env(get, "GITLAB_CI")) != NULL && strcmp(v, "true") == 0)
		read_gitlab(get, ci);
	else if (env(get, "JENKINS_URL") != NULL)
		read_jenkins(get, ci);
	else if ((v = env(get, "BUILDKITE")) != NULL && strcmp(v, "true") == 0)
		read_buildkite(get, ci);
	else if ((v = env(get, "CIRCLECI")) != NULL && strcmp(v, "true") == 0)
		read_circleci(get, ci);
	return ci->provider != NULL;
}

/* Frees what ci holds and leaves it empty; ci itself is the caller's. */
void
cienv_free(struct cienv *ci)
{
	int i;

	for (i = 0; i < META__MAX; i++)
		free(ci->meta[i]);
	free(ci->build);
	free(ci->node);
	memset(ci, 0, sizeof(*ci));
}

/*
 * Makes s a valid run id or shard label in place: every byte outside
 * [A-Za-z0-9._:/-] becomes '_', and it is cut to CIENV_ID_MAX bytes.
 */
void
cienv_label(char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == CIENV_ID_MAX) {
			s[i] = '\0';
			break;
		}
		if (strchr("._:/-", s[i]) == NULL &&
		    !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			s[i] = '_';
	}
}

/*
 * The run id of this build for job (NULL: none): "<provider>-<build>" or
 * "<provider>-<build>-<job>", made a valid label, into out.  Returns 0,
 * or -1 when ci has no build id (no CI, or the variable is unset).
 */
int
cienv_run_id(const struct cienv *ci, const char *job, char *out,
    size_t outsz)
{
	if (ci->provider == NULL || ci->build == NULL || outsz == 0)
		return -1;
	if (job != NULL && *job != '\0')
		snprintf(out, outsz, "%s-%s-%s", ci->provider, ci->build, job);
	else
		snprintf(out, outsz, "%s-%s", ci->provider, ci->build);
	cienv_label(out);
	return 0;
}
