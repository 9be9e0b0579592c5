# The sockets engine's UDP, --parallel and --reverse on loopback (issue 20), exact counts.
# jget DIR EXPR: a Python expression over run.json as d
jget() { python3 -c "import json,sys; d=json.load(open('$1/run.json')); print($2)"; }

# UDP: every frame sent arrives once, in order, on loopback (the socket buffer holds a burst)
$FABPROBE run stream --np 2 --engine sockets --proto udp --sizes 64,1518 --iters 2000 \
	--warmup 10 --output "$TMP/udp" --timeout 20s >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "udp stream"; }
check "$TMP/udp" --ranks 2 --pattern stream --iters 2000 --sizes 64,1518 --max-loss 0
got=$(jget "$TMP/udp" "[(r['bandwidth']['frames_sent'], r['bandwidth']['frames_received'],
	r['bandwidth']['frames_lost'], r['bandwidth']['frames_reordered'],
	r['bandwidth']['frames_duplicated']) for r in d['results']], d['flows'][0]['proto'],
	d['options']['engine']['proto']")
[ "$got" = "[(2000, 2000, 0, 0, 0), (2000, 2000, 0, 0, 0)] udp udp" ] || fail "udp counts: $got"
ok "udp: 2000 frames sent, 2000 received, none lost, reordered or duplicated"

# A frame size the datagram cannot carry is refused before any rank runs: a usage error
# (exit 2), said once (by rank 0) however many ranks found it
rc=0
$FABPROBE run stream --np 2 --engine sockets --proto udp --sizes 32 --iters 10 \
	--output "$TMP/small" >"$TMP/log" 2>&1 || rc=$?
[ $rc = 2 ] && [ "$(grep -c 'size 32 does not fit' "$TMP/log")" = 1 ] ||
	{ cat "$TMP/log"; fail "udp and a 32-byte frame: status $rc"; }
ok "udp: a frame below header size is refused, exit 2, in one line"

# UDP with planted loss: in a namespace of our own, nftables drops exactly every 10th data
# frame on input (numgen), and the counts must say so: 1000 sent, 900 received, 100 lost
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null && ip netns add "fpsock$$" 2>/dev/null; then
	NS=fpsock$$
	trap 'ip netns del "$NS" 2>/dev/null; cleanup' EXIT
	ip -n "$NS" link set lo up
	ip netns exec "$NS" nft -f - <<NFT || fail "nft rules"
table inet fpsock {
	chain out {
		type filter hook input priority 0;
		udp length 1480 numgen inc mod 10 0 drop
	}
}
NFT
	ip netns exec "$NS" "$FABPROBE" run stream --np 2 --engine sockets --proto udp \
		--sizes 1518 --iters 1000 --warmup 0 --output "$TMP/lossy" --timeout 20s \
		>"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "udp in a lossy namespace"; }
	check "$TMP/lossy" --ranks 2 --pattern stream --iters 1000 --max-loss 0.2
	got=$(jget "$TMP/lossy" "[(r['bandwidth']['frames_sent'], r['bandwidth']['frames_received'],
		r['bandwidth']['frames_lost']) for r in d['results']]")
	[ "$got" = "[(1000, 900, 100)]" ] || fail "lossy udp counts: $got"
	ip netns del "$NS"
	ok "udp: nftables dropped every 10th frame; 1000 sent, 900 received, 100 lost"
else
	echo "# no lossy namespace (needs root, nft and network namespaces)"
fi

# --parallel 4: four TCP connections carry the flow (counted with ss while it runs, on an
# address of its own: both ends of each are on it, so ss lists each twice), every message
# arrives whole and right (--check)
$FABPROBE run stream --np 2 --engine sockets --parallel 4 --bind 127.0.0.7 --sizes 1000,128K \
	--duration 800ms --window 256 --check --output "$TMP/par" --timeout 20s >"$TMP/log" 2>&1 &
PIDS+=($!)
most=0
# while the run lives (a loaded ASan start can take longer than a fixed count of looks), up
# to 30 s: a fifth connection opened late is seen too
for _ in $(seq 600); do
	n=$(($(ss -Htn state established src 127.0.0.7 dst 127.0.0.7 2>/dev/null | wc -l) / 2))
	[ "$n" -gt "$most" ] && most=$n
	kill -0 "${PIDS[0]}" 2>/dev/null || break
	sleep 0.05
done
wait "${PIDS[0]}" || { cat "$TMP/log"; fail "--parallel 4"; }
PIDS=()
check "$TMP/par" --ranks 2 --pattern stream --sizes 1000,131072
[ "$most" = 4 ] || fail "--parallel 4: saw $most data connections, want 4"
got=$(jget "$TMP/par" "[(r['wrong'], r['flows'][0]['tx_msgs'] == r['flows'][0]['rx_msgs'] > 0)
	for r in d['results']], d['options']['engine']['parallel']")
[ "$got" = "[(0, True), (0, True)] 4" ] || fail "--parallel counts: $got"
ok "--parallel 4: 4 connections, every message whole and checked"

# --parallel with ping-pong: one message at a time, each on the next stream in turn
$FABPROBE run pingpong --np 2 --engine sockets --parallel 3 --sizes 8,64K --iters 200 \
	--output "$TMP/parlat" --timeout 20s >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "parallel pingpong"; }
check "$TMP/parlat" --ranks 2 --pattern pingpong --iters 200 --sizes 8,65536
ok "--parallel 3 pingpong"

# --reverse (iperf3 -R): rank 1 sends to rank 0 over a connection rank 0 opened. On lo the
# kernel gives the opener 127.0.0.1 as source, the listener keeps --bind's 127.0.0.7
$FABPROBE run stream --np 2 --reverse --bind 127.0.0.7 --sizes 4K --iters 500 \
	--output "$TMP/rev" --timeout 20s >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "--reverse"; }
check "$TMP/rev" --ranks 2 --pattern stream --iters 500
got=$(jget "$TMP/rev" "[(f['src'], f['dst'], f['tx_msgs'], f['rx_msgs']) for f in
	d['results'][0]['flows']], d['flows'][0]['src_ip'], d['options']['run']['reverse']")
[ "$got" = "[(1, 0, 500, 500)] 127.0.0.7 True" ] || fail "--reverse: $got"
$FABPROBE run stream --np 2 --reverse --engine sockets --proto udp --sizes 512 --iters 1000 \
	--output "$TMP/revu" --timeout 20s >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "--reverse udp"; }
got=$(jget "$TMP/revu" "[(f['src'], f['dst']) for f in d['results'][0]['flows']],
	d['results'][0]['bandwidth']['frames_received']")
[ "$got" = "[(1, 0)] 1000" ] || fail "--reverse udp: $got"
ok "--reverse: the receiver sends, on a connection the receiver opened (tcp and udp)"

# fabprobe engines lists what the sockets engine supports
$FABPROBE engines >"$TMP/eng" || true
grep -A1 '^sockets ' "$TMP/eng" | grep -q -e '--proto tcp|udp.*--parallel N.*--reverse.*allreduce' ||
	{ cat "$TMP/eng"; fail "fabprobe engines: sockets' features"; }
ok "fabprobe engines lists the sockets engine's features"

# A flow slower per message than half of --timeout is not stalled: the bytes of a message
# it is part way through count as progress. On a loopback shaped to 20 Mbit/s in a
# namespace of this test's own, an 8 MiB message takes 3.4 s against --timeout 4s (the
# bytes are compared over 1.5 s: with 2s, 0.75 s, a CI run whose host ran other tests at
# once starved the ranks that long and took the flow for stalled)
if [ "$(id -u)" = 0 ] && ip netns add "fpt-slow$$" 2>/dev/null; then
	ip -n "fpt-slow$$" link set lo up &&
		ip netns exec "fpt-slow$$" tc qdisc add dev lo root tbf rate 20mbit burst 262144 latency 400ms
	ip netns exec "fpt-slow$$" timeout 60 "$FABPROBE" run stream --np 2 --sizes 8M --iters 2 \
		--warmup 0 --timeout 4s --poll event --quiet --output "$TMP/slow" >"$TMP/slow.log" 2>&1
	rc=$?
	# the same with a report every 0.5 s: the reports' time stays in the rate (taken off,
	# as the socket moved on meanwhile, this flow read 33 Mbit/s through a 20 Mbit/s link)
	ip netns exec "fpt-slow$$" timeout 60 "$FABPROBE" run stream --np 2 --sizes 8M --iters 2 \
		--warmup 0 --timeout 4s --poll event --quiet --report-interval 0.5s \
		--output "$TMP/slowrep" >"$TMP/slowrep.log" 2>&1 || rc=$((rc + 100))
	ip netns del "fpt-slow$$"
	[ $rc -eq 0 ] || { cat "$TMP/slow.log" "$TMP/slowrep.log"; fail "a slow flow taken for stalled: exit $rc"; }
	python3 - "$TMP/slowrep/run.json" <<'PY' || fail "a slow flow's rate with reports"
import json, sys
f = json.load(open(sys.argv[1]))["results"][0]["flows"][0]
print("with --report-interval 0.5s: %.4f Gb/s through a 20 Mbit/s link" % f["avg_Gbps"])
assert f["rx_bytes"] == 2 * 8 * 1048576 and f["avg_Gbps"] < 0.025, f
PY
	python3 - "$TMP/slow/run.json" <<'PY' || fail "slow flow's run"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] and not d.get("failed_flows"), (d["status"], d.get("failed_flows"))
f = d["results"][0]["flows"][0]
print("8 MiB messages at %.3f Gb/s: not stalled" % f["avg_Gbps"])
assert f["rx_bytes"] == 2 * 8 * 1048576 and f["avg_Gbps"] < 0.03, f
PY
	ok "a flow at 3.4 s per message under --timeout 4s is slow, not stalled"
fi

# Two addresses of one namespace of this test's own, ranks 0-1 on the first and 2-3 on the
# second (as rails in one subnet): every flow runs between the --bind addresses asked for
# (dialled streams bind their source; before, routing chose it, and every UDP flow from one
# address to the other arrived on a socket connected elsewhere: silent). Then UDP from the
# first to the second dropped from the start (a blackhole): those 4 flows, and only they,
# stall after half of --timeout and are recorded; before, the run timed out as a whole.
if [ "$(id -u)" = 0 ] && ip netns add "fpt-2ip$$" 2>/dev/null; then
	ns=(ip netns exec "fpt-2ip$$")
	ip -n "fpt-2ip$$" link set lo up
	ip -n "fpt-2ip$$" addr add 10.231.0.1/32 dev lo
	ip -n "fpt-2ip$$" addr add 10.231.0.2/32 dev lo
	two_ip() { # OUT PROTO: alltoall on 4 ranks, two per address
		local pids=() r rc=0
		for r in 0 1 2 3; do
			"${ns[@]}" timeout 60 "$FABPROBE" run alltoall --engine sockets --proto "$2" \
				--rank $r --size 4 --rendezvous 10.231.0.1:7411 --token "2ip$$$1" \
				--bind 10.231.0.$((r / 2 + 1)) --hostname "h$r" --sizes 1K --iters 300 \
				--warmup 10 --rate 50M --timeout 4s --pin none --quiet \
				--output "$TMP/$1" >"$TMP/$1.$r.log" 2>&1 &
			pids+=($!)
		done
		for r in "${pids[@]}"; do wait "$r" || rc=$?; done
		return $rc
	}
	for p in tcp udp; do
		two_ip "2ip$p" $p || { cat "$TMP/2ip$p.0.log"; ip netns del "fpt-2ip$$"; fail "two addresses, $p"; }
		got=$(jget "$TMP/2ip$p" "sorted({(f['src'], f['src_ip']) for f in d['flows']}),
			len(d['results'][0]['flows'])")
		[ "$got" = "[(0, '10.231.0.1'), (1, '10.231.0.1'), (2, '10.231.0.2'), (3, '10.231.0.2')] 12" ] ||
			{ ip netns del "fpt-2ip$$"; fail "two addresses, $p: $got"; }
	done
	"${ns[@]}" nft -f - <<'NFT'
table inet fpt_bh { chain inp { type filter hook input priority 0; ip saddr 10.231.0.1 ip daddr 10.231.0.2 meta l4proto udp drop; }; }
NFT
	two_ip 2ipbh udp
	rc=$?
	ip netns del "fpt-2ip$$"
	[ $rc -eq 1 ] || { cat "$TMP/2ipbh.0.log"; fail "UDP blackhole: exit $rc, wanted 1"; }
	python3 - "$TMP/2ipbh/run.json" <<'PY' || { cat "$TMP/2ipbh.0.log"; fail "UDP blackhole's record"; }
import json, sys
d = json.load(open(sys.argv[1]))
ff = sorted((f["src"], f["dst"]) for f in d.get("failed_flows", []) if f.get("stalled"))
print("%s: %s" % (d["status"], d["error"]))
assert d["status"] == "failed" and ff == [(0, 2), (0, 3), (1, 2), (1, 3)], ff
assert all(f["bytes"] == 0 for f in d["failed_flows"]), d["failed_flows"]
PY
	ok "two addresses in one namespace: flows run between the --bind addresses; UDP blackholed from the start: its 4 flows stalled and recorded"
fi
