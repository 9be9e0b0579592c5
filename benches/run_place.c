// SPDX-License-Identifier: MIT
/*
 * Placement: the CPU a rank is pinned to and the address its data leaves from.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "run_priv.h"

/*
 * Pin this rank to one CPU: two busy-polling ranks that share a core, or migrate, measure
 * the scheduler rather than the transport. The local rank picks the CPU.
 */
int fp_run_pin_cpu(const struct fp_run_cfg *cfg, int rank, char *err)
{
	const char *pin = cfg->pin ? cfg->pin : cfg->np > 0 ? "auto" : "none";
	int64_t local = fp_run_local_rank(cfg, rank);
	cpu_set_t allowed, one;
	int cpu = -1, n = 0;

	if (!strcmp(pin, "none"))
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	if (!strcmp(pin, "auto")) {
		int64_t nlocal = cfg->np > 0 ? cfg->np : -1;

		if (nlocal < 0 && fp_run_env_int("OMPI_COMM_WORLD_LOCAL_SIZE", &nlocal))
			nlocal = -1;
		/* more ranks than CPUs here, or unknown: leave placement to the scheduler */
		if (nlocal < 0 || nlocal > CPU_COUNT(&allowed) || local >= nlocal)
			return 0;
		for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
			if (CPU_ISSET(c, &allowed) && n++ == local)
				cpu = c;
	} else {
		const char *p = pin;

		for (int64_t i = 0; i <= local; i++) {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p || v < 0 || v >= CPU_SETSIZE || (*end && *end != ',')) {
				fp_say(err, ERR_LEN,
				       "--pin '%s': a CPU list like 0,2,4, or auto, or none", pin);
				return -EINVAL;
			}
			cpu = (int)v;
			if (!*end) {
				if (i < local)
					cpu = -1; /* the list is shorter than the local ranks */
				break;
			}
			p = end + 1;
		}
		if (cpu < 0)
			return 0;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (cpu >= 0 && sched_setaffinity(0, sizeof(one), &one)) {
		fp_say(err, ERR_LEN, "--pin: cannot pin rank %d to CPU %d: %s", rank, cpu,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * --bind 10.99.0.0/16: this host's address inside that subnet, so one launch line serves
 * every host (as NCCL_SOCKET_IFNAME or oob_tcp_if_include do).
 */
int fp_run_resolve_bind(const char *spec, char *out, size_t len, char *err)
{
	char net[64];
	const char *slash = strchr(spec, '/');
	struct in_addr want, have;
	struct ifaddrs *ifa, *i;
	long bits;
	uint32_t mask;

	if (!slash) {
		snprintf(out, len, "%s", spec);
		return 0;
	}
	bits = strtol(slash + 1, NULL, 10);
	snprintf(net, sizeof(net), "%.*s", (int)(slash - spec), spec);
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, net, &want) != 1) {
		fp_say(err, ERR_LEN, "--bind '%s' is not an IPv4 address or subnet (10.99.0.0/16)",
		       spec);
		return -EINVAL;
	}
	mask = bits ? htonl(~0u << (32 - bits)) : 0;
	if (getifaddrs(&ifa)) {
		fp_say(err, ERR_LEN, "--bind: cannot list local addresses: %s", strerror(errno));
		return -errno;
	}
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		have = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		if ((have.s_addr & mask) == (want.s_addr & mask)) {
			inet_ntop(AF_INET, &have, out, (socklen_t)len);
			freeifaddrs(ifa);
			return 0;
		}
	}
	freeifaddrs(ifa);
	fp_say(err, ERR_LEN, "--bind %s: this host has no address in that subnet", spec);
	return -EADDRNOTAVAIL;
}
