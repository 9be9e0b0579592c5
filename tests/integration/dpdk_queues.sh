# The DPDK engine with several queues and a frame-size mix (issue 20), on real PMDs in
# processes on this host. memif has no RSS: the sender's queue q arrives on the receiver's
# queue q, so per-queue counts must match exactly. More queues than this machine's CPUs
# run as lcores floating over them (EAL --lcores '(0-3)@(0,1)'); `run --queues 2` runs a
# worker lcore per queue besides the main one ('(0-2)@(CPUs)'), and run.json says which.
"$FABPROBE" engines | grep -q '^dpdk *yes *yes' || skip "dpdk engine not built or not usable: $("$FABPROBE" engines | grep '^dpdk')"
EAL="--no-huge -m 256"
cd "$TMP"
A=fpq-a$$ B=fpq-b$$
teardown() {
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	ls /var/run/dpdk 2>/dev/null | grep "^fabprobe-" && echo "EAL runtime folders left behind"
	cleanup
}
trap teardown EXIT

# pair NAME TXARGS -- RXARGS: pkt rx serves a memif, pkt tx connects; JSON in NAME.tx/.rx
pair() {
	local name=$1 tx=() rx=()
	shift
	while [ "$1" != -- ]; do tx+=("$1"); shift; done
	shift
	rx=("$@")
	rm -f "$TMP/$name.sock"
	"$FABPROBE" pkt rx --port "net_memif0,socket=$TMP/$name.sock,role=server" --idle 1s \
		--duration 60s --format json "${rx[@]}" --eal "$EAL" >"$TMP/$name.rx" 2>"$TMP/$name.rxerr" &
	local r=$!
	PIDS+=($r)
	for _ in $(seq 100); do [ -S "$TMP/$name.sock" ] && break; sleep 0.1; done
	# the sender stays (not polling) until the receiver has stopped polling and left: a
	# memif end that leaves under a poller can crash it
	"$FABPROBE" pkt tx --port "net_memif0,socket=$TMP/$name.sock,role=client" --format json --linger 2s \
		"${tx[@]}" --eal "$EAL" >"$TMP/$name.tx" 2>"$TMP/$name.txerr" || { cat "$TMP/$name.txerr"; fail "$name: pkt tx"; }
	wait $r || { cat "$TMP/$name.rxerr"; fail "$name: pkt rx"; }
	echo "$name: tx $(cat "$TMP/$name.tx")"
	echo "$name: rx $(cat "$TMP/$name.rx")"
}

# 4 queue pairs, 4 lcores per process on this 2-CPU machine: exact per-queue counts
pair q4 --queues 4 --count 40002 --rate 400kpps -- --queues 4 --check
python3 - "$TMP/q4.tx" "$TMP/q4.rx" <<'PY' || fail "4 queues over memif: counts differ"
import json, sys
tx, rx = (json.load(open(f)) for f in sys.argv[1:3])
# 40002 frames over 4 queues: 10001, 10001, 10000, 10000
assert tx["queues"] == [10001, 10001, 10000, 10000] and tx["frames"] == 40002, tx
assert rx["queues"] == tx["queues"], (rx["queues"], tx["queues"])
assert rx["probe"] == 40002 and rx["lost"] == 0 and rx["bad"] == 0 and rx["duplicates"] == 0, rx
assert rx["reordered"] == 0 and rx["stale"] == 0, rx
PY
ok "memif, 4 queue pairs on 4 floating lcores: per-queue counts equal the sender's, checksums verified"

# IMIX: the simple mix in whole cycles, then a custom one that ends mid-cycle on 2 queues
pair imix --sizes imix --count 1200 --rate 200kpps -- --sizes imix --check
pair mix2 --sizes 128:3,1024:1 --queues 2 --count 1001 --rate 200kpps -- --sizes 128:3,1024:1 --queues 2
python3 - "$TMP" <<'PY' || fail "IMIX: per-size counts differ"
import json, sys
d = sys.argv[1]
tx, rx = (json.load(open(d + "/imix." + s)) for s in ("tx", "rx"))
want = {"64": 700, "594": 400, "1518": 100}  # 100 cycles of 7:4:1
assert tx["mix"] == rx["mix"] == "64:7,594:4,1518:1", (tx["mix"], rx["mix"])
assert tx["sizes"] == want and rx["sizes"] == want, (tx["sizes"], rx["sizes"])
assert tx["bytes"] == rx["bytes"] == 64 * 700 + 594 * 400 + 1518 * 100, (tx["bytes"], rx["bytes"])
assert rx["lost"] == 0 and rx["bad"] == 0, rx
# bits/s counts 20 B of preamble and gap per frame
# (Gbps and seconds are printed rounded: 1% tolerance)
bits = (tx["bytes"] + 20 * 1200) * 8
assert abs(tx["Gbps"] * 1e9 * tx["seconds"] - bits) < 0.01 * bits, tx
tx, rx = (json.load(open(d + "/mix2." + s)) for s in ("tx", "rx"))
# queue 0 sends 501 frames (125 cycles of 128,128,128,1024 and one 128), queue 1 500
assert tx["queues"] == rx["queues"] == [501, 500], (tx["queues"], rx["queues"])
assert tx["sizes"] == rx["sizes"] == {"128": 751, "1024": 250}, (tx["sizes"], rx["sizes"])
PY
ok "IMIX over memif: exact per-size counts (700/400/100; 751/250 over 2 queues), bytes and wire bits"

# the runner: flows spread over 2 queues by source port, every frame received; unpinned,
# each rank's 2 worker lcores and its main one float over this machine's CPUs
"$FABPROBE" run stream --engine dpdk --np 2 --pin none --bidir --queues 2 --port "net_memif0,socket=$TMP/run.sock" \
	--eal "$EAL" --sizes 64,1518 --iters 5000 --rate 200kpps --quiet --output "$TMP/run" >/dev/null 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "run stream --queues 2"; }
check "$TMP/run" --ranks 2 --pattern stream --iters 5000 --sizes 64,1518 --max-loss 0
python3 - "$TMP/run/run.json" <<'PY' || fail "the endpoint's NUMA placement"
import json, sys
for h in json.load(open(sys.argv[1]))["hosts"]:
    ep = h["endpoint"]
    # the pools are made on the port's socket (or the lcore's, for a vdev that has none)
    assert isinstance(ep["numa_buf"], int) and ep["numa_buf"] == ep.get("numa_node", ep["numa_cpu"]), ep
PY
python3 "$FP_SRCDIR/tests/schema/run_schema.py" "$TMP/run" || fail "run.json does not match results/README.md"
ok "run stream --queues 2 over memif, both directions: every frame received, mbufs' node recorded"

# queues.py RUN.JSON N [memif]: ranks[].queues sum to each rank's flows, a queue sent on
# exactly when one of its flows' source ports chose it, and memif's queue q lands on q;
# queue q was polled by its own worker lcore q + 1 (the main lcore is 0), floating over
# every CPU the rank may use, and every queue of every rank moved frames (stream --bidir:
# flow 0's source port picks queue 0, flow 1's queue 1)
cat >"$TMP/queues.py" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
n, memif = int(sys.argv[2]), sys.argv[3:] == ["memif"]
ids = {f["id"]: f for f in d["flows"]}
flows = [f for res in d["results"] for f in res["flows"]]
ranks = {r["rank"]: r["queues"] for r in d["ranks"]}
assert sorted(ranks) == list(range(d["world_size"])), ranks
for r, q in ranks.items():
    print("rank %d: sent %s received %s" % (r, q["sent"], q["received"]))
    assert q["n"] == n == len(q["sent"]) == len(q["received"]), q
    tx = sum(f["tx_msgs"] for f in flows if f["src"] == r)
    rx = sum(f["rx_msgs"] for f in flows if f["dst"] == r)
    assert tx > 0 and rx > 0 and (sum(q["sent"]), sum(q["received"])) == (tx, rx), (q, tx, rx)
    used = {f["src_port"] % n for f in ids.values() if f["src"] == r}
    assert [k for k in range(n) if q["sent"][k]] == sorted(used), (q["sent"], used)
    if memif:  # no RSS: the sender's queue is the receiver's, and nothing was lost
        assert q["received"] == ranks[1 - r]["sent"], (q, ranks[1 - r])
        assert all(q["sent"][k] + q["received"][k] > 0 for k in range(n)), q
    lc = q["lcores"]
    print("rank %d: lcores %s" % (r, lc))
    assert [x["queue"] for x in lc] == list(range(n)), lc
    assert [x["lcore"] for x in lc] == list(range(1, n + 1)), lc
    assert all(x["cpus"] == sorted(os.sched_getaffinity(0)) for x in lc), lc
# every queue sent on by some rank
assert all(sum(q["sent"][k] for q in ranks.values()) > 0 for k in range(n)), ranks
PY
python3 "$TMP/queues.py" "$TMP/run/run.json" 2 memif || fail "run --queues 2: ranks[].queues"
# the schema's sum rule can fail: one frame moved off the flows' total
python3 - "$TMP/run/run.json" "$TMP/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["ranks"][0]["queues"]["sent"][0] += 1
json.dump(d, open(sys.argv[2], "w"))
PY
python3 "$FP_SRCDIR/tests/schema/run_schema.py" "$TMP/bad.json" >/dev/null && fail "the schema took queues that do not sum to the flows"
ok "run --queues 2 over memif, 2 worker lcores per rank on 2 CPUs: per-queue frames sent and received sum to each rank's flows, queue q to queue q, lcores recorded"

# a worker per queue and the main lcore: too few lcores in the user's EAL arguments is
# refused in one line before any port is touched
rc=0
timeout 60 "$FABPROBE" run stream --engine dpdk --np 2 --queues 2 --port net_null0 \
	--eal "$EAL -l 0-1" --sizes 64 --iters 10 >/dev/null 2>"$TMP/err" || rc=$?
[ $rc != 0 ] && grep -q "runs a worker lcore per queue and the main one: 3 lcores, the EAL has 2" "$TMP/err" ||
	{ cat "$TMP/err"; fail "run --queues 2 with 2 lcores: exit $rc"; }
ok "run --queues 2 with -l 0-1: refused, 3 lcores needed"

# a frame-size mix is pkt's: run measures one size per phase, and says so in one line
rc=0
timeout 30 "$FABPROBE" run stream --engine dpdk --np 2 --sizes imix --port net_null0 \
	--eal "$EAL" >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "frame-size mix, for .fabprobe pkt" "$TMP/err" ||
	{ cat "$TMP/err"; fail "run --sizes imix: exit $rc"; }
ok "run --sizes imix: refused in one line that names pkt"

# bad input: one line, exit 2
for a in "--sizes 64:0" "--sizes 64,,1518" "--sizes 32:1" "--queues 17" "--queues 0"; do
	rc=0
	# shellcheck disable=SC2086
	timeout 30 "$FABPROBE" pkt tx --port net_null0 --count 10 $a --eal "$EAL" >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] || { cat "$TMP/err"; fail "pkt tx $a: exit $rc"; }
done
rc=0
timeout 30 "$FABPROBE" pkt tx --port net_null0 --count 10 --sizes 64:1,9000:1 --eal "$EAL" >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && grep -q "size 9000 of the mix" "$TMP/err" || { cat "$TMP/err"; fail "a mix size over the MTU: exit $rc"; }
ok "bad mixes and queue counts: one line each"

# af_packet with qpairs: the kernel's fanout group spreads receive over the queues (here
# close to evenly even for few flows). 4 flows (4 tx queues) into 2 rx queues.
if [ "$(id -u)" = 0 ] && ip netns add "$A" 2>/dev/null; then
	ip netns add "$B" || fail "netns"
	# no IPv6: its router solicitations would be the receiver's first frames, and its
	# --idle would end before a sender slow to start (EAL on a loaded machine) sent any
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || fail "sysctl"
	done
	ip link add fpqa netns "$A" type veth peer name fpqb netns "$B" || fail "veth"
	ip -n "$A" addr add 10.95.0.1/24 dev fpqa
	ip -n "$B" addr add 10.95.0.2/24 dev fpqb
	ip -n "$A" link set fpqa up
	ip -n "$B" link set fpqb up
	mac=$(ip -n "$B" -br link show fpqb | awk '{print $3}')
	ip netns exec "$B" "$FABPROBE" pkt rx --port net_af_packet0,iface=fpqb,qpairs=2 --queues 2 \
		--ip 10.95.0.2 --dst-mac "$mac" --idle 2s --duration 60s --format json --eal "$EAL" \
		>"$TMP/afp.rx" 2>"$TMP/afp.rxerr" &
	r=$!
	PIDS+=($r)
	sleep 2
	ip netns exec "$A" "$FABPROBE" pkt tx --port net_af_packet0,iface=fpqa,qpairs=4 --queues 4 \
		--ip 10.95.0.1 --peer-ip 10.95.0.2 --dst-mac "$mac" --count 2000 --rate 10kpps \
		--format json --eal "--no-huge -m 512" >"$TMP/afp.tx" 2>"$TMP/afp.txerr" || { cat "$TMP/afp.txerr"; fail "af_packet: pkt tx"; }
	wait $r || { cat "$TMP/afp.rxerr"; fail "af_packet: pkt rx"; }
	echo "af_packet: tx $(cat "$TMP/afp.tx")"
	echo "af_packet: rx $(cat "$TMP/afp.rx")"
	python3 - "$TMP/afp.tx" "$TMP/afp.rx" <<'PY' || fail "af_packet qpairs: counts"
import json, sys
tx, rx = (json.load(open(f)) for f in sys.argv[1:3])
assert tx["queues"] == [500] * 4, tx
# the kernel path can drop on two shared cores: 5% tolerated, every frame accounted for
assert rx["probe"] >= 1900 and rx["bad"] == 0 and rx["duplicates"] == 0, rx
assert sum(rx["queues"]) == rx["probe"] and len(rx["queues"]) == 2, rx
# the kernel's fanout hashes each flow with a key drawn at boot: on one boot in 8 all four
# flows land on one queue (CI met such a boot), so the spread is shown, not asserted
print("af_packet: the kernel's fanout put the 4 flows' frames on the receive queues as %s"
      % rx["queues"])
PY
	ok "af_packet qpairs=2: 4 flows over 2 receive queues (the kernel's fanout), every frame counted on one"

	# the runner on af_packet qpairs=2, rendezvous on a second veth pair: the kernel's
	# fanout picks the receive queue, and the per-queue counts still sum to the flows
	ip link add fpqma netns "$A" type veth peer name fpqmb netns "$B" || fail "veth"
	ip -n "$A" addr add 10.94.0.1/24 dev fpqma
	ip -n "$B" addr add 10.94.0.2/24 dev fpqmb
	ip -n "$A" link set fpqma up
	ip -n "$B" link set fpqmb up
	port=$(free_port)
	rc=0
	ip netns exec "$B" "$FABPROBE" run stream --bidir --queues 2 --sizes 64 --iters 3000 \
		--rate 10kpps --engine dpdk --rank 1 --size 2 --rendezvous 10.94.0.1:$port \
		--bind 10.95.0.2 --port af_packet,qpairs=2 --eal "$EAL" --timeout 30s --quiet \
		>"$TMP/afr.b" 2>&1 &
	pb=$!
	PIDS+=($pb)
	ip netns exec "$A" "$FABPROBE" run stream --bidir --queues 2 --sizes 64 --iters 3000 \
		--rate 10kpps --engine dpdk --rank 0 --size 2 --rendezvous 10.94.0.1:$port \
		--bind 10.95.0.1 --port af_packet,qpairs=2 --eal "$EAL" --timeout 30s --quiet \
		--output "$TMP/afr" >/dev/null 2>"$TMP/afr.a" || rc=$?
	wait $pb || rc=$?
	[ $rc = 0 ] || { cat "$TMP/afr.a" "$TMP/afr.b"; fail "run --queues 2 on af_packet"; }
	check "$TMP/afr" --ranks 2 --pattern stream --iters 3000 --max-loss 5
	python3 "$TMP/queues.py" "$TMP/afr/run.json" 2 || fail "af_packet run --queues 2: ranks[].queues"
	python3 "$FP_SRCDIR/tests/schema/run_schema.py" "$TMP/afr" || fail "af_packet run.json does not match results/README.md"
	ok "run --queues 2 on af_packet qpairs=2, 2 worker lcores per rank on 2 CPUs: per-queue counts sum to each rank's flows, lcores recorded"
else
	echo "af_packet part skipped: needs root and network namespaces"
fi
