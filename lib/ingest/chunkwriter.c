/*
 * The write buffer of an upload: testcases queue here in chunks and are
 * written through ingeststore_case() sorted by test key.  Keys are
 * hashes, so in document order every write lands somewhere else in each
 * B-tree; in key order consecutive writes share pages.  A chunk holds at
 * most CHUNK_CASES testcases or CHUNK_BYTES of text, which bounds memory
 * whatever the report's size.  The sort is stable, so repeats of a test
 * keep their document order and the last attempt still wins.  Aliases
 * (API-25) redirect keys of renamed tests just before the sort.
 *
 * Parsing and storing overlap on two cores: between chunkwriter_start()
 * and chunkwriter_stop() a writer thread stores the previous chunk while
 * the reader fills the other one, and the database connection is the
 * writer's alone.  Not the SQL (ingeststore.c) nor what a testcase is
 * stored as (ingest.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunkwriter.h"
#include "db.h"
#include "fault.h"
#include "ingeststore.h"
#include "trace.h"
#include "xalloc.h"

#define CHUNK_CASES	8192
#define CHUNK_BYTES	(32u * 1024 * 1024)

#define PNULL ((size_t)-1)

/* A testcase waiting in a chunk; its strings live in the chunk's text. */
struct pcase {
	int64_t		 key;
	size_t		 seq;
	size_t		 off[SF__MAX];	/* PNULL for NULL */
	char		 test_id[TEST_ID_LEN + 1];
	char		 fp[FINGERPRINT_LEN + 1];
	long		 line;
	int		 status, attempts, flaky;
	int		 aliased, known, has_digest;
	int64_t		 digest;
	long long	 duration, assertions;
};

/* Testcases waiting to be written and their strings. */
struct chunk {
	struct pcase	*cases;		/* CHUNK_CASES slots, lazily */
	size_t		 n;
	struct buf	 text;
};

/* The writer thread and what it shares with the reader. */
struct writer {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct chunk	*todo;
	int		 busy, quit, failed;
	struct fault	 fault;
};

struct chunkwriter {
	struct db			*db;
	const struct ingeststore_target	*target;	/* borrowed */
	struct fault			*fault;		/* borrowed */
	struct fault			*sfault;	/* where writes fail */
	struct chunk			 chunk[2];
	struct chunk			*cur;		/* being filled */
	size_t				 seq;
	long long			 new_tests;
	int64_t				*aliases;	/* from, to pairs */
	size_t				 naliases;
	struct ingeststore_known	*known;		/* sorted by key */
	size_t				 nknown;
	struct writer			 w;
	int				 threaded;
	/* tracing: the parent span, and the time spent writing (unix ns) */
	struct trace_span		*span;		/* NULL: not traced */
	int64_t				 t0, t1, busy_ns;
	long long			 chunks, cases;
};

/*
 * A writer of testcases into target (borrowed: read at each write, so
 * its rows and start may be settled after this call) through db,
 * reporting storage faults into fault (borrowed).  Free with
 * chunkwriter_free().
 */
struct chunkwriter *
chunkwriter_new(struct db *db, const struct ingeststore_target *target,
    struct fault *fault)
{
	struct chunkwriter *cw = xcalloc(1, sizeof(*cw));

	cw->db = db;
	cw->target = target;
	cw->fault = cw->sfault = fault;
	buf_init(&cw->chunk[0].text);
	buf_init(&cw->chunk[1].text);
	cw->cur = &cw->chunk[0];
	return cw;
}

/* Frees cw and what is still queued (a stopped writer); accepts NULL. */
void
chunkwriter_free(struct chunkwriter *cw)
{
	int i;

	if (cw == NULL)
		return;
	for (i = 0; i < 2; i++) {
		free(cw->chunk[i].cases);
		buf_free(&cw->chunk[i].text);
	}
	free(cw->aliases);
	free(cw->known);
	free(cw);
}

/* Takes the alias pairs (from, to), n of them sorted by from. */
void
chunkwriter_set_aliases(struct chunkwriter *cw, int64_t *pairs, size_t n)
{
	free(cw->aliases);
	cw->aliases = pairs;
	cw->naliases = n;
}

/*
 * Takes the tests the database holds, n of them sorted by key (a test
 * not among them gets its definition inserted).
 */
void
chunkwriter_set_known(struct chunkwriter *cw, struct ingeststore_known *keys,
    size_t n)
{
	free(cw->known);
	cw->known = keys;
	cw->nknown = n;
}

/* Times the writes under span (NULL: not traced); see chunkwriter_span. */
void
chunkwriter_set_trace(struct chunkwriter *cw, struct trace_span *span)
{
	cw->span = span;
}

/* Tests created by the writes so far. */
long long
chunkwriter_new_tests(const struct chunkwriter *cw)
{
	return cw->new_tests;
}

/* Copies s (or NULL) into the chunk's text; returns its offset. */
static size_t
chunk_str(struct chunk *k, const char *s)
{
	size_t off = k->text.len;

	if (s == NULL)
		return PNULL;
	buf_append(&k->text, s, strlen(s) + 1);
	return off;
}

static int
pcase_cmp(const void *a, const void *b)
{
	const struct pcase *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The first of the n elements of size bytes at base, sorted by the
 * int64_t each starts with, whose key is not below key; n when none.
 */
static size_t
key_find(const void *base, size_t n, size_t size, int64_t key)
{
	size_t lo = 0, hi = n, mid;
	int64_t k;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&k, (const char *)base + size * mid, sizeof(k));
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Redirects keys of renamed tests to their new tests, and marks the
 * testcases whose test the database already holds (their definition
 * needs no insert) with its definition digest.
 */
static void
keys_apply(const struct chunkwriter *cw, struct chunk *k)
{
	const struct ingeststore_known *kn;
	size_t i, at;

	for (i = 0; i < k->n; i++) {
		struct pcase *p = &k->cases[i];
		at = key_find(cw->aliases, cw->naliases,
		    2 * sizeof(int64_t), p->key);
		if (at < cw->naliases && cw->aliases[2 * at] == p->key) {
			p->key = cw->aliases[2 * at + 1];
			p->aliased = 1;
		}
		at = key_find(cw->known, cw->nknown, sizeof(*cw->known),
		    p->key);
		kn = at < cw->nknown && cw->known[at].key == p->key ?
		    &cw->known[at] : NULL;
		p->known = kn != NULL;
		p->has_digest = kn != NULL && kn->has_digest;
		p->digest = kn != NULL ? kn->digest : 0;
	}
}

/* Writes the queued testcase p of chunk k; 0 or -1. */
static int
pcase_write(struct chunkwriter *cw, const struct chunk *k,
    const struct pcase *p)
{
	struct ingeststore_case c;
	int i;

	c.key = p->key;
	memcpy(c.test_id, p->test_id, sizeof(c.test_id));
	memcpy(c.fp, p->fp, sizeof(c.fp));
	for (i = 0; i < SF__MAX; i++)
		c.str[i] = p->off[i] == PNULL ? NULL : k->text.p + p->off[i];
	c.line = p->line;
	c.status = p->status;
	c.attempts = p->attempts;
	c.flaky = p->flaky;
	c.aliased = p->aliased;
	c.known = p->known;
	c.has_digest = p->has_digest;
	c.digest = p->digest;
	c.duration = p->duration;
	c.assertions = p->assertions;
	return ingeststore_case(cw->db, cw->target, &c, &cw->new_tests,
	    cw->sfault);
}

/* Writes chunk k in key order and empties it; 0 or -1. */
static int
chunk_write(struct chunkwriter *cw, struct chunk *k)
{
	size_t i;
	int rc = 0;
	int64_t t0 = cw->span != NULL ? trace_now() : 0;

	keys_apply(cw, k);
	qsort(k->cases, k->n, sizeof(k->cases[0]), pcase_cmp);
	for (i = 0; i < k->n && rc == 0; i++)
		rc = pcase_write(cw, k, &k->cases[i]);
	/* writes sent ahead (PostgreSQL) are in before the chunk is done */
	if (rc == 0 && db_sync(cw->db) == -1)
		rc = ingeststore_fault(cw->db, cw->sfault);
	if (cw->span != NULL) {	/* maybe the writer thread: no span here */
		cw->t1 = trace_now();
		if (cw->chunks++ == 0)
			cw->t0 = t0;
		cw->busy_ns += cw->t1 - t0;
		cw->cases += (long long)k->n;
	}
	k->n = 0;
	buf_reset(&k->text);
	return rc;
}

/*
 * Reports the chunks written so far as one "ingest.store" span of run_id
 * (from the first chunk's start to the last one's end, busy_ms the time
 * spent writing), then starts counting anew.
 */
void
chunkwriter_span(struct chunkwriter *cw, const char *run_id)
{
	struct trace_span *sp;

	if (cw->chunks == 0 || (sp = trace_begin(cw->span,
	    "ingest.store")) == NULL)
		return;
	trace_attr_str(sp, "testvis.run_id", run_id);
	trace_attr_int(sp, "testvis.batches", cw->chunks);
	trace_attr_int(sp, "testvis.cases", cw->cases);
	trace_attr_int(sp, "testvis.busy_ms", cw->busy_ns / 1000000);
	trace_times(sp, cw->t0, cw->t1);
	trace_end(sp);
	cw->chunks = cw->cases = cw->busy_ns = 0;
}

/* The writer thread: writes the chunks handed over until told to quit. */
static void *
writer_main(void *arg)
{
	struct chunkwriter *cw = arg;
	struct writer *w = &cw->w;
	struct chunk *k;
	int rc;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->todo == NULL && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->todo == NULL)
			break;
		k = w->todo;
		w->todo = NULL;
		w->busy = 1;
		pthread_mutex_unlock(&w->mu);
		rc = w->failed ? -1 : chunk_write(cw, k);
		k->n = 0;
		buf_reset(&k->text);
		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		if (rc == -1)
			w->failed = 1;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Waits until the writer holds no chunk; returns its failed flag. */
static int
writer_idle(struct writer *w)
{
	int failed;

	pthread_mutex_lock(&w->mu);
	while (w->todo != NULL || w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	return failed;
}

/*
 * Starts a writer thread, when one can be made (else the reader writes
 * each chunk itself).  Until chunkwriter_stop(), the database is the
 * writer's.
 */
void
chunkwriter_start(struct chunkwriter *cw)
{
	struct writer *w = &cw->w;

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	cw->threaded = pthread_create(&w->thread, NULL, writer_main, cw) == 0;
	if (cw->threaded)
		cw->sfault = &w->fault;
}

/*
 * Waits for the writer thread to finish and stops it, passing its fault
 * on; what was not flushed is dropped.  Returns 0, or -1 when a write
 * failed (the fault set).
 */
int
chunkwriter_stop(struct chunkwriter *cw)
{
	struct writer *w = &cw->w;
	int rc = 0;

	if (cw->threaded) {
		if (writer_idle(w))
			rc = -1;
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		cw->threaded = 0;
		cw->sfault = cw->fault;
		if (w->fault.kind != FAULT_NONE &&
		    cw->fault->kind == FAULT_NONE)
			*cw->fault = w->fault;
		if (w->failed)
			rc = -1;
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	cw->cur->n = 0;
	buf_reset(&cw->cur->text);
	return rc;
}

/*
 * Writes the current chunk: handed to the writer thread when there is
 * one (then filling the other chunk), else written here.  0 or -1.
 */
int
chunkwriter_flush(struct chunkwriter *cw)
{
	struct writer *w = &cw->w;

	if (cw->cur->n == 0)
		return 0;
	if (!cw->threaded)
		return chunk_write(cw, cw->cur);
	if (writer_idle(w))
		return -1;
	pthread_mutex_lock(&w->mu);
	w->todo = cw->cur;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	cw->cur = cw->cur == &cw->chunk[0] ? &cw->chunk[1] : &cw->chunk[0];
	return 0;
}

/*
 * Queues testcase c (copied); a full chunk is written.  Returns 0, or -1
 * when writing failed (the fault set).
 */
int
chunkwriter_add(struct chunkwriter *cw, const struct ingeststore_case *c)
{
	struct chunk *k = cw->cur;
	struct pcase *p;
	int i;

	if (k->cases == NULL)
		k->cases = xcalloc(CHUNK_CASES, sizeof(*k->cases));
	p = &k->cases[k->n++];
	p->key = c->key;
	p->seq = cw->seq++;
	for (i = 0; i < SF__MAX; i++)
		p->off[i] = chunk_str(k, c->str[i]);
	memcpy(p->test_id, c->test_id, sizeof(p->test_id));
	memcpy(p->fp, c->fp, sizeof(p->fp));
	p->line = c->line;
	p->status = c->status;
	p->attempts = c->attempts;
	p->flaky = c->flaky;
	p->aliased = 0;
	p->duration = c->duration;
	p->assertions = c->assertions;
	if (k->n == CHUNK_CASES || k->text.len >= CHUNK_BYTES)
		return chunkwriter_flush(cw);
	return 0;
}
