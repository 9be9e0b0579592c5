// SPDX-License-Identifier: MIT
/* Sizes, size lists, durations, unit conversions and size labels. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "../../core/units.h"
#include "t.h"

int main(void)
{
	uint64_t v, s[FP_MAX_SIZES];
	unsigned n;

	CHECK(!fp_parse_size("4K", &v) && v == 4096, "4K");
	CHECK(!fp_parse_size("1M", &v) && v == 1048576, "1M");
	CHECK(!fp_parse_size("2KiB", &v) && v == 2048, "2KiB");
	CHECK(!fp_parse_size("64", &v) && v == 64, "64");
	CHECK(fp_parse_size("4Q", &v) == -EINVAL, "bad suffix");
	CHECK(fp_parse_size("-1", &v) == -EINVAL, "negative");
	CHECK(fp_parse_size("", &v) == -EINVAL, "empty");
	CHECK(fp_parse_size("99999999999999999999", &v) == -ERANGE, "overflow");
	CHECK(fp_parse_size("17179869184G", &v) == -ERANGE, "suffix overflow");

	CHECK(!fp_parse_sizes("8,64,4K", s, FP_MAX_SIZES, &n) && n == 3 && s[2] == 4096, "list");
	CHECK(!fp_parse_sizes("1:1M:x2", s, FP_MAX_SIZES, &n) && n == 21 && s[20] == 1048576,
	      "x2 range: %u", n);
	CHECK(!fp_parse_sizes("1K:4K:+1K", s, FP_MAX_SIZES, &n) && n == 4 && s[3] == 4096,
	      "+ range");
	CHECK(!fp_parse_sizes("64,8,64", s, FP_MAX_SIZES, &n) && n == 2 && s[0] == 8,
	      "sort+dedupe");
	CHECK(!fp_parse_sizes("8,1:4:x2", s, FP_MAX_SIZES, &n) && n == 4, "mixed");
	CHECK(fp_parse_sizes("8,,64", s, FP_MAX_SIZES, &n), "empty item");
	CHECK(fp_parse_sizes("8,", s, FP_MAX_SIZES, &n), "trailing comma");
	CHECK(fp_parse_sizes("0", s, FP_MAX_SIZES, &n) == -ERANGE, "zero");
	CHECK(fp_parse_sizes("2G", s, FP_MAX_SIZES, &n) == -ERANGE, "too big");
	CHECK(fp_parse_sizes("8:4", s, FP_MAX_SIZES, &n), "range without step");
	CHECK(fp_parse_sizes("8:4:x2", s, FP_MAX_SIZES, &n) == -ERANGE, "inverted range");
	CHECK(fp_parse_sizes("1:8:x1", s, FP_MAX_SIZES, &n) == -EINVAL, "x1 never ends");
	CHECK(fp_parse_sizes("1:1G:+1", s, FP_MAX_SIZES, &n) == -E2BIG, "too many sizes");
	CHECK(fp_parse_sizes("abc", s, FP_MAX_SIZES, &n), "garbage");

	CHECK(!fp_parse_duration("2.5s", &v) && v == 2500000000ull, "2.5s");
	CHECK(!fp_parse_duration("500ms", &v) && v == 500000000ull, "500ms");
	CHECK(!fp_parse_duration("3", &v) && v == 3000000000ull, "plain seconds");
	CHECK(!fp_parse_duration("1m", &v) && v == 60000000000ull, "minute");
	CHECK(fp_parse_duration("5parsecs", &v), "bad unit");
	CHECK(fp_parse_duration("-1s", &v), "negative");

	CHECK(fabs(fp_gbit_s(1.25e9) - 10.0) < 1e-12, "Gb/s is 1e9 bit/s");
	CHECK(fabs(fp_gbyte_s(1.25e9) - 1.25) < 1e-12, "GB/s is 1e9 B/s");
	{
		char l[16];

		fp_size_label(4096, l, sizeof(l));
		CHECK(!strcmp(l, "4K"), "label 4K");
		fp_size_label(1000, l, sizeof(l));
		CHECK(!strcmp(l, "1000"), "label 1000");
	}
	return t_done("units");
}
