#ifndef TESTVIS_INTEGRITY_H
#define TESTVIS_INTEGRITY_H

struct batch_ctx;

int	 integrity_pass(struct batch_ctx *);

#endif
