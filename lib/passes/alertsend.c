/*
 * Sending one alert (REP-5) to a webhook with libcurl: the body in our
 * JSON or a Slack-compatible one, signed with HMAC-SHA256 over the
 * rule's secret in ALERTSEND_SIGNATURE (as GitHub and Stripe sign
 * theirs; the body carries its own time, so a receiver can refuse
 * replays), http and https only, no redirect followed, bounded connect
 * and total times.  Records nothing: the caller (the alerts pass, a
 * test send of the API) stores the attempt.  Also the URL checks and
 * masking the API shows instead of a URL.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "alertrule.h"
#include "alertsend.h"
#include "crypto.h"
#include "tvtime.h"

#define URL_MAX		2000

/* Initialises libcurl once for the process; 0 or -1. */
static int
curl_ready(void)
{
	static int done, ok;

	if (!done) {
		done = 1;
		ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	}
	return ok ? 0 : -1;
}

/*
 * Checks that url is one testvis may post to: at most URL_MAX bytes of
 * printable ASCII, http or https, with a host.  0, or -1 with why
 * (whysz bytes) saying what is wrong.
 */
int
alertsend_url_check(const char *url, char *why, size_t whysz)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	const char *p;
	int rc = -1;

	for (p = url; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			break;
	if (*p != '\0' || p == url || p - url > URL_MAX) {
		snprintf(why, whysz, "url must be 1 to %d printable ASCII "
		    "characters without spaces", URL_MAX);
		return -1;
	}
	if (curl_ready() == -1 || (u = curl_url()) == NULL) {
		snprintf(why, whysz, "the URL parser is not available");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0')
		snprintf(why, whysz, "url must be an absolute http or https URL");
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		snprintf(why, whysz, "url must be http or https, not %.20s",
		    scheme);
	else
		rc = 0;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* What the API shows of url: its scheme, host and port, the rest as
 * "/…", into out (outsz bytes). */
void
alertsend_url_mask(const char *url, char *out, size_t outsz)
{
	const char *host = strstr(url, "://"), *end;

	if (host == NULL) {
		snprintf(out, outsz, "…");
		return;
	}
	host += 3;
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		host = (const char *)memchr(host, '@', (size_t)(end - host)) + 1;
	snprintf(out, outsz, "%.*s%.*s/…", (int)(strstr(url, "://") + 3 -
	    url), url, (int)(end - host), host);
}

/* Appends s to the Slack text t with &, < and > escaped (mrkdwn). */
static void
slack_escape(char *t, size_t tsz, const char *s)
{
	size_t n = strlen(t);
	const char *e;

	for (; s != NULL && *s != '\0' && n + 6 < tsz; s++) {
		e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ?
		    "&gt;" : NULL;
		if (e != NULL) {
			memcpy(t + n, e, strlen(e));
			n += strlen(e);
		} else
			t[n++] = *s;
	}
	t[n] = '\0';
}

/*
 * The body of an alert in format (enum alert_format) from the alert
 * object a (our JSON body itself: event, kind, project, rule, subject,
 * summary, ...): a malloc'd string, the caller's.
 */
char *
alertsend_body(int format, const json_t *a)
{
	json_t *rule = json_object_get(a, "rule"), *o;
	char text[4096];
	char *s;

	if (format != AF_SLACK)
		return json_dumps(a, JSON_COMPACT);
	snprintf(text, sizeof(text), "*[testvis %s]* ",
	    json_string_value(json_object_get(a, "project")));
	slack_escape(text, sizeof(text),
	    json_string_value(json_object_get(rule, "name")));
	slack_escape(text, sizeof(text), " — ");
	slack_escape(text, sizeof(text),
	    json_string_value(json_object_get(a, "subject")));
	slack_escape(text, sizeof(text), ": ");
	slack_escape(text, sizeof(text),
	    json_string_value(json_object_get(a, "summary")));
	o = json_pack("{ss}", "text", text);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* libcurl's write callback: the receiver's answer is not kept. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Sets the request options of h for body to url; 0 or -1. */
static int
setup(CURL *h, const char *url, const char *body, struct curl_slist *hdr,
    const struct alertsend_limits *lim, char *errbuf)
{
	return curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, lim->connect_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, lim->total_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body)) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ?
	    -1 : 0;
}

/* The request headers of a delivery, or NULL. */
static struct curl_slist *
headers(const char *body, const char *secret, int64_t delivery,
    const char *kind)
{
	char lines[6][160], mac[SHA256_HEX_LEN];
	struct curl_slist *h = NULL, *t;
	int i;

	crypto_hmac_sha256_hex(secret, strlen(secret), body, strlen(body),
	    mac);
	snprintf(lines[0], sizeof(lines[0]), "Content-Type: application/json");
	snprintf(lines[1], sizeof(lines[1]), "User-Agent: testvis/%s",
	    TESTVIS_VERSION);
	snprintf(lines[2], sizeof(lines[2]), "Expect:");
	snprintf(lines[3], sizeof(lines[3]), "X-Testvis-Delivery: %lld",
	    (long long)delivery);
	snprintf(lines[4], sizeof(lines[4]), "X-Testvis-Event: %s", kind);
	snprintf(lines[5], sizeof(lines[5]), "%s: sha256=%s",
	    ALERTSEND_SIGNATURE, mac);
	for (i = 0; i < 6; i++) {
		if ((t = curl_slist_append(h, lines[i])) == NULL) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = t;
	}
	return h;
}

/*
 * Posts body to url once, signed with secret, as delivery (its id and
 * kind in a header), within lim, into *res.  Returns 1 when the
 * receiver answered 2xx, 0 when not (res says why), -1 when libcurl
 * could not even be set up.
 */
int
alertsend_webhook(const char *url, const char *body, const char *secret,
    int64_t delivery, const char *kind, const struct alertsend_limits *lim,
    struct alertsend_result *res)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr;
	int64_t t0 = tvtime_now_ms();
	CURLcode rc;
	CURL *h;

	memset(res, 0, sizeof(*res));
	errbuf[0] = '\0';
	if (curl_ready() == -1 || (h = curl_easy_init()) == NULL)
		return -1;
	if ((hdr = headers(body, secret, delivery, kind)) == NULL ||
	    setup(h, url, body, hdr, lim, errbuf) == -1) {
		curl_slist_free_all(hdr);
		curl_easy_cleanup(h);
		return -1;
	}
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	res->ms = tvtime_now_ms() - t0;
	if (rc != CURLE_OK)
		snprintf(res->error, sizeof(res->error), "%s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	else if (res->status >= 300 && res->status < 400)
		snprintf(res->error, sizeof(res->error), "answered %ld: "
		    "redirects are not followed", res->status);
	else if (res->status < 200 || res->status >= 300)
		snprintf(res->error, sizeof(res->error), "answered %ld",
		    res->status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return res->error[0] == '\0';
}
