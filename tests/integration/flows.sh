# flows.ndjson at scale (issue 18, item 1): a run of more than 4,096 flow records keeps them
# only in the sidecar; analyze and check read it in one pass and name the planted fault; an
# older folder (flows inline, no sidecar) still reads; a bad line names file and line; out of
# memory while reading says so with the flow count, never a parse error or a crash.
$FABPROBE topo gen fat-tree --k 8 --output "$TMP/k8.yaml" || fail "topo gen"
$FABPROBE sim "$TMP/k8.yaml" permutation --rounds 40 --faults degrade:e0_0-a0_0:0.5 --quiet \
	--output "$TMP/big" 2>"$TMP/err" || { cat "$TMP/err"; fail "sim"; }
python3 - "$TMP/big" <<'PY' || fail "the sidecar holds the 5,120 records, run.json none"
import json, sys
d = json.load(open(sys.argv[1] + "/run.json"))
assert d["flows_file"] == "flows.ndjson" and d["flows_inline"] is False, d["flows_inline"]
assert all("flows" not in r for r in d["results"]) and d["flows"] == []
lines = [json.loads(l) for l in open(sys.argv[1] + "/flows.ndjson")]
assert len(lines) == 5120 and len({(l["round"], l["flow"]) for l in lines}) == 5120
assert all(l["size"] == d["results"][0]["size"] and l["path"] for l in lines)
PY
$FABPROBE analyze --topology "$TMP/k8.yaml" --format json "$TMP/big" >"$TMP/v.json"
[ $? -eq 1 ] || fail "analyze of the sidecar run: exit not 1"
python3 - "$TMP/v.json" "$TMP/big/ground_truth.json" <<'PY' || fail "the planted link first"
import json, sys
v = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))["faults"][0]
assert v["suspects"][0]["link"] == g["link"], (v["suspects"][0], g)
PY
ok "5,120 records in flows.ndjson only: analyze names the planted link"

# the same folder as an older fabprobe wrote it: flows inline, no sidecar, no flows_file
cp -r "$TMP/big" "$TMP/old"
python3 - "$TMP/old" <<'PY' || fail "cannot inline the flows"
import json, sys
d = json.load(open(sys.argv[1] + "/run.json"))
lines = [json.loads(l) for l in open(sys.argv[1] + "/flows.ndjson")]
for l in lines:
    del l["size"]
d["results"][0]["flows"] = lines
del d["flows_file"], d["flows_inline"]
json.dump(d, open(sys.argv[1] + "/run.json", "w"))
PY
rm "$TMP/old/flows.ndjson"
$FABPROBE analyze --topology "$TMP/k8.yaml" --format json "$TMP/old" >"$TMP/o.json"
[ $? -eq 1 ] || fail "analyze of the inline run: exit not 1"
cmp -s <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["suspects"])' "$TMP/v.json") \
	<(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["suspects"])' "$TMP/o.json") ||
	fail "inline and sidecar verdicts differ"
ok "the same run with its flows inline (older folders) gives the same verdict"

# a folder whose run.json names the sidecar but lost it; a line that is not a record
cp -r "$TMP/big" "$TMP/bad"
rm "$TMP/bad/flows.ndjson"
$FABPROBE analyze --topology "$TMP/k8.yaml" "$TMP/bad" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "flows.ndjson: No such file" "$TMP/err" || { cat "$TMP/err"; fail "missing sidecar"; }
sed '3000s/.*/{"size": 65536, "round": 0, "src": 3, "dst": 3}/' "$TMP/big/flows.ndjson" >"$TMP/bad/flows.ndjson"
$FABPROBE analyze --topology "$TMP/k8.yaml" "$TMP/bad" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "flows.ndjson:3000: fields 'src' and 'dst' are both rank 3" "$TMP/err" ||
	{ cat "$TMP/err"; fail "bad line"; }
ok "a lost sidecar and a bad line are errors that name the file and line"
printf 'fabprobe_spec: 1\nname: s\nchecks:\n  - {name: p, pattern: permutation, metric: pair_min_Gbps, min: 0.001, simulated: ok}\n' >"$TMP/spec.yaml"
$FABPROBE check "$TMP/spec.yaml" "$TMP/big" --format json >"$TMP/c.json" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "check of the sidecar run"; }
python3 - "$TMP/c.json" "$TMP/big/flows.ndjson" <<'PY' || fail "check's pair_min_Gbps is not the sidecar's"
import collections, json, sys
m = collections.defaultdict(list)
for l in open(sys.argv[2]):
    d = json.loads(l)
    m[(d["src"], d["dst"])].append(d["avg_Gbps"])
want = min(sum(v) / len(v) for v in m.values())
got = json.load(open(sys.argv[1]))["checks"][0]["value"]
assert abs(got - want) < 1e-6 * want, (got, want)
PY
ok "check: pair_min_Gbps from the sidecar's records"

# out of memory: 1.2 M records need ~125 MB; under a 100 MB limit the reader says so. The
# 5,120-record run must pass under the same limit, so the limit is not simply too low.
if ldd "$FABPROBE" | grep -q libasan; then
	echo "note: ASan build, its shadow memory does not run under ulimit -v: OOM case left out"
else
	cp -r "$TMP/big" "$TMP/huge"
	awk 'BEGIN { for (i = 0; i < 1200000; i++)
		printf "{\"size\":65536,\"round\":%d,\"flow\":%d,\"src\":0,\"dst\":1}\n", i % 40, i % 128 }' \
		>"$TMP/huge/flows.ndjson"
	# more records than the schedule's rounds x flows: refused before memory runs out
	$FABPROBE analyze --topology "$TMP/k8.yaml" "$TMP/huge" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "huge/flows.ndjson:[0-9]*: size 65536 has more records than" "$TMP/err" ||
		{ cat "$TMP/err"; fail "records past the schedule: exit $rc"; }
	ok "records past the schedule: '$(cut -d: -f2- "$TMP/err")'"
	# a run.json that does not say its rounds: only memory bounds the records
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); del d["schedule"]["rounds"]
json.dump(d, open(sys.argv[1], "w"))' "$TMP/huge/run.json" || fail "cannot drop the rounds"
	(ulimit -v 100000; $FABPROBE analyze --topology "$TMP/k8.yaml" "$TMP/big" >/dev/null 2>"$TMP/err")
	[ $? -eq 1 ] || { cat "$TMP/err"; fail "the small run under 100 MB"; }
	(ulimit -v 100000; $FABPROBE analyze --topology "$TMP/k8.yaml" "$TMP/huge" >/dev/null 2>"$TMP/err")
	rc=$?
	[ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
		grep -Eq "out of memory reading .*/huge/flows.ndjson \([0-9]+ flows\)" "$TMP/err" ||
		{ cat "$TMP/err"; fail "out of memory: exit $rc"; }
	ok "out of memory under ulimit -v: '$(cut -d: -f2- "$TMP/err")'"
	# an older folder, 20,000 flows inline: its document tree is what runs out
	python3 - "$TMP/big/run.json" "$TMP/oldbig" <<'PY' || fail "cannot write the inline run"
import json, os, sys
d = json.load(open(sys.argv[1]))
d["results"][0]["flows"] = [{"round": i % 40, "flow": i % 128, "src": 0, "dst": 1,
                             "avg_Gbps": 1.0} for i in range(20000)]
del d["flows_file"], d["flows_inline"]
os.mkdir(sys.argv[2])
json.dump(d, open(sys.argv[2] + "/run.json", "w"))
PY
	(ulimit -v 100000; $FABPROBE analyze --topology "$TMP/k8.yaml" "$TMP/oldbig" >/dev/null 2>"$TMP/err")
	rc=$?
	[ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q "oldbig/run.json: out of memory reading it" "$TMP/err" ||
		{ cat "$TMP/err"; fail "inline run out of memory: exit $rc"; }
	ok "an inline run.json out of memory says so, not 'not valid YAML or JSON'"
fi
