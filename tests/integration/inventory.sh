# fabprobe inventory on fixture sysfs trees and on this machine, and module dumps.
F=$FP_SRCDIR/tests/fixtures
inv() { $FABPROBE inventory "$@"; }
inv --sysfs-root "$F/sysfs/ib" --format json >"$TMP/ib.json" || fail "ib fixture"
python3 - "$TMP/ib.json" <<'PY' || fail "InfiniBand HCA fixture"
import json, sys
d = json.load(open(sys.argv[1]))
p = {x["name"]: x for x in d["ports"]}["mlx5_0/1"]
assert p["kind"] == "rdma" and p["state"] == "ACTIVE" and p["phys_state"] == "LinkUp"
assert p["speed_gbps"] == 200 and p["link_layer"] == "InfiniBand"
assert p["gid0"] == "fe80:0000:0000:0000:0c42:a103:0060:1234"
assert p["counters"]["symbol_error"] == 65535 and p["counters"]["link_downed"] == 3
assert p["counters"]["out_of_sequence"] == 5          # hw_counters too
assert p["saturated"] == ["symbol_error"], p["saturated"]
assert p["pcie"]["width"] == 16 and p["pcie"]["speed_gts"] == 16 and p["pcie"]["numa_node"] == 1
assert p["pcie"]["local_cpus"] == "24-47" and p["pcie"]["address"] == "0000:3b:00.0"
assert any("saturated" in w for w in d["warnings"])
PY
ok "InfiniBand HCA: port state, rate, GID, counters (one saturated, said so), PCIe, NUMA"
inv --sysfs-root "$F/sysfs/roce" --format json >"$TMP/roce.json" || fail "roce fixture"
python3 - "$TMP/roce.json" <<'PY' || fail "RoCE fixture"
import json, sys
d = json.load(open(sys.argv[1]))
p = {x["name"]: x for x in d["ports"]}
n, r = p["ens1f0"], p["mlx5_1/1"]
assert n["kind"] == "netdev" and n["speed_gbps"] == 100 and n["carrier_changes"] == 2
assert n["counters"]["rx_crc_errors"] == 7 and n["driver"] == "mlx5_core" and not n["virtual"]
assert r["link_layer"] == "Ethernet" and r["counters"]["np_cnp_sent"] == 1400
assert n["pcie"]["address"] == r["pcie"]["address"] == "0000:af:00.0"
assert d["warnings"] == [], d["warnings"]
PY
ok "RoCE NIC: the netdev and its RDMA port on one PCI function, ECN/CNP counters"
inv --sysfs-root "$F/sysfs/eth-degraded" >"$TMP/eth.txt" || fail "eth fixture"
grep -q "warning: enp65s0f0: PCIe 0000:41:00.0 runs x8 at 8 GT/s, below its x16 at 16 GT/s" "$TMP/eth.txt" ||
	{ cat "$TMP/eth.txt"; fail "degraded PCIe is a warning"; }
grep -q "RDMA: no devices" "$TMP/eth.txt" || fail "no RDMA is said"
ok "Ethernet NIC in a degraded PCIe link: warned"

# module dumps: raw and `ethtool -m hex on` text
inv --sysfs-root "$F/sysfs/eth-degraded" --eeprom-file "$F/eeprom/sr4.bin" --port enp65s0f0 >"$TMP/sr4.txt" ||
	fail "sr4 dump"
grep -q "enp65s0f0: module RX power on lane 2 is 1.0 dB above its low alarm" "$TMP/sr4.txt" ||
	{ cat "$TMP/sr4.txt"; fail "SR4 lane near its alarm"; }
inv --sysfs-root "$F/sysfs/eth-degraded" --eeprom-file "$F/eeprom/dr8.hex" --format json >"$TMP/dr8.json" || fail "hex dump"
python3 -c "
import json; d=json.load(open('$TMP/dr8.json'))
m=[p for p in d['ports'] if 'module' in p][0]['module']
assert m['type']=='800G-DR8' and m['lanes']==8 and len(m['lanes_dom'])==8, m['type']" || fail "CMIS from hex text"
ok "module dumps decode, raw and hex, and near-alarm lanes are warned"
printf 'garbage\n' >"$TMP/g.txt"
inv --eeprom-file "$TMP/g.txt" >/dev/null 2>"$TMP/err"; [ $? -eq 2 ] || fail "garbage dump: exit 2"
inv --sysfs-root /nonexistent >/dev/null 2>"$TMP/err"; [ $? -eq 2 ] || fail "bad root: exit 2"
ok "bad input: $(cat "$TMP/err")"

# the live system: lo and eth0 are there, no RDMA and no modules, and it says so
inv >"$TMP/live.txt" || fail "live inventory"
grep -q "^lo " "$TMP/live.txt" || fail "lo listed"
grep -q "RDMA: no devices" "$TMP/live.txt" || fail "no RDMA said"
grep -q "modules: none read" "$TMP/live.txt" || fail "no modules said"
inv --format json | python3 -c "import json,sys; d=json.load(sys.stdin); assert any(p['name']=='lo' for p in d['ports'])" ||
	fail "live JSON"
ok "live: $(grep -c '' "$TMP/live.txt") lines, $(head -3 "$TMP/live.txt" | tail -1 | cut -c1-60)"
# ethtool netlink on the live system: eth0 answers link modes or says why not
inv --format json | python3 -c "
import json, sys
d = json.load(sys.stdin)
e = [p for p in d['ports'] if p['name'] == 'eth0']
assert not e or 'ethtool' in e[0], e
print('eth0 ethtool:', e[0].get('ethtool') if e else 'no eth0')" || fail "live ethtool netlink"
ok "live ethtool netlink answers (or says why not)"
