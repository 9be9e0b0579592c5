#!/bin/bash
# Red team 8: the loaders' name and port tables are keyed per process, so nothing fabprobe
# prints may depend on the key: two processes (two keys) print the same, on a topology
# with port mistakes for check to list. Run by integration/run.sh (FABPROBE, TMP, fail, ok).
T=$HERE/../../topologies/lab-leafspine.yaml
$FABPROBE topo gen fat-tree --k 8 >"$TMP/ft.yaml" 2>/dev/null || fail "topo gen"
# the same port used by several links, to give check's port index something to report
python3 - "$TMP/ft.yaml" "$TMP/bad.yaml" <<'PY' || fail "editing"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
for l in d["links"][1:12]:
    l["a"] = d["links"][0]["a"]
yaml.safe_dump(d, open(sys.argv[2], "w"))
PY
for f in "$T" "$TMP/ft.yaml" "$TMP/bad.yaml"; do
	for cmd in check draw stats plan; do
		for i in 1 2 3; do
			$FABPROBE topo $cmd "$f" >"$TMP/$cmd.$i" 2>&1
			echo "exit $?" >>"$TMP/$cmd.$i"
		done
		cmp -s "$TMP/$cmd.1" "$TMP/$cmd.2" && cmp -s "$TMP/$cmd.1" "$TMP/$cmd.3" ||
			fail "topo $cmd $f differs between runs: $(diff "$TMP/$cmd.1" "$TMP/$cmd.2" | head -5)"
	done
done
grep -q "exit 0" "$TMP/check.1" && fail "the broken topology passes check: $(cat "$TMP/check.1")"
ok "topo check, draw, stats and plan print the same in three processes"
