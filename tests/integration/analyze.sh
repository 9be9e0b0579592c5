# fabprobe sim -> fabprobe analyze: verdicts, exit codes, and bad input.
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
sim() { $FABPROBE sim "$T" "$@" --quiet >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "sim $*"; }; }
sim alltoall --output "$TMP/clean" --noise 0.02 --seed 3
$FABPROBE analyze --topology "$T" "$TMP/clean" >"$TMP/out"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/out"; fail "clean run: exit $rc"; }
grep -q "clean" "$TMP/out" || fail "clean verdict"
ok "clean simulated run: exit 0"

sim alltoall --faults degrade:leaf2-spine1:0.4 --noise 0.02 --output "$TMP/bad"
sim pairs --faults degrade:leaf2-spine1:0.4 --noise 0.02 --output "$TMP/bad2"
$FABPROBE analyze --topology "$T" --format json --dot "$TMP/v.dot" "$TMP/bad" "$TMP/bad2" >"$TMP/v.json"
rc=$?
[ $rc -eq 1 ] || fail "suspects: exit $rc"
python3 - "$TMP/v.json" "$TMP/bad/ground_truth.json" <<'PY' || fail "the planted link is named first"
import json, sys
v = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))["faults"][0]
s = v["suspects"][0]
assert v["verdict"] == "suspects" and s["kind"] == "link" and s["link"] == g["link"], (s, g)
assert "replace" in s["action"] and s["a"] == "leaf2" and s["b"] == "spine1"
PY
grep -q "color=red" "$TMP/v.dot" || fail "DOT marks the suspect in red"
ok "degraded link named first, exit 1, JSON and DOT"
# the name analyze gives a link pastes back: topo link and sim --faults take it (issue 16)
read -r li name < <(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["suspects"][0]
print(s["link"], s["link_name"])' "$TMP/v.json")
[ "$($FABPROBE topo link "$T" "$name")" = "#$li $name" ] || fail "topo link '$name' is not #$li"
sim alltoall --faults "degrade:$name:0.4" --output "$TMP/pasted"
grep -q "\"link\": $li," "$TMP/pasted/ground_truth.json" || fail "--faults degrade:$name"
ok "analyze's link_name '$name' pastes back into topo link and sim --faults"

sim alltoall --faults slowhost:h3:0.3 --output "$TMP/host"
$FABPROBE analyze --topology "$T" "$TMP/host" >"$TMP/out"
[ $? -eq 1 ] && grep -q "1. HOST h3" "$TMP/out" || { cat "$TMP/out"; fail "slow host"; }
ok "slow host named as a host"

# TCP loss on a link every crossing flow shares with another (issue 18): 16 permutation rounds
# on k=8, e1_0-a1_0 losing 0.1%. Every flow crossing it shares a link, so its resends were
# no evidence while some flows of the run ran alone (seed 10: "insufficient coverage")
$FABPROBE topo gen fat-tree --k 8 --output "$TMP/k8.yaml" || fail "topo gen k=8"
$FABPROBE sim "$TMP/k8.yaml" permutation --rounds 16 --noise 0.05 --seed 10 --quiet \
	--faults loss:e1_0:p4-a1_0:p0:0.001 --output "$TMP/loss16" >/dev/null || fail "sim loss"
$FABPROBE analyze --topology "$TMP/k8.yaml" --format json "$TMP/loss16" >"$TMP/v.json"
[ $? -eq 1 ] || fail "loss behind shared links: no suspect"
python3 - "$TMP/v.json" "$TMP/loss16/ground_truth.json" <<'PY' || fail "loss behind shared links: the lossy link not first"
import json, sys
v = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))["faults"][0]
assert v["retransmitting_flows"] >= 20 and v["suspects"][0]["link"] == g["link"], (v["retransmitting_flows"], v["suspects"][:1], g)
PY
ok "TCP loss on a link its flows share: their resends name it"
# a simulated blackhole (issue 18): routed over, passing nothing. Its flows stall, the run
# ends failed after the phase (its other flows kept, incomplete), and analyze names the link
# alone from the stalled flows against the paths of the flows that went on beside them
$FABPROBE sim "$TMP/k8.yaml" alltoall --noise 0.05 --seed 3 --quiet --faults blackhole:#200 \
	--output "$TMP/bh" >/dev/null || fail "sim blackhole"
$FABPROBE analyze --topology "$TMP/k8.yaml" --format json "$TMP/bh" >"$TMP/v.json"
[ $? -eq 1 ] || fail "simulated blackhole: no suspect"
python3 - "$TMP/v.json" "$TMP/bh/run.json" "$TMP/bh/bw.csv" <<'PY' || fail "simulated blackhole: not named alone"
import csv, json, sys
v = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
s = v["suspects"]
assert d["status"] == "failed" and d["results"][0]["complete"] is False, d["status"]
bw = list(csv.reader(open(sys.argv[3])))
assert bw[0][-1] == "complete" and [r[-1] for r in bw[1:]] == ["0"], bw  # a plot can tell
assert d["failed_flows"] and all(f["stalled"] for f in d["failed_flows"]), d["failed_flows"][:2]
assert len(s) == 1 and s[0]["link"] == 200 and s[0]["state"] == "blackhole", s
assert s[0]["confidence"] > 0.99 and not s[0].get("ambiguous_with"), s[0]
PY
ok "a simulated blackhole: its flows stall, the run keeps the rest, analyze names it alone"

# bad input: clear one-line errors, exit 2
expect2() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -ge 1 ] || { cat "$TMP/err"; fail "exit $rc for: $*"; }
	ok "bad input, exit 2: $(head -1 "$TMP/err" | cut -c1-120)"
}
expect2 $FABPROBE analyze "$TMP/bad"
expect2 $FABPROBE analyze --topology "$TMP/nonexistent.yaml" "$TMP/bad"
expect2 $FABPROBE analyze --topology "$T" "$TMP/nowhere"
$FABPROBE topo gen leaf-spine --hosts-per-leaf 1 --leaves 2 --spines 1 --output "$TMP/small.yaml"
expect2 $FABPROBE analyze --topology "$TMP/small.yaml" "$TMP/bad"   # 8 ranks, 2 hosts
mkdir -p "$TMP/noflows" "$TMP/empty"
python3 -c "
import json; d=json.load(open('$TMP/bad/run.json'))
for r in d['results']: r['flows'] = []
json.dump(d, open('$TMP/noflows/run.json','w'))
d['results'] = []; d['sizes_done'] = []
json.dump(d, open('$TMP/empty/run.json','w'))"
expect2 $FABPROBE analyze --topology "$T" "$TMP/noflows"
expect2 $FABPROBE analyze --topology "$T" "$TMP/empty"
printf 'fabprobe_topology: 1\nnodes:\n  - {name: a, kind: host}\n  - {name: a, kind: host}\n' >"$TMP/dup.yaml"
expect2 $FABPROBE analyze --topology "$TMP/dup.yaml" "$TMP/bad"
printf 'fabprobe_topology: 1\nnodes: [\n' >"$TMP/trunc.yaml"
expect2 $FABPROBE topo check "$TMP/trunc.yaml"

# physical rules from the topology's own fields: a link that trained down, copper past reach
sed -e 's/{a: "leaf2:p3", b: "spine1:p2", gbps: 0.1, lanes: 1, media: aoc, length_m: 30}/{a: "leaf2:p3", b: "spine1:p2", gbps: 0.1, lanes: 1, media: dac, length_m: 30, trained_gbps: 0.05}/' \
	"$T" >"$TMP/rules.yaml"
grep -q "trained_gbps: 0.05" "$TMP/rules.yaml" || fail "rules fixture"
$FABPROBE analyze --topology "$TMP/rules.yaml" "$TMP/bad" >"$TMP/out"
grep -q "physical: trained at 0.05 of 0.1 Gb/s; dac of 30 m is past the 7 m reach of copper" "$TMP/out" ||
	{ cat "$TMP/out"; fail "physical rules cite what they found and the threshold"; }
ok "physical rules: $(grep physical "$TMP/out" | head -1 | cut -c1-150)"

# inventories: PCIe below max on a host, an optic near its alarm on its link
F=$FP_SRCDIR/tests/fixtures
$FABPROBE inventory --sysfs-root "$F/sysfs/eth-degraded" --hostname h3 --eeprom-file "$F/eeprom/sr4.bin" \
	--port enp65s0f0 --format json >"$TMP/inv-h3.json" || fail "inventory"
$FABPROBE analyze --topology "$T" "$TMP/clean" --inventory "$TMP/inv-h3.json" >"$TMP/out"
[ $? -eq 1 ] || fail "inventory findings: exit 1"
grep -q "HOST h3: enp65s0f0: PCIe x8 at 8 GT/s, below its own x16 at 16 GT/s" "$TMP/out" || { cat "$TMP/out"; fail "PCIe rule"; }
grep -q "LINK h3:p0 <-> leaf1:p1: enp65s0f0: module RX power on lane 2 is 1.0 dB from its low alarm" "$TMP/out" ||
	{ cat "$TMP/out"; fail "DOM margin rule"; }
grep -q "spreads 12.6 dB across lanes" "$TMP/out" || fail "lane spread rule"
ok "inventory rules: PCIe on the host, DOM margin and lane spread on its link"
sed 's/"host": "h3"/"host": "nosuch"/' "$TMP/inv-h3.json" >"$TMP/inv-x.json"
$FABPROBE analyze --topology "$T" "$TMP/clean" --inventory "$TMP/inv-x.json" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "not a host of the topology" "$TMP/err" || fail "an inventory of an unknown host"
ok "inventory of an unknown host: exit 2"

# error counters that grew during a run name that host's link
mkdir -p "$TMP/grew"
python3 -c "
import json; d=json.load(open('$TMP/clean/run.json'))
d['counters']=[{'rank': 5, 'port': 'eth1', 'deltas': {'rx_crc_errors': 12, 'tx_bytes': 9}}]
json.dump(d, open('$TMP/grew/run.json', 'w'))"
$FABPROBE analyze --topology "$T" "$TMP/grew" >"$TMP/out"
[ $? -eq 1 ] && grep -q "LINK h5:p0 <-> leaf2:p1: eth1: rx_crc_errors grew by 12 during the run" "$TMP/out" ||
	{ cat "$TMP/out"; fail "counter growth finding"; }
ok "counters that grew during the run: $(grep 'grew by' "$TMP/out")"

# the verdict is every kind of finding's (issue 18): no measured suspect, yet a CRC count, an
# uncorrectable FEC count over the 1e-12 BER limit, a link flapping (counters.csv), or the
# topology's own link state: "findings", in JSON and on the text's first line, exit 1.
# (No python per call: each start of python3 costs seconds on a loaded machine.)
verdict() { # DIR [ANALYZE ARGS]: "json-verdict text-verdict exit"
	local d=$1 rc
	shift
	$FABPROBE analyze --topology "$T" "$@" --format json "$d" >"$TMP/vj.json" 2>/dev/null
	rc=$?
	$FABPROBE analyze --topology "$T" "$@" "$d" >"$TMP/vt" 2>/dev/null
	echo "$(sed -n 's/^  "verdict": "\([a-z ]*\)",$/\1/p' "$TMP/vj.json")" \
		"$(head -1 "$TMP/vt" | sed -n 's/^fabprobe analyze: \([a-z ]*\):.*/\1/p')" "$rc"
}
mkdir -p "$TMP/fec" "$TMP/flapping" "$TMP/many"
python3 -c "
import json; d=json.load(open('$TMP/clean/run.json'))
d['counters']=[{'rank': 2, 'port': 'eth0', 'deltas': {'fec_uncorrectable': 3}}]
json.dump(d, open('$TMP/fec/run.json', 'w'))
d['counters']=[{'rank': i % 8, 'port': 'eth%d' % i, 'deltas': {'rx_crc_errors': 12}} for i in range(70)]
json.dump(d, open('$TMP/many/run.json', 'w'))"
[ "$(verdict "$TMP/clean")" = "clean clean 0" ] || fail "clean: $(verdict "$TMP/clean")"
# a clean verdict counts the links it could not have named, the same in JSON and text:
# one permutation round (8 flows) leaves most links untested
sim permutation --rounds 1 --output "$TMP/cpairs" --noise 0.02 --seed 3
[ "$(verdict "$TMP/cpairs")" = "clean clean 0" ] || fail "clean permutation: $(verdict "$TMP/cpairs")"
un=$(sed -n 's/^  "untested_count": \([0-9]*\),$/\1/p' "$TMP/vj.json")
[ -n "$un" ] && [ "$(grep -c '^      "link": ' "$TMP/vj.json")" -ge "$un" ] &&
	[ "$un" -gt 0 ] && grep -q "^untested: $un of " "$TMP/vt" ||
	{ cat "$TMP/vt"; fail "clean: untested links ($un)"; }
ok "clean permutation: $(grep -o '^untested: [0-9]* of [0-9]* links' "$TMP/vt") at 50%"
[ "$(verdict "$TMP/grew")" = "findings findings 1" ] || { cat "$TMP/vt"; fail "CRC errors: $(verdict "$TMP/grew")"; }
[ "$(verdict "$TMP/fec")" = "findings findings 1" ] &&
	grep -q "3 uncorrectable FEC blocks in .*above the 1e-12 limit" "$TMP/vt" ||
	{ cat "$TMP/vt"; fail "FEC over its BER limit: $(verdict "$TMP/fec")"; }
cp "$TMP/clean/run.json" "$TMP/flapping/"
{ echo "t_s,rank,port,counter,value,delta"
  for k in 0 1 2 3; do for r in 0 1 2 3 4 5 6 7; do
	v=0; [ $r = 6 ] && [ $k -ge 1 ] && v=1; [ $r = 6 ] && [ $k -ge 3 ] && v=2
	d=0; [ $r = 6 ] && { [ $k = 1 ] || [ $k = 3 ]; } && d=1
	echo "$k.0,$r,eth0,carrier_changes,$v,$d"
  done; done; } >"$TMP/flapping/counters.csv"
[ "$(verdict "$TMP/flapping")" = "findings findings 1" ] && grep -q "h6:p0 .*FLAPPING" "$TMP/vt" ||
	{ cat "$TMP/vt"; fail "flapping: $(verdict "$TMP/flapping")"; }
T0=$T
T=$TMP/rules.yaml
[ "$(verdict "$TMP/clean")" = "findings findings 1" ] || { cat "$TMP/vt"; fail "link state: $(verdict "$TMP/clean")"; }
T=$T0
ok "no measured suspect: CRC errors, FEC over its BER limit, flapping, link state: verdict findings (JSON, text), exit 1"

# more findings than the list holds: listed up to it, the rest counted in text and JSON
[ "$(verdict "$TMP/many")" = "findings findings 1" ] || fail "70 findings: $(verdict "$TMP/many")"
[ "$(grep -c '^      "finding": "eth[0-9]*: rx_crc_errors grew by 12' "$TMP/vj.json")" = 64 ] &&
	grep -q '^  "inventory_findings_not_listed": 6,$' "$TMP/vj.json" ||
	fail "70 findings: 64 listed, 6 counted in JSON"
grep -q "^   \.\.\. and 6 more findings, not listed: the list holds the first 64$" "$TMP/vt" ||
	{ tail -3 "$TMP/vt"; fail "70 findings: the text says 6 more"; }
ok "70 counter findings: 64 listed, '... and 6 more findings' (JSON inventory_findings_not_listed 6)"

# ranks join their own endpoint by identity (issue 16): 8 ranks on 2 servers of 4 NICs each,
# every rank of a server with the same hostname, told apart by its RDMA device. The topology
# lists the NICs in reverse, so file order would be wrong; the slow NIC must still be named.
$FABPROBE topo gen rail --groups 1 --hosts-per-leaf 2 --rails 4 --spines 2 --output "$TMP/rail.yaml" || fail "rail"
$FABPROBE sim "$TMP/rail.yaml" alltoall --faults slowhost:h1.r2:0.3 --output "$TMP/gpu" --quiet >/dev/null || fail "sim rail"
python3 - "$TMP" <<'PY' || fail "rail fixtures"
import json, re, sys
d = sys.argv[1]
lines = open(d + "/rail.yaml").read().split("\n")
hosts = [i for i, l in enumerate(lines) if l.startswith("  - {name: h")]
ident = lambda l: re.sub(r"\{name: (h(\d+)\.r(\d+)), (.*)\}", r'{name: \1, \4, dev: "mlx5_\3"}', l)
rev = [ident(lines[i]) for i in reversed(hosts)]
for i, l in zip(hosts, rev):
    lines[i] = l
open(d + "/rail-rev.yaml", "w").write("\n".join(lines))
run = json.load(open(d + "/gpu/run.json"))
csv = ["rank,endpoint"]
for h in run["hosts"]:
    csv.append("%d,%s" % (h["rank"], h["hostname"]))
    server, rail = h["hostname"].split(".r")
    h["hostname"] = server
    h["endpoint"] = {"device": "mlx5_" + rail}
json.dump(run, open(d + "/gpu/run.json", "w"))
open(d + "/map.csv", "w").write("\n".join(csv) + "\n")
for h in run["hosts"]:
    del h["endpoint"]
import os; os.makedirs(d + "/gpu-names")
json.dump(run, open(d + "/gpu-names/run.json", "w"))
PY
$FABPROBE analyze --topology "$TMP/rail-rev.yaml" "$TMP/gpu" >"$TMP/out" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "1. HOST h1.r2" "$TMP/out" && [ ! -s "$TMP/err" ] ||
	{ cat "$TMP/out" "$TMP/err"; fail "8 ranks on 2 servers join their own NIC by device"; }
ok "8 ranks, 2 servers x 4 NICs, one hostname per server: each rank on its own NIC, slow h1.r2 named"
$FABPROBE analyze --topology "$TMP/rail-rev.yaml" "$TMP/gpu-names" >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "rank 0 (host 'h0'): its hostname (its server's) matches several endpoints" "$TMP/err" ||
	{ cat "$TMP/err"; fail "hostnames of 4-NIC servers are ambiguous"; }
ok "hostname alone on a 4-NIC server: exit 2, $(cut -c1-90 "$TMP/err")"
$FABPROBE analyze --topology "$TMP/rail-rev.yaml" --map "$TMP/map.csv" "$TMP/gpu-names" >"$TMP/out"
[ $? -eq 1 ] && grep -q "1. HOST h1.r2" "$TMP/out" || { cat "$TMP/out"; fail "--map FILE"; }
ok "--map FILE joins ranks as its lines say"
$FABPROBE analyze --topology "$TMP/rail-rev.yaml" --map order "$TMP/gpu-names" >"$TMP/out" 2>"$TMP/err"
rc=$?
grep -q "1. HOST h1.r2" "$TMP/out" && fail "--map order on a reversed file cannot find h1.r2"
# the simulated run recorded its paths: the wrong join shows as a path that does not fit
# (exit 2); a run without paths would be analyzed, with the warning
{ [ $rc -eq 2 ] && grep -q "is not a route through the topology" "$TMP/err"; } ||
	grep -q "\-\-map order: rank k is taken" "$TMP/err" ||
	{ cat "$TMP/err" "$TMP/out"; fail "--map order says what it did"; }
ok "--map order joins by file order: a wrong join is refused by the recorded paths, or said"

# latency under load (a folder of class runs): every flow the class runs hold is read; the
# observations stopped at 65,536 without a word. 70 permutation rounds on 1,024 hosts: 71,680
mkdir -p "$TMP/lul"
$FABPROBE topo gen fat-tree --k 16 --output "$TMP/ft16.yaml" >/dev/null || fail "topo gen k=16"
$FABPROBE sim "$TMP/ft16.yaml" permutation --rounds 70 --output "$TMP/lul/bulk" --quiet >/dev/null ||
	fail "sim 70 rounds"
echo '{}' >"$TMP/lul/classes.json" # analyze takes a folder with classes.json for class runs
$FABPROBE analyze --topology "$TMP/ft16.yaml" "$TMP/lul" >"$TMP/out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(cat "$TMP/out")" = "latency under load: 71680 flows with paths" ] ||
	{ cat "$TMP/out"; fail "class runs: exit $rc"; }
ok "a class run of 71,680 flows: all read (no cut at 65,536)"

# a lab run whose 16K size was measured and whose 64K size stalled (leaf3-spine0 blackholed
# mid-run, 2026-12-02): the stalled flows are not traced, the others are; analyze reads
# both and names the planted link alone, where "all or none" traced paths would refuse it
$FABPROBE analyze --topology "$FP_SRCDIR/topologies/lab-leafspine.yaml" --format json \
	"$F/stalled" >"$TMP/stalled.json" 2>"$TMP/stalled.err"
[ $? -eq 1 ] || { cat "$TMP/stalled.err"; fail "stalled: the analyzer found nothing"; }
python3 - "$TMP/stalled.json" <<'PY' || fail "stalled: wrong verdict"
import json, sys
v = json.load(open(sys.argv[1]))
s = [(x["a"], x["b"], x["state"]) for x in v["suspects"]]
assert s == [("leaf3", "spine0", "blackhole")] and v["failed_flows"] == 12, (s, v["failed_flows"])
PY
ok "sizes measured, then flows stalled: analyze names the link blackholed mid-run"
