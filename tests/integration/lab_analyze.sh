# End to end on the lab: plant a degraded leaf-spine link at random, run alltoall and pairs,
# trace the flows, and the analyzer must name that link first. Three placements. Before
# them, the clean lab: every TCP flow's retransmit counts recorded and read by analyze.
# (A link losing 1% was
# named first from them in 3 of 3 runs on a quiet machine and in 0 of 1 under load, where
# its alone flows resent 1.05%, near the rule's 1.03%: not asserted here; README.)
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
