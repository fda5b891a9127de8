#ifndef TESTVIS_LOG_H
#define TESTVIS_LOG_H

void	 log_set_tag(const char *);
void	 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_alert(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_request(const char *, const char *, const char *, const char *,
	    int, unsigned long long, double);

#endif
