# Issue 14 item 10: every file fabprobe writes must load in fabprobe. An import that finds
# no links (a truncated ibnetdiscover dump, an lldpctl file with no neighbours) is exit 2
# with the reason, not exit 0 and a file the loader refuses.
# Sourced by tests/integration/run.sh (TMP, FABPROBE, fail, ok).
. "$HERE/../security/topo_lib.sh"
printf 'vendid=0x2c9\nSwitch\t36 "S-0002c903007b8b10"\t\t# "MF0;sw1:MQM8700/U1" enhanced port 0 lid 3 lmc 0\n' >"$TMP/trunc.ibnet"
refused "no connected ports" topo import "$TMP/trunc.ibnet" --output "$TMP/out"
printf '{"lldp": {"interface": []}}\n' >"$TMP/h1.json"
refused "no LLDP neighbours" topo import "$TMP/h1.json" --output "$TMP/out"
printf '{"lldp": {"interface": {}}}\n' >"$TMP/h2.json"
refused "no LLDP neighbours" topo import "$TMP/h1.json" "$TMP/h2.json" --output "$TMP/out"
# what does import, loads back
src=$HERE/../fixtures
"$FABPROBE" topo import "$src/ibnetdiscover.txt" --output "$TMP/ib.yaml" || fail "import ibnetdiscover"
"$FABPROBE" topo stats "$TMP/ib.yaml" >/dev/null || fail "the imported ibnetdiscover file does not load"
"$FABPROBE" topo import "$src/host1.json" "$src/host2.json" --output "$TMP/lldp.yaml" || fail "import lldp"
"$FABPROBE" topo stats "$TMP/lldp.yaml" >/dev/null || fail "the imported lldp file does not load"
ok "real imports write files that load"
# names the loader takes (quoted: commas, quotes, braces, a tab, a leading '-') come back
# out quoted, so the written file loads and writes the same again
cat >"$TMP/odd.yaml" <<'YAML'
fabprobe_topology: 1
name: "odd, name #1"
nodes:
  - {name: "a,b", group: "g\"q\\"}
  - {name: "-x", kind: switch}
  - {name: "{y}\t", kind: switch}
links:
  - {a: "a,b:p\"1", b: "-x", gbps: 1, xcvr: "S R"}
  - {a: "-x:p", b: "{y}\t:z", gbps: 1, pn_a: "q\"", pn_b: "\\"}
YAML
"$FABPROBE" topo import "$TMP/odd.yaml" --output "$TMP/odd2.yaml" || fail "import odd names"
"$FABPROBE" topo import "$TMP/odd2.yaml" --output "$TMP/odd3.yaml" ||
	fail "what fabprobe wrote does not load: $(cat "$TMP/odd2.yaml")"
cmp -s "$TMP/odd2.yaml" "$TMP/odd3.yaml" || fail "odd names do not round-trip: $(diff "$TMP/odd2.yaml" "$TMP/odd3.yaml")"
ok "odd names are written quoted and load back the same"
