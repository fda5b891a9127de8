/*
 * An alert rule's definition (REP-5): the JSON an admin posts to
 * /api/alerts/rules, checked and normalised (every key known, every
 * value in range, the defaults of the condition filled in), and read
 * back into a struct alert_rule by the batch `alerts` pass.  The webhook
 * URL and the secret are not part of the stored definition: the API
 * (lib/views/alerts.c) keeps them apart and this module only lets their
 * keys through.  Owns nothing: the normalised JSON is the caller's.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alertrule.h"
#include "fault.h"
#include "jval.h"
#include "utf8.h"

const char *const alert_conditions[] = {
	[AC_RUN_FAILED] = "run_failed",
	[AC_PASS_RATE] = "pass_rate_below",
	[AC_NEW_FAILURE] = "new_failure",
	[AC_FLAKY] = "flaky_detected",
	[AC_INCIDENT] = "incident_opened",
	[AC_SIGNAL] = "integrity_signal",
	[AC_DURATION] = "duration_regression",
	[AC_COUNT_DROP] = "test_count_drop",
	[AC__MAX] = NULL
};

const char *const alert_severities[] = { "low", "medium", "high",
    "critical", NULL };
static const char *const channels[] = { "webhook", "log", NULL };
static const char *const formats[] = { "json", "slack", NULL };

#define COOLDOWN_DEFAULT	3600		/* seconds */
#define COOLDOWN_MAX		(7 * 86400)

/*
 * The numeric parameters of the conditions: the key, the condition it
 * belongs to, its range and default (0 default: required).
 */
static const struct num_key {
	const char	*key;
	int		 cond;
	long		 min, max, dflt;
	size_t		 off;
} num_keys[] = {
	{ "threshold_pct", AC_PASS_RATE, 1, 100, 0,
	    offsetof(struct alert_rule, threshold_pct) },
	{ "runs", AC_PASS_RATE, 1, 100, 5,
	    offsetof(struct alert_rule, runs) },
	{ "runs", AC_DURATION, 3, 100, 10,
	    offsetof(struct alert_rule, runs) },
	{ "regression_pct", AC_DURATION, 1, 10000, 50,
	    offsetof(struct alert_rule, regression_pct) },
	{ "min_drop", AC_COUNT_DROP, 1, 100000000, 1,
	    offsetof(struct alert_rule, min_drop) },
};
#define NNUM (sizeof(num_keys) / sizeof(num_keys[0]))

/* The index of s in the NULL-terminated list, or -1. */
static int
choice(const char *const *list, const char *s)
{
	int i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/* The rank of severity name s (0 low .. 3 critical), or -1. */
int
alertrule_severity(const char *s)
{
	return choice(alert_severities, s);
}

/* Predicate: condition c is judged per run (else per event). */
int
alertrule_run_level(int c)
{
	return c == AC_RUN_FAILED || c == AC_PASS_RATE ||
	    c == AC_NEW_FAILURE || c == AC_DURATION || c == AC_COUNT_DROP;
}

/*
 * Predicate: rule r follows branch (NULL: a run without one) and job
 * (NULL: none; NULL ask for nothing when r names no job).
 */
int
alertrule_matches(const struct alert_rule *r, const char *branch,
    const char *job)
{
	if (r->job[0] != '\0' && (job == NULL || strcmp(job, r->job) != 0))
		return 0;
	if (strcmp(r->branch, "*") == 0)
		return 1;
	return branch != NULL && fnmatch(r->branch, branch, 0) == 0;
}

/* Copies string key k of body (1..max characters) into dst (dstsz
 * bytes; dflt when absent, NULL: required).  0 or -1 with f set. */
static int
text_key(const json_t *body, const char *k, size_t max, const char *dflt,
    char *dst, size_t dstsz, struct fault *f)
{
	json_t *v = json_object_get(body, k);
	const char *s = json_string_value(v);
	size_t n;

	if ((v == NULL || json_is_null(v)) && dflt != NULL) {
		snprintf(dst, dstsz, "%s", dflt);
		return 0;
	}
	if (v == NULL)
		return fault_param(f, k, "missing", "%s is required", k), -1;
	if (s == NULL || (n = json_string_length(v)) != strlen(s) ||
	    !utf8_valid(s, n) || utf8_count(s, n) < 1 ||
	    utf8_count(s, n) > max || n >= dstsz)
		return fault_param(f, k, "invalid", "%s must be a string of 1 "
		    "to %zu characters", k, max), -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* Reads choice key k of body (one of list; dflt when absent, -1:
 * required) into *out.  0 or -1 with f set. */
static int
choice_key(const json_t *body, const char *k, const char *const *list,
    int dflt, const char *what, int *out, struct fault *f)
{
	json_t *v = json_object_get(body, k);

	if ((v == NULL || json_is_null(v)) && dflt >= 0) {
		*out = dflt;
		return 0;
	}
	if (v == NULL)
		return fault_param(f, k, "missing", "%s is required: %s", k,
		    what), -1;
	if ((*out = choice(list, json_string_value(v))) < 0)
		return fault_param(f, k, "invalid", "%s must be %s", k, what),
		    -1;
	return 0;
}

/* Reads the numeric keys of r's condition from body into r and norm,
 * refusing those of other conditions.  0 or -1 with f set. */
static int
numbers(const json_t *body, struct alert_rule *r, json_t *norm,
    struct fault *f)
{
	const struct num_key *n;
	json_t *v;
	size_t i, j;
	long long x;

	for (i = 0; i < NNUM; i++) {
		n = &num_keys[i];
		v = json_object_get(body, n->key);
		if (n->cond != r->cond) {
			for (j = 0; j < NNUM; j++)
				if (num_keys[j].cond == r->cond &&
				    strcmp(num_keys[j].key, n->key) == 0)
					break;
			if (v != NULL && j == NNUM)
				return fault_param(f, n->key, "invalid",
				    "%s does not apply to the condition %s",
				    n->key, alert_conditions[r->cond]), -1;
			continue;
		}
		if (v == NULL && n->dflt == 0)
			return fault_param(f, n->key, "missing", "the condition "
			    "%s needs %s", alert_conditions[r->cond], n->key),
			    -1;
		x = v == NULL ? n->dflt : json_is_integer(v) ?
		    json_integer_value(v) : n->min - 1;
		if (x < n->min || x > n->max)
			return fault_param(f, n->key, "invalid", "%s must be an "
			    "integer from %ld to %ld", n->key, n->min, n->max),
			    -1;
		*(int *)(void *)((char *)r + n->off) = (int)x;
		jval_set(norm, n->key, jval_int(x));
	}
	return 0;
}

/* Reads the condition's severity, the cool-down and enabled of body
 * into r and norm.  0 or -1 with f set. */
static int
extras(const json_t *body, struct alert_rule *r, json_t *norm,
    struct fault *f)
{
	json_t *v = json_object_get(body, "min_severity");

	if (r->cond == AC_SIGNAL) {
		if (choice_key(body, "min_severity", alert_severities, 2,
		    "low, medium, high or critical", &r->min_severity, f) ==
		    -1)
			return -1;
		jval_set(norm, "min_severity",
		    jval_str(alert_severities[r->min_severity]));
	} else if (v != NULL)
		return fault_param(f, "min_severity", "invalid", "min_severity "
		    "applies only to the condition integrity_signal"), -1;
	v = json_object_get(body, "cooldown_s");
	r->cooldown_s = v == NULL ? COOLDOWN_DEFAULT : json_is_integer(v) ?
	    json_integer_value(v) : -1;
	if (r->cooldown_s < 0 || r->cooldown_s > COOLDOWN_MAX)
		return fault_param(f, "cooldown_s", "invalid", "cooldown_s must "
		    "be an integer from 0 to %d (seconds)", COOLDOWN_MAX), -1;
	jval_set(norm, "cooldown_s", jval_int(r->cooldown_s));
	v = json_object_get(body, "enabled");
	if (v != NULL && !json_is_boolean(v))
		return fault_param(f, "enabled", "invalid", "enabled must be "
		    "true or false"), -1;
	r->enabled = v == NULL || json_is_true(v);
	jval_set(norm, "enabled", json_boolean(r->enabled));
	return 0;
}

/* Checks that body has only known keys (url and secret too when the
 * definition comes from a client).  0 or -1 with f set. */
static int
known_keys(const json_t *body, int stored, struct fault *f)
{
	static const char *const known[] = { "name", "condition", "branch",
	    "job", "cooldown_s", "threshold_pct", "runs", "min_severity",
	    "regression_pct", "min_drop", "channel", "format", "enabled",
	    "url", "secret", NULL };
	const char *key;
	json_t *v;
	int k;

	if (!json_is_object(body))
		return fault_set(f, FAULT_BAD_INPUT, "invalid_json", "the body "
		    "must be a JSON object"), -1;
	json_object_foreach((json_t *)body, key, v) {
		k = choice(known, key);
		if (k < 0 || (stored && (strcmp(key, "url") == 0 ||
		    strcmp(key, "secret") == 0)))
			return fault_param(f, "body", "unknown", "unknown key "
			    "'%.64s': a rule takes name, condition, branch, job, "
			    "cooldown_s, threshold_pct, runs, min_severity, "
			    "regression_pct, min_drop, channel, url, format, "
			    "secret and enabled", key), -1;
	}
	return 0;
}

/*
 * Reads definition body into *r and, when norm is not NULL, its
 * normalised JSON into *norm (the caller's; without url and secret,
 * which a client's definition (stored 0) may carry and a stored one may
 * not).  Returns 0, or -1 with f set naming the key at fault.
 */
int
alertrule_parse(const json_t *body, int stored, struct alert_rule *r,
    json_t **norm, struct fault *f)
{
	json_t *n;

	memset(r, 0, sizeof(*r));
	if (norm != NULL)
		*norm = NULL;
	if (known_keys(body, stored, f) == -1)
		return -1;
	n = jval_object();
	if (text_key(body, "name", 100, NULL, r->name, sizeof(r->name), f) ==
	    -1 || choice_key(body, "condition", alert_conditions, -1,
	    "run_failed, pass_rate_below, new_failure, flaky_detected, "
	    "incident_opened, integrity_signal, duration_regression or "
	    "test_count_drop", &r->cond, f) == -1 ||
	    text_key(body, "branch", 200, "*", r->branch, sizeof(r->branch),
	    f) == -1 || text_key(body, "job", 150, "", r->job, sizeof(r->job),
	    f) == -1 || choice_key(body, "channel", channels, -1,
	    "webhook or log", &r->channel, f) == -1 ||
	    choice_key(body, "format", formats, AF_JSON, "json or slack",
	    &r->format, f) == -1 || numbers(body, r, n, f) == -1 ||
	    extras(body, r, n, f) == -1) {
		json_decref(n);
		return -1;
	}
	if (r->cond == AC_FLAKY && (strcmp(r->branch, "*") != 0 ||
	    r->job[0] != '\0')) {
		json_decref(n);
		return fault_param(f, "branch", "invalid", "a flaky test is "
		    "judged over every branch and job: flaky_detected takes "
		    "neither branch nor job"), -1;
	}
	if (r->channel == ACH_LOG && json_object_get(body, "format") != NULL) {
		json_decref(n);
		return fault_param(f, "format", "invalid", "format applies "
		    "only to the webhook channel"), -1;
	}
	jval_set(n, "name", jval_str(r->name));
	jval_set(n, "condition", jval_str(alert_conditions[r->cond]));
	jval_set(n, "branch", jval_str(r->branch));
	jval_set(n, "job", r->job[0] != '\0' ? jval_str(r->job) : json_null());
	jval_set(n, "channel", jval_str(channels[r->channel]));
	if (r->channel == ACH_WEBHOOK)
		jval_set(n, "format", jval_str(formats[r->format]));
	if (norm != NULL)
		*norm = n;
	else
		json_decref(n);
	return 0;
}
