# Issue 19: a 20 s soak through the lab, h0 -> h7 over 100 Mbit/s links; after 10 s leaf0's
# uplinks are cut to 20 Mbit/s (lab fault; both, so the flow crosses one whichever spine its
# hash picked) while the soak runs. The drop shows in intervals.csv,
# in the port counters' series, and run.json's "degraded" names the flow with its evidence.
lab_begin

"$LAB" up "$FP_SRCDIR/topologies/lab-leafspine.yaml" || fail "lab up"
out=$TMP/soak
"$LAB" run --hosts h0,h7 -- stream --sizes 64K --soak --duration 20s --counter-interval 2s \
	--report-interval 1s --warmup 5 --poll event --timeout 20s --quiet --output "$out" >"$TMP/log" 2>&1 &
pid=$!
PIDS+=($pid)
# the fault at 10 s into the soak, by the soak's own clock (soak.csv, rewritten every phase)
python3 - "$out/soak.csv" <<'PY' || fail "the soak did not reach 10 s"
import csv, sys, time
end = time.time() + 40
while time.time() < end:
    try:
        if any(float(r["t_end_s"]) >= 9.5 for r in csv.DictReader(open(sys.argv[1]))):
            sys.exit(0)
    except (FileNotFoundError, KeyError, ValueError):
        pass
    time.sleep(0.2)
sys.exit(1)
PY
"$LAB" fault degrade leaf0-spine0 20 && "$LAB" fault degrade leaf0-spine1 20 || fail "fault"
wait $pid || { cat "$TMP/log"; fail "the soak failed"; }
python3 "$HERE/soak_check.py" "$out" duration || fail "soak folder"
python3 - "$out" <<'PY' || fail "the drop does not show"
import csv, json, sys
d = sys.argv[1]
iv = [float(r["agg_Gbps"]) * 1000 for r in csv.DictReader(open(d + "/intervals.csv"))]
k = len(iv) // 3
first, last = sum(iv[:k]) / k, sum(iv[-k:]) / k
print("intervals: first third %.1f Mbit/s, last third %.1f Mbit/s (%d intervals)" % (first, last, len(iv)))
# the fault caps the flow at 20 Mbit/s whatever the load; before it, the flow was above that
# cap (a loaded machine may not reach 100), and after it, under half of what it was
assert first > 25 and last < 0.5 * first, (first, last)
tx = [int(r["delta"]) for r in csv.DictReader(open(d + "/counters.csv"))
      if r["rank"] == "0" and r["counter"] == "tx_bytes"][1:]
k = len(tx) // 3
assert sum(tx[-k:]) < 0.5 * sum(tx[:k]), tx
run = json.load(open(d + "/run.json"))
deg = [g for g in run["degraded"] if g["kind"] == "flow"]
print("degraded:", deg)
assert len(deg) == 1 and deg[0]["src"] == 0 and deg[0]["dst"] == 1 and deg[0]["ratio"] < 0.5, deg
assert run["soak"]["ended_by"] == "duration"
assert all(f["fec"] == "not available" for f in run["soak"]["fec"]), run["soak"]["fec"]
PY
printf 'fabprobe_spec: 1\nchecks:\n  - {name: steady, metric: soak_degraded, max: 0}\n' >"$TMP/spec.yaml"
"$FABPROBE" check "$TMP/spec.yaml" "$out" >"$TMP/out"
[ $? -eq 1 ] && grep -q "^FAIL  steady .* 1 flows/ports" "$TMP/out" ||
	{ cat "$TMP/out"; fail "check does not fail the degraded soak"; }
"$FABPROBE" analyze --topology "$FP_SRCDIR/topologies/lab-leafspine.yaml" "$out" >"$TMP/out" 2>&1
[ $? -eq 1 ] && grep -q "^soak: 1 flow(s) or port(s) degraded" "$TMP/out" ||
	{ cat "$TMP/out"; fail "analyze does not show the degraded soak"; }
ok "a link degraded mid-soak shows in intervals.csv and counters, the flow is flagged, check and analyze show it"
"$LAB" down || fail "down"
