# fabprobe fabric-counters on ibsim (issue 23): the real opensm routes a simulated fabric and
# fabprobe reads every link end's PMA counters under libumad2sim.so. They must equal what
# perfquery reads; planted counters and an unlinked port must show.
SIM=/usr/lib/x86_64-linux-gnu/umad2sim/libumad2sim.so
for c in ibsim opensm ibnetdiscover perfquery; do
	command -v $c >/dev/null || skip "$c not installed (scripts/setup: ibsim-utils opensm infiniband-diags)"
done
[ -f $SIM ] || skip "no $SIM (ibsim-utils)"
$FABPROBE fabric-counters --topology "$FP_SRCDIR/tests/fixtures/ibnetdiscover.txt" 2>&1 |
	grep -q "built without libibmad" && skip "fabprobe built without libibmad (-Dibmad)"
$FABPROBE fabric-counters --help | grep -q -- --topology || fail "fabric-counters --help"
# umad2sim makes ./sys-PID folders where it runs, and opensm keeps its LID cache and subnet
# list: all of it in this test's folder, not the build folder or /var
cd "$TMP" || fail "no temp folder"
export OSM_TMP_DIR="$TMP" OSM_CACHE_DIR="$TMP/cache"
$FABPROBE fabric-counters --topology /nonexistent 2>"$TMP/e" && fail "a missing topology is an error"
[ "$(wc -l <"$TMP/e")" = 1 ] || fail "one line for a missing topology: $(cat "$TMP/e")"
# our own socket names, so other ibsims on the machine are not ours
export IBSIM_SOCKNAME=fpsim$$
mkfifo "$TMP/ctl"
sleep 600 >"$TMP/ctl" &
PIDS+=($!)
ibsim -s "$FP_SRCDIR/tests/fixtures/ibsim/net" <"$TMP/ctl" >"$TMP/ibsim.log" 2>&1 &
PIDS+=($!)
exec 7>"$TMP/ctl"
sleep 1
# Under ASan: the preload comes after the runtime (verify_asan_link_order=0), and umad2sim's
# own read() copies a 320-byte MAD out of a 288-byte buffer it allocated (ibsim 0.10, not
# fabprobe), which ASan's memcpy interceptor would stop on (replace_intrin=0).
sim() {
	LD_PRELOAD=$SIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:replace_intrin=0 \
		"$@"
}
sim timeout 60 opensm -o -f "$TMP/osm.log" >/dev/null 2>&1 || fail "opensm sweep"
sim ibnetdiscover >"$TMP/fabric.ibnet" 2>/dev/null || fail "ibnetdiscover"
# plant: symbol errors on one inter-switch port, XmitWait on another; down a host port
echo 'PerformanceSet "Switch1"[3] PortCounters.SymbolErrorCounter=77' >&7
echo 'PerformanceSet "Switch2"[5] PortCounters.PortXmitWait=5000' >&7
echo 'Unlink "Switch1"[2]' >&7
sleep 0.5
grep -q "SymbolErrorCounter has been set to 77" "$TMP/ibsim.log" || fail "ibsim did not plant"
# --parallel 4: link ends in flight together on the one MAD port; --parallel 1: one MAD at a
# time; --timeout-ms 10 with 10 retries: resends under the same TID, whose late replies
# arrive as duplicates after the end has moved on. All three must read the same counters.
for p in 4 1; do
	sim $FABPROBE fabric-counters --topology "$TMP/fabric.ibnet" --format json --timeout-ms 200 \
		--parallel $p >"$TMP/fc$p.json" 2>"$TMP/fc.err" || { cat "$TMP/fc.err"; fail "--parallel $p"; }
done
sim $FABPROBE fabric-counters --topology "$TMP/fabric.ibnet" --format json --timeout-ms 10 \
	--retries 10 --parallel 4 >"$TMP/fcdup.json" 2>"$TMP/fc.err" || fail "--timeout-ms 10: $(cat "$TMP/fc.err")"
sim $FABPROBE fabric-counters --topology "$TMP/fabric.ibnet" --timeout-ms 100 >"$TMP/fc.txt" 2>/dev/null ||
	fail "fabric-counters text"
grep -q "Switch1:3 .*SymbolErrorCounter=77" "$TMP/fc.txt" || { cat "$TMP/fc.txt"; fail "text"; }
# perfquery after fabprobe: error counters equal, traffic counters (the MADs themselves) no less
for f in fc4 fc1 fcdup; do
python3 - "$TMP/$f.json" "$SIM" <<'PY' || fail "fabric-counters ($f) against perfquery"
import json, os, subprocess, sys
d = json.load(open(sys.argv[1]))
env = dict(os.environ, LD_PRELOAD=sys.argv[2])
def perfquery(lid, port, ext):
    out = subprocess.run(["perfquery"] + (["-x"] if ext else []) + [str(lid), str(port)],
                         env=env, capture_output=True, text=True, check=True).stdout
    return {k: int(v.strip(".")) for k, _, v in (l.partition(":") for l in out.splitlines())
            if v.strip(".").isdigit()}
ends = d["snapshots"][0]["ends"]
assert len(ends) == 12, len(ends)
by = {(e["node"], e["port"]): e for e in ends}
traffic = {"PortXmitData", "PortRcvData", "PortXmitPkts", "PortRcvPkts"}
checked = 0
for e in ends:
    if e["status"] != "ok":
        continue
    pq = perfquery(e["lid"], e["port"], False)
    if e["ext"]:
        pq.update({k: v for k, v in perfquery(e["lid"], e["port"], True).items() if k in traffic})
    for k, v in e["counters"].items():
        if k in traffic:
            assert 0 <= pq[k] - v < 100000, (e["node"], e["port"], k, v, pq[k])
        else:
            assert pq[k] == v, (e["node"], e["port"], k, v, pq[k])
    checked += 1
assert checked == 10, checked
assert by[("Switch1", "3")]["counters"]["SymbolErrorCounter"] == 77
assert by[("Switch2", "5")]["counters"]["PortXmitWait"] == 5000
assert by[("Switch1", "3")]["ext"] and by[("Switch1", "3")]["lid"] > 0
sw = by[("Switch1", "2")]
assert sw["status"] == "down" and "Down" in sw["why"], sw
hca = by[("Hca3", "1")]
assert hca["status"] in ("no answer", "no route") and hca["why"], hca
PY
done
python3 - "$TMP/fc4.json" "$TMP/fc1.json" "$TMP/fcdup.json" <<'PY' || fail "--parallel 4 and 1 differ"
import json, sys
traffic = {"PortXmitData", "PortRcvData", "PortXmitPkts", "PortRcvPkts"}
# a down port's counters move between reads (SMPs dropped at it): its status is compared
def key(path):
    return [(e["node"], e["port"], e["lid"], e["status"], e["ext"],
             {k: v for k, v in e.get("counters", {}).items()
              if k not in traffic and e["status"] == "ok"})
            for e in json.load(open(path))["snapshots"][0]["ends"]]
a = key(sys.argv[1])
for f in sys.argv[2:]:
    b = key(f)
    assert a == b, (f, [(x, y) for x, y in zip(a, b) if x != y])
PY
ok "--parallel 4, --parallel 1 and resends with late duplicates read the same, equal to perfquery"
ok "every answering port's counters equal perfquery's; planted symbol errors and XmitWait read"
ok "an unlinked port is named down, the host behind it as not answering"
# a series: two snapshots, the second with differences
sim $FABPROBE fabric-counters --topology "$TMP/fabric.ibnet" --format json --watch 100ms --timeout-ms 100 \
	--count 2 >"$TMP/w.json" 2>/dev/null || fail "--watch"
python3 - "$TMP/w.json" <<'PY' || fail "--watch series"
import json, sys
s = json.load(open(sys.argv[1]))["snapshots"]
assert len(s) == 2 and "delta" not in s[0]["ends"][0]
ok = [e for e in s[1]["ends"] if e["status"] == "ok"]
assert ok and all(e["delta"]["SymbolErrorCounter"] == 0 for e in ok)
assert any(e["delta"]["PortXmitPkts"] > 0 for e in ok)   # our own MADs crossed the fabric
PY
ok "--watch: a series whose differences count the MADs between snapshots"
# the analyzer: a series with errors planted between its snapshots, joined with a clean run
# that the simulator predicts: Switch2:3's symbol errors a cable (BER over 4x SDR for the
# interval), Switch1:5's XmitWait congestion only, the unlinked port down. A short timeout: the
# first snapshot must end before the plant at 1 s, and the unlinked host costs a timeout per try
sim $FABPROBE fabric-counters --topology "$TMP/fabric.ibnet" --format json --watch 2s --timeout-ms 100 \
	--count 2 >"$TMP/s.json" 2>/dev/null &
fc=$!
# the first snapshot is flushed whole before the wait: plant after it (a fixed second was
# not always enough under ASan)
for i in $(seq 200); do grep -q time_ms "$TMP/s.json" && break; sleep 0.05; done
grep -q time_ms "$TMP/s.json" || fail "fabric-counters series: no first snapshot in 10 s"
echo 'PerformanceSet "Switch2"[3] PortCounters.SymbolErrorCounter=500' >&7
echo 'PerformanceSet "Switch1"[5] PortCounters.PortXmitWait=900' >&7
wait $fc || fail "fabric-counters series"
$FABPROBE sim "$TMP/fabric.ibnet" pairs --sizes 64K --iters 10 --output "$TMP/simrun" --quiet \
	>/dev/null || fail "sim run"
# analyze's switch-side findings in file $1 (exit $2): Switch2:3's symbol errors ($3, over an
# interval of at least $4 s, the BER their count over that interval's bits) a bad cable on the
# link with both ends, Switch1:5's XmitWait ($5) congestion only, Switch1:2 down
switch_findings() {
	local said
	cat "$1"
	[ "$2" = 1 ] || fail "analyze with switch-side findings exits 1, not $2"
	said=$(grep -o "LINK Switch[12]:3 <-> Switch[12]:3: Switch2:3: $3 symbol errors in [0-9.]* s, BER [0-9.]*e-[0-9]* over x4 at 2.5 Gb/s per lane, above the 1e-12 limit: a bad cable" "$1") ||
		fail "symbol errors named as a bad cable on the link with both ends"
	# the interval is what the snapshots measured (a loaded machine stretches it): the BER
	# must be the count over its bits, x4 lanes at 2.5 Gb/s, to the printed digits
	python3 - "$said" "$4" <<'PY' || fail "the BER is not the count over the interval: $said"
import re, sys
m = re.search(r": (\d+) symbol errors in ([\d.]+) s, BER ([\d.]+e-\d+) ", sys.argv[1])
n, t, ber = int(m[1]), float(m[2]), float(m[3])
# printed to 2 digits each (1.0e-08 and 3.0 s: up to 5% and 1.7% off)
assert t >= float(sys.argv[2]) and abs(ber * t * 4 * 2.5e9 / n - 1) < 0.1, (n, t, ber)
PY
	grep -q "LINK Switch[12]:5 <-> Switch[12]:5: Switch1:5: congestion, not a cable: 0 transmit discards and $5 XmitWait" "$1" ||
		fail "XmitWait named as congestion"
	grep "Switch1:5" "$1" | grep -q "bad cable" && fail "XmitWait is not a cable"
	grep -q "Switch1:2: switch-side counters: the port is down" "$1" || fail "down port"
}
$FABPROBE analyze --topology "$TMP/fabric.ibnet" --inventory "$TMP/s.json" "$TMP/simrun" \
	>"$TMP/an.txt" 2>&1
switch_findings "$TMP/an.txt" $? 500 2 900
ok "analyze: planted symbol errors a bad cable by BER, XmitWait congestion, a port down"
# a run with --fabric-counters: rank 0 reads the fabric before and after, run.json holds the
# differences per link end (on ibsim only the MADs move: the sockets run is on loopback)
port=$(free_port)
sim $FABPROBE run pairs --np 2 --sizes 1K --iters 20 --rendezvous 127.0.0.1:$port --quiet \
	--fabric-counters "$TMP/fabric.ibnet" --output "$TMP/run" >/dev/null 2>"$TMP/run.err" ||
	{ cat "$TMP/run.err"; fail "run --fabric-counters"; }
python3 - "$TMP/run/run.json" <<'PY' || fail "run.json fabric_counters"
import json, sys
f = json.load(open(sys.argv[1]))["fabric_counters"]
assert f["topology"].endswith("fabric.ibnet") and f["seconds"] > 0, f
ends = {(e["node"], e["port"]): e for e in f["ends"]}
assert len(ends) == 12
ok = [e for e in ends.values() if e["status"] == "ok"]
assert len(ok) == 10, len(ok)
# the after-snapshot's own MADs crossed Switch1's ports after the before-snapshot read them
assert all(e["deltas"]["SymbolErrorCounter"] == 0 for e in ok)
assert sum(e["deltas"]["PortXmitPkts"] for e in ok) > 0
assert ends[("Switch1", "2")]["status"] == "down" and "deltas" not in ends[("Switch1", "2")]
PY
ok "run --fabric-counters: run.json holds each link end's differences, the down port named"
$FABPROBE run pairs --np 2 --sizes 1K --iters 5 --rendezvous 127.0.0.1:$(free_port) --quiet \
	--fabric-counters /nonexistent --output "$TMP/run2" >/dev/null 2>"$TMP/e"
[ $? != 0 ] && grep -q -- "--fabric-counters: .*nonexistent" "$TMP/e" || fail "a bad --fabric-counters topology is named: $(cat "$TMP/e")"
ok "run --fabric-counters with a missing topology: named, not a crash"
# analyze reads the run's own fabric_counters, no --inventory: symbol errors and XmitWait that
# grow during the run (planted every 0.3 s, so whenever rank 0's snapshots fall, they bracket
# some) name Switch2:3's link a bad cable by BER and Switch1:5's congestion, the down port too
port=$(free_port)
sim $FABPROBE run pairs --np 2 --sizes 1K --duration 3s --rendezvous 127.0.0.1:$port --quiet \
	--fabric-counters "$TMP/fabric.ibnet" --output "$TMP/run3" >/dev/null 2>"$TMP/run3.err" &
runpid=$!
for i in $(seq 1 100); do
	kill -0 $runpid 2>/dev/null || break
	echo "PerformanceSet \"Switch2\"[3] PortCounters.SymbolErrorCounter=$((1000 + 100 * i))" >&7
	echo "PerformanceSet \"Switch1\"[5] PortCounters.PortXmitWait=$((2000 + 100 * i))" >&7
	sleep 0.3
done
wait $runpid || { cat "$TMP/run3.err"; fail "run --fabric-counters with planted counters"; }
$FABPROBE analyze --topology "$TMP/fabric.ibnet" --map order "$TMP/run3" >"$TMP/an3.txt" 2>&1
switch_findings "$TMP/an3.txt" $? "[1-9][0-9]*" 3 "[1-9][0-9]*"
ok "analyze RUN: the run's own fabric_counters name the planted link and congestion, no --inventory"
# Ports that do not answer named while the others are read: hosts whose MADs ibsim drops
# (Error rate 100) and a LID that does not exist. Each waits out its timeout (ibsim hands a
# lost MAD back at once; the reader waits as the kernel would). The window is used: the four
# dead ends cost about one timeout x (1 + retries) at --parallel 4, four of them at 1.
python3 - "$TMP/fc4.json" "$TMP/dead.yaml" <<'PY' || fail "dead-LID topology"
import json, sys
ends = {(e["node"], e["port"]): e["lid"] for e in json.load(open(sys.argv[1]))["snapshots"][0]["ends"]}
lid = lambda n, p: ends[(n, p)]
with open(sys.argv[2], "w") as f:
    f.write("fabprobe_topology: 1\nname: dead\nnodes:\n")
    for n in ("Switch1", "Switch2", "Hca1", "Hca2", "Hca4", "Ghost0"):
        f.write("  - {name: %s, kind: %s}\n" % (n, "switch" if n.startswith("S") else "host"))
    f.write("links:\n")
    for p in ("3", "5"):
        f.write('  - {a: "Switch1:%s", b: "Switch2:%s", gbps: 10, lid_a: %d, lid_b: %d}\n'
                % (p, p, lid("Switch1", p), lid("Switch2", p)))
    f.write('  - {a: "Hca1:1", b: "Hca2:1", gbps: 10, lid_a: %d, lid_b: %d}\n'
            % (lid("Hca1", "1"), lid("Hca2", "1")))
    f.write('  - {a: "Hca4:1", b: "Ghost0:1", gbps: 10, lid_a: %d, lid_b: 700}\n' % lid("Hca4", "1"))
PY
for h in Hca1 Hca2 Hca4; do echo "Error \"$h\" 100" >&7; done
sleep 0.5
for p in 4 1; do
	t0=$(date +%s%N)
	sim $FABPROBE fabric-counters --topology "$TMP/dead.yaml" --format json --timeout-ms 300 \
		--retries 1 --parallel $p >"$TMP/dead$p.json" 2>"$TMP/e" || fail "dead LIDs: $(cat "$TMP/e")"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$TMP/dead$p.ms"
done
python3 - "$TMP" <<'PY' || fail "dead LIDs named, the window used"
import json, sys
t = sys.argv[1]
ms = {p: int(open("%s/dead%d.ms" % (t, p)).read()) for p in (4, 1)}
print("dead LIDs: --parallel 4 %d ms, --parallel 1 %d ms" % (ms[4], ms[1]))
for p in (4, 1):
    ends = json.load(open("%s/dead%d.json" % (t, p)))["snapshots"][0]["ends"]
    live = [e for e in ends if e["node"].startswith("Switch")]
    dead = [e for e in ends if not e["node"].startswith("Switch")]
    assert len(live) == 4 and all(e["status"] == "ok" for e in live), live
    assert all(e["counters"]["SymbolErrorCounter"] == 77 for e in live
               if (e["node"], e["port"]) == ("Switch1", "3"))
    assert len(dead) == 4 and all(e["status"] == "no answer" and
                                  "no PortCounters reply from LID %d port 1" % e["lid"] in e["why"]
                                  for e in dead), dead
# serial: 4 dead ends x 2 sends x 300 ms at least; the window: about one end's 600 ms, and
# below the serial floor and well below the serial run whatever a loaded machine adds
assert ms[1] >= 4 * 2 * 300, ms
assert ms[4] < 4 * 2 * 300 and ms[4] < 0.75 * ms[1], ms
PY
ok "ports that do not answer are named, the rest read; 4 cost ~1 timeout at --parallel 4, 4 at 1"
for h in Hca1 Hca2 Hca4; do echo "Error \"$h\" 0" >&7; done
# no local InfiniBand port at all (no umad2sim): one line, not a crash
$FABPROBE fabric-counters --topology "$TMP/fabric.ibnet" >/dev/null 2>"$TMP/e"
rc=$?
[ $rc = 3 ] && [ "$(wc -l <"$TMP/e")" = 1 ] || fail "no IB port: rc $rc, $(cat "$TMP/e")"
ok "no InfiniBand port here: one line and exit 3"
exec 7>&-
