// SPDX-License-Identifier: MIT
/*
 * What fleets compare beyond ports and PCIe: firmware and model (sysfs-class-infiniband),
 * GID types (ports/N/gid_attrs/types/I), RDMA CM's default ToS (configfs rdma_cm),
 * driver versions (/sys/module/DRIVER/version), mlx5's ECN switches (ecn/roce_np|rp/enable/P)
 * and the kernel release.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_priv.h"

#define MAX_GIDS 256

/* add word to a comma list once */
static void add_word(char *list, size_t len, const char *w)
{
	size_t n = strlen(list), wl = strlen(w);
	const char *s = list;

	while ((s = strstr(s, w))) {
		if ((s == list || s[-1] == ',') && (s[wl] == ',' || !s[wl]))
			return;
		s += wl;
	}
	snprintf(list + n, len - n, "%s%s", n ? "," : "", w);
}

static bool gid_zero(const char *g)
{
	for (; *g; g++)
		if (*g != '0' && *g != ':')
			return false;
	return true;
}

/* the types of the GIDs in use, in table order; an IPv4-mapped one noted */
static void gids(const char *pdir, struct fp_port *p)
{
	char gdir[PATH_MAX + 40], tdir[PATH_MAX + 40], g[64], t[32], name[16];
	char list[sizeof(p->gid_types)] = "";
	bool any = false;

	snprintf(gdir, sizeof(gdir), "%s/gids", pdir);
	snprintf(tdir, sizeof(tdir), "%s/gid_attrs/types", pdir);
	for (int i = 0; i < MAX_GIDS; i++) {
		snprintf(name, sizeof(name), "%d", i);
		if (!fp_inv_attr(gdir, name, g, sizeof(g)))
			break;
		if (gid_zero(g))
			continue;
		/* ::ffff:a.b.c.d as sysfs writes it */
		if (!strncmp(g, "0000:0000:0000:0000:0000:ffff:", 30))
			p->ipv4_gid = true;
		if (fp_inv_attr(tdir, name, t, sizeof(t)) && t[0]) {
			add_word(list, sizeof(list), t);
			any = true;
		}
	}
	if (any)
		snprintf(p->gid_types, sizeof(p->gid_types), "%s", list);
}

void fp_inv_rdma_extra(const char *root, const char *dev, const char *devname, const char *port,
		       struct fp_port *p)
{
	char pdir[PATH_MAX + 40], b[PATH_MAX + 80];

	p->roce_tos = -1;
	if (!fp_inv_attr(dev, "hca_type", p->model, sizeof(p->model)) || !p->model[0])
		fp_inv_attr(dev, "board_id", p->model, sizeof(p->model));
	fp_inv_attr(dev, "fw_ver", p->fw_ver, sizeof(p->fw_ver));
	snprintf(pdir, sizeof(pdir), "%s/ports/%s", dev, port);
	gids(pdir, p);
	snprintf(pdir, sizeof(pdir), "%s/sys/kernel/config/rdma_cm/%s/ports/%s", root, devname,
		 port);
	if (fp_inv_attr(pdir, "default_roce_tos", b, sizeof(b)) && b[0])
		p->roce_tos = atoi(b);
}

/* "np 3,4 rp 3,4": the priorities whose enable file reads 1 */
static void ecn(const char *nd, struct fp_port *p)
{
	static const char *const side[] = { "roce_np", "roce_rp" };
	size_t n = 0;

	for (int s = 0; s < 2; s++) {
		char dir[PATH_MAX + 40], v[8], name[4], list[32] = "";
		bool known = false;

		snprintf(dir, sizeof(dir), "%s/ecn/%s/enable", nd, side[s]);
		for (int prio = 0; prio < 8; prio++) {
			snprintf(name, sizeof(name), "%d", prio);
			if (!fp_inv_attr(dir, name, v, sizeof(v)))
				continue;
			known = true;
			if (atoi(v) == 1)
				add_word(list, sizeof(list), name);
		}
		if (known)
			n += snprintf(p->ecn + n, sizeof(p->ecn) - n, "%s%s %s", n ? " " : "",
				      side[s] + 5, list[0] ? list : "off");
	}
}

void fp_inv_netdev_extra(const char *root, const char *nd, struct fp_port *p)
{
	char dir[PATH_MAX];

	if (p->driver[0]) {
		snprintf(dir, sizeof(dir), "%s/sys/module/%s", root, p->driver);
		fp_inv_attr(dir, "version", p->drv_version, sizeof(p->drv_version));
	}
	ecn(nd, p);
}

void fp_inv_host_extra(const char *root, struct fp_inventory *inv)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/proc/sys/kernel", root);
	fp_inv_attr(dir, "osrelease", inv->kernel, sizeof(inv->kernel));
}
