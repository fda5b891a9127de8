#ifndef TESTVIS_SPOOL_H
#define TESTVIS_SPOOL_H

struct pass_ctx;

int	 spool_pass(struct pass_ctx *);
void	 spool_hold_lock(int);
int	 spool_pending(void);

#endif
