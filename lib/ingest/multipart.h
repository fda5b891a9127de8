#ifndef TESTVIS_MULTIPART_H
#define TESTVIS_MULTIPART_H

struct fault;
struct stream;
struct multipart;

/* Headers of the current part (strings owned by the parser). */
struct mp_part {
	const char	*name;		/* form field name, "" if none */
	const char	*filename;	/* NULL when not a file */
	const char	*content_type;	/* NULL when not given */
};

struct multipart *multipart_new(struct stream *, const char *,
		    struct fault *);
void		 multipart_free(struct multipart *);
int		 multipart_next(struct multipart *, struct mp_part *);
struct stream	*multipart_body(struct multipart *);

#endif
