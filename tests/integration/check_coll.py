"""A collective's run.json: complete on N ranks, every size's floats right, algbw = size /
time, busbw = algbw x nccl-tests' factor (allreduce 2(n-1)/n, the others (n-1)/n).
Usage: check_coll.py RUN_JSON NAME N SIZE,SIZE,... [ENGINE]; with ENGINE, the run's engine
is checked and the largest size's figures printed."""
import json
import sys

d = json.load(open(sys.argv[1]))
name, n = sys.argv[2], int(sys.argv[3])
sizes = [int(s) for s in sys.argv[4].split(",")]
engine = sys.argv[5] if len(sys.argv) > 5 else None
f = 2 * (n - 1) / n if name == "allreduce" else (n - 1) / n
assert d["complete"] and d["world_size"] == n, "incomplete"
assert engine is None or d["engine"] == engine, d["engine"]
assert [r["size"] for r in d["results"]] == sizes, "sizes"
for r in d["results"]:
    c = r["collective"]
    assert r["wrong"] == 0, f"size {r['size']}: {r['wrong']} wrong"
    assert c["op"] == name and c["iters"] == 5 and c["count"] == r["size"] // 4, c
    assert c["time_us"] > 0 and abs(c["busbw_GBps"] - c["algbw_GBps"] * f) < 1e-9 * (1 + c["busbw_GBps"]), c
    assert abs(c["algbw_GBps"] - r["size"] / (c["time_us"] * 1e3)) < 1e-6 * (1 + c["algbw_GBps"]), c
if engine:
    c = d["results"][-1]["collective"]
    print("  %s %d ranks %s %s: %d B in %.0f us, algbw %.4f GB/s, busbw %.4f GB/s" % (
        name, n, c["algo"], d["options"]["engine"].get("op", "-"), d["results"][-1]["size"],
        c["time_us"], c["algbw_GBps"], c["busbw_GBps"]))
