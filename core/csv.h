/* SPDX-License-Identifier: MIT */
/* CSV fields (RFC 4180): every text field that came from outside goes through here. */
#ifndef FP_CSV_H
#define FP_CSV_H

#include <stdio.h>

/*
 * One field, quoted when RFC 4180 section 2 (rules 5 to 7) asks for it: a comma, a double
 * quote, CR or LF inside it. Quotes inside are doubled. The field is written whole.
 */
void fp_csv_field(FILE *f, const char *s);

#endif
