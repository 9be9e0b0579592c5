// SPDX-License-Identifier: MIT
/* fp_say: formats, truncates and always terminates, returns -EINVAL, accepts an empty buffer. */
#include <errno.h>
#include <string.h>

#include "../../core/err.h"
#include "t.h"

int main(void)
{
	char err[8];

	CHECK(fp_say(err, sizeof(err), "%s:%d", "ab", 7) == -EINVAL, "returns -EINVAL");
	CHECK(!strcmp(err, "ab:7"), "formatted: %s", err);
	memset(err, 'x', sizeof(err));
	fp_say(err, sizeof(err), "a line longer than the buffer %d", 42);
	CHECK(!strcmp(err, "a line "), "truncated and terminated: %.8s", err);
	memset(err, 'x', sizeof(err));
	CHECK(fp_say(err, 0, "nothing %s", "written") == -EINVAL && err[0] == 'x',
	      "len 0 writes nothing");
	CHECK(fp_say(NULL, 0, "no buffer") == -EINVAL, "NULL with len 0");
	return t_done("err");
}
