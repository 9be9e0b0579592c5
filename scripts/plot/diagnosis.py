"""fabprobe report: a diagnosis folder's diagnosis.json (fabprobe diagnose --output DIR) as a
timeline. Outside input like run.json: every value is type-checked by report.py's helpers
first and html-escaped by its table(); nothing reaches a shell, gnuplot or a path."""
import html
import json
import os


def only(d):
    """d holds a diagnosis and no run of its own."""
    return (os.path.lexists(os.path.join(d, "diagnosis.json")) and
            not os.path.lexists(os.path.join(d, "run.json")))


def section(d, h):
    """The steps (what each tried, raised, ruled in and out) and the verdict, as HTML. h is
    report.py (its read_input, checked, field, items, table, one_line and Bad)."""
    where = os.path.join(d, "diagnosis.json")
    try:
        doc = h.checked(json.loads(h.read_input(where)), dict, where, "")
    except (OSError, ValueError, RecursionError) as e:
        raise h.Bad("%s: not a diagnosis.json (%s)" % (where, h.one_line(str(e), 120)))
    if h.field(doc, "schema_version", int, where) != 1:
        raise h.Bad("%s: schema_version %d is not 1" % (where, doc["schema_version"]))
    steps = []
    for s, p in h.items(doc, "steps", dict, where):
        names = {k: ", ".join(x for x, _ in h.items(s, k, str, where, p))
                 for k in ("raised", "ruled_in", "ruled_out")}
        steps.append((h.field(s, "step", int, where, p), h.field(s, "kind", str, where, p),
                      h.field(s, "why", str, where, p), h.field(s, "flows", int, where, p),
                      "x%g" % h.field(s, "duration", float, where, p),
                      names["raised"] or "-", names["ruled_in"] or "-", names["ruled_out"] or "-"))
    hyps = [(h.field(x, "name", str, where, p), h.field(x, "state", str, where, p),
             h.field(x, "opened", int, where, p), "%d of %d" % (h.field(x, "bad", int, where, p),
                                                              h.field(x, "probes", int, where, p)))
            for x, p in h.items(doc, "hypotheses", dict, where)]
    faulty = [n for n, st, _, _ in hyps if st == "confirmed"]
    open_ = [n for n, st, _, _ in hyps if st == "open"]
    verdict = ("clean" if h.field(doc, "clean", bool, where) else
               "faulty: " + "; ".join(faulty) if faulty else "not decided")
    full = h.field(doc, "full_pairs_bytes", int, where)
    head = "%s: %s (stopped: %s; %d bytes, %.1f%% of every pair once)" % (
        os.path.basename(os.path.normpath(d)), verdict, h.field(doc, "stop", str, where),
        h.field(doc, "bytes", int, where), 100.0 * doc["bytes"] / full if full else 0)
    return ("<h2>Diagnosis %s</h2>" % html.escape(head) +
            ("<p>Still ambiguous: %s</p>" % html.escape("; ".join(open_)) if open_ else "") +
            h.table(["step", "kind", "why", "flows", "duration", "raised", "ruled in", "ruled out"], steps) +
            h.table(["hypothesis", "state", "raised at step", "probes bad"], hyps))
