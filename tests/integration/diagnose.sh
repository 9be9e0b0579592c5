# fabprobe diagnose with the simulator as executor (issue 22): planted faults are ruled in
# after targeted steps, a clean fabric stops after the screen, diagnosis.json is whole, and
# bad input is one line and exit 2.
$FABPROBE topo gen fat-tree --k 4 --output "$TMP/k4.yaml" || fail "topo gen"
T=$TMP/k4.yaml
# a degraded aggregation-core link and a slow host, found and nothing else
link=$(python3 - "$T" <<'PY'
import re, sys
hosts, n = set(), 0
for line in open(sys.argv[1]):
    m = re.match(r'\s*- \{name: "?([^",]+)"?, kind: host', line)
    if m:
        hosts.add(m.group(1))
    m = re.match(r'\s*- \{a: "([^":]+)[^"]*", b: "([^":]+)', line)
    if m:
        if m.group(1).startswith("a") and m.group(2).startswith("c"):
            print(n)
            break
        n += 1
PY
)
$FABPROBE diagnose --topology "$T" --faults "degrade:#$link:0.4,slowhost:h5:0.5" --seed 2 --rounds 2 \
	--output "$TMP/d" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "diagnose: exit $?"; }
python3 - "$TMP/d/diagnosis.json" "$link" <<'PY' || { cat "$TMP/out"; fail "diagnosis.json"; }
import json, sys
d = json.load(open(sys.argv[1])); link = int(sys.argv[2])
assert d["schema_version"] == 1 and not d["clean"], d["stop"]
got = {("host", h["host"]) if h["kind"] == "host" else ("link", h["link"])
       for h in d["hypotheses"] if h["state"] == "confirmed"}
assert got == {("link", link), ("host", "h5")}, got
assert not [h for h in d["hypotheses"] if h["state"] == "open"]
assert d["steps"][0]["kind"] in ("screen", "pairs") and len(d["steps"]) >= 2
target = [s for s in d["steps"] if s["kind"] == "target"]
assert target and any(target[0]["ruled_in"]), target
assert 0 < d["bytes"] < d["full_pairs_bytes"] / 4, (d["bytes"], d["full_pairs_bytes"])
assert d["full_pairs_basis"] == "flow_bytes", d["full_pairs_basis"]
for h in d["hypotheses"]:
    if h["state"] == "confirmed":
        assert h["probes"] >= 3 and h["bad"] * 3 >= h["probes"] * 2 and h["q_median"] < 0.8, h
PY
grep -q "^verdict: faulty host h5" "$TMP/out" || fail "text verdict names h5"
grep -q "ruled in  link" "$TMP/out" || fail "text timeline rules the link in"
ok "a degraded link and a slow host ruled in by targeted steps, nothing else"

# the local step: a slow host's own loopback is slow, a degraded host cable's host's is not
$FABPROBE diagnose --topology "$T" --faults "degrade:h5-e1_0:0.5,slowhost:h9:0.5" --seed 2 \
	--rounds 2 --output "$TMP/hc" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "local: exit $?"; }
python3 - "$TMP/hc/diagnosis.json" <<'PY' || { cat "$TMP/out"; fail "host told from cable"; }
import json, sys
d = json.load(open(sys.argv[1]))
got = {h["host"]: (h["names"], h["verdict"]) for h in d["hypotheses"] if h["state"] == "confirmed"}
assert got == {"h5": ("cable", "cable h5:p0-e1_0:p1 (or h5's NIC)"), "h9": ("host", "host h9")}, got
loc = {l["host"]: l for l in d["local"]}
assert set(loc) == {"h5", "h9"} and loc["h9"]["q_local"] < 0.8 <= loc["h5"]["q_local"], loc
assert loc["h9"]["reference"] not in ("h5", "h9") and d["steps"][-1]["kind"] == "local", d["steps"][-1]
PY
grep -q "^verdict: faulty host h9, .*its loopback at" "$TMP/out" || fail "text verdict: host h9"
grep -q "^verdict: faulty cable h5:p0-e1_0:p1 (or h5's NIC), .*h5's own loopback is healthy" \
	"$TMP/out" || fail "text verdict: h5's cable"
ok "the local step: a slow host named as the host, a degraded host cable as the cable"

# clean: no fault, no noise: screened, no suspect, clean
$FABPROBE diagnose --topology "$T" --noise 0 --format json >"$TMP/c.json" || fail "clean: exit $?"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["clean"] and not d["hypotheses"] and d["stop"].startswith("clean"), d' "$TMP/c.json" ||
	fail "clean fabric"
ok "a clean fabric: clean after the screen"

# a budget the targeted step does not fit: stopped after the screen, the suspect still open
$FABPROBE diagnose --topology "$T" --faults "degrade:#$link:0.4" --rounds 2 --round 1s --budget 2s \
	--format json >"$TMP/b.json" || fail "budget: exit $?"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert len(d["steps"]) == 1 and d["stop"].startswith("budget spent") and not d["clean"], d["stop"]
assert [h for h in d["hypotheses"] if h["state"] == "open"], d["hypotheses"]' "$TMP/b.json" ||
	fail "a step past the budget ran"
ok "--budget: a step that would pass it does not run; its suspects stay open"

# the same seed, the same diagnosis
$FABPROBE diagnose --topology "$T" --faults "degrade:#$link:0.4" --seed 9 --format json >"$TMP/a1"
$FABPROBE diagnose --topology "$T" --faults "degrade:#$link:0.4" --seed 9 --format json >"$TMP/a2"
cmp -s "$TMP/a1" "$TMP/a2" || fail "not reproducible from its seed"
ok "reproducible from --seed"

# bad input: one line, exit 2, nothing written
bad() {
	local want=$1
	shift
	$FABPROBE diagnose "$@" >"$TMP/o" 2>"$TMP/e"
	local rc=$?
	[ $rc -eq 2 ] || fail "diagnose $*: exit $rc, not 2"
	[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "diagnose $*: not one line: $(cat "$TMP/e")"
	grep -q -- "$want" "$TMP/e" || fail "diagnose $*: $(cat "$TMP/e")"
}
bad "--topology FILE is required"
bad "No such file" --topology "$TMP/none.yaml"
bad "is unknown" --topology "$T" --engine nope
bad "simulator (--engine sim) only" --topology "$T" --engine sockets --faults "degrade:#$link:0.5"
bad "at least 2" --topology "$T" --engine sockets
bad "no pattern" --topology "$T" --engine sockets pairs
bad "down" --topology "$T" --faults "down:#$link"
bad "noise" --topology "$T" --noise 2
bad "exists" --topology "$T" --output "$TMP/d"
ok "bad input: one line, exit 2; an existing diagnosis is not overwritten"

# report renders the timeline, escaped (the names come from a topology: outside input)
if command -v gnuplot >/dev/null; then
	mkdir "$TMP/evil"
	python3 - "$TMP/d/diagnosis.json" "$TMP/evil/diagnosis.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["hypotheses"][0]["name"] = "<script>alert(1)</script>"
d["steps"][-1]["ruled_in"] = ["<img src=x onerror=alert(2)>"]
json.dump(d, open(sys.argv[2], "w"))
PY
	$FABPROBE report "$TMP/d" "$TMP/evil" --out "$TMP/rep" >/dev/null 2>"$TMP/err" ||
		{ cat "$TMP/err"; fail "report of a diagnosis"; }
	grep -q "<h2>Diagnosis d: faulty: " "$TMP/rep/report.html" || fail "the diagnosis heading"
	grep -q "target" "$TMP/rep/report.html" || fail "the timeline's target step"
	grep -q "<script>alert\|<img src=x" "$TMP/rep/report.html" && fail "a name reached the HTML unescaped"
	grep -q "&lt;script&gt;" "$TMP/rep/report.html" || fail "the escaped name"
	ok "report: the diagnosis as a timeline, names escaped"
fi

# the runner as executor on loopback: two ranks, one per host of a two-host fabric
cat >"$TMP/two.yaml" <<'EOF'
fabprobe_topology: 1
name: two
nodes:
  - {name: h0, kind: host, tier: 0, group: leaf0, nic_gbps: 10}
  - {name: h1, kind: host, tier: 0, group: leaf0, nic_gbps: 10}
  - {name: leaf0, kind: switch, tier: 1}
links:
  - {a: "h0:p0", b: "leaf0:p0", gbps: 10}
  - {a: "h1:p0", b: "leaf0:p1", gbps: 10}
EOF
# two NAME1 NAME0 ARGS...: rank 1 on host NAME1 in the background (its status in $TMP/r1),
# rank 0 on NAME0 here
two() {
	local a1=$1 a0=$2 p
	shift 2
	p=$(free_port)
	local c=(diagnose --topology "$TMP/two.yaml" --engine sockets --round 300ms --size 2
		--rendezvous "127.0.0.1:$p" --token "t-$p" --timeout 10s "$@")
	(timeout 60 $FABPROBE "${c[@]}" --rank 1 --hostname "$a1" >/dev/null 2>"$TMP/e1"
	 echo $? >"$TMP/r1") &
	R1=$!
	timeout 60 $FABPROBE "${c[@]}" --rank 0 --hostname "$a0" >"$TMP/o0" 2>"$TMP/e0"
}
two h1 h0 --output "$TMP/lo"
rc=$?
wait $R1
[ $rc -eq 0 ] && [ "$(cat "$TMP/r1")" = 0 ] || { cat "$TMP/e0" "$TMP/e1"; fail "loopback diagnose: $rc"; }
python3 - "$TMP/lo/diagnosis.json" <<'PY' || fail "loopback diagnosis"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "complete" and d["clean"] and d["steps"][0]["bytes"] > 0, d
# every pair once priced at the screen's median flow: 2 pairs, each measured once per round
s0 = d["steps"][0]
assert d["full_pairs_basis"] == "measured" and 0 < d["full_pairs_bytes"] <= 2 * s0["bytes"], d
PY
$FABPROBE analyze --topology "$TMP/two.yaml" "$TMP/lo/step-0" >/dev/null || fail "analyze of a step folder"
ok "the runner as executor: two loopback ranks, clean, a step folder analyze reads"

two h1 nothere
rc=$?
wait $R1
[ $rc -eq 1 ] && [ "$(cat "$TMP/r1")" = 1 ] || fail "a rank on no topology host: $rc, $(cat "$TMP/r1")"
grep -q "'nothere', which is not a host" "$TMP/e0" || fail "the stranger unnamed: $(cat "$TMP/e0")"
ok "a rank on no host of the topology: both ranks exit 1, named"

# a rank that dies mid-step: rank 0 writes what it has, incomplete, and exits 1
p=$(free_port)
c=(diagnose --topology "$TMP/two.yaml" --engine sockets --round 2s --size 2
	--rendezvous "127.0.0.1:$p" --token "t-$p" --timeout 5s)
# (not under timeout: the kill must reach fabprobe; its own waits are bounded by --timeout)
rm -f "$TMP/e0" # the line below must be this run's
$FABPROBE "${c[@]}" --rank 1 --hostname h1 >/dev/null 2>&1 &
R1=$!
# killed once rank 0 starts the loop (its "connections traced" line), so mid-step on any load
(for _ in $(seq 400); do grep -q "connections traced" "$TMP/e0" 2>/dev/null && break; sleep 0.1; done
 sleep 0.5; kill -9 $R1) &
K=$!
timeout 60 $FABPROBE "${c[@]}" --rank 0 --hostname h0 --output "$TMP/dead" >/dev/null 2>"$TMP/e0"
rc=$?
wait $R1 $K
[ $rc -eq 1 ] || fail "a dead rank: rank 0 exit $rc"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"] == "incomplete" and d["error"], d' \
	"$TMP/dead/diagnosis.json" || fail "the dead rank's diagnosis is not marked incomplete"
ok "a rank killed mid-step: diagnosis.json incomplete, exit 1"
