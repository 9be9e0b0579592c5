# 2 and 4 ranks on loopback: pingpong and stream, by --np and by plain background processes.
R=$TMP/results
for n in 2 4; do
	for p in pingpong stream; do
		out=$TMP/$p-$n
		$FABPROBE run $p --np $n --sizes 8,4K,64K --iters 300 --warmup 20 --output "$out" \
			--timeout 30s >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "$p with $n ranks"; }
		check "$out" --ranks $n --pattern $p --iters 300 --sizes 8,4096,65536
		ok "$p --np $n"
	done
done
$FABPROBE run stream --np 2 --bidir --sizes 1K --iters 200 --output "$TMP/bidir" >/dev/null 2>&1 ||
	fail "bidir"
check "$TMP/bidir" --ranks 2 --pattern stream --iters 200
python3 -c "import json,sys; d=json.load(open('$TMP/bidir/run.json')); sys.exit(len(d['flows'])!=2)" ||
	fail "bidir has two flows"
ok "stream --bidir"

# four plain processes, rank and size by flag, rendezvous on a fresh port
port=$(free_port)
for r in 3 2 1; do
	$FABPROBE run stream --rank $r --size 4 --rendezvous 127.0.0.1:$port --token t1 \
		--sizes 64K --iters 200 --timeout 30s --quiet >"$TMP/r$r.log" 2>&1 &
	PIDS+=($!)
done
$FABPROBE run stream --rank 0 --size 4 --rendezvous 127.0.0.1:$port --token t1 --sizes 64K \
	--iters 200 --timeout 30s --output "$TMP/bg" >"$TMP/r0.log" 2>&1 || { cat "$TMP"/r*.log; fail "background ranks"; }
for p in "${PIDS[@]}"; do wait "$p" || fail "a background rank failed"; done
PIDS=()
check "$TMP/bg" --ranks 4 --pattern stream --iters 200
ok "4 background processes"

# duration mode: the sources stop on the clock, the destinations take their counts
$FABPROBE run stream --np 2 --sizes 64K --duration 300ms --output "$TMP/dur" >/dev/null 2>&1 ||
	fail "duration"
check "$TMP/dur" --ranks 2 --pattern stream
ok "duration mode"

# event mode (sleep on epoll) gives the same accounting
$FABPROBE run stream --np 4 --poll event --sizes 4K --iters 300 --output "$TMP/ev" >/dev/null 2>&1 ||
	fail "event mode"
check "$TMP/ev" --ranks 4 --pattern stream --iters 300
ok "event poll mode"

# --format json prints the same document as run.json
$FABPROBE run pingpong --np 2 --sizes 8 --iters 100 --format json --output "$TMP/js" >"$TMP/out.json" 2>/dev/null ||
	fail "json format"
python3 -c "import json; a=json.load(open('$TMP/out.json')); b=json.load(open('$TMP/js/run.json')); assert a==b" ||
	fail "stdout json differs from run.json"
ok "--format json"
