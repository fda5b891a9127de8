/*
 * Maps tests to product features (SPEC MAP-1).  A feature path is
 * "domain/.../feature": one to eight '/'-separated segments, the last one
 * the feature, the ones before it the domain path ("x" alone is domain x,
 * feature x).  This module checks and normalises such paths, parses the
 * mapping rules file ("FEATURE-PATH FIELD GLOB" a line), matches a test
 * against the parsed rules, and guesses a feature path from a test's file
 * or class name when nothing better maps it.
 *
 * It is pure: it reads no files, touches no database and keeps no state
 * but the parsed rules.  Reading the file, hashing it, weighing the
 * providers against each other and storing mappings belong to the caller.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "maprule.h"
#include "utf8.h"
#include "xalloc.h"

/* One compiled glob element. */
enum gtype {
	G_LIT,		/* one code point, in a */
	G_ANY,		/* '?': one code point */
	G_CLASS,	/* '[...]': ranges a..a+b of the rule's ranges */
	G_STAR,		/* '*' in a file glob: a run without '/' */
	G_STARSTAR,	/* any run; every '*' outside file globs */
	G_DIRS,		/* "**" + "/" starting a segment: zero or more dirs */
	/* closure() relies on G_STAR and the ones after it, and only them,
	 * matching the empty string.  G_DIRS consumes nothing: it is always
	 * followed by G_STARSTAR and a '/' literal, and it either enters
	 * them or skips all three, so that "a/" + "**" + "/b" matches "a/b"
	 * but not "a/xb". */
	G__MAX
};

struct gtok {
	unsigned char	 type;		/* enum gtype */
	unsigned char	 neg;		/* G_CLASS: "[!...]" */
	uint32_t	 a, b;
};

struct range {
	uint32_t	 lo, hi;
};

enum field {
	F_FILE,
	F_CLASSNAME,
	F_NAME,
	F_TAG,
	F__MAX
};

static const char *const field_names[F__MAX] = {
	"file", "classname", "name", "tag"
};

struct rule {
	const char	*feature;	/* normalised */
	enum field	 field;
	struct gtok	*tok;
	size_t		 ntok;
	struct range	*rng;
};

struct maprules {
	struct arena	*arena;		/* features, tokens, ranges */
	struct rule	*rule;
	size_t		 nrule;
	size_t		 cap;
};

/*
 * States of the glob automaton: one per token plus the accepting one.  A
 * glob is at most one line, and n bytes of glob make at most n tokens.
 */
#define NFA_WORDS	((MAPRULE_LINE_MAX + 1 + 63) / 64)

/* Directory or package names that say nothing about the product. */
static const char *const noise_words[] = {
	"tests", "test", "unit", "integration", "e2e", "src", "spec",
	"specs", "__tests__", "__test__", "testing", "it", "main", "java",
	"kotlin", "scala", "python", "js", "ts", "lib", "app", "pkg",
	"internal", "cmd", "com", "org", "net", "io", NULL
};

/* File stems or class names that cannot be a feature. */
static const char *const nonfeature_words[] = {
	"test", "tests", "spec", "specs", "testing", "it", "unit",
	"integration", "e2e", "__tests__", "__test__", "__init__", "index",
	NULL
};

/* Formats into err when the caller gave room for a message. */
static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/*
 * Decodes the code point at s (n > 0 bytes available) into *cp and
 * returns its length.  Lenient: a byte that does not start a well-formed
 * sequence is one character of its own, outside Unicode, so that it only
 * matches '?', '*' and negated classes.
 */
static size_t
dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		c = s[0] & 0x07;
	} else
		goto bad;
	if (n < k)
		goto bad;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return k;
bad:
	*cp = 0x110000 + s[0];
	return 1;
}

/* Length of the UTF-8 sequence a lead byte announces (1 when invalid). */
static size_t
seqlen(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 1;
}

/* Predicate: c is an ASCII capital (UTF-8 beyond ASCII is left alone). */
static int
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

/* Predicate: c is an ASCII lowercase letter. */
static int
is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

/* Predicate: c is an ASCII digit. */
static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Returns c lowercased when it is an ASCII capital, else c. */
static int
to_lower(int c)
{
	return is_upper(c) ? c - 'A' + 'a' : c;
}

/* Predicate: s[0..n) equals the NUL-terminated w, ASCII case folded. */
static int
eq_ci(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || to_lower((unsigned char)s[i]) != w[i])
			return 0;
	return w[n] == '\0';
}

/* Predicate: s[0..n) is one of the lowercase words, case folded. */
static int
in_list(const char *s, size_t n, const char *const *words)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (eq_ci(s, n, words[i]))
			return 1;
	return 0;
}

/*
 * Checks and normalises the feature path in (NUL-terminated) into out
 * (outsz bytes, at least MAPRULE_PATH_MAX + 1 to hold any valid path):
 * spaces and tabs around the path and around each segment go, repeated
 * '/' collapse, a leading or trailing '/' goes.  Segments keep their case
 * and any UTF-8 otherwise.  Rejected: an empty path, a "." or ".."
 * segment, control characters, invalid UTF-8, more than
 * MAPRULE_DEPTH_MAX segments, a segment over MAPRULE_SEG_MAX bytes or a
 * path over MAPRULE_PATH_MAX bytes.  out may be in.  Returns 0, or -1
 * with out set to "" (when outsz > 0) and, when why is not NULL, *why
 * pointing at a static reason fit for an error message.
 */
int
maprule_feature_norm(const char *in, char *out, size_t outsz,
    const char **why)
{
	char tmp[MAPRULE_PATH_MAX + 1];
	const char *p, *s, *q, *e, *reason;
	size_t n = 0, nseg = 0, i;

	if (in == NULL) {
		reason = "empty feature path";
		goto bad;
	}
	for (p = in; *p != '\0'; p = *e == '/' ? e + 1 : e) {
		for (e = p; *e != '\0' && *e != '/'; e++)
			;
		s = p;
		q = e;
		while (s < q && (*s == ' ' || *s == '\t'))
			s++;
		while (q > s && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (q == s)
			continue;
		for (i = 0; s + i < q; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
				reason = "control character in feature path";
				goto bad;
			}
		if ((q - s == 1 && s[0] == '.') ||
		    (q - s == 2 && s[0] == '.' && s[1] == '.')) {
			reason = "'.' or '..' segment in feature path";
			goto bad;
		}
		if ((size_t)(q - s) > MAPRULE_SEG_MAX) {
			reason = "feature path segment longer than 64 bytes";
			goto bad;
		}
		if (++nseg > MAPRULE_DEPTH_MAX) {
			reason = "feature path has more than 8 segments";
			goto bad;
		}
		if (n + (n > 0) + (size_t)(q - s) > MAPRULE_PATH_MAX) {
			reason = "feature path longer than 255 bytes";
			goto bad;
		}
		if (n > 0)
			tmp[n++] = '/';
		memcpy(tmp + n, s, q - s);
		n += q - s;
	}
	if (n == 0) {
		reason = "empty feature path";
		goto bad;
	}
	if (!utf8_valid(tmp, n)) {
		reason = "feature path is not valid UTF-8";
		goto bad;
	}
	if (n + 1 > outsz) {
		reason = "feature path does not fit the output buffer";
		goto bad;
	}
	memcpy(out, tmp, n);
	out[n] = '\0';
	return 0;
bad:
	if (outsz > 0)
		out[0] = '\0';
	if (why != NULL)
		*why = reason;
	return -1;
}

/*
 * Compiles the NUL-terminated, valid UTF-8 glob g into tok and rng
 * (scratch of at least strlen(g) entries each).  In a file glob '*',
 * '?' and classes never match '/', and "**" followed by '/' at the start
 * of a segment matches zero or more whole directories; elsewhere every
 * run of '*' matches anything.  Returns 0, or -1 with a static reason in
 * *why (unterminated or reversed class).
 */
static int
glob_compile(const char *g, int file, struct gtok *tok, size_t *ntok,
    struct range *rng, size_t *nrng, const char **why)
{
	const unsigned char *p = (const unsigned char *)g, *start = p, *end;
	size_t nt = 0, nr = 0, stars, first;
	uint32_t lo, hi;

	end = p + strlen(g);
	while (p < end) {
		memset(&tok[nt], 0, sizeof(tok[nt]));
		if (*p == '*') {
			for (stars = 0; *p == '*'; p++)
				stars++;
			if (!file)
				tok[nt].type = G_STARSTAR;
			else if (stars == 1)
				tok[nt].type = G_STAR;
			else if (*p == '/' &&
			    (p - stars == start || *(p - stars - 1) == '/')) {
				/* three tokens from three bytes at least */
				tok[nt++].type = G_DIRS;
				memset(&tok[nt], 0, sizeof(tok[nt]));
				tok[nt++].type = G_STARSTAR;
				memset(&tok[nt], 0, sizeof(tok[nt]));
				tok[nt].type = G_LIT;
				tok[nt].a = '/';
				p++;
			} else
				tok[nt].type = G_STARSTAR;
		} else if (*p == '?') {
			tok[nt].type = G_ANY;
			p++;
		} else if (*p == '[') {
			p++;
			tok[nt].type = G_CLASS;
			if (*p == '!' || *p == '^') {
				tok[nt].neg = 1;
				p++;
			}
			first = nr;
			for (;;) {
				if (p == end) {
					*why = "unterminated '['";
					return -1;
				}
				if (*p == ']' && nr > first)
					break;
				p += dec(p, end - p, &lo);
				hi = lo;
				if (p + 1 < end && p[0] == '-' && p[1] != ']') {
					p += 1 + dec(p + 1, end - p - 1, &hi);
					if (hi < lo) {
						*why = "reversed range";
						return -1;
					}
				}
				rng[nr].lo = lo;
				rng[nr].hi = hi;
				nr++;
			}
			p++;
			tok[nt].a = (uint32_t)first;
			tok[nt].b = (uint32_t)(nr - first);
		} else {
			tok[nt].type = G_LIT;
			p += dec(p, end - p, &tok[nt].a);
		}
		nt++;
	}
	*ntok = nt;
	*nrng = nr;
	return 0;
}

/* Predicate: state st is in the set. */
static int
bit_get(const uint64_t *set, size_t st)
{
	return (set[st / 64] >> (st % 64)) & 1;
}

/* Adds state st to the set. */
static void
bit_set(uint64_t *set, size_t st)
{
	set[st / 64] |= (uint64_t)1 << (st % 64);
}

/*
 * Adds to set every state reachable without consuming a character: past
 * each star, which may match the empty string, and past a whole "**" +
 * "/".  Such moves only go forward, so one ascending pass reaches them.
 */
static void
closure(const struct rule *r, uint64_t *set, size_t nw)
{
	uint64_t done, bits;
	size_t w, st;

	for (w = 0; w < nw; w++) {
		done = 0;
		while ((bits = set[w] & ~done) != 0) {
			st = (size_t)__builtin_ctzll(bits);
			done |= (uint64_t)1 << st;
			st += w * 64;
			if (st < r->ntok && r->tok[st].type >= G_STAR)
				bit_set(set, st + 1);
			if (st < r->ntok && r->tok[st].type == G_DIRS)
				bit_set(set, st + 3);
		}
	}
}

/* Predicate: code point c is in the class token t of rule r. */
static int
class_match(const struct rule *r, const struct gtok *t, uint32_t c)
{
	uint32_t i;

	for (i = t->a; i < t->a + t->b; i++)
		if (c >= r->rng[i].lo && c <= r->rng[i].hi)
			return !t->neg;
	return t->neg;
}

/*
 * Predicate: the glob of r matches all of s[0..n).  Runs the glob as a
 * set of states over the input, so time stays linear in the input times
 * the glob and no input can make it backtrack.  For a file a leading
 * "./" is ignored and '\' counts as '/'.
 */
static int
glob_match(const struct rule *r, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t cur[NFA_WORDS], nxt[NFA_WORDS], bits, any;
	size_t nw = (r->ntok + 1 + 63) / 64, i = 0, w, st;
	const struct gtok *t;
	int file = r->field == F_FILE;
	uint32_t c;

	memset(cur, 0, nw * sizeof(cur[0]));
	bit_set(cur, 0);
	closure(r, cur, nw);
	if (file)
		while (n - i >= 2 && p[i] == '.' &&
		    (p[i + 1] == '/' || p[i + 1] == '\\'))
			i += 2;
	while (i < n) {
		i += dec(p + i, n - i, &c);
		if (file && c == '\\')
			c = '/';
		memset(nxt, 0, nw * sizeof(nxt[0]));
		for (w = 0; w < nw; w++)
			for (bits = cur[w]; bits != 0; bits &= bits - 1) {
				st = w * 64 + (size_t)__builtin_ctzll(bits);
				if (st >= r->ntok)
					continue;
				t = &r->tok[st];
				switch (t->type) {
				case G_LIT:
					if (c == t->a)
						bit_set(nxt, st + 1);
					break;
				case G_ANY:
					if (!file || c != '/')
						bit_set(nxt, st + 1);
					break;
				case G_CLASS:
					if ((!file || c != '/') &&
					    class_match(r, t, c))
						bit_set(nxt, st + 1);
					break;
				case G_STAR:
					if (c != '/')
						bit_set(nxt, st);
					break;
				case G_STARSTAR:
					bit_set(nxt, st);
					break;
				case G_DIRS:
					break;
				default:
					abort();
				}
			}
		closure(r, nxt, nw);
		for (any = 0, w = 0; w < nw; w++)
			any |= nxt[w];
		if (any == 0)
			return 0;
		memcpy(cur, nxt, nw * sizeof(cur[0]));
	}
	return bit_get(cur, r->ntok);
}

/*
 * Predicate: rule r matches test t.  An absent or empty field never
 * matches; for tags, any one tag of the comma-separated list (spaces
 * around each ignored, empty ones skipped) may match.
 */
static int
rule_match(const struct rule *r, const struct maprule_test *t)
{
	const char *v = NULL, *s, *e, *q;

	switch (r->field) {
	case F_FILE:
		v = t->file;
		break;
	case F_CLASSNAME:
		v = t->classname;
		break;
	case F_NAME:
		v = t->name;
		break;
	case F_TAG:
		v = t->tags;
		break;
	default:
		abort();
	}
	if (v == NULL || *v == '\0')
		return 0;
	if (r->field != F_TAG)
		return glob_match(r, v, strlen(v));
	for (s = v; *s != '\0'; s = *e == ',' ? e + 1 : e) {
		for (e = s; *e != '\0' && *e != ','; e++)
			;
		for (q = e; s < q && (*s == ' ' || *s == '\t'); s++)
			;
		while (q > s && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (q > s && glob_match(r, s, q - s))
			return 1;
	}
	return 0;
}

/*
 * Parses one line (NUL-terminated, ll bytes, no newline) into a rule of
 * rs, using tok and rng as scratch.  Blank and comment lines add nothing.
 * Returns 0, or -1 with the reason (no file or line) in msg.
 */
static int
parse_line(struct maprules *rs, char *line, size_t ll, struct gtok *tok,
    struct range *rng, char *msg, size_t msgsz)
{
	char *f[4], *p, feat[MAPRULE_PATH_MAX + 1];
	const char *why;
	struct rule *r;
	size_t nf = 0, i, ntok, nrng;
	int field;

	if (memchr(line, '\0', ll) != NULL) {
		snprintf(msg, msgsz, "NUL byte");
		return -1;
	}
	for (i = 0; i < ll; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f) {
			snprintf(msg, msgsz, "control character");
			return -1;
		}
	if (!utf8_valid(line, ll)) {
		snprintf(msg, msgsz, "not valid UTF-8");
		return -1;
	}
	for (p = line; nf < 4; ) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		f[nf++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	if (nf == 0 || f[0][0] == '#')
		return 0;
	if (nf == 1) {
		snprintf(msg, msgsz, "missing field and glob (expected "
		    "'FEATURE-PATH FIELD GLOB')");
		return -1;
	}
	if (nf == 2) {
		snprintf(msg, msgsz, "missing glob (expected "
		    "'FEATURE-PATH FIELD GLOB')");
		return -1;
	}
	if (nf == 4) {
		snprintf(msg, msgsz, "unexpected text after the glob: "
		    "'%.*s' (a comment goes on a line of its own)",
		    UTF8_CUT(f[3], 64));
		return -1;
	}
	if (maprule_feature_norm(f[0], feat, sizeof(feat), &why) == -1) {
		snprintf(msg, msgsz, "invalid feature path '%.*s': %s",
		    UTF8_CUT(f[0], 64),
		    why);
		return -1;
	}
	for (field = 0; field < F__MAX; field++)
		if (strcmp(f[1], field_names[field]) == 0)
			break;
	if (field == F__MAX) {
		snprintf(msg, msgsz, "unknown field '%.*s' (expected file, "
		    "classname, name or tag)", UTF8_CUT(f[1], 64));
		return -1;
	}
	if (rs->nrule == MAPRULE_RULES_MAX) {
		snprintf(msg, msgsz, "too many rules (at most %d)",
		    MAPRULE_RULES_MAX);
		return -1;
	}
	if (glob_compile(f[2], field == F_FILE, tok, &ntok, rng, &nrng,
	    &why) == -1) {
		snprintf(msg, msgsz, "bad glob '%.*s': %s", UTF8_CUT(f[2], 64),
		    why);
		return -1;
	}
	if (rs->nrule == rs->cap) {
		rs->cap = rs->cap == 0 ? 16 : rs->cap * 2;
		rs->rule = xreallocarray(rs->rule, rs->cap, sizeof(rs->rule[0]));
	}
	r = &rs->rule[rs->nrule++];
	r->feature = arena_strdup(rs->arena, feat);
	r->field = field;
	r->ntok = ntok;
	r->tok = arena_alloc(rs->arena, ntok * sizeof(*tok) + 1);
	memcpy(r->tok, tok, ntok * sizeof(*tok));
	r->rng = arena_alloc(rs->arena, nrng * sizeof(*rng) + 1);
	memcpy(r->rng, rng, nrng * sizeof(*rng));
	return 0;
}

/*
 * Parses a rules file held in text[0..len) (no terminator needed; a NUL
 * byte in it is an error; NULL with len 0 is an empty file).  One rule a
 * line, "FEATURE-PATH FIELD GLOB" separated by spaces or tabs, FIELD one
 * of file, classname, name, tag, the feature path stored normalised; a
 * line whose first non-blank character is '#' is a comment; blank lines
 * are ignored; CRLF line ends and a leading UTF-8 byte order mark are
 * accepted.  At most MAPRULE_RULES_MAX rules and MAPRULE_LINE_MAX bytes a
 * line.  Returns the rules, which the caller frees with maprule_free()
 * (an empty file gives zero rules), or NULL with "NAME:LINE: reason" in
 * err (err may be NULL or errsz 0), NAME being name or "mapping rules"
 * when name is NULL; name is only used for messages.
 */
struct maprules *
maprule_parse(const char *text, size_t len, const char *name, char *err,
    size_t errsz)
{
	struct maprules *rs;
	struct gtok *tok;
	struct range *rng;
	const char *p, *end, *nl;
	char line[MAPRULE_LINE_MAX + 1], msg[256];
	size_t lineno = 0, ll;

	if (name == NULL)
		name = "mapping rules";
	rs = xmalloc(sizeof(*rs));
	memset(rs, 0, sizeof(*rs));
	rs->arena = arena_new();
	tok = xreallocarray(NULL, MAPRULE_LINE_MAX, sizeof(*tok));
	rng = xreallocarray(NULL, MAPRULE_LINE_MAX, sizeof(*rng));
	p = text;
	end = text == NULL ? text : text + len;
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* a byte order mark some editors write */
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', end - p);
		ll = (nl != NULL ? nl : end) - p;
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (ll > MAPRULE_LINE_MAX) {
			snprintf(msg, sizeof(msg), "line too long (at most %d "
			    "bytes)", MAPRULE_LINE_MAX);
			goto fail;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		if (parse_line(rs, line, ll, tok, rng, msg, sizeof(msg)) == -1)
			goto fail;
		p = nl != NULL ? nl + 1 : end;
	}
	free(tok);
	free(rng);
	return rs;
fail:
	seterr(err, errsz, "%s:%zu: %s", name, lineno, msg);
	free(tok);
	free(rng);
	maprule_free(rs);
	return NULL;
}

/* Returns the number of rules in rs (0 for NULL). */
size_t
maprule_count(const struct maprules *rs)
{
	return rs == NULL ? 0 : rs->nrule;
}

/*
 * Stores in features[0..max) the feature paths of the rules of rs that
 * match test t, in file order (the first is the primary rule mapping),
 * each path once.  The strings are borrowed from rs until maprule_free().
 * Returns how many were stored (0 when rs is NULL or nothing matches).
 */
size_t
maprule_match(const struct maprules *rs, const struct maprule_test *t,
    const char **features, size_t max)
{
	const struct rule *r;
	size_t i, j, n = 0;

	if (rs == NULL || t == NULL)
		return 0;
	for (i = 0; i < rs->nrule && n < max; i++) {
		r = &rs->rule[i];
		for (j = 0; j < n; j++)
			if (strcmp(features[j], r->feature) == 0)
				break;
		if (j < n || !rule_match(r, t))
			continue;
		features[n++] = r->feature;
	}
	return n;
}

/* Frees rs and everything borrowed from it; accepts NULL. */
void
maprule_free(struct maprules *rs)
{
	if (rs == NULL)
		return;
	arena_free(rs->arena);
	free(rs->rule);
	free(rs);
}

/*
 * Removes one test prefix and one test suffix from s[0..*n), moving *s
 * and shrinking *n, unless that would leave nothing.  Separator forms
 * ("test_", "_spec", ".tests" ...) match in any case; CamelCase forms
 * ("Test", "Spec", "IT") only as written, "TestX" only before a capital
 * and "IT" only after a lowercase letter or digit, so that "Latest" and
 * "UNIT" stay whole.
 */
static void
strip_affixes(const char **s, size_t *n)
{
	static const char *const pre[] = { "test_", "test-", NULL };
	static const char *const suf[] = { "_tests", "-tests", ".tests",
	    "_test", "-test", ".test", "_specs", "_spec", "-spec", ".spec",
	    NULL };
	static const char *const camel[] = { "Tests", "Test", "Spec", NULL };
	const char *p = *s;
	size_t len = *n, k, i;

	for (i = 0; pre[i] != NULL; i++) {
		k = strlen(pre[i]);
		if (len > k && eq_ci(p, k, pre[i])) {
			p += k;
			len -= k;
			break;
		}
	}
	if (pre[i] == NULL && len > 4 && strncmp(p, "Test", 4) == 0 &&
	    is_upper((unsigned char)p[4])) {
		p += 4;
		len -= 4;
	}
	for (i = 0; suf[i] != NULL; i++) {
		k = strlen(suf[i]);
		if (len > k && eq_ci(p + len - k, k, suf[i])) {
			len -= k;
			goto out;
		}
	}
	for (i = 0; camel[i] != NULL; i++) {
		k = strlen(camel[i]);
		if (len > k && strncmp(p + len - k, camel[i], k) == 0) {
			len -= k;
			goto out;
		}
	}
	if (len > 2 && strncmp(p + len - 2, "IT", 2) == 0 &&
	    (is_lower((unsigned char)p[len - 3]) ||
	    is_digit((unsigned char)p[len - 3])))
		len -= 2;
out:
	*s = p;
	*n = len;
}

/*
 * Writes s[0..n) to dst (MAPRULE_SEG_MAX + 1 bytes) with ASCII letters
 * lowercased; with snake, CamelCase words are split by '_' ("HTTPClient"
 * becomes "http_client"), '-' and ' ' become '_', and '_' never repeats
 * nor starts or ends the result.  Stops before a character that would not
 * fit, so the result is at most MAPRULE_SEG_MAX bytes and never cuts a
 * UTF-8 sequence.  Returns the length written.
 */
static size_t
seg_copy(char *dst, const char *s, size_t n, int snake)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i, k;
	int c;

	for (i = 0; i < n; i += k) {
		c = p[i];
		k = seqlen(p[i]);
		if (k > n - i)
			k = n - i;
		if (snake && (c == '-' || c == ' ' || c == '_')) {
			if (o > 0 && dst[o - 1] != '_') {
				if (o + 1 > MAPRULE_SEG_MAX)
					break;
				dst[o++] = '_';
			}
			continue;
		}
		if (snake && is_upper(c) && o > 0 && dst[o - 1] != '_' &&
		    (is_lower(p[i - 1]) || is_digit(p[i - 1]) ||
		    (is_upper(p[i - 1]) && i + 1 < n && is_lower(p[i + 1])))) {
			if (o + 2 > MAPRULE_SEG_MAX)
				break;
			dst[o++] = '_';
		}
		if (o + k > MAPRULE_SEG_MAX)
			break;
		if (k == 1)
			dst[o++] = (char)to_lower(c);
		else {
			memcpy(dst + o, p + i, k);
			o += k;
		}
	}
	while (snake && o > 0 && dst[o - 1] == '_')
		o--;
	dst[o] = '\0';
	return o;
}

/* The segments of a feature path being guessed. */
struct guess {
	char	 dom[MAPRULE_DEPTH_MAX - 1][MAPRULE_SEG_MAX + 1];
	size_t	 ndom;
	char	 feat[MAPRULE_SEG_MAX + 1];
};

/*
 * Adds directory or package segment s[0..n) to the domain of g: skipped
 * when empty, "." or "..", a noise word, or a noise word once its test
 * affixes are gone ("integration-tests"); otherwise lowercased.  Only the
 * first MAPRULE_DEPTH_MAX - 1 segments are kept.
 */
static void
guess_dom(struct guess *g, const char *s, size_t n)
{
	if (n == 0 || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.') ||
	    in_list(s, n, noise_words))
		return;
	strip_affixes(&s, &n);
	if (in_list(s, n, noise_words) ||
	    g->ndom == MAPRULE_DEPTH_MAX - 1)
		return;
	if (seg_copy(g->dom[g->ndom], s, n, 0) > 0)
		g->ndom++;
}

/*
 * Sets the feature of g from a file stem or class name s[0..n): test
 * affixes removed, then snake_case.  Returns 0, or -1 when nothing that
 * names a feature is left ("test", "index", "__init__" ...).
 */
static int
guess_feat(struct guess *g, const char *s, size_t n)
{
	size_t k;

	strip_affixes(&s, &n);
	k = seg_copy(g->feat, s, n, 1);
	if (k == 0 || in_list(s, n, nonfeature_words) ||
	    in_list(g->feat, k, nonfeature_words)) {
		g->feat[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Joins the guess into a normalised feature path in out: the domain
 * segments, then the feature (without one, the domain path alone names
 * it).  Trailing domain segments are dropped while the path is too long.
 * Returns 0, or -1 when nothing is left or the result is not valid.
 */
static int
guess_join(struct guess *g, char *out, size_t outsz)
{
	char tmp[MAPRULE_DEPTH_MAX * (MAPRULE_SEG_MAX + 1) + 1];
	size_t n, i;

	for (;;) {
		for (n = 0, i = 0; i < g->ndom; i++)
			n += strlen(g->dom[i]) + 1;
		n += strlen(g->feat);
		if (n <= MAPRULE_PATH_MAX || g->ndom == 0)
			break;
		g->ndom--;
	}
	for (n = 0, i = 0; i < g->ndom; i++) {
		if (n > 0)
			tmp[n++] = '/';
		memcpy(tmp + n, g->dom[i], strlen(g->dom[i]));
		n += strlen(g->dom[i]);
	}
	if (g->feat[0] != '\0') {
		if (n > 0)
			tmp[n++] = '/';
		memcpy(tmp + n, g->feat, strlen(g->feat));
		n += strlen(g->feat);
	}
	tmp[n] = '\0';
	return maprule_feature_norm(tmp, out, outsz, NULL);
}

/*
 * Guesses from a file path: domain from its directories, feature from
 * the stem (the base name up to its first '.', a leading one aside).  A
 * stem that names nothing leaves the domain path alone.  Returns 0 with
 * the confidence in *conf, or -1.
 */
static int
guess_file(const char *file, char *out, size_t outsz, double *conf)
{
	struct guess g;
	const char *s, *e, *end, *base;
	int feat;

	memset(&g, 0, sizeof(g));
	while (*file == ' ' || *file == '\t')
		file++;
	end = file + strlen(file);
	while (end > file && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (base = end; base > file && base[-1] != '/' && base[-1] != '\\';
	    base--)
		;
	for (s = file; s < base; s = e + 1) {
		for (e = s; *e != '/' && *e != '\\'; e++)
			;
		guess_dom(&g, s, e - s);
	}
	for (e = base < end ? base + 1 : end; e < end && *e != '.'; e++)
		;
	feat = guess_feat(&g, base, e - base) == 0;
	if (!feat && g.ndom == 0)
		return -1;
	if (guess_join(&g, out, outsz) == -1)
		return -1;
	*conf = feat && g.ndom > 0 ? MAPRULE_CONF_HEUR_DIR :
	    MAPRULE_CONF_HEUR;
	return 0;
}

/*
 * Finds the next segment of a class name at *p (before end): separators
 * are '.', "::", '/' and '\', and a segment ends at '$' (a nested class).
 * Stores it in *s and *n, advances *p; returns 0, or -1 at the end.
 */
static int
class_seg(const char **p, const char *end, const char **s, size_t *n)
{
	const char *q = *p, *e;

	if (q >= end)
		return -1;
	for (e = q; e < end && *e != '.' && *e != ':' && *e != '/' &&
	    *e != '\\'; e++)
		;
	*s = q;
	*n = e - q;
	if (memchr(q, '$', e - q) != NULL)
		*n = (const char *)memchr(q, '$', e - q) - q;
	*p = e < end ? e + 1 : end;
	return 0;
}

/*
 * Guesses from a class name: domain from its package segments, feature
 * from the last one; for "pkg.test_module.TestClass" (pytest, unittest)
 * the module names the feature.  Returns 0 with *conf, or -1.
 */
static int
guess_class(const char *cls, char *out, size_t outsz, double *conf)
{
	struct guess g;
	const char *p, *end, *s, *last = NULL, *prev = NULL;
	size_t n, nlast = 0, nprev = 0, k = 0, ndom, i;

	memset(&g, 0, sizeof(g));
	end = cls + strlen(cls);
	for (p = cls; class_seg(&p, end, &s, &n) == 0; ) {
		if (n == 0 || in_list(s, n, noise_words))
			continue;
		prev = last;
		nprev = nlast;
		last = s;
		nlast = n;
		k++;
	}
	if (k == 0)
		return -1;
	ndom = k - 1;
	if (k >= 2 && is_upper((unsigned char)last[0]) &&
	    ((nprev > 5 && eq_ci(prev, 5, "test_")) ||
	    (nprev > 5 && eq_ci(prev + nprev - 5, 5, "_test")))) {
		last = prev;
		nlast = nprev;
		ndom = k - 2;
	}
	for (p = cls, i = 0; i < ndom &&
	    class_seg(&p, end, &s, &n) == 0; ) {
		if (n == 0 || in_list(s, n, noise_words))
			continue;
		guess_dom(&g, s, n);
		i++;
	}
	if (guess_feat(&g, last, nlast) == -1)
		return -1;
	if (guess_join(&g, out, outsz) == -1)
		return -1;
	*conf = MAPRULE_CONF_HEUR;
	return 0;
}

/*
 * Guesses a feature path for t from its file, else from its class name
 * (the name and tags are not used): directories or packages give the
 * domain, lowercased, without noise such as "tests", "src", "java" or
 * "com"; the file stem or class name gives the feature, without test
 * affixes, in snake_case.  "tests/checkout/test_refunds.py" gives
 * "checkout/refunds".  Writes the path to out (outsz bytes, at least
 * MAPRULE_PATH_MAX + 1) and the confidence to *confidence (may be NULL):
 * MAPRULE_CONF_HEUR_DIR for a file with a domain, else MAPRULE_CONF_HEUR.
 * Returns 0, or -1 when nothing useful is left (the caller maps the test
 * to MAPRULE_UNMAPPED).
 */
int
maprule_heuristic(const struct maprule_test *t, char *out, size_t outsz,
    double *confidence)
{
	double conf = 0;

	if (outsz > 0)
		out[0] = '\0';
	if (t == NULL)
		return -1;
	if ((t->file == NULL || *t->file == '\0' ||
	    guess_file(t->file, out, outsz, &conf) == -1) &&
	    (t->classname == NULL || *t->classname == '\0' ||
	    guess_class(t->classname, out, outsz, &conf) == -1))
		return -1;
	if (confidence != NULL)
		*confidence = conf;
	return 0;
}
