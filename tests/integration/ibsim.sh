# Real ibnetdiscover output (issue 16): ibsim simulates a two-tier fabric's management plane
# and the real ibnetdiscover (infiniband-diags) discovers it, in its default and -p formats.
# The imports must give back exactly the fabric of the net file: servers and rails, tiers
# from compute endpoints only, SHARP aggregation nodes as switch notes, a default-named HCA
# named by GUID, parallel links kept apart, and the narrow (w=1) link trained down.
for c in ibsim ibsim-run ibnetdiscover; do
	command -v $c >/dev/null || skip "$c is not installed (scripts/setup ibsim-utils infiniband-diags)"
done
# umad2sim makes ./sys-PID folders where it runs: here, not in the build folder
cd "$TMP" || fail "no temp folder"
# the net file and what it says, written from one description
python3 - "$TMP/net" "$TMP/want.json" <<'PY' || fail "net file"
import json, sys
sw = ["leaf1", "leaf2", "spine1", "spine2"]
desc = {s: "MF0;%s:MQM9700/U1" % s for s in sw}
links = []  # (a, pa, b, pb, w)
for i, s in enumerate(sw):
    agg = "Mellanox Technologies Aggregation Node %d" % (i + 1)
    desc[agg] = agg
    links.append((s, 36, agg, 1, None))
for h in (1, 2):
    for d in range(4):
        n = "gpu%02d mlx5_%d" % (h, d)
        desc[n] = n
        links.append(("leaf1" if d < 2 else "leaf2", (h - 1) * 2 + d % 2 + 1, n, 1, None))
desc["st0"] = "MT4129 ConnectX7 Mellanox Technologies"
links.append(("leaf1", 5, "st0", 1, None))
links += [("leaf1", 33, "spine1", 1, None), ("leaf1", 34, "spine1", 2, None),
          ("leaf1", 35, "spine2", 1, None), ("leaf2", 33, "spine1", 3, None),
          ("leaf2", 35, "spine2", 3, None), ("leaf2", 34, "spine2", 4, 1)]
out = []
for n in list(sw) + [k for k in desc if k not in sw]:
    out.append('%s\t%d "%s"' % ("Switch" if n in sw else "Hca", 36 if n in sw else 1, desc[n]))
    for a, pa, b, pb, w in links:
        for x, px, y, py in ((a, pa, b, pb), (b, pb, a, pa)):
            if x == n:
                out.append('[%d]\t"%s"[%d]%s' % (px, desc[y], py, "\tw=%d" % w if w else ""))
    out.append("")
open(sys.argv[1], "w").write("\n".join(out))
name = lambda n: "GUID" if n == "st0" else n.replace(" ", "_")
want = {"links": sorted(sorted(["%s:%d" % (name(a), pa), "%s:%d" % (name(b), pb)]) + [1 if w else 4]
                        for a, pa, b, pb, w in links if "Aggregation" not in b),
        "servers": {"gpu01": [0, 1, 2, 3], "gpu02": [0, 1, 2, 3]},
        "tiers": {"leaf1": 1, "leaf2": 1, "spine1": 2, "spine2": 2}}
json.dump(want, open(sys.argv[2], "w"))
PY
export IBSIM_SOCKNAME=fabprobe-ibsim-$$
mkfifo "$TMP/ctl"
exec 3<>"$TMP/ctl" # keeps ibsim's console open
ibsim -s "$TMP/net" <"$TMP/ctl" >"$TMP/ibsim.log" 2>&1 &
sim=$!
PIDS+=($sim)
for i in $(seq 20); do
	kill -0 $sim 2>/dev/null || { cat "$TMP/ibsim.log"; fail "ibsim refused the net file"; }
	timeout 5 ibsim-run ibnetdiscover >"$TMP/d.txt" 2>"$TMP/d.err" && break
	: >"$TMP/d.txt"
	sleep 0.2
done
[ -s "$TMP/d.txt" ] || { cat "$TMP/ibsim.log" "$TMP/d.err"; fail "ibnetdiscover under ibsim"; }
timeout 20 ibsim-run ibnetdiscover -p >"$TMP/p.txt" 2>"$TMP/p.err" || fail "ibnetdiscover -p"
ok "ibnetdiscover and ibnetdiscover -p ran against ibsim ($(grep -c '^Switch' "$TMP/d.txt") switches)"
for f in d p; do
	$FABPROBE topo import "$TMP/$f.txt" --output "$TMP/$f.yaml" 2>"$TMP/err" || { cat "$TMP/err"; fail "import $f"; }
	grep -q "4 switches, 9 endpoints of 3 servers, 15 links; 1 named by GUID" "$TMP/err" ||
		{ cat "$TMP/err"; fail "import $f: the summary line"; }
	python3 - "$TMP/$f.yaml" "$TMP/want.json" <<'PY' || fail "the $f import is not the net file's fabric"
import json, re, sys
want = json.load(open(sys.argv[2]))
kv = lambda line: dict((k, v.strip('"')) for k, v in re.findall(r'(\w+): ("(?:[^"\\]|\\.)*"|[^,}]+)', line))
nodes, links = {}, []
for line in open(sys.argv[1]):
    if line.startswith("  - {name:"):
        n = kv(line); nodes[n["name"]] = n
    elif line.startswith("  - {a:"):
        links.append(kv(line))
name = lambda s: "GUID" + s[s.index(":"):] if s.startswith("H-") else s
got = sorted(sorted([name(l["a"]), name(l["b"])]) + [int(l.get("trained_lanes", l["lanes"]))] for l in links)
assert got == want["links"], ("links", got, want["links"])
servers = {}
for n in nodes.values():
    if "host" in n:
        servers.setdefault(n["host"], []).append(int(n["rail"]))
assert {k: sorted(v) for k, v in servers.items()} == want["servers"], servers
assert {k: int(n["tier"]) for k, n in nodes.items() if n["kind"] == "switch"} == want["tiers"]
assert all("SHARP aggregation node" in n.get("note", "") for n in nodes.values() if n["kind"] == "switch")
assert not [k for k in nodes if "Aggregation" in k] and len(nodes) == 4 + 8 + 1, sorted(nodes)
assert [l for l in links if "leaf2:34" in (l["a"], l["b"])][0]["lanes"] == "4", "the w=1 link trained down from 4x"
PY
	ok "ibnetdiscover $([ $f = p ] && echo '-p ')import: servers, rails, tiers and links as the net file says"
done
# topo stats on the import: per-role counts, text and JSON
$FABPROBE topo stats "$TMP/d.yaml" --format json >"$TMP/stats.json" || fail "stats json"
python3 - "$TMP/stats.json" <<'PY' || fail "topo stats counts"
import json, sys
s = json.load(open(sys.argv[1]))
want = {"servers": 3, "endpoints": 9, "rails": 4, "leaves": 2, "spines": 2, "cores": 0}
assert {k: s[k] for k in want} == want, s
PY
$FABPROBE topo stats "$TMP/d.yaml" | grep -qx "  3 servers, 9 endpoints, 4 rails; 2 leaves, 2 spines, 0 cores" ||
	fail "topo stats text: $($FABPROBE topo stats "$TMP/d.yaml")"
ok "topo stats: 3 servers (2 of 4 rails, 1 by GUID), 9 endpoints, 2 leaves, 2 spines"
# a node-name-map naming leaf1 and the default-named HCA: given to ibnetdiscover itself, or
# to the import of the plain dump, the names are the map's
awk '/^Switch/ && /"MF0;leaf1:/ {g = $3} /^Ca/ && /MT4129/ {c = $3}
	END {gsub(/"|[SH]-/, "", g); gsub(/"|[SH]-/, "", c);
	     printf "# fabprobe test map\n\n0x%s \"L1\"\n  0x%s\t\"stor01 mlx5_0\" # storage\n", g, c}' \
	"$TMP/d.txt" >"$TMP/map"
grep -q '^0x[0-9a-f]\{16\} "L1"' "$TMP/map" || { cat "$TMP/map"; fail "GUIDs for the map"; }
timeout 20 ibsim-run ibnetdiscover --node-name-map "$TMP/map" >"$TMP/dm.txt" 2>"$TMP/dm.err" ||
	{ cat "$TMP/dm.err"; fail "ibnetdiscover --node-name-map"; }
timeout 20 ibsim-run ibnetdiscover -p --node-name-map "$TMP/map" >"$TMP/pm.txt" 2>"$TMP/pm.err" ||
	{ cat "$TMP/pm.err"; fail "ibnetdiscover -p --node-name-map"; }
names() { # names YAML: the node names, sorted, one line
	grep -o '^  - {name: [^,]*' "$1" | cut -d' ' -f5 | sort | tr '\n' ' '
}
for f in dm pm d; do
	extra=; [ $f = d ] && extra="--node-name-map $TMP/map"
	$FABPROBE topo import "$TMP/$f.txt" $extra --output "$TMP/$f-named.yaml" 2>"$TMP/err" ||
		{ cat "$TMP/err"; fail "import $f with names"; }
	n=$(names "$TMP/$f-named.yaml")
	[[ " $n" == *" L1 "* && " $n" == *" stor01_mlx5_0 "* && " $n" != *" leaf1 "* ]] ||
		fail "$f: names are not the map's: $n"
	grep -q 'name: stor01_mlx5_0, .*rail: 0, group: stor01, host: "stor01"' "$TMP/$f-named.yaml" ||
		fail "$f: the mapped 'stor01 mlx5_0' is rail 0 of server stor01"
done
[ "$(names "$TMP/dm-named.yaml")" = "$(names "$TMP/d-named.yaml")" ] ||
	fail "ibnetdiscover's own mapping and fabprobe's differ"
ok "node-name-map: ibnetdiscover --node-name-map (default, -p) and topo import --node-name-map give the map's names"
printf '0x%s "A"\n0x%s "B"\n' 1 1 >"$TMP/badmap"
$FABPROBE topo import "$TMP/d.txt" --node-name-map "$TMP/badmap" --output "$TMP/bad.yaml" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -qx "fabprobe topo: $TMP/badmap:2: GUID 0x0000000000000001 is named twice (also line 1)" "$TMP/err" &&
	[ ! -e "$TMP/bad.yaml" ] || { cat "$TMP/err"; fail "a bad map: exit $rc"; }
ok "a bad map line is one error line with file:line, exit 2, nothing written"
# cut short: the dump's last node without its port line is refused, exit 2
last=$(grep -n '^\[' "$TMP/d.txt" | tail -1 | cut -d: -f1)
awk -v n="$last" 'NR < n' "$TMP/d.txt" >"$TMP/cut.txt"
$FABPROBE topo import "$TMP/cut.txt" --output "$TMP/cut.yaml" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -q "listed from one end only" "$TMP/err" && [ ! -e "$TMP/cut.yaml" ] ||
	{ cat "$TMP/err"; fail "a truncated dump: exit $rc"; }
ok "a truncated real dump is refused: $(cut -c1-100 "$TMP/err")"
exec 3>&-
