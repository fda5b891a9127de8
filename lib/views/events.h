#ifndef TESTVIS_EVENTS_H
#define TESTVIS_EVENTS_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct buf;
struct db;
struct events;

/* The event types a client may ask for (LIVE-1 `types`), as bits. */
enum event_type {
	EV_RUN_INGESTED,
	EV_INCIDENT_OPENED,
	EV_INCIDENT_CLOSED,
	EV_FLAKY_DETECTED,
	EV_SIGNAL_RAISED,
	EV_INTEGRITY_ALERT,
	EV_SIGNAL_ACKNOWLEDGED,
	EV_SIGNAL_RESOLVED,
	EV_SIGNAL_OPEN,
	EV_TEST_STATE,
	EV_TEST_ALIASED,
	EV_BATCH_DONE,
	EV__MAX
};
#define EV_ALL	((1u << EV__MAX) - 1)

/* What one client follows: types (bits), job and branch (NULL: any), and
 * for a test's stream the test (its id and public test_id). */
struct events_filter {
	unsigned	 types;
	const char	*job, *branch;
	int64_t		 test;
	const char	*test_id;
};

/*
 * One event as read: the stored row, and what a page needs from it
 * (borrowed from detail or the reader's caches, valid until the next
 * read).  frame is the Server-Sent Events text of it.
 */
struct event {
	int64_t		 id, project_id, at;
	int		 type;		/* enum event_type, or -1 unknown */
	const char	*kind, *subject;
	const char	*run_id, *branch, *job;
	json_t		*detail;
	char		*frame;
	size_t		 flen;
};

/* Called for each event read; non-zero stops the walk. */
typedef int (*events_fn)(void *, struct event *);

const char	*events_type_name(int);
int		 events_types_parse(const char *, unsigned *, char *, size_t);
struct events	*events_new(struct db *);
void		 events_free(struct events *);
int64_t		 events_last_id(struct events *);
int		 events_test_find(struct events *, int64_t, const char *,
		    int64_t *);
int		 events_poll(struct events *, int64_t, int, events_fn, void *);
int		 events_match(struct events *, const struct events_filter *,
		    const struct event *);
int		 events_replay(struct events *, int64_t,
		    const struct events_filter *, int64_t, int, int, int64_t,
		    struct buf *, int *);
char		*events_reset_frame(long, size_t *);

#endif
