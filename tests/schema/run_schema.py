#!/usr/bin/env python3
"""Validate run.json against the schema results/README.md documents (stdlib only).

    run_schema.py RUN_DIR|run.json|CLASSES_DIR ...

The schema below is data, one entry per key of the README's tables: a key the writer adds
that the README does not document, a documented key that is missing, or a value of the
wrong type is an error. Exit 0 when every file validates, 1 with one line per error.

Types: "int", "num" (int or float, null allowed where JSON has no NaN), "str", "bool", "null",
alternatives joined by "|"; ("enum", v1, ...); [T] a list of T; {"key": T, "?key": T} an
object (a leading ? marks an optional key); ("map", T) an object with any keys, values T;
("or_null", T) T or null;
"any" for what another table documents (options.run, fabric_counters).
"""
import json, os, sys

LAT = {k: "num" for k in ("min_us", "mean_us", "stddev_us", "p50_us", "p90_us", "p99_us",
                          "p99_9_us", "p99_99_us", "max_us", "rtt_p50_us", "rtt_p99_us",
                          "rtt_mean_us")}
LAT["samples"] = "int"
ONEWAY = {"samples": "int", **{k: "num" for k in ("min_us", "mean_us", "p50_us", "p90_us",
                                                 "p99_us", "p99_9_us", "max_us")}}
BANDWIDTH = {
    "flows": "int", "aggregate_Gbps": "num", "aggregate_GBps": "num",
    "aggregate_min_round_Gbps": "num", "flow_mean_Gbps": "num", "flow_min_Gbps": "num",
    "flow_max_Gbps": "num", "interval_min_Gbps": "num", "interval_peak_Gbps": "num",
    "intervals_empty": "int", "msg_rate_Mmsgps": "num", "jain_fairness": "num",
    # alltoall: nccl-tests' algbw and busbw
    "?algbw_GBps": "num", "?busbw_GBps": "num",
    # frame engines (dpdk)
    "?offered_Gbps": "num", "?offered_Mpps": "num", "?frames_sent": "int",
    "?frames_received": "int", "?frames_lost": "int", "?loss_ratio": "num",
    "?frames_reordered": "int", "?frames_duplicated": "int", "?one_way_latency": ONEWAY,
    "?rfc2544": {"loss_limit": "str", "throughput_fps_per_sender": "num",
                 "throughput_Gbps_per_sender": "num", "trial_s": "num",
                 "trials": [{"rate_fps": "num", "loss_ratio": "num"}]},
}
ROUND = {"round": "int", "flows": "int", "bytes": "int", "time_us": "num",
         "aggregate_Gbps": "num", "flow_min_Gbps": "num", "flow_max_Gbps": "num",
         "jain_fairness": "num"}
STRAGGLERS = {
    "threshold_z": "num", "pair_median_Gbps": "num", "pair_mad_Gbps": "num",
    "rank_median_Gbps": "num", "rank_mad_Gbps": "num",
    "slowest_pairs": [{"src": "int", "dst": "int", "Gbps": "num", "z": "num", "outlier": "bool"}],
    "slowest_ranks": [{"rank": "int", "mean_Gbps": "num", "flows": "int", "z": "num",
                       "outlier": "bool"}],
}
RFLOW = {
    "round": "int", "flow": "int", "src": "int", "dst": "int",
    "?tx_msgs": "int", "?tx_bytes": "int", "?rx_msgs": "int", "?rx_bytes": "int",
    "?tx_time_us": "num", "?rx_time_us": "num", "?avg_Gbps": "num", "?min_Gbps": "num",
    "?peak_Gbps": "num", "?intervals": "int", "?intervals_empty": "int", "?interval_ms": "num",
    "?latency": LAT, "?lost": "int", "?reordered": "int", "?duplicates": "int", "?stale": "int", "?forged": "int",
    "?retrans": "int", "?segs_out": "int", "?rtt_us": "int",
    "?path": ["int"],
}
COLLECTIVE = {"op": ("enum", "allreduce", "allgather", "reducescatter"),
              "algo": ("enum", "ring", "tree"), "ranks": "int", "count": "int", "type": "str",
              "redop": "str", "iters": "int", "time_us": "num", "algbw_GBps": "num",
              "busbw_GBps": "num"}
RESULT = {"size": "int", "iters": "int", "?bandwidth": BANDWIDTH, "?rounds": [ROUND],
          "?stragglers": STRAGGLERS, "?latency": LAT, "?flows": [RFLOW], "?wrong": "int",
          "?collective": COLLECTIVE}
ENDPOINT = {"?" + k: "str" for k in ("netdev", "device", "node_guid", "port_guid", "mac",
                                     "ip", "ipv4", "ipv6", "pci", "link_layer", "gid",
                                     "dpdk_device")}
ENDPOINT.update({"?port": "int", "?lid": "int", "?numa_node": "int",
                 "?numa_buf": "int", "?numa_cpu": "int"})
RANK = {"rank": "int", "port": "str|null", "driver": "str|null", "nic_model": "str",
        "firmware": "str", "mtu": "int|null",
        "link_speed_Gbps": "num|null", "pcie": "str|null", "?pcie_GTps": "num",
        "?pcie_width": "int", "?pcie_max_GTps": "num", "?pcie_max_width": "int",
        "numa_node": "int|null", "pinned_cpu": "int|null",
        "numa_nic": "int|null", "numa_cpu": "int|null", "numa_buf": "int|null",
        "numa_off_node": "bool",
        # dpdk: frames by queue, over the sizes done
        "?queues": {"n": "int", "sent": ["int"], "received": ["int"],
                    "?lcores": [{"queue": "int", "lcore": "int", "cpus": ["int"]}]}}
FEC = "fec"  # a {corrected, uncorrectable} object or the string "not available"
DEGRADED = {"kind": ("enum", "flow", "port"), "samples": "int", "rule": "str",
            "?size": "int", "?flow": "int", "?src": "int", "?dst": "int",
            "?first_third_Gbps": "num", "?last_third_Gbps": "num", "?ratio": "num",
            "?rank": "int", "?port": "str", "?counter": "str",
            "?first_third_per_snapshot": "num", "?last_third_per_snapshot": "num"}
RUN = {
    "schema_version": ("enum", 1), "tool": ("enum", "fabprobe"), "run_id": "str",
    "status": ("enum", "running", "complete", "failed", "interrupted"),
    "complete": "bool", "simulated": "bool", "flows_file": ("enum", "flows.ndjson"),
    "flows_inline": "bool", "?auth": ("enum", "token", "weak"),
    "?error": "str", "command_line": ["str"], "started": "str", "finished": "str|null",
    "pattern": "str", "engine": "str", "world_size": "int",
    "versions": {"fabprobe": "str", "git_commit": "str", "kernel": "str"},
    "clock": {"source": "str", "hz": "num", "?drift": "num"},
    "options": {"iters": "int", "duration_s": "num", "warmup": "int", "window": "int",
                "bidir": "bool", "poll": ("enum", "busy", "event"), "interval_ms": "num",
                "timeout_s": "num", "run": ("map", "any"), "engine": ("map", "any")},
    "hosts": [{"rank": "int", "hostname": "str", "address": "str", "?endpoint": ENDPOINT}],
    "ranks": [RANK],
    "schedule": {"rounds": "int", "flows": "int",
                 "round_list": [{"round": "int", "?flows": ["int"], "?seed": "int",
                                 "?root": "int"}]},
    "flows": [{"id": "int", "src": "int", "dst": "int", "?proto": "str", "?src_ip": "str",
               "?src_port": "int", "?dst_ip": "str", "?dst_port": "int", "?qpn": "int"}],
    "counters": [{"rank": "int", "port": "str", "deltas": ("map", "int"),
                  "fec": ("enum", "in deltas", "not available")}],
    "?fabric_counters": "any",
    "sizes_requested": ["int"], "sizes_done": ["int"], "results": [RESULT],
    "?summary": {"avg_busbw_GBps": "num", "sizes": "int"},
    "?soak": {"soak": "bool", "passes": "int", "counter_interval_s": "num",
              "ended_by": ("enum", "duration", "signal", None), "snapshots_rows": "int",
              "rate_rows": "int", "fec": [{"rank": "int", "port": "str", "fec": FEC}]},
    "?degraded": [DEGRADED],
    "?failed_flows": [{"flow": "int", "src": "int", "dst": "int", "avg_Gbps": "num",
                       "error": "str", "?stalled": "bool", "?size": "int", "?round": "int",
                       "?bytes": "int", "?stalled_after_s": "num", "?Gbps_until_stall": "num",
                       "?stalled_at": "str"}],
}


def scalar(t, v):
    for alt in t.split("|"):
        if alt == "any" or (alt == "null" and v is None) or (alt == "str" and isinstance(v, str)):
            return True
        if alt == "bool" and isinstance(v, bool):
            return True
        if alt == "int" and isinstance(v, int) and not isinstance(v, bool):
            return True
        if alt == "num" and (v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))):
            return True
        if alt == "fec" and (v == "not available" or (
                isinstance(v, dict) and set(v) == {"corrected", "uncorrectable"} and
                all(isinstance(x, int) and x >= 0 for x in v.values()))):
            return True
    return False


def check(t, v, where, errs):
    if isinstance(t, str):
        if not scalar(t, v):
            errs.append("%s: %r is not %s" % (where, v, t))
    elif isinstance(t, tuple) and t[0] == "enum":
        if v not in t[1:] or isinstance(v, bool):
            errs.append("%s: %r is not one of %r" % (where, v, t[1:]))
    elif isinstance(t, tuple) and t[0] == "or_null":
        if v is not None:
            check(t[1], v, where, errs)
    elif isinstance(t, tuple) and t[0] == "map":
        if not isinstance(v, dict):
            errs.append("%s: not an object" % where)
        else:
            for k, x in v.items():
                check(t[1], x, "%s.%s" % (where, k), errs)
    elif isinstance(t, list):
        if not isinstance(v, list):
            errs.append("%s: not a list" % where)
        else:
            for i, x in enumerate(v):
                check(t[0], x, "%s[%d]" % (where, i), errs)
    elif isinstance(t, dict):
        if not isinstance(v, dict):
            errs.append("%s: not an object" % where)
            return
        for k, sub in t.items():
            name = k.lstrip("?")
            if name in v:
                check(sub, v[name], "%s.%s" % (where, name), errs)
            elif not k.startswith("?"):
                errs.append("%s: documented key %s is missing" % (where, name))
        known = {k.lstrip("?") for k in t}
        for k in v:
            if k not in known:
                errs.append("%s: key %s is not documented" % (where, k))


def queue_sums(run):
    """ranks[].queues: one count per queue, summing to the rank's flows in results[]."""
    errs = []
    for r in run["ranks"]:
        q = r.get("queues")
        if q is None:
            continue
        if not (1 <= q["n"] == len(q["sent"]) == len(q["received"])):
            errs.append("run.ranks[%d].queues: n %r, %d sent, %d received" %
                        (r["rank"], q["n"], len(q["sent"]), len(q["received"])))
            continue
        lc = q.get("lcores")
        if lc is not None and [x["queue"] for x in lc] != list(range(q["n"])):
            errs.append("run.ranks[%d].queues.lcores: queues %r, not 0 to %d" %
                        (r["rank"], [x["queue"] for x in lc], q["n"] - 1))
        if not run["flows_inline"]:
            continue
        flows = [f for res in run["results"] for f in res["flows"]]
        tx = sum(f.get("tx_msgs", 0) for f in flows if f["src"] == r["rank"])
        rx = sum(f.get("rx_msgs", 0) for f in flows if f["dst"] == r["rank"])
        if (sum(q["sent"]), sum(q["received"])) != (tx, rx):
            errs.append("run.ranks[%d].queues: sent %d, received %d; its flows %d, %d" %
                        (r["rank"], sum(q["sent"]), sum(q["received"]), tx, rx))
    return errs


def validate(run):
    """The schema's errors for one parsed run.json, and the cross-field rules."""
    errs = []
    check(RUN, run, "run", errs)
    if errs:
        return errs
    n = run["world_size"]
    if run["complete"] != (run["status"] == "complete"):
        errs.append("run: complete %r but status %s" % (run["complete"], run["status"]))
    if len(run["hosts"]) != n or [h["rank"] for h in run["hosts"]] != list(range(n)):
        errs.append("run.hosts: not one per rank in order")
    if any(not 0 <= r["rank"] < n for r in run["ranks"] + run["counters"]):
        errs.append("run: a rank out of range in ranks[] or counters[]")
    if any(f["src"] == f["dst"] or not (0 <= f["src"] < n and 0 <= f["dst"] < n)
           for f in run["flows"]):
        errs.append("run.flows: a source or destination out of range")
    if run["flows_inline"] != all("flows" in r for r in run["results"]):
        errs.append("run: flows_inline %r, but results[].flows say otherwise" % run["flows_inline"])
    if run["flows_inline"] and run["schedule"]["flows"] != len(run["flows"]):
        errs.append("run.schedule.flows %d, flows[] %d" % (run["schedule"]["flows"], len(run["flows"])))
    errs += queue_sums(run)
    done = [r["size"] for r in run["results"]]
    if done != run["sizes_done"] or not set(done) <= set(run["sizes_requested"]):
        errs.append("run: results[] sizes %r, sizes_done %r" % (done, run["sizes_done"]))
    return errs


# run --class (issue 24): classes.json at the top of the folder, a run folder per class
# and phase under it (results/README.md, "Latency under load")
PHASE = {"dir": "str", "status": "str", "exit": "int", "?p50_us": "num", "?p99_us": "num",
         "?p99_9_us": "num", "?max_us": "num", "?mean_us": "num", "?aggregate_Gbps": "num"}
CLASSES = {"schema_version": "int", "kind": ("enum", "classes"),
           "status": ("enum", "complete", "failed"), "world_size": "int",
           "classes": [{"name": "str", "pattern": "str", "size": "int", "dscp": "int|null",
                        "kind": ("enum", "latency", "bulk"), "?idle": PHASE, "loaded": PHASE,
                        "?p99_ratio": "num",
                        "?bloat": ("or_null", [{"src": "int", "dst": "int", "bloat_p99_us": "num"}]),
                        "?bloat_skipped": "str"}]}


def classes_paths(d):
    """A run --class folder: classes.json's errors, and its class runs to validate."""
    with open(os.path.join(d, "classes.json")) as f:
        top = json.load(f)
    errs = []
    check(CLASSES, top, "classes", errs)
    runs = []
    for c in top.get("classes", []) if not errs else []:
        for ph in ("idle", "loaded"):
            if ph in c:
                runs.append(os.path.join(d, c[ph]["dir"], "run.json"))
    return errs, runs


def main(argv):
    if len(argv) < 2:
        print("usage: run_schema.py RUN_DIR|run.json ...", file=sys.stderr)
        return 2
    bad = 0
    paths = []
    for p in argv[1:]:
        if os.path.isdir(p) and os.path.exists(os.path.join(p, "classes.json")):
            errs, runs = classes_paths(p)
            for e in errs[:20]:
                print("%s/classes.json: %s" % (p, e))
            bad += len(errs)
            paths += runs
        else:
            paths.append(p)
    for p in paths:
        path = os.path.join(p, "run.json") if os.path.isdir(p) else p
        try:
            with open(path) as f:
                run = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: %s" % (path, e))
            bad += 1
            continue
        errs = validate(run)
        for e in errs[:20]:
            print("%s: %s" % (path, e))
        if len(errs) > 20:
            print("%s: ... and %d more" % (path, len(errs) - 20))
        bad += len(errs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
