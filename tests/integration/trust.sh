# Issue 19: statistics a reader can trust. Interval minimums skip the intervals in which no
# message completed and count them instead of reading 0 ("the link stopped").

# one 1 MiB message every ~60 ms (30 ms each way, a window of 1): most 10 ms intervals
# see no completion, yet the link never stopped
"$FABPROBE" run stream --engine null --np 2 --sizes 1M --iters 20 --warmup 2 --delay 30ms \
	--window 1 --output "$TMP/slow" --quiet >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "slow stream"; }
check "$TMP/slow" --ranks 2 --pattern stream --iters 20
python3 - "$TMP/slow" <<'PY' || fail "intervals without a completion"
import csv, json, sys
d = json.load(open(sys.argv[1] + "/run.json"))
r = d["results"][0]
b, f = r["bandwidth"], r["flows"][0]
print("interval min %.3f Gb/s, %d of %d intervals empty" % (b["interval_min_Gbps"], f["intervals_empty"], f["intervals"]))
assert 0 < f["intervals_empty"] < f["intervals"], f
assert b["intervals_empty"] == f["intervals_empty"], b
# the minimum is over intervals that moved a message: 1 MiB in 10 ms, or in the last
# interval with the open tail joined to it; before, it read 0
assert b["interval_min_Gbps"] >= 0.1, b
# over intervals with data only, the minimum may exceed the average: the empty ones say why
assert 0 < f["min_Gbps"] <= f["peak_Gbps"] and f["avg_Gbps"] <= f["peak_Gbps"], f
row = next(csv.DictReader(open(sys.argv[1] + "/bw.csv")))
assert int(row["intervals_empty"]) == b["intervals_empty"], row
PY
ok "an interval without a completed message is counted as empty, not a minimum of 0"

