#ifndef TESTVIS_SPOOL_H
#define TESTVIS_SPOOL_H

#include <stddef.h>

struct config;
struct pass_ctx;

int	 spool_pass(struct pass_ctx *);
void	 spool_hold_lock(int);
int	 spool_lock_path(const struct config *, const char *, char *, size_t);
int	 spool_pending(void);

#endif
