#!/usr/bin/env python3
"""A soak's result folder: soak.csv, counters.csv and intervals.csv agree with run.json.

soak_check.py DIR ENDED_BY [--min-passes N]: every bandwidth phase is in soak.csv once and
in intervals.csv (its reports), counters.csv holds a baseline and one snapshot per phase,
each (rank, counter) series' deltas add up to its last value minus its first, and every
rank's FEC is either reported or "not available".
"""
import csv, json, sys

d, ended = sys.argv[1], sys.argv[2]
min_passes = int(sys.argv[4]) if len(sys.argv) > 4 else 1
run = json.load(open(d + "/run.json"))
errs = []
soak = run.get("soak") or {}
if not run["complete"] or run["status"] != "complete":
    errs.append("status %s complete %s" % (run["status"], run["complete"]))
if soak.get("ended_by") != ended:
    errs.append("ended_by %r, not %r" % (soak.get("ended_by"), ended))
if soak.get("passes", 0) < min_passes:
    errs.append("passes %r < %d" % (soak.get("passes"), min_passes))
if not isinstance(run.get("degraded"), list):
    errs.append("no degraded list")
rates = list(csv.DictReader(open(d + "/soak.csv")))
phases = len(rates) // max(1, len(run["flows"]))
if soak.get("rate_rows") != len(rates) or not rates:
    errs.append("soak.csv %d rows, run.json says %r" % (len(rates), soak.get("rate_rows")))
t = [float(r["t_start_s"]) for r in rates]
if t != sorted(t) or any(float(r["Gbps"]) <= 0 for r in rates):
    errs.append("soak.csv not in time order or a phase with no rate")
# every interval kept: intervals.csv restarts at 0 with each bandwidth phase
try:
    iv = list(csv.DictReader(open(d + "/intervals.csv")))
    starts = sum(1 for r in iv if float(r["t_start_s"]) == 0)
    if starts != phases:
        errs.append("intervals.csv has %d phases, soak.csv %d" % (starts, phases))
except FileNotFoundError:
    pass
rows = list(csv.DictReader(open(d + "/counters.csv")))
series = {}
for r in rows:
    series.setdefault((r["rank"], r["counter"]), []).append(r)
snaps = {len(v) for v in series.values()}
if len(snaps) != 1 or snaps.pop() != phases + 1:
    errs.append("snapshots per counter %r, want %d (baseline + one per phase)" % (
        sorted({len(v) for v in series.values()}), phases + 1))
for (rank, name), v in series.items():
    vals = [int(x["value"]) for x in v]
    deltas = [int(x["delta"]) for x in v]
    if deltas[0] != 0:
        errs.append("%s/%s: the baseline has a delta" % (rank, name))
    if all(b >= a for a, b in zip(vals, vals[1:])) and sum(deltas) != vals[-1] - vals[0]:
        errs.append("%s/%s: deltas do not add up" % (rank, name))
for f in soak.get("fec", []):
    if f["fec"] != "not available" and not (
            isinstance(f["fec"], dict) and {"corrected", "uncorrectable"} <= set(f["fec"])):
        errs.append("rank %d fec %r" % (f["rank"], f["fec"]))
if len(soak.get("fec", [])) != run["world_size"]:
    errs.append("fec for %d ranks" % len(soak.get("fec", [])))
if errs:
    sys.exit("soak_check %s: %s" % (d, "; ".join(errs)))
