#ifndef TESTVIS_INTEGRITY_H
#define TESTVIS_INTEGRITY_H

struct pass_ctx;

int	 integrity_pass(struct pass_ctx *);

#endif
