/*
 * The JUnit XML reader: streams a report through libxml2's xmlTextReader
 * and hands each <testcase> to a callback as a struct junit_case, never
 * building a tree, so memory follows the largest single testcase, not the
 * report.  It knows the dialects of t/data/junit/README.md: <testsuites>
 * or <testsuite> roots, suites nested to any depth (flattened, path kept),
 * failure/error/skipped with message attribute and/or text, several of
 * them per testcase (failure beats error beats skipped), Surefire's
 * flaky and rerun elements, status attributes of gtest and ctest for
 * disabled tests, testcase properties and output.  Hostile input (ING-2):
 * no DTD is accepted at all (so no entity is ever expanded or fetched),
 * no network, nesting capped, texts capped with a marker.  Merging
 * repeated testcases and storing results is ingest's job.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "buf.h"
#include "fault.h"
#include "junit.h"
#include "stream.h"
#include "textcap.h"
#include "tvtime.h"
#include "utf8.h"

#define MAX_DEPTH	128
/*
 * Character data kept of one text run, below libxml2's limit of
 * 10,000,000 bytes per text node (ING-2: a longer <system-out> is cut,
 * never a reason to refuse the report); texts are capped far lower by
 * max_text_bytes anyway.
 */
#define JUNIT_TEXT_RUN_MAX	(9 * 1000 * 1000)

static const char *const status_names[ST__MAX] = {
	[ST_PASSED] = "passed",
	[ST_FAILED] = "failed",
	[ST_ERROR] = "error",
	[ST_SKIPPED] = "skipped",
};

/* The status's name, a static string. */
const char *
junit_status_name(enum tv_status s)
{
	return s < ST__MAX ? status_names[s] : "?";
}

/* Parses a status name; 0 or -1. */
int
junit_status_parse(const char *s, enum tv_status *out)
{
	int i;

	for (i = 0; i < ST__MAX; i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum tv_status)i;
			return 0;
		}
	return -1;
}

/*
 * Parses a `time` attribute (seconds) into milliseconds: "0.123", "12",
 * "1,234.5" (comma before exactly three digits groups thousands, any other
 * comma is a decimal comma), surrounding blanks allowed.  Returns -1 for
 * empty, negative, non-finite or garbage text.
 */
long long
junit_parse_seconds(const char *s)
{
	char tmp[64], *end;
	size_t i, o = 0, n;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == ',') {
			size_t d = 0;
			while (i + 1 + d < n && s[i + 1 + d] >= '0' &&
			    s[i + 1 + d] <= '9')
				d++;
			if (d == 3 && (i + 4 == n || s[i + 4] == '.' ||
			    s[i + 4] == ','))
				continue;	/* thousands separator */
			tmp[o++] = '.';
			continue;
		}
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == 'e' || s[i] == 'E' || s[i] == '-' || s[i] == '+'))
			return -1;
		tmp[o++] = s[i];
	}
	tmp[o] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) || v < 0 ||
	    v > 1e9)
		return -1;
	return (long long)(v * 1000.0 + 0.5);
}

/* A capped text being collected; dropped counts bytes past the cap. */
struct text {
	struct buf	 b;
	long long	 cap;
	long long	 dropped;
	int		 set;
};

/* What is being collected from the current testcase. */
enum collect {
	COL_NONE,
	COL_DETAILS,
	COL_OUT,
	COL_ERR,
	COL_PROPERTY,
	COL__MAX
};

struct reader {
	xmlTextReaderPtr	 x;
	struct stream		*src;
	struct fault		*fault;
	struct junit_info	*info;
	int			(*fn)(void *, const struct junit_case *);
	void			*arg;
	const struct junit_limits *lim;
	int			 root_seen;
	int			 root_is_suites;
	long long		 suites_time;	/* sum of top-level suites */
	/* suite path: names joined by " / ", with per-depth offsets */
	struct buf		 path;
	size_t			 path_off[MAX_DEPTH + 1];
	int			 suite_depth[MAX_DEPTH + 1];
	long			 suite_cases[MAX_DEPTH + 2];	/* testcases seen */
	int			 nsuites;
	char			 unnamed[48];	/* a synthesized name */
	/* the current testcase */
	int			 in_case, case_depth;
	char			*name, *classname, *file, *cstatus, *cresult;
	long			 line;
	long long		 duration, assertions;
	int			 n_fail, n_error, n_skip, n_flaky, n_rerun;
	struct text		 message, type, details, out, err;
	struct buf		 tags;
	char			*owner, *feature, *domain;
	enum collect		 col;
	int			 col_depth;
	char			*prop_name;
	struct text		 prop_value;
};

/* The marker that ends a text cut to its cap (ING-2), of %lld bytes. */
#define TRUNCATED "\n[... truncated %lld bytes]"

/* Appends n bytes to t, cutting at the cap on a UTF-8 boundary. */
static void
text_add(struct text *t, const char *s, size_t n)
{
	size_t room;

	t->set = 1;
	if ((long long)t->b.len >= t->cap) {
		t->dropped += (long long)n;
		return;
	}
	room = (size_t)(t->cap - (long long)t->b.len);
	if (n > room) {
		size_t cut = utf8_prefix(s, n, room);
		t->dropped += (long long)(n - cut);
		n = cut;
	}
	buf_append(&t->b, s, n);
}

/* Resets t for a new testcase with the given cap. */
static void
text_reset(struct text *t, long long cap)
{
	buf_reset(&t->b);
	t->cap = cap;
	t->dropped = 0;
	t->set = 0;
}

/* The collected text with a truncation marker, or NULL when never set. */
static const char *
text_final(struct reader *r, struct text *t)
{
	if (!t->set)
		return NULL;
	if (t->dropped > 0) {
		buf_printf(&t->b, TRUNCATED, t->dropped);
		t->dropped = 0;
		r->info->truncated++;
	}
	return t->b.p != NULL ? t->b.p : "";
}

/*
 * Text s cut to cap bytes on a character boundary and ended with the
 * marker the reader writes, for texts that arrive by other ways than a
 * report: s itself when it fits (or is NULL), else b's contents (b is
 * reset; the result is valid until b changes).
 */
const char *
junit_text_cap(struct buf *b, const char *s, long long cap)
{
	size_t n, cut;

	if (s == NULL || (long long)(n = strlen(s)) <= cap)
		return s;
	cut = utf8_prefix(s, n, (size_t)cap);
	buf_reset(b);
	buf_append(b, s, cut);
	buf_printf(b, TRUNCATED, (long long)(n - cut));
	return b->p;
}

/* An attribute's value (caller frees with xmlFree), or NULL. */
static char *
attr(struct reader *r, const char *name)
{
	return (char *)xmlTextReaderGetAttribute(r->x, (const xmlChar *)name);
}

static void
case_clear(struct reader *r)
{
	xmlFree(r->name);
	xmlFree(r->classname);
	xmlFree(r->file);
	xmlFree(r->cstatus);
	xmlFree(r->cresult);
	xmlFree(r->owner);
	xmlFree(r->feature);
	xmlFree(r->domain);
	xmlFree(r->prop_name);
	r->name = r->classname = r->file = r->cstatus = r->cresult = NULL;
	r->owner = r->feature = r->domain = r->prop_name = NULL;
	r->in_case = 0;
	r->col = COL_NONE;
}

/* Starts a testcase at the current element. */
static void
case_begin(struct reader *r, int depth)
{
	char *v;

	case_clear(r);
	r->in_case = 1;
	r->case_depth = depth;
	r->suite_cases[r->nsuites]++;
	r->name = attr(r, "name");
	r->classname = attr(r, "classname");
	if (r->classname == NULL)
		r->classname = attr(r, "class");
	r->file = attr(r, "file");
	r->cstatus = attr(r, "status");
	r->cresult = attr(r, "result");
	r->line = 0;
	if ((v = attr(r, "line")) != NULL) {
		char *end;
		long l = strtol(v, &end, 10);
		if (*end == '\0' && l > 0)
			r->line = l;
		xmlFree(v);
	}
	r->duration = -1;
	if ((v = attr(r, "time")) != NULL) {
		if ((r->duration = junit_parse_seconds(v)) < 0)
			r->info->bad_times++;
		xmlFree(v);
	}
	r->assertions = -1;
	if ((v = attr(r, "assertions")) != NULL) {
		char *end;
		long long a = strtoll(v, &end, 10);
		if (*end == '\0' && a >= 0)
			r->assertions = a;
		xmlFree(v);
	}
	r->n_fail = r->n_error = r->n_skip = r->n_flaky = r->n_rerun = 0;
	text_reset(&r->message, r->lim->message_max);
	text_reset(&r->type, 256);
	text_reset(&r->details, r->lim->text_max);
	text_reset(&r->out, r->lim->text_max);
	text_reset(&r->err, r->lim->text_max);
	buf_reset(&r->tags);
}

/* Predicate: a status/result attribute that means "did not run". */
static int
not_run(const char *v)
{
	static const char *const words[] = { "notrun", "disabled", "skipped",
	    "suppressed", "ignored", NULL };
	int i;

	for (i = 0; v != NULL && words[i] != NULL; i++)
		if (strcmp(v, words[i]) == 0)
			return 1;
	return 0;
}

/* Finishes the current testcase and hands it to the callback. */
static int
case_end(struct reader *r)
{
	struct junit_case c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.name = r->name;
	if (r->name == NULL || r->name[0] == '\0') {
		/*
		 * Issue 11: dropping it could lose a failure.  Its position
		 * in its suite names it, stable while the suite's order is.
		 */
		r->info->unnamed++;
		snprintf(r->unnamed, sizeof(r->unnamed), "(unnamed testcase "
		    "%ld)", r->suite_cases[r->nsuites]);
		c.name = r->unnamed;
	}
	c.classname = r->classname != NULL ? r->classname : "";
	c.file = r->file != NULL ? r->file : "";
	c.line = r->line;
	c.suite_path = r->path.p != NULL ? r->path.p : "";
	if (r->n_fail > 0)
		c.status = ST_FAILED;
	else if (r->n_error > 0)
		c.status = ST_ERROR;
	else if (r->n_skip > 0 || not_run(r->cstatus) || not_run(r->cresult))
		c.status = ST_SKIPPED;
	else
		c.status = ST_PASSED;
	c.duration_ms = r->duration;
	c.attempts = 1 + r->n_flaky + r->n_rerun;
	c.flaky_in_run = c.status == ST_PASSED && r->n_flaky > 0;
	c.assertions = r->assertions;
	c.message = text_final(r, &r->message);
	c.error_type = text_final(r, &r->type);
	c.details = text_final(r, &r->details);
	c.out = text_final(r, &r->out);
	c.err = text_final(r, &r->err);
	c.tags = r->tags.len > 0 ? r->tags.p : NULL;
	c.owner = r->owner;
	c.feature = r->feature;
	c.domain = r->domain;
	r->info->cases++;
	rc = r->fn(r->arg, &c);
	case_clear(r);
	return rc;
}

/* Records a testcase property (name/value attribute or text). */
static void
property_set(struct reader *r, const char *name, const char *value)
{
	char **slot = NULL;

	if (name == NULL || value == NULL)
		return;
	if (strcmp(name, "tag") == 0 || strcmp(name, "tags") == 0) {
		if (r->tags.len > 0)
			buf_puts(&r->tags, ",");
		buf_puts(&r->tags, value);
		return;
	}
	if (strcmp(name, "owner") == 0)
		slot = &r->owner;
	else if (strcmp(name, "feature") == 0)
		slot = &r->feature;
	else if (strcmp(name, "domain") == 0)
		slot = &r->domain;
	if (slot == NULL)
		return;
	xmlFree(*slot);
	*slot = (char *)xmlStrdup((const xmlChar *)value);
}

/*
 * An element directly or deeper inside the current testcase: outcome
 * elements count and set the message, output elements start collecting.
 */
static void
case_child(struct reader *r, const char *el, int depth, int empty)
{
	int is_fail = strcmp(el, "failure") == 0;
	int is_error = strcmp(el, "error") == 0;
	int is_flaky = strcmp(el, "flakyFailure") == 0 ||
	    strcmp(el, "flakyError") == 0;
	int is_rerun = strcmp(el, "rerunFailure") == 0 ||
	    strcmp(el, "rerunError") == 0;
	char *m, *t;

	if (strcmp(el, "property") == 0) {
		char *n = attr(r, "name"), *v = attr(r, "value");
		if (v != NULL || empty)
			property_set(r, n, v);
		else {
			xmlFree(r->prop_name);
			r->prop_name = n;
			n = NULL;
			text_reset(&r->prop_value, 4096);
			r->col = COL_PROPERTY;
			r->col_depth = depth;
		}
		xmlFree(n);
		xmlFree(v);
		return;
	}
	if (depth == r->case_depth + 1 && strcmp(el, "skipped") == 0) {
		r->n_skip++;
		if ((m = attr(r, "message")) != NULL && !r->message.set)
			text_add(&r->message, m, strlen(m));
		xmlFree(m);
		if (!empty && r->col == COL_NONE) {
			r->col = COL_DETAILS;
			r->col_depth = depth;
		}
		return;
	}
	if (is_fail || is_error || is_flaky || is_rerun) {
		if (depth != r->case_depth + 1)
			return;
		r->n_fail += is_fail;
		r->n_error += is_error;
		r->n_flaky += is_flaky;
		r->n_rerun += is_rerun;
		/* the outcome's own message beats an earlier attempt's */
		if (is_fail || is_error || !r->message.set) {
			if ((m = attr(r, "message")) != NULL &&
			    (!r->message.set || ((is_fail || is_error) &&
			    r->n_fail + r->n_error == 1))) {
				text_reset(&r->message, r->lim->message_max);
				text_add(&r->message, m, strlen(m));
			}
			xmlFree(m);
			if ((t = attr(r, "type")) != NULL && (!r->type.set ||
			    is_fail || is_error)) {
				text_reset(&r->type, 256);
				text_add(&r->type, t, strlen(t));
			}
			xmlFree(t);
		}
		if (!empty && (!r->details.set || is_fail || is_error)) {
			if (r->details.set && r->details.b.len > 0)
				text_add(&r->details, "\n\n", 2);
			r->col = COL_DETAILS;
			r->col_depth = depth;
		}
		return;
	}
	if (depth == r->case_depth + 1 && !empty &&
	    (strcmp(el, "system-out") == 0 || strcmp(el, "system-err") == 0)) {
		r->col = el[7] == 'o' ? COL_OUT : COL_ERR;
		r->col_depth = depth;
	}
}

/* Appends the current text node to whatever is being collected. */
static void
collect_text(struct reader *r)
{
	const char *v = (const char *)xmlTextReaderConstValue(r->x);
	struct text *t;

	if (v == NULL)
		return;
	switch (r->col) {
	case COL_DETAILS: t = &r->details; break;
	case COL_OUT: t = &r->out; break;
	case COL_ERR: t = &r->err; break;
	case COL_PROPERTY: t = &r->prop_value; break;
	default: return;
	}
	text_add(t, v, strlen(v));
}

/* Opens a <testsuite>: pushes its name and reads its timestamp/time. */
static void
suite_begin(struct reader *r, int depth, int empty)
{
	char *name = attr(r, "name"), *ts = attr(r, "timestamp");
	char *time = NULL;
	int64_t ms;

	if (ts != NULL && tvtime_parse_iso8601(ts, strlen(ts), &ms) == 0 &&
	    (r->info->started_at < 0 || ms < r->info->started_at))
		r->info->started_at = ms;
	xmlFree(ts);
	if (r->nsuites == 0) {	/* a top-level suite */
		time = attr(r, "time");
		if (time != NULL && junit_parse_seconds(time) >= 0)
			r->suites_time += junit_parse_seconds(time);
		xmlFree(time);
	}
	if (!empty) {
		r->path_off[r->nsuites] = r->path.len;
		r->suite_depth[r->nsuites] = depth;
		if (name != NULL && name[0] != '\0') {
			if (r->path.len > 0)
				buf_puts(&r->path, " / ");
			buf_puts(&r->path, name);
		}
		r->nsuites++;
		r->suite_cases[r->nsuites] = 0;
	}
	xmlFree(name);
}

/* Closes the innermost suite when the end element at depth is its own. */
static void
suite_end(struct reader *r, int depth)
{
	if (r->nsuites > 0 && r->suite_depth[r->nsuites - 1] == depth) {
		r->nsuites--;
		r->path.len = r->path_off[r->nsuites];
		if (r->path.p != NULL)
			r->path.p[r->path.len] = '\0';
	}
}

/* Handles a start element; returns 0 or -1 (fault set). */
static int
on_element(struct reader *r)
{
	const char *el = (const char *)xmlTextReaderConstLocalName(r->x);
	int depth = xmlTextReaderDepth(r->x);
	int empty = xmlTextReaderIsEmptyElement(r->x);
	char *t;

	if (depth > MAX_DEPTH) {
		fault_set(r->fault, FAULT_BAD_INPUT, "invalid_xml",
		    "elements nest deeper than %d levels", MAX_DEPTH);
		return -1;
	}
	if (!r->root_seen) {
		r->root_seen = 1;
		if (strcmp(el, "testsuites") == 0) {
			r->root_is_suites = 1;
			if ((t = attr(r, "time")) != NULL) {
				r->info->duration_ms = junit_parse_seconds(t);
				xmlFree(t);
			}
			return 0;
		}
		if (strcmp(el, "testsuite") != 0) {
			fault_set(r->fault, FAULT_BAD_INPUT, "not_junit",
			    "the root element is <%.*s>, not <testsuites> or "
			    "<testsuite>",
			    UTF8_CUT(el, 64));
			return -1;
		}
	}
	if (r->in_case) {
		case_child(r, el, depth, empty);
		return 0;
	}
	if (strcmp(el, "testsuite") == 0)
		suite_begin(r, depth, empty);
	else if (strcmp(el, "testcase") == 0) {
		case_begin(r, depth);
		if (empty)
			return case_end(r);
	} else if (strcmp(el, "system-out") == 0 ||
	    strcmp(el, "system-err") == 0)
		r->info->suite_output++;
	return 0;
}

/* Handles an end element; returns 0 or -1. */
static int
on_end(struct reader *r)
{
	int depth = xmlTextReaderDepth(r->x);

	if (r->in_case) {
		if (r->col != COL_NONE && depth == r->col_depth) {
			if (r->col == COL_PROPERTY) {
				property_set(r, r->prop_name,
				    text_final(r, &r->prop_value));
				xmlFree(r->prop_name);
				r->prop_name = NULL;
			}
			r->col = COL_NONE;
		}
		if (depth == r->case_depth)
			return case_end(r);
		return 0;
	}
	suite_end(r, depth);
	return 0;
}

/* libxml2 pulls input through here. */
static int
io_read(void *ctx, char *buf, int len)
{
	struct reader *r = ctx;
	ssize_t n = stream_read(r->src, buf, (size_t)len);

	return n < 0 ? -1 : (int)n;
}

static int
io_close(void *ctx)
{
	return 0;
}

/* Keeps libxml2's first error (with its position) as the fault. */
static void
on_xml_error(void *ctx, xmlErrorPtr e)
{
	struct reader *r = ctx;
	char msg[256];
	size_t n;

	if (e == NULL || e->level < XML_ERR_ERROR ||
	    r->fault->kind != FAULT_NONE)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message != NULL ? e->message :
	    "malformed XML");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	fault_set(r->fault, FAULT_BAD_INPUT, "invalid_xml",
	    "malformed XML at line %d, column %d: %s", e->line, e->int2, msg);
	r->fault->line = e->line;
	r->fault->column = e->int2;
}

/*
 * Reads one report from src, calling fn(arg, testcase) for each testcase
 * in document order; fn returns 0 to go on or -1 to stop (having set the
 * fault itself).  Fills *info.  Returns 0, or -1 with the fault set:
 * 400 invalid_xml (with line and column), not_junit, or whatever the
 * stream reported (413 too_large, invalid_gzip ...).
 */
int
junit_read(struct stream *src, const struct junit_limits *lim,
    int (*fn)(void *, const struct junit_case *), void *arg,
    struct junit_info *info, struct fault *fault)
{
	struct reader r;
	int rc = 0, type, ret = -1;

	memset(&r, 0, sizeof(r));
	memset(info, 0, sizeof(*info));
	info->started_at = -1;
	info->duration_ms = -1;
	/* cut character data before libxml2's 10 MB text node limit */
	r.src = textcap_new(src, JUNIT_TEXT_RUN_MAX);
	r.fault = fault;
	r.info = info;
	r.fn = fn;
	r.arg = arg;
	r.lim = lim;
	buf_init(&r.path);
	buf_puts(&r.path, "");
	r.x = xmlReaderForIO(io_read, io_close, &r, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING);
	if (r.x == NULL) {
		fault_set(fault, FAULT_BAD_INPUT, "invalid_xml",
		    "the report is empty or not XML");
		goto out;
	}
	xmlTextReaderSetStructuredErrorHandler(r.x, on_xml_error, &r);
	while ((rc = xmlTextReaderRead(r.x)) == 1) {
		type = xmlTextReaderNodeType(r.x);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			fault_set(fault, FAULT_BAD_INPUT, "invalid_xml",
			    "DOCTYPE declarations are not accepted in reports");
			goto out;
		}
		if (type == XML_READER_TYPE_ELEMENT)
			rc = on_element(&r);
		else if (type == XML_READER_TYPE_END_ELEMENT)
			rc = on_end(&r);
		else if (r.in_case && (type == XML_READER_TYPE_TEXT ||
		    type == XML_READER_TYPE_CDATA ||
		    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		    type == XML_READER_TYPE_WHITESPACE))
			collect_text(&r);
		else if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
			fault_set(fault, FAULT_BAD_INPUT, "invalid_xml",
			    "entity references are not accepted in reports");
			goto out;
		}
		if (rc == -1)
			goto out;
	}
	if (rc != 0 || fault->kind != FAULT_NONE) {
		fault_set(fault, FAULT_BAD_INPUT, "invalid_xml",
		    "malformed XML");
		goto out;
	}
	if (!r.root_seen) {
		fault_set(fault, FAULT_BAD_INPUT, "not_junit",
		    "the report has no root element");
		goto out;
	}
	if (info->duration_ms < 0 && r.suites_time > 0)
		info->duration_ms = r.suites_time;
	ret = 0;
out:
	case_clear(&r);
	if (r.x != NULL)
		xmlFreeTextReader(r.x);
	buf_free(&r.path);
	buf_free(&r.message.b);
	buf_free(&r.type.b);
	buf_free(&r.details.b);
	buf_free(&r.out.b);
	buf_free(&r.err.b);
	buf_free(&r.tags);
	buf_free(&r.prop_value.b);
	if (lim->text_max >= JUNIT_TEXT_RUN_MAX)	/* else counted above */
		info->truncated += textcap_cuts(r.src);
	stream_free(r.src);
	return ret;
}
