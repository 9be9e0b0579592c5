# Issue 14.1: a token taken from the launcher's job id is guessable. Off loopback every rank
# warns and run.json records "auth": "weak"; --require-token refuses to run; a --token secret
# is recorded as "auth": "token". Real ranks in a network namespace of this test's own, on a
# veth's address (not loopback; this kernel has no dummy devices). Sourced by tests/integration/run.sh.
[ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
command -v ip >/dev/null || skip "iproute2 is not installed"
ns=fpweak-$$
ip netns add "$ns" || skip "cannot create a network namespace"
trap 'ip netns del "$ns" 2>/dev/null; cleanup' EXIT
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1 && ip -n "$ns" link set v0 up &&
	ip -n "$ns" link set v1 up && ip -n "$ns" addr add 10.255.7.1/24 dev v0 || fail "veth"
rv=10.255.7.1:18599
pair() { # OUT [options...]: two ranks of a job whose token is OMPI's job id
	local out=$1 rc0 rc1
	shift
	OMPI_MCA_ess_base_jobid=4242 ip netns exec "$ns" "$FABPROBE" run pingpong --rank 1 --size 2 \
		--rendezvous $rv --sizes 8 --iters 20 --timeout 10s --quiet "$@" >"$TMP/r1" 2>&1 &
	local p=$!
	OMPI_MCA_ess_base_jobid=4242 ip netns exec "$ns" "$FABPROBE" run pingpong --rank 0 --size 2 \
		--rendezvous $rv --sizes 8 --iters 20 --timeout 10s --quiet --output "$out" "$@" \
		>"$TMP/r0" 2>&1
	rc0=$?
	wait $p
	rc1=$?
	echo "$rc0 $rc1"
}
rcs=$(pair "$TMP/weak")
[ "$rcs" = "0 0" ] || { cat "$TMP/r0" "$TMP/r1"; fail "weak-token job exits $rcs"; }
grep -qi 'token' "$TMP/r0" && grep -qi 'token' "$TMP/r1" ||
	{ cat "$TMP/r0" "$TMP/r1"; fail "a guessable token off loopback is not warned on every rank"; }
grep -q '"auth": *"weak"' "$TMP/weak/run.json" || fail "run.json does not record auth: weak"
ok "a job-id token off loopback: warned on both ranks, auth weak in run.json"
rcs=$(pair "$TMP/req" --require-token)
[ "$rcs" = "2 2" ] || { cat "$TMP/r0" "$TMP/r1"; fail "--require-token with a job-id token exits $rcs, not 2 2"; }
[ ! -e "$TMP/req" ] || fail "--require-token refused, yet left a result folder"
ok "--require-token refuses a job-id token off loopback: $(head -1 "$TMP/r0")"
rcs=$(pair "$TMP/strong" --token "s3cret-$$" --require-token)
[ "$rcs" = "0 0" ] || { cat "$TMP/r0" "$TMP/r1"; fail "a --token secret with --require-token exits $rcs"; }
grep -q '"auth": *"token"' "$TMP/strong/run.json" || fail "run.json does not record auth: token"
! grep -q "s3cret-$$" "$TMP/strong/run.json" || fail "the token is in run.json"
ok "a --token secret: auth token in run.json, the secret itself nowhere"
