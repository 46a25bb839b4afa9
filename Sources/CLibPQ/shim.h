#ifndef CELERITY_CLIBPQ_SHIM_H
#define CELERITY_CLIBPQ_SHIM_H
// libpq, reached through pkg-config `libpq` (Debian: libpq-dev).
#include <libpq-fe.h>
#endif
