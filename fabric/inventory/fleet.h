/* SPDX-License-Identifier: MIT */
/*
 * Fleet consistency: the same properties read on many hosts, compared. Per property the
 * majority value and every group of hosts that differs from it. A property a host does not
 * report is unknown there: it is never a mismatch. Properties that must match across the
 * fabric (MTU, PFC priorities, GID types, ECN) are errors when they differ; the rest are
 * outliers, each a finding with an action.
 */
#ifndef FP_FLEET_H
#define FP_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/json.h"
#include "inventory.h"

#define FP_FLEET_KEY 64
#define FP_FLEET_VAL 96

struct fp_fleet_prop {
	char key[FP_FLEET_KEY]; /* "kernel", "eth0 mtu", "mlx5_0/1 firmware" */
	char value[FP_FLEET_VAL];
};

struct fp_fleet_host {
	char name[64];
	struct fp_fleet_prop *p;
	unsigned n, cap;
};

/* one group of hosts whose value differs from the majority */
struct fp_fleet_diff {
	char key[FP_FLEET_KEY], value[FP_FLEET_VAL], majority[FP_FLEET_VAL];
	unsigned count, known; /* hosts with this value, hosts where the property is known */
	bool error;	       /* a property that must match across the fabric */
	bool storm;	       /* pause frames at idle: a finding whatever the majority says */
	unsigned *hosts;       /* indices into the fleet's hosts, count of them */
};

struct fp_fleet {
	struct fp_fleet_host *h;
	unsigned nh;
	/* after fp_fleet_compare */
	struct fp_fleet_diff *d;
	unsigned nd, nprops;
	unsigned outliers; /* hosts that differ from the majority in any property */
	unsigned mismatch; /* must-match properties that are not the same on every host */
};

/* A host by name: 0, -EEXIST (a name twice), -EINVAL (empty, control characters: err says
 * which) or -ENOMEM. */
int fp_fleet_add_host(struct fp_fleet *f, const char *name, char *err, size_t el);
/* One property of a host (the last added); a key set twice keeps the last value. */
int fp_fleet_host_set(struct fp_fleet_host *h, const char *key, const char *value);
/* This host's properties from its inventory, into h (whose name the caller sets). */
int fp_fleet_host_props(const struct fp_inventory *inv, struct fp_fleet_host *h);
/*
 * Launcher mode: where this rank may run (cpus, n of them) against each NIC's local CPUs,
 * as "<port> rank_cpus": "all near the NIC", "some near the NIC" or "none near the NIC".
 * About the rank's placement, not the host: documents from `inventory` do not carry it.
 */
int fp_fleet_host_affinity(const struct fp_inventory *inv, const int *cpus, unsigned n,
			   struct fp_fleet_host *h);
/* h as the "fleet" object of a document */
void fp_fleet_host_write(const struct fp_fleet_host *h, struct fp_json *j);
/* The same, as the "fleet" object of an inventory document: what fabprobe fleet reads. */
void fp_fleet_host_json(const struct fp_inventory *inv, struct fp_json *j);
void fp_fleet_host_free(struct fp_fleet_host *h);
bool fp_fleet_must_match(const char *key);
/* Group and compare: 0 or -ENOMEM. */
int fp_fleet_compare(struct fp_fleet *f);
/* The verdict in text or JSON (schema_version 1), from one call. */
void fp_fleet_emit(const struct fp_fleet *f, struct fp_emit *e);
void fp_fleet_free(struct fp_fleet *f);

/*
 * A pause storm: each data port's pause frames (ethtool pause statistics, else the IEEE
 * 802.3 MAC control frames, plus the PFC frames DCB counts; sent and received) counted twice,
 * settle apart, with no traffic from fabprobe. Growth is "<port> pause_idle" in frames/s.
 */
struct fp_pause_count {
	bool known; /* the driver gave a counter */
	uint64_t frames;
};

struct fp_pause_src {
	/* the port's pause frames so far: 0, or -errno (-ENODATA: no counter) */
	int (*read)(void *ctx, const struct fp_port *p, uint64_t *frames);
	void (*wait)(void *ctx, uint64_t ns);
	void *ctx;
};

/* The live system: ethtool netlink and rtnetlink DCB, and a real sleep. */
const struct fp_pause_src *fp_pause_live(void);
/* Frames/s from two counts settle_ns apart: false (unknown) when a count is missing, the
 * counter went backwards (a reset, not a storm) or settle_ns is 0. */
bool fp_pause_rate(const struct fp_pause_count *a, const struct fp_pause_count *b,
		   uint64_t settle_ns, double *rate);
/* Sample every data port of inv twice, settle_ns apart (0: nothing), into pause_known and
 * pause_idle: 0 or -ENOMEM. */
int fp_pause_sample(struct fp_inventory *inv, const struct fp_pause_src *src,
		    uint64_t settle_ns);
/* The same on the live system when root is "/" (a fixture tree has no counters to watch). */
int fp_pause_sample_root(struct fp_inventory *inv, const char *root, uint64_t settle_ns);
/* is a "pause_idle" value a storm (more than 0 frames/s)? */
bool fp_pause_is_storm(const char *key, const char *value);

#endif
