# Issue 19: statistics a reader can trust. Interval minimums skip the intervals in which no
# message completed and count them instead of reading 0 ("the link stopped"); alltoall ends
# with nccl-tests' "avg busbw" line, and run.json carries the same figure.

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

# nccl-tests habit: the average bus bandwidth over the sizes, after the table
"$FABPROBE" run alltoall --np 4 --sizes 1K,64K --iters 100 --warmup 10 --output "$TMP/a2a" \
	>"$TMP/a2a.txt" 2>"$TMP/log" || { cat "$TMP/log"; fail "alltoall"; }
python3 - "$TMP/a2a" "$TMP/a2a.txt" <<'PY' || fail "avg busbw"
import csv, json, re, sys
d = json.load(open(sys.argv[1] + "/run.json"))
rows = list(csv.DictReader(open(sys.argv[1] + "/bw.csv")))
mean = sum(float(r["busbw_GBps"]) for r in rows) / len(rows)
s = d["summary"]
assert s["sizes"] == 2 and abs(s["avg_busbw_GBps"] - mean) <= 1e-6 + 1e-4 * mean, (s, mean)
m = re.search(r"^# avg busbw: ([0-9.]+) GB/s over 2 sizes$", open(sys.argv[2]).read(), re.M)
assert m and abs(float(m.group(1)) - mean) < 1e-4 + 1e-3 * mean, (m, mean)
print("avg busbw %.4f GB/s" % mean)
PY
"$FABPROBE" run stream --np 2 --sizes 1K --iters 100 --output "$TMP/st" >"$TMP/st.txt" 2>&1 ||
	fail "stream"
! grep -q busbw "$TMP/st.txt" && ! grep -q '"summary"' "$TMP/st/run.json" || fail "busbw outside alltoall"
ok "alltoall prints and records the average bus bandwidth; other patterns do not"

# every option in run.json, the engine's too, by the names the command line uses; the
# token stays out
"$FABPROBE" run stream --engine null --np 2 --sizes 1K,4K --iters 50 --delay 1ms \
	--fault-rank 0 --token "tok-$$-secret" --window 8 --output "$TMP/opts" --quiet >"$TMP/log" 2>&1 ||
	{ cat "$TMP/log"; fail "options run"; }
python3 - "$TMP/opts/run.json" "tok-$$-secret" <<'PY' || fail "options in run.json"
import json, sys
text = open(sys.argv[1]).read()
assert sys.argv[2] not in text, "the job token is in run.json"
o = json.loads(text)["options"]
run, eng = o["run"], o["engine"]
assert run["engine"] == "null" and run["sizes"] == [1024, 4096] and run["window"] == 8, run
assert run["iters"] == 50 and run["token"] == "***" and run["poll"] == "busy", run
assert run["timeout_s"] == 60 and run["interval_s"] == 0.01, run
assert eng == {"delay_s": 0.001, "slow_s": 0, "fault-rank": 0, "drop-at": -1, "error-at": -1,
               "dead-at": -1, "die-at": -1, "interrupt-at": -1, "corrupt-at": -1}, eng
PY
ok "run.json options: every runner and engine option, the token redacted"

# where each rank ran: its data-plane port (here lo) and its CPU; the commit it was built from
"$FABPROBE" run stream --np 2 --sizes 1K --iters 20 --output "$TMP/ctx" --quiet >"$TMP/log" 2>&1 ||
	{ cat "$TMP/log"; fail "context run"; }
"$FABPROBE" run stream --np 2 --pin none --sizes 1K --iters 20 --output "$TMP/ctx2" --quiet \
	>"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "context run, not pinned"; }
head=$(git -C "${FP_SRCDIR:-.}" describe --always --abbrev=12 2>/dev/null || echo unknown)
python3 - "$TMP/ctx/run.json" "$TMP/ctx2/run.json" "$(cat /sys/class/net/lo/mtu)" "$head" <<'PY' || fail "ranks[] in run.json"
import json, os, sys
d = json.load(open(sys.argv[1]))
r = d["ranks"]
assert [x["rank"] for x in r] == [0, 1], r
for x in r:
    assert x["port"] == "lo" and x["mtu"] == int(sys.argv[3]), x
    assert x["driver"] is None and x["pcie"] is None and x["numa_node"] is None, x
    assert x["pinned_cpu"] in os.sched_getaffinity(0), x
assert len(os.sched_getaffinity(0)) < 2 or r[0]["pinned_cpu"] != r[1]["pinned_cpu"], r
assert all(x["pinned_cpu"] is None for x in json.load(open(sys.argv[2]))["ranks"])
g = d["versions"]["git_commit"]
assert g == "unknown" if sys.argv[4] == "unknown" else g.startswith(sys.argv[4]), (g, sys.argv[4])
print("ranks on", [(x["port"], x["pinned_cpu"]) for x in r], "built from", g)
PY
ok "run.json ranks[]: port, MTU, pinned CPU per rank; versions.git_commit"

# live progress (iperf3 -i): one line per interval on rank 0, the same rows in intervals.csv
"$FABPROBE" run stream --np 2 --sizes 64K --duration 3s --report-interval 1s \
	--output "$TMP/rep" >"$TMP/rep.txt" 2>"$TMP/log" || { cat "$TMP/log"; fail "report run"; }
"$FABPROBE" run alltoall --np 3 --sizes 4K --iters 20000 --report-interval 100ms \
	--output "$TMP/rep2" >"$TMP/rep2.txt" 2>"$TMP/log" || { cat "$TMP/log"; fail "report run, iters"; }
python3 - "$TMP/rep" "$TMP/rep.txt" "$TMP/rep2" "$TMP/rep2.txt" <<'PY' || fail "report intervals"
import csv, json, re, sys
pat = re.compile(r"^\[ *([0-9.]+)- *([0-9.]+) s\] +(\S+) +([0-9.]+) Gb/s +([0-9.]+) Mmsg/s  slowest flow (\d+) \((\d+) -> (\d+)\) ([0-9.]+) Gb/s$", re.M)
for out, txt in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    lines = pat.findall(open(txt).read())
    rows = list(csv.DictReader(open(out + "/intervals.csv")))
    d = json.load(open(out + "/run.json"))
    # the --iters run may end within a couple of intervals on a fast machine: at least one
    assert len(lines) == len(rows) >= (3 if out == sys.argv[1] else 1), (len(lines), len(rows))
    for l, r in zip(lines, rows):
        assert abs(float(l[1]) - float(r["t_end_s"])) < 0.006 and l[2] in ("64K", "4K"), (l, r)
    got = sum(int(r["msgs"]) for r in rows)
    sent = sum(f["rx_msgs"] for f in d["results"][0]["flows"])
    if out == sys.argv[1]:
        # 3 s in 1 s intervals: ends at 1, 2, 3 s (the reports' own time is taken off); a
        # busy-polling rank on a loaded 2-core machine may report late, never early, and a
        # late report must not hang (live.sh bounds the same cadence the same way)
        ends = [float(r["t_end_s"]) for r in rows]
        assert len(rows) == 3 and all(i + 1 <= e <= i + 1.9 for i, e in enumerate(ends)), ends
        assert 0.9 * sent <= got <= sent, (got, sent)  # in flight at the end: not reported
    else:
        assert got == sent == 6 * 20000, (got, sent)  # counts: every message, once
print("intervals: %d lines at 1 s, %d at 100 ms" % (len(pat.findall(open(sys.argv[2]).read())), len(pat.findall(open(sys.argv[4]).read()))))
PY
"$FABPROBE" run stream --np 2 --sizes 64K --iters 100 --output "$TMP/norep" >/dev/null 2>&1 || fail "no report"
[ ! -e "$TMP/norep/intervals.csv" ] || fail "intervals.csv without --report-interval"
ok "--report-interval: a line per interval on rank 0 and in intervals.csv, counts add up"
