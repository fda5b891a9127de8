/*
 * Folding a report's rows into its groups (reports.c reads them): each
 * row is a run's part of one group (its values, counts and duration), in
 * run order, so a group counts a run once however many rows it has in
 * it, and its duration in that run is the sum of those rows'.  Values
 * are interned and groups found by hashing, so the cost follows the rows
 * read, with no sort of them; only the groups are sorted, by their
 * values, when they are written out.  The caller owns what it is given.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "jval.h"
#include "reportfold.h"
#include "reports.h"
#include "stats.h"
#include "xalloc.h"

/* The figures of a group or of the totals. */
struct fig {
	long		 runs, tests, passed, failed, skipped;
	int64_t		 last_run;	/* the run the last duration is of */
	double		*durs;
	size_t		 ndur, cap;
};

/* A group: its values (interned) and figures. */
struct grp {
	size_t		 v[REPORT_KEYS_MAX];
	struct fig	 fig;
};

struct rfold {
	int		 nkeys;
	char		**str;		/* interned values */
	size_t		 nstr, strcap;
	size_t		*strhash;	/* open addressing: index + 1 */
	size_t		 strslots;
	struct grp	*grp;
	size_t		 ngrp, grpcap;
	size_t		*grphash;	/* open addressing: index + 1 */
	size_t		 grpslots;
	struct fig	 tot;
};

/* A new fold of groups of nkeys values. */
struct rfold *
rfold_new(int nkeys)
{
	struct rfold *f = xcalloc(1, sizeof(*f));

	f->nkeys = nkeys;
	f->strslots = f->grpslots = 64;
	f->strhash = xcalloc(f->strslots, sizeof(*f->strhash));
	f->grphash = xcalloc(f->grpslots, sizeof(*f->grphash));
	f->tot.last_run = -1;
	return f;
}

/* Frees f and what it holds. */
void
rfold_free(struct rfold *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nstr; i++)
		free(f->str[i]);
	for (i = 0; i < f->ngrp; i++)
		free(f->grp[i].fig.durs);
	free(f->str);
	free(f->strhash);
	free(f->grp);
	free(f->grphash);
	free(f->tot.durs);
	free(f);
}

/* The hash of string s. */
static size_t
str_hash(const char *s)
{
	return (size_t)crypto_fnv1a(s, strlen(s));
}

/* Rehashes the strings of f into twice the slots. */
static void
str_grow(struct rfold *f)
{
	size_t i, h;

	free(f->strhash);
	f->strslots *= 2;
	f->strhash = xcalloc(f->strslots, sizeof(*f->strhash));
	for (i = 0; i < f->nstr; i++) {
		h = str_hash(f->str[i]) & (f->strslots - 1);
		while (f->strhash[h] != 0)
			h = (h + 1) & (f->strslots - 1);
		f->strhash[h] = i + 1;
	}
}

/* The index of string s in f, copied in when new. */
static size_t
intern(struct rfold *f, const char *s)
{
	size_t h = str_hash(s) & (f->strslots - 1);

	while (f->strhash[h] != 0) {
		if (strcmp(f->str[f->strhash[h] - 1], s) == 0)
			return f->strhash[h] - 1;
		h = (h + 1) & (f->strslots - 1);
	}
	if (f->nstr == f->strcap) {
		f->strcap = f->strcap ? f->strcap * 2 : 64;
		f->str = xreallocarray(f->str, f->strcap, sizeof(*f->str));
	}
	f->str[f->nstr] = xstrdup(s);
	f->strhash[h] = ++f->nstr;
	if (f->nstr * 2 > f->strslots)
		str_grow(f);
	return f->nstr - 1;
}

/* The hash of a group's values. */
static size_t
grp_hash(const size_t *v)
{
	return v[0] * 0x9e3779b97f4a7c15ULL ^ v[1] * 0xc2b2ae3d27d4eb4fULL;
}

/* Rehashes the groups of f into twice the slots. */
static void
grp_grow(struct rfold *f)
{
	size_t i, h;

	free(f->grphash);
	f->grpslots *= 2;
	f->grphash = xcalloc(f->grpslots, sizeof(*f->grphash));
	for (i = 0; i < f->ngrp; i++) {
		h = grp_hash(f->grp[i].v) & (f->grpslots - 1);
		while (f->grphash[h] != 0)
			h = (h + 1) & (f->grpslots - 1);
		f->grphash[h] = i + 1;
	}
}

/* The group of values v in f, added when new; NULL past the limit. */
static struct grp *
grp_find(struct rfold *f, const size_t *v)
{
	size_t h = grp_hash(v) & (f->grpslots - 1);
	struct grp *g;

	while (f->grphash[h] != 0) {
		g = &f->grp[f->grphash[h] - 1];
		if (g->v[0] == v[0] && g->v[1] == v[1])
			return g;
		h = (h + 1) & (f->grpslots - 1);
	}
	if (f->ngrp == REPORT_GROUPS_MAX)
		return NULL;
	if (f->ngrp == f->grpcap) {
		f->grpcap = f->grpcap ? f->grpcap * 2 : 64;
		f->grp = xreallocarray(f->grp, f->grpcap, sizeof(*f->grp));
	}
	g = &f->grp[f->ngrp];
	memset(g, 0, sizeof(*g));
	memcpy(g->v, v, sizeof(g->v));
	g->fig.last_run = -1;
	f->grphash[h] = ++f->ngrp;
	if (f->ngrp * 2 > f->grpslots)
		grp_grow(f);
	return g;
}

/* Counts a row of run into fig: a new run, or more of the last one. */
static void
fig_add(struct fig *g, int64_t run, const struct rfold_row *r)
{
	g->tests += r->tests;
	g->passed += r->passed;
	g->failed += r->failed;
	g->skipped += r->skipped;
	if (run != g->last_run) {
		g->runs++;
		g->last_run = run;
		if (!r->hasdur)
			return;
		if (g->ndur == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 16;
			g->durs = xreallocarray(g->durs, g->cap,
			    sizeof(*g->durs));
		}
		g->durs[g->ndur++] = (double)r->dur;
	} else if (r->hasdur && g->ndur > 0)
		g->durs[g->ndur - 1] += (double)r->dur;
}

/*
 * Adds row r (of run r->run; rows come in run order) with the values v
 * (nkeys of them) to its group and to the totals.  Returns 0, or -1 when
 * the row would make a group past REPORT_GROUPS_MAX.
 */
int
rfold_add(struct rfold *f, const char *const *v, const struct rfold_row *r)
{
	size_t iv[REPORT_KEYS_MAX] = { 0, 0 };
	struct grp *g;
	int i;

	for (i = 0; i < f->nkeys; i++)
		iv[i] = intern(f, v[i]);
	if ((g = grp_find(f, iv)) == NULL)
		return -1;
	fig_add(&g->fig, r->run, r);
	fig_add(&f->tot, r->run, r);
	return 0;
}

/* Nearest-rank percentile p of v[0..n) (sorted), as a JSON integer. */
static json_t *
pct_json(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (n == 0)
		return json_null();
	return jval_int((int64_t)v[rank > 0 ? rank - 1 : 0]);
}

/* The figures of g as JSON members of o. */
static void
fig_json(json_t *o, struct fig *g)
{
	long judged = g->passed + g->failed;

	jval_set(o, "runs", jval_int(g->runs));
	jval_set(o, "tests", jval_int(g->tests));
	jval_set(o, "passed", jval_int(g->passed));
	jval_set(o, "failed", jval_int(g->failed));
	jval_set(o, "skipped", jval_int(g->skipped));
	jval_set(o, "pass_rate", judged > 0 ? json_real((double)g->passed /
	    (double)judged) : json_null());
	if (g->ndur > 0)
		stats_median(g->durs, g->ndur);		/* sorts */
	jval_set(o, "duration_p50_ms", pct_json(g->durs, g->ndur, 50));
	jval_set(o, "duration_p95_ms", pct_json(g->durs, g->ndur, 95));
}

/* Appends value s to the group key in b, escaping ',' and '\'. */
static void
key_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == ',' || *s == '\\')
			buf_append(b, "\\", 1);
		buf_append(b, s, 1);
	}
}

/* Orders groups by their values (strings of fold ctx). */
static int
grp_cmp(const void *a, const void *b, void *ctx)
{
	const struct grp *x = a, *y = b;
	const struct rfold *f = ctx;
	int i, c;

	for (i = 0; i < f->nkeys; i++)
		if ((c = strcmp(f->str[x->v[i]], f->str[y->v[i]])) != 0)
			return c;
	return 0;
}

/*
 * The groups of f ordered by their values, each {key, values, figures},
 * the values named by names[0..nkeys).  Reorders f's groups (no group
 * can be added after).
 */
json_t *
rfold_groups_json(struct rfold *f, const char *const *names)
{
	json_t *groups = jval_array(), *o, *vals;
	struct buf key;
	size_t i;
	int k;

	if (f->ngrp > 0)
		qsort_r(f->grp, f->ngrp, sizeof(*f->grp), grp_cmp, f);
	buf_init(&key);
	for (i = 0; i < f->ngrp; i++) {
		o = jval_object();
		vals = jval_object();
		buf_reset(&key);
		for (k = 0; k < f->nkeys; k++) {
			if (k > 0)
				buf_append(&key, ",", 1);
			key_escape(&key, f->str[f->grp[i].v[k]]);
			jval_set(vals, names[k],
			    jval_str(f->str[f->grp[i].v[k]]));
		}
		jval_set(o, "key", jval_strn(key.len > 0 ? key.p : "",
		    key.len));
		jval_set(o, "values", vals);
		fig_json(o, &f->grp[i].fig);
		jval_push(groups, o);
	}
	buf_free(&key);
	return groups;
}

/* The totals of f: {figures}. */
json_t *
rfold_totals_json(struct rfold *f)
{
	json_t *o = jval_object();

	fig_json(o, &f->tot);
	return o;
}
