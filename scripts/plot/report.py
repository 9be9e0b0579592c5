#!/usr/bin/env python3
"""fabprobe report: result folders -> plots (gnuplot, graphviz) and a self-contained HTML page.

Run as `fabprobe report RESULTS... [--topology T] [--out DIR]`. Reads only run.json and the
CSV files; plots with the gnuplot scripts next to this file; asks `fabprobe analyze` for the
verdict when a topology is given. Every image is inlined, so report.html opens from a file
with no network. Exit 0 written, 2 bad input or a missing tool.
"""
import argparse, base64, csv, html, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FABPROBE = os.environ.get("FABPROBE", "fabprobe")


def die(msg):
    print("fabprobe report: " + msg, file=sys.stderr)
    sys.exit(2)


def need(tool, package):
    if not shutil.which(tool):
        die("%s is not installed: apt install %s" % (tool, package))


def gnuplot(script, out, **vars):
    args = "; ".join("%s=%s" % (k, json.dumps(v) if isinstance(v, str) else repr(v)) for k, v in vars.items())
    args = args.replace('"', "'") + "; out='%s'" % out
    r = subprocess.run(["gnuplot", "-e", args, os.path.join(HERE, script)], capture_output=True, text=True)
    if r.returncode or not os.path.exists(out) or os.path.getsize(out) == 0:
        die("gnuplot %s failed: %s" % (script, r.stderr.strip()[:300]))
    return out


def rows(path):
    with open(path) as f:
        return list(csv.reader(f))


def img(path, alt):
    data = base64.b64encode(open(path, "rb").read()).decode()
    kind = "svg+xml" if path.endswith(".svg") else "png"
    return '<figure><img alt="%s" src="data:image/%s;base64,%s"><figcaption>%s</figcaption></figure>' % (
        html.escape(alt), kind, data, html.escape(alt))


def table(header, body):
    h = "".join("<th>%s</th>" % html.escape(x) for x in header)
    b = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(str(x)) for x in r) for r in body)
    return "<table><tr>%s</tr>%s</table>" % (h, b)


def host_order(run, topo_groups):
    """Ranks ordered by their host's group (leaf, rail) then name, so a bad leaf is a band."""
    names = [h["hostname"] for h in run["hosts"]]
    return sorted(range(len(names)), key=lambda r: (topo_groups.get(names[r], ""), names[r], r))


def topo_groups(path):
    """group (or rail) of each host, from the topology YAML, without a YAML library:
    the native writer puts one node per line as a flow mapping."""
    groups = {}
    if not path:
        return groups
    for line in open(path):
        line = line.strip()
        if not line.startswith("- {name:"):
            continue
        fields = dict(p.split(":", 1) for p in line[3:-1].split(", ") if ":" in p)
        name = fields.get("name", "").strip()
        groups[name] = fields.get("group", fields.get("rail", "")).strip()
    return groups


def host_rate(path):
    """The hosts' link rate in Gb/s, from the topology's first host link: the reference line."""
    if not path:
        return 0
    hosts, rate = set(), 0
    for line in open(path):
        line = line.strip()
        if line.startswith("- {name:") and "kind: host" in line:
            hosts.add(line.split("name:", 1)[1].split(",", 1)[0].strip())
        if line.startswith("- {a:") and "gbps:" in line:
            ends = [line.split(k, 1)[1].split(",", 1)[0].strip().strip('"').split(":")[0] for k in ("a:", "b:")]
            if hosts & set(ends):
                return float(line.split("gbps:", 1)[1].split(",", 1)[0])
    return rate


def main():
    ap = argparse.ArgumentParser(prog="fabprobe report")
    ap.add_argument("results", nargs="+")
    ap.add_argument("--topology")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    need("gnuplot", "gnuplot-nox")
    if a.topology:
        need("dot", "graphviz")
        if not os.path.exists(a.topology):
            die("%s: no such topology" % a.topology)
    runs = []
    for d in a.results:
        try:
            runs.append((d, json.load(open(os.path.join(d, "run.json")))))
        except (OSError, ValueError) as e:
            die("%s: not a result folder (%s)" % (d, e))
    out = a.out or os.path.join(a.results[0], "report")
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="fpreport.", dir=out)
    parts, figs = [], 0

    # the verdict first
    verdict = None
    # the analyzer reads bandwidth runs; latency-only runs are shown, not analyzed
    bwdirs = [d for d, r in runs if any("bandwidth" in x for x in r["results"])]
    if a.topology and not bwdirs:
        parts.append("<h2>Verdict</h2><p>No bandwidth runs among these results: nothing to analyze.</p>")
    elif a.topology:
        flows_csv, dot = os.path.join(out, "flows.csv"), os.path.join(out, "verdict.dot")
        r = subprocess.run([FABPROBE, "analyze", "--topology", a.topology, "--format", "json",
                            "--flows", flows_csv, "--dot", dot] + bwdirs, capture_output=True, text=True)
        if r.returncode == 2:
            die("analyze: " + r.stderr.strip()[:300])
        verdict = json.loads(r.stdout)
        txt = subprocess.run([FABPROBE, "analyze", "--topology", a.topology] + bwdirs,
                             capture_output=True, text=True).stdout
        parts.append('<h2>Verdict: %s</h2><pre class="verdict">%s</pre>' % (
            html.escape(verdict["verdict"]), html.escape(txt)))
        svg = os.path.join(out, "topology.svg")
        subprocess.run(["dot", "-Tsvg", dot, "-o", svg], check=True)
        parts.append(img(svg, "The fabric: suspects in red"))
        parts.append(img(gnuplot("scatter.gp", os.path.join(out, "scatter.svg"), file=flows_csv),
                         "Per-flow rate against predicted; flows through a suspect in red"))
    else:
        parts.append("<h2>Verdict</h2><p>No topology given (--topology): no analysis.</p>")

    # bandwidth, all runs side by side
    bw = [(d, r) for d, r in runs if os.path.exists(os.path.join(d, "bw.csv"))]
    if bw:
        files = " ".join(os.path.join(d, "bw.csv") for d, _ in bw)
        titles = " ".join(r["run_id"].replace(" ", "_") for _, r in bw)
        parts.append("<h2>Bandwidth</h2>" + img(gnuplot("bw.gp", os.path.join(out, "bw.svg"), files=files, titles=titles,
                                                       linerate=host_rate(a.topology)), "Bandwidth against message size"))
    groups = topo_groups(a.topology)
    for i, (d, r) in enumerate(runs):
        sec = ['<section><h2>%s</h2>' % html.escape(r["run_id"])]
        meta = [("status", r["status"] + ("" if r["complete"] else " (incomplete: %s)" % r.get("error", ""))),
                ("pattern", r["pattern"]), ("engine", r["engine"]), ("ranks", r["world_size"]),
                ("simulated", r.get("simulated", False)), ("clock", r["clock"]["source"]),
                ("started", r["started"]), ("command", " ".join(r["command_line"])),
                ("hosts", ", ".join(h["hostname"] + "@" + h["address"] for h in r["hosts"]))]
        sec.append(table(["", ""], meta))
        sizes = r["sizes_done"]
        if os.path.exists(os.path.join(d, "lat.csv")) and sizes:
            sec.append(img(gnuplot("lat.gp", os.path.join(work, "lat%d.svg" % i), file=os.path.join(d, "lat.csv")),
                           "Latency percentiles (one-way)"))
            hist = os.path.join(d, "lat_hist_%d.csv" % sizes[0])
            if os.path.exists(hist):
                sec.append(img(gnuplot("cdf.gp", os.path.join(work, "cdf%d.svg" % i), file=hist),
                               "Latency CDF at %d B" % sizes[0]))
        mx = os.path.join(d, "matrix_bw_%d.csv" % sizes[-1]) if sizes else ""
        if mx and os.path.exists(mx):
            order = host_order(r, groups)
            m = rows(mx)
            ordered = os.path.join(work, "matrix%d.csv" % i)
            with open(ordered, "w") as f:
                for a_ in order:
                    f.write(",".join(m[a_][b_] for b_ in order) + "\n")
            labels = " ".join(r["hosts"][k]["hostname"] + ("" if r["hosts"][k]["hostname"] != r["hosts"][0]["hostname"] or k == 0 else str(k)) for k in order)
            sec.append(img(gnuplot("heatmap.gp", os.path.join(work, "heat%d.svg" % i), file=ordered, labels=labels),
                           "Per-pair bandwidth at %d B, hosts ordered by topology group" % sizes[-1]))
        for name in ("bw.csv", "lat.csv"):
            p = os.path.join(d, name)
            if os.path.exists(p):
                t = rows(p)
                sec.append("<h3>%s</h3>" % name + table(t[0], t[1:]))
        for res in r["results"][-1:]:
            st = res.get("stragglers")
            if st:
                sec.append("<h3>Slowest pairs and ranks at %d B</h3>" % res["size"] + table(
                    ["pair", "Gb/s", "z", "outlier"], [("%d -> %d" % (p["src"], p["dst"]), "%.4f" % p["Gbps"], "%.1f" % p["z"],
                                                      "yes" if p["outlier"] else "") for p in st["slowest_pairs"]]))
        sec.append("</section>")
        parts.append("".join(sec))

    page = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>fabprobe report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;text-align:right}th{background:#eee}
figure{display:inline-block;margin:0.5em}img{width:520px;height:auto;border:1px solid #ddd}
pre.verdict{background:#fff6f0;border-left:4px solid #c33;padding:1em;white-space:pre-wrap}</style></head><body>
<h1>fabprobe report</h1><p>%d result folder%s%s.</p>%s
<script>
window.addEventListener("load", function () {
  var imgs = document.images, broken = 0;
  for (var i = 0; i < imgs.length; i++) if (!imgs[i].complete || imgs[i].naturalWidth === 0) broken++;
  document.title = "fabprobe report: images " + imgs.length + ", broken " + broken;
  document.body.setAttribute("data-images", imgs.length);
  document.body.setAttribute("data-broken", broken);
});
</script></body></html>""" % (len(runs), "" if len(runs) == 1 else "s",
                              (" on " + html.escape(os.path.basename(a.topology))) if a.topology else "", "\n".join(parts))
    path = os.path.join(out, "report.html")
    with open(path + ".tmp", "w") as f:
        f.write(page)
    os.replace(path + ".tmp", path)
    shutil.rmtree(work)
    print(path)


if __name__ == "__main__":
    main()
