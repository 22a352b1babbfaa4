#include <mysql.h>
int Pure() { return 0; }
