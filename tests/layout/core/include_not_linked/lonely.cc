#include "other/other.h"
int Lonely() { return Other(); }
