#!/usr/bin/env python3
"""Issue 14.11: a result folder with a field missing or of the wrong type, or a CSV file of the
wrong shape, gets one line on stderr naming the file and the field, exit 2, no traceback, no
page and no temporary folder left in --out.

    report_fields.py FABPROBE RESULT_FOLDER TMP
"""
import json, os, shutil, subprocess, sys

# (path in run.json, what the report expects there); "-1" is the last element of a list
FIELDS = [
    ("run_id", str), ("status", str), ("complete", bool), ("pattern", str), ("engine", str),
    ("world_size", int), ("clock", dict), ("clock.source", str), ("started", str),
    ("command_line", list), ("command_line.0", str), ("hosts", list), ("hosts.0", dict),
    ("hosts.3.hostname", str), ("hosts.0.address", str), ("sizes_done", list),
    ("sizes_done.0", int), ("results", list), ("results.0", dict), ("results.-1.size", int),
    ("results.-1.stragglers", dict), ("results.-1.stragglers.slowest_pairs", list),
    ("results.-1.stragglers.slowest_pairs.0", dict),
    ("results.-1.stragglers.slowest_pairs.0.src", int),
    ("results.-1.stragglers.slowest_pairs.0.Gbps", float),
    ("results.-1.stragglers.slowest_pairs.0.z", float),
    ("results.-1.stragglers.slowest_pairs.0.outlier", bool),
]
# optional fields: absent is fine, a wrong type is not
OPTIONAL = {"results.-1.stragglers"}
WRONG = {
    str: [5, [], None], int: ["12", True, 1.5, {}], float: ["0.5", None], bool: ["no", 0],
    list: [{}, "x"], dict: [[], "x"],
}


def walk(doc, path):
    keys = path.split(".")
    for k in keys[:-1]:
        doc = doc[int(k)] if isinstance(doc, list) else doc[k]
    last = keys[-1]
    return doc, int(last) if isinstance(doc, list) else last


def report(fabprobe, folder, out):
    r = subprocess.run([fabprobe, "report", folder, "--out", out], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stderr


def expect_refusal(fabprobe, folder, out, what, names):
    rc, err = report(fabprobe, folder, out)
    lines = err.splitlines()
    problems = []
    if rc != 2:
        problems.append("exit %d, not 2" % rc)
    if len(lines) != 1 or "Traceback" in err:
        problems.append("%d lines on stderr, not one" % len(lines))
    elif not all(n in lines[0] for n in names):
        problems.append("the message does not name %s" % " and ".join(names))
    if os.path.isdir(out):
        left = os.listdir(out)
        if left:
            problems.append("left in --out: %s" % left)
    if problems:
        print("FAIL: %s: %s\n%s" % (what, "; ".join(problems), err.rstrip()[-1500:]))
        return False
    return True


def main():
    fabprobe, base, tmp = sys.argv[1:4]
    doc = json.load(open(os.path.join(base, "run.json")))
    folder, out = os.path.join(tmp, "mut"), os.path.join(tmp, "mutout")
    shutil.copytree(base, folder)
    failed = cases = 0

    def run_case(what, names, edit):
        nonlocal failed, cases
        d = json.loads(json.dumps(doc))
        edit(d)
        with open(os.path.join(folder, "run.json"), "w") as f:
            json.dump(d, f)
        fresh(out)
        cases += 1
        failed += not expect_refusal(fabprobe, folder, out, what, names)

    for path, kind in FIELDS:
        name = [k for k in path.split(".") if not k.lstrip("-").isdigit()][-1]
        # an element of a list is not a field: only fields can be missing
        if path not in OPTIONAL and not path.split(".")[-1].lstrip("-").isdigit():
            run_case("%s missing" % path, ["run.json", name], lambda d, p=path: walk_del(d, p))
        for bad in WRONG[kind]:
            run_case("%s = %r" % (path, bad), ["run.json", name], lambda d, p=path, b=bad: walk_set(d, p, b))
    with open(os.path.join(folder, "run.json"), "w") as f:
        f.write("[1, 2]")
    fresh(out)
    cases += 1
    failed += not expect_refusal(fabprobe, folder, out, "run.json is a list", ["run.json"])
    with open(os.path.join(folder, "run.json"), "w") as f:
        json.dump(doc, f)

    # CSV files of the wrong shape: named with their line
    size = doc["sizes_done"][-1]
    mx = "matrix_bw_%d.csv" % size
    orig = open(os.path.join(base, mx)).read().splitlines()
    for what, text in [("a short row", "\n".join(orig[:2] + [orig[2].rsplit(",", 1)[0]] + orig[3:])),
                       ("a missing row", "\n".join(orig[:-1])),
                       ("text in a cell", "\n".join(orig[:1] + [orig[1].replace("0.", "x", 1)] + orig[2:])),
                       ("a NUL byte", "\0".join(orig))]:
        with open(os.path.join(folder, mx), "w") as f:
            f.write(text + "\n")
        fresh(out)
        cases += 1
        failed += not expect_refusal(fabprobe, folder, out, "%s: %s" % (mx, what), [mx])
    shutil.copy(os.path.join(base, mx), os.path.join(folder, mx))
    with open(os.path.join(folder, "lat.csv"), "wb") as f:
        f.write(b"size,iters\n\xff\xfe\x00,1\n")
    fresh(out)
    cases += 1
    failed += not expect_refusal(fabprobe, folder, out, "lat.csv not UTF-8", ["lat.csv"])
    print("%d of %d malformed folders handled" % (cases - failed, cases))
    return 1 if failed else 0


def fresh(out):
    shutil.rmtree(out, ignore_errors=True)
    os.mkdir(out)


def walk_del(d, path):
    parent, key = walk(d, path)
    del parent[key]


def walk_set(d, path, value):
    parent, key = walk(d, path)
    parent[key] = value


if __name__ == "__main__":
    sys.exit(main())
