/*
 * Times in testvis are integer milliseconds since the epoch, UTC (I-5).
 * This module converts them from and to ISO-8601 text without touching the
 * process time zone (no mktime/localtime), so results never depend on TZ.
 */
#include <time.h>

#include "tvtime.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n decimal digits at s[*i]; 0 on success, -1 otherwise. */
static int
digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int v = 0;

	if (*i + (size_t)n > len)
		return -1;
	while (n-- > 0) {
		char c = s[(*i)++];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return 0;
}

/*
 * Parses the ISO-8601 forms testvis accepts: a date "YYYY-MM-DD", or a date
 * and time "YYYY-MM-DDTHH:MM[:SS[.fff...]]" ('T' or one space) with an
 * optional zone "Z", "+HH:MM", "+HHMM" or "+HH" (no zone means UTC).  The
 * whole string s[0..len) must be consumed.  Stores milliseconds since the
 * epoch in *ms; returns 0, or -1 when the text is not such a time or names
 * an impossible date.  Fractions beyond milliseconds are truncated.
 */
int
tvtime_parse_iso8601(const char *s, size_t len, int64_t *ms)
{
	size_t i = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, zh = 0, zm = 0;
	int sign = 0, fd = 0;
	int64_t v;

	if (digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &mo) || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return -1;
	if (i < len) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return -1;
		i++;
		if (digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
		    digits(s, len, &i, 2, &mi))
			return -1;
		if (i < len && s[i] == ':') {
			i++;
			if (digits(s, len, &i, 2, &sec))
				return -1;
			if (i < len && (s[i] == '.' || s[i] == ',')) {
				i++;
				if (i >= len || s[i] < '0' || s[i] > '9')
					return -1;
				for (; i < len && s[i] >= '0' && s[i] <= '9';
				    i++, fd++)
					if (fd < 3)
						frac = frac * 10 + (s[i] - '0');
				for (; fd < 3; fd++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (sec == 60)	/* a leap second collapses onto :59.999 */
			sec = 59, frac = 999;
		if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < len && (s[i] == '+' || s[i] == '-')) {
			sign = s[i++] == '-' ? -1 : 1;
			if (digits(s, len, &i, 2, &zh))
				return -1;
			if (i < len && s[i] == ':')
				i++;
			if (i < len && digits(s, len, &i, 2, &zm))
				return -1;
			if (zh > 23 || zm > 59)
				return -1;
		}
	}
	if (i != len)
		return -1;
	v = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	v -= (int64_t)sign * (zh * 3600 + zm * 60);
	*ms = v * 1000 + frac;
	return 0;
}

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out. */
void
tvtime_format_iso8601(int64_t ms, char out[TVTIME_ISO_LEN])
{
	int64_t days, rem, y;
	int m, d, h, mi, s, f;
	char *p = out + TVTIME_ISO_LEN - 1;
	int fields[6], i;

	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	h = (int)(rem / 3600000);
	mi = (int)(rem / 60000 % 60);
	s = (int)(rem / 1000 % 60);
	f = (int)(rem % 1000);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	/* Fixed-width digits written backwards: no snprintf truncation cases. */
	*p-- = '\0';
	*p-- = 'Z';
	*p-- = (char)('0' + f % 10);
	*p-- = (char)('0' + f / 10 % 10);
	*p-- = (char)('0' + f / 100);
	*p-- = '.';
	fields[0] = s; fields[1] = mi; fields[2] = h;
	fields[3] = d; fields[4] = m;
	for (i = 0; i < 5; i++) {
		*p-- = (char)('0' + fields[i] % 10);
		*p-- = (char)('0' + fields[i] / 10);
		*p-- = i < 2 ? ':' : i == 2 ? 'T' : '-';
	}
	fields[5] = (int)y;
	for (i = 0; i < 4; i++) {
		*p-- = (char)('0' + fields[5] % 10);
		fields[5] /= 10;
	}
}

/* Wall-clock time in milliseconds since the epoch. */
int64_t
tvtime_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic milliseconds, for measuring how long something took. */
double
tvtime_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
