// SPDX-License-Identifier: MIT
/* Cable and module media names, shared by the topology and the inventory. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "media.h"

static const char *const media_names[] = { "unknown", "dac", "acc", "aec", "aoc", "optic" };

const char *fp_media_name(enum fp_media m)
{
	return (unsigned)m < sizeof(media_names) / sizeof(media_names[0]) ? media_names[m] : "?";
}

int fp_media_parse(const char *s, enum fp_media *m)
{
	for (unsigned i = 0; i < sizeof(media_names) / sizeof(media_names[0]); i++)
		if (!strcasecmp(s, media_names[i])) {
			*m = (enum fp_media)i;
			return 0;
		}
	/* common spellings */
	if (!strcasecmp(s, "copper") || !strcasecmp(s, "passive"))
		*m = FP_MEDIA_DAC;
	else if (!strcasecmp(s, "fiber") || !strcasecmp(s, "fibre") || !strcasecmp(s, "optical"))
		*m = FP_MEDIA_OPTIC;
	else
		return -EINVAL;
	return 0;
}
