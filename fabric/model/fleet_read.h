/* SPDX-License-Identifier: MIT */
/*
 * Reading a fleet: inventory documents (fabprobe inventory --format json, outside input,
 * fuzzed), one per host, and the summary of a written fleet.json (for check).
 */
#ifndef FP_FLEET_READ_H
#define FP_FLEET_READ_H

#include <stddef.h>

#include "../inventory/fleet.h"

#define FP_FLEET_MAX_HOSTS 65536
#define FP_FLEET_MAX_PROPS 4096

/* One document into f as a new host: 0, or -EINVAL/-EEXIST with err (where names it). */
int fp_fleet_read_doc(struct fp_fleet *f, const char *where, const char *text, size_t len,
		      char *err, size_t el);
/* Every *.json in dir, in name order, then compared: 0 or -errno with err. */
int fp_fleet_read_dir(struct fp_fleet *f, const char *dir, char *err, size_t el);
/* A fleet.json's fleet_outliers and fleet_mismatch: 0, -ENOENT (none), -EINVAL with err. */
int fp_fleet_summary_load(const char *path, double *outliers, double *mismatch, char *err,
			  size_t el);

#endif
