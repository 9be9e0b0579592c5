# fabprobe fleet across network namespaces: four hosts on one bridge, one at MTU 1500 among
# 9000s and one shaped (tbf) to 100 Mbit/s among 1 Gbit/s; each rank reads its own
# namespace's sysfs and qdiscs, and rank 0 gathers over the bridge.
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "iproute2 missing"
P=fpfl$$
NS=("$P-sw" "$P-h0" "$P-h1" "$P-h2" "$P-h3")
ns_cleanup() {
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap 'ns_cleanup; cleanup' EXIT
for n in "${NS[@]}"; do ip netns add "$n" || skip "cannot create namespace $n"; done
ip -n "$P-sw" link add br0 type bridge || fail "bridge"
ip -n "$P-sw" link set br0 mtu 9000 up
for k in 0 1 2 3; do
	mtu=9000
	[ $k -eq 2 ] && mtu=1500
	ip link add "$P-p$k" netns "$P-sw" mtu 9000 type veth peer name data0 netns "$P-h$k" mtu $mtu ||
		fail "veth for h$k"
	ip -n "$P-sw" link set "$P-p$k" master br0 up
	ip -n "$P-h$k" addr add 10.77.0.$((k + 1))/24 dev data0
	ip -n "$P-h$k" link set data0 up
	ip -n "$P-h$k" link set lo up
	rate=1gbit
	[ $k -eq 3 ] && rate=100mbit
	ip netns exec "$P-h$k" tc qdisc add dev data0 root tbf rate $rate burst 256kb latency 50ms ||
		fail "tbf on h$k"
done
# every rank in its own namespace, with its sysfs (ip netns exec mounts the namespace's /sys)
rv=10.77.0.1:$(free_port)
for k in 1 2 3; do
	ip netns exec "$P-h$k" $FABPROBE fleet --rank $k --size 4 --rendezvous $rv --token ns-t0k \
		--timeout 20s --hostname h$k >"$TMP/r$k.out" 2>&1 &
	PIDS+=($!)
done
ip netns exec "$P-h0" $FABPROBE fleet --rank 0 --size 4 --rendezvous $rv --token ns-t0k --timeout 20s \
	--hostname h0 --format json >"$TMP/ns.json"
[ $? -eq 1 ] || fail "an MTU mismatch: exit 1 ($(cat "$TMP"/r*.out))"
for p in "${PIDS[@]}"; do wait "$p" || fail "a rank failed: $(cat "$TMP"/r*.out)"; done
PIDS=()
python3 - "$TMP/ns.json" <<'PY' || { cat "$TMP/ns.json"; fail "the namespaces' verdict"; }
import json, sys
d = json.load(open(sys.argv[1]))
mtu = [f for f in d["findings"] if f["property"] == "data0 mtu"]
assert len(mtu) == 1 and mtu[0]["hosts"] == ["h2"] and mtu[0]["value"] == "1500", mtu
assert mtu[0]["majority"] == "9000" and mtu[0]["severity"] == "error" and mtu[0]["known"] == 4
assert d["hosts"] == 4 and d["fleet_mismatch"] == 1
slow = [f for f in d["findings"] if f["property"] == "data0 shaping"]
assert len(slow) == 1 and slow[0]["hosts"] == ["h3"] and slow[0]["value"] == "tbf 100 Mbit/s", slow
assert slow[0]["majority"] == "tbf 1000 Mbit/s" and slow[0]["severity"] == "outlier"
assert d["fleet_outliers"] == 2, d
PY
ok "four namespaces over a bridge: h2 at MTU 1500 (error) and h3 shaped to 100 Mbit/s (outlier) named"
