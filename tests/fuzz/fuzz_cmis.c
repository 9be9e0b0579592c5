// SPDX-License-Identifier: MIT
/* The CMIS decoder. */
#define MODULE_ID 0x19
#include "fuzz_module.h"
