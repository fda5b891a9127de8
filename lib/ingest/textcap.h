#ifndef TESTVIS_TEXTCAP_H
#define TESTVIS_TEXTCAP_H
#include <stddef.h>

struct stream;

/* The least max textcap_new() takes: it bounds the markers per chunk. */
#define TEXTCAP_MIN	4096

struct stream	*textcap_new(struct stream *, size_t);
long long	 textcap_cuts(struct stream *);

#endif
