# SPDX-License-Identifier: MIT
"""The fabric's shape on the report's page: hosts ordered and labelled by their group (leaf,
rail) for the heatmaps, and the fabric drawing: the analyzer's DOT (fabprobe analyze --dot),
checked, and at scale summarised so that it stays legible.

A tier (one `rank=same` line of the analyzer's DOT) of more than LIMIT nodes keeps only its
suspects, drawn as they are; the rest of the tier becomes one summary node ("15 other
switches"), hosts under a kept switch become "16 hosts on leaf3", and links between summaries
become one edge that says how many links it stands for (red when one of them is a suspect).
A fabric of 8 hosts is drawn whole; one of 256 hosts is drawn as its suspects, their
switches, and a few boxes for everything else.
"""
import re

LIMIT = 8
# hosts of one kept switch drawn one by one when there are at most this many
NEIGHBOURS = 4

# past this many hosts a heatmap labels its groups, not each host
HEAT_LABELS = 32


def natural(s):
    """leaf2 before leaf10"""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", s)]


def host_order(names, nodes):
    """Ranks ordered by their host's group (leaf, rail) then name, so a bad leaf is a band.
    nodes: host -> (group, ...) from the topology."""
    return sorted(range(len(names)), key=lambda r: (natural(nodes.get(names[r], ("",))[0]), natural(names[r]), r))


def heat_labels(names, order, nodes):
    """The heatmap's tic labels in order: each host (made unique with its rank), or past
    HEAT_LABELS hosts the group's name at its first host ("" elsewhere; every n/16-th host
    when the topology gives no groups). Tic labels are gnuplot formats: a % is doubled."""
    if len(order) <= HEAT_LABELS:
        labels = [names[k] if names.count(names[k]) == 1 else "%s#%d" % (names[k], k) for k in order]
    else:
        groups = [nodes.get(names[k], ("",))[0] for k in order]
        step = max(1, len(order) // 16)
        labels = [g if g and (p == 0 or groups[p - 1] != g) else "" for p, g in enumerate(groups)] \
            if any(groups) else [names[k] if p % step == 0 else "" for p, k in enumerate(order)]
    return [x.replace("%", "%%") for x in labels]


DOT_WORDS = set("graph node edge subgraph rank same rankdir BT splines false nodesep fontname fontsize "
                "shape box ellipse plaintext color penwidth fontcolor tooltip style dashed label red "
                "cluster_legend gray50 darkorange3 goldenrod olivedrab royalblue purple".split())
# a DOT string as fp_topo_write_dot writes it: a quote or backslash in a name is escaped; the
# groups keep the escaped text, which is written back between quotes as it is
QUOTED = r'"((?:[^"\\\n]|\\.)*)"'
NODE = re.compile(QUOTED + r' \[([^\]]*)\];')
EDGE = re.compile(r'^  ' + QUOTED + ' -- ' + QUOTED + r' \[(.*)\];$')


def check(path, topology):
    """The DOT only as the analyzer writes it: names quoted (fp_topo_write_dot escapes them), no
    word of our own. A second line of defence: anything else raises ValueError naming the
    topology."""
    with open(path, encoding="utf-8", errors="replace") as f:
        rest = re.sub(QUOTED, '""', f.read())
    odd = re.search(r'[^\w\s{}\[\];,=.\-"]', rest)
    word = next((w for w in re.findall(r"[A-Za-z_]\w*", rest) if w not in DOT_WORDS), None)
    if odd or word or rest.count('"') % 2:
        raise ValueError("%s: the drawing's DOT is not as fabprobe writes it: a name outside its quotes (near '%s')"
                         % (topology, " ".join((word or (odd.group(0) if odd else '"')).split())[:40]))


def parse(text):
    head, tiers, edges, tail = [], [], [], []
    for line in text.split("\n"):
        if line.startswith("  { rank=same;"):
            tiers.append(NODE.findall(line))
        elif EDGE.match(line):
            edges.append(EDGE.match(line).groups())
        elif tiers or edges:
            tail.append(line)
        else:
            head.append(line)
    return head, tiers, edges, tail


def representatives(tiers, edges):
    """node -> the node it is drawn as (itself, or a summary), and the summaries' labels"""
    hot = {n for tier in tiers for n, a in tier if "color=red" in a}
    for a, b, attrs in edges:
        if "color=red" in attrs:
            hot |= {a, b}
    host = {n for tier in tiers for n, a in tier if "shape=box" in a}
    kept = {n for tier in tiers for n, _ in tier if len(tier) <= LIMIT or n in hot}
    nbr = {}
    for a, b, _ in edges:
        nbr.setdefault(a, []).append(b)
        nbr.setdefault(b, []).append(a)
    rep, labels = {}, {}
    under = {}
    for t, tier in enumerate(tiers):
        for n, _ in tier:
            if n in kept:
                rep[n] = n
                continue
            parent = next((s for s in nbr.get(n, []) if s in kept and s not in host), None)
            if n in host and parent:
                under.setdefault(parent, []).append(n)
                rep[n] = "~on:" + parent
            else:
                rep[n] = "~tier:%d" % t
    for parent, hosts in under.items():
        if len(hosts) <= NEIGHBOURS:
            for n in hosts:
                rep[n] = n
            continue
        labels["~on:" + parent] = ("%d hosts on %s" % (len(hosts), parent), "box", parent)
    for t, tier in enumerate(tiers):
        rest = [n for n, _ in tier if rep[n] == "~tier:%d" % t]
        if rest:
            what = "hosts" if rest[0] in host else "switches"
            other = "other " if len(rest) < len(tier) else ""
            labels["~tier:%d" % t] = ("%d %s%s" % (len(rest), other, what),
                                      "box" if what == "hosts" else "ellipse", None)
    return rep, labels


def summarise(text):
    """The analyzer's DOT, or a summary of it when a tier is wider than LIMIT; and how many
    nodes were folded into summaries."""
    head, tiers, edges, tail = parse(text)
    if all(len(t) <= LIMIT for t in tiers):
        return text, 0
    rep, labels = representatives(tiers, edges)
    out = list(head)
    for t, tier in enumerate(tiers):
        nodes = ['"%s" [%s];' % (n, a) for n, a in tier if rep[n] == n]
        for key, (label, shape, parent) in labels.items():
            if (parent is None and key == "~tier:%d" % t) or (parent is not None and any(
                    rep[n] == key for n, _ in tier)):
                nodes.append('"%s" [label="%s", shape=%s, style=dashed, fontsize=11];' % (key, label, shape))
        out.append("  { rank=same; %s }" % " ".join(nodes))
    merged = {}
    for a, b, attrs in edges:
        ra, rb = rep[a], rep[b]
        if ra == a and rb == b:
            out.append('  "%s" -- "%s" [%s];' % (a, b, attrs))
        elif ra != rb:
            key = tuple(sorted((ra, rb)))
            n, red = merged.get(key, (0, False))
            merged[key] = (n + 1, red or "color=red" in attrs)
    for (ra, rb), (n, red) in merged.items():
        out.append('  "%s" -- "%s" [color=%s, style=dashed, tooltip="%d links"%s];' % (
            ra, rb, "red, penwidth=3" if red else "gray50", n,
            ', label="%d links", fontsize=10' % n if n > 1 else ""))
    return "\n".join(out + tail), sum(1 for n, r in rep.items() if r != n)
