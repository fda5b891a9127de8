/* Unit tests for lib/base/tvtime.c: ISO-8601 parsing and formatting (I-5). */
#include <string.h>

#include "tap.h"
#include "tvtime.h"

static long long
parse(const char *s)
{
	int64_t ms;

	if (tvtime_parse_iso8601(s, strlen(s), &ms) == -1)
		return -1;
	return ms;
}

static const char *
fmt(int64_t ms)
{
	static char out[TVTIME_ISO_LEN];

	tvtime_format_iso8601(ms, out);
	return out;
}

int
main(void)
{
	check_int(parse("1970-01-01T00:00:00Z"), ==, 0);
	check_int(parse("1970-01-01"), ==, 0);
	check_int(parse("2024-05-01T12:00:00Z"), ==, 1714564800000LL);
	check_int(parse("2024-05-01T12:00:00.123Z"), ==, 1714564800123LL);
	check_int(parse("2024-05-01T12:00:00.123456789Z"), ==,
	    1714564800123LL);
	check_int(parse("2024-05-01T12:00:00.5Z"), ==, 1714564800500LL);
	check_int(parse("2024-05-01T14:00:00+02:00"), ==, 1714564800000LL);
	check_int(parse("2024-05-01T07:30:00-0430"), ==, 1714564800000LL);
	check_int(parse("2024-05-01T12:00:00"), ==, 1714564800000LL);
	check_int(parse("2024-05-01 12:00:00"), ==, 1714564800000LL);
	check_int(parse("2024-05-01T12:00Z"), ==, 1714564800000LL);
	check_int(parse("2024-02-29T00:00:00Z"), ==, 1709164800000LL);
	check_int(parse("1969-12-31T23:59:59.999Z"), ==, -1);
	/* negative cases: impossible dates and junk */
	check_int(parse("2023-02-29"), ==, -1);
	check_int(parse("2024-13-01"), ==, -1);
	check_int(parse("2024-04-31"), ==, -1);
	check_int(parse("2024-05-01T24:00:00Z"), ==, -1);
	check_int(parse("2024-05-01T12:00:00ZZ"), ==, -1);
	check_int(parse("2024-05-01T12:00:00."), ==, -1);
	check_int(parse("2024-5-1"), ==, -1);
	check_int(parse(""), ==, -1);
	check_int(parse("yesterday"), ==, -1);
	check_int(parse("2024-05-01T12:00:00+25:00"), ==, -1);

	check_str(fmt(0), "1970-01-01T00:00:00.000Z");
	check_str(fmt(1714564800123LL), "2024-05-01T12:00:00.123Z");
	check_str(fmt(-1), "1969-12-31T23:59:59.999Z");
	check_str(fmt(253402300799999LL), "9999-12-31T23:59:59.999Z");
	check_int(parse(fmt(1709164800007LL)), ==, 1709164800007LL);
	return done_testing();
}
