#ifndef TESTVIS_CHUNKWRITER_H
#define TESTVIS_CHUNKWRITER_H
#include <stddef.h>
#include <stdint.h>

struct db;
struct fault;
struct ingeststore_case;
struct ingeststore_known;
struct ingeststore_target;
struct trace_span;
struct chunkwriter;

struct chunkwriter	*chunkwriter_new(struct db *,
			    const struct ingeststore_target *, struct fault *);
void			 chunkwriter_free(struct chunkwriter *);
void			 chunkwriter_set_aliases(struct chunkwriter *,
			    int64_t *, size_t);
void			 chunkwriter_set_known(struct chunkwriter *,
			    struct ingeststore_known *, size_t);
void			 chunkwriter_set_trace(struct chunkwriter *,
			    struct trace_span *);
int			 chunkwriter_add(struct chunkwriter *,
			    const struct ingeststore_case *);
int			 chunkwriter_flush(struct chunkwriter *);
void			 chunkwriter_start(struct chunkwriter *);
int			 chunkwriter_stop(struct chunkwriter *);
long long		 chunkwriter_new_tests(const struct chunkwriter *);
void			 chunkwriter_span(struct chunkwriter *, const char *);

#endif
