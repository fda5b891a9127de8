/*
 * Diff-based integrity signals (SPEC INT-2).  Reads a unified diff as git
 * writes it (`git diff`, `git show --format= -U3`, several files, extended
 * headers, renames, binary files) and reports the changed paths and, for
 * test files, four kinds of finding: assertions removed, skips added,
 * expected failures added and catch-all exception handlers added.  Each is
 * counted net per file, so an assertion moved within a file is no finding.
 *
 * The diff is hostile input: one linear pass over (text, len), NUL bytes
 * allowed, lines over MAX_LINE bytes not looked into, hunk counts trusted
 * only while the lines look like hunk lines, at most MAX_FILES files.
 * Recognition is line-based and heuristic: per language, string literal
 * contents and comments are blanked before matching, and a line belongs to
 * at most one kind.  It is not a patch applier, does not read the
 * repository, and does not look into combined (merge) hunks: those files
 * are listed but not scanned.  No database access here.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "buf.h"
#include "diffpat.h"
#include "diffscan.h"
#include "utf8.h"
#include "xalloc.h"

#define MAX_FILES	10000		/* distinct files considered */
#define MAX_FINDINGS	100000
#define MAX_LINE	65536		/* longer lines are not looked into */
#define MAX_TEXT	200		/* finding text and context, bytes */
#define MAX_NUM_DIGITS	9		/* hunk header numbers */
#define MAX_SCAN	512		/* look-ahead inside one match */
#define MAX_HITS	64		/* occurrences tried per pattern */

const char *const diff_kind_names[DIFF__MAX] = {
	"assertion_removed",
	"skip_added",
	"xfail_added",
	"broad_exception_added",
};

/* Per-file counts; lang is -1 for files that are not scanned. */
struct tally {
	int		 lang;
	int		 plus[DIFF__MAX];
	int		 minus[DIFF__MAX];
	int		 line[DIFF__MAX];	/* first line of the finding */
	const char	*text[DIFF__MAX];	/* NULL: none seen yet */
	const char	*context[DIFF__MAX];
};

struct diffscan {
	struct arena		*arena;		/* every string */
	struct diff_file	*files;
	struct tally		*tallies;	/* parallel to files */
	size_t			 nfiles;
	size_t			 capfiles;
	size_t			*slots;		/* path hash: index + 1 */
	size_t			 nslots;
	struct diff_finding	*findings;
	size_t			 nfindings;
	int			 truncated;
};

/* Where a path came from: a better source overrides a worse one. */
enum src {
	SRC_NONE,
	SRC_GIT,		/* diff --git a/x b/x, Binary files */
	SRC_HEADER,		/* --- and +++ */
	SRC_RENAME		/* rename/copy from/to */
};

struct side {
	struct buf	 path;
	enum src	 src;
	int		 devnull;	/* this side does not exist */
};

enum hunk_state {
	H_NONE,			/* between hunks: header lines */
	H_LINES,		/* inside a hunk being counted */
	H_SKIP			/* inside a hunk that is not looked into */
};

/* The state of one pass; lives on diffscan_run()'s stack. */
struct parser {
	struct diffscan	*ds;
	int		 section;	/* inside a file's section */
	int		 seen_minus;
	int		 seen_plus;
	int		 seen_hunk;
	int		 resolved;	/* the section's file is decided */
	long		 file;		/* its index in ds->files, or -1 */
	struct side	 old;
	struct side	 new;
	enum hunk_state	 hunk;
	long		 old_line;	/* next line number on each side */
	long		 new_line;
	long		 old_rem;	/* lines still due on each side */
	long		 new_rem;
	struct buf	 ctx;		/* the hunk's function context */
	const char	*ctx_copy;	/* ctx in the arena, made on demand */
	struct buf	 line;		/* scratch: the current line */
	struct buf	 code;		/* scratch: its code, see code_of() */
	struct buf	 t1, t2;	/* scratch: path tokens */
};

/* Predicate: c may be part of an identifier in the languages above. */
static int
is_ident(int c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Predicate: c is horizontal or vertical white space (not NUL). */
static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* Predicate: c separates path components. */
static int
is_sep(int c)
{
	return c == '/' || c == '\\';
}

/* Predicate: s starts with the NUL-terminated prefix. */
static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Predicate: the n bytes at s end with suffix. */
static int
ends(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/*
 * Appends s[0..n) to out with every byte that does not start a valid
 * UTF-8 sequence (lib/base/utf8.c's strict rules) replaced by '?', so that all
 * strings handed out can go to jansson, which refuses invalid UTF-8.  The
 * result is never longer than the input.
 */
static void
utf8_clean(struct buf *out, const char *s, size_t n)
{
	unsigned char c;
	size_t i = 0, k;

	buf_reset(out);
	buf_append(out, "", 0);
	while (i < n) {
		c = (unsigned char)s[i];
		k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (k > n - i || !utf8_valid(s + i, k)) {
			buf_append(out, "?", 1);
			i++;
		} else {
			buf_append(out, s + i, k);
			i += k;
		}
	}
}

/*
 * Copies s[0..n) into the arena with surrounding white space trimmed, at
 * most MAX_TEXT bytes kept (never cutting a UTF-8 sequence in two) and
 * invalid UTF-8 replaced (see utf8_clean()); scratch is used for that.
 * s must hold no NUL.  Returns the copy, owned by the arena.
 */
static const char *
text_copy(struct arena *a, struct buf *scratch, const char *s, size_t n)
{
	while (n > 0 && is_space((unsigned char)s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	n = utf8_prefix(s, n, MAX_TEXT);
	utf8_clean(scratch, s, n);
	return arena_strndup(a, scratch->p, scratch->len);
}

/*
 * Returns the language of path by the extension of its last component,
 * compared case-insensitively, or -1 when it is none of ours.
 */
static int
lang_of(const char *path)
{
	const char *base = path, *dot = NULL, *p;
	size_t i;

	for (p = path; *p != '\0'; p++)
		if (is_sep((unsigned char)*p))
			base = p + 1;
	for (p = base; *p != '\0'; p++)
		if (*p == '.')
			dot = p;
	if (dot == NULL || dot == base)
		return -1;
	for (i = 0; i < diffpat_nexts; i++)
		if (strcasecmp(dot + 1, diffpat_exts[i].ext) == 0)
			return (int)diffpat_exts[i].lang;
	return -1;
}

/*
 * Predicate: the file name stem (without its last extension), n bytes,
 * follows the test-file naming convention of lang.
 */
static int
test_stem(int lang, const char *stem, size_t n)
{
	switch (lang) {
	case L_PY:
		return starts(stem, "test_") || ends(stem, n, "_test") ||
		    (n == 8 && memcmp(stem, "conftest", 8) == 0) ||
		    (n == 5 && memcmp(stem, "tests", 5) == 0);
	case L_JS:
		return ends(stem, n, ".test") || ends(stem, n, ".spec") ||
		    ends(stem, n, ".cy") || ends(stem, n, "-test") ||
		    ends(stem, n, "-spec") || ends(stem, n, "_test") ||
		    ends(stem, n, "_spec");
	case L_JAVA:
		return ends(stem, n, "Test") || ends(stem, n, "Tests") ||
		    ends(stem, n, "TestCase") || ends(stem, n, "Spec") ||
		    (ends(stem, n, "IT") && n > 2 &&
		    (islower((unsigned char)stem[n - 3]) ||
		    isdigit((unsigned char)stem[n - 3]))) ||
		    (n > 4 && starts(stem, "Test") &&
		    isupper((unsigned char)stem[4]));
	case L_GO:
		return ends(stem, n, "_test");
	case L_C:
		return starts(stem, "test_") || ends(stem, n, "_test") ||
		    ends(stem, n, "_tests") || ends(stem, n, "_unittest") ||
		    ends(stem, n, "_unittests");
	case L_RB:
		return ends(stem, n, "_spec") || ends(stem, n, "_test") ||
		    starts(stem, "test_");
	case L_PHP:
		return ends(stem, n, "Test") || ends(stem, n, "Tests");
	case L_CS:
		return ends(stem, n, "Test") || ends(stem, n, "Tests") ||
		    ends(stem, n, "Specs");
	}
	return 0;
}

/*
 * Predicate: the directory name s[0..n) holds tests: test, tests, spec,
 * specs, __tests__ or t in any case, or a .NET test project such as
 * Shop.Tests or Shop.UnitTests.
 */
static int
test_dir(const char *s, size_t n)
{
	static const char *const names[] = { "test", "tests", "spec",
	    "specs", "__tests__", "t", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0)
			return 1;
	return memchr(s, '.', n) != NULL && (ends(s, n, "Tests") ||
	    ends(s, n, "Test") || ends(s, n, "Specs"));
}

/*
 * Predicate: path (relative or absolute, '/' or '\' separated) names a
 * test source file: a file of one of the scanned languages that is named
 * like a test (test_x.py, x.test.ts, XTest.java, x_test.go, x_spec.rb...)
 * or lies under a test directory (see test_dir()).  Files of other types,
 * fixtures in .json and the like, are not test files.
 */
int
diffscan_is_test_path(const char *path)
{
	const char *p, *seg, *base, *dot;
	int lang;

	if (path == NULL || (lang = lang_of(path)) < 0)
		return 0;
	base = path;
	for (p = path; *p != '\0'; p++)
		if (is_sep((unsigned char)*p))
			base = p + 1;
	dot = strrchr(base, '.');
	if (test_stem(lang, base, (size_t)(dot - base)))
		return 1;
	for (seg = path; seg < base; seg = p + 1) {
		for (p = seg; !is_sep((unsigned char)*p); p++)
			;
		if (p > seg && test_dir(seg, (size_t)(p - seg)))
			return 1;
	}
	return 0;
}

/* Skips leading "./" (and "." "\") components. */
static const char *
skip_dot(const char *s)
{
	while (s[0] == '.' && is_sep((unsigned char)s[1]))
		for (s += 2; is_sep((unsigned char)*s); s++)
			;
	return s;
}

/*
 * Predicate: the two paths name the same file as far as can be told: after
 * dropping leading "./", they are equal, or the shorter one is a suffix of
 * the longer one starting right after a separator ("tests/a/test_x.py" and
 * "/ci/repo/tests/a/test_x.py").  '/' and '\' are the same separator.  An
 * absolute path only matches itself; NULL or empty paths match nothing.
 */
int
diffscan_path_matches(const char *diff_path, const char *test_file)
{
	const char *a, *b, *t;
	size_t la, lb, off, i;

	if (diff_path == NULL || test_file == NULL)
		return 0;
	a = skip_dot(diff_path);
	b = skip_dot(test_file);
	la = strlen(a);
	lb = strlen(b);
	if (la == 0 || lb == 0)
		return 0;
	if (la < lb) {			/* a is the longer one */
		t = a;
		a = b;
		b = t;
		off = la;
		la = lb;
		lb = off;
	}
	off = la - lb;
	for (i = 0; i < lb; i++) {
		if (is_sep((unsigned char)a[off + i]) &&
		    is_sep((unsigned char)b[i]))
			continue;
		if (a[off + i] != b[i])
			return 0;
	}
	if (off == 0)
		return 1;
	if (is_sep((unsigned char)b[0]))
		return 0;
	return is_sep((unsigned char)a[off - 1]);
}

/*
 * Writes into out the code of the trimmed line raw for matching: empty for
 * a comment line; otherwise with string literal contents dropped (the
 * quotes stay), trailing and inline comments dropped, and white space runs
 * collapsed to one space.  Keeps patterns from matching inside strings and
 * comments.
 */
static void
code_of(const struct lang_def *l, const char *raw, struct buf *out)
{
	const char *p = raw, *e;
	char q;

	buf_reset(out);
	buf_append(out, "", 0);
	if ((l->comments & C_HASH) && p[0] == '#' &&
	    !((l->comments & C_ATTR) && p[1] == '['))
		return;
	if ((l->comments & C_SLASH) && (starts(p, "//") || starts(p, "/*") ||
	    (p[0] == '*' && (p[1] == '\0' || is_space((unsigned char)p[1]) ||
	    p[1] == '/' || p[1] == '*'))))
		return;
	while (*p != '\0') {
		if (*p == '"' || *p == '\'' || *p == '`') {
			q = *p++;
			while (*p != '\0' && *p != q)
				p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
			buf_append(out, &q, 1);
			if (*p == q) {
				buf_append(out, &q, 1);
				p++;
			}
			continue;
		}
		if ((l->comments & C_HASH) && *p == '#' &&
		    !((l->comments & C_ATTR) && p[1] == '['))
			break;
		if ((l->comments & C_SLASH) && p[0] == '/' && p[1] == '/')
			break;
		if ((l->comments & C_SLASH) && p[0] == '/' && p[1] == '*') {
			if ((e = strstr(p + 2, "*/")) == NULL)
				break;
			p = e + 2;
			if (out->len > 0 && out->p[out->len - 1] != ' ')
				buf_append(out, " ", 1);
			continue;
		}
		if (is_space((unsigned char)*p)) {
			if (out->len > 0 && out->p[out->len - 1] != ' ')
				buf_append(out, " ", 1);
			p++;
			continue;
		}
		buf_append(out, p++, 1);
	}
	while (out->len > 0 && out->p[out->len - 1] == ' ')
		out->p[--out->len] = '\0';
}

/*
 * Predicate: pattern pat occurs in s under its flags.  A pattern starting
 * with an identifier character must start a word (unless P_ANY), so that
 * "assert" does not match inside "reassert".  Only the first MAX_HITS
 * occurrences are tried, which bounds the work on hostile lines.
 */
static int
pat_match(const struct pat *pat, const char *s)
{
	size_t n = strlen(pat->s), k;
	const char *h, *e;
	int lead = is_ident(pat->s[0]) && !(pat->fl & P_ANY), hits = 0;

	for (h = s; hits++ < MAX_HITS && (h = strstr(h, pat->s)) != NULL;
	    h++) {
		if ((pat->fl & P_START) && h != s)
			return 0;
		if (h > s && lead && is_ident(h[-1]))
			continue;
		if (h > s && (pat->fl & P_NODOT) && h[-1] == '.')
			continue;
		e = h + n;
		if ((pat->fl & P_WORD) && is_ident(*e))
			continue;
		if (pat->fl & P_CALL) {
			for (k = 0; is_ident(*e) && k < MAX_SCAN; k++)
				e++;
			if (*e == ' ')
				e++;
			if (*e != '(')
				continue;
		}
		if ((pat->fl & P_EOL) && *e != '\0')
			continue;
		if (pat->fl & P_NOASSIGN) {
			while (*e == ' ')
				e++;
			if (e[0] == '=' && e[1] != '=' && e[1] != '~' &&
			    e[1] != '>')
				continue;
		}
		return 1;
	}
	return 0;
}

/*
 * Predicate: a type name one of names starts at s (possibly after one
 * space and a leading '\'), followed by no more of a name.
 */
static int
type_is(const char *s, const char *end, const char *const *names)
{
	size_t n;

	if (*s == ' ')
		s++;
	if (*s == '\\')
		s++;
	for (; *names != NULL; names++) {
		n = strlen(*names);
		if ((size_t)(end - s) >= n && strncmp(s, *names, n) == 0 &&
		    !is_ident(s[n]) && s[n] != '.')
			return 1;
	}
	return 0;
}

/* Predicate: the promise handler arg[0..end) swallows the rejection. */
static int
js_noop(const char *arg, const char *end)
{
	char c[MAX_SCAN + 1];
	size_t n = 0;

	for (; arg < end && n < MAX_SCAN; arg++)
		if (*arg != ' ')
			c[n++] = *arg;
	c[n] = '\0';
	return ends(c, n, "{}") || ends(c, n, "=>null") ||
	    ends(c, n, "=>undefined") || ends(c, n, "=>void0") ||
	    strcmp(c, "noop") == 0 || ends(c, n, ".noop") ||
	    strcmp(c, "console.log") == 0 || strcmp(c, "console.error") == 0 ||
	    strcmp(c, "console.warn") == 0;
}

/*
 * Predicate: one catch clause is catch-all in the given style.  dot: it is
 * a method (.catch), arg[0..end) its parenthesized parameter (NULL when
 * none), after what follows it.
 */
static int
catch_is_broad(enum catch_style style, int dot, const char *arg,
    const char *end, const char *after)
{
	static const char *const java[] = { "Exception", "Throwable",
	    "java.lang.Exception", "java.lang.Throwable", "kotlin.Exception",
	    "kotlin.Throwable", NULL };
	static const char *const php[] = { "Exception", "Throwable", NULL };
	static const char *const cs[] = { "Exception", "System.Exception",
	    NULL };
	const char *colon;

	switch (style) {
	case K_NONE:
		return 0;
	case K_JS:
		if (dot)
			return arg != NULL && js_noop(arg, end);
		return after[0] == '{' && (after[1] == '}' ||
		    (after[1] == ' ' && after[2] == '}'));
	case K_JAVA:
		if (dot || arg == NULL)
			return 0;
		if (*arg == ' ')
			arg++;
		if (starts(arg, "final "))
			arg += 6;
		colon = memchr(arg, ':', (size_t)(end - arg));
		if (colon != NULL)		/* Kotlin e: Exception */
			arg = colon + 1;
		return type_is(arg, end, java);
	case K_CPP:
		if (dot || arg == NULL)
			return 0;
		if (*arg == ' ')
			arg++;
		return strncmp(arg, "...", 3) == 0 &&
		    (arg[3] == ')' || (arg[3] == ' ' && arg[4] == ')'));
	case K_PHP:
		return !dot && arg != NULL && type_is(arg, end, php);
	case K_CS:
		if (dot)
			return 0;
		if (arg == NULL)
			return after[0] == '\0' || after[0] == '{';
		return type_is(arg, end, cs);
	}
	return 0;
}

/*
 * Predicate: code holds a catch clause that is catch-all for the style:
 * each "catch" word (the first MAX_HITS) with its parenthesized parameter
 * (looked for within MAX_SCAN bytes) is given to catch_is_broad().
 */
static int
catch_broad(const char *code, enum catch_style style)
{
	const char *p, *q, *arg, *end, *after;
	size_t k;
	int depth, dot, hits = 0;

	if (style == K_NONE)
		return 0;
	for (p = code; hits++ < MAX_HITS &&
	    (p = strstr(p, "catch")) != NULL; p += 5) {
		if ((p > code && is_ident(p[-1])) || is_ident(p[5]))
			continue;
		dot = p > code && p[-1] == '.';
		q = p + 5;
		if (*q == ' ')
			q++;
		arg = end = NULL;
		after = q;
		if (*q == '(') {
			arg = q + 1;
			depth = 1;
			for (end = arg, k = 0; *end != '\0' && k < MAX_SCAN;
			    end++, k++) {
				if (*end == '(')
					depth++;
				else if (*end == ')' && --depth == 0)
					break;
			}
			if (*end != ')' || depth != 0)
				continue;
			after = end + 1;
			if (*after == ' ')
				after++;
		}
		if (catch_is_broad(style, dot, arg, end, after))
			return 1;
	}
	return 0;
}

/*
 * Returns the kind the trimmed line raw (with code, see code_of()) shows
 * in language l, or -1 for none.  Kinds are tried in diffpat_class_order, so a
 * line counts once.
 */
static int
classify(const struct lang_def *l, const char *raw, const char *code)
{
	const struct pat *pat;
	enum diff_kind k;
	int i;

	for (i = 0; i < DIFF__MAX; i++) {
		k = diffpat_class_order[i];
		for (pat = l->pats[k]; pat->s != NULL; pat++) {
			if (pat->fl & P_RAW) {
				if (pat_match(pat, raw))
					return (int)k;
			} else if (code[0] != '\0' && pat_match(pat, code))
				return (int)k;
		}
		if (k == DIFF_BROAD_EXCEPTION_ADDED && code[0] != '\0' &&
		    catch_broad(code, l->catch_style))
			return (int)k;
	}
	return -1;
}

/* FNV-1a of a path, for the file table. */
static size_t
path_hash(const char *s)
{
	size_t h = (size_t)2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * (size_t)16777619u;
	return h;
}

/* Rebuilds the path hash table with twice the slots. */
static void
slots_grow(struct diffscan *ds)
{
	size_t n = ds->nslots != 0 ? ds->nslots * 2 : 64, i, h;

	free(ds->slots);
	ds->slots = xcalloc(n, sizeof(*ds->slots));
	ds->nslots = n;
	for (i = 0; i < ds->nfiles; i++) {
		h = path_hash(ds->files[i].path) & (n - 1);
		while (ds->slots[h] != 0)
			h = (h + 1) & (n - 1);
		ds->slots[h] = i + 1;
	}
}

/*
 * Returns the index of the file path (copied) in ds, adding it when new,
 * or -1 when MAX_FILES distinct files are already listed (the result is
 * then marked truncated).  One file changed in several sections of the
 * diff is one entry whose counts add up.
 */
static long
file_add(struct diffscan *ds, const char *path)
{
	struct tally *t;
	size_t h;

	if ((ds->nfiles + 1) * 2 > ds->nslots)
		slots_grow(ds);
	h = path_hash(path) & (ds->nslots - 1);
	for (; ds->slots[h] != 0; h = (h + 1) & (ds->nslots - 1))
		if (strcmp(ds->files[ds->slots[h] - 1].path, path) == 0)
			return (long)ds->slots[h] - 1;
	if (ds->nfiles >= MAX_FILES) {
		ds->truncated = 1;
		return -1;
	}
	if (ds->nfiles == ds->capfiles) {
		ds->capfiles = ds->capfiles != 0 ? ds->capfiles * 2 : 16;
		ds->files = xreallocarray(ds->files, ds->capfiles,
		    sizeof(*ds->files));
		ds->tallies = xreallocarray(ds->tallies, ds->capfiles,
		    sizeof(*ds->tallies));
	}
	ds->files[ds->nfiles].path = arena_strdup(ds->arena, path);
	ds->files[ds->nfiles].is_test = diffscan_is_test_path(path);
	t = &ds->tallies[ds->nfiles];
	memset(t, 0, sizeof(*t));
	t->lang = ds->files[ds->nfiles].is_test ? lang_of(path) : -1;
	ds->slots[h] = ++ds->nfiles;
	return (long)ds->nfiles - 1;
}

/*
 * Sets a side's path to s[0..n) when src is at least as good as where the
 * current one came from.  "/dev/null" marks the side as absent instead.
 * strip: drop a leading "a/" or "b/" (git's prefixes).
 */
static void
side_set(struct side *sd, const char *s, size_t n, enum src src, int strip)
{
	if (n == 9 && memcmp(s, "/dev/null", 9) == 0) {
		sd->devnull = 1;
		return;
	}
	if (strip && n > 2 && (s[0] == 'a' || s[0] == 'b') && s[1] == '/') {
		s += 2;
		n -= 2;
	}
	if (n == 0 || src < sd->src)
		return;
	buf_reset(&sd->path);
	buf_append(&sd->path, s, n);
	sd->src = src;
}

/*
 * Decodes the C-style quoted name git writes for unusual paths, such as
 * "a/t\303\251st.py", at s (which starts with '"') into out.  Returns the
 * position after the closing quote, or NULL when there is none.
 */
static const char *
unquote(const char *s, struct buf *out)
{
	static const char esc[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"";
	char c;
	int k;

	buf_reset(out);
	for (s++; *s != '\0' && *s != '"'; s++) {
		c = *s;
		if (c == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			    (s[3] - '0'));
			s += 3;
		} else if (c == '\\' && s[1] != '\0') {
			s++;
			c = *s;
			for (k = 0; esc[k] != '\0'; k += 2)
				if (esc[k] == c) {
					c = esc[k + 1];
					break;
				}
		}
		buf_append(out, &c, 1);
	}
	return *s == '"' ? s + 1 : NULL;
}

/*
 * Reads one path token at s into out: a quoted name, or the rest of the
 * line up to a tab (GNU diff puts a time stamp there, git a lone tab when
 * the name has spaces).  Returns 0, or -1 when it is malformed.
 */
static int
path_token(const char *s, struct buf *out)
{
	const char *tab;

	if (*s == '"')
		return unquote(s, out) != NULL ? 0 : -1;
	buf_reset(out);
	tab = strchr(s, '\t');
	buf_append(out, s, tab != NULL ? (size_t)(tab - s) : strlen(s));
	return 0;
}

/*
 * Takes the two names of "diff --git A B".  Unquoted names with spaces
 * are ambiguous: the symmetric split "a/x b/x" is tried first; for other
 * cases the rename or ---/+++ lines that follow override this guess.
 */
static void
git_names(struct parser *P, const char *s)
{
	const char *q;
	size_t n = strlen(s), h;

	if (s[0] == '"') {
		if ((q = unquote(s, &P->t1)) == NULL || *q != ' ')
			return;
		if (path_token(q + 1, &P->t2) == -1)
			return;
	} else if (n > 0 && s[n - 1] == '"' &&
	    (q = strstr(s, " \"")) != NULL) {
		buf_reset(&P->t1);
		buf_append(&P->t1, s, (size_t)(q - s));
		if (unquote(q + 1, &P->t2) == NULL)
			return;
	} else if (n % 2 == 1 && s[(h = n / 2)] == ' ' &&
	    ((starts(s, "a/") && starts(s + h + 1, "b/") &&
	    memcmp(s + 2, s + h + 3, h - 2) == 0) ||
	    memcmp(s, s + h + 1, h) == 0)) {
		buf_reset(&P->t1);
		buf_append(&P->t1, s, h);
		buf_reset(&P->t2);
		buf_append(&P->t2, s + h + 1, h);
	} else if ((q = strstr(s, " b/")) != NULL) {
		buf_reset(&P->t1);
		buf_append(&P->t1, s, (size_t)(q - s));
		buf_reset(&P->t2);
		buf_puts(&P->t2, q + 1);
	} else
		return;
	side_set(&P->old, P->t1.p, P->t1.len, SRC_GIT, 1);
	side_set(&P->new, P->t2.p, P->t2.len, SRC_GIT, 1);
}

/* Takes the names of "Binary files A and B differ" (after the prefix). */
static void
binary_names(struct parser *P, const char *s)
{
	static const char *const seps[] = { " and \"", " and b/",
	    " and /dev/null", " and ", NULL };
	const char *q = NULL;
	size_t n = strlen(s);
	int i;

	if (!ends(s, n, " differ"))
		return;
	n -= 7;
	if (s[0] == '"') {
		if ((q = unquote(s, &P->t1)) == NULL || !starts(q, " and ") ||
		    (size_t)(q - s) + 5 > n)
			return;
	} else {
		for (i = 0; seps[i] != NULL; i++)
			if ((q = strstr(s, seps[i])) != NULL &&
			    (size_t)(q - s) + 5 <= n)
				break;
		if (seps[i] == NULL)
			return;
		buf_reset(&P->t1);
		buf_append(&P->t1, s, (size_t)(q - s));
	}
	q += 5;
	if (*q == '"') {
		if (unquote(q, &P->t2) == NULL)
			return;
	} else {
		buf_reset(&P->t2);
		buf_append(&P->t2, q, (size_t)(s + n - q));
	}
	side_set(&P->old, P->t1.p, P->t1.len, SRC_GIT, 1);
	side_set(&P->new, P->t2.p, P->t2.len, SRC_GIT, 1);
}

/*
 * Decides the current section's file: the new path, or the old one when
 * the new side is /dev/null (a deletion).  Paths holding NUL (from a
 * quoted \000) are refused; invalid UTF-8 in a path becomes '?' (see
 * utf8_clean()).  Idempotent.
 */
static void
resolve(struct parser *P)
{
	const struct buf *b = NULL;

	if (P->resolved)
		return;
	P->resolved = 1;
	P->file = -1;
	if (!P->section)
		return;
	if (!P->new.devnull && P->new.path.len > 0)
		b = &P->new.path;
	else if (P->old.path.len > 0)
		b = &P->old.path;
	else if (P->new.path.len > 0)
		b = &P->new.path;
	if (b == NULL || strlen(b->p) != b->len)
		return;
	utf8_clean(&P->t1, b->p, b->len);
	P->file = file_add(P->ds, P->t1.p);
}

/* Ends the current file section, listing its file if not done yet. */
static void
section_end(struct parser *P)
{
	resolve(P);
	P->section = 0;
	P->file = -1;
	P->hunk = H_NONE;
}

/* Starts a new file section after ending the current one. */
static void
section_begin(struct parser *P)
{
	section_end(P);
	P->section = 1;
	P->seen_minus = P->seen_plus = P->seen_hunk = 0;
	P->resolved = 0;
	P->file = -1;
	buf_reset(&P->old.path);
	buf_reset(&P->new.path);
	P->old.src = P->new.src = SRC_NONE;
	P->old.devnull = P->new.devnull = 0;
}

/*
 * Reads a hunk header number of at most MAX_NUM_DIGITS digits at *sp into
 * *v and advances *sp.  Returns 0, or -1 when there is no such number.
 */
static int
hunk_num(const char **sp, long *v)
{
	const char *s = *sp;
	int n;

	*v = 0;
	for (n = 0; isdigit((unsigned char)s[n]); n++) {
		if (n == MAX_NUM_DIGITS)
			return -1;
		*v = *v * 10 + (s[n] - '0');
	}
	if (n == 0)
		return -1;
	*sp = s + n;
	return 0;
}

/*
 * Reads a hunk range "start[,count]" at *sp (count 1 when absent) and
 * advances *sp.  Returns 0, or -1 when it does not parse.
 */
static int
hunk_range(const char **sp, long *start, long *count)
{
	*count = 1;
	if (hunk_num(sp, start) == -1)
		return -1;
	if (**sp != ',')
		return 0;
	(*sp)++;
	return hunk_num(sp, count);
}

/*
 * Starts a hunk at "@@ -a[,b] +c[,d] @@ context".  A header that does not
 * parse (or has absurd numbers) starts a hunk that is skipped: its lines
 * are consumed but not looked into.
 */
static void
hunk_header(struct parser *P, const char *s)
{
	long a, b, c, d;

	if (P->section)
		resolve(P);
	P->seen_hunk = 1;
	P->hunk = H_SKIP;
	s += 3;
	if (*s++ != '-' || hunk_range(&s, &a, &b) == -1)
		return;
	if (s[0] != ' ' || s[1] != '+')
		return;
	s += 2;
	if (hunk_range(&s, &c, &d) == -1 || !starts(s, " @@"))
		return;
	/* line 0 names an empty side only: "-0,3" would number lines 0.. */
	if ((a == 0 && b > 0) || (c == 0 && d > 0))
		return;
	s += 3;
	while (is_space((unsigned char)*s))
		s++;
	buf_reset(&P->ctx);
	buf_puts(&P->ctx, s);
	P->ctx_copy = NULL;
	P->old_line = a;
	P->new_line = c;
	P->old_rem = b;
	P->new_rem = d;
	P->hunk = b > 0 || d > 0 ? H_LINES : H_NONE;
}

/*
 * Looks at one added (c '+') or removed ('-') line s[0..n) of the current
 * file, numbered ln on its side, and counts what it shows.
 */
static void
scan_line(struct parser *P, char c, const char *s, size_t n, long ln)
{
	struct tally *t = &P->ds->tallies[P->file];
	const char *raw;
	char *p;
	size_t len;
	int k;

	buf_reset(&P->line);
	buf_append(&P->line, s, n);
	for (p = P->line.p; (p = memchr(p, '\0',
	    P->line.len - (size_t)(p - P->line.p))) != NULL; p++)
		*p = ' ';
	raw = P->line.p;
	len = P->line.len;
	while (len > 0 && is_space((unsigned char)raw[len - 1]))
		P->line.p[--len] = '\0';
	while (is_space((unsigned char)*raw))
		raw++;
	if (*raw == '\0')
		return;
	code_of(&diffpat_langs[t->lang], raw, &P->code);
	if ((k = classify(&diffpat_langs[t->lang], raw, P->code.p)) < 0)
		return;
	if (c == '+' && t->plus[k] < INT_MAX)
		t->plus[k]++;
	else if (c == '-' && t->minus[k] < INT_MAX)
		t->minus[k]++;
	if (t->text[k] != NULL ||
	    c != (k == DIFF_ASSERTION_REMOVED ? '-' : '+'))
		return;
	t->line[k] = ln > INT_MAX ? INT_MAX : (int)ln;
	t->text[k] = text_copy(P->ds->arena, &P->t1, raw, strlen(raw));
	if (P->ctx_copy == NULL)
		P->ctx_copy = text_copy(P->ds->arena, &P->t1, P->ctx.p != NULL ?
		    P->ctx.p : "", P->ctx.len);
	t->context[k] = P->ctx_copy;
}

/*
 * One line inside a counted hunk: c is its first character (' ' for an
 * empty line).  Advances the line numbers, scans + and - lines of test
 * files, and leaves the hunk when both sides' counts are used up.
 */
static void
hunk_line(struct parser *P, char c, const char *s, size_t n)
{
	long ln = 0;

	if (c == '\\')			/* \ No newline at end of file */
		return;
	if (c != '+') {
		ln = P->old_line;
		if (P->old_line < INT_MAX)
			P->old_line++;
		if (P->old_rem > 0)
			P->old_rem--;
	}
	if (c != '-') {
		ln = P->new_line;
		if (P->new_line < INT_MAX)
			P->new_line++;
		if (P->new_rem > 0)
			P->new_rem--;
	}
	if (c != ' ' && n <= MAX_LINE && P->file >= 0 &&
	    P->ds->tallies[P->file].lang >= 0)
		scan_line(P, c, s + 1, n - 1, ln);
	if (P->old_rem == 0 && P->new_rem == 0)
		P->hunk = H_NONE;
}

/* One line between hunks, NUL-terminated and without NUL inside. */
static void
header_line(struct parser *P, const char *s)
{
	if (starts(s, "diff --git ")) {
		section_begin(P);
		git_names(P, s + 11);
	} else if (starts(s, "diff --cc ") || starts(s, "diff --combined ")) {
		section_begin(P);
		if (path_token(strchr(s + 7, ' ') + 1, &P->t1) == 0)
			side_set(&P->new, P->t1.p, P->t1.len, SRC_GIT, 0);
	} else if (starts(s, "@@@")) {
		if (P->section)
			resolve(P);
		P->seen_hunk = 1;
		P->hunk = H_SKIP;
	} else if (starts(s, "@@ ")) {
		hunk_header(P, s);
	} else if (starts(s, "--- ")) {
		if (!P->section || P->seen_minus || P->seen_hunk)
			section_begin(P);
		P->seen_minus = 1;
		if (path_token(s + 4, &P->t1) == 0)
			side_set(&P->old, P->t1.p, P->t1.len, SRC_HEADER, 1);
	} else if (starts(s, "+++ ")) {
		if (!P->section || !P->seen_minus || P->seen_plus ||
		    P->seen_hunk)
			return;
		P->seen_plus = 1;
		if (path_token(s + 4, &P->t1) == 0)
			side_set(&P->new, P->t1.p, P->t1.len, SRC_HEADER, 1);
	} else if (!P->section || P->seen_hunk) {
		return;			/* stray text */
	} else if (starts(s, "rename from ") || starts(s, "copy from ")) {
		if (path_token(strstr(s, "from ") + 5, &P->t1) == 0)
			side_set(&P->old, P->t1.p, P->t1.len, SRC_RENAME, 0);
	} else if (starts(s, "rename to ") || starts(s, "copy to ")) {
		if (path_token(strstr(s, "to ") + 3, &P->t1) == 0)
			side_set(&P->new, P->t1.p, P->t1.len, SRC_RENAME, 0);
	} else if (starts(s, "new file mode")) {
		P->old.devnull = 1;
	} else if (starts(s, "deleted file mode")) {
		P->new.devnull = 1;
	} else if (starts(s, "Binary files ")) {
		binary_names(P, s + 13);
	}
	/* index, similarity, mode lines, GIT binary patch data: nothing */
}

/*
 * One line of the diff, s[0..n) without its '\n', possibly holding NUL.
 * Inside a hunk, a line that cannot be a hunk line ends the hunk whatever
 * its counts said, so a lying header cannot hide the next file; so does
 * a line of a side whose count is used up (it would be numbered outside
 * the hunk, even line 0).
 */
static void
parse_line(struct parser *P, const char *s, size_t n)
{
	char c, *p;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (P->hunk != H_NONE) {
		c = n > 0 ? s[0] : ' ';
		if (P->hunk == H_SKIP &&
		    (c == ' ' || c == '+' || c == '-' || c == '\\'))
			return;
		/* a line for a side whose count is used up ends the hunk */
		if (c == '\\' || (c == '+' && P->new_rem > 0) ||
		    (c == '-' && P->old_rem > 0) ||
		    (c == ' ' && P->old_rem > 0 && P->new_rem > 0)) {
			hunk_line(P, c, s, n > 0 ? n : 1);
			return;
		}
		P->hunk = H_NONE;
	}
	if (n > MAX_LINE)
		return;
	buf_reset(&P->line);
	buf_append(&P->line, s, n);
	for (p = P->line.p; (p = memchr(p, '\0',
	    P->line.len - (size_t)(p - P->line.p))) != NULL; p++)
		*p = ' ';
	header_line(P, P->line.p);
}

/* Fills ds->findings from the tallies, in file order, then kind order. */
static void
findings_build(struct diffscan *ds)
{
	const struct tally *t;
	struct diff_finding *f;
	size_t i, n = 0;
	int k, net;

	ds->findings = xcalloc(ds->nfiles * DIFF__MAX, sizeof(*f));
	for (i = 0; i < ds->nfiles; i++) {
		t = &ds->tallies[i];
		if (t->lang < 0)
			continue;
		for (k = 0; k < DIFF__MAX; k++) {
			net = k == DIFF_ASSERTION_REMOVED ?
			    t->minus[k] - t->plus[k] :
			    t->plus[k] - t->minus[k];
			if (net <= 0 || t->text[k] == NULL)
				continue;
			if (n == MAX_FINDINGS) {
				ds->truncated = 1;
				break;
			}
			f = &ds->findings[n++];
			f->file = ds->files[i].path;
			f->kind = (enum diff_kind)k;
			f->count = net;
			f->line = t->line[k];
			f->text = t->text[k];
			f->context = t->context[k];
		}
	}
	ds->nfindings = n;
}

/*
 * Scans the unified diff text[0..len) (need not be NUL-terminated, may
 * hold NUL; NULL with len 0 is an empty diff) in one pass.  Returns the
 * result, which owns every string it hands out; the caller frees it with
 * diffscan_free().  Never returns NULL: out of memory aborts, as buf and
 * arena do.  Garbage input gives an empty or partial result, not an error.
 */
struct diffscan *
diffscan_run(const char *text, size_t len)
{
	struct diffscan *ds = xcalloc(1, sizeof(*ds));
	struct parser P;
	const char *nl;
	size_t off, e;

	ds->arena = arena_new();
	memset(&P, 0, sizeof(P));
	P.ds = ds;
	P.file = -1;
	P.resolved = 1;
	buf_init(&P.old.path);
	buf_init(&P.new.path);
	buf_init(&P.ctx);
	buf_init(&P.line);
	buf_init(&P.code);
	buf_init(&P.t1);
	buf_init(&P.t2);
	if (text == NULL)
		len = 0;
	for (off = 0; off < len; off = e + 1) {
		nl = memchr(text + off, '\n', len - off);
		e = nl != NULL ? (size_t)(nl - text) : len;
		parse_line(&P, text + off, e - off);
	}
	section_end(&P);
	buf_free(&P.old.path);
	buf_free(&P.new.path);
	buf_free(&P.ctx);
	buf_free(&P.line);
	buf_free(&P.code);
	buf_free(&P.t1);
	buf_free(&P.t2);
	findings_build(ds);
	return ds;
}

/* Frees a result and every string it handed out; accepts NULL. */
void
diffscan_free(struct diffscan *ds)
{
	if (ds == NULL)
		return;
	arena_free(ds->arena);
	free(ds->files);
	free(ds->tallies);
	free(ds->slots);
	free(ds->findings);
	free(ds);
}

/* Returns the number of distinct changed files, in order of appearance. */
size_t
diffscan_nfiles(const struct diffscan *ds)
{
	return ds->nfiles;
}

/* Returns changed file i (borrowed from ds), or NULL when out of range. */
const struct diff_file *
diffscan_file(const struct diffscan *ds, size_t i)
{
	return i < ds->nfiles ? &ds->files[i] : NULL;
}

/* Returns the number of findings. */
size_t
diffscan_nfindings(const struct diffscan *ds)
{
	return ds->nfindings;
}

/*
 * Returns finding i (borrowed from ds), or NULL when out of range.
 * Findings come in file order, and by kind within a file.
 */
const struct diff_finding *
diffscan_finding(const struct diffscan *ds, size_t i)
{
	return i < ds->nfindings ? &ds->findings[i] : NULL;
}

/* Predicate: the MAX_FILES cap dropped files (and their findings). */
int
diffscan_truncated(const struct diffscan *ds)
{
	return ds->truncated;
}
