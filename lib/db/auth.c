/*
 * API tokens (SEC-1).  A token reads "tv_<id>_<secret>": the 12-hex id is
 * public and finds the row, the 48-hex secret is never stored; the row
 * keeps the SHA-256 of the whole token, compared in constant time.  Scopes
 * nest: admin covers ingest and read, ingest covers read.  Deciding which
 * scope a route needs is the request layer's business, not this module's.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "db.h"
#include "jval.h"
#include "tvtime.h"

enum stmt {
	STMT_LOOKUP,
	STMT_INSERT,
	STMT_LIST,
	STMT_REVOKE,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_LOOKUP] =
	    "SELECT t.hash, t.project_id, p.slug, t.scope, t.revoked_at "
	    "FROM tokens t JOIN projects p ON p.id = t.project_id "
	    "WHERE t.id = ?1",
	[STMT_INSERT] =
	    "INSERT INTO tokens (id, hash, project_id, scope, name, "
	    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_LIST] =
	    "SELECT t.id, p.slug, t.scope, t.name, t.created_at, "
	    "t.revoked_at FROM tokens t JOIN projects p ON p.id = "
	    "t.project_id WHERE ?1 = 0 OR t.project_id = ?1 "
	    "ORDER BY t.created_at, t.id",
	[STMT_REVOKE] =
	    "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND "
	    "revoked_at IS NULL",
};

static const char *const scope_names[SCOPE__MAX] = {
	[SCOPE_NONE] = "none",
	[SCOPE_READ] = "read",
	[SCOPE_INGEST] = "ingest",
	[SCOPE_ADMIN] = "admin",
};

#define STMT(db, i) DB_STMT((db), DBM_AUTH, (i))

/* The scope's name, a static string. */
const char *
auth_scope_name(enum scope s)
{
	return s < SCOPE__MAX ? scope_names[s] : "?";
}

/* Parses a grantable scope name (read, ingest, admin); 0 or -1. */
int
auth_scope_parse(const char *name, enum scope *out)
{
	int i;

	for (i = SCOPE_READ; i < SCOPE__MAX; i++)
		if (strcmp(name, scope_names[i]) == 0) {
			*out = (enum scope)i;
			return 0;
		}
	return -1;
}

/* Predicate: a token granted `granted` may do what needs `needed`. */
int
auth_scope_covers(enum scope granted, enum scope needed)
{
	return granted >= needed;
}

/* Predicate: s[0..n) has the shape of a token. */
static int
token_shape(const char *s, size_t n)
{
	size_t i;

	if (n != AUTH_TOKEN_LEN || memcmp(s, "tv_", 3) != 0 ||
	    s[3 + AUTH_ID_LEN] != '_')
		return 0;
	for (i = 3; i < n; i++) {
		if (i == 3 + AUTH_ID_LEN)
			continue;
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/*
 * Looks token id up: with hash (the SHA-256 hex of the whole token text)
 * it must match; without, the id alone finds it (a ticket names the
 * token that asked for it).  Fills *out on AUTH_OK.
 */
static enum auth_result
lookup(struct db *db, const char *id, const char *hash,
    struct auth_token *out)
{
	const char *stored;
	struct db_query *st;
	enum auth_result res;
	int rc;

	if ((st = STMT(db, STMT_LOOKUP)) == NULL ||
	    db_bind_text(db, st, 1, id) == -1)
		return AUTH_ERROR;
	if ((rc = db_step(db, st)) == -1)
		return AUTH_ERROR;
	if (rc == DB_DONE) {
		res = AUTH_UNKNOWN;
		goto out;
	}
	stored = db_column_text(st, 0);
	if (hash != NULL && (stored == NULL ||
	    strlen(stored) != SHA256_HEX_LEN - 1 ||
	    !crypto_equal(stored, hash, SHA256_HEX_LEN - 1))) {
		res = AUTH_UNKNOWN;
		goto out;
	}
	if (!db_col_null(st, 4)) {
		res = AUTH_REVOKED;
		goto out;
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->project_id = db_col_int(st, 1);
	snprintf(out->project, sizeof(out->project), "%s",
	    db_column_text(st, 2));
	if (auth_scope_parse(db_column_text(st, 3), &out->scope) == -1) {
		res = AUTH_UNKNOWN;
		goto out;
	}
	res = AUTH_OK;
out:
	db_reset(st);
	return res;
}

/*
 * Checks the token text s[0..n) (borrowed).  On AUTH_OK fills *out.
 * AUTH_MALFORMED: not shaped like a token; AUTH_UNKNOWN: no such token or
 * wrong secret; AUTH_REVOKED; AUTH_ERROR: the database failed (logged).
 */
enum auth_result
auth_verify(struct db *db, const char *s, size_t n, struct auth_token *out)
{
	char id[AUTH_ID_LEN + 1], hash[SHA256_HEX_LEN];

	if (!token_shape(s, n))
		return AUTH_MALFORMED;
	memcpy(id, s + 3, AUTH_ID_LEN);
	id[AUTH_ID_LEN] = '\0';
	crypto_sha256_hex(s, n, hash);
	return lookup(db, id, hash, out);
}

/*
 * The token whose public id is id (12 hex digits), as auth_verify()
 * would find it but without its secret: for a ticket that names the
 * token it was issued to.  Same results.
 */
enum auth_result
auth_token_by_id(struct db *db, const char *id, struct auth_token *out)
{
	size_t i;

	if (strlen(id) != AUTH_ID_LEN)
		return AUTH_MALFORMED;
	for (i = 0; i < AUTH_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return AUTH_MALFORMED;
	return lookup(db, id, NULL, out);
}

/*
 * Creates a token for project_id with scope and a label (may be "").
 * Writes the token text into out: it is shown once and never again.
 * Returns 0, or -1 (logged).
 */
int
auth_token_create(struct db *db, int64_t project_id, enum scope scope,
    const char *name, char out[AUTH_TOKEN_LEN + 1])
{
	char id[AUTH_ID_LEN + 1], secret[49], hash[SHA256_HEX_LEN];
	struct db_query *st;
	int rc;

	if (crypto_random_hex(id, AUTH_ID_LEN) == -1 ||
	    crypto_random_hex(secret, 48) == -1)
		return -1;
	rc = snprintf(out, AUTH_TOKEN_LEN + 1, "tv_%s_%s", id, secret);
	if (rc != AUTH_TOKEN_LEN)
		return -1;
	crypto_sha256_hex(out, AUTH_TOKEN_LEN, hash);
	if ((st = STMT(db, STMT_INSERT)) == NULL ||
	    db_bind_text(db, st, 1, id) == -1 ||
	    db_bind_text(db, st, 2, hash) == -1 ||
	    db_bind_int(db, st, 3, project_id) == -1 ||
	    db_bind_text(db, st, 4, auth_scope_name(scope)) == -1 ||
	    db_bind_text(db, st, 5, name) == -1 ||
	    db_bind_int(db, st, 6, tvtime_now_ms()) == -1)
		return -1;
	rc = db_step(db, st);
	db_reset(st);
	return rc == DB_DONE ? 0 : -1;
}

/* The token object of a STMT_LIST row (never the secret). */
static json_t *
token_row(struct db_query *st)
{
	json_t *o = jval_object();

	jval_set(o, "id", jval_col_text(st, 0));
	jval_set(o, "project", jval_col_text(st, 1));
	jval_set(o, "scope", jval_col_text(st, 2));
	jval_set(o, "name", jval_col_text(st, 3));
	jval_set(o, "created_at", jval_col_time(st, 4));
	jval_set(o, "revoked_at", jval_col_time(st, 5));
	return o;
}

/*
 * Lists tokens (of project_id, or all when it is 0) as a new JSON array of
 * {id, project, scope, name, created_at, revoked_at}; NULL on error.
 */
json_t *
auth_token_list(struct db *db, int64_t project_id)
{
	struct db_query *st;

	if ((st = STMT(db, STMT_LIST)) == NULL ||
	    db_bind_int(db, st, 1, project_id) == -1)
		return NULL;
	return jval_rows(db, st, token_row);
}

/* Revokes token id: 1 revoked, 0 no such live token, -1 error. */
int
auth_token_revoke(struct db *db, const char *id)
{
	struct db_query *st;
	int rc;

	if ((st = STMT(db, STMT_REVOKE)) == NULL ||
	    db_bind_text(db, st, 1, id) == -1 ||
	    db_bind_int(db, st, 2, tvtime_now_ms()) == -1)
		return -1;
	rc = db_step(db, st);
	db_reset(st);
	if (rc == -1)
		return -1;
	return db_changes(db) > 0 ? 1 : 0;
}
