#ifndef TESTVIS_EXPORTJOBS_H
#define TESTVIS_EXPORTJOBS_H
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct config;
struct db;
struct fault;

/* Where an answer's links point: the base path and the project's slug. */
struct exportjobs_site {
	const char	*base;		/* base_path, "" none */
	const char	*project;	/* slug: ?project= unless "default" */
};

/* A finished job's file, as exportjobs_file() found it. */
struct exportjobs_file {
	char		 status[16];	/* queued running done failed expired */
	char		 path[4096];	/* done: the file */
	char		 name[128];	/* done: its name */
	int		 format;	/* enum export_format */
};

#define EXPORTJOBS_QUOTA	507	/* exportjobs_create(): quota used up */

int	 exportjobs_create(struct db *, int64_t, const struct config *,
	    const struct exportjobs_site *, json_t *, int64_t, json_t **,
	    struct fault *);
int	 exportjobs_get(struct db *, int64_t, const struct exportjobs_site *,
	    const char *, int64_t, json_t **);
int	 exportjobs_list(struct db *, int64_t, const struct exportjobs_site *,
	    int64_t, int, int64_t, json_t **);
int	 exportjobs_file(struct db *, int64_t, const struct config *,
	    const char *, int64_t, struct exportjobs_file *);

#endif
