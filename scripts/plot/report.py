#!/usr/bin/env python3
"""fabprobe report: result folders -> plots (gnuplot, graphviz) and a self-contained HTML page.

Run as `fabprobe report RESULTS... [--topology T] [--out DIR]`. Reads only run.json and the
CSV files; plots with the gnuplot scripts next to this file; asks `fabprobe analyze` for the
verdict when a topology is given. Every image is inlined, so report.html opens from a file
with no network. Exit 0 written, 2 bad input or a missing tool.

Result folders are outside input (they may come from another machine, and the report runs as
root): each is parsed and type-checked into plain values first and rendered second; no value
from them becomes gnuplot code (gp_literal is the one way data reaches gnuplot), DOT or HTML
(html.escape on every string); and every file goes to a private temporary folder inside --out
and is renamed into place, so a symlink planted in --out is replaced, never written through.
--out itself, and every folder above it, must be ours or root's and writable by no one else
(out_folder): a folder someone else can change could be swapped under the report as it writes.
"""
import argparse, base64, csv, errno, html, io, json, math, os, re, shutil, signal, stat, subprocess, sys, tempfile

# its sibling module, also when report.py is loaded by path (the fuzz target does)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fabric  # noqa: E402
import diagnosis  # noqa: E402
import classes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FABPROBE = os.environ.get("FABPROBE", "fabprobe")
# the files report keeps in --out besides report.html
KEPT = ("bw.svg", "bw_flow.svg", "topology.svg", "scatter.svg", "flows.csv", "verdict.dot")


class Bad(Exception):
    """Bad input or a failed tool: one line that says what and where."""


def die(msg):
    print("fabprobe report: " + msg, file=sys.stderr)
    sys.exit(2)


def need(tool, package):
    if not shutil.which(tool):
        raise Bad("%s is not installed: apt install %s" % (tool, package))


def one_line(text, limit=300):
    return " ".join(text.split())[:limit]


# ---------- parse: run.json and the CSV files into checked values ----------

KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
              list: "a list", dict: "an object"}


def kind_of(v):
    for k in (bool, int, float, str, list, dict):
        if isinstance(v, k):
            return KIND_NAMES[k]
    return "null"


def checked(v, kind, where, path):
    """v if it is of kind (an int is a number too; a bool is neither), else Bad naming the field."""
    if kind is float:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    else:
        ok = isinstance(v, kind) and not (kind is int and isinstance(v, bool))
    if not ok:
        raise Bad("%s: field '%s' should be %s, not %s" % (where, path or "(top level)", KIND_NAMES[kind], kind_of(v)))
    # JSON's numbers are unbounded in Python: a 400-digit integer raises OverflowError in
    # "%g" or float(), and NaN or Infinity (which json.loads takes) is no figure fabprobe writes
    if kind in (int, float) and (isinstance(v, int) and abs(v) > 2**63 or
                                 isinstance(v, float) and not math.isfinite(v)):
        raise Bad("%s: field '%s' is out of range" % (where, path or "(top level)"))
    return v


def field(obj, key, kind, where, path="", default=None, optional=False):
    """obj[key] of kind; a missing key is Bad unless optional (then default)."""
    name = "%s.%s" % (path, key) if path else key
    if key not in obj:
        if optional:
            return default
        raise Bad("%s: field '%s' is missing" % (where, name))
    return checked(obj[key], kind, where, name)


def items(obj, key, kind, where, path=""):
    """obj[key], a list whose every element is of kind, with each element's path."""
    name = "%s.%s" % (path, key) if path else key
    return [(checked(x, kind, where, "%s[%d]" % (name, i)), "%s[%d]" % (name, i))
            for i, x in enumerate(field(obj, key, list, where, path))]


def read_input(path):
    """The text of a file in a result folder. A symlink is refused: fabprobe writes regular
    files, and the report runs as root, so a planted link to /etc/shadow would end up shown."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OSError("a symlink, not a file fabprobe wrote")
        raise
    with os.fdopen(fd, encoding="utf-8", newline="") as f:
        return f.read()


def read_csv(path, keep=None):
    """Rows of a CSV file; Bad (naming the file) when it is not readable UTF-8 text. KEEP (a
    dict) gets the text read, under PATH: what gnuplot plots is what was checked."""
    try:
        text = read_input(path)
        if keep is not None:
            keep[path] = text
        if "\0" in text:
            raise ValueError("a NUL byte")
        return [r for r in csv.reader(io.StringIO(text)) if r]
    except (OSError, ValueError, csv.Error) as e:
        raise Bad("%s: not a readable CSV file (%s)" % (path, one_line(str(e), 120)))


def read_matrix(path, n):
    """An n x n matrix of numbers (nan where there is no flow), one row per source rank, after a
    header row of host names (a file without it, from before the header, is read too)."""
    m, head = read_csv(path), 0
    if len(m) == n + 1 and len(m[0]) == n:
        m, head = m[1:], 1
    if len(m) != n:
        raise Bad("%s: %d rows, expected %d (one per rank)" % (path, len(m), n))
    for i, row in enumerate(m):
        if len(row) != n:
            raise Bad("%s: line %d has %d columns, expected %d" % (path, i + 1 + head, len(row), n))
        for j, cell in enumerate(row):
            try:
                float(cell)
            except ValueError:
                raise Bad("%s: line %d, column %d: '%s' is not a number" % (path, i + 1 + head, j + 1, one_line(cell, 40)))
    return m


def load_run(d):
    """A result folder's run.json and CSV files as checked plain values (render reads only these)."""
    where = os.path.join(d, "run.json")
    try:
        doc = json.loads(read_input(where))
    except (OSError, ValueError, RecursionError) as e:
        raise Bad("%s: not a result folder (%s)" % (where, one_line(str(e), 120)))
    checked(doc, dict, where, "")
    clock = field(doc, "clock", dict, where)
    run = {
        "dir": d, "run_id": field(doc, "run_id", str, where), "status": field(doc, "status", str, where),
        "complete": field(doc, "complete", bool, where),
        "error": field(doc, "error", str, where, default="", optional=True),
        "pattern": field(doc, "pattern", str, where), "engine": field(doc, "engine", str, where),
        "world_size": field(doc, "world_size", int, where),
        "simulated": field(doc, "simulated", bool, where, default=False, optional=True),
        "clock": field(clock, "source", str, where, "clock"), "started": field(doc, "started", str, where),
        "command_line": [a for a, _ in items(doc, "command_line", str, where)],
        "hosts": [(field(h, "hostname", str, where, p), field(h, "address", str, where, p))
                  for h, p in items(doc, "hosts", dict, where)],
        "sizes": [s for s, _ in items(doc, "sizes_done", int, where)],
    }
    if len(run["hosts"]) != run["world_size"]:
        raise Bad("%s: field 'hosts' lists %d hosts for world_size %d" % (where, len(run["hosts"]), run["world_size"]))
    results = items(doc, "results", dict, where)
    run["bandwidth"] = any("bandwidth" in res for res, _ in results)
    # sizes whose figures are the other flows' only (flows stalled there): said beside the plots
    run["partial"] = [field(res, "size", int, where, p) for res, p in results
                      if field(res, "complete", bool, where, p, default=True, optional=True) is False]
    run["stragglers"] = None
    if results:
        last, p = results[-1]
        st = field(last, "stragglers", dict, where, p, optional=True)
        if st:
            sp = p + ".stragglers"
            run["stragglers"] = (field(last, "size", int, where, p), [
                (field(x, "src", int, where, q), field(x, "dst", int, where, q), field(x, "Gbps", float, where, q),
                 field(x, "z", float, where, q), field(x, "outlier", bool, where, q))
                for x, q in items(st, "slowest_pairs", dict, where, sp)], [
                (field(x, "rank", int, where, q), field(x, "mean_Gbps", float, where, q), field(x, "flows", int, where, q),
                 field(x, "z", float, where, q), field(x, "outlier", bool, where, q))
                for x, q in (items(st, "slowest_ranks", dict, where, sp) if "slowest_ranks" in st else [])])
    run["text"] = {}
    for name in ("bw.csv", "lat.csv"):
        path = os.path.join(d, name)
        run[name] = read_csv(path, run["text"]) if os.path.exists(path) else None
    run["hist"] = None
    if run["lat.csv"] and run["sizes"]:
        hist = os.path.join(d, "lat_hist_%d.csv" % run["sizes"][0])
        if os.path.exists(hist):
            read_csv(hist, run["text"])
            run["hist"] = hist
    run["soak"] = load_soak(d, doc, where)
    run["matrix"] = None
    mx = os.path.join(d, "matrix_bw_%d.csv" % run["sizes"][-1]) if run["sizes"] else ""
    if mx and os.path.exists(mx):
        run["matrix"] = read_matrix(mx, len(run["hosts"]))
    return run


# counters whose growth means trouble (as the runner's soak rules count them)
FAULT = re.compile(r"err|drop|discard|carrier|link_downed|fec_uncorrectable|retrans|out_of_sequence|timeout")


def num(cell, path, line):
    try:
        v = float(cell)
    except ValueError:
        v = float("nan")
    if not math.isfinite(v) or v < 0:
        raise Bad("%s: line %d: '%s' is not a number >= 0" % (path, line, one_line(cell, 40)))
    return v


def load_soak(d, doc, where):
    """A soak's series as numbers only: per phase (its middle) the aggregate and slowest flow's
    rate from soak.csv, per snapshot the fault counters' growth from counters.csv; and run.json's
    degraded list. None for a run that is no soak."""
    path = os.path.join(d, "soak.csv")
    if not os.path.exists(path):
        return None
    rows, phases = read_csv(path), {}
    if not rows or rows[0][:8] != ["t_start_s", "t_end_s", "pass", "size", "flow", "src", "dst", "Gbps"]:
        raise Bad("%s: not a soak.csv (header)" % path)
    for n, r in enumerate(rows[1:], 2):
        if len(r) != 8:
            raise Bad("%s: line %d has %d columns, expected 8" % (path, n, len(r)))
        t0, t1, g = num(r[0], path, n), num(r[1], path, n), num(r[7], path, n)
        agg, low = phases.get(t0, (0.0, None, t1))[:2]
        phases[t0] = (agg + g, g if low is None else min(low, g), t1)
    errs, cpath = {}, os.path.join(d, "counters.csv")
    if os.path.exists(cpath):
        crows = read_csv(cpath)
        if not crows or crows[0][:6] != ["t_s", "rank", "port", "counter", "value", "delta"]:
            raise Bad("%s: not a counters.csv (header)" % cpath)
        first = {}
        for n, r in enumerate(crows[1:], 2):
            if len(r) != 6:
                raise Bad("%s: line %d has %d columns, expected 6" % (cpath, n, len(r)))
            t, delta = num(r[0], cpath, n), num(r[5], cpath, n)
            first.setdefault(r[1], t)
            if t > first[r[1]]:
                errs[t] = errs.get(t, 0.0) + (delta if FAULT.search(r[3]) else 0.0)
    deg = []
    for g, p in items(doc, "degraded", dict, where) if "degraded" in doc else []:
        kind = field(g, "kind", str, where, p)
        if kind == "flow":
            deg.append(("flow %d (%d -> %d) at %d B" % (field(g, "flow", int, where, p), field(g, "src", int, where, p),
                                                       field(g, "dst", int, where, p), field(g, "size", int, where, p)),
                        "%.4g Gb/s" % field(g, "first_third_Gbps", float, where, p),
                        "%.4g Gb/s" % field(g, "last_third_Gbps", float, where, p), field(g, "rule", str, where, p)))
        else:
            deg.append(("rank %d %s %s" % (field(g, "rank", int, where, p), field(g, "port", str, where, p),
                                           field(g, "counter", str, where, p)),
                        "%.4g" % field(g, "first_third_per_snapshot", float, where, p),
                        "%.4g" % field(g, "last_third_per_snapshot", float, where, p), field(g, "rule", str, where, p)))
    return {"rates": sorted(((t0 + t1) / 2, a, m) for t0, (a, m, t1) in phases.items()),
            "errs": sorted(errs.items()), "degraded": deg}


def soak_section(i, r, work):
    """Rate and error counters against time, and what the soak flagged; numbers only reach gnuplot."""
    s = r["soak"]
    if not s or not s["rates"]:
        return ""
    rates, errs = "soak_rates%d.csv" % i, "soak_errs%d.csv" % i
    with open(os.path.join(work, rates), "w") as f:
        f.write("".join("%.6f,%.9g,%.9g\n" % x for x in s["rates"]))
    with open(os.path.join(work, errs), "w") as f:
        f.write("".join("%.6f,%.9g\n" % x for x in s["errs"]))
    out = ["<h3>Soak: %d phases</h3>" % len(s["rates"]),
           img(gnuplot(work, "soak.gp", "soak%d.svg" % i, rates=rates, errs=errs, errn=len(s["errs"]),
                       xmax=max([x[0] for x in s["rates"]] + [t for t, _ in s["errs"]]) * 1.02 + 0.001),
               "Rate and error counters against time")]
    out.append(table(["degraded", "first third", "last third", "rule"], s["degraded"]) if s["degraded"]
               else "<p>Nothing degraded over the soak.</p>")
    return "".join(out)


def topo_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f]
    except (OSError, ValueError) as e:
        raise Bad("%s: not a readable topology (%s)" % (path, one_line(str(e), 120)))


def topo_nodes(path):
    """name -> (group or rail, NIC rate in Gb/s or 0) of each host, from the topology YAML,
    without a YAML library: the native writer puts one node per line as a flow mapping."""
    nodes = {}
    for line in topo_lines(path) if path else []:
        if not line.startswith("- {name:") or "kind: host" not in line:
            continue
        fields = dict(p.split(":", 1) for p in line[3:-1].split(", ") if ":" in p)
        try:
            nic = float(fields.get("nic_gbps", "0").strip(" }"))
        except ValueError:
            nic = 0
        nodes[fields.get("name", "").strip()] = (fields.get("group", fields.get("rail", "")).strip(),
                                                  nic if math.isfinite(nic) and nic > 0 else 0)
    return nodes


def host_rate(path):
    """The hosts' link rate in Gb/s, from the topology's first host link: the reference line."""
    hosts = set()
    for line in topo_lines(path) if path else []:
        if line.startswith("- {name:") and "kind: host" in line:
            hosts.add(line.split("name:", 1)[1].split(",", 1)[0].strip())
        if line.startswith("- {a:") and "gbps:" in line:
            ends = [line.split(k, 1)[1].split(",", 1)[0].strip().strip('"').split(":")[0] for k in ("a:", "b:")]
            if hosts & set(ends):
                try:
                    rate = float(line.split("gbps:", 1)[1].split(",", 1)[0].strip(" }"))
                except ValueError:
                    raise Bad("%s: a host link's gbps is not a number" % path)
                return rate if math.isfinite(rate) and rate > 0 else 0
    return 0


# ---------- tools: gnuplot, analyze, dot; all of them write into the private folder ----------

def gp_literal(v):
    """The one way a value reaches gnuplot: a number, or a single-quoted string in which gnuplot
    expands nothing (no backquotes, macros or escapes; '' is a quote). Control characters,
    newlines included, would end the statement: they become spaces."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return repr(float(v)) if math.isfinite(v) else "0.0"
    s = "".join(c if c.isprintable() else " " for c in str(v))
    return "'" + s.replace("'", "''") + "'"


def gnuplot(work, script, out, **params):
    """Run scripts/plot/SCRIPT in WORK with PARAMS (lists become gnuplot arrays), set in a
    parameter file of literals; OUT is a file name in WORK."""
    lines = []
    for name, v in params.items():
        if isinstance(v, list):
            lines.append("array %s[%d]" % (name, len(v)))
            lines += ["%s[%d] = %s" % (name, i + 1, gp_literal(x)) for i, x in enumerate(v)]
        else:
            lines.append("%s = %s" % (name, gp_literal(v)))
    lines.append("out = %s" % gp_literal(out))
    with open(os.path.join(work, "params.gp"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run(["gnuplot", "params.gp", os.path.join(HERE, script)], cwd=work, capture_output=True, text=True)
    path = os.path.join(work, out)
    if r.returncode or not os.path.exists(path) or os.path.getsize(path) == 0:
        raise Bad("gnuplot %s failed: %s" % (script, one_line(r.stderr)))
    return path


class Inputs:
    """Input files copied into the private folder under names of ours, so no path from the
    command line or a folder name is ever spelled in gnuplot, and gnuplot reads the bytes that
    were checked (a link to the original could be swapped for one to /etc/shadow after it)."""

    def __init__(self, work):
        self.work, self.n = work, 0

    def __call__(self, text):
        self.n += 1
        name = "in%d.csv" % self.n
        fd = os.open(os.path.join(self.work, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return name


# what fp_topo_write_dot writes outside quoted strings; anything else there came from a name
# that broke out of its quotes (it does not escape them), and dot would act on it
def run_tool(args, what, **kw):
    try:
        return subprocess.run(args, capture_output=True, text=True, **kw)
    except OSError as e:
        raise Bad("%s: %s" % (what, e))


def unsafe(st, me):
    """Why someone but us and root could rename or replace names in this folder, or ''."""
    if st.st_uid not in (me, 0):
        return "is owned by uid %d" % st.st_uid
    if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
        return "is writable by others (mode %03o, not sticky)" % stat.S_IMODE(st.st_mode)
    return ""


def out_folder(out):
    """--out as (folder fd, real path), created if missing. The report runs as root, so a
    symlink on the way that is neither ours nor root's is refused, and so is a folder, --out or
    any above it, that is someone else's or writable by others but for a sticky one like /tmp:
    its owner could swap a name in it for a symlink between our checks and our writes. The
    walk goes from / by folder fds with O_NOFOLLOW, checks each folder before it creates the
    next one in it (0755 at most), so what is checked is what is used and a refused --out
    leaves nothing behind."""
    me, cur = os.geteuid(), "/"
    for part in os.path.abspath(out).split("/")[1:]:
        cur = os.path.join(cur, part)
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            break
        except OSError as e:
            raise Bad("--out %s: %s" % (out, e))
        if stat.S_ISLNK(st.st_mode) and st.st_uid not in (me, 0):
            raise Bad("--out %s: %s is a symlink owned by uid %d, not by us: refusing to follow it"
                      % (out, cur, st.st_uid))
    path, cur = os.path.realpath(out), "/"
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in [""] + [p for p in path.split("/") if p]:
            if part:
                cur = os.path.join(cur, part)
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
                fd, old = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd), fd
                os.close(old)
            why = unsafe(os.fstat(fd), me)
            if why:
                raise Bad("--out %s: %s %s: refusing to write there as uid %d (choose a folder only "
                          "you or root can change)" % (out, cur, why, me))
    except OSError as e:
        os.close(fd)
        what = "a symlink swapped in" if e.errno == errno.ELOOP else e.strerror
        raise Bad("--out %s: %s: %s" % (out, cur, what))
    except Bad:
        os.close(fd)
        raise
    return fd, path


# ---------- render ----------

def img(path, alt):
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode()
    kind = "svg+xml" if path.endswith(".svg") else "png"
    return '<figure><img alt="%s" src="data:image/%s;base64,%s"><figcaption>%s</figcaption></figure>' % (
        html.escape(alt), kind, data, html.escape(alt))


def table(header, body, row_heads=False):
    """A table in a box that scrolls sideways when it is wider than the page; row_heads: the
    first cell of each row is its heading (a key-value table has no header row)."""
    def cell(tag, x):
        return "<%s>%s</%s>" % (tag, html.escape(str(x)), tag)
    h = "<tr>%s</tr>" % "".join(cell("th", x) for x in header) if header else ""
    b = "".join("<tr>%s</tr>" % "".join(cell("th" if row_heads and not k else "td", x) for k, x in enumerate(r))
                for r in body)
    return '<div class="scroll"><table>%s%s</table></div>' % (h, b)


def folder(run):
    return os.path.basename(os.path.normpath(run["dir"]))


def nic_limit(run, nodes, rate):
    """What the run's aggregate can reach: the sum of its hosts' NIC rates (each host once;
    ranks on one host share its NIC), and its label; 0 when the topology does not know them."""
    hosts = sorted({h for h, _ in run["hosts"] if h in nodes})
    rates = [nodes[h][1] or rate for h in hosts]
    if not hosts or not all(rates):
        return 0, "%s: NICs not in the topology" % folder(run)
    if len(set(rates)) == 1:
        return sum(rates), "%s: %d NICs x %g Gb/s" % (folder(run), len(hosts), rates[0])
    return sum(rates), "%s: %d NICs, %g Gb/s in all" % (folder(run), len(hosts), sum(rates))


def host_name(run, rank):
    return "%s (%d)" % (run["hosts"][rank][0], rank) if 0 <= rank < len(run["hosts"]) else "rank %d" % rank


def redact(argv):
    """The command line as typed, but for the job token (it authenticates the rendezvous)."""
    out = []
    for i, arg in enumerate(argv):
        if i and argv[i - 1] == "--token":
            arg = "***"
        elif arg.startswith("--token="):
            arg = "--token=***"
        out.append(arg)
    return out


def column(t, name):
    """Column NAME of a CSV table (header first) as numbers; None where not one."""
    if not t or name not in t[0]:
        return []
    k, vals = t[0].index(name), []
    for row in t[1:]:
        try:
            vals.append(float(row[k]))
        except (IndexError, ValueError):
            vals.append(None)
    return vals


def headline(runs):
    """The figures a reader looks for first: bus bandwidth, the worst pair, p99 latency."""
    body = []
    for r in runs:
        sizes = column(r["bw.csv"], "size") or column(r["lat.csv"], "size")
        busbw = [(v, sz) for v, sz in zip(column(r["bw.csv"], "busbw_GBps"), sizes) if v and sz]
        p99 = [(v, sz) for v, sz in zip(column(r["lat.csv"], "p99_us"), sizes) if v is not None and sz]
        worst = "-"
        if r["stragglers"] and r["stragglers"][1]:
            size, pairs, _ = r["stragglers"]
            s, d, g, z, _ = pairs[0]
            worst = "%s -> %s: %.4g Gb/s at %d B (z %.1f)" % (host_name(r, s), host_name(r, d), g, size, z)
        body.append((folder(r), r["pattern"],
                     "%.4g GB/s at %d B" % max(busbw) if busbw else "-", worst,
                     "%.4g us at %d B" % p99[0] if p99 else "-"))
    return "<h2>Headline</h2>" + table(["folder", "pattern", "busbw (peak)", "worst pair", "p99 latency (smallest size)"], body)


def verdict_parts(a, runs, work, inputs):
    # the analyzer reads bandwidth runs; latency-only runs are shown, not analyzed
    bwdirs = [r["dir"] for r in runs if r["bandwidth"]]
    if not a.topology:
        return ["<h2>Verdict</h2><p>No topology given (--topology): no analysis.</p>"]
    if not bwdirs:
        return ["<h2>Verdict</h2><p>No bandwidth runs among these results: nothing to analyze.</p>"]
    flows_csv, dot = os.path.join(work, "flows.csv"), os.path.join(work, "verdict.dot")
    r = run_tool([FABPROBE, "analyze", "--topology", a.topology, "--format", "json",
                  "--flows", flows_csv, "--dot", dot] + bwdirs, "analyze")
    if r.returncode == 2 or not os.path.exists(dot):
        raise Bad("analyze: " + one_line(r.stderr))
    try:
        verdict = checked(json.loads(r.stdout), dict, "analyze", "")
        verdict = field(verdict, "verdict", str, "analyze --format json")
    except ValueError:
        raise Bad("analyze: no JSON verdict")
    txt = run_tool([FABPROBE, "analyze", "--topology", a.topology] + bwdirs, "analyze").stdout
    try:
        fabric.check(dot, a.topology)
        with open(dot, encoding="utf-8") as f:
            drawn, folded = fabric.summarise(f.read())
    except (ValueError, OSError) as e:
        raise Bad(str(e))
    with open(os.path.join(work, "fabric.dot"), "w", encoding="utf-8") as f:
        f.write(drawn)
    r = run_tool(["dot", "-Tsvg", "fabric.dot", "-o", "topology.svg"], "dot", cwd=work)
    if r.returncode:
        raise Bad("dot failed: " + one_line(r.stderr))
    caption = "The fabric: suspects in red" + (
        "; %d nodes away from them drawn as summaries (all of them: verdict.dot)" % folded if folded else "")
    return ['<h2>Verdict: %s</h2><pre class="verdict">%s</pre>' % (html.escape(verdict), html.escape(txt)),
            img(os.path.join(work, "topology.svg"), caption),
            img(gnuplot(work, "scatter.gp", "scatter.svg", file=os.path.basename(flows_csv)),
                "Per-flow rate against predicted; flows through a suspect in red")]


def acceptance(a, runs):
    """fabprobe check's verdict on the same folders: one line, then each check."""
    args = [FABPROBE, "check", a.spec] + [r["dir"] for r in runs] + ["--format", "json"]
    if a.topology:
        args += ["--topology", a.topology]
    r = run_tool(args, "check")
    if r.returncode not in (0, 1):
        raise Bad("--spec: " + one_line(r.stderr))
    try:
        res = checked(json.loads(r.stdout), dict, "check", "")
        name, ok = field(res, "spec", str, "check"), field(res, "pass", bool, "check")
        checks = [checked(c, dict, "check", "checks") for c in field(res, "checks", list, "check")]
        rows = [("PASS" if field(c, "pass", bool, "check") else "FAIL", field(c, "name", str, "check"),
                 field(c, "metric", str, "check"), "%.6g" % field(c, "value", float, "check"),
                 field(c, "limit", str, "check")) for c in checks]
    except ValueError:
        raise Bad("check: no JSON result")
    failed = sum(1 for x in rows if x[0] == "FAIL")
    return ('<h2>Acceptance: %s</h2><p>%s: %d of %d checks passed.</p>' % (
        "PASS" if ok else "FAIL", html.escape(name), len(rows) - failed, len(rows)) +
        table(["result", "check", "metric", "value", "limit"], rows))


def run_section(i, r, nodes, work, inputs):
    # named by folder (what the reader typed); the run id is in the table
    sec = ['<section><h2>%s</h2>' % html.escape(folder(r))]
    status = r["status"] + ("" if r["complete"] else " (incomplete: %s)" % r["error"])
    if r["partial"]:
        status += "; flows stalled at %s B: those sizes' figures are the other flows' only" % \
            ", ".join(str(z) for z in r["partial"])
    meta = [("run id", r["run_id"]), ("status", status), ("pattern", r["pattern"]), ("engine", r["engine"]), ("ranks", r["world_size"]),
            ("simulated", "yes" if r["simulated"] else "no"), ("clock", r["clock"]), ("started", r["started"]),
            ("command", " ".join(redact(r["command_line"]))), ("hosts", ", ".join(h + "@" + a for h, a in r["hosts"]))]
    sec.append(table(None, meta, row_heads=True))
    sizes = r["sizes"]
    if r["lat.csv"] and sizes:
        lat = inputs(r["text"][os.path.join(r["dir"], "lat.csv")])
        sec.append(img(gnuplot(work, "lat.gp", "lat%d.svg" % i, file=lat), "Latency percentiles (one-way)"))
        if r["hist"]:
            sec.append(img(gnuplot(work, "cdf.gp", "cdf%d.svg" % i, file=inputs(r["text"][r["hist"]])),
                           "Latency CDF at %d B" % sizes[0]))
    if r["matrix"]:
        names = [h for h, _ in r["hosts"]]
        order = fabric.host_order(names, nodes)
        m = r["matrix"]
        ordered = "matrix%d.csv" % i
        with open(os.path.join(work, ordered), "w") as f:
            for a_ in order:
                f.write(",".join(m[a_][b_] for b_ in order) + "\n")
        labels = fabric.heat_labels(names, order, nodes)
        sec.append(img(gnuplot(work, "heatmap.gp", "heat%d.svg" % i, file=ordered, labels=labels),
                       "Per-pair bandwidth at %d B, hosts ordered by topology group%s" % (
                           sizes[-1], "" if len(order) <= fabric.HEAT_LABELS else ", labelled by group")))
    sec.append(soak_section(i, r, work))
    for name in ("bw.csv", "lat.csv"):
        t = r[name]
        if t:
            sec.append("<h3>%s</h3>" % name + table(t[0], t[1:]))
    if r["stragglers"]:
        size, pairs, ranks = r["stragglers"]
        sec.append('<h3>Slowest pairs and ranks at %d B</h3><div class="side">' % size + table(
            ["pair", "Gb/s", "z", "outlier"],
            [("%s -> %s" % (host_name(r, s), host_name(r, d)), "%.4f" % g, "%.1f" % z, "yes" if o else "")
             for s, d, g, z, o in pairs]) + (table(
            ["rank", "mean Gb/s", "flows", "z", "outlier"],
            [(host_name(r, k), "%.4f" % g, n, "%.1f" % z, "yes" if o else "") for k, g, n, z, o in ranks])
            if ranks else "") + "</div>")
    sec.append("</section>")
    return "".join(sec)


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>fabprobe report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;margin:1em 2em;max-width:1100px}table{border-collapse:collapse}
div.scroll{overflow-x:auto;max-width:100%%;margin:1em 0}div.side{display:flex;flex-wrap:wrap;gap:0 2em}
td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;text-align:right;white-space:nowrap}
th{background:#eee}tr>th:first-child{text-align:left}
figure{margin:0.5em 0;max-width:100%%}img{max-width:100%%;height:auto;border:1px solid #ddd}
figcaption{font-size:13px;color:#444}
pre.verdict{background:#fff6f0;border-left:4px solid #c33;padding:1em;white-space:pre-wrap}</style></head><body>
<h1>fabprobe report</h1><p>%s</p>%s
<script>
window.addEventListener("load", function () {
  var imgs = document.images, broken = 0;
  for (var i = 0; i < imgs.length; i++) if (!imgs[i].complete || imgs[i].naturalWidth === 0) broken++;
  document.title = "fabprobe report: images " + imgs.length + ", broken " + broken;
  document.body.setAttribute("data-images", imgs.length);
  document.body.setAttribute("data-broken", broken);
  /* how much each image is shrunk to fit the page (1 = its own size), for the tests */
  for (var j = 0; j < imgs.length; j++)
    imgs[j].setAttribute("data-scale", (imgs[j].clientWidth / (imgs[j].naturalWidth || 1)).toFixed(3));
  document.body.setAttribute("data-scroll-width", document.documentElement.scrollWidth);
});
</script></body></html>"""


def fleet_section(d):
    """A folder's fleet.json (fabprobe fleet --out DIR): the hosts that differ, escaped."""
    where = os.path.join(d, "fleet.json")
    try:
        doc = checked(json.loads(read_input(where)), dict, where, "")
    except (OSError, ValueError, RecursionError) as e:
        raise Bad("%s: not a fleet.json (%s)" % (where, one_line(str(e), 120)))
    body = [[field(f, k, str, where, p) for k in ("severity", "property", "value", "majority")] +
            [", ".join(h for h, _ in items(f, "hosts", str, where, p)), field(f, "action", str, where, p)]
            for f, p in items(doc, "findings", dict, where)]
    head = "%s: %d hosts, %d differ, %d must-match properties differ" % (
        folder({"dir": d}), field(doc, "hosts", int, where), field(doc, "fleet_outliers", int, where),
        field(doc, "fleet_mismatch", int, where))
    return "<h2>Fleet %s</h2>" % html.escape(head) + (table(
        ["severity", "property", "value", "others", "hosts", "action"], body) if body else
        "<p>Every host agrees on every property it reports.</p>")


def parse_helpers():
    """What diagnosis.py checks and renders its input with: the same as run.json's."""
    return argparse.Namespace(read_input=read_input, checked=checked, field=field, items=items,
                              table=table, one_line=one_line, Bad=Bad)


def report(a, out, work):
    """The page and its files, made in WORK, then renamed into OUT (out_folder's fd and path)
    through its fd: into the very folder that was checked."""
    outfd, out = out
    # fabprobe diagnose --output folders: their timeline first (diagnosis.py)
    diags = [d for d in a.results if diagnosis.only(d)]
    rp = argparse.Namespace(**globals())  # report's helpers, for the classes module
    cls = [classes.load(d, rp) for d in a.results if d not in diags and classes.is_classes(d)]
    runs = [load_run(d) for d in a.results if d not in diags and not classes.is_classes(d)]
    runs += [load_run(d) for cl in cls for d in classes.runs_of(cl, rp)]
    inputs = Inputs(work)
    parts = verdict_parts(a, runs, work, inputs) if runs else []
    # bandwidth, all runs side by side
    nodes, rate = topo_nodes(a.topology), host_rate(a.topology)
    # the verdict's words first, then the headline figures, then the drawings
    parts[1:1] = [headline(runs)] if runs else []
    parts[0:0] = [diagnosis.section(d, parse_helpers()) for d in diags]
    if a.spec and runs:
        parts.insert(1, acceptance(a, runs))
    bw = [r for r in runs if r["bw.csv"]]
    if bw:
        files, titles = [inputs(r["text"][os.path.join(r["dir"], "bw.csv")]) for r in bw], [folder(r) for r in bw]
        limits = [nic_limit(r, nodes, rate) for r in bw]
        parts.append("<h2>Bandwidth</h2>" + img(
            gnuplot(work, "bw.gp", "bw_flow.svg", files=files, titles=titles, mode="flow", linerate=rate),
            "One flow's rate (mean, band from slowest to fastest) against one NIC's line rate") + img(
            gnuplot(work, "bw.gp", "bw.svg", files=files, titles=titles, aggrate=[x for x, _ in limits],
                    aggtitles=[t for _, t in limits]),
            "Aggregate (sum over all concurrent flows) against the run's NICs x line rate"))
    parts += [fleet_section(r["dir"]) for r in runs if os.path.lexists(os.path.join(r["dir"], "fleet.json"))]
    parts += [classes.section(i, cl, work, inputs, rp) for i, cl in enumerate(cls)]
    parts += [run_section(i, r, nodes, work, inputs) for i, r in enumerate(runs)]
    intro = "%d result folder%s%s." % (len(runs), "" if len(runs) == 1 else "s",
                                       (" on " + os.path.basename(a.topology)) if a.topology else "")
    with open(os.path.join(work, "report.html"), "w", encoding="utf-8") as f:
        f.write(PAGE % (html.escape(intro), "\n".join(parts)))
    # rename into place: a name planted in --out (a symlink) is replaced, not followed
    for name in KEPT + ("report.html",):
        if os.path.exists(os.path.join(work, name)):
            os.replace(os.path.join(work, name), name, dst_dir_fd=outfd)
    return os.path.join(out, "report.html")


def main():
    ap = argparse.ArgumentParser(
        prog="fabprobe report",
        description="Plots (gnuplot) and one self-contained HTML page from result folders: the "
                    "analyzer's verdict and the acceptance verdict first, then the headline "
                    "figures, then each folder.",
        epilog="Needs python3 and gnuplot (apt install gnuplot-nox); graphviz for --topology.")
    ap.add_argument("results", nargs="+", metavar="RESULT_DIR", help="result folders (run or sim output)")
    ap.add_argument("--topology", metavar="FILE", help="the fabric: adds the analyzer's verdict and the drawing")
    ap.add_argument("--spec", metavar="FILE", help="acceptance spec: fabprobe check's PASS/FAIL near the top")
    ap.add_argument("--output", "--out", dest="out", metavar="DIR", default=None,
                    help="where report.html goes (default: RESULT_DIR/report); --out is an alias")
    a = ap.parse_args()
    work = out = None
    # killed, the private folder still goes: SIGTERM unwinds through the finally below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        need("gnuplot", "gnuplot-nox")
        if a.topology:
            need("dot", "graphviz")
            if not os.path.isfile(a.topology):
                raise Bad("%s: no such topology" % a.topology)
        if a.spec and not os.path.isfile(a.spec):
            raise Bad("--spec %s: no such file" % a.spec)
        out = out_folder(a.out or os.path.join(a.results[0], "report"))
        try:
            # 0700 in a folder only we (or a sticky bit) keep others out of: no one can rename it
            work = tempfile.mkdtemp(prefix="fpreport.", dir=out[1])
        except OSError as e:
            raise Bad("--output %s: %s" % (out[1], e))
        print(report(a, out, work))
    except Bad as e:
        die(str(e))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug, not the input's fault: still one line, never a traceback
        print("fabprobe report: internal error, please report it with the result folders: %s: %s"
              % (type(e).__name__, one_line(str(e), 200)), file=sys.stderr)
        sys.exit(1)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup short
        if work:
            shutil.rmtree(work, ignore_errors=True)
        if out:
            os.close(out[0])


if __name__ == "__main__":
    main()
