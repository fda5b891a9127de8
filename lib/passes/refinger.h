#ifndef TESTVIS_REFINGER_H
#define TESTVIS_REFINGER_H

struct pass_ctx;

int	 refinger_pass(struct pass_ctx *);

#endif
