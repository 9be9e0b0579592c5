// SPDX-License-Identifier: MIT
/* FEC statistics from ETHTOOL_MSG_FEC_GET replies, and port snapshots from a fixture tree. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../fabric/inventory/fec.h"
#include "t.h"

#define FIXTURES FP_SRCDIR "/tests/fixtures"

/* A reply: nlmsghdr, genlmsghdr, then the attributes in a (already laid out). */
static size_t reply(uint8_t *out, const uint8_t *a, size_t alen)
{
	uint32_t len = (uint32_t)(20 + alen);

	memset(out, 0, 20);
	memcpy(out, &len, 4);
	memcpy(out + 20, a, alen);
	return len;
}

static size_t put_attr(uint8_t *p, uint16_t type, const void *pl, uint16_t plen)
{
	uint16_t len = (uint16_t)(4 + plen);

	memcpy(p, &len, 2);
	memcpy(p + 2, &type, 2);
	memcpy(p + 4, pl, plen);
	memset(p + 4 + plen, 0, (4 - len % 4) % 4);
	return (size_t)(len + 3) & ~(size_t)3;
}

static void parse_cases(void)
{
	uint8_t a[256], nest[128], msg[300];
	uint64_t corr[3] = { 1234, 1000, 234 }, unc[1] = { 7 };
	uint32_t rs = 50;
	struct fp_fec f;
	size_t n = 0, k = 0, len;

	k += put_attr(nest + k, 2, corr, sizeof(corr));
	k += put_attr(nest + k, 3, unc, sizeof(unc));
	n += put_attr(a + n, 4, &rs, 4);
	n += put_attr(a + n, 5 | 0x8000, nest, (uint16_t)k);
	len = reply(msg, a, n);
	CHECK(fp_fec_parse(msg, len, &f) == 0, "a well-formed reply");
	CHECK(f.stats && f.corrected == 1234 && f.uncorrectable == 7, "totals %llu %llu",
	      (unsigned long long)f.corrected, (unsigned long long)f.uncorrectable);
	CHECK(f.lanes == 2 && f.lane_corrected[0] == 1000 && f.lane_corrected[1] == 234, "lanes %u",
	      f.lanes);
	CHECK(!strcmp(f.active, "RS"), "active %s", f.active);
	/* malformed: truncated, a statistic not a whole u64, a length past the end */
	CHECK(fp_fec_parse(msg, len - 3, &f) == -EBADMSG, "truncated");
	/* FEC off, no statistics: known to be absent, not zero */
	n = put_attr(a, 4, &(uint32_t){ 49 }, 4);
	CHECK(fp_fec_parse(msg, reply(msg, a, n), &f) == 0 && !f.stats && !strcmp(f.active, "off"),
	      "no statistics");
	k = put_attr(nest, 2, "abc", 3);
	n = put_attr(a, 5 | 0x8000, nest, (uint16_t)k);
	CHECK(fp_fec_parse(msg, reply(msg, a, n), &f) == -EBADMSG, "odd statistic");
	CHECK(fp_fec_parse(msg, 10, &f) == -EBADMSG, "shorter than the headers");
	memset(&f, 0x5a, sizeof(f));
	n = put_attr(a, 4, &rs, 4);
	a[0] = 200;
	CHECK(fp_fec_parse(msg, reply(msg, a, n), &f) == -EBADMSG && f.corrected != 0,
	      "attribute past the end; out-param untouched");
}

static void snap_cases(void)
{
	struct fp_snap s;
	struct fp_fec f;
	uint64_t v = 0;

	CHECK(fp_fec_read(FIXTURES "/portsnap", "eth9", &f) == 0 && f.stats &&
		      f.uncorrectable == 7 && f.corrected == 1234,
	      "the captured reply");
	CHECK(fp_snap_read(FIXTURES "/portsnap", "eth9", &s) == 0, "eth9");
	CHECK(s.fec && fp_snap_get(&s, "fec_uncorrectable", &v) && v == 7, "fec %llu",
	      (unsigned long long)v);
	CHECK(fp_snap_get(&s, "rx_errors", &v) && v == 5, "rx_errors");
	CHECK(fp_snap_get(&s, "carrier_changes", &v) && v == 3, "carrier_changes");
	CHECK(fp_snap_get(&s, "rdma_out_of_sequence", &v) && v == 11, "hw_counters");
	CHECK(fp_snap_get(&s, "rdma_np_cnp_sent", &v) && v == 4, "CNPs sent");
	CHECK(!fp_snap_get(&s, "rdma_lifespan_bad", &v), "a file that is not a number");
	/* a dual-port device: port 2's GID netdev is eth8, so its counters are not eth9's */
	for (unsigned i = 0, k = 0; i < s.n; i++)
		CHECK(strcmp(s.name[i], "rdma_out_of_sequence") || !k++, "rdma name once");
	/* veth: no FEC, said so; its rxe device's counters */
	CHECK(fp_snap_read(FIXTURES "/portsnap", "veth0", &s) == 0 && !s.fec &&
		      !fp_snap_get(&s, "fec_corrected", &v),
	      "veth has no FEC");
	/* Soft-RoCE on veth0: found by its GID's netdev, not a PCI function */
	CHECK(fp_snap_get(&s, "rdma_rcvd_seq_err", &v) && v == 2 &&
		      fp_snap_get(&s, "rdma_retry_exceeded_err", &v) && v == 17,
	      "rxe hw_counters");
	CHECK(fp_snap_read(FIXTURES "/portsnap", "nope0", &s) == -ENOENT, "missing port");
	CHECK(fp_snap_read(FIXTURES "/portsnap", "../x", &s) == -EINVAL, "a path");
}

/*
 * A port with FP_SNAP_MAX - 1 statistics: no room for both fec_* counters, so neither is
 * stored and FEC is unknown (not "0 corrected, 0 uncorrectable").
 */
static void snap_full(void)
{
	char root[] = "/tmp/fp-fec-XXXXXX", d[PATH_MAX], f[PATH_MAX + 16];
	const char *sub[] = { "/sys", "/sys/class", "/sys/class/net", "/sys/class/net/eth9",
			      "/sys/class/net/eth9/statistics" };
	struct fp_snap s;
	struct fp_fec fec;
	uint64_t v;

	if (!mkdtemp(root)) {
		CHECK(0, "mkdtemp");
		return;
	}
	for (unsigned i = 0; i < 5; i++) {
		snprintf(d, sizeof(d), "%s%s", root, sub[i]);
		CHECK(!mkdir(d, 0755), "mkdir %s", d);
	}
	snprintf(f, sizeof(f), "%s/ethtool", root);
	CHECK(!symlink(FIXTURES "/portsnap/ethtool", f), "ethtool link");
	for (unsigned i = 0; i < FP_SNAP_MAX - 1; i++) {
		FILE *fp;

		snprintf(f, sizeof(f), "%s/c%03u", d, i);
		fp = fopen(f, "w");
		CHECK(fp && fputs("1\n", fp) >= 0 && !fclose(fp), "write %s", f);
	}
	CHECK(!fp_fec_read(root, "eth9", &fec) && fec.stats, "the FEC reply is there");
	CHECK(fp_snap_read(root, "eth9", &s) == 0 && s.n == FP_SNAP_MAX - 1, "full, %u", s.n);
	CHECK(!s.fec && !fp_snap_get(&s, "fec_corrected", &v), "no room: FEC unknown");
	for (unsigned i = 0; i < FP_SNAP_MAX - 1; i++) {
		snprintf(f, sizeof(f), "%s/c%03u", d, i);
		unlink(f);
	}
	for (unsigned i = 5; i-- > 0;) {
		snprintf(d, sizeof(d), "%s%s", root, sub[i]);
		rmdir(d);
	}
	snprintf(f, sizeof(f), "%s/ethtool", root);
	unlink(f);
	CHECK(!rmdir(root), "clean up %s", root);
}

int main(void)
{
	parse_cases();
	snap_cases();
	snap_full();
	return t_done("fec");
}
