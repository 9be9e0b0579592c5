#!/usr/bin/env python3
"""The tree's shape, checked: which room may include which (docs/ARCHITECTURE.md), where the
transport headers may appear, no source file over 1,000 lines and no function over 150.
Usage: layering.py SRCDIR. Exit 0 when the tree holds, 1 with one line per breach."""
import os
import re
import sys

ROOMS = [  # (folder, folders its #include "..." may reach), first match wins
    ("fabric/runtime", ["core", "fabric/runtime"]),
    ("fabric/inventory", ["core", "fabric/inventory"]),
    ("fabric/model", ["core", "fabric/model", "fabric/inventory"]),
    ("core", ["core"]),
    ("benches", ["core", "fabric", "benches"]),
    ("cli", ["core", "fabric", "benches", "cli"]),
]
ONLY = {  # system headers only one place may include; the first prefix that matches decides
    "infiniband/mad.h": "fabric/inventory/ibpma.c",  # management datagrams, not verbs
    "infiniband/umad.h": "fabric/inventory/ibpma.c",  # its MAD window sends on the umad port
    "infiniband/": "fabric/runtime/engines/verbs/",
    "rdma/rdma_cma.h": "fabric/runtime/engines/verbs/",  # librdmacm: the verbs engine's --cm
    "rte_": "fabric/runtime/engines/dpdk/",
}
MAX_FILE, MAX_FUNC = 1000, 150


def room_of(rel):
    for folder, may in ROOMS:
        if rel == folder or rel.startswith(folder + "/"):
            return folder, may
    return None, None


def main():
    top = sys.argv[1]
    bad = []
    for folder in ("core", "fabric", "benches", "cli"):
        for d, _, files in os.walk(os.path.join(top, folder)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(d, f)
                rel = os.path.relpath(path, top)
                lines = open(path, encoding="utf-8").read().split("\n")
                if len(lines) > MAX_FILE:
                    bad.append("%s: %d lines, more than %d" % (rel, len(lines), MAX_FILE))
                room, may = room_of(rel)
                for n, line in enumerate(lines, 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if m and m.group(1) != "fp_config.h":
                        tgt = os.path.relpath(os.path.normpath(os.path.join(d, m.group(1))), top)
                        if not any(tgt == r or tgt.startswith(r + "/") for r in may):
                            bad.append("%s:%d: %s may not include %s" % (rel, n, room, tgt))
                    m = re.match(r"\s*#\s*include\s+<([^>]+)>", line)
                    if m:
                        for prefix, owner in ONLY.items():
                            if m.group(1).startswith(prefix):
                                if not rel.startswith(owner):
                                    bad.append("%s:%d: <%s> belongs in %s only" % (rel, n, m.group(1), owner))
                                break
                        if m.group(1) == "libfyaml.h" and room == "cli":
                            bad.append("%s:%d: cli/ parses options and renders: no libfyaml" % (rel, n))
                # kernel style: a function body opens with "{" alone in column 0
                start = None
                for n, line in enumerate(lines, 1):
                    if line == "{":
                        start = n
                    elif line == "}" and start:
                        if n - start - 1 > MAX_FUNC:
                            name = lines[start - 2].split("(")[0].split()[-1:] or ["?"]
                            bad.append("%s:%d: function %s has %d lines, more than %d" %
                                       (rel, start, name[0].lstrip("*"), n - start - 1, MAX_FUNC))
                        start = None
    for b in bad:
        print(b)
    print("%d breaches of the tree's shape" % len(bad) if bad else "ok - rooms, transport headers, file and function sizes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
