# fabprobe trace on loopback: a real --np run traced (TCP), hand-made UDP and RoCE v2 flows
# ended by the port unreachable, hops mapped by --hops; without CAP_NET_RAW one line and
# exit 2; bad input exit 2; flows that start on no address here: exit 1 and no file.
[ "$(id -u)" = 0 ] || skip "raw sockets need root (CAP_NET_RAW) for the positive cases"
cd "$TMP"
$FABPROBE run pairs --np 2 --sizes 4K --iters 5 --warmup 0 --quiet --output "$TMP/r" \
	>/dev/null 2>&1 || fail "the --np run"
printf '# loopback\n127.0.0.1 here\n' >"$TMP/hops"
$FABPROBE trace "$TMP/r" --hops "$TMP/hops" >"$TMP/out" 2>"$TMP/err" || fail "trace: $(cat "$TMP/err")"
python3 - "$TMP/r" <<'PY' || fail "paths.json: $(cat "$TMP/r/paths.json")"
import json, sys
run = json.load(open(sys.argv[1] + "/run.json"))
p = json.load(open(sys.argv[1] + "/paths.json"))
ids = sorted(str(f["id"]) for f in run["flows"])
assert sorted(p["flows"]) == ids and len(ids) == 2, (p["flows"], ids)
assert all(v == ["here", "here"] for v in p["flows"].values()), p["flows"]
assert all(v == ["127.0.0.1", "127.0.0.1"] for v in p["hops"].values()), p["hops"]
assert p["source"] == "traced" and set(p["sources"].values()) == {"traced"}, p
PY
grep -q "^flow 0 tcp 127.0.0.1:[0-9]* > 127.0.0.1:[0-9]*: here here$" "$TMP/out" || fail "$(cat "$TMP/out")"
ok "a --np run's TCP flows traced on loopback into paths.json"

# UDP (dpdk) and RoCE v2 flows: the destination's port unreachable is the last hop
mkdir "$TMP/u"
cat >"$TMP/u/run.json" <<'EOF'
{"flows": [{"id": 0, "src": 0, "dst": 1, "proto": "udp", "src_ip": "127.0.0.1", "src_port": 40001,
  "dst_ip": "127.0.0.1", "dst_port": 9},
 {"id": 1, "src": 1, "dst": 0, "proto": "rocev2", "src_ip": "127.0.0.1", "src_port": 49999,
  "dst_ip": "127.0.0.1", "dst_port": 4791, "qpn": 17},
 {"id": 2, "src": 1, "dst": 0, "proto": "ib", "src_ip": "", "src_port": 0, "dst_ip": "",
  "dst_port": 0, "qpn": 18}]}
EOF
$FABPROBE trace "$TMP/u" --out "$TMP/u.json" --rank 1 >"$TMP/out" 2>"$TMP/err" ||
	fail "udp trace: $(cat "$TMP/err")"
grep -q "1 flows traced, 0 failed, 1 start elsewhere" "$TMP/err" || fail "$(cat "$TMP/err")"
grep -q "1 flows not traced (proto 'ib' is not carried by IP)" "$TMP/err" || fail "$(cat "$TMP/err")"
grep -q "^flow 1 rocev2 127.0.0.1:49999 > 127.0.0.1:4791: 127.0.0.1 127.0.0.1$" "$TMP/out" ||
	fail "$(cat "$TMP/out")"
[ ! -e "$TMP/u/paths.json" ] || fail "--out still wrote RUN/paths.json"
ok "UDP and RoCE v2 probes end at the port unreachable; --rank picks rank 1's flow"

# under a launcher: without --rendezvous or --out, one line; each rank its own flows
OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=2 $FABPROBE trace "$TMP/r" >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && grep -q "rank 1 of 2 under a launcher: give --rendezvous HOST:PORT" "$TMP/err" ||
	fail "launcher without --rendezvous: $(cat "$TMP/err")"
for k in 0 1; do
	OMPI_COMM_WORLD_RANK=$k OMPI_COMM_WORLD_SIZE=2 $FABPROBE trace "$TMP/r" --out "$TMP/p$k.json" \
		>"$TMP/out" 2>"$TMP/err" || fail "rank $k: $(cat "$TMP/err")"
done
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); p=json.load(open(sys.argv[2]))
assert list(p["flows"]) == [str(f["id"]) for f in r["flows"] if f["src"] == 1], p' \
	"$TMP/r/run.json" "$TMP/p1.json" || fail "rank 1's part: $(cat "$TMP/p1.json")"
ok "under a launcher: each rank traces the flows it sourced into its --out"
rm "$TMP/r/paths.json"
$FABPROBE trace --merge "$TMP/r" "$TMP/p0.json" "$TMP/p1.json" >"$TMP/out" 2>"$TMP/err" ||
	fail "merge: $(cat "$TMP/err")"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert sorted(p["flows"]) == ["0", "1"], p' \
	"$TMP/r/paths.json" || fail "merged: $(cat "$TMP/r/paths.json")"
$FABPROBE trace --merge "$TMP/r" "$TMP/p1.json" "$TMP/p1.json" --out "$TMP/m.json" 2>"$TMP/err"
[ $? = 2 ] && grep -q "p1.json: flow 1 is traced twice" "$TMP/err" && [ ! -e "$TMP/m.json" ] ||
	fail "a flow in two parts: $(cat "$TMP/err")"
ok "--merge joins the parts, and refuses a flow traced twice"
if command -v mpirun >/dev/null; then
	rm "$TMP/r/paths.json"
	timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 $FABPROBE trace "$TMP/r" \
		--rendezvous 127.0.0.1:$(free_port) --token t >"$TMP/out" 2>"$TMP/err" ||
		fail "mpirun trace: $(cat "$TMP/err")"
	grep -q "1 flows traced, 0 failed, 1 start elsewhere; sent to rank 0" "$TMP/err" &&
		grep -q "2 flows traced, 0 failed, 0 start elsewhere; written to" "$TMP/err" ||
		fail "mpirun trace: $(cat "$TMP/err")"
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert sorted(p["flows"]) == ["0", "1"], p' \
		"$TMP/r/paths.json" || fail "gathered: $(cat "$TMP/r/paths.json")"
	ok "under mpirun: each rank traces its flow, rank 0 gathers both into paths.json"
else
	echo "# mpirun is not installed: the gather through the rendezvous is not checked"
fi

# without CAP_NET_RAW: one line that says so, exit 2, nothing written
if command -v setpriv >/dev/null; then
	setpriv --inh-caps=-all --bounding-set=-net_raw $FABPROBE trace "$TMP/u" --out "$TMP/nocap.json" \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 2 ] || fail "without CAP_NET_RAW: exit $rc: $(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "CAP_NET_RAW" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ ! -e "$TMP/nocap.json" ] || fail "a file without CAP_NET_RAW"
	ok "without CAP_NET_RAW: $(cat "$TMP/err")"
	# a rank without it still meets rank 0 at the rendezvous, to say so: no hang, no file
	port=$(free_port)
	OMPI_COMM_WORLD_RANK=0 OMPI_COMM_WORLD_SIZE=2 timeout 60 $FABPROBE trace "$TMP/u" \
		--rendezvous 127.0.0.1:$port --token t >/dev/null 2>"$TMP/err0" &
	r0=$!
	OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=2 timeout 60 setpriv --inh-caps=-all \
		--bounding-set=-net_raw $FABPROBE trace "$TMP/u" --rendezvous 127.0.0.1:$port \
		--token t >/dev/null 2>"$TMP/err1"
	rc1=$?
	wait $r0
	rc0=$?
	[ $rc0 = 1 ] && [ $rc1 = 2 ] && grep -q "rank 1 failed: raw sockets need CAP_NET_RAW" "$TMP/err0" ||
		fail "a rank without CAP_NET_RAW: $rc0 $rc1 $(cat "$TMP/err0" "$TMP/err1")"
	[ ! -e "$TMP/u/paths.json" ] || fail "paths.json written though rank 1 failed"
	ok "under a launcher, rank 0 says which rank lacks CAP_NET_RAW"
else
	echo "# setpriv is not installed: the CAP_NET_RAW case is not checked"
fi

# bad input: exit 2 and one line; flows from no address here: exit 1 and no file
bad() { # bad WANT_RC WHAT ARGS...
	local want=$1 what=$2
	shift 2
	$FABPROBE trace "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc = "$want" ] || fail "$what: exit $rc, not $want: $(cat "$TMP/err")"
	grep -q "^fabprobe trace: " "$TMP/err" || fail "$what: $(cat "$TMP/err")"
}
bad 2 "no run folder" "$TMP/nothing"
bad 2 "no folder named"
bad 2 "max-ttl 0" "$TMP/u" --max-ttl 0
printf '127.0.0.1 a b\n' >"$TMP/badhops"
bad 2 "a bad hops file" "$TMP/u" --hops "$TMP/badhops"
grep -q "badhops:1: expected 'ADDRESS NODE'" "$TMP/err" || fail "$(cat "$TMP/err")"
mkdir "$TMP/far"
printf '{"flows": [{"id": 0, "src": 0, "dst": 1, "proto": "tcp", "src_ip": "192.0.2.1", "src_port": 1000, "dst_ip": "192.0.2.2", "dst_port": 2000}]}' \
	>"$TMP/far/run.json"
bad 1 "flows from elsewhere" "$TMP/far"
grep -q "nothing written: none of the run's 1 flows starts at an address of this host" "$TMP/err" ||
	fail "$(cat "$TMP/err")"
[ ! -e "$TMP/far/paths.json" ] || fail "paths.json written with nothing traced"
ok "bad input exit 2 with one line; nothing to trace here exit 1, nothing written"
