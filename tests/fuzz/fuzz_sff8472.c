// SPDX-License-Identifier: MIT
/* The SFF-8472 decoder. */
#define MODULE_ID 0x03
#include "fuzz_module.h"
