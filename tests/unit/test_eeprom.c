// SPDX-License-Identifier: MIT
/*
 * Module EEPROM decoders against fixtures written byte by byte from the spec tables
 * (tests/fixtures/eeprom/gen.py): every field the generator wrote, as expect.json says.
 */
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/file.h"
#include "../../fabric/inventory/eeprom.h"
#include "../../fabric/model/jread.h"
#include "../../fabric/model/yaml.h"
#include "t.h"

static const char *dir = FP_SRCDIR "/tests/fixtures/eeprom";

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-3 * fmax(1, fabs(b));
}

static void check_lanes(const char *f, const char *what, struct fy_node *arr,
			const struct fp_mon *m, unsigned lanes)
{
	void *it = NULL;
	struct fy_node *v;
	unsigned l = 0;
	double d;

	while (arr && (v = fy_node_sequence_iterate(arr, &it))) {
		CHECK(l < lanes && fp_jnum(v, &d) && m[l].valid && near(m[l].value, d),
		      "%s %s lane %u: %g want %g", f, what, l + 1, l < lanes ? m[l].value : -1, d);
		l++;
	}
}

/* Text dumps as hexdump -C, xxd and od print them (the integration test module_dumps runs
 * the real tools on a whole image); here the edges: short last lines, '*', and each way a
 * paste goes wrong, which must be refused with the line named. */
static int rd(const char *text, uint8_t *out, size_t max, size_t *n, char *err, size_t el)
{
	return fp_module_read_hex(text, strlen(text), out, max, n, err, el);
}

static void dumps(void)
{
	static const struct {
		const char *name, *text;
	} good[] = {
		{ "hexdump -C",
		  "00000000  11 22 33 44 55 66 77 88  99 aa bb cc dd ee ff 00  "
		  "|.\"3DUfw.........|\n"
		  "00000010  01 02 03                                          |...|\n"
		  "00000013\n" },
		{ "xxd", "00000000: 1122 3344 5566 7788 99aa bbcc ddee ff00  .\"3DUfw.........\n"
			 "00000010: 0102 03                                  ...\n" },
		{ "xxd -g1 -c 8", "00000000: 11 22 33 44 55 66 77 88  .\"3DUfw.\n"
				  "00000008: 99 aa bb cc dd ee ff 00  ........\n"
				  "00000010: 01 02 03                 ...\n" },
		{ "od -A x -t x1z",
		  "000000 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00  >.\"3DUfw.........<\n"
		  "000010 01 02 03                                         >...<\n"
		  "000013\n" },
		{ "od -A x -t x1", "000000 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00\n"
				   "000010 01 02 03\n000013\n" },
	};
	static const uint8_t want[19] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
					  0xff, 0x00, 1,    2,	  3 };
	static const struct {
		const char *name, *text, *says;
		int ret;
	} bad[] = {
		{ "odd digits", "00000000  11 2 33  |.\"3|\n00000003\n", "is not a byte", -EINVAL },
		{ "xxd odd digits", "00000000: 1122 334  .\"3\n", "whole bytes", -EINVAL },
		{ "out of order", "000000 01 02\n000004 03 04\n000006\n", "out of order", -EINVAL },
		{ "backwards", "00000000: 0102  ..\n00000000: 0304  ..\n", "out of order",
		  -EINVAL },
		{ "not from 0", "00000010: 0102  ..\n", "not 0", -EINVAL },
		{ "short mid-dump", "000000 01 02 03 04\n000004 05\n000005 06\n000006\n", "short",
		  -EINVAL },
		{ "cut ASCII",
		  "00000000  01 02 03 04  |....|\n00000004  05 06 07 08  |..\n00000008\n",
		  "truncated", -EINVAL },
		{ "cut xxd", "00000000: 0102 0304  ....\n00000004: 0506\n", "truncated", -EINVAL },
		{ "no end offset", "000000 01 02  >..<\n", "final offset", -EINVAL },
		{ "'*' at the end", "000000 00 00\n*\n", "'*' at the end", -EINVAL },
		{ "'*' odd gap", "000000 00 00\n*\n000005 01 02\n000007\n", "whole lines",
		  -EINVAL },
		{ "data after end", "000000 01 02\n000002\n000002 03\n", "final offset", -EINVAL },
		{ "too large", "000000 00 00 00 00\n*\n001000 01 02 03 04\n001004\n", "4096 bytes",
		  -E2BIG },
		{ "xxd '*' at the end", "00000000: 0102 0304  ....\n*\n", "'*' at the end",
		  -EINVAL },
		{ "garbage", "hello\nworld\n", "no module dump lines", -EINVAL },
		{ "xxd -e", "00000000: 00005019 402d0000  .P..-@..\n", "ASCII column shows 'P'",
		  -EINVAL },
		{ "hexdump words", "0000000 5019 0000\n0000004\n", "16-bit word", -EINVAL },
	};
	static uint8_t out[4096];
	char err[256];
	size_t n;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int ret = rd(good[i].text, out, sizeof(out), &n, err, sizeof(err));

		CHECK(!ret && n == sizeof(want) && !memcmp(out, want, n), "%s: %d %zu bytes: %s",
		      good[i].name, ret, n, ret ? err : "");
	}
	/* '*' repeats the line before it up to the next offset; xxd -a squeezes nul lines */
	CHECK(!rd("00000000  0a 0b  |..|\n*\n00000006  0c  |.|\n00000007\n", out, sizeof(out), &n,
		  err, sizeof(err)) &&
		      n == 7 && !memcmp(out, "\x0a\x0b\x0a\x0b\x0a\x0b\x0c", 7),
	      "hexdump '*': %s", err);
	CHECK(!rd("00000000: 0000  ..\n*\n00000006: 0102  ..\n", out, sizeof(out), &n, err,
		  sizeof(err)) &&
		      n == 8 && out[5] == 0 && out[6] == 1,
	      "xxd -a '*': %s", err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = rd(bad[i].text, out, bad[i].ret == -E2BIG ? 4096 : sizeof(out), &n, err,
			     sizeof(err));

		CHECK(ret == bad[i].ret && strstr(err, bad[i].says) && !strchr(err, '\n'),
		      "%s: %d '%s'", bad[i].name, ret, err);
	}
	/* a dump one byte over the buffer */
	CHECK(rd("00000000: 0102 0304 05  .....\n", out, 4, &n, err, sizeof(err)) == -E2BIG,
	      "5 bytes into 4: %s", err);
}

int main(void)
{
	char path[512], err[256], *text, buf[256];
	size_t len;
	struct fy_document *doc;
	struct fy_node *root, *e;
	struct fy_node_pair *p;
	void *it = NULL;
	unsigned files = 0;

	snprintf(path, sizeof(path), "%s/expect.json", dir);
	CHECK(!fp_read_file(path, 1 << 20, &text, &len, err, sizeof(err)), "%s", err);
	doc = fp_yaml_parse(text, len, path, err, sizeof(err));
	free(text);
	CHECK(doc != NULL, "%s", err);
	if (!doc)
		return t_done("eeprom");
	root = fy_document_root(doc);
	while ((p = fy_node_mapping_iterate(root, &it))) {
		static uint8_t img[4096];
		struct fp_module m;
		size_t ilen;
		char f[64];
		double d;

		fp_jstr(fy_node_pair_key(p), f, sizeof(f));
		e = fy_node_pair_value(p);
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		CHECK(!fp_read_file_bin(path, 1 << 20, &text, &len, err, sizeof(err)), "%s", err);
		CHECK(!fp_module_read_hex(text, len, img, sizeof(img), &ilen, err, sizeof(err)),
		      "%s: %s", f, err);
		free(text);
		CHECK(!fp_module_decode(img, ilen, &m, err, sizeof(err)), "%s: %s", f, err);
		files++;
		static const char *const specs[] = { "SFF-8472", "SFF-8636", "CMIS" };

		if (fp_jstr(fp_jkey(e, "spec"), buf, sizeof(buf)))
			CHECK(!strcmp(specs[m.spec], buf), "%s spec %s", f, specs[m.spec]);
		if (fp_jstr(fp_jkey(e, "id"), buf, sizeof(buf)))
			CHECK(!strcmp(m.id_name, buf), "%s id %s want %s", f, m.id_name, buf);
		if (fp_jstr(fp_jkey(e, "vendor"), buf, sizeof(buf)))
			CHECK(!strcmp(m.vendor, buf), "%s vendor '%s' want '%s'", f, m.vendor, buf);
		if (fp_jstr(fp_jkey(e, "pn"), buf, sizeof(buf)))
			CHECK(!strcmp(m.pn, buf), "%s pn '%s' want '%s'", f, m.pn, buf);
		if (fp_jstr(fp_jkey(e, "rev"), buf, sizeof(buf)))
			CHECK(!strcmp(m.rev, buf), "%s rev '%s'", f, m.rev);
		if (fp_jstr(fp_jkey(e, "sn"), buf, sizeof(buf)))
			CHECK(!strcmp(m.sn, buf), "%s sn '%s'", f, m.sn);
		if (fp_jstr(fp_jkey(e, "date"), buf, sizeof(buf)))
			CHECK(!strcmp(m.date, buf), "%s date '%s'", f, m.date);
		if (fp_jstr(fp_jkey(e, "media"), buf, sizeof(buf)))
			CHECK(!strcmp(fp_media_name(m.media), buf), "%s media %s want %s", f,
			      fp_media_name(m.media), buf);
		if (fp_jstr(fp_jkey(e, "xcvr"), buf, sizeof(buf)))
			CHECK(!strcmp(m.xcvr, buf), "%s type '%s' want '%s'", f, m.xcvr, buf);
		if (fp_jnum(fp_jkey(e, "length_m"), &d))
			CHECK(near(m.length_m, d), "%s length %g", f, m.length_m);
		if (fp_jnum(fp_jkey(e, "atten_db"), &d))
			CHECK(near(m.atten_db[0], d), "%s attenuation %g", f, m.atten_db[0]);
		if (fp_jnum(fp_jkey(e, "lanes"), &d))
			CHECK(m.lanes == (unsigned)d, "%s lanes %u", f, m.lanes);
		if (fp_jnum(fp_jkey(e, "temp_c"), &d))
			CHECK(m.temp_c.valid && near(m.temp_c.value, d), "%s temp %g", f,
			      m.temp_c.value);
		if (fp_jnum(fp_jkey(e, "vcc_v"), &d))
			CHECK(near(m.vcc_v.value, d), "%s vcc %g", f, m.vcc_v.value);
		if (fp_jnum(fp_jkey(e, "temp_high_alarm"), &d))
			CHECK(m.temp_c.thresholds && near(m.temp_c.high_alarm, d), "%s temp alarm",
			      f);
		if (fp_jnum(fp_jkey(e, "rx_low_alarm_mw"), &d))
			CHECK(near(m.rx_power_mw[0].low_alarm, d), "%s rx low alarm %g", f,
			      m.rx_power_mw[0].low_alarm);
		if (fp_jnum(fp_jkey(e, "rx_low_warn_mw"), &d))
			CHECK(near(m.rx_power_mw[0].low_warn, d), "%s rx low warn %g", f,
			      m.rx_power_mw[0].low_warn);
		check_lanes(f, "rx_power", fp_jkey(e, "rx_power_mw"), m.rx_power_mw, m.lanes);
		check_lanes(f, "tx_power", fp_jkey(e, "tx_power_mw"), m.tx_power_mw, m.lanes);
		check_lanes(f, "tx_bias", fp_jkey(e, "tx_bias_ma"), m.tx_bias_ma, m.lanes);
		if (fp_jnum(fp_jkey(e, "alarms"), &d))
			CHECK(m.alarms == (unsigned)d, "%s alarms %u (%s)", f, m.alarms, m.flags);
		if (fp_jnum(fp_jkey(e, "warnings"), &d))
			CHECK(m.warnings == (unsigned)d, "%s warnings %u (%s)", f, m.warnings,
			      m.flags);
		if (fp_jstr(fp_jkey(e, "flags"), buf, sizeof(buf)))
			CHECK(!strcmp(m.flags, buf), "%s flags '%s' want '%s'", f, m.flags, buf);
		if (fp_jnum(fp_jkey(e, "worst_lane"), &d)) {
			unsigned lane = 99;
			double mg = fp_module_rx_margin_db(&m, &lane);

			CHECK(lane + 1 == (unsigned)d, "%s worst lane %u", f, lane + 1);
			if (fp_jnum(fp_jkey(e, "rx_margin_db"), &d))
				CHECK(fabs(mg - d) < 0.01, "%s margin %.3f want %.3f", f, mg, d);
		}
	}
	CHECK(files == 6, "all fixtures checked (%u)", files);
	fy_document_destroy(doc);

	/* hostile input: never read past what was given */
	{
		uint8_t img[300] = { 0x11 }, out[64];
		struct fp_module m;
		size_t n;

		CHECK(fp_module_decode(img, 100, &m, err, sizeof(err)) == -EINVAL, "short QSFP");
		CHECK(fp_module_decode(img, 0, &m, err, sizeof(err)) == -EINVAL, "empty");
		img[0] = 0x99;
		CHECK(fp_module_decode(img, 300, &m, err, sizeof(err)) == -EINVAL, "unknown id");
		CHECK(fp_module_read_hex("0x0100: 00\n", 11, out, sizeof(out), &n, err,
					 sizeof(err)),
		      "offset past the buffer");
		CHECK(fp_module_read_hex("0x0000: 0g\n", 11, out, sizeof(out), &n, err,
					 sizeof(err)),
		      "not hex");
		CHECK(fp_module_read_hex("hello\n", 6, out, sizeof(out), &n, err, sizeof(err)),
		      "no dump lines");
		CHECK(!fp_module_read_hex("Offset\t\tValues\n0x0000:\t\t03 04\n", 29, out,
					  sizeof(out), &n, err, sizeof(err)) &&
			      n == 2 && out[1] == 4,
		      "ethtool hex form: %s", err);
	}
	dumps();
	return t_done("eeprom");
}
