#!/usr/bin/env python3
"""Fuzz target for the report's parser of result folders (report.py's load_run).

    report_fuzz.py CORPUS_DIR [MUTATIONS] [diagnosis]

Replays every file in CORPUS_DIR as a run.json, then MUTATIONS (default 300, seed fixed, so
a failure replays) mutants of them: bytes flipped, cut, or a JSON value swapped for one of
another type (with "diagnosis": as a diagnosis.json, through diagnosis.py). Each must parse into checked values or be refused with report.Bad; any other
exception is a bug in the parser and fails the test with the input that caused it.
"""
import importlib.util, json, os, random, sys, tempfile, traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("report", os.path.join(HERE, "..", "..", "scripts", "plot", "report.py"))
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)

ODD = [None, True, 0, -1, 1.5, 1e308, "", "x", [], {}, [1], {"a": 1}, "\u2028", "\x00"]


def mutate_json(doc, rng):
    """Replace one value somewhere in doc with a value of another kind (or delete a key)."""
    node, steps = doc, rng.randint(1, 6)
    for _ in range(steps):
        kids = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        if not kids:
            break
        key, child = rng.choice(kids)
        if not isinstance(child, (dict, list)) or rng.random() < 0.3:
            if isinstance(node, dict) and rng.random() < 0.3:
                del node[key]
            else:
                node[key] = rng.choice(ODD)
            return doc
        node = child
    return doc


def mutate_bytes(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not b:
            break
        i = rng.randrange(len(b))
        op = rng.randrange(3)
        if op == 0:
            b[i] = rng.randrange(256)
        elif op == 1:
            del b[i:i + rng.randint(1, 64)]
        else:
            b[i:i] = rng.choice([b'"', b"{", b"]", b",", b"\\u0000", b"\xff"])
    return bytes(b)


DIAG = len(sys.argv) > 3 and sys.argv[3] == "diagnosis"


def one(folder, data, what):
    with open(os.path.join(folder, "diagnosis.json" if DIAG else "run.json"), "wb") as f:
        f.write(data)
    try:
        if DIAG:
            report.diagnosis.section(folder, report.parse_helpers())
        else:
            report.load_run(folder)
    except report.Bad as e:
        if "\n" in str(e):
            print("FAIL: %s: a refusal of more than one line: %r" % (what, str(e)))
            return False
    except Exception:
        print("FAIL: %s: %s" % (what, traceback.format_exc().strip().splitlines()[-1]))
        print("input: %r" % data[:300])
        return False
    return True


def main():
    corpus = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(14)
    seeds = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="fabprobe-fuzz-report.") as folder:
        for name in sorted(os.listdir(corpus)):
            with open(os.path.join(corpus, name), "rb") as f:
                data = f.read()
            ok &= one(folder, data, name)
            try:
                seeds.append((name, json.loads(data)))
            except (ValueError, RecursionError):
                pass
        for i in range(n):
            name, doc = rng.choice(seeds)
            if i % 2:
                data = json.dumps(mutate_json(json.loads(json.dumps(doc)), rng)).encode()
            else:
                data = mutate_bytes(json.dumps(doc).encode(), rng)
            ok &= one(folder, data, "mutant %d of %s" % (i, name))
    print("%d corpus files and %d mutants: %s" % (len(os.listdir(corpus)), n, "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
