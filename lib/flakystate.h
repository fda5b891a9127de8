#ifndef TESTVIS_FLAKYSTATE_H
#define TESTVIS_FLAKYSTATE_H

struct batch_ctx;

int	 flakystate_pass(struct batch_ctx *);

#endif
