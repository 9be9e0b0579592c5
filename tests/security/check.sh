#!/bin/bash
# Issue 14 item 7: check passes only what was measured, complete, at the size it names;
# mistakes in the spec are exit 2, not a FAIL. Usage: check.sh FABPROBE SRCDIR
set -u
FABPROBE=$1
T=$2/topologies/lab-leafspine.yaml
TMP=$(mktemp -d /tmp/fabprobe-sec.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

$FABPROBE sim "$T" pairs --sizes 4K,64K --quiet --output "$TMP/sim" >/dev/null || fail "sim"
# edit NAME 'python on d': a copy of the simulated run, changed
edit() {
	cp -r "$TMP/sim" "$TMP/$1"
	python3 - "$TMP/$1/run.json" "$2" <<'PY' || fail "editing $1"
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"))
PY
}
edit measured 'd["simulated"] = False'
edit interrupted 'd["simulated"] = False; d["complete"] = False; d["status"] = "interrupted"'
edit failed 'd["simulated"] = False; d["complete"] = False; d["status"] = "failed"'
edit short 'd["simulated"] = False; d["results"] = [r for r in d["results"] if r["size"] != 65536]'
# expect EXIT 'check keys' RUN [PATTERN in the output]: one check, its exit and what it says
expect() {
	printf 'fabprobe_spec: 1\nchecks:\n  - {name: c, pattern: pairs, metric: pair_min_Gbps, %s}\n' "$2" >"$TMP/spec.yaml"
	$FABPROBE check "$TMP/spec.yaml" "$TMP/$3" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq "$1" ] || fail "{$2} on $3: exit $rc, not $1: $(cat "$TMP/out" "$TMP/err")"
	[ -z "${4:-}" ] || grep -q -- "$4" "$TMP/out" "$TMP/err" || fail "{$2} on $3: no '$4': $(cat "$TMP/out" "$TMP/err")"
	echo "ok - {$2} on $3: exit $rc: $(cat "$TMP/out" "$TMP/err" | head -1 | cut -c1-160)"
}
expect 0 'min: 0.001' measured
expect 1 'min: 0.001' interrupted "interrupted"
expect 0 'min: 0.001, allow_incomplete: true' interrupted
expect 1 'min: 0.001' failed "failed"
expect 1 'min: 0.001' sim "simulated"
expect 0 'min: 0.001, simulated: ok' sim
expect 1 'min: 0.001' short "65536"
expect 0 'min: 0.001, size: 4K' short
expect 1 'min: 0.001, size: 1M' measured "1048576"
# spec errors: exit 2 with one line, whatever the runs say
expect 2 'min: 0.001, size: banana' measured "size"
expect 2 'min: 5, max: 1' measured "above max"
expect 2 'min: 0.001, allow_incomplete: maybe' measured "allow_incomplete"
expect 2 'min: 0.001, simulated: yes' measured "simulated"
printf 'fabprobe_spec: 1\nchecks:\n  - {pattern: nosuch, metric: p99_us, max: 1}\n' >"$TMP/spec.yaml"
$FABPROBE check "$TMP/spec.yaml" "$TMP/measured" >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown pattern is not exit 2"
printf 'fabprobe_spec: 1\nchecks:\n  - {metric: analyzer_suspects, max: 0}\n' >"$TMP/spec.yaml"
$FABPROBE check "$TMP/spec.yaml" "$TMP/measured" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q -- "--topology" "$TMP/err" || fail "analyzer_suspects without --topology is not exit 2"
echo "ok - unknown pattern, analyzer_suspects without --topology: exit 2"
# every folder is read and every matching run judged (red team 6): a bad or failing folder
# given after a good one is not hidden by it; the FAIL names the folder that fails
mkdir "$TMP/garbage" && echo '{{{' >"$TMP/garbage/run.json"
edit slow 'd["simulated"] = False
for z in d["results"]:
    for f in z["flows"]: f["avg_Gbps"] = 0.0001'
printf 'fabprobe_spec: 1\nchecks:\n  - {name: c, pattern: pairs, metric: pair_min_Gbps, min: 0.001}\n' >"$TMP/spec.yaml"
for second in garbage nonexistent; do
	$FABPROBE check "$TMP/spec.yaml" "$TMP/measured" "$TMP/$second" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "$TMP/$second" "$TMP/err" ||
		fail "an unreadable folder given second: exit $rc, not 2: $(cat "$TMP/out" "$TMP/err")"
done
$FABPROBE check "$TMP/spec.yaml" "$TMP/measured" "$TMP/slow" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "^FAIL.*fails on $TMP/slow" "$TMP/out" ||
	fail "a failing run given second: exit $rc: $(cat "$TMP/out" "$TMP/err")"
$FABPROBE check "$TMP/spec.yaml" "$TMP/measured" "$TMP/interrupted" >"$TMP/out" 2>&1
[ $? -eq 1 ] && grep -q "interrupted" "$TMP/out" || fail "an interrupted run given second passes"
$FABPROBE check "$TMP/spec.yaml" "$TMP/measured" "$TMP/measured" >"$TMP/out" 2>&1 ||
	fail "two good runs: $(cat "$TMP/out")"
echo "ok - every folder read (bad second folder: exit 2), every matching run judged (FAIL names it)"
# the one reader refuses what it cannot trust (red team 9): exit 2 naming the folder and the
# field, from check and from analyze alike
printf 'fabprobe_spec: 1\nchecks:\n  - {name: c, pattern: pairs, metric: aggregate_Gbps, min: 0.001}\n' >"$TMP/spec.yaml"
while IFS='|' read -r name code field; do
	edit "$name" "d['simulated'] = False; z = d['results'][0]; f = z['flows'][0]; $code"
	for cmd in "check $TMP/spec.yaml" "analyze --topology $T"; do
		# shellcheck disable=SC2086
		$FABPROBE $cmd "$TMP/$name" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "$TMP/$name" "$TMP/err" &&
			grep -q "$field" "$TMP/err" ||
			fail "$name: ${cmd%% *} exit $rc, not 2 naming '$field': $(cat "$TMP/out" "$TMP/err")"
	done
	echo "ok - $name: $(cat "$TMP/err")"
done <<'EOF2'
dupflow|z['flows'].append(dict(f))|flow
dupsize|d['results'].append(dict(z))|size
size0|z['size'] = 0|size
hugeflow|f['flow'] = 10**12|flow
wrapflow|f['flow'] = 2**32|flow
flowsched|f['flow'] = d['schedule']['flows']|flow
negagg|z['bandwidth']['aggregate_Gbps'] = -1|aggregate_Gbps
schema|d['schema_version'] = 99|schema_version
strtrue|d['complete'] = 'true'|complete
EOF2
# a run.json too big to be a run is refused before it is read (sparse: no disk used)
mkdir "$TMP/huge" && truncate -s 300M "$TMP/huge/run.json"
$FABPROBE check "$TMP/spec.yaml" "$TMP/huge" >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "huge/run.json" "$TMP/err" || fail "a 300 MB run.json: $(cat "$TMP/err")"
# ranks sharing a host name (--np on one machine) are fine where no host join needs them:
# check reads them; analyze, which joins ranks to the topology's hosts, refuses them
edit samehost 'd["simulated"] = False
for h in d["hosts"]: h["hostname"] = "localhost"'
$FABPROBE check "$TMP/spec.yaml" "$TMP/samehost" >"$TMP/out" 2>&1 || fail "check on --np names: $(cat "$TMP/out")"
$FABPROBE analyze --topology "$T" "$TMP/samehost" >/dev/null 2>&1
[ $? -eq 2 ] || fail "analyze joins ranks sharing a host name"
echo "ok - a huge run.json is exit 2; shared host names: check reads them, analyze refuses them"
# spec mistakes that used to mean something else (red team 10): size 0 was "largest", and a
# misspelt top-level key was ignored
for spec in 'fabprobe_spec: 1\nchecks:\n  - {pattern: pairs, metric: pair_min_Gbps, min: 0.001, size: 0}\n' \
	'fabprobe_spec: 1\nchek: []\nchecks:\n  - {pattern: pairs, metric: pair_min_Gbps, min: 0.001}\n'; do
	printf "$spec" >"$TMP/spec.yaml"
	$FABPROBE check "$TMP/spec.yaml" "$TMP/measured" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -Eq "size|chek" "$TMP/err" ||
		fail "spec $spec: exit $rc, not 2: $(cat "$TMP/out" "$TMP/err")"
	echo "ok - $(cat "$TMP/err")"
done
