/*
 * The few cryptographic primitives testvis needs, over libcrypto: SHA-256
 * (token hashes, run ids from content, test ids), random hex (tokens,
 * request ids) and constant-time comparison.  No key management here.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "crypto.h"

static const char hexdig[] = "0123456789abcdef";

/* Writes the lower-case hex SHA-256 of data[0..n) into out. */
void
crypto_sha256_hex(const void *data, size_t n, char out[SHA256_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hexdig[md[i] >> 4];
		out[2 * i + 1] = hexdig[md[i] & 15];
	}
	out[2 * i] = '\0';
}

/*
 * Fills out with n random lower-case hex digits from the CSPRNG plus a NUL
 * (out holds n + 1 bytes).  Returns 0, or -1 if the CSPRNG failed.
 */
int
crypto_random_hex(char *out, size_t n)
{
	unsigned char raw[64];
	size_t i, done = 0;

	while (done < n) {
		size_t want = (n - done + 1) / 2;
		if (want > sizeof(raw))
			want = sizeof(raw);
		if (RAND_bytes(raw, (int)want) != 1)
			return -1;
		for (i = 0; i < want * 2 && done < n; i++, done++)
			out[done] = hexdig[i % 2 ? raw[i / 2] & 15 :
			    raw[i / 2] >> 4];
	}
	out[n] = '\0';
	return 0;
}

/* Predicate: a and b are equal over n bytes, compared in constant time. */
int
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * 64-bit FNV-1a of p[0..n): a cheap, stable, non-cryptographic hash (ETag
 * validators, hash-table keys).  Never use it where an attacker's choice
 * of input matters.
 */
unsigned long long
crypto_fnv1a(const void *p, size_t n)
{
	const unsigned char *c = p;
	unsigned long long h = 0xcbf29ce484222325ULL;

	while (n-- > 0) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A 64-bit hash of p[0..n) eight bytes at a time (FNV-1a's multiplier on
 * words, then a final mix): for validators of large bodies (ETags), where
 * crypto_fnv1a()'s byte-at-a-time multiply chain shows.  Stable across
 * runs and hosts of the same byte order; never where an attacker's choice
 * of input matters.
 */
unsigned long long
crypto_hash64(const void *p, size_t n)
{
	const unsigned char *c = p;
	unsigned long long h = 0xcbf29ce484222325ULL ^ n, w;

	for (; n >= 8; c += 8, n -= 8) {
		memcpy(&w, c, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, c, n);
	h = (h ^ w) * 0x100000001b3ULL;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	return h ^ (h >> 32);
}

/*
 * A 64-bit hash of p[0..n) for validators of large bodies (ETags): four
 * lanes of crypto_hash64()'s word step side by side, so that the
 * multiplies of one lane do not wait for another's (a 14 KB answer: a
 * quarter of the time), folded together with crypto_hash64() of the
 * last bytes.  Stable across runs and hosts of the same byte order; not
 * the value crypto_hash64() gives, and never where an attacker's choice
 * of input matters.
 */
unsigned long long
crypto_hash64_wide(const void *p, size_t n)
{
	const unsigned char *c = p;
	unsigned long long h0 = 0xcbf29ce484222325ULL ^ n,
	    h1 = 0x9e3779b97f4a7c15ULL, h2 = 0xc2b2ae3d27d4eb4fULL,
	    h3 = 0x165667b19e3779f9ULL, w0, w1, w2, w3, f;

	/* four named lanes: an array of them is vectorized into slower code */
	for (; n >= 32; c += 32, n -= 32) {
		memcpy(&w0, c, 8);
		memcpy(&w1, c + 8, 8);
		memcpy(&w2, c + 16, 8);
		memcpy(&w3, c + 24, 8);
		h0 = (h0 ^ w0) * 0x100000001b3ULL;
		h1 = (h1 ^ w1) * 0x100000001b3ULL;
		h2 = (h2 ^ w2) * 0x100000001b3ULL;
		h3 = (h3 ^ w3) * 0x100000001b3ULL;
		h0 ^= h0 >> 29;
		h1 ^= h1 >> 29;
		h2 ^= h2 >> 29;
		h3 ^= h3 >> 29;
	}
	f = h0 ^ (h1 << 16 | h1 >> 48) ^ (h2 << 32 | h2 >> 32) ^
	    (h3 << 48 | h3 >> 16);
	f ^= crypto_hash64(c, n);
	f *= 0xd6e8feb86659fd93ULL;
	return f ^ (f >> 32);
}

/*
 * Writes the lower-case hex HMAC-SHA256 of msg[0..n) under key[0..klen)
 * into out (webhook signatures, live tickets).
 */
void
crypto_hmac_sha256_hex(const void *key, size_t klen, const void *msg,
    size_t n, char out[SHA256_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (HMAC(EVP_sha256(), key, (int)klen, msg, n, md, &mdlen) == NULL)
		mdlen = 0;
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hexdig[md[i] >> 4];
		out[2 * i + 1] = hexdig[md[i] & 15];
	}
	out[2 * i] = '\0';
}
