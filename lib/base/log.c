/*
 * Logging to stderr, which lighttpd sends to its error log.  One line per
 * request (DEP-3) and one line per error, where the cause is known.  Lines
 * are written with a single write so that concurrent processes do not
 * interleave within a line.  Not a tracing facility (that is trace_file).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_tag = "testvis";

/* Names the program in every line; tag is borrowed for the process life. */
void
log_set_tag(const char *tag)
{
	log_tag = tag;
}

/* Writes line (which ends in '\n') in one write(2); errors are ignored. */
static void
log_write(const char *line, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = write(STDERR_FILENO, line, n)) > 0) {
		line += w;
		n -= (size_t)w;
	}
}

static void	log_line(const char *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

/* Logs one line "tag: level: ..." from fmt and ap; long lines are cut. */
static void
log_line(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	int n, m;

	n = snprintf(line, sizeof(line), "%s: %s: ", log_tag, level);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	log_write(line, (size_t)n);
}

/* Logs one error line "tag: error: ..."; long messages are cut. */
void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}

/* Logs one alert line "tag: alert: ..." (an alert rule's log channel). */
void
log_alert(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("alert", fmt, ap);
	va_end(ap);
}

/*
 * Logs the request line of DEP-3: request id, trace id (only when the
 * request is traced), method, path (without the query string), status,
 * response bytes, milliseconds.  Control characters in the path are
 * replaced so a line stays one line.
 */
void
log_request(const char *id, const char *trace, const char *method,
    const char *path, int status, unsigned long long bytes, double ms)
{
	char line[1024], safe[512];
	size_t i;
	int n;

	for (i = 0; path[i] != '\0' && i < sizeof(safe) - 1; i++)
		safe[i] = (unsigned char)path[i] < 0x20 || path[i] == 0x7f ?
		    '?' : path[i];
	safe[i] = '\0';
	n = snprintf(line, sizeof(line), "%s: req=%s%s%s method=%s path=%s "
	    "status=%d bytes=%llu ms=%.2f\n", log_tag, id, trace != NULL ?
	    " trace=" : "", trace != NULL ? trace : "", method, safe,
	    status, bytes, ms);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	log_write(line, (size_t)n);
}
