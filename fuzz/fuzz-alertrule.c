/*
 * Fuzz harness for alert rule definitions (REP-5): the input is parsed as
 * the body of POST /api/alerts/rules and checked by alertrule_parse()
 * (lib/passes/alertrule.c); a url in it goes through alertsend_url_check()
 * and alertsend_url_mask().  Invariants: a refusal is a 400 naming a
 * field; an accepted rule has a name and a cool-down in range, and its
 * normalised definition (what is stored) parses again, as the alerts pass
 * reads it, to the same rule.
 */
#include <string.h>

#include <jansson.h>

#include "alertrule.h"
#include "alertsend.h"
#include "fault.h"
#include "fuzz.h"

/* Checks a url the way the API does, and its masked form. */
static void
url_check(const json_t *body)
{
	const char *u = json_string_value(json_object_get(body, "url"));
	char why[200], mask[300];

	if (u == NULL)
		return;
	if (alertsend_url_check(u, why, sizeof(why)) == -1)
		FUZZ_CHECK(why[0] != '\0');
	alertsend_url_mask(u, mask, sizeof(mask));
	FUZZ_CHECK(strlen(mask) < sizeof(mask));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert_rule r, again;
	struct fault f;
	json_error_t e;
	json_t *body, *norm = NULL, *norm2 = NULL;

	if ((body = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES, &e)) == NULL)
		return 0;
	url_check(body);
	memset(&f, 0, sizeof(f));
	if (alertrule_parse(body, 0, &r, &norm, &f) == -1) {
		FUZZ_CHECK(fault_status(&f) == 400 && f.code != NULL);
		json_decref(body);
		return 0;
	}
	FUZZ_CHECK(r.name[0] != '\0' && r.cooldown_s >= 0 &&
	    r.cooldown_s <= 7 * 86400);
	memset(&f, 0, sizeof(f));
	FUZZ_CHECK(alertrule_parse(norm, 1, &again, &norm2, &f) == 0);
	FUZZ_CHECK(json_equal(norm, norm2));
	FUZZ_CHECK(again.cond == r.cond && again.channel == r.channel &&
	    again.cooldown_s == r.cooldown_s &&
	    strcmp(again.branch, r.branch) == 0 &&
	    strcmp(again.job, r.job) == 0);
	json_decref(norm2);
	json_decref(norm);
	json_decref(body);
	return 0;
}
