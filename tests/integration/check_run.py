#!/usr/bin/env python3
"""Validate a fabprobe result folder: schema, completeness, byte accounting, CSV shape."""
import argparse, csv, json, os, sys

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--ranks", type=int, required=True)
ap.add_argument("--pattern", required=True)
ap.add_argument("--iters", type=int, help="exact messages per flow (iters mode)")
ap.add_argument("--sizes", help="comma list of sizes expected done")
ap.add_argument("--incomplete", action="store_true", help="expect a run marked incomplete")
ap.add_argument("--matrices", action="store_true", help="expect matrix CSV files")
ap.add_argument("--max-loss", type=float,
                help="a frame engine: each flow may lose up to this fraction; every frame "
                     "sent must be received or counted lost")
a = ap.parse_args()

errors = []
def err(msg):
    errors.append(msg)

with open(os.path.join(a.dir, "run.json")) as f:
    run = json.load(f)
if run.get("schema_version") != 1:
    err("schema_version %r" % run.get("schema_version"))
if run["pattern"] != a.pattern:
    err("pattern %s" % run["pattern"])
if run["world_size"] != a.ranks or len(run["hosts"]) != a.ranks:
    err("world_size %d" % run["world_size"])
if a.incomplete:
    if run["complete"] or run["status"] == "complete" or not run.get("error"):
        err("expected an incomplete run with an error, got %s" % run["status"])
else:
    if not run["complete"] or run["status"] != "complete":
        err("status %s: %s" % (run["status"], run.get("error")))
    if run["sizes_done"] != run["sizes_requested"]:
        err("sizes done %s of %s" % (run["sizes_done"], run["sizes_requested"]))
if a.sizes:
    want = [int(s) for s in a.sizes.split(",")]
    if not a.incomplete and run["sizes_requested"] != want:
        err("sizes requested %s" % run["sizes_requested"])
if set(run["sizes_done"]) != {r["size"] for r in run["results"]}:
    err("results do not match sizes_done")

flows = {f["id"]: f for f in run["flows"]}
for f in flows.values():
    if f["src"] == f["dst"]:
        err("self flow %d" % f["id"])
    for k in ("proto", "src_ip", "src_port", "dst_ip", "dst_port"):
        if k not in f:
            err("flow %d has no %s" % (f["id"], k))
            break
round_flows = sum(len(r["flows"]) for r in run["schedule"]["round_list"])
measures_bw = run["pattern"] != "pingpong"
for res in run["results"]:
    size = res["size"]
    fl = res["flows"]
    if measures_bw:
        if len(fl) != round_flows:
            err("size %d: %d flow records, schedule has %d" % (size, len(fl), round_flows))
        for r in fl:
            if a.max_loss is not None:
                if r["rx_msgs"] + r["lost"] != r["tx_msgs"]:
                    err("size %d flow %d: sent %d, received %d + lost %d" % (size, r["flow"], r["tx_msgs"], r["rx_msgs"], r["lost"]))
                if r["lost"] > a.max_loss * r["tx_msgs"]:
                    err("size %d flow %d: lost %d of %d" % (size, r["flow"], r["lost"], r["tx_msgs"]))
                if r["duplicates"]:
                    err("size %d flow %d: %d duplicates" % (size, r["flow"], r["duplicates"]))
            elif r["tx_bytes"] != r["rx_bytes"]:
                err("size %d flow %d: sent %d received %d" % (size, r["flow"], r["tx_bytes"], r["rx_bytes"]))
            if r["rx_bytes"] != r["rx_msgs"] * size:
                err("size %d flow %d: bytes %d != msgs*size" % (size, r["flow"], r["rx_bytes"]))
            if a.iters is not None and r["tx_msgs" if a.max_loss is not None else "rx_msgs"] != a.iters:
                err("size %d flow %d: %d msgs, asked %d" % (size, r["flow"], r["rx_msgs"], a.iters))
            if not r["avg_Gbps"] > 0 or not r["rx_time_us"] > 0:
                err("size %d flow %d: rate %r" % (size, r["flow"], r["avg_Gbps"]))
            if r["min_Gbps"] > r["peak_Gbps"] * 1.0001:
                err("size %d flow %d: min above peak" % (size, r["flow"]))
        if not res["bandwidth"]["aggregate_Gbps"] > 0:
            err("size %d: aggregate 0" % size)
    if run["pattern"] in ("pingpong", "pairs"):
        lat = res["latency"]
        if not (0 < lat["min_us"] <= lat["p50_us"] <= lat["p99_us"] <= lat["max_us"]):
            err("size %d: latency order %r" % (size, lat))
        if a.iters is not None and run["pattern"] == "pingpong" and lat["samples"] != a.iters * (a.ranks // 2):
            err("size %d: %d samples" % (size, lat["samples"]))

def rows(name):
    with open(os.path.join(a.dir, name)) as f:
        return list(csv.reader(f))
done = len(run["sizes_done"])
if measures_bw and len(rows("bw.csv")) != done + 1:
    err("bw.csv rows")
if run["pattern"] in ("pingpong", "pairs") and len(rows("lat.csv")) != done + 1:
    err("lat.csv rows")
# the last column says whether the size is whole: as results[].complete (absent: true)
whole = ["0" if r.get("complete", True) is False else "1" for r in run["results"]]
for name in ("bw.csv", "lat.csv"):
    if os.path.exists(os.path.join(a.dir, name)):
        t = rows(name)
        if t and (t[0][-1] != "complete" or [r[-1] for r in t[1:]] != whole):
            err("%s: its complete column against results[].complete %r" % (name, whole))
names = [h["hostname"] for h in run.get("hosts", [])]
fl = rows("flows.csv")
if len(fl) < 1:
    err("flows.csv")
elif fl[0][-2:] != ["src_host", "dst_host"]:
    err("flows.csv: no src_host,dst_host columns: %s" % fl[0][-2:])
else:
    src, dst = fl[0].index("src"), fl[0].index("dst")
    for r in fl[1:]:
        if names and r[-2:] != [names[int(r[src])], names[int(r[dst])]]:
            err("flows.csv: flow %s->%s names hosts %s" % (r[src], r[dst], r[-2:]))
            break
if a.matrices:
    n = a.ranks
    for s in run["sizes_done"]:
        m = rows("matrix_bw_%d.csv" % s)
        if not m or (names and m[0] != names):
            err("matrix_bw_%d.csv: the header row is not the hosts in rank order: %s" % (s, m[:1]))
            continue
        m = m[1:]
        if len(m) != n or any(len(r) != n for r in m):
            err("matrix_bw_%d.csv is not %dx%d" % (s, n, n))
            continue
        for i in range(n):
            if float(m[i][i]) == float(m[i][i]):
                err("matrix_bw_%d: self pair %d has a value" % (s, i))
        if run["pattern"] in ("alltoall", "pairs"):
            for i in range(n):
                for j in range(n):
                    if i != j and not float(m[i][j]) > 0:  # NaN fails too
                        err("matrix_bw_%d: missing pair %d->%d" % (s, i, j))
    if not os.path.exists(os.path.join(a.dir, "ranks.csv")):
        err("ranks.csv missing")
leftovers = [f for f in os.listdir(a.dir) if ".tmp" in f]
if leftovers:
    err("temporary files left: %s" % leftovers)
if errors:
    print("\n".join(errors[:20]))
    sys.exit(1)
print("ok %s: %s, %d sizes" % (a.dir, run["status"], done))
