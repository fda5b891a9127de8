#ifndef TESTVIS_RETENTION_H
#define TESTVIS_RETENTION_H

struct pass_ctx;

int	 retention_pass(struct pass_ctx *);

#endif
