#!/bin/bash
# Integration test entry: run.sh NAME FABPROBE. Each NAME.sh uses the helpers below.
# Exit 0 pass, 1 fail, 77 skip (with the reason printed).
set -u
name=$1
FABPROBE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
export FABPROBE HERE
TMP=$(mktemp -d /tmp/fabprobe-it.XXXXXX)
PIDS=()
FP_END= # set by fail, skip and the end of the test: an exit without it is a shell error
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
	# every test's EXIT trap ends here: a test stopped by a shell error (an unset variable
	# under set -u, a syntax error) must not pass on the status of the trap's last command
	[ -n "$FP_END" ] || { echo "FAIL: $name stopped before its end (a shell error above)"; exit 1; }
}
trap cleanup EXIT
fail() { FP_END=1; echo "FAIL: $*"; exit 1; }
skip() { FP_END=1; echo "SKIP: $*"; exit 77; }
ok() { echo "ok - $*"; }
# check DIR [check_run.py options]: the result folder is valid and its numbers are sane
check() { python3 "$HERE/check_run.py" "$@" || fail "result check: $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# lab_begin: where a lab test starts: as root with network namespaces (else skip), $LAB, its
# state under $TMP, the lab taken down on exit, and the test running in $TMP
lab_begin() {
	[ "$(id -u)" = 0 ] || skip "the lab needs root for network namespaces"
	ip netns add fpl-probe 2>/dev/null || skip "network namespaces are not available here"
	ip netns del fpl-probe
	LAB="$FP_SRCDIR/scripts/lab/lab"
	export FABPROBE FP_LAB_QUIET=1 FP_LAB_STATE=$TMP/labstate
	trap '"$LAB" down >/dev/null 2>&1; cleanup' EXIT
	cd "$TMP" || fail "cd $TMP"
}
# strip_paths RUN_JSON: a simulated run as if it had recorded no paths (each flow's "path" gone)
strip_paths() {
	python3 - "$1" <<'PY' || fail "cannot strip the recorded paths of $1"
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    for f in r["flows"]:
        del f["path"]
json.dump(d, open(sys.argv[1], "w"))
PY
}
. "$HERE/$name.sh"
FP_END=1
