#!/bin/bash
# Issue 14 item 8: the result reader trusts nothing. Each corrupt run below is exit 2 with
# one line naming the run folder and the field, from analyze and from check's analyzer:
# never a silent "clean", never a suspect built on what had to be discarded.
# Usage: analyze.sh FABPROBE SRCDIR
set -u
FABPROBE=$1
T=$2/topologies/lab-leafspine.yaml
TMP=$(mktemp -d /tmp/fabprobe-sec.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

$FABPROBE sim "$T" pairs --sizes 64K --quiet --output "$TMP/good" >/dev/null || fail "sim"
$FABPROBE analyze --topology "$T" "$TMP/good" >/dev/null || fail "the uncorrupted run is clean"
# name | python statement on d (run.json) and f (the first flow) | the field the error names
while IFS='|' read -r name edit field; do
	cp -r "$TMP/good" "$TMP/$name"
	python3 - "$TMP/$name/run.json" "$edit" <<'PY' || fail "corrupting $name"
import json, sys
d = json.load(open(sys.argv[1]))
f = d["results"][0]["flows"][0]
exec(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"))
PY
	$FABPROBE analyze --topology "$T" "$TMP/$name" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] || fail "$name: analyze exit $rc, not 2: $(cat "$TMP/out" "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$name: not one line: $(cat "$TMP/err")"
	grep -q "$TMP/$name" "$TMP/err" && grep -q "$field" "$TMP/err" ||
		fail "$name: the folder or '$field' is not named: $(cat "$TMP/err")"
	echo "ok - $name: $(cat "$TMP/err")"
done <<'EOF2'
duphost|d["hosts"][3]["hostname"] = d["hosts"][2]["hostname"]|hostname
badlink|f["path"][1] = 999|path
badround|f["round"] = d["schedule"]["rounds"]|round
badsrc|f["src"] = d["world_size"]|src
negdst|f["dst"] = -1|dst
self|f["dst"] = f["src"]|dst
ctrrank|d["counters"] = [{"rank": 99, "port": "eth0", "deltas": {"rx_crc_errors": 5}}]|rank
notroute|f["path"] = [3, 5]|path
emptypath|f["path"] = []|path
nopath|del f["path"]|path
EOF2
# a paths.json that cannot be read is not "no trace" (red team 7): the run without recorded
# paths, and a trace file that is garbage, or names a flow twice
while IFS='|' read -r name text; do
	cp -r "$TMP/good" "$TMP/$name"
	python3 - "$TMP/$name/run.json" <<'PY' || fail "editing $name"
import json, sys
d = json.load(open(sys.argv[1]))
for z in d["results"]:
    for f in z["flows"]:
        f.pop("path", None)
json.dump(d, open(sys.argv[1], "w"))
PY
	printf '%s\n' "$text" >"$TMP/$name/paths.json"
	$FABPROBE analyze --topology "$T" "$TMP/$name" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "$TMP/$name" "$TMP/err" ||
		fail "$name: analyze exit $rc, not 2 naming the folder: $(cat "$TMP/out" "$TMP/err")"
	echo "ok - $name: $(cat "$TMP/err")"
done <<'EOF2'
tracegarbage|{{{
tracenotmap|{"flows": [1, 2]}
tracebadid|{"flows": {"x": ["h1", "leaf1"]}}
EOF2
printf 'fabprobe_spec: 1\nchecks:\n  - {metric: analyzer_suspects, max: 0, simulated: ok}\n' >"$TMP/spec.yaml"
$FABPROBE check "$TMP/spec.yaml" "$TMP/self" --topology "$T" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -ne 0 ] && ! grep -q "^PASS" "$TMP/out" || fail "check passed a corrupt run: $(cat "$TMP/out")"
echo "ok - check does not pass the analyzer on a corrupt run (exit $rc)"
