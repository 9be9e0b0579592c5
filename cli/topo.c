// SPDX-License-Identifier: MIT
/* fabprobe topo: gen, import, check, draw, stats, plan. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../core/opts.h"
#include "../fabric/model/lab_plan.h"
#include "../fabric/model/topo.h"
#include "../fabric/model/topo_routes.h"
#include "cli.h"

struct topo_cfg {
	int64_t hosts_per_leaf, leaves, spines, uplinks, k, rails, groups, lanes;
	double oversub_unused;
	const char *oversub, *host_gbps, *fabric_gbps, *host_media, *fabric_media;
	const char *host_len, *fabric_len, *output, *name, *routes, *node_name_map;
	int format;
};

#define T(n, t, f, d, lo, hi, ch, mv, h)                                                           \
	{                                                                                          \
		n, t, offsetof(struct topo_cfg, f), d, lo, hi, ch, NULL, mv, h                     \
	}

static const struct fp_opt topo_opts[] = {
	T("hosts-per-leaf", FP_OPT_INT, hosts_per_leaf, "2", 1, 100000, NULL, NULL,
	  "leaf-spine, rail: hosts under each leaf (each group)"),
	T("leaves", FP_OPT_INT, leaves, "4", 1, 100000, NULL, NULL, "leaf-spine: leaves"),
	T("spines", FP_OPT_INT, spines, "2", 1, 100000, NULL, NULL, "leaf-spine, rail: spines"),
	T("uplinks", FP_OPT_INT, uplinks, "1", 1, 64, NULL, NULL,
	  "leaf-spine, rail: parallel links per leaf-spine pair"),
	T("oversub", FP_OPT_STRING, oversub, NULL, 0, 0, NULL, "RATIO",
	  "leaf-spine, rail: host capacity / uplink capacity (sets the fabric rate)"),
	T("k", FP_OPT_INT, k, "4", 2, 128, NULL, NULL, "fat-tree: k (even), k^3/4 hosts"),
	T("rails", FP_OPT_INT, rails, "4", 1, 64, NULL, NULL, "rail: NICs per host"),
	T("groups", FP_OPT_INT, groups, "2", 1, 10000, NULL, NULL, "rail: groups (scalable units)"),
	T("host-gbps", FP_OPT_STRING, host_gbps, "100", 0, 0, NULL, "GBPS", "host link rate"),
	T("fabric-gbps", FP_OPT_STRING, fabric_gbps, "100", 0, 0, NULL, "GBPS",
	  "switch-to-switch link rate"),
	T("host-media", FP_OPT_STRING, host_media, "dac", 0, 0, NULL, "MEDIA",
	  "dac, acc, aec, aoc or optic"),
	T("fabric-media", FP_OPT_STRING, fabric_media, "aoc", 0, 0, NULL, "MEDIA",
	  "dac, acc, aec, aoc or optic"),
	T("host-length", FP_OPT_STRING, host_len, "2", 0, 0, NULL, "M", "host cable length"),
	T("fabric-length", FP_OPT_STRING, fabric_len, "30", 0, 0, NULL, "M", "fabric cable length"),
	T("lanes", FP_OPT_INT, lanes, "4", 1, 16, NULL, NULL, "lanes per link"),
	T("name", FP_OPT_STRING, name, NULL, 0, 0, NULL, NULL, "topology name"),
	T("output", FP_OPT_STRING, output, NULL, 0, 0, NULL, "FILE",
	  "write here (atomically) instead of stdout"),
	T("routes", FP_OPT_STRING, routes, NULL, 0, 0, NULL, "FILE",
	  "import, check: the SM's forwarding tables (ibroute, dump_lfts, opensm-lfts.dump)"),
	T("node-name-map", FP_OPT_STRING, node_name_map, NULL, 0, 0, NULL, "FILE",
	  "ibnetdiscover input: names by GUID (the node-name-map of ibnetdiscover, opensm)"),
	T("format", FP_OPT_CHOICE, format, "text", 0, 0, "text|json", NULL, "stats, check output"),
	FP_OPT_END,
};

static void topo_help(FILE *f)
{
	fprintf(f,
		"usage: fabprobe topo COMMAND [options]\n\n"
		"Topology files: generate them, import them from the fabric's own tools, check,\n"
		"draw and count them. YAML out, or JSON with --format json where it applies.\n\n"
		"commands:\n"
		"  gen leaf-spine|fat-tree|rail   generate a topology (YAML)\n"
		"  import FILE...                 ibnetdiscover output, or lldpctl -f json per "
		"host\n"
		"                                 (one file per host, named after it), to YAML;\n"
		"                                 --routes FILE joins the SM's tables and writes\n"
		"                                 each port's LID\n"
		"  check FILE                     dangling ports, duplicates, speed mismatches,\n"
		"                                 copper past reach, a disconnected fabric;\n"
		"                                 with --routes: LIDs without a route, loops,\n"
		"                                 down ports, uneven uplinks, credit loops\n"
		"  draw FILE                      Graphviz DOT: tiers as ranks, links by media\n"
		"  stats FILE                     servers, endpoints, rails, leaves, spines,\n"
		"                                 cores; bisection, oversubscription\n"
		"  link FILE LINK                 which link LINK names (#i, a-b or\n"
		"                                 a:port-b:port): '#i a:port-b:port'\n"
		"  plan FILE                      the virtual lab's build plan (scripts/lab)\n\n"
		"options:\n");
	fp_opts_help(f, topo_opts);
}

static int num(const char *s, const char *what, double lo, double hi, double *out)
{
	if (fp_parse_num(s, lo, hi, out)) {
		fprintf(stderr, "fabprobe topo: --%s '%s' is not a number in %g..%g\n", what, s, lo,
			hi);
		return -EINVAL;
	}
	return 0;
}

/* Write through an atomic file when --output is given. */
static FILE *out_open(const struct topo_cfg *c, struct fp_afile *a)
{
	if (!c->output)
		return stdout;
	if (fp_afile_open(a, c->output)) {
		fprintf(stderr, "fabprobe topo: cannot write %s: %s\n", c->output, strerror(errno));
		return NULL;
	}
	return a->f;
}

static int out_close(const struct topo_cfg *c, struct fp_afile *a)
{
	if (!c->output)
		return fflush(stdout) ? 1 : 0;
	if (fp_afile_commit(a)) {
		fprintf(stderr, "fabprobe topo: cannot write %s\n", c->output);
		return 1;
	}
	return 0;
}

static int load(const struct topo_cfg *c, const char *path, struct fp_topo *t)
{
	char err[512];

	if (fp_topo_load_named(t, path, c->node_name_map, err, sizeof(err))) {
		fprintf(stderr, "fabprobe topo: %s\n", err);
		return 2;
	}
	return 0;
}

static int gen(struct topo_cfg *c, const char *kind, struct fp_topo *t)
{
	struct fp_gen_opts o = { .hosts_per_leaf = (int)c->hosts_per_leaf,
				 .leaves = (int)c->leaves,
				 .spines = (int)c->spines,
				 .uplinks = (int)c->uplinks,
				 .k = (int)c->k,
				 .rails = (int)c->rails,
				 .groups = (int)c->groups,
				 .lanes = (int)c->lanes };
	char err[256];
	int ret;

	/* the bounds the loader takes, so whatever gen writes loads */
	if (num(c->host_gbps, "host-gbps", 1e-6, 1e6, &o.host_gbps) ||
	    num(c->fabric_gbps, "fabric-gbps", 1e-6, 1e6, &o.fabric_gbps) ||
	    num(c->host_len, "host-length", 0, 1e5, &o.host_len_m) ||
	    num(c->fabric_len, "fabric-length", 0, 1e5, &o.fabric_len_m) ||
	    (c->oversub && num(c->oversub, "oversub", 1e-6, 1e6, &o.oversub)))
		return 2;
	if (fp_media_parse(c->host_media, &o.host_media) ||
	    fp_media_parse(c->fabric_media, &o.fabric_media)) {
		fprintf(stderr, "fabprobe topo: media are dac, acc, aec, aoc or optic\n");
		return 2;
	}
	if (!strcmp(kind, "leaf-spine"))
		ret = fp_gen_leaf_spine(t, &o, err, sizeof(err));
	else if (!strcmp(kind, "fat-tree"))
		ret = fp_gen_fat_tree(t, &o, err, sizeof(err));
	else if (!strcmp(kind, "rail") || !strcmp(kind, "rail-optimized"))
		ret = fp_gen_rail(t, &o, err, sizeof(err));
	else {
		fprintf(stderr, "fabprobe topo gen: '%s' is not leaf-spine, fat-tree or rail\n",
			kind);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "fabprobe topo gen: %s\n", err);
		return 2;
	}
	if (c->name)
		snprintf(t->name, sizeof(t->name), "%s", c->name);
	return 0;
}

/* findings as "where:line: error|warning: text"; returns how many are errors */
static unsigned print_issues(const char *where, const struct fp_issue *v, unsigned n)
{
	unsigned errors = 0;

	for (unsigned i = 0; i < n; i++) {
		errors += v[i].severity == 2;
		printf("%s:%d: %s: %s\n", where, v[i].line,
		       v[i].severity == 2 ? "error" : "warning", v[i].text);
	}
	return errors;
}

/* --routes FILE read and joined to t; 0, or 2 after one line on stderr */
static int routes_load(const char *cmd, const char *path, const struct fp_topo *t,
		       struct fp_routes *r)
{
	char err[512];

	fp_routes_init(r);
	if (fp_routes_open(r, path, t, err, sizeof(err))) {
		fprintf(stderr, "fabprobe topo %s: %s\n", cmd, err);
		return 2;
	}
	return 0;
}

/* import --routes: every port's LID from the tables, so the YAML keeps them */
static int import_routes(struct topo_cfg *c, struct fp_topo *t)
{
	struct fp_routes r;
	int ret = routes_load("import", c->routes, t, &r);

	if (ret)
		return ret;
	for (unsigned i = 0; i < t->nlinks; i++) {
		struct fp_link *l = &t->links[i];

		if (!l->lid_a)
			l->lid_a = (int)fp_routes_lid_of(&r, l->a, NULL);
		if (!l->lid_b)
			l->lid_b = (int)fp_routes_lid_of(&r, l->b, NULL);
	}
	fp_routes_destroy(&r);
	return 0;
}

static int check(struct topo_cfg *c, struct fp_topo *t)
{
	struct fp_issue *v;
	unsigned n, errors = 0;

	if (fp_topo_check(t, &v, &n)) {
		fprintf(stderr, "fabprobe topo check: out of memory\n");
		return 2;
	}
	errors = print_issues(t->source[0] ? t->source : t->name, v, n);
	if (!n)
		printf("%s: %u nodes, %u links: no problems found\n", t->source, t->nnodes,
		       t->nlinks);
	free(v);
	if (c->routes) {
		struct fp_routes r;
		int ret = routes_load("check", c->routes, t, &r);

		if (ret)
			return ret;
		if (fp_routes_check(&r, t, &v, &n)) {
			fprintf(stderr, "fabprobe topo check: out of memory\n");
			fp_routes_destroy(&r);
			return 2;
		}
		errors += print_issues(c->routes, v, n);
		if (!n)
			printf("%s: %u switch tables, %u LIDs: no problems found\n", c->routes,
			       r.nsw, r.nknown);
		free(v);
		fp_routes_destroy(&r);
	}
	return errors ? 1 : 0;
}

/* One value per tier: node counts (an unsigned prints the same under %.10g as under %llu)
 * or oversubscription ratios. */
static void json_tiers(struct fp_json *j, const char *key, const struct fp_topo_stats *s,
		       bool oversub)
{
	fp_json_arr(j, key);
	for (unsigned i = 0; i < s->tiers; i++)
		fp_json_num(j, NULL, oversub ? s->oversub[i] : s->per_tier[i]);
	fp_json_end(j);
}

static void stats_roles_json(struct fp_json *j, const struct fp_topo_stats *s)
{
	fp_json_u64(j, "servers", s->servers);
	fp_json_u64(j, "endpoints", s->endpoints);
	fp_json_u64(j, "rails", s->rails);
	fp_json_u64(j, "leaves", s->leaves);
	fp_json_u64(j, "spines", s->spines);
	fp_json_u64(j, "cores", s->cores);
}

static int stats(struct topo_cfg *c, struct fp_topo *t)
{
	struct fp_topo_stats s;

	if (fp_topo_stats(t, &s)) {
		fprintf(stderr, "fabprobe topo stats: out of memory\n");
		return 1;
	}
	if (c->format == 1) {
		struct fp_json j;

		fp_json_init(&j, stdout, true);
		fp_json_obj(&j, NULL);
		fp_json_str(&j, "name", t->name);
		fp_json_u64(&j, "hosts", s.hosts);
		fp_json_u64(&j, "switches", s.switches);
		fp_json_u64(&j, "links", s.links);
		stats_roles_json(&j, &s);
		json_tiers(&j, "nodes_per_tier", &s, false);
		fp_json_num(&j, "host_gbps", s.host_gbps);
		fp_json_num(&j, "bisection_gbps", s.bisection_gbps);
		json_tiers(&j, "oversubscription_per_tier", &s, true);
		fp_json_end(&j);
		return 0;
	}
	printf("%s: %u hosts, %u switches, %u links, %u tiers\n", t->name, s.hosts, s.switches,
	       s.links, s.tiers);
	printf("  %u servers, %u endpoints, %u rails; %u leaves, %u spines, %u cores\n", s.servers,
	       s.endpoints, s.rails, s.leaves, s.spines, s.cores);
	for (unsigned i = 0; i < s.tiers; i++) {
		printf("  tier %u: %u nodes", i, s.per_tier[i]);
		if (i > 0 && s.oversub[i] > 0)
			printf(", oversubscription %.2f:1", s.oversub[i]);
		printf("\n");
	}
	printf("  host capacity %.1f Gb/s; bisection %.1f Gb/s (%.0f%% of half the hosts)\n",
	       s.host_gbps, s.bisection_gbps,
	       s.host_gbps > 0 ? 100.0 * s.bisection_gbps / (s.host_gbps / 2) : 0);
	return 0;
}

/* the link a name means, as "#i a:pa-b:pb": what scripts (the lab) resolve names with */
static int link(const struct fp_topo *t, const char *spec)
{
	char err[1024], name[2 * FP_NAME_LEN + 2 * FP_PORT_LEN + 4];
	int i = fp_topo_link_find(t, spec, err, sizeof(err));

	if (i < 0) {
		fprintf(stderr, "fabprobe topo link: %s\n", err);
		return 2;
	}
	fp_topo_link_spec(t, (unsigned)i, name, sizeof(name));
	printf("#%d %s\n", i, name);
	return fflush(stdout) ? 1 : 0;
}

/* "S-"/"H-" and 16 hex digits: the importer's name for a node with no usable description */
static bool guid_named(const char *n)
{
	return (n[0] == 'S' || n[0] == 'H') && n[1] == '-' && strlen(n + 2) == 16 &&
	       strspn(n + 2, "0123456789abcdef") == 16;
}

/* one summary line on stderr for an ibnetdiscover import, so GUID-named nodes are noticed */
static void import_summary(const struct fp_topo *t)
{
	struct fp_topo_stats s;
	unsigned by_guid = 0;

	if (strcmp(t->name, "ibnetdiscover") || fp_topo_stats(t, &s))
		return;
	for (unsigned i = 0; i < t->nnodes; i++)
		by_guid += guid_named(t->nodes[i].name);
	fprintf(stderr,
		"fabprobe topo import: %u switches, %u endpoints of %u servers, %u links; %u "
		"named by GUID (no usable description: --node-name-map names them)\n",
		s.switches, s.endpoints, s.servers, s.links, by_guid);
}

static int import(struct topo_cfg *c, int nfiles, const char **files, struct fp_topo *t)
{
	char err[512];
	int ret;

	if (nfiles == 1)
		return load(c, files[0], t);
	if (c->node_name_map) {
		fprintf(stderr, "fabprobe topo import: --node-name-map is for one ibnetdiscover "
				"dump, not lldpctl files\n");
		return 2;
	}
	/* several files: lldpctl, one per host */
	char **texts = calloc((size_t)nfiles, sizeof(*texts));
	size_t *lens = calloc((size_t)nfiles, sizeof(*lens));

	ret = texts && lens ? 0 : -ENOMEM;
	for (int i = 0; i < nfiles && !ret; i++)
		ret = fp_read_file(files[i], 64u << 20, &texts[i], &lens[i], err, sizeof(err));
	if (!ret)
		ret = fp_topo_load_lldp(t, (const char *const *)texts, lens, (unsigned)nfiles,
					files, err, sizeof(err));
	for (int i = 0; texts && i < nfiles; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	if (ret) {
		fprintf(stderr, "fabprobe topo import: %s\n", err);
		return 2;
	}
	return 0;
}

int fp_cmd_topo(int argc, char **argv)
{
	struct topo_cfg c;
	const char *pos[4096];
	struct fp_topo t;
	struct fp_afile a;
	char err[256];
	int np = 0, ret = 0;
	FILE *f;

	memset(&c, 0, sizeof(c));
	fp_topo_init(&t);
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			topo_help(stdout);
			return 0;
		}
	if (fp_opts_parse(topo_opts, &c, argc, argv, pos, 4096, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe topo: %s\n", err);
		return 2;
	}
	if (np < 2 && !(np == 1 && !strcmp(pos[0], "help"))) {
		fprintf(stderr,
			"fabprobe topo: which command, on what? (see fabprobe topo --help)\n");
		return 2;
	}
	if (!strcmp(pos[0], "help")) {
		topo_help(stdout);
		return 0;
	}
	if (!strcmp(pos[0], "gen"))
		ret = np == 2 ? gen(&c, pos[1], &t) : 2;
	else if (!strcmp(pos[0], "import")) {
		ret = import(&c, np - 1, pos + 1, &t);
		if (!ret && c.routes)
			ret = import_routes(&c, &t);
	} else if (!strcmp(pos[0], "link")) {
		ret = np == 3 ? load(&c, pos[1], &t) : 2;
		if (np != 3)
			fprintf(stderr, "fabprobe topo link: a topology file and a link\n");
		if (!ret)
			ret = link(&t, pos[2]);
		goto out;
	} else if (np != 2) {
		fprintf(stderr, "fabprobe topo %s: one topology file\n", pos[0]);
		return 2;
	} else if (!strcmp(pos[0], "check") || !strcmp(pos[0], "draw") ||
		   !strcmp(pos[0], "stats") || !strcmp(pos[0], "plan"))
		ret = load(&c, pos[1], &t);
	else {
		fprintf(stderr, "fabprobe topo: unknown command '%s' (see fabprobe topo --help)\n",
			pos[0]);
		return 2;
	}
	if (ret)
		goto out;
	if (!strcmp(pos[0], "check")) {
		ret = check(&c, &t);
		goto out;
	}
	if (!strcmp(pos[0], "stats")) {
		ret = stats(&c, &t);
		goto out;
	}
	f = out_open(&c, &a);
	if (!f) {
		ret = 1;
		goto out;
	}
	if (!strcmp(pos[0], "draw")) {
		fp_topo_write_dot(&t, f, NULL, NULL);
	} else if (!strcmp(pos[0], "plan")) {
		if (fp_lab_plan(&t, f, err, sizeof(err))) {
			fprintf(stderr, "fabprobe topo plan: %s\n", err);
			if (c.output)
				fp_afile_abort(&a);
			ret = 2;
			goto out;
		}
	} else {
		fp_topo_write_yaml(&t, f);
	}
	ret = out_close(&c, &a);
	/* after the file is written: a refused import says one line, not a summary too */
	if (!ret && !strcmp(pos[0], "import"))
		import_summary(&t);
out:
	fp_topo_destroy(&t);
	return ret;
}
