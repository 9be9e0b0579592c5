// SPDX-License-Identifier: MIT
/*
 * Module EEPROM decoding. Tables are cited by section; identifiers and codes are from
 * SFF-8024 (Rev 4.x), the others from SFF-8472 Rev 12.4, SFF-8636 Rev 2.10a and
 * CMIS Rev 5.2 (4.0 shares every field used here).
 */
#include "eeprom.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CMIS_P01 256
#define CMIS_P02 384
#define CMIS_P10 512
#define CMIS_P11 640

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int16_t be16s(const uint8_t *p)
{
	return (int16_t)be16(p);
}

/* units: temperature 1/256 C signed, voltage 100 uV, bias 2 uA, power 0.1 uW */
static double temp_c(const uint8_t *p)
{
	return be16s(p) / 256.0;
}

static double volts(const uint8_t *p)
{
	return be16(p) * 1e-4;
}

static double bias_ma(const uint8_t *p)
{
	return be16(p) * 2e-3;
}

static double power_mw(const uint8_t *p)
{
	return be16(p) * 1e-4;
}

double fp_mw_to_dbm(double mw)
{
	return mw > 0 ? 10 * log10(mw) : -40;
}

static void ascii(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		out[o++] = isprint(p[i]) ? (char)p[i] : '?';
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = 0;
}

/* thresholds in the order every spec stores them: high alarm, low alarm, high warn, low warn */
static void thresholds(struct fp_mon *m, const uint8_t *p, double (*conv)(const uint8_t *))
{
	m->high_alarm = conv(p);
	m->low_alarm = conv(p + 2);
	m->high_warn = conv(p + 4);
	m->low_warn = conv(p + 6);
	m->thresholds = true;
}

static void flag(struct fp_module *m, bool alarm, const char *fmt, ...)
{
	size_t o = strlen(m->flags);
	va_list ap;

	if (alarm)
		m->alarms++;
	else
		m->warnings++;
	if (o + 2 >= sizeof(m->flags))
		return;
	if (o)
		o += (size_t)snprintf(m->flags + o, sizeof(m->flags) - o, ", ");
	va_start(ap, fmt);
	vsnprintf(m->flags + o, sizeof(m->flags) - o, fmt, ap);
	va_end(ap);
}

/* the four flag bits high alarm, low alarm, high warn, low warn, from bit `shift` down */
static void flags4(struct fp_module *m, unsigned bits, const char *what, int lane)
{
	static const char *const n[] = { "high alarm", "low alarm", "high warning", "low warning" };

	for (int b = 0; b < 4; b++)
		if (bits & (8u >> b)) {
			if (lane >= 0)
				flag(m, b < 2, "%s lane %d %s", what, lane + 1, n[b]);
			else
				flag(m, b < 2, "%s %s", what, n[b]);
		}
}

static const char *id_name(uint8_t id)
{
	/* SFF-8024 Table 4-1 */
	switch (id) {
	case 0x03:
		return "SFP/SFP+";
	case 0x0c:
		return "QSFP";
	case 0x0d:
		return "QSFP+";
	case 0x11:
		return "QSFP28";
	case 0x18:
		return "QSFP-DD";
	case 0x19:
		return "OSFP";
	case 0x1e:
		return "QSFP+ (CMIS)";
	default:
		return "unknown";
	}
}

/* Where each spec keeps the module's identity: vendor name (16 ASCII), OUI (3 bytes),
 * part number (16), revision (rev_len), serial (16), date code (8), as byte offsets into
 * the page that holds them. */
struct id_layout {
	uint8_t vendor, oui, pn, rev, rev_len, sn, date;
};

/* SFF-8472, address A0h bytes 20-91 */
static const struct id_layout sff8472_id = { 20, 37, 40, 56, 4, 68, 84 };
/* SFF-8636, upper page 00h bytes 148-219 (offsets from byte 128) */
static const struct id_layout sff8636_id = { 20, 37, 40, 56, 2, 68, 84 };
/* CMIS, upper page 00h bytes 129-189 (offsets from byte 128) */
static const struct id_layout cmis_id = { 1, 17, 20, 36, 2, 38, 54 };

static void identity(const uint8_t *b, const struct id_layout *l, struct fp_module *m)
{
	ascii(b + l->vendor, 16, m->vendor);
	memcpy(m->oui, b + l->oui, 3);
	ascii(b + l->pn, 16, m->pn);
	ascii(b + l->rev, l->rev_len, m->rev);
	ascii(b + l->sn, 16, m->sn);
	ascii(b + l->date, 8, m->date);
}

/* ---------- SFF-8472 ---------- */

static int sff8472(const uint8_t *a0, size_t len, struct fp_module *m, char *err, size_t el)
{
	const uint8_t *a2 = len >= 512 ? a0 + 256 : NULL;

	m->spec = FP_MOD_SFF8472;
	m->lanes = 1;
	identity(a0, &sff8472_id, m);
	/* Table 5-3, byte 8: SFP+ cable technology, bit 2 passive, bit 3 active */
	if (a0[8] & 0x04) {
		m->media = FP_MEDIA_DAC;
		strcpy(m->xcvr, "passive copper");
	} else if (a0[8] & 0x08) {
		m->media = FP_MEDIA_ACC;
		strcpy(m->xcvr, "active copper");
	} else {
		m->media = FP_MEDIA_OPTIC;
		/* byte 3, 10G Ethernet compliance: bit 4 SR, bit 5 LR, bit 6 LRM, bit 7 ER */
		snprintf(m->xcvr, sizeof(m->xcvr), "%s",
			 a0[3] & 0x10	? "10GBASE-SR"
			 : a0[3] & 0x20 ? "10GBASE-LR"
			 : a0[3] & 0x80 ? "10GBASE-ER"
					: "optical");
	}
	/* byte 18: copper (or OM4) length in metres (Table 4-1) */
	if (m->media != FP_MEDIA_OPTIC)
		m->length_m = a0[18];
	/* byte 92 bit 6: digital diagnostics implemented; A2h holds them (Table 9-5) */
	m->dom = a2 && (a0[92] & 0x40);
	if (!m->dom)
		return 0;
	if (!(a0[92] & 0x20)) {
		snprintf(err, el, "SFF-8472: externally calibrated diagnostics are not supported");
		m->dom = false;
		return 0;
	}
	thresholds(&m->temp_c, a2 + 0, temp_c);
	thresholds(&m->vcc_v, a2 + 8, volts);
	thresholds(&m->tx_bias_ma[0], a2 + 16, bias_ma);
	thresholds(&m->tx_power_mw[0], a2 + 24, power_mw);
	thresholds(&m->rx_power_mw[0], a2 + 32, power_mw);
	m->temp_c.value = temp_c(a2 + 96);
	m->vcc_v.value = volts(a2 + 98);
	m->tx_bias_ma[0].value = bias_ma(a2 + 100);
	m->tx_power_mw[0].value = power_mw(a2 + 102);
	m->rx_power_mw[0].value = power_mw(a2 + 104);
	m->temp_c.valid = m->vcc_v.valid = m->tx_bias_ma[0].valid = true;
	m->tx_power_mw[0].valid = m->rx_power_mw[0].valid = true;
	/* Table 9-12: alarm flags 112-113, warning flags 116-117, same bit layout */
	for (int w = 0; w < 2; w++) {
		const uint8_t *f = a2 + (w ? 116 : 112);
		static const char *const what[] = { "temperature", "vcc", "tx_bias", "tx_power",
						    "rx_power" };
		/* byte 0: temp hi/lo (7,6), vcc hi/lo (5,4), bias hi/lo (3,2), txp hi/lo (1,0);
		 * byte 1: rxp hi/lo (7,6) */
		unsigned bits[5] = { f[0] >> 6 & 3, f[0] >> 4 & 3, f[0] >> 2 & 3, f[0] & 3,
				     f[1] >> 6 & 3 };

		for (int k = 0; k < 5; k++) {
			if (bits[k] & 2)
				flag(m, !w, "%s high %s", what[k], w ? "warning" : "alarm");
			if (bits[k] & 1)
				flag(m, !w, "%s low %s", what[k], w ? "warning" : "alarm");
		}
	}
	return 0;
}

/* ---------- SFF-8636 ---------- */

static void ext_compliance(uint8_t code, struct fp_module *m)
{
	/* SFF-8024 Table 4-4, the codes seen on 100G modules and cables */
	static const struct {
		uint8_t code;
		enum fp_media media;
		const char *name;
	} t[] = {
		{ 0x01, FP_MEDIA_AOC, "100G AOC" },	  { 0x02, FP_MEDIA_OPTIC, "100GBASE-SR4" },
		{ 0x03, FP_MEDIA_OPTIC, "100GBASE-LR4" }, { 0x04, FP_MEDIA_OPTIC, "100GBASE-ER4" },
		{ 0x06, FP_MEDIA_OPTIC, "100G CWDM4" },	  { 0x08, FP_MEDIA_ACC, "100G ACC" },
		{ 0x0b, FP_MEDIA_DAC, "100GBASE-CR4" },	  { 0x18, FP_MEDIA_AOC, "100G AOC" },
		{ 0x19, FP_MEDIA_ACC, "100G ACC" },	  { 0x25, FP_MEDIA_OPTIC, "100GBASE-DR" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code) {
			m->media = t[i].media;
			snprintf(m->xcvr, sizeof(m->xcvr), "%s", t[i].name);
			return;
		}
	snprintf(m->xcvr, sizeof(m->xcvr), "extended code 0x%02x", code);
}

static int sff8636(const uint8_t *p, size_t len, struct fp_module *m, char *err, size_t el)
{
	const uint8_t *u0 = p + 128, *p3 = len >= 640 ? p + 512 : NULL;
	unsigned tech = u0[147 - 128] >> 4;

	(void)err;
	(void)el;
	m->spec = FP_MOD_SFF8636;
	m->lanes = 4;
	identity(u0, &sff8636_id, m);
	/* byte 131 bit 7: extended compliance in byte 192 */
	if (u0[3] & 0x80)
		ext_compliance(u0[192 - 128], m);
	else
		snprintf(m->xcvr, sizeof(m->xcvr), "%s",
			 u0[3] & 0x08	? "40GBASE-CR4"
			 : u0[3] & 0x04 ? "40GBASE-SR4"
			 : u0[3] & 0x02 ? "40GBASE-LR4"
					: "unknown");
	/* byte 147 bits 7-4, transmitter technology (Table 6-19): 1010-1111 are copper */
	if (tech >= 0xa) {
		m->media = tech == 0xa || tech == 0xb ? FP_MEDIA_DAC : FP_MEDIA_ACC;
		/* bytes 186-187: copper attenuation at 2.5 and 5 GHz, dB */
		m->atten_db[0] = u0[186 - 128];
		m->atten_db[1] = u0[187 - 128];
	}
	/* byte 146: copper length in m (or OM4 in 2 m units); AOCs give it there too */
	if (m->media != FP_MEDIA_OPTIC)
		m->length_m = u0[146 - 128];
	/* lower page: monitors (Table 6-7), flags (Table 6-4..6-6); copper has none */
	m->dom = tech < 0xa;
	if (!m->dom)
		return 0;
	m->temp_c.value = temp_c(p + 22);
	m->vcc_v.value = volts(p + 26);
	m->temp_c.valid = m->vcc_v.valid = true;
	for (int l = 0; l < 4; l++) {
		m->rx_power_mw[l].value = power_mw(p + 34 + 2 * l);
		m->tx_bias_ma[l].value = bias_ma(p + 42 + 2 * l);
		m->tx_power_mw[l].value = power_mw(p + 50 + 2 * l);
		m->rx_power_mw[l].valid = m->tx_bias_ma[l].valid = m->tx_power_mw[l].valid = true;
	}
	flags4(m, p[6] >> 4, "temperature", -1);
	flags4(m, p[7] >> 4, "vcc", -1);
	for (int l = 0; l < 4; l++) {
		/* bytes 9-10 rx power, 11-12 tx bias, 13-14 tx power: two lanes per byte */
		int sh = l % 2 ? 0 : 4;

		flags4(m, (unsigned)(p[9 + l / 2] >> sh) & 15, "rx_power", l);
		flags4(m, (unsigned)(p[11 + l / 2] >> sh) & 15, "tx_bias", l);
		flags4(m, (unsigned)(p[13 + l / 2] >> sh) & 15, "tx_power", l);
	}
	/* page 03h thresholds (Table 6-27): temp 128, vcc 144, rx power 176, bias 184, tx 192 */
	if (p3) {
		thresholds(&m->temp_c, p3 + 0, temp_c);
		thresholds(&m->vcc_v, p3 + 16, volts);
		for (int l = 0; l < 4; l++) {
			thresholds(&m->rx_power_mw[l], p3 + 48, power_mw);
			thresholds(&m->tx_bias_ma[l], p3 + 56, bias_ma);
			thresholds(&m->tx_power_mw[l], p3 + 64, power_mw);
		}
	}
	return 0;
}

/* ---------- CMIS ---------- */

static int cmis(const uint8_t *p, size_t len, struct fp_module *m, char *err, size_t el)
{
	const uint8_t *u0 = p + 128;
	bool flat = p[2] & 0x80; /* byte 2 bit 7: flat memory, no pages beyond 00h */
	uint8_t lenb, mt = p[85];

	(void)err;
	(void)el;
	m->spec = FP_MOD_CMIS;
	identity(u0, &cmis_id, m);
	/* byte 85: module media type (Table 8-12): 1 MMF, 2 SMF, 3 passive copper, 4 active */
	m->media = mt == 3 ? FP_MEDIA_DAC : mt == 4 ? FP_MEDIA_AOC : FP_MEDIA_OPTIC;
	/* byte 86.. the first application descriptor: media interface id, lane counts; for
	 * SMF, SFF-8024 Table 4-7 */
	{
		uint8_t media_id = p[87], lanes = p[88] & 0x0f;
		static const struct {
			uint8_t id;
			const char *name;
		} smf[] = { { 0x14, "400GBASE-DR4" },
			    { 0x1c, "400G-FR4" },
			    { 0x45, "800G-DR8" },
			    { 0x46, "800G-2xFR4" },
			    { 0x11, "100GBASE-DR" } };

		m->lanes = lanes ? lanes : 8;
		snprintf(m->xcvr, sizeof(m->xcvr), "%s",
			 mt == 3   ? "passive copper"
			 : mt == 4 ? "active cable"
				   : "optical");
		for (size_t i = 0; mt == 2 && i < sizeof(smf) / sizeof(smf[0]); i++)
			if (smf[i].id == media_id)
				snprintf(m->xcvr, sizeof(m->xcvr), "%s", smf[i].name);
	}
	if (m->lanes > FP_MOD_LANES)
		m->lanes = FP_MOD_LANES;
	/* byte 202: cable length, bits 7-6 multiplier (0.1, 1, 10, 100 m), bits 5-0 value */
	lenb = u0[202 - 128];
	if (m->media != FP_MEDIA_OPTIC)
		m->length_m = (lenb & 0x3f) * (double[]){ 0.1, 1, 10, 100 }[lenb >> 6];
	if (mt == 3)
		for (int i = 0; i < 4; i++)
			m->atten_db[i] = u0[204 - 128 + i]; /* 5, 7, 12.9, 25.8 GHz */
	m->dom = true;
	m->temp_c.value = temp_c(p + 14);
	m->vcc_v.value = volts(p + 16);
	m->temp_c.valid = m->vcc_v.valid = true;
	/* byte 9: temperature flags bits 0-3, vcc flags bits 4-7 (hi alarm, lo alarm, hi warn,
	 * lo warn from bit 0 up) */
	{
		unsigned t = p[9] & 15, v = p[9] >> 4;

		/* reorder to our high-alarm-first nibble */
		flags4(m, (t & 1) << 3 | (t & 2) << 1 | (t & 4) >> 1 | (t & 8) >> 3, "temperature",
		       -1);
		flags4(m, (v & 1) << 3 | (v & 2) << 1 | (v & 4) >> 1 | (v & 8) >> 3, "vcc", -1);
	}
	if (flat || len < CMIS_P11 + 128)
		return 0;
	/* page 02h thresholds (Table 8-62): temp 128, vcc 136, tx power 176, bias 184, rx 192 */
	thresholds(&m->temp_c, p + CMIS_P02 + 0, temp_c);
	thresholds(&m->vcc_v, p + CMIS_P02 + 8, volts);
	for (unsigned l = 0; l < m->lanes; l++) {
		const uint8_t *p11 = p + CMIS_P11 - 128;

		thresholds(&m->tx_power_mw[l], p + CMIS_P02 + 48, power_mw);
		thresholds(&m->tx_bias_ma[l], p + CMIS_P02 + 56, bias_ma);
		thresholds(&m->rx_power_mw[l], p + CMIS_P02 + 64, power_mw);
		/* page 11h (Table 8-82): tx power 154, bias 170, rx power 186, two bytes a lane */
		m->tx_power_mw[l].value = power_mw(p11 + 154 + 2 * l);
		m->tx_bias_ma[l].value = bias_ma(p11 + 170 + 2 * l);
		m->rx_power_mw[l].value = power_mw(p11 + 186 + 2 * l);
		m->tx_power_mw[l].valid = m->tx_bias_ma[l].valid = m->rx_power_mw[l].valid = true;
		/* lane flags, one byte per kind, bit = lane: tx power 139-142, bias 143-146,
		 * rx power 149-152 (high alarm, low alarm, high warn, low warn) */
		unsigned tp = 0, tb = 0, rp = 0;

		for (int k = 0; k < 4; k++) {
			tp |= (unsigned)(p11[139 + k] >> l & 1) << (3 - k);
			tb |= (unsigned)(p11[143 + k] >> l & 1) << (3 - k);
			rp |= (unsigned)(p11[149 + k] >> l & 1) << (3 - k);
		}
		flags4(m, tp, "tx_power", (int)l);
		flags4(m, tb, "tx_bias", (int)l);
		flags4(m, rp, "rx_power", (int)l);
	}
	return 0;
}

int fp_module_decode(const uint8_t *img, size_t len, struct fp_module *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (!len) {
		snprintf(err, errlen, "empty module image");
		return -EINVAL;
	}
	m->identifier = img[0];
	snprintf(m->id_name, sizeof(m->id_name), "%s", id_name(img[0]));
	{
		/* SFF-8024 Table 4-1 identifiers, to the spec that lays out the rest */
		int (*dec)(const uint8_t *, size_t, struct fp_module *, char *, size_t) = NULL;

		switch (img[0]) {
		case 0x03:
			dec = sff8472;
			break;
		case 0x0c:
		case 0x0d:
		case 0x11:
			dec = sff8636;
			break;
		case 0x18:
		case 0x19:
		case 0x1e:
			dec = cmis;
			break;
		default:
			snprintf(err, errlen, "module identifier 0x%02x is not SFP, QSFP or CMIS",
				 img[0]);
			return -EINVAL;
		}
		if (len >= 256)
			return dec(img, len, m, err, errlen);
	}
	snprintf(err, errlen, "%s image of %zu bytes is too short (256 at least)", m->id_name, len);
	return -EINVAL;
}

double fp_module_rx_margin_db(const struct fp_module *m, unsigned *lane)
{
	double worst = INFINITY;

	for (unsigned l = 0; l < m->lanes && l < FP_MOD_LANES; l++) {
		const struct fp_mon *r = &m->rx_power_mw[l];
		double margin;

		if (!r->valid || !r->thresholds || r->low_warn <= 0)
			continue;
		margin = fp_mw_to_dbm(r->value) -
			 fp_mw_to_dbm(r->low_alarm > 0 ? r->low_alarm : r->low_warn);
		if (margin < worst) {
			worst = margin;
			if (lane)
				*lane = l;
		}
	}
	return worst;
}

static void mon(FILE *f, const char *name, const struct fp_mon *m, const char *unit, bool dbm)
{
	if (!m->valid)
		return;
	fprintf(f, "    %-12s %9.3f %-3s", name, m->value, unit);
	if (dbm)
		fprintf(f, " (%6.2f dBm)", fp_mw_to_dbm(m->value));
	if (m->thresholds)
		fprintf(f, "   alarms %.3f..%.3f, warnings %.3f..%.3f", m->low_alarm, m->high_alarm,
			m->low_warn, m->high_warn);
	fputc('\n', f);
}

void fp_module_print(const struct fp_module *m, FILE *f)
{
	static const char *const spec[] = { "SFF-8472", "SFF-8636", "CMIS" };
	char name[32];

	fprintf(f, "  module %s (%s): %s %s rev %s sn %s date %s\n", m->id_name, spec[m->spec],
		m->vendor, m->pn, m->rev, m->sn, m->date);
	fprintf(f, "    media %s, %s, %u lanes", fp_media_name(m->media), m->xcvr, m->lanes);
	if (m->length_m > 0)
		fprintf(f, ", %g m", m->length_m);
	if (m->atten_db[0] > 0)
		fprintf(f, ", attenuation %g dB", m->atten_db[0]);
	fputc('\n', f);
	if (!m->dom) {
		fprintf(f, "    no diagnostics\n");
		return;
	}
	mon(f, "temperature", &m->temp_c, "C", false);
	mon(f, "vcc", &m->vcc_v, "V", false);
	for (unsigned l = 0; l < m->lanes; l++) {
		snprintf(name, sizeof(name), "tx_bias[%u]", l + 1);
		mon(f, name, &m->tx_bias_ma[l], "mA", false);
		snprintf(name, sizeof(name), "tx_power[%u]", l + 1);
		mon(f, name, &m->tx_power_mw[l], "mW", true);
		snprintf(name, sizeof(name), "rx_power[%u]", l + 1);
		mon(f, name, &m->rx_power_mw[l], "mW", true);
	}
	fprintf(f, "    flags: %s\n", m->flags[0] ? m->flags : "none");
}
