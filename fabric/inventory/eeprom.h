/* SPDX-License-Identifier: MIT */
/*
 * Pluggable module EEPROM decoders: SFF-8472 (SFP), SFF-8636 (QSFP+/QSFP28) and CMIS 4/5
 * (QSFP-DD, OSFP). Each parses into struct fp_module first; rendering is separate.
 *
 * The flat image layout (what `ethtool -m DEV raw on` gives for these modules, and what
 * fixtures and dumps use): SFF-8472: A0h at 0-255, A2h at 256-511. SFF-8636: lower page
 * 0-127, upper pages 00h-03h at 128 + 128 * page. CMIS: lower page 0-127, upper page 00h at
 * 128, 01h at 256, 02h at 384, 10h at 512, 11h at 640 (bank 0).
 */
#ifndef FP_EEPROM_H
#define FP_EEPROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/media.h"

#define FP_MOD_LANES 8

enum fp_mod_spec { FP_MOD_SFF8472, FP_MOD_SFF8636, FP_MOD_CMIS };

/* one monitored value with the module's own thresholds */
struct fp_mon {
	bool valid;
	double value;
	double high_alarm, low_alarm, high_warn, low_warn;
	bool thresholds;
};

struct fp_module {
	enum fp_mod_spec spec;
	uint8_t identifier;
	char id_name[24];
	char vendor[17], pn[17], rev[5], sn[17], date[9];
	uint8_t oui[3];
	enum fp_media media;
	char xcvr[32];	    /* SR4, DR8, ... or the cable type */
	double length_m;    /* cable assembly length; 0 unknown */
	double atten_db[4]; /* copper attenuation at 2.5/5/7/12.9 GHz where given */
	unsigned lanes;
	bool dom; /* diagnostics present */
	struct fp_mon temp_c, vcc_v;
	struct fp_mon tx_bias_ma[FP_MOD_LANES], tx_power_mw[FP_MOD_LANES],
		rx_power_mw[FP_MOD_LANES];
	/* flags the module raises itself (alarm/warning bits) */
	unsigned alarms, warnings;
	char flags[256]; /* "rx_power lane 2 low warning, ..." */
};

/* Decode a flat image of len bytes. 0, or -EINVAL with what is wrong in err. */
int fp_module_decode(const uint8_t *img, size_t len, struct fp_module *m, char *err, size_t errlen);
/*
 * Read an image from a file's bytes: raw, or a text dump told by its content: ethtool -m
 * DEV hex on ("0x0000:  03 04 ..." lines, optionally under "Offset Values" headers),
 * hexdump -C, xxd (any -g and -c, -a) or od -A x -t x1 (with or without z); see
 * eeprom_dump.c. The image is at most max bytes (-E2BIG past it); *len is its size.
 * 0 or -errno with one line in err naming the form and the line.
 */
int fp_module_read_hex(const char *text, size_t len, uint8_t *img, size_t max, size_t *outlen,
		       char *err, size_t errlen);
void fp_module_print(const struct fp_module *m, FILE *f);
double fp_mw_to_dbm(double mw);
/* worst margin in dB between a lane's optical power and the module's own low warning */
double fp_module_rx_margin_db(const struct fp_module *m, unsigned *lane);

#endif
