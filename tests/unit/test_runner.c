// SPDX-License-Identifier: MIT
/*
 * The runner driven end to end through the null engine: fp_run_parse() and fp_run() as
 * `fabprobe run` calls them, --np ranks forked from this process, no network. Every pattern
 * must move exactly --iters messages per flow, and the planted faults (an error, lost
 * messages, a rank that dies, Ctrl-C) must end as failed or interrupted runs whose result
 * folder says so.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../benches/runner.h"
#include "t.h"

static char top[64];

/* fabprobe run PATTERN --engine null --np NP ... --output TOP/NAME: its exit status. */
static int run(const char *name, const char *pattern, int np, const char *const *extra)
{
	static char *argv[64];
	char out[128], nps[16];
	const char *base[] = { pattern,	  "--engine", "null",	   "--np", nps,	       "--output",
			       out,	  "--quiet",  "--pin",	   "none", "--warmup", "3",
			       "--iters", "40",	      "--timeout", "2s",   "--sizes",  "8,1K" };
	const char *pos[2];
	struct fp_run_cfg cfg;
	char err[256];
	int argc = 0, npos = 0;

	snprintf(out, sizeof(out), "%s/%s", top, name);
	snprintf(nps, sizeof(nps), "%d", np);
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		argv[argc++] = (char *)base[i];
	for (size_t i = 0; extra && extra[i]; i++)
		argv[argc++] = (char *)extra[i];
	memset(&cfg, 0, sizeof(cfg));
	cfg.local_rank = -1;
	if (fp_run_parse(&cfg, argc, argv, pos, 2, &npos, err, sizeof(err)) || npos != 1) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	cfg.pattern = pos[0];
	cfg.argc = argc;
	cfg.argv = argv;
	fp_stop = 0;
	return fp_run(&cfg);
}

/* argv as fp_run_parse sees it: 0 or -errno, and the engine's bytes of options. */
static int parse(struct fp_run_cfg *cfg, int argc, const char **args)
{
	const char *pos[2];
	char err[256];
	int npos;

	memset(cfg, 0, sizeof(*cfg));
	return fp_run_parse(cfg, argc, (char **)args, pos, 2, &npos, err, sizeof(err));
}

/* Engine options reach the engines that know them, whichever engine runs. */
static void routing(void)
{
	const char *ok[] = { "ring", "--engine", "null", "--check", "--port", "x", "--sizes",
			     "8",    "--op",	 "send", "--",	    "a",      "b" };
	const char *bad_value[] = { "ring", "--engine", "null", "--gid-index", "x" };
	const char *unknown[] = { "ring", "--engine", "null", "--no-such-option" };
	const char *dangling[] = { "ring", "--delay" };
	struct fp_run_cfg cfg;

	CHECK(!parse(&cfg, 13, ok) && cfg.nrest == 2 && !strcmp(cfg.rest[1], "b") &&
		      cfg.sizes.n == 1 && cfg.sizes.v[0] == 8 && !strcmp(cfg.engine, "null"),
	      "other engines' options are accepted, -- args kept");
	CHECK(parse(&cfg, 5, bad_value) == -EINVAL, "a bad verbs value is refused under null");
	CHECK(parse(&cfg, 4, unknown) == -EINVAL, "an option no table knows is refused");
	CHECK(parse(&cfg, 2, dangling) == -EINVAL, "an engine option without its value");
}

/* The whole of TOP/NAME/FILE, or NULL. */
static char *slurp(const char *name, const char *file)
{
	char path[256], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s/%s", top, name, file);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The string value of "key" in run.json ("" if absent). */
static void json_str(const char *name, const char *key, char *val, size_t len)
{
	char *j = slurp(name, "run.json"), pat[64], *p;

	val[0] = 0;
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = j ? strstr(j, pat) : NULL;
	if (p && (p = strchr(p + strlen(pat), '"')))
		snprintf(val, len, "%.*s", (int)strcspn(p + 1, "\""), p + 1);
	free(j);
}

/*
 * flows.csv: rows (one per flow, round and size), and whether every one moved iters
 * messages both ways with a null identity (a latency-only flow: none, and a latency).
 */
static int flow_rows(const char *name, long iters, bool *exact)
{
	char *csv = slurp(name, "flows.csv"), *line, *sv = NULL;
	int rows = 0;

	*exact = csv != NULL;
	for (line = csv ? strtok_r(csv, "\n", &sv) : NULL; line; line = strtok_r(NULL, "\n", &sv)) {
		char *col[24], *cs = NULL;
		int n = 0;

		if (!strncmp(line, "size,", 5))
			continue;
		for (char *c = strtok_r(line, ",", &cs); c && n < 24; c = strtok_r(NULL, ",", &cs))
			col[n++] = c;
		rows++;
		/* 5 proto, 12 rx_msgs, 16 lat_p50_us, 18 tx_msgs (results/README.md) */
		if (n < 19 || strcmp(col[5], "null") || atol(col[12]) != iters ||
		    atol(col[18]) != iters || (!iters && !(atof(col[16]) > 0)))
			*exact = false;
	}
	free(csv);
	return rows;
}

static void every_pattern(void)
{
	static const struct {
		const char *name;
		int np, rows; /* flows x rounds x 2 sizes */
	} pats[] = {
		{ "pingpong", 2, 2 },  { "stream", 4, 4 },	 { "alltoall", 3, 12 },
		{ "pairs", 4, 24 },    { "ring", 3, 6 },	 { "incast", 3, 4 },
		{ "broadcast", 3, 4 }, { "permutation", 4, 32 },
	};

	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		char status[32];
		bool exact;
		int rc = run(pats[i].name, pats[i].name, pats[i].np, NULL), rows;

		json_str(pats[i].name, "status", status, sizeof(status));
		rows = flow_rows(pats[i].name, strcmp(pats[i].name, "pingpong") ? 40 : 0, &exact);
		CHECK(rc == 0 && !strcmp(status, "complete"), "%s: exit %d, status '%s'",
		      pats[i].name, rc, status);
		CHECK(rows == pats[i].rows && exact, "%s: %d flow rows (want %d), exact %d",
		      pats[i].name, rows, pats[i].rows, exact);
	}
}

/* A 1 ms delay per message: no round trip can be measured shorter than 2 ms. */
static void delay(void)
{
	const char *x[] = { "--delay", "1ms", "--iters", "10", NULL };
	char *csv;
	double min_us = 0;
	int rc = run("delay", "pingpong", 2, x);

	csv = slurp("delay", "lat.csv");
	/* size,iters,min_us,...: the first data row */
	if (csv && strchr(csv, '\n'))
		sscanf(strchr(csv, '\n') + 1, "%*[^,],%*[^,],%lf", &min_us);
	CHECK(rc == 0 && min_us >= 1000.0, "exit %d, one-way min %.1f us (want >= 1000)", rc,
	      min_us);
	free(csv);
}

/*
 * Round trips of 500 ms (--delay 250ms) against latency chunks cut at 200 ms (10 x 20 ms;
 * an eighth of --timeout 2s would be 250), an initiator awaiting its reply 200 ms later
 * still: every round trip's reply is left to the next chunk. Every round trip is still a
 * sample (iters x 1 flow), none shorter than what it waited before the cut (400 ms: 200 us
 * one-way would be the wait after the exchange alone).
 */
static void cut(void)
{
	const char *x[] = { "--delay", "250ms",	  "--iters", "3",      "--warmup", "0", "--timeout",
			    "2s",      "--sizes", "8",	     "--poll", "event",	   NULL };
	char *csv;
	double min_us = 0;
	unsigned long iters = 0;
	int rc = run("cut", "pingpong", 2, x);

	csv = slurp("cut", "lat.csv");
	if (csv && strchr(csv, '\n'))
		sscanf(strchr(csv, '\n') + 1, "%*[^,],%lu,%lf", &iters, &min_us);
	CHECK(rc == 0 && iters == 3 && min_us >= 200000.0,
	      "exit %d, %lu round trips timed (want 3), one-way min %.1f us (want >= 200000)", rc,
	      iters, min_us);
	free(csv);
}

/*
 * A rank whose messages all arrive 10 ms late: the straggler report must name its three
 * flows as the slowest pairs. The ranks sleep when idle (--poll event), so that on a
 * machine with fewer cores than ranks the planted delay, not the scheduler, is what is slow.
 */
static void straggler(void)
{
	const char *x[] = { "--fault-rank", "2",  "--slow", "10ms",  "--sizes", "1K",
			    "--iters",	    "20", "--poll", "event", NULL };
	char *j, *p;
	int rc = run("straggler", "pairs", 4, x), from2 = 0;

	j = slurp("straggler", "run.json");
	p = j ? strstr(j, "\"slowest_pairs\"") : NULL;
	for (int i = 0; p && i < 3; i++)
		if ((p = strstr(p, "\"src\":")) && atoi(p += strlen("\"src\":")) == 2)
			from2++;
	CHECK(rc == 0 && from2 == 3, "exit %d, %d of the 3 slowest pairs from rank 2", rc, from2);
	free(j);
}

static void failed(const char *name, const char *pattern, int np, const char *const *x, int want_rc,
		   const char *want_status, const char *want_err)
{
	char status[32], err[512];
	int rc = run(name, pattern, np, x);

	json_str(name, "status", status, sizeof(status));
	json_str(name, "error", err, sizeof(err));
	CHECK(rc == want_rc && !strcmp(status, want_status) && strstr(err, want_err),
	      "%s: exit %d (want %d), status '%s' (want %s), error '%s' (want '%s')", name, rc,
	      want_rc, status, want_status, err, want_err);
}

static void faults(void)
{
	const char *err_at[] = { "--fault-rank", "1", "--error-at", "20", NULL };
	const char *drop_at[] = { "--fault-rank", "2", "--drop-at", "10", "--timeout", "1s", NULL };
	const char *drop_dur[] = { "--fault-rank", "2",		 "--drop-at", "10", "--timeout",
				   "1s",	   "--duration", "3s",	      NULL };
	const char *drop_lat[] = { "--fault-rank", "2",	      "--drop-at", "10", "--timeout",
				   "2s",	   "--iters", "10",	   NULL };
	const char *drop_reply[] = { "--fault-rank", "3",	   "--drop-at", "10", "--timeout",
				     "4s",	     "--duration", "3s",	NULL };
	/* counted, not timed: 8000 round trips of at least 200 us (--delay) take pair 0-1
	 * past the --timeout its stalled peers would wait for the phase's end */
	const char *drop_long[] = { "--fault-rank", "2",    "--drop-at", "10",	  "--timeout", "1s",
				    "--iters",	    "8000", "--delay",	 "100us", NULL };
	/* the same in bandwidth: 12800 messages, 64 a window, each 10 ms on its way (--delay)
	 * take pair 0-1 about 2 s, past the 1 s the stalled ranks would wait in one rendezvous */
	const char *drop_long_bw[] = {
		"--fault-rank", "2",	   "--drop-at", "10",	   "--timeout", "1s", "--iters",
		"12800",	"--delay", "10ms",	"--sizes", "8",		NULL
	};
	/* a connection that breaks alone (a verbs QP whose retries ran out): no stall time */
	const char *dead_at[] = { "--fault-rank", "2", "--dead-at", "30", "--timeout", "4s", NULL };
	const char *die_at[] = {
		"--fault-rank", "1", "--die-at", "15", "--timeout", "300ms", NULL
	};
	/* rank 0 is this process: the signal lands on fp_run's own handler */
	const char *intr[] = { "--fault-rank", "0", "--interrupt-at", "60", NULL };
	char *j, *p;

	/* rank 1 fails and closes: the others see its connections reset */
	failed("error", "alltoall", 3, err_at, 1, "failed", "closed the connection");
	/* rank 2's messages vanish: its flow to rank 3 stalls (half the timeout), the other
	 * finishes, and the run ends failed with the stalled flow recorded, bytes and all */
	failed("drop", "stream", 4, drop_at, 1, "failed",
	       "1 flow stalled in bandwidth 8 round 1/1: no progress for 0.5 s");
	j = slurp("drop", "run.json");
	/* nothing measured is lost: the size keeps flow 0 -> 1, marked incomplete */
	p = j ? strstr(j, "\"results\": [") : NULL;
	CHECK(p && strstr(p, "\"size\": 8,\n      \"complete\": false") &&
		      strstr(p, "\"flows\": 1,") && !strstr(p, "\"size\": 1024"),
	      "the stalled size keeps the other flow's rate, marked incomplete: %.300s",
	      p ? p : "none");
	p = j ? strstr(j, "\"failed_flows\"") : NULL;
	if (p && strstr(p, "\n  ]")) /* the list alone */
		*strstr(p, "\n  ]") = 0;
	CHECK(p && strstr(p, "\"src\": 2") && strstr(p, "\"dst\": 3") &&
		      strstr(p, "\"stalled\": true") && strstr(p, "\"bytes\": ") &&
		      !strstr(p, "\"src\": 0"),
	      "the stalled flow 2 -> 3 in failed_flows, and only it: %s", p ? p : "none");
	free(j);
	/* with --duration (3 s, past --timeout): the stalled ranks wait for the deadline the
	 * others run to, instead of giving up on them in the rendezvous, losing the report */
	failed("dropdur", "stream", 4, drop_dur, 1, "failed",
	       "1 flow stalled in bandwidth 8 round 1/1: no progress for 0.5 s");
	/* the replies lost instead, under --duration: the responder is one round trip ahead
	 * of its initiator when both stall, which the chunks' exchange took for bad counts */
	failed("dropreply", "pingpong", 4, drop_reply, 1, "failed",
	       "1 flow stalled in latency 8 round 1/1: no progress for 2 s");
	/* the same in ping-pong: pair 2-3's round trips stop, pair 0-1's finish (under ASan
	 * and load a null round trip can take 20 ms: the ranks that stall first wait for the
	 * others in the rendezvous, which gives up at --timeout, so 2 s, and 10 of them) */
	failed("droplat", "pingpong", 4, drop_lat, 1, "failed",
	       "1 flow stalled in latency 8 round 1/1: no progress for 1 s");
	j = slurp("droplat", "run.json");
	/* the size's round trips are pair 0-1's ten, not the stalled pair's */
	p = j ? strstr(j, "\"results\": [") : NULL;
	CHECK(p && strstr(p, "\"complete\": false") && strstr(p, "\"samples\": 10,"),
	      "the stalled latency size keeps pair 0-1's 10 round trips: %.300s", p ? p : "none");
	p = j ? strstr(j, "\"failed_flows\"") : NULL;
	if (p && strstr(p, "\n  ]"))
		*strstr(p, "\n  ]") = 0;
	CHECK(p && strstr(p, "\"src\": 2") && strstr(p, "\"dst\": 3") &&
		      strstr(p, "\"stalled\": true") && !strstr(p, "\"src\": 0"),
	      "the stalled ping-pong 2 -> 3 in failed_flows, and only it: %s", p ? p : "none");
	free(j);
	/* counted bandwidth goes in slices of a quarter of --timeout for the same reason, and
	 * the flow that finished keeps every message */
	failed("droplongbw", "stream", 4, drop_long_bw, 1, "failed",
	       "1 flow stalled in bandwidth 8 round 1/1: no progress for 0.5 s");
	j = slurp("droplongbw", "run.json");
	p = j ? strstr(j, "\"results\": [") : NULL;
	CHECK(p && strstr(p, "\"rx_msgs\": 12800,"), "droplongbw: flow 0 -> 1 kept whole: %.300s",
	      p ? p : "none");
	free(j);
	/* the engine says a connection broke: its flow stalls at once, in bandwidth (the run
	 * ends well before the 2 s a stall takes) and ping-pong, and says why */
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "deadlat" : "dead";
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		failed(name, i ? "pingpong" : "stream", 4, dead_at, 1, "failed",
		       i ? "1 flow stalled in latency 8" : "1 flow stalled in bandwidth 8");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		j = slurp(name, "run.json");
		p = j ? strstr(j, "\"failed_flows\"") : NULL;
		CHECK(p && strstr(p, "\"src\": 2") && strstr(p, "its connection broke mid-run") &&
			      (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 < 1.9,
		      "%s: the broken flow in failed_flows at once: %.200s", name, p ? p : "none");
		free(j);
	}
	/* latency goes in chunks with or without --duration, so the ranks whose flows stalled
	 * wait for the others' next exchange, not for the whole phase past --timeout */
	failed("droplong", "pingpong", 4, drop_long, 1, "failed",
	       "1 flow stalled in latency 8 round 1/1: no progress for 0.5 s");
	/* the dead rank's own status (3) is the run's; its peers' flows stall, and the
	 * rendezvous finds it gone before any stall report */
	failed("die", "ring", 3, die_at, 3, "failed",
	       "rank 1 closed its rendezvous connection (died or was killed)");
	failed("interrupt", "ring", 3, intr, 1, "interrupted", "rank 0: interrupted");
	/* what was measured before Ctrl-C is kept: the first size (about 47 sends) is done */
	j = slurp("interrupt", "run.json");
	CHECK(j && strstr(j, "\"complete\": false") && strstr(j, "\"size\": 8"),
	      "interrupted run.json keeps the first size");
	free(j);
	fp_stop = 0;
}

/* the failed_flows list of run NAME alone (a string to free), or NULL */
static char *failed_list(const char *name)
{
	char *j = slurp(name, "run.json"), *p = j ? strstr(j, "\"failed_flows\"") : NULL, *q;

	if (!p) {
		free(j);
		return NULL;
	}
	q = strstr(p, "\n  ]");
	if (q)
		*q = 0;
	memmove(j, p, strlen(p) + 1);
	return j;
}

/* how many times needle occurs in hay */
static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *q = hay; (q = strstr(q, needle)); q += strlen(needle))
		n++;
	return n;
}

/*
 * A collective that stalls (issue 18): every rank waits --timeout, then the flow that held
 * them is recorded, not the ranks downstream that waited on it. Ring allreduce over 4 ranks
 * with rank 1's messages vanishing: flow 1 -> 2 alone (2 -> 3, 3 -> 0 and 0 -> 1 waited
 * upstream); the double binary tree over 5: only flows from rank 1; allgather with rank 2's
 * connection breaking: flow 2 -> 3, broken. The collectives themselves, checked, complete.
 */
static void coll_stall(void)
{
	const char *ok[] = { "--check", NULL };
	const char *drop[] = { "--fault-rank", "1", "--drop-at", "10", "--timeout", "1s", NULL };
	const char *tree[] = { "--fault-rank", "1",	 "--drop-at", "10", "--timeout",
			       "1s",	       "--algo", "tree",      NULL };
	const char *dead[] = { "--fault-rank", "2", "--dead-at", "10", "--timeout", "1s", NULL };
	const char *tdead[] = { "--fault-rank", "1",	  "--dead-at", "10", "--timeout",
				"1s",		"--algo", "tree",      NULL };
	char status[32], *p;
	int rc = run("collok", "allreduce", 4, ok);

	json_str("collok", "status", status, sizeof(status));
	CHECK(rc == 0 && !strcmp(status, "complete"), "allreduce --check on null: exit %d, %s", rc,
	      status);
	failed("collring", "allreduce", 4, drop, 1, "failed",
	       "1 flow stalled in allreduce 8: data sent on it never arrived");
	p = failed_list("collring");
	CHECK(p && strstr(p, "\"src\": 1,\n      \"dst\": 2") && !strstr(p, "\"src\": 0") &&
		      !strstr(p, "\"src\": 2") && !strstr(p, "\"src\": 3") &&
		      strstr(p, "\"stalled\": true") && strstr(p, "sent never arrived"),
	      "ring: flow 1 -> 2 alone in failed_flows: %s", p ? p : "none");
	free(p);
	failed("colltree", "allreduce", 5, tree, 1, "failed", "stalled in allreduce 8");
	p = failed_list("colltree");
	CHECK(p && strstr(p, "\"src\": 1,") && !strstr(p, "\"src\": 0") &&
		      !strstr(p, "\"src\": 2") && !strstr(p, "\"src\": 3") &&
		      !strstr(p, "\"src\": 4"),
	      "tree: only rank 1's flows in failed_flows: %s", p ? p : "none");
	free(p);
	failed("colldead", "allgather", 4, dead, 1, "failed", "1 flow stalled in allgather 8");
	p = failed_list("colldead");
	CHECK(p && strstr(p, "\"src\": 2,\n      \"dst\": 3") &&
		      strstr(p, "its connection broke mid-collective") && !strstr(p, "\"src\": 1"),
	      "allgather: the broken flow 2 -> 3 in failed_flows: %s", p ? p : "none");
	free(p);
	/* one lane of the tree: the connection rank 1 sends its 10th message on breaks; that
	 * flow alone is recorded, not rank 1's other lanes nor the ranks that waited on it */
	failed("colltree1", "allreduce", 5, tdead, 1, "failed", "1 flow stalled in allreduce 8");
	p = failed_list("colltree1");
	CHECK(p && count_of(p, "\"flow\":") == 1 && strstr(p, "\"src\": 1,") &&
		      strstr(p, "its connection broke mid-collective"),
	      "tree: the one broken lane in failed_flows: %s", p ? p : "none");
	free(p);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/fp-test-runner-XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	routing();
	every_pattern();
	delay();
	cut();
	straggler();
	faults();
	coll_stall();
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return t_done("runner");
}
