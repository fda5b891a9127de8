#ifndef TESTVIS_FCGIPROTO_H
#define TESTVIS_FCGIPROTO_H
#include <stddef.h>

struct buf;

/* Record types of the FastCGI 1.0 protocol. */
#define FCGI_BEGIN_REQUEST	1
#define FCGI_ABORT_REQUEST	2
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_DATA		8
#define FCGI_GET_VALUES		9
#define FCGI_GET_VALUES_RESULT	10
#define FCGI_UNKNOWN_TYPE	11

#define FCGI_RESPONDER		1
#define FCGI_KEEP_CONN		1
#define FCGI_HEADER_LEN		8
/* the largest record: header, 65535 bytes of content, 255 of padding */
#define FCGI_RECORD_MAX		(FCGI_HEADER_LEN + 65535 + 255)

/* One record found in an input buffer; content points into it. */
struct fcgi_record {
	int			 type;
	unsigned		 id;
	const unsigned char	*content;
	size_t			 clen;
};

int	 fcgi_record_next(const unsigned char *, size_t, struct fcgi_record *);
char	**fcgi_params_decode(const unsigned char *, size_t, size_t);
void	 fcgi_params_free(char **);
void	 fcgi_put_record(struct buf *, int, unsigned, const void *, size_t);
void	 fcgi_put_stdout(struct buf *, unsigned, const void *, size_t);
void	 fcgi_put_end(struct buf *, unsigned, int);
void	 fcgi_put_values(struct buf *, const unsigned char *, size_t, int);

#endif
