#ifndef TESTVIS_CONFIG_H
#define TESTVIS_CONFIG_H
#include <stddef.h>

enum auth_read_mode { AUTH_READ_TOKEN, AUTH_READ_PUBLIC };
enum auth_ingest_mode { AUTH_INGEST_TOKEN, AUTH_INGEST_OPEN };

/* Process-lifetime settings; see conf/testvis.conf for each key's meaning. */
struct config {
	char			*path;		/* file read, or NULL */
	char			*db;
	int			 enabled;
	enum auth_read_mode	 auth_read;
	enum auth_ingest_mode	 auth_ingest;
	long long		 max_body_bytes;
	long long		 max_decompressed_bytes;
	long long		 max_message_bytes;
	long long		 max_text_bytes;
	char			*base_path;
	char			*commit_url_template;
	char			*session_url_template;
};

struct config	*config_load(const char *, char *, size_t);
void		 config_free(struct config *);

#endif
