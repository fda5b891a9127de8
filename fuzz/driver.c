/*
 * A standalone main() for the fuzz harnesses, so that they build with any
 * C compiler and without libFuzzer: every file named on the command line,
 * and every regular file in a directory named there (sorted, not
 * recursive), is read into a buffer of exactly its size and handed to
 * LLVMFuzzerTestOneInput() once.  `make check` runs the seed corpora this
 * way (under ASan/UBSan with SANITIZE=1).  Exits 0 after at least one
 * input, 1 when nothing was read or a file could not be read; a crash is
 * the harness's verdict.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Reads path whole and runs it; 0, or -1 when it cannot be read. */
static int
run_file(const char *path)
{
	FILE *fp;
	struct stat st;
	uint8_t *data;
	size_t n;
	int rc = -1;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	/* exactly the file's size, so ASan sees a read past the end */
	if ((data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		abort();
	n = fread(data, 1, (size_t)st.st_size, fp);
	if (ferror(fp) || n != (size_t)st.st_size)
		fprintf(stderr, "%s: short read\n", path);
	else {
		LLVMFuzzerTestOneInput(data, n);
		rc = 0;
	}
	free(data);
out:
	if (fp != NULL)
		fclose(fp);
	return rc;
}

/* Runs path, or each regular file in it; adds to *count.  0 or -1. */
static int
run_path(const char *path, int *count)
{
	struct dirent **ents;
	struct stat st;
	char sub[4096];
	int i, n, rc = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (run_file(path) == -1)
			return -1;
		(*count)++;
		return 0;
	}
	if ((n = scandir(path, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(sub, sizeof(sub), "%s/%s", path,
		    ents[i]->d_name) >= (int)sizeof(sub) ||
		    stat(sub, &st) == -1 || !S_ISREG(st.st_mode))
			;	/* ".", "..", subdirectories: not inputs */
		else if (run_file(sub) == -1)
			rc = -1;
		else
			(*count)++;
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, count = 0, rc = 0;

	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count) == -1)
			rc = 1;
	printf("%s: %d inputs run\n", argc > 0 ? argv[0] : "fuzz", count);
	return rc != 0 || count == 0 ? 1 : 0;
}
