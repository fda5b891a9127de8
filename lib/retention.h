#ifndef TESTVIS_RETENTION_H
#define TESTVIS_RETENTION_H

struct batch_ctx;

int	 retention_pass(struct batch_ctx *);

#endif
