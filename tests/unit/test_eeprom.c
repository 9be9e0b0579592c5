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
	return t_done("eeprom");
}
