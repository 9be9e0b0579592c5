// SPDX-License-Identifier: MIT
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int fp_say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}
