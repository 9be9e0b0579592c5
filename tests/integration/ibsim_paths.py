#!/usr/bin/env python3
"""Every flow of a simulated run routed by LFTs (fabprobe sim --routes) against ibtracert.

ibsim_paths.py TOPO.yaml RUN_DIR OUT.json: runs `ibtracert SLID DLID` (under ibsim: the
caller sets LD_PRELOAD) for each flow, compares hop by hop (node left, port left by) and
writes {"SRC>DST": [[node, port], ...]} to OUT.json for later comparisons. Exit 1 on any
difference, naming the flow and both paths.
"""
import json
import re
import subprocess
import sys

import yaml

topo = yaml.safe_load(open(sys.argv[1]))
run = json.load(open(sys.argv[2] + "/run.json"))
by_guid, lid = {}, {}
for n in topo["nodes"]:
    for k in ("guid", "port_guid"):
        if n.get(k):
            by_guid[int(n[k], 16)] = n["name"]
links = []
for l in topo["links"]:
    a, pa = l["a"].rsplit(":", 1)
    b, pb = l["b"].rsplit(":", 1)
    links.append((a, pa, b, pb))
    if l.get("lid_a"):
        lid.setdefault(a, l["lid_a"])
    if l.get("lid_b"):
        lid.setdefault(b, l["lid_b"])
hosts = {h["rank"]: h["hostname"] for h in run["hosts"]}


def traced(src, dst):
    out = subprocess.run(["ibtracert", str(lid[src]), str(lid[dst])], capture_output=True,
                         text=True, timeout=30).stdout
    at, hops = src, []
    for line in out.splitlines():
        m = re.match(r"\[(\d+)\] -> .*?\{0x([0-9a-f]+)\}", line)
        if m:
            hops.append([at, m.group(1)])
            at = by_guid[int(m.group(2), 16)]
    if at != dst:
        sys.exit(f"ibtracert {lid[src]} {lid[dst]} ends at {at}, not {dst}:\n{out}")
    return hops


def routed(src, path):
    at, hops = src, []
    for k in path:
        a, pa, b, pb = links[k]
        hops.append([at, pa if a == at else pb])
        at = b if a == at else a
    return hops


seen, bad = {}, 0
for f in run["results"][0]["flows"]:
    src, dst = hosts[f["src"]], hosts[f["dst"]]
    mine, theirs = routed(src, f["path"]), traced(src, dst)
    seen[f"{src}>{dst}"] = mine
    if mine != theirs:
        bad += 1
        print(f"{src} -> {dst}: fabprobe {mine}, ibtracert {theirs}")
json.dump(seen, open(sys.argv[3], "w"), sort_keys=True)
print(f"{len(seen)} flows compared with ibtracert, {bad} differ")
sys.exit(1 if bad or not seen else 0)
