/*
 * The live updates' reading of the `events` table (LIVE-1): new events
 * after a watermark for the live program's watcher, a client's replay on
 * connect (the last N that match it, or those after its Last-Event-ID),
 * the match of one event against one client's filter, and the
 * Server-Sent Events frame of an event.  Events are written where things
 * happen (ingest, rollup, the batch passes, the admin endpoints); this
 * module only reads them, and adds what a page needs to refresh itself:
 * the run, its branch and job (looked up once per run and cached), the
 * tests and the signal an event names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "events.h"
#include "history.h"
#include "jval.h"
#include "tvtime.h"
#include "xalloc.h"

#define PAGE_ROWS	500		/* replay reads this many at a time */
#define SCAN_MAX	50000		/* ... and gives up past this many */
#define RUN_CACHE	64
#define SLUG_CACHE	16

enum stmt {
	STMT_LAST,
	STMT_POLL,
	STMT_PAGE,
	STMT_PAGE_TEST,
	STMT_RUN,
	STMT_HAS_TEST,
	STMT_SLUG,
	STMT_TEST,
	STMT__MAX
};

#define EV_COLS "e.id, e.project_id, e.at, e.kind, e.subject, e.payload"

static const char *const sql[STMT__MAX] = {
	[STMT_LAST] = "SELECT coalesce(max(id), 0) FROM events",
	[STMT_POLL] =
	    "SELECT " EV_COLS " FROM events e WHERE e.id > ?1 "
	    "ORDER BY e.id LIMIT ?2",
	/* a project's events in (?2, ?3), newest first */
	[STMT_PAGE] =
	    "SELECT " EV_COLS " FROM events e WHERE e.project_id = ?1 AND "
	    "e.id > ?2 AND e.id < ?3 ORDER BY e.id DESC LIMIT ?4",
	/* ... those naming test ?5 (public id; internal ?6): about it, or
	 * the upload of a run that holds a result of it */
	[STMT_PAGE_TEST] =
	    "SELECT " EV_COLS " FROM events e WHERE e.project_id = ?1 AND "
	    "e.id > ?2 AND e.id < ?3 AND (e.subject = ?5 OR "
	    "(e.kind = 'run_ingested' AND e.subject IN (SELECT u.run_id "
	    "FROM (" BY_TEST("?6", "1 = 1", "") ") AS r JOIN runs u ON "
	    "u.id = r.run))) "
	    "ORDER BY e.id DESC LIMIT ?4",
	[STMT_RUN] =
	    "SELECT branch, job FROM runs WHERE project_id = ?1 AND "
	    "run_id = ?2",
	[STMT_HAS_TEST] =
	    "SELECT 1 FROM results r JOIN runs u ON u.id = r.run WHERE "
	    "u.project_id = ?1 AND u.run_id = ?2 AND r.test = ?3",
	[STMT_SLUG] = "SELECT slug FROM projects WHERE id = ?1",
	[STMT_TEST] =
	    "SELECT id FROM tests WHERE project_id = ?1 AND test_id = ?2",
};

static const char *const type_names[EV__MAX] = {
	[EV_RUN_INGESTED] = "run_ingested",
	[EV_INCIDENT_OPENED] = "incident_opened",
	[EV_INCIDENT_CLOSED] = "incident_closed",
	[EV_FLAKY_DETECTED] = "flaky_detected",
	[EV_SIGNAL_RAISED] = "signal_raised",
	[EV_INTEGRITY_ALERT] = "integrity_alert",
	[EV_SIGNAL_ACKNOWLEDGED] = "signal_acknowledged",
	[EV_SIGNAL_RESOLVED] = "signal_resolved",
	[EV_SIGNAL_OPEN] = "signal_open",
	[EV_TEST_STATE] = "test_state",
	[EV_TEST_ALIASED] = "test_aliased",
	[EV_BATCH_DONE] = "batch_done",
};

/* A run's branch and job, as cached (NULL: the run names none). */
struct run_info {
	int64_t	 project_id;
	char	*run_id, *branch, *job;
};

struct events {
	struct db		*db;
	struct run_info		 runs[RUN_CACHE];
	unsigned		 run_next;
	int64_t			 slug_id[SLUG_CACHE];
	char			*slug[SLUG_CACHE];
	unsigned		 slug_next;
};

#define STMT(ev, i) DB_STMT((ev)->db, DBM_EVENTS, (i))

/* The name of event type t (enum event_type), or NULL. */
const char *
events_type_name(int t)
{
	return t >= 0 && t < EV__MAX ? type_names[t] : NULL;
}

/* The type of an event kind as stored, or -1 for one this build does
 * not know. */
static int
type_of(const char *kind)
{
	int t;

	for (t = 0; t < EV__MAX; t++)
		if (strcmp(kind, type_names[t]) == 0)
			return t;
	return -1;
}

/*
 * Parses a `types` list ("run_ingested,incident_opened") into bits.
 * Returns 0, or -1 with the first unknown name in bad.
 */
int
events_types_parse(const char *list, unsigned *mask, char *bad, size_t n)
{
	const char *p = list, *e;
	size_t len;
	int t;

	*mask = 0;
	while (*p != '\0') {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		for (t = 0; t < EV__MAX; t++)
			if (strlen(type_names[t]) == len &&
			    strncmp(p, type_names[t], len) == 0)
				break;
		if (t == EV__MAX) {
			snprintf(bad, n, "%.*s", (int)(len > 64 ? 64 : len), p);
			return -1;
		}
		*mask |= 1u << t;
		p += len + (e != NULL);
	}
	return 0;
}

/* A reader on db (borrowed); free with events_free(). */
struct events *
events_new(struct db *db)
{
	struct events *ev = xcalloc(1, sizeof(*ev));

	ev->db = db;
	return ev;
}

/* Frees the reader and its caches. */
void
events_free(struct events *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < RUN_CACHE; i++) {
		free(ev->runs[i].run_id);
		free(ev->runs[i].branch);
		free(ev->runs[i].job);
	}
	for (i = 0; i < SLUG_CACHE; i++)
		free(ev->slug[i]);
	free(ev);
}

/*
 * Finds the project's test by its public test_id into *id.  Returns 1,
 * 0 when there is none, -1 on a database error.
 */
int
events_test_find(struct events *ev, int64_t project_id, const char *test_id,
    int64_t *id)
{
	struct db_query *st = STMT(ev, STMT_TEST);
	int rc;

	if (st == NULL || db_bind_int(ev->db, st, 1, project_id) == -1 ||
	    db_bind_text(ev->db, st, 2, test_id) == -1 ||
	    (rc = db_step(ev->db, st)) == -1)
		return -1;
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_ROW;
}

/* The newest event id (0 when none), or -1 on a database error. */
int64_t
events_last_id(struct events *ev)
{
	struct db_query *st = STMT(ev, STMT_LAST);
	int64_t id;

	if (st == NULL || db_step(ev->db, st) != DB_ROW)
		return -1;
	id = db_col_int(st, 0);
	db_reset(st);
	return id;
}

/* A copy of column i's text, or NULL. */
static char *
col_dup(struct db_query *st, int i)
{
	const char *s = db_column_text(st, i);

	return s != NULL ? xstrdup(s) : NULL;
}

/*
 * The cached branch and job of the project's run run_id (looked up on a
 * miss; a run not found caches as naming neither).  NULL on a database
 * error.
 */
static const struct run_info *
run_info(struct events *ev, int64_t project_id, const char *run_id)
{
	struct run_info *ri;
	struct db_query *st;
	size_t i;
	int rc;

	for (i = 0; i < RUN_CACHE; i++)
		if (ev->runs[i].run_id != NULL && ev->runs[i].project_id ==
		    project_id && strcmp(ev->runs[i].run_id, run_id) == 0)
			return &ev->runs[i];
	if ((st = STMT(ev, STMT_RUN)) == NULL ||
	    db_bind_int(ev->db, st, 1, project_id) == -1 ||
	    db_bind_text(ev->db, st, 2, run_id) == -1 ||
	    (rc = db_step(ev->db, st)) == -1)
		return NULL;
	ri = &ev->runs[ev->run_next++ % RUN_CACHE];
	free(ri->run_id);
	free(ri->branch);
	free(ri->job);
	ri->project_id = project_id;
	ri->run_id = xstrdup(run_id);
	ri->branch = rc == DB_ROW ? col_dup(st, 0) : NULL;
	ri->job = rc == DB_ROW ? col_dup(st, 1) : NULL;
	db_reset(st);
	return ri;
}

/* The project's slug (cached), or NULL on a database error. */
static const char *
project_slug(struct events *ev, int64_t project_id)
{
	struct db_query *st;
	unsigned k;
	int rc;

	for (k = 0; k < SLUG_CACHE; k++)
		if (ev->slug[k] != NULL && ev->slug_id[k] == project_id)
			return ev->slug[k];
	if ((st = STMT(ev, STMT_SLUG)) == NULL ||
	    db_bind_int(ev->db, st, 1, project_id) == -1 ||
	    (rc = db_step(ev->db, st)) == -1)
		return NULL;
	k = ev->slug_next++ % SLUG_CACHE;
	free(ev->slug[k]);
	ev->slug[k] = rc == DB_ROW ? col_dup(st, 0) : xstrdup("");
	ev->slug_id[k] = project_id;
	db_reset(st);
	return ev->slug[k];
}

/* The string member key of o, or NULL. */
static const char *
str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The tests event e names (public ids), as a new array. */
static json_t *
test_ids(const struct event *e)
{
	json_t *a = jval_array();
	const char *t;

	switch (e->type) {
	case EV_TEST_ALIASED:
		if ((t = str_of(e->detail, "from")) != NULL)
			jval_push(a, jval_str(t));
		/* FALLTHROUGH */
	case EV_INCIDENT_OPENED:
	case EV_INCIDENT_CLOSED:
	case EV_FLAKY_DETECTED:
	case EV_TEST_STATE:
		if (e->subject != NULL)
			jval_push(a, jval_str(e->subject));
		break;
	case EV_SIGNAL_RAISED:
		if ((t = str_of(e->detail, "test_id")) != NULL)
			jval_push(a, jval_str(t));
		break;
	default:
		break;
	}
	return a;
}

/* Builds e->frame: "id: N\ndata: {JSON}\n\n" (LIVE-1). 0 or -1. */
static int
frame(struct events *ev, struct event *e)
{
	json_t *o = jval_object(), *ids = test_ids(e), *sig;
	const char *slug = project_slug(ev, e->project_id);
	char *text;
	struct buf b;

	if (slug == NULL) {
		json_decref(o);
		json_decref(ids);
		return -1;
	}
	jval_set(o, "id", jval_int(e->id));
	jval_set(o, "type", jval_str(e->kind));
	jval_set(o, "at", jval_time(e->at));
	jval_set(o, "project", jval_str(slug));
	if (e->subject != NULL)
		jval_set(o, "subject", jval_str(e->subject));
	if (e->run_id != NULL)
		jval_set(o, "run_id", jval_str(e->run_id));
	if (e->branch != NULL)
		jval_set(o, "branch", jval_str(e->branch));
	if (e->job != NULL)
		jval_set(o, "job", jval_str(e->job));
	if (json_array_size(ids) > 0)
		jval_set(o, "test_ids", ids);
	else
		json_decref(ids);
	if ((sig = json_object_get(e->detail, "signal_id")) != NULL &&
	    json_is_integer(sig))
		jval_set(o, "signal_id", json_incref(sig));
	jval_set(o, "detail", json_incref(e->detail));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		abort();
	buf_init(&b);
	buf_printf(&b, "id: %lld\ndata: %s\n\n", (long long)e->id, text);
	free(text);
	e->frame = b.p;
	e->flen = b.len;
	return 0;
}

/*
 * Reads the row of st (EV_COLS) into e, with the run, branch and job it
 * concerns and its frame.  0, or -1 on a database error.  Release with
 * event_clear().
 */
static int
event_load(struct events *ev, struct db_query *st, struct event *e)
{
	const struct run_info *ri;
	const char *p;

	memset(e, 0, sizeof(*e));
	e->id = db_col_int(st, 0);
	e->project_id = db_col_int(st, 1);
	e->at = db_col_int(st, 2);
	e->kind = xstrdup(db_column_text(st, 3) != NULL ?
	    db_column_text(st, 3) : "");
	e->subject = col_dup(st, 4);
	p = db_column_text(st, 5);
	if (p == NULL || (e->detail = jval_load(p)) == NULL ||
	    !json_is_object(e->detail)) {
		json_decref(e->detail);
		e->detail = jval_object();
	}
	e->type = type_of(e->kind);
	e->run_id = str_of(e->detail, "run_id");
	if (e->run_id == NULL && (e->type == EV_RUN_INGESTED ||
	    e->type == EV_INTEGRITY_ALERT))
		e->run_id = e->subject;
	e->branch = str_of(e->detail, "branch");
	e->job = str_of(e->detail, "job");
	if (e->run_id != NULL && (e->branch == NULL || e->job == NULL)) {
		if ((ri = run_info(ev, e->project_id, e->run_id)) == NULL)
			return -1;
		if (e->branch == NULL)
			e->branch = ri->branch;
		if (e->job == NULL)
			e->job = ri->job;
	}
	return frame(ev, e);
}

/* Frees what event_load() allocated. */
static void
event_clear(struct event *e)
{
	free((char *)e->kind);
	free((char *)e->subject);
	json_decref(e->detail);
	free(e->frame);
	memset(e, 0, sizeof(*e));
}

/*
 * Calls fn for each event after id `after`, oldest first, at most limit
 * of them (every project's: the watcher fans them out).  Returns how
 * many were read, or -1 on a database error.
 */
int
events_poll(struct events *ev, int64_t after, int limit, events_fn fn,
    void *ctx)
{
	struct db_query *st = STMT(ev, STMT_POLL);
	struct event e;
	int rc = DB_DONE, n = 0, stop = 0;

	if (st == NULL || db_bind_int(ev->db, st, 1, after) == -1 ||
	    db_bind_int(ev->db, st, 2, limit) == -1)
		return -1;
	while (!stop && (rc = db_step(ev->db, st)) == DB_ROW) {
		if (event_load(ev, st, &e) == -1) {
			event_clear(&e);
			db_reset(st);
			return -1;
		}
		n++;
		stop = fn(ctx, &e);
		event_clear(&e);
	}
	db_reset(st);
	return stop || rc == DB_DONE ? n : -1;
}

/*
 * Predicate: event e is one the client with filter f follows: its type
 * is asked for (an unknown type only when all are), and when the event
 * concerns a run, the run's job and branch are the ones asked for
 * (events of no run, such as a test muted, concern every job and
 * branch); for a test's stream, it names the test or is the upload of a
 * run holding a result of it.  -1 on a database error.
 */
int
events_match(struct events *ev, const struct events_filter *f,
    const struct event *e)
{
	struct db_query *st;
	size_t i;
	json_t *a;
	int rc;

	if (e->type < 0 ? f->types != EV_ALL : !(f->types & 1u << e->type))
		return 0;
	if (e->run_id != NULL && ((f->job != NULL && (e->job == NULL ||
	    strcmp(e->job, f->job) != 0)) || (f->branch != NULL &&
	    (e->branch == NULL || strcmp(e->branch, f->branch) != 0))))
		return 0;
	if (f->test_id == NULL)
		return 1;
	if (e->subject != NULL && strcmp(e->subject, f->test_id) == 0)
		return 1;
	if (e->type == EV_TEST_ALIASED || e->type == EV_SIGNAL_RAISED) {
		a = test_ids(e);
		for (i = 0; i < json_array_size(a); i++)
			if (strcmp(json_string_value(json_array_get(a, i)),
			    f->test_id) == 0)
				break;
		rc = i < json_array_size(a);
		json_decref(a);
		return rc;
	}
	if (e->type != EV_RUN_INGESTED || e->run_id == NULL)
		return 0;
	if ((st = STMT(ev, STMT_HAS_TEST)) == NULL ||
	    db_bind_int(ev->db, st, 1, e->project_id) == -1 ||
	    db_bind_text(ev->db, st, 2, e->run_id) == -1 ||
	    db_bind_int(ev->db, st, 3, f->test) == -1 ||
	    (rc = db_step(ev->db, st)) == -1)
		return -1;
	db_reset(st);
	return rc == DB_ROW;
}

/* The frames a replay collected, newest first. */
struct replay {
	char	**frames;
	size_t	 *lens;
	size_t	  n, want;
};

/*
 * Reads one page of the project's events in (after, *cursor), newest
 * first, keeping those f matches in rp; moves *cursor down.  Returns the
 * rows read, or -1.
 */
static int
replay_page(struct events *ev, int64_t project_id,
    const struct events_filter *f, int64_t after, int64_t *cursor,
    struct replay *rp)
{
	struct db_query *st = STMT(ev, f->test_id != NULL ? STMT_PAGE_TEST :
	    STMT_PAGE);
	struct event e;
	int rc = DB_DONE, rows = 0, m;

	if (st == NULL || db_bind_int(ev->db, st, 1, project_id) == -1 ||
	    db_bind_int(ev->db, st, 2, after) == -1 ||
	    db_bind_int(ev->db, st, 3, *cursor) == -1 ||
	    db_bind_int(ev->db, st, 4, PAGE_ROWS) == -1 ||
	    (f->test_id != NULL && (db_bind_text(ev->db, st, 5,
	    f->test_id) == -1 || db_bind_int(ev->db, st, 6, f->test) == -1)))
		return -1;
	while (rp->n < rp->want && (rc = db_step(ev->db, st)) == DB_ROW) {
		rows++;
		if (event_load(ev, st, &e) == -1 ||
		    (m = events_match(ev, f, &e)) == -1) {
			event_clear(&e);
			db_reset(st);
			return -1;
		}
		*cursor = e.id;
		if (m) {
			rp->frames[rp->n] = e.frame;
			rp->lens[rp->n++] = e.flen;
			e.frame = NULL;
		}
		event_clear(&e);
	}
	db_reset(st);
	return rp->n == rp->want || rc == DB_DONE ? rows : -1;
}

/*
 * A client's replay (LIVE-1), appended to out oldest first: the events
 * of the project that f matches with ids in (after, upto] — at most
 * replay of them when after is -1 (a new client), else all of them up
 * to replay_max; when more than that were missed, *reset is set and the
 * newest `replay` follow (the client reloads).  Returns the number of
 * events appended, or -1 on a database error.
 */
int
events_replay(struct events *ev, int64_t project_id,
    const struct events_filter *f, int64_t after, int replay, int replay_max,
    int64_t upto, struct buf *out, int *reset)
{
	struct replay rp;
	int64_t cursor = upto + 1;
	long scanned = 0;
	int rows = 0;
	size_t i, keep;

	*reset = 0;
	memset(&rp, 0, sizeof(rp));
	rp.want = after < 0 ? (size_t)replay : (size_t)replay_max + 1;
	rp.frames = xcalloc(rp.want + 1, sizeof(*rp.frames));
	rp.lens = xcalloc(rp.want + 1, sizeof(*rp.lens));
	while (rp.n < rp.want && scanned < SCAN_MAX &&
	    (rows = replay_page(ev, project_id, f, after < 0 ? 0 : after,
	    &cursor, &rp)) == PAGE_ROWS)
		scanned += rows;
	keep = rp.n;
	if (after >= 0 && rp.n > (size_t)replay_max) {
		*reset = 1;
		keep = (size_t)replay < rp.n ? (size_t)replay : rp.n;
	}
	for (i = keep; rows != -1 && i-- > 0;)
		buf_append(out, rp.frames[i], rp.lens[i]);
	for (i = 0; i < rp.n; i++)
		free(rp.frames[i]);
	free(rp.frames);
	free(rp.lens);
	return rows == -1 ? -1 : (int)keep;
}

/*
 * The frame telling a client it missed more than a replay holds (type
 * "reset": reload everything; no id, the events after it carry theirs).
 * Returns it (caller frees) and its length in *n.
 */
char *
events_reset_frame(long replay_max, size_t *n)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "data: {\"type\":\"reset\",\"reason\":"
	    "\"more than %ld events were missed: reload\"}\n\n", replay_max);
	*n = b.len;
	return b.p;
}
