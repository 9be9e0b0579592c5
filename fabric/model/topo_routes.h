/* SPDX-License-Identifier: MIT */
/*
 * InfiniBand linear forwarding tables (LFTs) as the subnet manager programmed them, read
 * from `ibroute`, Debian's `dump_lfts` or opensm's own opensm-lfts.dump, and joined to a
 * topology by switch GUID. A path is then what the switches do: at each switch, the port
 * its table names for the destination LID (LMC gives a port 2^lmc LIDs, each routed on its
 * own).
 */
#ifndef FP_TOPO_ROUTES_H
#define FP_TOPO_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo.h"

#define FP_LFT_NONE 255 /* no route for this LID on this switch */
#define FP_LID_MAX 0xbfff /* the unicast LID range ends here (IBA 4.1.3) */

/* one switch's table: port by LID */
struct fp_lft {
	uint64_t guid;
	int lid; /* its own LID, 0 when the header did not say */
	char name[FP_NAME_LEN];
	uint8_t *port; /* [0..nlid): FP_LFT_NONE when absent */
	int line;
	int node; /* topology node after fp_routes_join, -1 when not in the topology */
};

/* what the tables say sits behind a LID */
struct fp_lid {
	uint64_t guid; /* port GUID, 0 when no table names it */
	bool sw;
	int node; /* after fp_routes_join: the topology node, -1 unknown */
};

struct fp_routes {
	char source[256];
	struct fp_lft *sw;
	unsigned nsw, capsw;
	struct fp_lid *lid; /* [0..nlid) */
	unsigned nlid;
	unsigned nknown; /* LIDs some table names (its port GUID) */
	int *lft_of; /* after join: per topology node, its index in sw or -1 */
	unsigned *base_of, *nlids_of; /* after join: per node, its lowest LID and how many (LMC) */
	unsigned nnodes;
};

void fp_routes_init(struct fp_routes *r);
void fp_routes_destroy(struct fp_routes *r);
/* The tables in text (any of the three formats): 0, -EINVAL with "src:line: what", -ENOMEM */
int fp_routes_parse(struct fp_routes *r, const char *text, size_t len, const char *src, char *err,
		    size_t errlen);
int fp_routes_load(struct fp_routes *r, const char *path, char *err, size_t errlen);
/*
 * Switch tables and LIDs to topology nodes by GUID (switches by node GUID, CAs by port GUID
 * or node GUID). -EINVAL with a message when no table's switch is in the topology.
 * t must be indexed (fp_topo_index).
 */
int fp_routes_join(struct fp_routes *r, const struct fp_topo *t, char *err, size_t errlen);
/* fp_routes_load, then fp_routes_join: the --routes option of topo, sim and analyze */
int fp_routes_open(struct fp_routes *r, const char *path, const struct fp_topo *t, char *err,
		   size_t errlen);
/* The node's lowest LID (its base LID), 0 when none; *count (when not NULL) its LIDs, 2^LMC */
unsigned fp_routes_lid_of(const struct fp_routes *r, int node, unsigned *count);
/*
 * The path from node src to dlid as the tables forward it: its links in order; returns the
 * hop count, or -EHOSTUNREACH (no route), -ENOLINK (a route out of a port with no cable),
 * -ENETDOWN (out of a down port), -ELOOP, -ENOENT (a switch on the way has no table),
 * -E2BIG (longer than max). *at, when not NULL, is where it stopped.
 */
int fp_routes_path(const struct fp_routes *r, const struct fp_topo *t, int src, unsigned dlid,
		   unsigned *links, unsigned max, int *at);
/* the link on node's port number p, or -1 */
int fp_routes_port_link(const struct fp_topo *t, int node, int p);
/*
 * What an SM dump can show: missing LIDs, loops, routes out of down or empty ports,
 * parallel or up links used unevenly, credit loops; tables and LIDs not in the topology.
 */
int fp_routes_check(const struct fp_routes *r, const struct fp_topo *t, struct fp_issue **issues,
		    unsigned *n);

#endif
