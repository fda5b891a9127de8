#ifndef TESTVIS_TVTIME_H
#define TESTVIS_TVTIME_H
#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" plus NUL */
#define TVTIME_ISO_LEN 25

int	 tvtime_parse_iso8601(const char *, size_t, int64_t *);
void	 tvtime_format_iso8601(int64_t, char [TVTIME_ISO_LEN]);
int64_t	 tvtime_now_ms(void);
double	 tvtime_mono_ms(void);

#endif
