# Real forwarding tables from the real subnet manager (issue 17; ibsim.sh is issue 16's
# importer test): opensm routes an ibsim fabric with parallel uplinks; fabprobe imports
# ibnetdiscover and the tables as ibroute, dump_lfts and opensm-lfts.dump print them; every
# flow's routed path must be ibtracert's.
# Then a spine port is unlinked, opensm re-routes, and the new tables give the new paths.
for p in ibsim opensm ibnetdiscover ibroute dump_lfts ibtracert; do
	command -v "$p" >/dev/null || skip "$p is missing (scripts/setup installs ibsim-utils, opensm, infiniband-diags)"
done
SO=$(ls /usr/lib/*/umad2sim/libumad2sim.so 2>/dev/null | head -1)
[ -n "$SO" ] || skip "libumad2sim.so (ibsim-utils) is missing"
cd "$TMP" || fail "no temp folder"
export IBSIM_SOCKNAME="fabprobe-it-$$"
# opensm's subnet list and GUID-to-LID cache go to $TMP too, not /var/log, /var/cache
export OSM_TMP_DIR="$TMP" OSM_CACHE_DIR="$TMP/cache"
# ibsim's umad2sim makes ./sys-PID in the working folder: $TMP, removed on exit
ib() { LD_PRELOAD=$SO timeout 60 "$@"; }
cat >net <<'NET'
Switch 8 "Leaf1"
[1] "Hca1"[1]
[2] "Hca2"[1]
[5] "Spine1"[1]
[6] "Spine1"[2]
[7] "Spine2"[1]

Switch 8 "Leaf2"
[1] "Hca3"[1]
[2] "Hca4"[1]
[5] "Spine1"[3]
[7] "Spine2"[2]

Switch 8 "Spine1"
[1] "Leaf1"[5]
[2] "Leaf1"[6]
[3] "Leaf2"[5]

Switch 8 "Spine2"
[1] "Leaf1"[7]
[2] "Leaf2"[7]

Hca 1 "Hca1"
[1] "Leaf1"[1]

Hca 1 "Hca2"
[1] "Leaf1"[2]

Hca 1 "Hca3"
[1] "Leaf2"[1]

Hca 1 "Hca4"
[1] "Leaf2"[2]
NET
mkfifo ctl || fail "mkfifo"
ibsim -s net <ctl >ibsim.log 2>&1 &
PIDS+=($!)
exec 3>ctl
sleep 1
kill -0 "${PIDS[0]}" 2>/dev/null || fail "ibsim did not start: $(tail -3 ibsim.log)"
ib opensm -c osm.conf >/dev/null 2>&1
sed -i "s|^dump_files_dir .*|dump_files_dir $TMP/|" osm.conf

# one opensm sweep, then the fabric and its tables in all three formats, in folder $1
take() {
	mkdir -p "$1"
	rm -f opensm-lfts.dump
	ib opensm -F osm.conf -o -D 0x43 -f "$TMP/opensm.log" >/dev/null 2>&1 ||
		fail "opensm: $(tail -3 opensm.log)"
	[ -s opensm-lfts.dump ] || fail "opensm wrote no opensm-lfts.dump"
	cp opensm-lfts.dump "$1/opensm-lfts"
	ib ibnetdiscover >"$1/ibnet" 2>/dev/null || fail "ibnetdiscover"
	ib dump_lfts >"$1/dump_lfts" 2>/dev/null || fail "dump_lfts"
	: >"$1/ibroute"
	for lid in $(sed -n 's/.* of switch Lid \([0-9]*\) .*/\1/p' "$1/opensm-lfts"); do
		ib ibroute "$lid" >>"$1/ibroute" 2>/dev/null || fail "ibroute $lid"
	done
	"$FABPROBE" topo import "$1/ibnet" --routes "$1/opensm-lfts" --output "$1/topo.yaml" ||
		fail "topo import --routes"
}

# every format: topo check clean, sim's paths equal ibtracert's
compare() {
	for f in ibroute dump_lfts opensm-lfts; do
		"$FABPROBE" topo check "$1/topo.yaml" --routes "$1/$f" >"$1/check-$f" ||
			fail "topo check --routes $1/$f: $(cat "$1/check-$f")"
		grep -q "no problems found" "$1/check-$f" || fail "$1/$f: $(cat "$1/check-$f")"
		"$FABPROBE" sim "$1/topo.yaml" alltoall --routes "$1/$f" --output "$1/run-$f" \
			--quiet || fail "sim --routes $1/$f"
		LD_PRELOAD=$SO python3 "$HERE/ibsim_paths.py" "$1/topo.yaml" "$1/run-$f" \
			"$1/paths-$f.json" || fail "$1/$f: paths differ from ibtracert"
		cmp -s "$1/paths-ibroute.json" "$1/paths-$f.json" ||
			fail "$1: $f gives other paths than ibroute"
	done
	ok "$1: 12 flows routed as ibtracert traces them, from ibroute, dump_lfts and opensm-lfts.dump"
}

take before
compare before
# opensm spreads the leaf's LIDs over its two parallel links to Spine1 (and Spine2)
grep -q "Leaf1\[6\]\|Leaf1/6\|\"Leaf1\", \"6\"" before/paths-ibroute.json ||
	fail "no flow uses Leaf1's second link to Spine1: $(cat before/paths-ibroute.json)"
# analyze --routes on the real tables: Leaf1 has two parallel links to Spine1; one at 40%,
# a run that recorded no paths; opensm's tables route each flow as the switches do and name
# that link, where the ECMP expectation cannot tell the two apart
idx=$(python3 - before/topo.yaml <<'PY'
import re, sys
links = [l for l in open(sys.argv[1]) if l.startswith("  - {a:")]
for i, l in enumerate(links):
    ends = set(re.findall(r'"([^"]+)"', l)[:2])
    if ends == {"Leaf1:5", "Spine1:1"}:
        print(i)
PY
)
[ -n "$idx" ] || fail "no link Leaf1:5 <-> Spine1:1 in before/topo.yaml"
"$FABPROBE" sim before/topo.yaml alltoall --routes before/opensm-lfts --faults "degrade:#$idx:0.4" \
	--output deg --quiet || fail "sim --routes --faults"
strip_paths deg/run.json
"$FABPROBE" analyze --topology before/topo.yaml --format json deg >v-expected.json
"$FABPROBE" analyze --topology before/topo.yaml --routes before/ibroute --format json deg \
	>v-routed.json
python3 - v-expected.json v-routed.json "$idx" <<'PY' || fail "analyze --routes on opensm's tables"
import json, sys
exp, rt = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
link = int(sys.argv[3])
assert exp["paths"]["expected"] == 12 and rt["paths"]["routed"] == 12, (exp["paths"], rt["paths"])
assert not exp["suspects"] or exp["suspects"][0]["link"] != link, exp["suspects"]
s = rt["suspects"]
assert s and s[0]["link"] == link and not s[0]["ambiguous_with"], s
PY
ok "analyze --routes on opensm's tables names the degraded Leaf1:5 <-> Spine1:1; ECMP alone did not"
echo 'Unlink "Spine1"[3]' >&3
sleep 1
take after
compare after
cmp -s before/paths-ibroute.json after/paths-ibroute.json &&
	fail "unlinking Spine1 port 3 changed no path"
grep -q '"Spine1", "3"' after/paths-ibroute.json && fail "a path still leaves Spine1 by port 3"
ok "after unlinking Spine1 port 3, opensm re-routes and the new tables give the new paths"
exec 3>&-
