/* Unit tests for lib/base/fault.c: kinds, their statuses, the first wins. */
#include <string.h>

#include "fault.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		enum fault_kind	 kind;
		int		 status;
	} statuses[] = {
		{ FAULT_NONE, 0 }, { FAULT_BAD_INPUT, 400 },
		{ FAULT_NOT_FOUND, 404 }, { FAULT_CONFLICT, 409 },
		{ FAULT_TOO_LARGE, 413 }, { FAULT_BUSY, 503 },
		{ FAULT_FULL, 507 }, { FAULT_STORAGE, 500 },
		{ FAULT_INTERNAL, 500 },
	};
	struct fault f;
	char big[600];
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.kind = statuses[i].kind;
		check_int(fault_status(&f), ==, statuses[i].status);
	}

	memset(&f, 0, sizeof(f));
	fault_set(&f, FAULT_BAD_INPUT, "invalid_xml", "bad at %d", 3);
	fault_set(&f, FAULT_STORAGE, "storage", "later");
	check_int(f.kind, ==, FAULT_BAD_INPUT);
	check_str(f.code, "invalid_xml");
	check_str(f.msg, "bad at 3");
	fault_set(NULL, FAULT_STORAGE, "storage", "nobody asked");
	tap_ok(1, "a NULL fault is ignored");

	memset(&f, 0, sizeof(f));
	fault_param(&f, "cursor", "invalid", "invalid parameter '%s'",
	    "cursor");
	check_int(f.kind, ==, FAULT_BAD_INPUT);
	check_str(f.code, "invalid_param");
	check_str(f.param, "cursor");
	check_str(f.reason, "invalid");
	fault_param(&f, "other", "missing", "later");
	check_str(f.param, "cursor");

	/* a message cut by the buffer ends on a whole character */
	memset(big, 0, sizeof(big));
	for (i = 0; i + 2 < sizeof(big) - 1; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	memset(&f, 0, sizeof(f));
	fault_set(&f, FAULT_BAD_INPUT, "x", "ab%s", big);
	check_int((int)(strlen(f.msg) % 2), ==, 0);
	return done_testing();
}
