/*
 * The one setter of struct fault, and the status each kind of fault is
 * answered with.  The first fault wins: later ones are consequences (a
 * read error makes the XML parser fail too), so they do not overwrite the
 * cause.  Building the HTTP answer is lib/web/http.c's (req_fault()); the
 * command line and the spool report fault_status() as they always did.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "utf8.h"

/*
 * Records kind, code and the formatted message unless f is NULL or holds
 * a fault already; the cut falls on a whole character.  Predicate: it
 * recorded.
 */
static int
fault_vset(struct fault *, enum fault_kind, const char *, const char *,
    va_list) __attribute__((format(printf, 4, 0)));
static int
fault_vset(struct fault *f, enum fault_kind kind, const char *code,
    const char *fmt, va_list ap)
{
	assert(kind > FAULT_NONE && kind < FAULT__MAX);
	if (f == NULL || f->kind != FAULT_NONE)
		return 0;
	f->kind = kind;
	f->code = code;
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	f->msg[utf8_whole(f->msg, strlen(f->msg))] = '\0';
	return 1;
}

/*
 * Records kind, code (static) and message unless a fault is already set;
 * f may be NULL (nobody asked why).
 */
void
fault_set(struct fault *f, enum fault_kind kind, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(f, kind, code, fmt, ap);
	va_end(ap);
}

/*
 * Records an invalid_param fault naming parameter param (static) and
 * why it is wrong (reason: "invalid" or "missing", static), unless a
 * fault is already set.
 */
void
fault_param(struct fault *f, const char *param, const char *reason,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (fault_vset(f, FAULT_BAD_INPUT, "invalid_param", fmt, ap)) {
		f->param = param;
		f->reason = reason;
	}
	va_end(ap);
}

/*
 * The HTTP status a fault of this kind is answered with (0: none).  The
 * command line and the spool's error files report the same number.
 */
int
fault_status(const struct fault *f)
{
	static const int status[FAULT__MAX] = {
		[FAULT_NONE] = 0,
		[FAULT_BAD_INPUT] = 400,
		[FAULT_NOT_FOUND] = 404,
		[FAULT_CONFLICT] = 409,
		[FAULT_TOO_LARGE] = 413,
		[FAULT_BUSY] = 503,
		[FAULT_FULL] = 507,
		[FAULT_STORAGE] = 500,
		[FAULT_INTERNAL] = 500,
	};

	return f->kind < FAULT__MAX ? status[f->kind] : 500;
}
