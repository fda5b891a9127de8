#ifndef TESTVIS_ALERTSEND_H
#define TESTVIS_ALERTSEND_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* How long one webhook request may take (testvis.conf alert_*). */
struct alertsend_limits {
	long		 connect_ms, total_ms;
};

/* What one attempt came to: status 0 when no HTTP answer came. */
struct alertsend_result {
	long		 status;
	char		 error[256];	/* "" when delivered */
	int64_t		 ms;
};

/* The header that carries the body's HMAC-SHA256 ("sha256=HEX"). */
#define ALERTSEND_SIGNATURE	"X-Testvis-Signature-256"

int	 alertsend_url_check(const char *, char *, size_t);
void	 alertsend_url_mask(const char *, char *, size_t);
char	*alertsend_body(int, const json_t *);
int	 alertsend_webhook(const char *, const char *, const char *, int64_t,
	    const char *, const struct alertsend_limits *,
	    struct alertsend_result *);

#endif
