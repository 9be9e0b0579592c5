# End to end on the lab: plant a degraded leaf-spine link at random, run alltoall and pairs,
# trace the flows, and the analyzer must name that link first. Three placements. Before
# them, the clean lab: every TCP flow's retransmit counts recorded and read by analyze.
# Then loss (issue 18): a leaf-spine link dropping 1% each way, picked at random, named
# first from TCP's retransmissions in a run of one pair at a time, and the clean lab's
# same run takes no flow for lossy and names no link.
lab_begin
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
"$LAB" up "$T" || fail "lab up"
mapfile -t uplinks < <("$LAB" links | awk '$2 ~ /^leaf/ && $3 ~ /^spine/ {print $2 "-" $3}')
# alltoall and pairs, traced, analyzed together: LABEL; the verdict in $TMP/LABEL.json,
# analyze's status returned
both() {
	for p in alltoall pairs; do
		"$LAB" run -- $p --sizes 64K --iters 30 --warmup 3 --poll event --quiet \
			--output "$TMP/$1-$p" >/dev/null 2>&1 || fail "$1: $p"
		"$LAB" trace "$TMP/$1-$p" 2>/dev/null || fail "$1: trace $p"
	done
	$FABPROBE analyze --topology "$T" --format json "$TMP/$1-alltoall" "$TMP/$1-pairs" \
		>"$TMP/$1.json"
}
# each run's share of segments resent: median flow, and the flows crossing LINK vs the rest
share() {
	python3 - "$@" <<'PY'
import json, statistics, sys
link = set(sys.argv[2].split("-"))
for d in sys.argv[3:]:
    run = json.load(open(d + "/run.json")); paths = json.load(open(d + "/paths.json"))["flows"]
    on, off = [0, 0], [0, 0]
    fl = [f for r in run["results"] for f in r["flows"]]
    assert all(f["segs_out"] > 0 and 0 <= f["retrans"] <= f["segs_out"] for f in fl), d
    for f in fl:
        p = paths[str(f["flow"])]
        p = p["path"] if isinstance(p, dict) else p
        x = on if any({a, b} == link for a, b in zip(p, p[1:])) else off
        x[0] += f["retrans"]; x[1] += f["segs_out"]
    print("%s %s: median flow %.3f%%, crossing %s %.3f%%, the rest %.3f%%" % (sys.argv[1], d.rsplit("-", 1)[1],
          100 * statistics.median(f["retrans"] / f["segs_out"] for f in fl), sys.argv[2],
          100 * on[0] / max(on[1], 1), 100 * off[0] / max(off[1], 1)))
PY
}
# TCP retransmissions (issue 18): 1% random loss on a link leaves TCP's rates nearly whole,
# but the sources resend what it drops. Congestion (the shapers' queues) resends too (an
# alltoall's 56 flows at once, several percent): in the clean lab no flow may be taken for lossy.
t0=$SECONDS
both clean
st=$?
share clean leaf0-spine1 "$TMP/clean-alltoall" "$TMP/clean-pairs" || fail "clean: TCP counts"
python3 - "$TMP/clean.json" <<'PY' || fail "clean lab: analyze's retransmit fields"
import json, sys
v = json.load(open(sys.argv[1]))
# shown, not asserted: 1 flow of 56 passed the rule in 1 of 4 clean runs here (no suspect)
print("clean: %d flows resent beyond congestion (threshold %.3g%%), suspects %s" % (
    v["retransmitting_flows"], 100 * v["retrans_threshold"], [(s["a"], s["b"]) for s in v["suspects"]]))
assert v["retrans_threshold"] > 0, v["retrans_threshold"]
PY
[ $st -le 1 ] || fail "clean lab: analyze failed"
ok "clean lab: every TCP flow's retransmitted and sent segments recorded and read"

# Loss as retransmissions, measured one pair at a time (pairs --alone): with no two flows in
# one queue, congestion resends next to nothing (clean lab: 0.001-0.017% of segments, under
# load too), so every flow is evidence; while flows share queues (pairs, alltoall), a loaded
# machine's congestion resends as much as 1% loss does. 45 x 64 KiB (2,040 segments) a flow:
# a 1% link's flows resend about 20, the rule wants 14 (README, "TCP retransmissions").
# alone LABEL: the run, traced, analyzed into $TMP/LABEL.json; analyze's status returned
alone() {
	"$LAB" run -- pairs --alone --sizes 64K --iters 45 --warmup 3 --poll event --quiet \
		--output "$TMP/$1" >/dev/null 2>&1 || fail "$1: pairs --alone"
	"$LAB" trace "$TMP/$1" 2>/dev/null || fail "$1: trace"
	$FABPROBE analyze --topology "$T" --format json "$TMP/$1" >"$TMP/$1.json"
}
alone clean-alone
[ $? -le 1 ] || fail "clean lab, one pair at a time: analyze failed"
share clean leaf0-spine1 "$TMP/clean-alone" || fail "clean lab, one pair at a time: TCP counts"
python3 - "$TMP/clean-alone.json" <<'PY' || fail "clean lab, one pair at a time: a confident suspect"
import json, sys
v = json.load(open(sys.argv[1]))
named = [(s["kind"], s["a"], s["b"], round(s["confidence"], 2)) for s in v["suspects"]]
print("clean, one pair at a time: %d flows resent beyond congestion (threshold %.3g%%), suspects %s" % (
    v["retransmitting_flows"], 100 * v["retrans_threshold"], named))
# no suspect at confidence 0.5 or more. Shown, not asserted: the flows taken for lossy (0
# in 12 runs, then 1 and 2 in two CI runs of 2026-12-03 while the host ran the lab's eight
# ranks: a lone flow's slow start overshooting the shaper, or the veths dropping under
# softirq load, resent 14-30 of 2,040 segments), and the rate rule's low-confidence names
# (0.02-0.04 in 4 of 14 runs on a loaded machine: a few flows 10% slow where the noise
# read is 2.5%; README)
assert v["retrans_threshold"] > 0, v["retrans_threshold"]
assert all(s["confidence"] < 0.5 for s in v["suspects"]), named
PY
ok "clean lab, one pair at a time: no confident suspect"
for trial in 1 2 3; do
	pick=${uplinks[$(( (RANDOM + trial * 3) % ${#uplinks[@]} ))]}
	"$LAB" fault clear >/dev/null 2>&1
	"$LAB" fault degrade "$pick" 25 || fail "fault"
	both "t$trial"
	[ $? -eq 1 ] || fail "trial $trial: the analyzer found nothing"
	python3 - "$TMP/t$trial.json" "$FP_LAB_STATE/faults.json" <<'PY' || fail "trial $trial: wrong link"
import json, sys
v = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))[-1]
s = v["suspects"][0]
print("planted %s:%s-%s:%s, named %s:%s-%s:%s (confidence %.2f, health %.2f)" % (
    g["a"], g["a_port"], g["b"], g["b_port"], s["a"], s["a_port"], s["b"], s["b_port"], s["confidence"], s["health"]))
assert s["kind"] == "link" and {s["a"], s["b"]} == {g["a"], g["b"]}, (s, g)
PY
	ok "trial $trial: $pick named first"
done

"$LAB" fault clear >/dev/null 2>&1 || fail "clear"
pick=${uplinks[$((RANDOM % ${#uplinks[@]}))]}
"$LAB" fault drop "$pick" 1 || fail "fault drop"
alone loss-alone
[ $? -eq 1 ] || fail "loss: the analyzer found nothing"
share loss "$pick" "$TMP/loss-alone" || fail "loss: TCP counts"
python3 - "$TMP/loss-alone.json" "$FP_LAB_STATE/faults.json" <<'PY' || fail "loss: wrong link"
import json, sys
v = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))[-1]
s = v["suspects"][0]
print("planted 1%% loss on %s:%s-%s:%s, named %s:%s-%s:%s (confidence %.2f; %d flows resent beyond congestion; %d suspects)" % (
    g["a"], g["a_port"], g["b"], g["b_port"], s["a"], s["a_port"], s["b"], s["b_port"], s["confidence"],
    v["retransmitting_flows"], len(v["suspects"])))
assert s["kind"] == "link" and {s["a"], s["b"]} == {g["a"], g["b"]}, (s, g)
PY
ok "loss: $pick dropping 1% named first"
