#include "core/other/other.h"
int Lonely() { return Other(); }
