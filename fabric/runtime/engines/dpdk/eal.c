// SPDX-License-Identifier: MIT
/*
 * The DPDK engine's EAL side: probing for usable ports, the engine's options, and the
 * EAL argument vector built from them (a private runtime folder, removed at close).
 */
#include "priv.h"

void fp_dpdk_say(struct fp_engine *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fp_engine_vsay(&e->b, "dpdk", fmt, ap);
	va_end(ap);
}

uint64_t fp_dpdk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------- probe ---------- */

static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long v = -1;
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

/* PCI drivers DPDK can use that are loaded. */
static int bound_ports(void)
{
	static const char *const drv[] = { "vfio-pci", "uio_pci_generic", "igb_uio" };
	char path[128];
	struct stat st;
	int n = 0;

	for (size_t i = 0; i < sizeof(drv) / sizeof(drv[0]); i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv[i]);
		n += !stat(path, &st);
	}
	return n;
}

int fp_dpdk_probe(char *why, size_t len)
{
	long huge = meminfo("HugePages_Free");
	bool root = geteuid() == 0;

	if (!root && access("/dev/hugepages", W_OK)) {
		snprintf(why, len,
			 "not root: DPDK needs root (or CAP_SYS_ADMIN, CAP_IPC_LOCK and access "
			 "to /dev/hugepages and the device)");
		return -EPERM;
	}
	snprintf(why, len,
		 "%s; %s; %s; supports --queues N (per-queue counts in run.json), "
		 "--sizes imix|SIZE:WEIGHT (pkt only)",
		 rte_version(),
		 huge > 0 ? "hugepages free"
			  : "no free hugepages: runs only with --eal '--no-huge -m 256'",
		 bound_ports() ? "a PCI driver for DPDK is loaded"
			       : "no vfio-pci/uio driver: virtual devices only "
				 "(--port net_memif0,... or net_af_xdp0,iface=...)");
	return 0;
}

/* ---------- EAL arguments ---------- */

static int add_arg(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add_arg(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n >= MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->buf) - a->used)
		return -E2BIG;
	a->v[a->n++] = a->buf + a->used;
	a->used += (size_t)n + 1;
	return 0;
}

static bool has_arg(const struct args *a, const char *const *names)
{
	for (int i = 1; i < a->n; i++)
		for (const char *const *p = names; *p; p++)
			if (!strncmp(a->v[i], *p, strlen(*p)))
				return true;
	return false;
}

static bool is_pci(const char *s)
{
	unsigned d, b, dev, f;
	char tail;

	return sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &f, &tail) == 4 ||
	       sscanf(s, "%x:%x.%x%c", &b, &dev, &f, &tail) == 3;
}

/* The value of key= in a vdev's argument list, or "". */
static void kv(const char *spec, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	out[0] = 0;
	for (const char *p = strchr(spec, ','); p; p = strchr(p + 1, ',')) {
		if (!strncmp(p + 1, key, kl) && p[1 + kl] == '=') {
			const char *v = p + 2 + kl, *end = strchr(v, ',');
			size_t n = end ? (size_t)(end - v) : strlen(v);

			snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), v);
			return;
		}
	}
}

/* The name of the interface that holds IPv4 address ip (host order). */
static int iface_of(uint32_t ip, char *name)
{
	struct ifaddrs *ifa, *i;
	int ret = -ENODEV;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		if (ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr) == ip) {
			snprintf(name, IF_NAMESIZE, "%s", i->ifa_name);
			ret = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return ret;
}

/* The engine's own options (`fabprobe run --engine dpdk`). */

#define DPDK_OPT(n, t, f, d, lo, hi, env, mv, h)                                                   \
	{                                                                                          \
		n, t, offsetof(struct dpdk_opts, f), d, lo, hi, NULL, env, mv, h                   \
	}

const struct fp_opt fp_dpdk_opts[] = {
	DPDK_OPT("port", FP_OPT_STRING, port, NULL, 0, 0, "FABPROBE_PORT", "SPEC",
		 "PCI address or vdev (net_memif0,socket=/tmp/m.sock | net_af_xdp0,iface=veth0 | "
		 "net_null0)"),
	DPDK_OPT("eal", FP_OPT_STRING, eal, NULL, 0, 0, "FABPROBE_EAL", "ARGS",
		 "EAL arguments, e.g. '--no-huge -m 256' (also: everything after --)"),
	DPDK_OPT("dst-mac", FP_OPT_STRING, dst_mac, NULL, 0, 0, NULL, "MAC",
		 "send every frame to this MAC instead of the resolved next hop"),
	DPDK_OPT("check", FP_OPT_BOOL, check, NULL, 0, 0, NULL, NULL,
		 "verify every payload received: UDP checksum and pattern"),
	DPDK_OPT("queues", FP_OPT_INT, queues, "1", 1, FP_PKT_MAXQ, NULL, "N",
		 "queue pairs on the port; each flow sends on queue (UDP source port mod N) and "
		 "receive spreads by RSS where the port has it"),
	DPDK_OPT("test-skip-seq", FP_OPT_INT, skip_seq, "-1", -1, UINT32_MAX - 1, NULL, "SEQ",
		 "testing: frame SEQ of each phase \"leaves\" but is never sent (-1: off)"),
	DPDK_OPT("dscp", FP_OPT_INT, dscp, "0", 0, 63, NULL, "DSCP",
		 "the DSCP of every frame's IPv4 header (run --class tclass= sets it)"),
	FP_OPT_END,
};

/*
 * One lcore: the CPU this rank was pinned to (or the first it may use). Several (one per
 * queue, and in run the main one): lcores 0..n-1 floating over every CPU the rank may use,
 * so more lcores than CPUs still run (EAL's --lcores '(0-3)@(0,1)').
 */
static int add_lcores(struct args *a, int n)
{
	char cpus[256];
	size_t o = 0;
	cpu_set_t set;
	int cpu = 0;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		CPU_ZERO(&set);
		CPU_SET(0, &set);
	}
	if (n == 1) {
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
			;
		return add_arg(a, "-l%d", cpu < CPU_SETSIZE ? cpu : 0);
	}
	cpus[0] = 0;
	for (cpu = 0; cpu < CPU_SETSIZE && o + 8 < sizeof(cpus); cpu++)
		if (CPU_ISSET(cpu, &set))
			o += (size_t)snprintf(cpus + o, sizeof(cpus) - o, "%s%d", o ? "," : "",
					      cpu);
	return add_arg(a, "--lcores=(0-%d)@(%s)", n - 1, cpus[0] ? cpus : "0");
}

int fp_dpdk_build_args(struct fp_engine *e, const struct fp_engine_params *p, struct args *a,
		       char *portname, size_t plen)
{
	static const char *const prefix[] = { "--file-prefix", NULL };
	static const char *const cores[] = { "-l", "-c", "--lcores", NULL };
	static const char *const logs[] = { "--log-level", NULL };
	static const char *const nohuge[] = { "--no-huge", "--in-memory", NULL };
	static const char *const allow[] = { "-a", "--allow", "-b", "--block", "--no-pci", NULL };
	const struct dpdk_opts *o = p->cfg;
	const char *port = o->port ? o->port : "";
	char expanded[512];
	const char *eal = o->eal ? o->eal : "";
	char tok[512], val[256];
	int ret = add_arg(a, "fabprobe");

	/* the user's EAL arguments, split on blanks */
	for (const char *s = eal; *s && !ret;) {
		size_t n;

		while (isspace((unsigned char)*s))
			s++;
		n = strcspn(s, " \t\n");
		if (!n)
			break;
		if (n >= sizeof(tok)) {
			fp_dpdk_say(e, "an EAL argument is longer than %zu bytes", sizeof(tok) - 1);
			return -E2BIG;
		}
		ret = add_arg(a, "%.*s", (int)n, s);
		s += n;
	}
	/* and those after "--", one argument each */
	for (int i = 0; i < p->nrest && !ret; i++)
		ret = add_arg(a, "%s", p->rest[i]);
	if (!ret && !has_arg(a, prefix)) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		ret = add_arg(a, "--file-prefix=fabprobe-%d-r%d", (int)getpid(), p->rank);
		e->own_prefix = true;
		/* where the EAL will put its runtime files (eal_get_runtime_dir's rule) */
		snprintf(e->rundir, sizeof(e->rundir), "%s/dpdk/fabprobe-%d-r%d",
			 !geteuid() ? "/var/run"
			 : xdg	    ? xdg
				    : "/tmp",
			 (int)getpid(), p->rank);
	}
	/* pkt: an lcore per queue, the main one running queue 0; run: a worker per queue and
	 * the main lcore that runs the runner */
	if (!ret && !has_arg(a, cores))
		ret = add_lcores(a, o->queues <= 1	 ? 1
				    : o->lcore_per_queue ? (int)o->queues
							 : (int)o->queues + 1);
	if (!ret && !has_arg(a, logs))
		ret = add_arg(a, "--log-level=*:warning");
	if (!ret)
		ret = add_arg(a, "--no-telemetry");
	if (!ret && !has_arg(a, nohuge) && meminfo("HugePages_Free") <= 0) {
		fp_dpdk_say(
			e,
			"no free hugepages; reserve some (echo 512 > /proc/sys/vm/nr_hugepages) or "
			"run with --eal '--no-huge -m 256'");
		return -ENOMEM;
	}
	portname[0] = 0;
	/* "af_xdp" / "af_packet": the kernel interface that holds this rank's address */
	if (!ret && (!strncmp(port, "af_xdp", 6) || !strncmp(port, "af_packet", 9)) &&
	    (port[port[3] == 'x' ? 6 : 9] == 0 || port[port[3] == 'x' ? 6 : 9] == ',')) {
		char ifname[IF_NAMESIZE];
		size_t kl = port[3] == 'x' ? 6 : 9;

		if (iface_of(e->ip, ifname)) {
			fp_dpdk_say(e, "--port %.*s: no interface holds %s (--bind)", (int)kl, port,
				    p->bind);
			return -ENODEV;
		}
		snprintf(expanded, sizeof(expanded), "net_%.*s0,iface=%s%s", (int)kl, port, ifname,
			 port + kl);
		port = expanded;
	}
	if (!ret && *port) {
		snprintf(portname, plen, "%.*s", (int)strcspn(port, ","), port);
		if (is_pci(port)) {
			ret = add_arg(a, "-a%s", port);
		} else if (!strncmp(port, "net_memif", 9)) {
			/* two ranks, one link: rank 0 serves, rank 1 connects */
			char sock[256];

			kv(port, "role", val, sizeof(val));
			kv(port, "socket", sock, sizeof(sock));
			if (!val[0] && p->size != 2) {
				fp_dpdk_say(e, "memif is a point-to-point link: 2 ranks, not %d",
					    p->size);
				return -EINVAL;
			}
			/* a stale socket file makes the client see nothing */
			e->memif_server = val[0] ? !strcmp(val, "server") : p->rank == 0;
			if (e->memif_server && sock[0]) {
				struct stat st;

				if (!stat(sock, &st) && S_ISSOCK(st.st_mode))
					unlink(sock);
			}
			kv(port, "socket-abstract", val, sizeof(val));
			ret = add_arg(a, "--vdev=%s%s%s", port,
				      strstr(port, "role=") ? ""
				      : p->rank == 0	    ? ",role=server"
							    : ",role=client",
				      val[0] || !sock[0] ? "" : ",socket-abstract=no");
		} else {
			ret = add_arg(a, "--vdev=%s", port);
		}
		/* a virtual device needs no PCI scan; the host's own NICs stay untouched */
		if (!ret && !is_pci(port) && !has_arg(a, allow))
			ret = add_arg(a, "--no-pci");
		kv(port, "iface", val, sizeof(val));
		if (val[0] &&
		    (!strncmp(port, "net_af_xdp", 10) || !strncmp(port, "net_af_packet", 13))) {
			e->kernel_if = true;
			snprintf(e->ifname, sizeof(e->ifname), "%s", val);
		}
	}
	if (ret == -E2BIG)
		fp_dpdk_say(e, "too many EAL arguments");
	a->v[a->n] = NULL;
	return ret;
}

/* The EAL leaves its runtime folder (sockets, config) behind; remove the one we named. */
void fp_dpdk_remove_rundir(const char *dir)
{
	DIR *d = dir[0] ? opendir(dir) : NULL;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}
