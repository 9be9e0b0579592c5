"""fabprobe report: a `run --class` folder (latency under load, issue 24).

classes.json is outside input like any result file: parsed and type-checked into plain values
by report.py's helpers (passed in as `rp`), class names held to the characters `run --class`
allows before they become a path, every CSV read through rp.read_csv and copied into the
private folder (rp's Inputs) before gnuplot sees it, every string escaped in HTML.
"""
import html, os, re, stat

NAME = re.compile(r"(?!idle-)[A-Za-z0-9_-]{1,23}\Z")  # idle-X: latency class X's idle run


def is_classes(d):
    return os.path.lexists(os.path.join(d, "classes.json"))


def load(d, rp):
    """The classes of folder d: name, kind, dscp, and their figures, checked."""
    where = os.path.join(d, "classes.json")
    try:
        doc = rp.checked(rp.json.loads(rp.read_input(where)), dict, where, "")
    except (OSError, ValueError, RecursionError) as e:
        raise rp.Bad("%s: not a classes.json (%s)" % (where, rp.one_line(str(e), 120)))
    out = []
    for c, p in rp.items(doc, "classes", dict, where):
        name = rp.field(c, "name", str, where, p)
        if not NAME.match(name):
            raise rp.Bad("%s: field '%s.name' is not a class name" % (where, p))
        kind = rp.field(c, "kind", str, where, p)
        if kind not in ("latency", "bulk"):
            raise rp.Bad("%s: field '%s.kind' is neither latency nor bulk" % (where, p))
        ph = {k: rp.field(c, k, dict, where, p, optional=True) or {} for k in ("idle", "loaded")}

        def fig(k, key):
            return rp.field(ph[k], key, float, where, "%s.%s" % (p, k), optional=True)

        dscp = c.get("dscp")
        out.append({"name": name, "kind": kind, "size": rp.field(c, "size", int, where, p),
                    "dscp": rp.checked(dscp, int, where, p + ".dscp") if dscp is not None else None,
                    "idle_p99": fig("idle", "p99_us"), "loaded_p99": fig("loaded", "p99_us"),
                    "gbps": fig("loaded", "aggregate_Gbps"),
                    "ratio": rp.field(c, "p99_ratio", float, where, p, optional=True)})
    return {"dir": d, "classes": out}


def _sub(cl, sub, rp):
    """cl's class folder sub, refused unless a real folder: read_input's O_NOFOLLOW guards
    only a path's last part, so a planted symlink in place of the folder would be followed."""
    path = os.path.join(cl["dir"], sub)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as e:
        raise rp.Bad("%s: %s" % (path, rp.one_line(e.strerror or str(e), 120)))
    if not stat.S_ISDIR(st.st_mode):
        raise rp.Bad("%s: a class folder that is not a folder (a symlink?): refused" % path)
    return path


def runs_of(cl, rp):
    """The class folders of every class and phase, for report.py's usual run sections."""
    return [_sub(cl, c["name"], rp) for c in cl["classes"]]


def _csv(cl, sub, name, rp, inputs):
    path = os.path.join(_sub(cl, sub, rp), name)
    if not os.path.exists(path):
        return None
    keep = {}
    rp.read_csv(path, keep)
    return inputs(keep[path])


def section(i, cl, work, inputs, rp):
    fmt = lambda v, f="%.1f": f % v if v is not None else "-"
    body = [[c["name"], c["kind"], c["size"], fmt(c["dscp"], "%d"), fmt(c["idle_p99"]),
             fmt(c["loaded_p99"]), fmt(c["ratio"], "%.2f"), fmt(c["gbps"], "%.3f")]
            for c in cl["classes"]]
    parts = ["<h2>Latency under load: %s</h2>" % html.escape(rp.folder(cl)),
             rp.table(["class", "kind", "size [B]", "DSCP", "p99 idle [us]", "p99 loaded [us]",
                       "ratio", "bulk [Gb/s]"], body)]
    bulk = [(c["name"], _csv(cl, c["name"], "intervals.csv", rp, inputs))
            for c in cl["classes"] if c["kind"] == "bulk"]
    bulk = [(n, f) for n, f in bulk if f]
    for k, c in enumerate(c for c in cl["classes"] if c["kind"] == "latency"):
        hist = "lat_hist_%d.csv" % c["size"]
        idle, loaded = (_csv(cl, "idle-" + c["name"], hist, rp, inputs),
                        _csv(cl, c["name"], hist, rp, inputs))
        if idle and loaded:
            parts.append(rp.img(rp.gnuplot(work, "lul_cdf.gp", "lul%d_%d_cdf.svg" % (i, k), idle=idle,
                                           loaded=loaded, name=c["name"]),
                                "%s: one-way latency CDF, idle and loaded" % c["name"]))
        lat = _csv(cl, c["name"], "intervals.csv", rp, inputs)
        if lat:
            parts.append(rp.img(rp.gnuplot(work, "lul_time.gp", "lul%d_%d_time.svg" % (i, k), lat=lat,
                                           name=c["name"], nbulk=len(bulk),
                                           bulk=[f for _, f in bulk] or [""],
                                           titles=[n for n, _ in bulk] or [""]),
                                "%s: p50 and p99 per interval, and the bulk classes' rate" % c["name"]))
    return "\n".join(parts)
