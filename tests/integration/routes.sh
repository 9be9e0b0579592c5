# The --routes options on the command line (issue 17), with the fixtures under
# tests/fixtures/routes: findings and exit codes of topo check, the LIDs topo import writes,
# sim routing by the tables, and bad input as one line and exit 2, never a partial file.
F="$FP_SRCDIR/tests/fixtures/routes"
cd "$TMP" || fail "no temp folder"
"$FABPROBE" topo import "$F/2sw.ibnet" --routes "$F/2sw.opensm-lfts" --output topo.yaml ||
	fail "topo import --routes"
grep -q 'a: "Switch2:2", b: "Hca4:1".*lid_a: 3, lid_b: 6' topo.yaml ||
	fail "Hca4's port has LID 6 and Switch2 LID 3: $(grep Hca4 topo.yaml)"
for f in 2sw.ibroute 2sw.dump_lfts 2sw.opensm-lfts; do
	"$FABPROBE" topo check topo.yaml --routes "$F/$f" >out || fail "$f: $(cat out)"
	grep -q "2 switch tables, 6 LIDs: no problems found" out || fail "$f: $(cat out)"
done
ok "three formats of one SM's tables: clean"
# fixture, then a line topo check must print
while IFS='|' read -r f want; do
	"$FABPROBE" topo check topo.yaml --routes "$F/$f" >out
	rc=$?
	[ $rc = 1 ] || fail "$f: exit $rc, not 1: $(cat out)"
	grep -qF "$want" out || fail "$f: no '$want' in: $(cat out)"
done <<'EOF2'
loop.lfts|error: LID 6 (Hca4): forwarding loop Switch1 -> Switch2 -> Switch1
loop.lfts|error: credit loop: channel dependency cycle
missing.lfts|missing.lfts:10: error: switch Switch2 has no route to 1 LID: 2 (Hca1)
EOF2
"$FABPROBE" topo check topo.yaml --routes "$F/unbalanced.lfts" >out ||
	fail "uneven uplinks are a warning, not an error: $(cat out)"
grep -qF "warning: switch Switch1: parallel links carry uneven routes to CA LIDs (port 3: 2, port 5: 0)" out ||
	fail "unbalanced: $(cat out)"
ok "topo check --routes: a loop, a credit loop, a missing LID, an unbalanced leaf"
"$FABPROBE" sim topo.yaml alltoall --routes "$F/2sw.ibroute" --output run --quiet ||
	fail "sim --routes"
python3 - run/run.json topo.yaml <<'PY' || fail "sim --routes: a path is not the table's"
import json, sys
run = json.load(open(sys.argv[1]))
links = [l for l in open(sys.argv[2]) if l.startswith("  - {a:")]
host = {h["rank"]: h["hostname"] for h in run["hosts"]}
# Switch1 sends Hca4 (LID 6) out of port 5, Switch2 sends Hca3 (LID 5) out of port 5
n = 0
for f in run["results"][0]["flows"]:
    mid = [links[k] for k in f["path"] if "Switch1" in links[k] and "Switch2" in links[k]]
    want = {("Hca1", "Hca4"): ":5", ("Hca3", "Hca4"): ":5", ("Hca2", "Hca3"): ":5",
            ("Hca4", "Hca3"): ":5"}.get((host[f["src"]], host[f["dst"]]))
    if want and not (len(mid) == 1 and f'Switch1{want}"' in mid[0]):
        sys.exit(f"{host[f['src']]} -> {host[f['dst']]}: {mid}")
    n += want is not None
if n != 4:
    sys.exit(f"{n} of the 4 flows over port 5 found")
PY
"$FABPROBE" sim topo.yaml alltoall --routes "$F/loop.lfts" --output run2 --quiet 2>err
rc=$?
[ $rc != 0 ] && grep -q "the tables route it nowhere" err && [ ! -e run2 ] ||
	fail "sim on looping tables: exit $rc, $(cat err)"
ok "sim --routes: flows go the tables' way; a loop is an error"
# analyze --routes (issue 17): a run that recorded no paths, with Switch1:5 <-> Switch2:5 at
# 40%; the ECMP expectation cannot tell the two parallel inter-switch links apart (it names
# host cables), the SM's tables route each flow as the switches do and name that link
grep -n '' topo.yaml | grep -q '^[0-9]*:  - {a: "Switch2:5", b: "Switch1:5"' || fail "no link Switch2:5"
"$FABPROBE" sim topo.yaml alltoall --routes "$F/2sw.ibroute" --faults 'degrade:#3:0.4' \
	--output deg --quiet || fail "sim --routes --faults"
strip_paths deg/run.json
for how in expected routed; do
	args=()
	[ $how = routed ] && args=(--routes "$F/2sw.ibroute")
	"$FABPROBE" analyze --topology topo.yaml "${args[@]}" --format json deg >"v-$how.json"
	rc=$?
	# the expectation spreads the slow flows over both links: a clean verdict or others
	[ $rc = 1 ] || { [ $how = expected ] && [ $rc = 0 ]; } ||
		fail "analyze ($how paths): exit $rc"
done
python3 - v-expected.json v-routed.json deg/ground_truth.json <<'PY' || fail "analyze --routes"
import json, sys
exp, rt, g = (json.load(open(p)) for p in sys.argv[1:])
link = g["faults"][0]["link"]
assert exp["paths"] == {"expected": 12, "routed": 0, "traced": 0, "recorded": 0}, exp["paths"]
assert rt["paths"] == {"expected": 0, "routed": 12, "traced": 0, "recorded": 0}, rt["paths"]
assert link not in [s["link"] for s in exp["suspects"]], ("ECMP alone found it", exp["suspects"])
s = rt["suspects"]
assert len(s) == 1 and s[0]["link"] == link and s[0]["a_port"] == "5", s
assert s[0]["bad_flows"] == 4 and s[0]["flows"] == 4 and not s[0]["ambiguous_with"], s[0]
PY
"$FABPROBE" analyze --topology topo.yaml --routes "$F/2sw.ibroute" deg >out
grep -q "^paths: 0 recorded, 0 traced, 12 routed, 0 expected" out || fail "paths line: $(cat out)"
ok "analyze --routes names the degraded Switch1:5 <-> Switch2:5 link; the ECMP expectation could not"
"$FABPROBE" analyze --topology topo.yaml --routes "$F/loop.lfts" deg >out 2>err
rc=$?
[ $rc = 2 ] && [ "$(wc -l <err)" = 1 ] && grep -q "is not a route" err ||
	fail "analyze on looping tables: exit $rc, $(cat err)"
ok "analyze --routes on tables that loop: one line, exit 2"

# bad input: one line on stderr, exit 2, no output file
printf 'garbage\n' >bad.lfts
printf 'Unicast lids [0-1] of switch Lid 1 guid 0x1 (x):\n0x0002 001\n' >other.lfts
for args in "topo import $F/2sw.ibnet --routes bad.lfts --output o.yaml" \
	"topo import $F/2sw.ibnet --routes other.lfts --output o.yaml" \
	"topo check topo.yaml --routes /nonexistent" \
	"topo check topo.yaml --routes $F/2sw.ibnet" \
	"sim topo.yaml alltoall --routes bad.lfts --output run3 --quiet" \
	"analyze --topology topo.yaml --routes bad.lfts run" \
	"analyze --topology topo.yaml --routes other.lfts run"; do
	# shellcheck disable=SC2086
	"$FABPROBE" $args >/dev/null 2>err
	rc=$?
	[ $rc = 2 ] || fail "$args: exit $rc, not 2: $(cat err)"
	[ "$(wc -l <err)" = 1 ] || fail "$args: not one line: $(cat err)"
	[ ! -e o.yaml ] && [ ! -e run3/run.json ] || fail "$args: left an output"
done
ok "bad --routes input: one line, exit 2, no output"
