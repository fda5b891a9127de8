#ifndef TESTVIS_CRYPTO_H
#define TESTVIS_CRYPTO_H
#include <stddef.h>

#define SHA256_HEX_LEN 65	/* 64 hex digits plus NUL */

void	 crypto_sha256_hex(const void *, size_t, char [SHA256_HEX_LEN]);
int	 crypto_random_hex(char *, size_t);
void	 crypto_hmac_sha256_hex(const void *, size_t, const void *, size_t,
	    char [SHA256_HEX_LEN]);
int	 crypto_equal(const void *, const void *, size_t);
unsigned long long crypto_fnv1a(const void *, size_t);
unsigned long long crypto_hash64(const void *, size_t);
unsigned long long crypto_hash64_wide(const void *, size_t);

#endif
