#ifndef TESTVIS_FLAKYSTATE_H
#define TESTVIS_FLAKYSTATE_H

struct pass_ctx;

int	 flakystate_pass(struct pass_ctx *);

#endif
