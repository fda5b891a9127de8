#ifndef TESTVIS_FCGILOOP_H
#define TESTVIS_FCGILOOP_H
#include <stddef.h>
#include <stdint.h>

struct fcgiloop;
struct fcgiconn;

/*
 * What the program holding the connections does with them.  request: a
 * request's parameters (envp, borrowed until it returns) and body
 * arrived; answer it through fcgiconn_write() and return 1 to keep the
 * answer open (a stream the program writes to later) or 0 to end it.
 * closed: the connection is gone (client away, dropped for a full
 * buffer); forget it.  tick: called every tick interval with the time.
 */
struct fcgiloop_ops {
	int	(*request)(void *, struct fcgiconn *, char **, const char *,
		    size_t);
	void	(*closed)(void *, struct fcgiconn *);
	void	(*tick)(void *, int64_t);
};

struct fcgiloop	*fcgiloop_new(int, const struct fcgiloop_ops *, void *,
		    size_t, size_t);
int		 fcgiloop_run(struct fcgiloop *, int);
void		 fcgiloop_stop(struct fcgiloop *);
void		 fcgiloop_free(struct fcgiloop *);
size_t		 fcgiloop_conns(const struct fcgiloop *);
int		 fcgiconn_write(struct fcgiconn *, const void *, size_t);
void		 fcgiconn_end(struct fcgiconn *);
size_t		 fcgiconn_pending(const struct fcgiconn *);
void		*fcgiconn_data(const struct fcgiconn *);
void		 fcgiconn_set_data(struct fcgiconn *, void *);

#endif
