/* SPDX-License-Identifier: MIT */
/*
 * A topology's link ends as the fabric's own port counters see them (fabric/inventory/
 * ibpma): snapshots, and the differences between two, for fabprobe fabric-counters and
 * for `fabprobe run --fabric-counters`.
 */
#ifndef FP_FABCTR_H
#define FP_FABCTR_H

#include <stddef.h>

#include "../../core/json.h"
#include "../inventory/ibpma.h"
#include "../inventory/snmp.h"
#include "topo.h"

struct fp_fabctr {
	struct fp_topo t;
	char path[256];
	struct fp_pma_node *nodes;
	struct fp_pma_link *links;
	struct fp_pma_end *before, *after; /* 2 x nlinks each; NULL until read */
	double t_before, t_after;	   /* CLOCK_REALTIME seconds */
	/* Ethernet (fp_fabctr_switches): the switches read over SNMP instead of MADs */
	struct fp_snmp_switch *sw;
	unsigned nsw;
	struct fp_snmp_answer *sbefore, *safter; /* nsw each; NULL until read */
};

#define FP_FABCTR_MAX_IFS 1024 /* ports kept per switch */

/* Load the topology and its link ends. 0, or -errno with one line in err. */
int fp_fabctr_open(struct fp_fabctr **out, const char *topo_path, char *err, size_t el);
void fp_fabctr_close(struct fp_fabctr *f);
/* Read the switches of an SNMP --switches file: the snapshots go over SNMP from now on.
 * 0, or -errno with one line in err (-EINVAL: the file names "file:line"). */
int fp_fabctr_switches(struct fp_fabctr *f, const char *path, char *err, size_t el);
/* the answer's port a link end names (ifName, else ifDescr) in *p, and the end's status:
 * ok, down, no such port, no answer, refused, bad answer */
const char *fp_fabctr_snmp_status(const struct fp_snmp_answer *a, const char *port,
				  const struct fp_snmp_port **p);
/* read every end into before (after=false) or after. 0 or -errno with err. */
int fp_fabctr_snap(struct fp_fabctr *f, const struct fp_pma_opts *o, bool after, char *err,
		   size_t el);
/* growth of a counter; one that went backwards was reset and reads as its new value */
uint64_t fp_fabctr_delta(uint64_t now, uint64_t before);
/* "fabric_counters": per link end, the differences between the two snapshots */
void fp_fabctr_json(struct fp_json *j, const struct fp_fabctr *f);

#endif
