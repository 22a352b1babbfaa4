#include "other/other.h"
int Allowed() { return Other(); }
