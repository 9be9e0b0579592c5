# The DPDK engine through the kernel: two network namespaces joined by a one-queue veth
# pair, ranks on net_af_xdp and then on net_af_packet. The data path carries ARP too: the
# engine resolves its peer by ARP (no MAC from the rendezvous is used on a kernel
# interface), so traffic that flows proves ARP worked. A second veth pair carries the
# rendezvous, as a management network would.
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
"$FABPROBE" engines | grep -q '^dpdk *yes *yes' || skip "dpdk engine not built or not usable"
EAL="--no-huge -m 256"
A=fpd-a$$ B=fpd-b$$
teardown() {
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	ls /var/run/dpdk 2>/dev/null | grep -q '^fabprobe-' && echo "EAL runtime folders left behind"
	cleanup
}
trap teardown EXIT
ip netns add "$A" && ip netns add "$B" || skip "network namespaces are not available here"
# af_xdp wants one queue per direction on both ends
ip link add fpda numtxqueues 1 numrxqueues 1 netns "$A" type veth peer name fpdb \
	numtxqueues 1 numrxqueues 1 netns "$B" || fail "veth"
ip link add fpdma netns "$A" type veth peer name fpdmb netns "$B" || fail "veth"
ip -n "$A" addr add 10.97.0.1/24 dev fpda
ip -n "$B" addr add 10.97.0.2/24 dev fpdb
ip -n "$A" addr add 10.96.0.1/24 dev fpdma
ip -n "$B" addr add 10.96.0.2/24 dev fpdmb
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set fpda up; ip -n "$B" link set fpdb up
ip -n "$A" link set fpdma up; ip -n "$B" link set fpdmb up

pair() { # PMD OUT ARGS...: rank 0 in A, rank 1 in B; --port names the PMD, the engine
	local pmd=$1 out=$2 port rc=0 # finds the interface that holds --bind
	shift 2
	port=$(free_port)
	ip netns exec "$B" "$FABPROBE" run "$@" --engine dpdk --rank 1 --size 2 \
		--rendezvous 10.96.0.1:$port --bind 10.97.0.2 --port "$pmd" --eal "$EAL" \
		--timeout 30s --quiet >"$TMP/b.log" 2>&1 &
	local pb=$!
	ip netns exec "$A" "$FABPROBE" run "$@" --engine dpdk --rank 0 --size 2 \
		--rendezvous 10.96.0.1:$port --bind 10.97.0.1 --port "$pmd" --eal "$EAL" \
		--timeout 30s --quiet --output "$out" >/dev/null 2>"$TMP/a.log" || rc=$?
	wait $pb || rc=$?
	[ $rc = 0 ] || { grep -v "^libxdp\|^libbpf" "$TMP/a.log" "$TMP/b.log"; return 1; }
}

# af_xdp: paced well below what one core does here (0.7 Mpps). veth is a kernel path where a
# starved receiver loses frames legitimately (a 1% ceiling failed on a loaded machine): the
# check is the accounting, exact per flow (rx + lost == tx, no duplicates, each flow received:
# check_run.py), and the loss is reported
pair af_xdp "$TMP/xdp" stream --bidir --sizes 64,1518 --iters 20000 --rate 50kpps || fail "af_xdp stream"
check "$TMP/xdp" --ranks 2 --pattern stream --iters 20000 --sizes 64,1518 --max-loss 1
python3 - "$TMP/xdp/run.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    b = r["bandwidth"]
    print("af_xdp %d B: sent %d received %d lost %d" % (r["size"], b["frames_sent"], b["frames_received"], b["frames_lost"]))
PY
ok "af_xdp between namespaces: ARP resolved, 2 x 20000 frames each way, each received or counted lost"
pair af_xdp "$TMP/xdp-pp" pingpong --sizes 64,1024 --iters 2000 || fail "af_xdp pingpong"
check "$TMP/xdp-pp" --ranks 2 --pattern pingpong --iters 2000
ok "af_xdp pingpong: 2000 round trips per size"

# af_packet: the kernel still sees every frame (and answers ARP and sends ICMP port
# unreachable back); slower, so paced lower; a kernel path like af_xdp's: accounting, not a ceiling
pair af_packet "$TMP/pkt" stream --sizes 64,1518 --iters 10000 --rate 20kpps || fail "af_packet stream"
check "$TMP/pkt" --ranks 2 --pattern stream --iters 10000 --max-loss 1
ok "af_packet between namespaces: 10000 frames per size, each received or counted lost"
