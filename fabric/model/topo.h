/* SPDX-License-Identifier: MIT */
/*
 * The fabric model: hosts and switches with ports, joined by links that know their speed,
 * lanes, media, length, modules and trained state. Loaders (YAML/JSON, ibnetdiscover,
 * lldpctl), generators, checks, drawing, the lab plan and the simulator all share it.
 */
#ifndef FP_TOPO_H
#define FP_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/file.h"
#include "../../core/media.h"

#define FP_NAME_LEN 64
#define FP_PORT_LEN 32

enum fp_node_kind { FP_HOST, FP_SWITCH };

/*
 * What identifies an endpoint (a NIC port) or the port a rank ran on: the server it sits
 * in, and whatever the fabric or the host calls it. Empty strings are unknown. A rank joins
 * the endpoint these name (fp_topo_map), never a position in a file.
 */
struct fp_ident {
	char host[FP_NAME_LEN]; /* the server (a rank's hostname) */
	char guid[24];		/* InfiniBand node GUID, "0x..." */
	char port_guid[24];
	char dev[24];	 /* RDMA device: mlx5_0 */
	char ifname[24]; /* netdev: ens1f0np0 */
	char mac[24];
	char ip[48];
	char pci[24]; /* 0000:3b:00.0 */
};

struct fp_node {
	char name[FP_NAME_LEN];
	enum fp_node_kind kind;
	int tier; /* 0 hosts, 1 leaves, 2 spines, 3 cores */
	int rail; /* -1 when none */
	char group[FP_NAME_LEN];
	struct fp_ident id;	/* hosts: the endpoint's identity */
	char note[FP_NAME_LEN]; /* switches: CAs inside it, e.g. a SHARP aggregation node */
	double nic_gbps;	/* hosts: NIC rate for the simulator; 0 = from its links */
	int line;		/* where it was defined, for messages */
};

struct fp_link {
	int a, b; /* node indices */
	char pa[FP_PORT_LEN], pb[FP_PORT_LEN];
	double gbps; /* capability */
	int lanes;
	double lane_gbps;
	enum fp_media media;
	char xcvr[24];		 /* optic type: SR4, DR4, FR4, 2xDR4... */
	double length_m;	 /* 0 unknown */
	char pn_a[32], pn_b[32]; /* module part numbers */
	bool up;
	double trained_gbps; /* 0: same as capability */
	int trained_lanes;   /* 0: same */
	int lid_a, lid_b;    /* InfiniBand LIDs, 0 unknown */
	int line;
};

struct fp_topo {
	char name[FP_NAME_LEN];
	char source[256]; /* file it came from, for messages */
	struct fp_node *nodes;
	struct fp_link *links;
	unsigned nnodes, nlinks, cap_nodes, cap_links;
	/* adjacency, built by fp_topo_index(): node i's links in adj[adj_off[i]..adj_off[i+1]) */
	unsigned *adj_off, *adj;
	/* name lookup */
	unsigned *hash;
	unsigned hcap;
};

void fp_topo_init(struct fp_topo *t);
void fp_topo_destroy(struct fp_topo *t);
int fp_topo_add_node(struct fp_topo *t, const char *name, enum fp_node_kind kind, int tier);
int fp_topo_add_link(struct fp_topo *t, int a, const char *pa, int b, const char *pb, double gbps,
		     enum fp_media media);
int fp_topo_find(const struct fp_topo *t, const char *name);
/* Build adjacency and the name index; call after the last add. 0 or -ENOMEM. */
int fp_topo_index(struct fp_topo *t);
static inline int fp_link_peer(const struct fp_link *l, int n)
{
	return l->a == n ? l->b : l->a;
}
/* The usable rate of a link: trained if known, else capability; 0 when down. */
double fp_link_rate(const struct fp_link *l);

/*
 * A link as users name it: "#i", "a-b" (the one link between two nodes) or "a:pa-b:pb",
 * either end first (topo_link.c). Its index, or -ENOENT (no such link) or -EEXIST
 * (parallel links: err lists them) with one line in err.
 */
int fp_topo_link_find(const struct fp_topo *t, const char *text, char *err, size_t el);
/* "a:pa-b:pb": the name fp_topo_link_find() takes back, for output users paste */
void fp_topo_link_spec(const struct fp_topo *t, unsigned i, char *buf, size_t len);

/*
 * Loaders. Each returns 0 or -errno with a one-line message "file:line: what" in err.
 * fp_topo_load() picks the format from the content (then the file name's ending) through
 * the format registry (topo_format.c): YAML/JSON (native), ibnetdiscover, or lldpctl JSON.
 */
int fp_topo_load(struct fp_topo *t, const char *path, char *err, size_t errlen);
/* the same on text already read; src names it in messages and its ending breaks ties */
int fp_topo_load_text(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		      size_t errlen);
int fp_topo_load_yaml(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		      size_t errlen);
int fp_topo_load_ibnet(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		       size_t errlen);
/*
 * ibnetdiscover's node-name-map (topo_ibnet_map.c): "0xGUID "name"" lines, # comments.
 * Names from it win over node descriptions and are read as descriptions are.
 */
#define FP_IB_MAPNAME_LEN 128
#define FP_IB_MAP_MAX	  (1u << 17) /* nodes in a map: above the largest fabrics built */
struct fp_ib_mapname;
struct fp_ib_namemap {
	struct fp_ib_mapname *v; /* sorted by GUID */
	unsigned n, cap;
};
void fp_ib_namemap_init(struct fp_ib_namemap *m);
void fp_ib_namemap_destroy(struct fp_ib_namemap *m);
/* 0, -ENOMEM, or -EINVAL with "src:line: what" (also past FP_IB_MAP_MAX nodes) */
int fp_ib_namemap_parse(struct fp_ib_namemap *m, const char *text, size_t len, const char *src,
			char *err, size_t el);
/* the name given to this GUID, or NULL */
const char *fp_ib_namemap_get(const struct fp_ib_namemap *m, uint64_t guid);
/* fp_topo_load_ibnet() with names from map (NULL: none) */
int fp_topo_load_ibnet_map(struct fp_topo *t, const char *text, size_t len, const char *src,
			   const struct fp_ib_namemap *map, char *err, size_t errlen);
/* fp_topo_load(), or with map_path an ibnetdiscover dump named through that map */
int fp_topo_load_named(struct fp_topo *t, const char *path, const char *map_path, char *err,
		       size_t el);
/* one lldpctl -f json document per host; each host is named after its file (h1.json: h1) */
int fp_topo_load_lldp(struct fp_topo *t, const char *const *texts, const size_t *lens, unsigned n,
		      const char *const *srcs, char *err, size_t errlen);
/* Native YAML out: what the loader reads back into the same model. */
void fp_topo_write_yaml(const struct fp_topo *t, FILE *f);
/* Graphviz: tiers as ranks, links coloured by media; highlighted links in red. */
void fp_topo_write_dot(const struct fp_topo *t, FILE *f, const bool *red_links,
		       const bool *red_nodes);

/* One finding of fp_topo_check(). */
struct fp_issue {
	int severity; /* 2 error, 1 warning */
	int line;
	char text[256];
};

/* Dangling ports, duplicates, speed mismatches, copper past reach, disconnection. */
int fp_topo_check(const struct fp_topo *t, struct fp_issue **issues, unsigned *n);
/* Copper reach limit in metres for a lane rate (Gb/s), 0 when copper is not used there. */
double fp_copper_reach_m(enum fp_media m, double lane_gbps);

struct fp_topo_stats {
	unsigned hosts, switches, links, tiers;
	/* by role: servers (distinct hosts of endpoints; an endpoint without one is its own),
	 * endpoints (host nodes), rails (distinct rail numbers), leaves, spines, cores (tier 3
	 * and up) */
	unsigned servers, endpoints, rails, leaves, spines, cores;
	unsigned per_tier[8];
	double host_gbps;      /* sum of host NIC rates */
	double bisection_gbps; /* min cut between the two host halves, by max-flow */
	double oversub[8];     /* per tier: down capacity / up capacity */
};

int fp_topo_stats(const struct fp_topo *t, struct fp_topo_stats *s);

/* Generators. Rates in Gb/s; media per tier. */
struct fp_gen_opts {
	int hosts_per_leaf, leaves, spines, uplinks; /* leaf-spine: uplinks per leaf-spine pair */
	double oversub;	   /* leaf-spine: host capacity / uplink capacity */
	int k;		   /* fat-tree */
	int rails, groups; /* rail-optimized */
	double host_gbps, fabric_gbps;
	enum fp_media host_media, fabric_media;
	double host_len_m, fabric_len_m;
	int lanes;
};

int fp_gen_leaf_spine(struct fp_topo *t, const struct fp_gen_opts *o, char *err, size_t el);
int fp_gen_fat_tree(struct fp_topo *t, const struct fp_gen_opts *o, char *err, size_t el);
int fp_gen_rail(struct fp_topo *t, const struct fp_gen_opts *o, char *err, size_t el);

/*
 * Identity keys, as named in topology files and run.json (guid, port_guid, dev, ifname,
 * mac, ip, pci, and host for the server). 0, -ENOENT for another key, -ERANGE when the
 * value does not fit.
 */
int fp_ident_set(struct fp_ident *id, const char *key, const char *val);
/* ", key: "value"" for every known field, in the native YAML's flow style */
void fp_ident_write_yaml(const struct fp_ident *id, FILE *f);

/*
 * Ranks to endpoints by identity: port GUID, node GUID, (host, RDMA device), (host,
 * netdev), MAC, IP, then the hostname as an endpoint's name or as the host of exactly one
 * endpoint. node_of[k] is rank k's host node. Unmapped, ambiguous, or two ranks on one
 * endpoint: -EINVAL with one line naming the rank and why. -ENOMEM.
 */
int fp_topo_map(const struct fp_topo *t, const struct fp_ident *ranks, unsigned n, int *node_of,
		char *err, size_t el);
/* CSV "rank,endpoint" lines (a header and # comments allowed): every rank named once */
int fp_topo_map_csv(const struct fp_topo *t, const char *text, size_t len, const char *src,
		    unsigned n, int *node_of, char *err, size_t el);

/* Hosts in rank order (file order): rank r is host host_of[r]. */
unsigned fp_topo_hosts(const struct fp_topo *t, int *host_of, unsigned max);

#endif
