# Issue 14 item 10: NaN, infinite or zero rates are input errors (exit 2), never a
# simulation with NaN in it: sim options and the fault parser refuse them.
# Sourced by tests/integration/run.sh (TMP, FABPROBE, fail, ok).
. "$HERE/../security/topo_lib.sh"
"$FABPROBE" topo gen leaf-spine --output "$TMP/ls.yaml" || fail "topo gen"
sim() { refused "$1" sim "$TMP/ls.yaml" permutation --rounds 1 --quiet --output "$TMP/out" "${@:2}"; }
sim "noise" --noise nan
sim "noise" --noise inf
sim "rtt-us" --rtt-us nan
sim "nic-gbps" --nic-gbps 0
sim "degrade value 'nan'" --faults degrade:leaf0-spine0:nan
sim "loss value 'nan'" --faults loss:leaf0-spine0:nan
sim "slowhost value '-inf'" --faults slowhost:h0:-inf
sim "fault-range" --random-faults 1 --fault-range nan:nan
"$FABPROBE" sim "$TMP/ls.yaml" permutation --rounds 1 --quiet --output "$TMP/good" \
	--faults degrade:leaf0-spine0:0.5 --noise 0.01 || fail "a valid fault is refused"
ok "a valid fault and noise still simulate"
