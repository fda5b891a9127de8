#ifndef TESTVIS_HISTORYPASS_H
#define TESTVIS_HISTORYPASS_H

struct pass_ctx;

int	 history_pass(struct pass_ctx *);

#endif
