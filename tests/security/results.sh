#!/bin/bash
# Issue 14 item 9: what a run writes leaks no token, follows the umask, and a host name
# with a comma, a quote or a newline stays one CSV field. Usage: results.sh FABPROBE
set -u
FABPROBE=$1
TMP=$(mktemp -d /tmp/fabprobe-sec.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

name=$'h,1"x\ny'
(umask 027; exec "$FABPROBE" run alltoall --np 3 --sizes 4K --iters 20 --quiet \
	--hostname "$name" --token s3cret-a --output "$TMP/r1") || fail "run"
(umask 022; exec "$FABPROBE" run pingpong --np 2 --sizes 8 --iters 20 --quiet \
	--token=s3cret-b --output "$TMP/r2") || fail "run"
grep -rq s3cret "$TMP" && fail "the token is in the results: $(grep -rl s3cret "$TMP")"
python3 - "$TMP" "$name" <<'PY' || fail "redaction, umask or CSV"
import csv, json, os, stat, sys
t, name = sys.argv[1], sys.argv[2]
c1 = json.load(open(t + "/r1/run.json"))["command_line"]
c2 = json.load(open(t + "/r2/run.json"))["command_line"]
assert c1[c1.index("--token") + 1] == "***", c1
assert "--token=***" in c2, c2
for run, mode in (("r1", 0o640), ("r2", 0o644)):
    for f in os.listdir(t + "/" + run):
        m = stat.S_IMODE(os.stat(t + "/" + run + "/" + f).st_mode)
        assert m == mode, "%s/%s is %o, umask says %o" % (run, f, m, mode)
rows = list(csv.reader(open(t + "/r1/ranks.csv", newline="")))
assert len(rows) == 4 and all(len(r) == len(rows[0]) for r in rows), rows
assert all(r[2] == name for r in rows[1:]), rows
PY
echo "ok - token redacted (--token X, --token=X); files follow the umask; CSV host fields quoted"
