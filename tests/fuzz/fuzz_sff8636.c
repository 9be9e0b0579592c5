// SPDX-License-Identifier: MIT
/* The SFF-8636 decoder. */
#define MODULE_ID 0x11
#include "fuzz_module.h"
