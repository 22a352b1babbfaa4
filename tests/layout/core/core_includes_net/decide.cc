#include "net/talker/talker.h"
int Decide() { return Talk(); }
