/*
 * The one setter of struct fault.  The first fault wins: later ones are
 * consequences (a read error makes the XML parser fail too), so they do
 * not overwrite the cause.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "utf8.h"

/* Records status, code (static) and message unless a fault is already set. */
void
fault_set(struct fault *f, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL || f->status != 0)
		return;
	f->status = status;
	f->code = code;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	/* a message cut by the buffer ends on a whole character */
	f->msg[utf8_whole(f->msg, strlen(f->msg))] = '\0';
}
