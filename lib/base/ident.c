/*
 * Test identity and failure fingerprints (SPEC §2).  test_id is the first
 * 16 hex of SHA-256("project\nidentity_path\nname"): stable across runs,
 * machines, backends and versions (I-4), so never change this code's
 * output.  The fingerprint groups recurring failures by hashing the error
 * type, message and top stack frames after normalizing away what differs
 * between occurrences of the same failure.  No database access here.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "ident.h"
#include "utf8.h"

#define TOP_FRAMES 5
#define OWN_NAME_MIN 4

/*
 * The identity path of a testcase: its classname if non-empty, else its
 * file, else its enclosing suite path.  Node's test reporter writes the
 * literal classname "test" on every testcase, which identifies nothing:
 * it is treated as empty.  Returns one of the arguments (borrowed).
 */
const char *
ident_path(const char *classname, const char *file, const char *suite)
{
	if (classname != NULL && classname[0] != '\0' &&
	    strcmp(classname, "test") != 0)
		return classname;
	if (file != NULL && file[0] != '\0')
		return file;
	if (classname != NULL && classname[0] != '\0' &&
	    (suite == NULL || suite[0] == '\0'))
		return classname;
	return suite != NULL ? suite : "";
}

/*
 * An identity field (name, classname, file, suite path, owner) cut to max
 * bytes: s itself when it fits, so test_ids of every name under the cap
 * stay what they were (I-4); else a prefix cut on a character boundary,
 * followed by a marker holding the first 12 hex digits of the SHA-256 of
 * the whole value, written into out (whose text is returned), so that
 * two long names that differ only after the cut stay two tests.
 */
const char *
ident_cap(const char *s, size_t max, struct buf *out)
{
	char hex[SHA256_HEX_LEN], mark[64];
	size_t n = strlen(s), mlen, keep;

	if (n <= max)
		return s;
	crypto_sha256_hex(s, n, hex);
	mlen = (size_t)snprintf(mark, sizeof(mark), "\xe2\x80\xa6[cut, "
	    "sha256:%.12s]", hex);
	keep = max > mlen ? utf8_prefix(s, n, max - mlen) : 0;
	buf_reset(out);
	buf_append(out, s, keep);
	buf_append(out, mark, mlen);
	return out->p;
}

/* Writes the 16-hex test_id of (project, identity path, name) into out. */
void
ident_test_id(const char *project, const char *path, const char *name,
    char out[TEST_ID_LEN + 1])
{
	char hex[SHA256_HEX_LEN];
	struct buf b;

	buf_init(&b);
	buf_puts(&b, project);
	buf_puts(&b, "\n");
	buf_puts(&b, path);
	buf_puts(&b, "\n");
	buf_puts(&b, name);
	crypto_sha256_hex(b.p, b.len, hex);
	buf_free(&b);
	memcpy(out, hex, TEST_ID_LEN);
	out[TEST_ID_LEN] = '\0';
}

/*
 * The integer key of a test_id, used as the row id of its definition: its
 * 64 bits with the sign bit cleared (SQLite row ids are signed).
 */
int64_t
ident_test_key(const char *test_id)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < TEST_ID_LEN; i++) {
		char c = test_id[i];
		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return (int64_t)(v & 0x7fffffffffffffffULL);
}

/*
 * Splits a parameterized name into base name and params: "test_x[a-b]" →
 * ("test_x", "a-b"), "test_x(1, 2)" → ("test_x", "1, 2"), "[1] foo" →
 * ("foo", "1").  A name without parameters gives (name, "").  The outputs
 * are reset first.
 */
void
ident_split_params(const char *name, struct buf *base, struct buf *params)
{
	size_t n = strlen(name), i;
	const char *close;

	buf_reset(base);
	buf_reset(params);
	if (n >= 4 && name[0] == '[' && (close = strchr(name, ']')) != NULL &&
	    close[1] == ' ' && close[2] != '\0' && close > name + 1) {
		buf_append(params, name + 1, (size_t)(close - name - 1));
		buf_puts(base, close + 2);
		return;
	}
	if (n >= 3 && (name[n - 1] == ']' || name[n - 1] == ')')) {
		char open = name[n - 1] == ']' ? '[' : '(';
		int level = 0;
		for (i = n; i-- > 0;) {
			if (name[i] == name[n - 1])
				level++;
			else if (name[i] == open && --level == 0)
				break;
		}
		if (i < n && i > 0 && level == 0) {
			buf_append(base, name, i);
			buf_append(params, name + i + 1, n - i - 2);
			return;
		}
	}
	buf_puts(base, name);
}

static int
is_hex(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of a UUID at s, or 0. */
static size_t
uuid_at(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t i = 0;
	int g, k;

	for (g = 0; g < 5; g++) {
		for (k = 0; k < groups[g]; k++, i++)
			if (!is_hex((unsigned char)s[i]))
				return 0;
		if (g < 4 && s[i++] != '-')
			return 0;
	}
	return i;
}

/* Length of a date-time "YYYY-MM-DD[T ]HH:MM(:SS(.fff)?)?Z?" at s, or 0. */
static size_t
timestamp_at(const char *s)
{
	static const char pat[] = "dddd-dd-dd?dd:dd";
	size_t i;

	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd' && !isdigit((unsigned char)s[i]))
			return 0;
		if (pat[i] == '?' && s[i] != 'T' && s[i] != ' ')
			return 0;
		if (pat[i] != 'd' && pat[i] != '?' && s[i] != pat[i])
			return 0;
	}
	if (s[i] == ':' && isdigit((unsigned char)s[i + 1]))
		i += 3;
	if (s[i] == '.' || s[i] == ',')
		for (i++; isdigit((unsigned char)s[i]); i++)
			;
	if (s[i] == 'Z')
		i++;
	return i;
}

/* Length of a number followed by a duration unit at s, or 0. */
static size_t
duration_at(const char *s)
{
	static const char *const units[] = { "ms", "µs", "us", "ns", "sec",
	    "seconds", "s", "m", "min", NULL };
	size_t i = 0, u;
	int k;

	while (isdigit((unsigned char)s[i]))
		i++;
	if (i == 0)
		return 0;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]); i++)
			;
	while (s[i] == ' ')
		i++;
	for (k = 0; units[k] != NULL; k++) {
		u = strlen(units[k]);
		if (strncmp(s + i, units[k], u) == 0 &&
		    !isalnum((unsigned char)s[i + u]))
			return i + u;
	}
	return 0;
}

/* Length of a temporary path (/tmp/..., /var/folders/..., ...\Temp\...). */
static size_t
tmp_path_at(const char *s)
{
	static const char *const prefixes[] = { "/tmp/", "/var/tmp/",
	    "/var/folders/", "/private/var/folders/", "/dev/shm/", NULL };
	size_t i = 0;
	int k;

	for (k = 0; prefixes[k] != NULL; k++)
		if (strncmp(s, prefixes[k], strlen(prefixes[k])) == 0)
			break;
	if (prefixes[k] == NULL) {
		if (!(isalpha((unsigned char)s[0]) && s[1] == ':' &&
		    s[2] == '\\'))
			return 0;
		/* C:\...\Temp\... */
		for (i = 3; s[i] != '\0' && !isspace((unsigned char)s[i]);
		    i++)
			if (strncmp(s + i, "\\Temp\\", 6) == 0)
				break;
		if (strncmp(s + i, "\\Temp\\", 6) != 0)
			return 0;
	}
	while (s[i] != '\0' && !isspace((unsigned char)s[i]) &&
	    strchr("'\"`)]}>,;", s[i]) == NULL)
		i++;
	return i;
}

/*
 * Appends to out the normalized form of s: UUIDs, hex addresses and long
 * hex runs, date-times, durations, temporary paths, line numbers (":123",
 * "line 123") and quoted numbers become placeholders, so that two
 * occurrences of one failure normalize to the same text.  Other numbers
 * (expected 7, got 6) are meaningful and stay.
 */
void
ident_normalize(const char *s, struct buf *out)
{
	size_t i = 0, k;

	while (s[i] != '\0') {
		const char *p = s + i;
		int boundary = i == 0 || !isalnum((unsigned char)s[i - 1]);
		if (boundary && (k = uuid_at(p)) > 0) {
			buf_puts(out, "<uuid>");
			i += k;
		} else if (boundary && p[0] == '0' && (p[1] == 'x' ||
		    p[1] == 'X') && is_hex((unsigned char)p[2])) {
			for (k = 2; is_hex((unsigned char)p[k]); k++)
				;
			buf_puts(out, "<hex>");
			i += k;
		} else if (boundary && (k = timestamp_at(p)) > 0) {
			buf_puts(out, "<time>");
			i += k;
		} else if (boundary && (k = tmp_path_at(p)) > 0) {
			buf_puts(out, "<tmp>");
			i += k;
		} else if (p[0] == ':' && isdigit((unsigned char)p[1])) {
			for (k = 1; isdigit((unsigned char)p[k]); k++)
				;
			buf_puts(out, ":<n>");
			i += k;
		} else if (boundary && strncmp(p, "line ", 5) == 0 &&
		    isdigit((unsigned char)p[5])) {
			for (k = 5; isdigit((unsigned char)p[k]); k++)
				;
			buf_puts(out, "line <n>");
			i += k;
		} else if ((p[0] == '\'' || p[0] == '"') &&
		    isdigit((unsigned char)p[1])) {
			for (k = 1; isdigit((unsigned char)p[k]) ||
			    p[k] == '.'; k++)
				;
			if (p[k] == p[0]) {
				buf_printf(out, "%c<n>%c", p[0], p[0]);
				i += k + 1;
			} else {
				buf_append(out, p, 1);
				i++;
			}
		} else if (boundary && (k = duration_at(p)) > 0) {
			buf_puts(out, "<duration>");
			i += k;
		} else if (boundary && is_hex((unsigned char)p[0])) {
			/* hex runs of 8+ with a digit and a letter: ids */
			int digit = 0, alpha = 0;
			for (k = 0; is_hex((unsigned char)p[k]); k++) {
				if (isdigit((unsigned char)p[k]))
					digit = 1;
				else
					alpha = 1;
			}
			if (k >= 8 && digit && alpha &&
			    !isalnum((unsigned char)p[k])) {
				buf_puts(out, "<hex>");
				i += k;
			} else {
				/* copy the whole word: no re-scan inside */
				for (k = 0; isalnum((unsigned char)p[k]); k++)
					;
				buf_append(out, p, k > 0 ? k : 1);
				i += k > 0 ? k : 1;
			}
		} else {
			buf_append(out, p, 1);
			i++;
		}
	}
}

/*
 * Whether the token tok (length n) occurs in s between characters that
 * cannot continue a name: a test's file or function named by a frame.
 */
static int
names_token(const char *s, const char *tok, size_t n)
{
	const char *p;

	for (p = strstr(s, tok); p != NULL; p = strstr(p + 1, tok)) {
		unsigned char before = p > s ? (unsigned char)p[-1] : ' ';
		unsigned char after = (unsigned char)p[n];
		if ((isalnum(before) || before == '_') ||
		    (isalnum(after) || after == '_'))
			continue;
		return 1;
	}
	return 0;
}

/*
 * Whether the stack frame line (NUL-terminated) belongs to the test
 * itself: it names the test's file (its last path component), its class
 * (the last component of a dotted classname) or its function (its name
 * without parameters).  Names shorter than
 * OWN_NAME_MIN ("t", "it") would match too much and are ignored.
 */
static int
own_frame(const char *line, const struct ident_own *own)
{
	const char *f;
	size_t n;

	if (own == NULL)
		return 0;
	if (own->file != NULL && *own->file != '\0') {
		f = strrchr(own->file, '/');
		f = f != NULL ? f + 1 : own->file;
		if ((n = strlen(f)) >= OWN_NAME_MIN && names_token(line, f, n))
			return 1;
	}
	if (own->classname != NULL && *own->classname != '\0') {
		f = strrchr(own->classname, '.');
		f = f != NULL ? f + 1 : own->classname;
		if ((n = strlen(f)) >= OWN_NAME_MIN && names_token(line, f, n))
			return 1;
	}
	if (own->function != NULL && (n = strlen(own->function)) >=
	    OWN_NAME_MIN && names_token(line, own->function, n))
		return 1;
	return 0;
}

/*
 * Whether a failure message says nothing but its type: empty, or the
 * error type's name alone ("AssertionError", "AssertionError:").  Such
 * failures keep the test's own frames, which then tell them apart.
 */
static int
generic_message(const char *type, const char *message)
{
	const char *m = message != NULL ? message : "", *t;
	size_t n;

	while (isspace((unsigned char)*m))
		m++;
	n = strlen(m);
	while (n > 0 && (isspace((unsigned char)m[n - 1]) || m[n - 1] == ':'))
		n--;
	if (n == 0)
		return 1;
	if (type == NULL || *type == '\0')
		return 0;
	/* "builtins.AssertionError" names the type "AssertionError" too */
	t = strrchr(type, '.');
	t = t != NULL ? t + 1 : type;
	return (n == strlen(type) && strncmp(m, type, n) == 0) ||
	    (n == strlen(t) && strncmp(m, t, n) == 0);
}

/*
 * Writes the 12-hex fingerprint of a failure into out: SHA-256 over the
 * normalized error type, message and the first TOP_FRAMES non-blank lines
 * of the details (the top of the stack).  Any argument may be NULL.
 */
void
ident_fingerprint(const char *type, const char *message, const char *details,
    char out[FINGERPRINT_LEN + 1])
{
	ident_fingerprint_own(type, message, details, NULL, out);
}

/*
 * As ident_fingerprint, grouping by cause across tests: when the message
 * says more than its type, frames that belong to the test itself (own,
 * borrowed, may be NULL: see own_frame) are left out before the top
 * TOP_FRAMES are taken, so one assertion failing in many tests is one
 * fingerprint.  A failure none of whose frames is the test's own keeps
 * the fingerprint ident_fingerprint gives it, as does a generic message.
 */
void
ident_fingerprint_own(const char *type, const char *message,
    const char *details, const struct ident_own *own,
    char out[FINGERPRINT_LEN + 1])
{
	char hex[SHA256_HEX_LEN];
	struct buf b, line;
	const char *p, *e;
	int frames = 0;

	if (own != NULL && generic_message(type, message))
		own = NULL;
	buf_init(&b);
	buf_init(&line);
	ident_normalize(type != NULL ? type : "", &b);
	buf_puts(&b, "\n");
	ident_normalize(message != NULL ? message : "", &b);
	buf_puts(&b, "\n");
	for (p = details != NULL ? details : ""; *p != '\0' &&
	    frames < TOP_FRAMES; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		while (p < e && isspace((unsigned char)*p))
			p++;
		if (p == e)
			continue;
		buf_reset(&line);
		buf_append(&line, p, (size_t)(e - p));
		if (own_frame(line.p, own))
			continue;
		ident_normalize(line.p, &b);
		buf_puts(&b, "\n");
		frames++;
	}
	crypto_sha256_hex(b.p, b.len, hex);
	memcpy(out, hex, FINGERPRINT_LEN);
	out[FINGERPRINT_LEN] = '\0';
	buf_free(&b);
	buf_free(&line);
}
