# Sourced by the duration tests (duration.sh, dpdk.sh): a run timed from outside.
# timed DUR_S NSIZES OUT -- ARGS...: run, then check the wall time and run.json's windows.
# TIMED_CMD (an array) replaces "$FABPROBE run", e.g. (lab run --hosts h0,h7 --).
# What the process costs without a measurement (start, rendezvous, connect, results) is
# timed first with one message per size and allowed on top.
# The bounds are correctness, not speed: a run must end, no window may be shorter than the
# duration, and only a hang may exceed SLACK (30 s) on top of it. A loaded CI machine
# stretched a 1 s window past the old 10% + 200 ms; a stop flag that is never looked at
# still fails here.
timed() {
	local dur=$1 nsizes=$2 out=$3
	shift 4
	local t0 t1 base cmd=("$FABPROBE" run)
	[ -n "${TIMED_CMD+x}" ] && cmd=("${TIMED_CMD[@]}")
	t0=$(date +%s.%N)
	"${cmd[@]}" "$@" --iters 1 --warmup 1 --output "$out.base" --quiet >"$TMP/log" 2>&1 ||
		{ cat "$TMP/log"; fail "run $* --iters 1"; }
	t1=$(date +%s.%N)
	base=$(python3 -c "print($t1 - $t0)")
	t0=$(date +%s.%N)
	"${cmd[@]}" "$@" --duration "${dur}s" --output "$out" --quiet >"$TMP/log" 2>&1 ||
		{ cat "$TMP/log"; fail "run $*"; }
	t1=$(date +%s.%N)
	python3 - "$dur" "$nsizes" "$t0" "$t1" "$out" "$*" "$base" <<'PY' || fail "duration: $*"
import json, sys
dur, n, t0, t1, out, what = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
base = float(sys.argv[7])
wall = t1 - t0
SLACK = 30.0
hi = base + n * dur + SLACK
d = json.load(open(out + "/run.json"))
assert d["complete"], "run incomplete"
assert len(d["results"]) == n, "sizes done: %d of %d" % (len(d["results"]), n)
# every size ran for its duration: the sources' windows (bandwidth) or the round trips'
# total (latency: at least the duration, less the last chunk's share)
for r in d["results"]:
    for f in r.get("flows", []):
        if "tx_time_us" in f:
            t = f["tx_time_us"] / 1e6
            if not (dur * 0.98 <= t <= dur + SLACK):
                sys.exit("%s: size %d flow %d sent for %.3f s, not %.1f s" % (what, r["size"], f["flow"], t, dur))
            if f["rx_msgs"] > f["tx_msgs"]:
                sys.exit("%s: size %d flow %d received more than sent" % (what, r["size"], f["flow"]))
if wall > hi or wall < n * dur:
    sys.exit("%s: %d sizes of %.1f s took %.2f s (allowed %.2f .. %.2f)" % (what, n, dur, wall, n * dur, hi))
print("ok   %s: %d x %.1f s in %.2f s (<= %.2f, of which %.2f s without a measurement)" % (what, n, dur, wall, hi, base))
PY
}

