#ifndef TESTVIS_ROLLUP_H
#define TESTVIS_ROLLUP_H
#include <sqlite3.h>

#define ROLLUP_WINDOW 50	/* results kept in a test's recent windows */

int	 rollup_register(sqlite3 *);
char	 rollup_status_char(int);

#endif
