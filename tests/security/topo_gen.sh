# Issue 14 item 10: topo gen sizes are checked in 64-bit arithmetic (the check itself used to
# overflow), and rates are numbers > 0, so everything gen writes loads again.
# Sourced by tests/integration/run.sh (TMP, FABPROBE, fail, ok).
. "$HERE/../security/topo_lib.sh"
refused "nodes, more than" topo gen leaf-spine --hosts-per-leaf 100000 --leaves 100000 --output "$TMP/out"
refused "nodes, more than" topo gen rail --groups 10000 --hosts-per-leaf 100000 --spines 100000 --output "$TMP/out"
refused "links, more than" topo gen rail --groups 1 --hosts-per-leaf 1 --rails 64 --spines 100000 --uplinks 64 --output "$TMP/out"
refused "links, more than" topo gen leaf-spine --leaves 100000 --spines 100000 --output "$TMP/out"
refused "host-gbps '0'" topo gen leaf-spine --host-gbps 0 --output "$TMP/out"
refused "fabric-gbps 'nan'" topo gen fat-tree --fabric-gbps nan --output "$TMP/out"
refused "host-length 'inf'" topo gen rail --host-length inf --output "$TMP/out"
refused "fabric rate" topo gen leaf-spine --oversub 1e-6 --output "$TMP/out"
# the largest sizes that pass still generate a file that loads
"$FABPROBE" topo gen rail --groups 2 --hosts-per-leaf 3 --rails 2 --spines 2 --output "$TMP/ok.yaml" ||
	fail "a small rail fabric does not generate"
"$FABPROBE" topo stats "$TMP/ok.yaml" >/dev/null || fail "what gen wrote does not load"
ok "a small rail fabric generates and loads"
