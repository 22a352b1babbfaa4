#include "core/other/other.h"
int Allowed() { return Other(); }
