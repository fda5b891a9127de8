/*
 * Live tickets (issue 15): a browser's EventSource cannot send an
 * Authorization header, so a page that holds a token asks for a ticket
 * (POST /api/live/ticket, with the token) and puts that in the stream's
 * URL instead.  A ticket reads "lt1.PROJECT.TOKEN.EXPIRES.MAC": the
 * project id, the public id of the token it was issued to ("-" when
 * reading is public), the expiry in ms since the epoch, and an
 * HMAC-SHA256 (first 32 hex digits) of the rest under a secret kept in
 * the database (`secrets`, made on first use, so every program and host
 * shares it).  It is good for following that project only, until it
 * expires, and only while its token is not revoked: the long-lived token
 * never travels in a URL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "db.h"
#include "ticket.h"

#define MAC_HEX		32
#define SECRET_NAME	"live_ticket"

enum stmt {
	STMT_SECRET_GET,
	STMT_SECRET_ADD,
	STMT_SLUG,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_SECRET_GET] = "SELECT value FROM secrets WHERE name = ?1",
	[STMT_SECRET_ADD] =
	    "INSERT INTO secrets (name, value, created_at) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name) DO NOTHING",
	[STMT_SLUG] = "SELECT slug FROM projects WHERE id = ?1",
};

#define STMT(db, i) DB_STMT((db), DBM_TICKET, (i))

/* The secret as read once per process (it never changes). */
static char secret[65];

/*
 * Reads the signing secret into `secret`; with create, makes it first
 * when there is none.  Returns 1 found, 0 none, -1 database error.
 */
static int
secret_load(struct db *db, int create, int64_t now)
{
	struct db_query *st;
	char fresh[65];
	int rc;

	if (secret[0] != '\0')
		return 1;
	if ((st = STMT(db, STMT_SECRET_GET)) == NULL ||
	    db_bind_text(db, st, 1, SECRET_NAME) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return -1;
	if (rc == DB_ROW)
		snprintf(secret, sizeof(secret), "%s", db_column_text(st, 0));
	db_reset(st);
	if (rc == DB_ROW)
		return secret[0] != '\0';
	if (!create)
		return 0;
	if (crypto_random_hex(fresh, 64) == -1 ||
	    (st = STMT(db, STMT_SECRET_ADD)) == NULL ||
	    db_bind_text(db, st, 1, SECRET_NAME) == -1 ||
	    db_bind_text(db, st, 2, fresh) == -1 ||
	    db_bind_int(db, st, 3, now) == -1 || db_step_done(db, st) == -1)
		return -1;
	return secret_load(db, 0, now);	/* another host may have won */
}

/* The MAC of the ticket's signed part body[0..n) into out. */
static void
mac(const char *body, size_t n, char out[MAC_HEX + 1])
{
	char full[SHA256_HEX_LEN];

	crypto_hmac_sha256_hex(secret, strlen(secret), body, n, full);
	memcpy(out, full, MAC_HEX);
	out[MAC_HEX] = '\0';
}

/*
 * Writes a ticket for following project_id into out (n bytes; 96 are
 * enough), issued to token_id (NULL when reading is public) and good
 * until expires (ms).  Returns 0, or -1 on a database error.
 */
int
ticket_issue(struct db *db, int64_t project_id, const char *token_id,
    int64_t expires, int64_t now, char *out, size_t n)
{
	char m[MAC_HEX + 1];
	int k;

	if (secret_load(db, 1, now) != 1)
		return -1;
	k = snprintf(out, n, "lt1.%lld.%s.%lld", (long long)project_id,
	    token_id != NULL ? token_id : "-", (long long)expires);
	if (k < 0 || (size_t)k + MAC_HEX + 2 > n)
		return -1;
	mac(out, (size_t)k, m);
	snprintf(out + k, n - (size_t)k, ".%s", m);
	return 0;
}

/* Parses a decimal int64 of s[0..n); 0 or -1. */
static int
parse_id(const char *s, size_t n, int64_t *out)
{
	char tmp[24], *end;
	long long v;

	if (n == 0 || n >= sizeof(tmp) || s[0] == '-' || s[0] == '+')
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (*end != '\0' || errno != 0 || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* Fills *out for a public ticket of project_id: read scope, no token. */
static enum auth_result
public_grant(struct db *db, int64_t project_id, struct auth_token *out)
{
	struct db_query *st;
	int rc;

	if ((st = STMT(db, STMT_SLUG)) == NULL ||
	    db_bind_int(db, st, 1, project_id) == -1 ||
	    (rc = db_step(db, st)) == -1)
		return AUTH_ERROR;
	if (rc == DB_ROW) {
		memset(out, 0, sizeof(*out));
		out->project_id = project_id;
		snprintf(out->project, sizeof(out->project), "%s",
		    db_column_text(st, 0));
		out->scope = SCOPE_READ;
	}
	db_reset(st);
	return rc == DB_ROW ? AUTH_OK : AUTH_UNKNOWN;
}

/*
 * Checks ticket s (borrowed) at time now.  On AUTH_OK fills *out with
 * what it grants: reading its project, as the token it was issued to.
 * AUTH_MALFORMED (not a ticket), AUTH_UNKNOWN (a wrong MAC, or its
 * project or token no longer there), AUTH_EXPIRED, AUTH_REVOKED (its
 * token was), AUTH_ERROR (the database failed).
 */
enum auth_result
ticket_verify(struct db *db, const char *s, int64_t now,
    struct auth_token *out)
{
	const char *f[5], *p = s;
	size_t len[5], i;
	char m[MAC_HEX + 1], tok[AUTH_ID_LEN + 1];
	int64_t project_id, expires;
	enum auth_result res;
	int rc;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		len[i] = strcspn(p, ".");
		p += len[i];
		if (i < 4 && *p++ != '.')
			return AUTH_MALFORMED;
	}
	if (*p != '\0' || len[0] != 3 || memcmp(f[0], "lt1", 3) != 0 ||
	    len[4] != MAC_HEX || parse_id(f[1], len[1], &project_id) == -1 ||
	    parse_id(f[3], len[3], &expires) == -1 ||
	    (len[2] != AUTH_ID_LEN && !(len[2] == 1 && f[2][0] == '-')))
		return AUTH_MALFORMED;
	if ((rc = secret_load(db, 0, now)) == -1)
		return AUTH_ERROR;
	if (rc == 0)
		return AUTH_UNKNOWN;
	mac(s, (size_t)(f[4] - 1 - s), m);
	if (!crypto_equal(m, f[4], MAC_HEX))
		return AUTH_UNKNOWN;
	if (expires <= now)
		return AUTH_EXPIRED;
	if (len[2] == 1)
		return public_grant(db, project_id, out);
	memcpy(tok, f[2], AUTH_ID_LEN);
	tok[AUTH_ID_LEN] = '\0';
	res = auth_token_by_id(db, tok, out);
	if (res == AUTH_OK && out->project_id != project_id)
		return AUTH_UNKNOWN;
	if (res == AUTH_OK && out->scope > SCOPE_READ)
		out->scope = SCOPE_READ;	/* a ticket only reads */
	return res;
}
