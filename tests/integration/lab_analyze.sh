# End to end on the lab: plant a degraded leaf-spine link at random, run alltoall and pairs,
# trace the flows, and the analyzer must name that link first. Three placements.
lab_begin
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
"$LAB" up "$T" || fail "lab up"
mapfile -t uplinks < <("$LAB" links | awk '$2 ~ /^leaf/ && $3 ~ /^spine/ {print $2 "-" $3}')
for trial in 1 2 3; do
	pick=${uplinks[$(( (RANDOM + trial * 3) % ${#uplinks[@]} ))]}
	"$LAB" fault clear >/dev/null 2>&1
	"$LAB" fault degrade "$pick" 25 || fail "fault"
	for p in alltoall pairs; do
		"$LAB" run -- $p --sizes 64K --iters 30 --warmup 3 --poll event --quiet \
			--output "$TMP/t$trial-$p" >/dev/null 2>&1 || fail "$p run, trial $trial"
		"$LAB" trace "$TMP/t$trial-$p" 2>/dev/null || fail "trace, trial $trial"
	done
	$FABPROBE analyze --topology "$T" --format json "$TMP/t$trial-alltoall" "$TMP/t$trial-pairs" \
		>"$TMP/v$trial.json"
	[ $? -eq 1 ] || fail "trial $trial: the analyzer found nothing"
	python3 - "$TMP/v$trial.json" "$FP_LAB_STATE/faults.json" <<'PY' || fail "trial $trial: wrong link"
import json, sys
v = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))[-1]
s = v["suspects"][0]
print("planted %s:%s-%s:%s, named %s:%s-%s:%s (confidence %.2f, health %.2f)" % (
    g["a"], g["a_port"], g["b"], g["b_port"], s["a"], s["a_port"], s["b"], s["b_port"], s["confidence"], s["health"]))
assert s["kind"] == "link" and {s["a"], s["b"]} == {g["a"], g["b"]}, (s, g)
PY
	ok "trial $trial: $pick named first"
done
