#ifndef TESTVIS_CIENV_H
#define TESTVIS_CIENV_H
#include <stddef.h>

#include "ingestmeta.h"

/* Longest run id or shard label (PARAM_RUNID). */
#define CIENV_ID_MAX	128

/*
 * What a CI provider's environment says about the build that runs us.
 * Every string is owned by the struct (cienv_free) or NULL: not given.
 */
struct cienv {
	const char	*provider;	/* "github", ...; NULL: no CI found */
	char		*meta[META__MAX]; /* branch, git_sha, job, ci_url */
	char		*build;		/* the build id, [-attempt] */
	char		*node;		/* parallel node index, or NULL */
};

/* Looks up an environment variable: its value, or NULL when unset. */
typedef const char *(*cienv_get)(const char *);

int	 cienv_read(cienv_get, struct cienv *);
void	 cienv_free(struct cienv *);
int	 cienv_run_id(const struct cienv *, const char *, char *, size_t);
void	 cienv_label(char *);

#endif
