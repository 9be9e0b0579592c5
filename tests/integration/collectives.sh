# Collectives on loopback (issue 20): each with --check, every size right (#wrong 0), and
# nccl-tests' busbw = algbw x 2(n-1)/n (allreduce) or x (n-1)/n (allgather, reducescatter).
# A wrong reduction must fail the check: a flipped bit in a received chunk (the sockets
# engine's --test-corrupt-at) makes #wrong > 0 and the exit status 1 (and test_coll.c shows
# it for every rank count).
coll() { # NAME RANKS [options]: run it, then check run.json
	local name=$1 n=$2 out=$TMP/$1-$2-$RANDOM
	shift 2
	$FABPROBE run "$name" --np "$n" --poll event --sizes 4,4K,256K --iters 5 --warmup 2 \
		--check --output "$out" --timeout 20s "$@" >"$TMP/log" 2>&1 ||
		{ cat "$TMP/log"; fail "$name on $n ranks $*"; }
	python3 "$HERE/check_coll.py" "$out/run.json" "$name" "$n" 4,4096,262144 ||
		fail "$name on $n ranks $*: run.json"
	python3 "$FP_SRCDIR/tests/schema/run_schema.py" "$out" || fail "$name: run.json schema"
	ok "$name on $n ranks $*: every float right, busbw = algbw x $( [ "$name" = allreduce ] && echo '2(n-1)/n' || echo '(n-1)/n')"
}
coll allreduce 2
coll allreduce 3
coll allreduce 4 --algo tree
coll allgather 3
coll reducescatter 3

for c in "allreduce 2" "allreduce 3 --algo tree" "allgather 2" "reducescatter 3"; do
	# shellcheck disable=SC2086
	set -- $c
	out=$TMP/bad-$1-$2
	$FABPROBE run "$1" --np "$2" --poll event --sizes 4K --iters 1 --warmup 0 --check \
		--test-corrupt-at 0 --output "$out" --timeout 20s "${@:3}" >"$TMP/log" 2>&1
	rc=$?
	[ $rc = 1 ] && grep -q -- '--check: [0-9]* corrupted' "$TMP/log" ||
		{ cat "$TMP/log"; fail "$c with a spoiled chunk: exit $rc"; }
	python3 -c "import json,sys; d=json.load(open('$out/run.json')); sys.exit(not d['results'][0]['wrong'] > 0)" ||
		fail "$c with a spoiled chunk: #wrong 0"
done
ok "a spoiled chunk fails --check in every collective (#wrong > 0, exit 1)"

# what a collective cannot do is refused in one line, exit 2, before any rank starts
for bad in "allreduce --sizes 6" "allgather --algo tree" "allreduce --engine sockets --proto udp" \
	"reducescatter --duration 1s"; do
	# shellcheck disable=SC2086
	$FABPROBE run $bad --np 2 --output "$TMP/bad" >"$TMP/log" 2>&1
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$TMP/log")" = 1 ] || { cat "$TMP/log"; fail "'$bad': exit $rc"; }
	[ ! -e "$TMP/bad" ] || fail "'$bad' left a result folder"
done
ok "collectives: bad sizes, --algo tree off allreduce, udp and --duration refused"

# what may lose frames (verbs UD, dpdk) or carries no data (verbs --op read) is refused the
# same way, on a host with an RDMA device or not (verbs_guest.sh runs them on RC)
checked=0
for bad in "verbs --transport ud:frames may be lost" "verbs --op read:pulls a pattern" \
	"dpdk:frames may be lost"; do
	args=${bad%%:*} want=${bad#*:}
	"$FABPROBE" engines | grep -q "^${args%% *} *yes" || { echo "  (${args%% *} not built)"; continue; }
	# shellcheck disable=SC2086
	$FABPROBE run allreduce --np 2 --engine $args --output "$TMP/bad" >"$TMP/log" 2>&1
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$TMP/log")" = 1 ] && grep -q "$want" "$TMP/log" ||
		{ cat "$TMP/log"; fail "allreduce --engine $args: exit $rc"; }
	[ ! -e "$TMP/bad" ] || fail "allreduce --engine $args left a result folder"
	echo "  $(cat "$TMP/log")"
	checked=$((checked + 1))
done
[ $checked -gt 0 ] || skip "neither verbs nor dpdk is built here: their refusals untested"
ok "collectives: $checked of verbs UD, verbs --op read and dpdk refused in one line, exit 2"
