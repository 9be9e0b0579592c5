// SPDX-License-Identifier: MIT
/*
 * The verdicts of a stalled collective's reports (run_coll_stall.c) on a ring allreduce of 4
 * ranks (flow f: rank f -> f + 1): the flow whose destination waits while its source sent
 * more is stalled, and only it; one whose source could not send is; a broken connection is,
 * broken; flows whose source had not sent yet waited upstream and are not; no report that
 * waits on data sent: none; a report cut short, naming a flow not its rank's, or saying an
 * end twice is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/results.h"
#include "../../core/wire.h"
#include "../../fabric/runtime/rv_codec.h"
#include "t.h"

#define REC 39

struct end {
	int flow, end, wait, dead;
	uint64_t msgs;
};

/* rank k's report from the ends given (flow -1 ends the list) */
static size_t rep(uint8_t *b, const struct end *e)
{
	uint8_t *p = b + 4;
	uint32_t n = 0;

	for (; e->flow >= 0; e++, n++, p += REC) {
		memset(p, 0, REC);
		fp_put_u32(p, (uint32_t)e->flow);
		p[4] = (uint8_t)e->end;
		p[5] = (uint8_t)e->wait;
		p[6] = (uint8_t)e->dead;
		fp_put_u64(p + 7, e->msgs);
		fp_put_u64(p + 15, e->msgs * 1024);
		fp_put_f64(p + 23, 0.5);
		fp_put_f64(p + 31, 2.0);
	}
	fp_put_u32(b, n);
	return (size_t)(p - b);
}

/*
 * The four ranks' ends: rank k sources flow k (sent tx[k] messages, blocked: txw[k]) and
 * receives flow k - 1 (got rx[k], waiting: rxw[k]). The verdict: how many stalled, the
 * first, whether it broke; or the parse's error.
 */
static int judge(const struct fp_sched *s, const int *tx, const int *txw, const int *rx,
		 const int *rxw, int dead, struct fp_run_data *d, unsigned *n, uint32_t *first)
{
	uint8_t buf[4][4 + 2 * REC];
	uint8_t all_data[4 * (4 + 2 * REC)];
	uint32_t off[4], len[4], o = 0;
	struct fp_rv_blobs all = { .n = 4, .data = all_data, .off = off, .len = len };

	for (int k = 0; k < 4; k++) {
		struct end e[3] = { { k, 0, txw[k], dead == k, (uint64_t)tx[k] },
				    { (k + 3) % 4, 1, rxw[k], dead == (k + 3) % 4,
				      (uint64_t)rx[k] },
				    { -1, 0, 0, 0, 0 } };

		len[k] = (uint32_t)rep(buf[k], e);
		off[k] = o;
		memcpy(all_data + o, buf[k], len[k]);
		o += len[k];
	}
	*n = 0;
	*first = 0;
	d->nfailed = 0;
	return fp_run_coll_stall_parse(s, d, &all, 4096, 0, 2, n, first);
}

int main(void)
{
	struct fp_pattern_opts po = { 0 };
	struct fp_sched s = { 0 };
	struct fp_run_data d = { .sched = &s };
	char err[128];
	unsigned n;
	uint32_t first;
	/* rank 1 sent 3 on flow 1, rank 2 got 2: 1 -> 2 held the ring; the others wait on
	 * sources that sent as much as arrived */
	int tx[4] = { 2, 3, 2, 2 }, txw[4] = { 0 }, rx[4] = { 2, 2, 2, 2 }, rxw[4] = { 1, 1, 1, 1 };

	CHECK(!fp_sched_build(&s, fp_pattern_find("allreduce"), 4, &po, err, sizeof(err)) &&
		      s.nflows == 4 && s.flows[1].src == 1 && s.flows[1].dst == 2,
	      "a ring allreduce of 4: flow 1 is 1 -> 2");
	rx[2] = 2;
	CHECK(!judge(&s, tx, txw, rx, rxw, -1, &d, &n, &first) && n == 1 && first == 1 &&
		      d.nfailed == 1 && d.failed[0].flow == 1 && d.failed[0].stalled &&
		      !d.failed[0].dead && strstr(d.failed[0].error, "1 message sent never"),
	      "sent ahead: flow 1 alone (%u, first %u)", n, first);
	/* nobody ahead: every rank waits upstream */
	tx[1] = 2;
	CHECK(!judge(&s, tx, txw, rx, rxw, -1, &d, &n, &first) && n == 0 && d.nfailed == 0,
	      "upstream only: none (%u)", n);
	/* rank 1 could not send on flow 1 (a full window): stalled */
	txw[1] = 1;
	CHECK(!judge(&s, tx, txw, rx, rxw, -1, &d, &n, &first) && n == 1 && first == 1 &&
		      strstr(d.failed[0].error, "could not send"),
	      "blocked sender: flow 1 (%u)", n);
	txw[1] = 0;
	/* flow 2's connection broke */
	CHECK(!judge(&s, tx, txw, rx, rxw, 2, &d, &n, &first) && n == 1 && first == 2 &&
		      d.failed[0].dead,
	      "broken: flow 2, dead (%u, first %u)", n, first);
	/* its destination not waiting: no stall, whatever the source sent */
	tx[1] = 3;
	rxw[2] = 0;
	CHECK(!judge(&s, tx, txw, rx, rxw, -1, &d, &n, &first) && n == 0,
	      "destination not waiting: none (%u)", n);
	/* refused: a report cut short, and a rank naming a flow it is no end of */
	{
		uint8_t b[4 + REC];
		uint32_t off[4] = { 0, 0, 0, 0 }, len[4] = { 4 + REC - 1, 0, 0, 0 };
		struct fp_rv_blobs all = { .n = 1, .data = b, .off = off, .len = len };
		struct end e[2] = { { 0, 0, 0, 0, 1 }, { -1, 0, 0, 0, 0 } };

		rep(b, e);
		n = 0;
		CHECK(fp_run_coll_stall_parse(&s, &d, &all, 4096, 0, 2, &n, &first) == -EBADMSG,
		      "cut short: refused");
		e[0].flow = 2; /* rank 0 is no end of 2 -> 3 */
		len[0] = (uint32_t)rep(b, e);
		CHECK(fp_run_coll_stall_parse(&s, &d, &all, 4096, 0, 2, &n, &first) == -EBADMSG,
		      "not its flow: refused");
	}
	free(d.failed);
	fp_sched_destroy(&s);
	return t_done("coll_stall");
}
