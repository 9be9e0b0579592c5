/* SPDX-License-Identifier: MIT */
/*
 * Which topology node answers from which address: the hosts' endpoint addresses from the
 * topology, and routers' addresses from a map file ("ADDRESS NODE" per line). A traced hop
 * is an address; this turns it into a node of the path.
 */
#ifndef FP_HOPMAP_H
#define FP_HOPMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

/* a hops file over this size is refused (a line per router address) */
#define FP_HOPMAP_MAXBYTES (64u << 20)

struct fp_hop {
	unsigned char addr[16]; /* IPv4-mapped IPv6 for IPv4 */
	char node[FP_NAME_LEN];
};

struct fp_hopmap {
	struct fp_hop *e;
	unsigned n, cap;
	bool sorted;
};

void fp_hopmap_init(struct fp_hopmap *m);
void fp_hopmap_free(struct fp_hopmap *m);
/* one address (IPv4 or IPv6 text) of node: 0, -EINVAL with a line in err, -ENOMEM */
int fp_hopmap_add(struct fp_hopmap *m, const char *addr, const char *node, char *err, size_t el);
/* every host endpoint's ip in t */
int fp_hopmap_add_topo(struct fp_hopmap *m, const struct fp_topo *t, char *err, size_t el);
/*
 * A hops file: "ADDRESS NODE" per line, blank lines and # comments allowed. With a topology,
 * every NODE must be one of its nodes. 0, -EINVAL with "src:line: what" in err, -ENOMEM.
 */
int fp_hopmap_parse(struct fp_hopmap *m, const char *text, size_t len, const char *src,
		    const struct fp_topo *t, char *err, size_t el);
/*
 * Sort for lookups and refuse one address named for two nodes: 0 or -EINVAL with a line.
 * Call after the last add, before fp_hopmap_find.
 */
int fp_hopmap_seal(struct fp_hopmap *m, char *err, size_t el);
/* the node that owns addr (text), NULL when none does */
const char *fp_hopmap_find(const struct fp_hopmap *m, const char *addr);

#endif
