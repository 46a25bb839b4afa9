#ifndef CELERITY_CHIREDIS_SHIM_H
#define CELERITY_CHIREDIS_SHIM_H
// hiredis, reached through pkg-config `hiredis` (Debian: libhiredis-dev).
// Only the non-variadic entry points (redisCommandArgv, redisAppendCommandArgv) are usable from Swift.
#include <hiredis.h>
#endif
