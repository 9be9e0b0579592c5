/* SPDX-License-Identifier: MIT */
/* What a link's cable or module is: the topology describes it, the inventory reads it. */
#ifndef FP_MEDIA_H
#define FP_MEDIA_H

enum fp_media {
	FP_MEDIA_UNKNOWN,
	FP_MEDIA_DAC,
	FP_MEDIA_ACC,
	FP_MEDIA_AEC,
	FP_MEDIA_AOC,
	FP_MEDIA_OPTIC
};

/* "dac", "aoc", ...; "?" for a value out of range */
const char *fp_media_name(enum fp_media m);
/* the names above, any case, and common spellings (copper, fiber); -EINVAL otherwise */
int fp_media_parse(const char *s, enum fp_media *m);

#endif
