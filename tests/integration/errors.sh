# Bad input and dead peers: a clear one-line error, a non-zero exit, no hang, results kept.
expect_fail() { # expect_fail CODE GREP -- command...
	local code=$1 pat=$2
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc -eq "$code" ] || { cat "$TMP/err"; fail "exit $rc (want $code): $*"; }
	grep -q -- "$pat" "$TMP/err" || { cat "$TMP/err"; fail "no '$pat' in the error of: $*"; }
	ok "exit $code, '$pat': ${*:2:3}"
}
expect_fail 2 "unknown option" -- $FABPROBE run stream --nope
expect_fail 2 "cannot parse" -- $FABPROBE run stream --iters abc
expect_fail 2 "outside" -- $FABPROBE run stream --window 0
expect_fail 2 "sizes must be" -- $FABPROBE run stream --sizes 0,8
expect_fail 2 "unknown pattern" -- $FABPROBE run nosuch --np 2
expect_fail 2 "which pattern" -- $FABPROBE run
expect_fail 2 "even number" -- $FABPROBE run stream --np 3
# an engine this binary was built without is named as such (when there is one)
missing=$($FABPROBE engines | awk 'NR > 1 && $2 == "no" {print $1; exit}')
if [ -n "$missing" ]; then
	expect_fail 2 "not built" -- $FABPROBE run stream --engine "$missing" --np 2
fi
expect_fail 2 "is unknown" -- $FABPROBE run stream --engine nosuch --np 2
expect_fail 2 "unknown command" -- $FABPROBE frobnicate
expect_fail 2 "must be 0..size-1" -- $FABPROBE run stream --rank 5 --size 2
$FABPROBE run stream --help | grep -q -- "--window N" || fail "generated help"
ok "run --help is generated from the table"

# an existing result folder is never overwritten
mkdir -p "$TMP/exists"
expect_fail 1 "never overwritten" -- $FABPROBE run stream --np 2 --sizes 8 --iters 10 --output "$TMP/exists" --timeout 10s

# unreachable rendezvous: a clean error within the timeout
port=$(free_port)
start=$(date +%s)
expect_fail 1 "cannot reach rendezvous" -- $FABPROBE run stream --rank 1 --size 2 --rendezvous 127.0.0.1:$port --timeout 2s
# --timeout 2s, and 30 s more that only a hang exceeds (not a speed bound)
[ $(( $(date +%s) - start )) -lt 32 ] || fail "unreachable rendezvous took too long"

# wrong token: the stranger is refused; rank 0 names the missing rank
port=$(free_port)
$FABPROBE run stream --rank 0 --size 2 --rendezvous 127.0.0.1:$port --token right --timeout 4s \
	--output "$TMP/tok" >"$TMP/r0" 2>&1 &
r0=$!
PIDS+=($r0)
expect_fail 1 "wrong job token" -- $FABPROBE run stream --rank 1 --size 2 --rendezvous 127.0.0.1:$port --token wrong --timeout 4s
wait $r0
[ $? -eq 1 ] || fail "rank 0 should fail when rank 1 never joins"
grep -q "missing rank 1" "$TMP/r0" || { cat "$TMP/r0"; fail "rank 0 names the missing rank"; }
ok "rank 0 names the missing rank"
PIDS=()

# a peer killed mid-run: rank 0 ends with an error naming it, and keeps what it measured
port=$(free_port)
$FABPROBE run stream --rank 1 --size 2 --rendezvous 127.0.0.1:$port --token k --timeout 10s \
	--sizes 8,64K,1M --iters 200000 --quiet >/dev/null 2>&1 &
victim=$!
PIDS+=($victim)
$FABPROBE run stream --rank 0 --size 2 --rendezvous 127.0.0.1:$port --token k --timeout 10s \
	--sizes 8,64K,1M --iters 200000 --output "$TMP/killed" >"$TMP/out" 2>"$TMP/err" &
root=$!
# kill rank 1 once rank 0 has printed the row of the first size (however slow the machine)
for _ in $(seq 600); do
	grep -qE '^ +8 ' "$TMP/out" && break
	kill -0 $root 2>/dev/null || break
	sleep 0.1
done
kill -9 $victim
start=$(date +%s) # from the kill: the wait for the first row above is as slow as the machine
wait $root
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/err"; fail "killed peer: exit $rc"; }
grep -q "rank 1" "$TMP/err" || { cat "$TMP/err"; fail "the error names rank 1"; }
# --timeout 10s after the kill, and 30 s more that only a hang exceeds
[ $(( $(date +%s) - start )) -lt 40 ] || fail "killed peer took too long"
check "$TMP/killed" --ranks 2 --pattern stream --incomplete
python3 -c "
import json; d=json.load(open('$TMP/killed/run.json'))
assert d['status']=='failed' and 'rank 1' in d['error'], d['error']
assert 8 in d['sizes_done'], d['sizes_done']" || fail "incomplete run keeps the sizes done"
ok "killed peer: $(head -c 200 "$TMP/err")"
PIDS=()

# Ctrl-C: marked interrupted, sizes done kept
$FABPROBE run stream --np 2 --sizes 8,64K,1M --iters 200000 --timeout 10s --output "$TMP/int" >/dev/null 2>"$TMP/err" &
p=$!
sleep 2.5
kill -INT $p
wait $p
rc=$?
[ $rc -eq 1 ] || fail "interrupted run exits 1, got $rc"
python3 -c "
import json; d=json.load(open('$TMP/int/run.json'))
assert d['status']=='interrupted', d['status']" || fail "interrupted run marked"
ok "SIGINT keeps an interrupted run"
