// SPDX-License-Identifier: MIT
/* The frame-size mix: parsing, the exact cycle, per-size counts and the errors. */
#include <errno.h>
#include <string.h>

#include "../../core/imix.h"
#include "t.h"

int main(void)
{
	struct fp_imix m;
	char err[256], buf[128];
	uint64_t seen[3] = { 0 };

	CHECK(!fp_imix_parse("imix", 64, 9220, &m, err, sizeof(err)), "%s", err);
	CHECK(m.n == 3 && m.total == 12, "n %u total %u", m.n, m.total);
	CHECK(m.size[0] == 64 && m.weight[0] == 7 && m.size[2] == 1518 && m.weight[2] == 1,
	      "the simple IMIX");
	fp_imix_format(&m, buf, sizeof(buf));
	CHECK(!strcmp(buf, "64:7,594:4,1518:1"), "%s", buf);
	/* (64*7 + 594*4 + 1518) / 12 */
	CHECK(fp_imix_mean(&m) > 361.8 && fp_imix_mean(&m) < 361.9, "%f", fp_imix_mean(&m));
	/* counted by walking the stream, against the closed form */
	for (uint64_t i = 0; i < 1000; i++) {
		uint32_t s = fp_imix_at(&m, i);

		seen[s == 64 ? 0 : s == 594 ? 1 : 2]++;
	}
	for (unsigned k = 0; k < 3; k++)
		CHECK(fp_imix_count(&m, k, 1000) == seen[k], "size %u: %llu vs %llu", k,
		      (unsigned long long)fp_imix_count(&m, k, 1000), (unsigned long long)seen[k]);
	CHECK(fp_imix_count(&m, 0, 1200) == 700 && fp_imix_count(&m, 1, 1200) == 400 &&
		      fp_imix_count(&m, 2, 1200) == 100,
	      "whole cycles");
	/* interleaved: the 1518 B frame is not next to another in the cycle, 64 B never 3 in
	 * a row */
	for (unsigned i = 0; i + 2 < m.total; i++)
		CHECK(!(m.cycle[i] == 0 && m.cycle[i + 1] == 0 && m.cycle[i + 2] == 0),
		      "a run of three 64 B at %u", i);

	CHECK(!fp_imix_parse("128,256:3", 64, 9220, &m, err, sizeof(err)), "%s", err);
	CHECK(m.n == 2 && m.weight[0] == 1 && m.weight[1] == 3 && m.total == 4, "bare size");
	CHECK(fp_imix_is_mix("imix") && fp_imix_is_mix("64:1") && !fp_imix_is_mix("64,128"),
	      "is_mix");

	static const char *const bad[] = { "",
					   "64:",
					   ":3",
					   "64:0",
					   "64,,128",
					   "64,",
					   "64x",
					   "63:1",
					   "9221:1",
					   "64:1,64:2",
					   "64:4097",
					   "64:4000,128:97",
					   "1234567890:1",
					   "64:1,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		m.n = 99;
		CHECK(fp_imix_parse(bad[i], 64, 9220, &m, err, sizeof(err)) == -EINVAL,
		      "'%s' accepted", bad[i]);
		CHECK(err[0] && !strchr(err, '\n') && m.n == 99, "'%s': no error line or *m set",
		      bad[i]);
	}
	return t_done("imix");
}
