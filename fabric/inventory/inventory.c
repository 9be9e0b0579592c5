// SPDX-License-Identifier: MIT
#include "inventory.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/json.h"
#include "fleet.h"
#include "inv_priv.h"
#include "qdisc.h"

/* Read a small sysfs attribute into buf, trimmed. false when absent or unreadable. */
bool fp_inv_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return true;
}

static bool attr_u64(const char *dir, const char *name, uint64_t *v)
{
	char b[64], *e;

	if (!fp_inv_attr(dir, name, b, sizeof(b)) || !b[0])
		return false;
	*v = strtoull(b, &e, 0);
	return *e == 0 || *e == ' ';
}

static void warn(struct fp_inventory *inv, const char *fmt, ...)
{
	va_list ap;

	if (inv->nwarn >= 16)
		return;
	va_start(ap, fmt);
	vsnprintf(inv->warn[inv->nwarn++], sizeof(inv->warn[0]), fmt, ap);
	va_end(ap);
}

/* "16.0 GT/s PCIe" -> 16.0 */
static double gts(const char *s)
{
	return strtod(s, NULL);
}

static void pcie(const char *root, const char *devlink, struct fp_pcie *p)
{
	char dir[PATH_MAX], b[64];
	const char *base = strrchr(devlink, '/');

	memset(p, 0, sizeof(*p));
	p->numa_node = -1;
	base = base ? base + 1 : devlink;
	/* a PCI function is "dddd:bb:dd.f" */
	if (strlen(base) != 12 || base[4] != ':' || base[7] != ':' || base[10] != '.')
		return;
	snprintf(p->addr, sizeof(p->addr), "%s", base);
	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s", root, base);
	if (fp_inv_attr(dir, "current_link_speed", b, sizeof(b)))
		p->speed_gts = gts(b);
	if (fp_inv_attr(dir, "max_link_speed", b, sizeof(b)))
		p->max_speed_gts = gts(b);
	if (fp_inv_attr(dir, "current_link_width", b, sizeof(b)))
		p->width = atoi(b);
	if (fp_inv_attr(dir, "max_link_width", b, sizeof(b)))
		p->max_width = atoi(b);
	if (fp_inv_attr(dir, "numa_node", b, sizeof(b)))
		p->numa_node = atoi(b);
	fp_inv_attr(dir, "local_cpulist", p->cpus, sizeof(p->cpus));
	p->present = p->max_width > 0;
}

static struct fp_port *add_port(struct fp_inventory *inv)
{
	struct fp_port *n = realloc(inv->ports, sizeof(*n) * (inv->n + 1));

	if (!n)
		return NULL;
	inv->ports = n;
	memset(&n[inv->n], 0, sizeof(n[0]));
	return &n[inv->n++];
}

/*
 * InfiniBand PortCounters widths (IBA 1.4 vol 1, 16.1.3.5): they stop at their maximum
 * instead of wrapping, so a value at the maximum is "at least", never a wrap.
 */
static unsigned ib_width(const char *name)
{
	static const struct {
		const char *n;
		unsigned bits;
	} w[] = { { "symbol_error", 16 },
		  { "link_error_recovery", 8 },
		  { "link_downed", 8 },
		  { "port_rcv_errors", 16 },
		  { "port_rcv_remote_physical_errors", 16 },
		  { "port_rcv_switch_relay_errors", 16 },
		  { "port_xmit_discards", 16 },
		  { "port_xmit_constraint_errors", 8 },
		  { "port_rcv_constraint_errors", 8 },
		  { "local_link_integrity_errors", 4 },
		  { "excessive_buffer_overrun_errors", 4 },
		  { "VL15_dropped", 16 },
		  { "port_xmit_wait", 32 } };

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!strcmp(w[i].n, name))
			return w[i].bits;
	return 64;
}

static void counters(const char *dir, struct fp_port *p, bool ib)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) && p->nc < FP_INV_COUNTERS) {
		struct fp_counter *c = &p->c[p->nc];

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(c->name))
			continue;
		if (!attr_u64(dir, e->d_name, &c->value))
			continue;
		strcpy(c->name, e->d_name);
		c->bits = ib ? ib_width(e->d_name) : 64;
		c->saturated = c->bits < 64 && c->value >= (1ull << c->bits) - 1;
		p->nc++;
	}
	if (d)
		closedir(d);
}

static void netdev(const char *root, const char *dir, const char *name, struct fp_port *p)
{
	char nd[PATH_MAX + 300], b[PATH_MAX + 320], link[PATH_MAX];
	uint64_t v;
	ssize_t n;

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pcie.numa_node = -1;
	snprintf(nd, sizeof(nd), "%s/%s", dir, name);
	fp_inv_attr(nd, "operstate", p->state, sizeof(p->state));
	/* speed reads -1 or fails with the link down */
	if (fp_inv_attr(nd, "speed", b, sizeof(b)) && atoi(b) > 0)
		p->speed_gbps = atoi(b) / 1000.0;
	fp_inv_attr(nd, "duplex", p->duplex, sizeof(p->duplex));
	if (fp_inv_attr(nd, "mtu", b, sizeof(b)))
		p->mtu = atoi(b);
	if (attr_u64(nd, "carrier_changes", &v))
		p->carrier_changes = v;
	snprintf(b, sizeof(b), "%s/device", nd);
	n = readlink(b, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		pcie(root, link, &p->pcie);
		snprintf(b, sizeof(b), "%s/device/driver", nd);
		n = readlink(b, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			snprintf(p->driver, sizeof(p->driver), "%s",
				 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
		}
	} else {
		p->virtual_dev = true;
	}
	fp_inv_netdev_extra(root, nd, p);
	snprintf(b, sizeof(b), "%s/statistics", nd);
	counters(b, p, false);
	/* carrier changes count link flaps: a counter like the others */
	if (p->nc < FP_INV_COUNTERS) {
		snprintf(p->c[p->nc].name, sizeof(p->c[0].name), "carrier_changes");
		p->c[p->nc].value = p->carrier_changes;
		p->c[p->nc++].bits = 64;
	}
}

int fp_netdev_read(const char *root, const char *name, struct fp_port *p)
{
	char dir[PATH_MAX];

	memset(p, 0, sizeof(*p));
	snprintf(dir, sizeof(dir), "%s/sys/class/net", root);
	if (strchr(name, '/') || strlen(name) >= sizeof(p->name))
		return -EINVAL;
	snprintf(p->name, sizeof(p->name), "%s/%s", dir, name);
	if (access(p->name, R_OK))
		return -ENOENT;
	netdev(root, dir, name, p);
	return 0;
}

static void netdevs(const char *root, struct fp_inventory *inv)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/sys/class/net", root);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		struct fp_port *p;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(p->name))
			continue;
		p = add_port(inv);
		if (!p)
			break;
		netdev(root, dir, e->d_name, p);
	}
	if (d)
		closedir(d);
}

static void rdma(const char *root, struct fp_inventory *inv)
{
	char dir[PATH_MAX];
	DIR *d, *pd;
	struct dirent *e, *pe;

	snprintf(dir, sizeof(dir), "%s/sys/class/infiniband", root);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		char dev[PATH_MAX + 300], ports[PATH_MAX + 310], link[PATH_MAX], b[PATH_MAX + 320];
		struct fp_pcie pci;
		ssize_t n;

		if (e->d_name[0] == '.' || strlen(e->d_name) > 32)
			continue;
		snprintf(dev, sizeof(dev), "%s/%s", dir, e->d_name);
		snprintf(b, sizeof(b), "%s/device", dev);
		n = readlink(b, link, sizeof(link) - 1);
		memset(&pci, 0, sizeof(pci));
		pci.numa_node = -1;
		if (n > 0) {
			link[n] = 0;
			pcie(root, link, &pci);
		}
		snprintf(ports, sizeof(ports), "%s/ports", dev);
		pd = opendir(ports);
		while (pd && (pe = readdir(pd))) {
			char pdir[PATH_MAX + 400], rate[64];
			struct fp_port *p;

			if (pe->d_name[0] == '.' || strlen(pe->d_name) > 8)
				continue;
			p = add_port(inv);
			if (!p)
				break;
			p->rdma = true;
			p->pcie = pci;
			snprintf(p->name, sizeof(p->name), "%s/%s", e->d_name, pe->d_name);
			snprintf(pdir, sizeof(pdir), "%s/%s", ports, pe->d_name);
			/* "4: ACTIVE" -> "ACTIVE"; "5: LinkUp" -> "LinkUp" */
			if (fp_inv_attr(pdir, "state", b, sizeof(b)))
				snprintf(p->state, sizeof(p->state), "%s",
					 strchr(b, ' ') ? strchr(b, ' ') + 1 : b);
			if (fp_inv_attr(pdir, "phys_state", b, sizeof(b)))
				snprintf(p->phys_state, sizeof(p->phys_state), "%s",
					 strchr(b, ' ') ? strchr(b, ' ') + 1 : b);
			/* "200 Gb/sec (4X HDR)" */
			if (fp_inv_attr(pdir, "rate", rate, sizeof(rate)))
				p->speed_gbps = strtod(rate, NULL);
			fp_inv_attr(pdir, "link_layer", p->link_layer, sizeof(p->link_layer));
			fp_inv_attr(pdir, "gids/0", p->gid0, sizeof(p->gid0));
			snprintf(b, sizeof(b), "%s/counters", pdir);
			counters(b, p, true);
			snprintf(b, sizeof(b), "%s/hw_counters", pdir);
			counters(b, p, false);
			fp_inv_rdma_extra(root, dev, e->d_name, pe->d_name, p);
		}
		if (pd)
			closedir(pd);
	}
	if (d)
		closedir(d);
}

int fp_inventory_read(const char *root, struct fp_inventory *inv, char *err, size_t errlen)
{
	char b[PATH_MAX];

	memset(inv, 0, sizeof(*inv));
	snprintf(b, sizeof(b), "%s/sys/class/net", root);
	if (access(b, R_OK)) {
		snprintf(err, errlen, "%s: no sys/class/net under it (a sysfs root?)", root);
		return -ENOENT;
	}
	if (!strcmp(root, "/") || !root[0])
		gethostname(inv->host, sizeof(inv->host) - 1);
	else
		snprintf(inv->host, sizeof(inv->host), "%s", "fixture");
	fp_inv_host_extra(root, inv);
	netdevs(root, inv);
	rdma(root, inv);
	/* the live system also answers over ethtool netlink; a fixture tree cannot */
	for (unsigned i = 0; (!strcmp(root, "/") || !root[0]) && i < inv->n; i++) {
		struct fp_port *p = &inv->ports[i];
		uint8_t img[1024];
		char why[128];

		if (p->rdma || !strcmp(p->name, "lo"))
			continue;
		fp_dcb_query(p->name, &p->dcb); /* -EOPNOTSUPP without DCB: stays unknown */
		fp_qdisc_query(p->name, p->shaping, sizeof(p->shaping));
		if (fp_ethnl_query(p->name, &p->nl, img, sizeof(img)))
			continue;
		p->ethnl = true;
		if (!p->speed_gbps && p->nl.speed_gbps > 0)
			p->speed_gbps = p->nl.speed_gbps;
		if (p->nl.module_len &&
		    !fp_module_decode(img, p->nl.module_len, &p->module, why, sizeof(why)))
			p->has_module = true;
	}
	return 0;
}

void fp_inventory_free(struct fp_inventory *inv)
{
	if (!inv)
		return;
	free(inv->ports);
	inv->ports = NULL;
	inv->n = 0;
}

const struct fp_port *fp_inventory_port(const struct fp_inventory *inv, const char *name)
{
	for (unsigned i = 0; i < inv->n; i++)
		if (!strcmp(inv->ports[i].name, name))
			return &inv->ports[i];
	return NULL;
}

bool fp_counter_is_error(const char *name)
{
	/* errors, drops, discards (CRC and symbol errors among them), and link downs */
	return strstr(name, "err") || strstr(name, "drop") || strstr(name, "discard") ||
	       !strcmp(name, "link_downed");
}

bool fp_counter_is_fault(const char *name)
{
	return fp_counter_is_error(name) || !strcmp(name, "carrier_changes");
}

void fp_inventory_check(struct fp_inventory *inv)
{
	for (unsigned i = 0; i < inv->n; i++) {
		struct fp_port *p = &inv->ports[i];
		const struct fp_pcie *c = &p->pcie;

		if (c->present && (c->width < c->max_width || c->speed_gts < c->max_speed_gts))
			warn(inv, "%s: PCIe %s runs x%d at %g GT/s, below its x%d at %g GT/s",
			     p->name, c->addr, c->width, c->speed_gts, c->max_width,
			     c->max_speed_gts);
		for (unsigned k = 0; k < p->nc; k++)
			if (p->c[k].saturated)
				warn(inv,
				     "%s: counter %s is saturated at %llu (%u bits): the true "
				     "count "
				     "is higher, read it as 'at least'",
				     p->name, p->c[k].name, (unsigned long long)p->c[k].value,
				     p->c[k].bits);
		if (p->ethnl && p->speed_gbps > 0 && p->nl.max_supported_gbps > p->speed_gbps)
			warn(inv, "%s: link at %g Gb/s, below the %g Gb/s its modes support",
			     p->name, p->speed_gbps, p->nl.max_supported_gbps);
		if (p->ethnl && p->nl.ext_state_known && strcmp(p->state, "up"))
			warn(inv, "%s: link down: %s (the driver's extended state)", p->name,
			     p->nl.ext_state);
		if (p->ethnl && p->nl.std_stats && (p->nl.symbol_errors || p->nl.fcs_errors))
			warn(inv, "%s: %llu PHY symbol errors, %llu FCS errors", p->name,
			     (unsigned long long)p->nl.symbol_errors,
			     (unsigned long long)p->nl.fcs_errors);
		if (p->ethnl && p->nl.fec_stats && p->nl.fec_uncorrectable)
			warn(inv, "%s: %llu uncorrectable FEC blocks", p->name,
			     (unsigned long long)p->nl.fec_uncorrectable);
		if (p->rdma && strcmp(p->state, "ACTIVE") && p->state[0])
			warn(inv, "%s: port state %s (%s)", p->name, p->state, p->phys_state);
		if (p->has_module) {
			unsigned lane = 0;
			double m = fp_module_rx_margin_db(&p->module, &lane);

			/* 3 dB: half the power left before the module's own alarm */
			if (isfinite(m) && m < 3)
				warn(inv,
				     "%s: module RX power on lane %u is %.1f dB %s its low alarm "
				     "(margin threshold 3 dB)",
				     p->name, lane + 1, fabs(m), m >= 0 ? "above" : "below");
			if (p->module.alarms || p->module.warnings)
				warn(inv, "%s: module flags: %s", p->name, p->module.flags);
		}
	}
}

static void json_mon(struct fp_json *j, const char *k, const struct fp_mon *m)
{
	if (!m->valid)
		return;
	fp_json_obj(j, k);
	fp_json_num(j, "value", m->value);
	if (m->thresholds) {
		fp_json_num(j, "high_alarm", m->high_alarm);
		fp_json_num(j, "low_alarm", m->low_alarm);
		fp_json_num(j, "high_warn", m->high_warn);
		fp_json_num(j, "low_warn", m->low_warn);
	}
	fp_json_end(j);
}

void fp_inventory_json(const struct fp_inventory *inv, FILE *f)
{
	struct fp_json j;

	fp_json_init(&j, f, true);
	fp_json_obj(&j, NULL);
	fp_json_u64(&j, "schema_version", 1);
	fp_json_str(&j, "host", inv->host);
	fp_json_arr(&j, "ports");
	for (unsigned i = 0; i < inv->n; i++) {
		const struct fp_port *p = &inv->ports[i];

		fp_json_obj(&j, NULL);
		fp_json_str(&j, "name", p->name);
		fp_json_str(&j, "kind", p->rdma ? "rdma" : "netdev");
		fp_json_str(&j, "state", p->state);
		if (p->rdma) {
			fp_json_str(&j, "phys_state", p->phys_state);
			fp_json_str(&j, "link_layer", p->link_layer);
			fp_json_str(&j, "gid0", p->gid0);
		} else {
			fp_json_str(&j, "duplex", p->duplex);
			fp_json_i64(&j, "mtu", p->mtu);
			fp_json_u64(&j, "carrier_changes", p->carrier_changes);
			fp_json_str(&j, "driver", p->driver);
			fp_json_bool(&j, "virtual", p->virtual_dev);
		}
		fp_json_num(&j, "speed_gbps", p->speed_gbps);
		if (p->pcie.present) {
			fp_json_obj(&j, "pcie");
			fp_json_str(&j, "address", p->pcie.addr);
			fp_json_num(&j, "speed_gts", p->pcie.speed_gts);
			fp_json_num(&j, "max_speed_gts", p->pcie.max_speed_gts);
			fp_json_i64(&j, "width", p->pcie.width);
			fp_json_i64(&j, "max_width", p->pcie.max_width);
			fp_json_i64(&j, "numa_node", p->pcie.numa_node);
			fp_json_str(&j, "local_cpus", p->pcie.cpus);
			fp_json_end(&j);
		}
		fp_json_obj(&j, "counters");
		for (unsigned k = 0; k < p->nc; k++)
			fp_json_u64(&j, p->c[k].name, p->c[k].value);
		fp_json_end(&j);
		if (p->ethnl) {
			fp_json_obj(&j, "ethtool");
			fp_json_str(&j, "linkmodes",
				    p->nl.linkmodes_err ? strerror(-p->nl.linkmodes_err) : "ok");
			fp_json_u64(&j, "modes_supported", p->nl.nsupported);
			fp_json_num(&j, "max_supported_gbps", p->nl.max_supported_gbps);
			fp_json_u64(&j, "lanes", p->nl.lanes);
			fp_json_str(&j, "fec",
				    p->nl.fec_err ? strerror(-p->nl.fec_err) : p->nl.fec_active);
			if (p->nl.fec_stats) {
				fp_json_u64(&j, "fec_corrected", p->nl.fec_corrected);
				fp_json_u64(&j, "fec_uncorrectable", p->nl.fec_uncorrectable);
			}
			fp_json_str(&j, "module",
				    p->nl.module_err ? strerror(-p->nl.module_err) : "read");
			fp_json_str(&j, "link_ext_state",
				    p->nl.ext_state_known ? p->nl.ext_state : "");
			fp_json_str(&j, "ieee_stats",
				    p->nl.stats_err ? strerror(-p->nl.stats_err) : "ok");
			if (p->nl.std_stats) {
				fp_json_u64(&j, "symbol_errors", p->nl.symbol_errors);
				fp_json_u64(&j, "fcs_errors", p->nl.fcs_errors);
				fp_json_u64(&j, "alignment_errors", p->nl.alignment_errors);
			}
			fp_json_end(&j);
		}
		fp_json_arr(&j, "saturated");
		for (unsigned k = 0; k < p->nc; k++)
			if (p->c[k].saturated)
				fp_json_str(&j, NULL, p->c[k].name);
		fp_json_end(&j);
		if (p->has_module) {
			const struct fp_module *m = &p->module;

			fp_json_obj(&j, "module");
			fp_json_str(&j, "identifier", m->id_name);
			fp_json_str(&j, "vendor", m->vendor);
			fp_json_str(&j, "pn", m->pn);
			fp_json_str(&j, "sn", m->sn);
			fp_json_str(&j, "media", fp_media_name(m->media));
			fp_json_str(&j, "type", m->xcvr);
			fp_json_num(&j, "length_m", m->length_m);
			fp_json_u64(&j, "lanes", m->lanes);
			json_mon(&j, "temperature_c", &m->temp_c);
			json_mon(&j, "vcc_v", &m->vcc_v);
			fp_json_arr(&j, "lanes_dom");
			for (unsigned l = 0; l < m->lanes && m->dom; l++) {
				fp_json_obj(&j, NULL);
				json_mon(&j, "tx_bias_ma", &m->tx_bias_ma[l]);
				json_mon(&j, "tx_power_mw", &m->tx_power_mw[l]);
				json_mon(&j, "rx_power_mw", &m->rx_power_mw[l]);
				fp_json_num(&j, "rx_power_dbm",
					    fp_mw_to_dbm(m->rx_power_mw[l].value));
				fp_json_end(&j);
			}
			fp_json_end(&j);
			fp_json_str(&j, "flags", m->flags);
			fp_json_end(&j);
		}
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_fleet_host_json(inv, &j);
	fp_json_arr(&j, "warnings");
	for (unsigned i = 0; i < inv->nwarn; i++)
		fp_json_str(&j, NULL, inv->warn[i]);
	fp_json_end(&j);
	fp_json_end(&j);
}
