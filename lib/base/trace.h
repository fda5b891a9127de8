#ifndef TESTVIS_TRACE_H
#define TESTVIS_TRACE_H
#include <stdint.h>

/* OTLP span kinds we emit (opentelemetry.proto.trace.v1.Span.SpanKind). */
#define TRACE_INTERNAL	1
#define TRACE_SERVER	2

/* Caps of one trace (one request, one batch pass): more is dropped. */
#define TRACE_MAX_SPANS	256
#define TRACE_MAX_ATTRS	1024
#define TRACE_POOL	65536	/* bytes of names and string values */
#define TRACE_STR_MAX	512	/* one string value is cut there */

struct tracer;
struct trace_span;

struct tracer	*trace_open(const char *, long long, const char *);
void		 trace_close(struct tracer *);
struct trace_span *trace_start(struct tracer *, const char *, const char *,
		    int);
struct trace_span *trace_begin(struct trace_span *, const char *);
void		 trace_set_name(struct trace_span *, const char *);
void		 trace_attr_str(struct trace_span *, const char *,
		    const char *);
void		 trace_attr_int(struct trace_span *, const char *, long long);
void		 trace_error(struct trace_span *, const char *);
void		 trace_times(struct trace_span *, int64_t, int64_t);
void		 trace_end(struct trace_span *);
const char	*trace_id(const struct trace_span *);
int64_t		 trace_now(void);

/* Exposed for unit tests. */
int		 trace_parent_parse(const char *, uint8_t [16], uint8_t [8]);

#endif
