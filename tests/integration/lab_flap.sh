# Issue 18, flapping in the lab: a switch link that goes dark twice while routing keeps
# sending flows over it. An alltoall soak over the 8 hosts (1 s phases); a leaf-spine link
# picked at random is blackholed for 3 s twice, two phases apart (`lab fault blackhole`,
# then `lab fault up`); rank 0 gets SIGTERM (the soak ends in step, complete); the flows are
# traced, and analyze must name that link alone FLAPPING from its flows' rate dips (no host
# counter moves). scripts/bench/lab-flap repeats this RUNS times and prints each outage.
lab_begin
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
"$LAB" up "$T" || fail "lab up"
mapfile -t uplinks < <("$LAB" links | awk '$2 ~ /^leaf/ && $3 ~ /^spine/ {print $2 "-" $3}')
pick=${uplinks[$((RANDOM % ${#uplinks[@]}))]}
out=$TMP/flap
# wait (60 s at most) until the soak has written N passes
passes() {
	python3 - "$out/soak.csv" "$1" <<'PY'
import csv, sys, time
end = time.time() + 60
while time.time() < end:
    try:
        if len({r["pass"] for r in csv.DictReader(open(sys.argv[1]))}) >= int(sys.argv[2]):
            sys.exit(0)
    except (FileNotFoundError, KeyError, ValueError):
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}
npass() { python3 -c "import csv, sys; print(len({r['pass'] for r in csv.DictReader(open(sys.argv[1]))}))" "$out/soak.csv"; }
# the rank 0 fabprobe among the descendants of PID
rank0() {
	local p c
	for p in $(pgrep -P "$1"); do
		if [ "$(readlink /proc/$p/exe 2>/dev/null)" = "$(readlink -f "$FABPROBE")" ] &&
			tr '\0' ' ' </proc/$p/cmdline | grep -q -- ' --rank 0 '; then
			echo "$p"
			return
		fi
		c=$(rank0 "$p")
		[ -n "$c" ] && { echo "$c"; return; }
	done
}
"$LAB" run -- alltoall --sizes 16K --soak --duration 150s --counter-interval 1s --warmup 2 \
	--poll event --timeout 30s --quiet --output "$out" >"$TMP/log" 2>&1 &
run=$!
trap 'kill $run 2>/dev/null; "$LAB" down >/dev/null 2>&1; cleanup' EXIT
passes 3 || { tail -5 "$TMP/log"; fail "the soak wrote no 3 passes in 60 s"; }
for k in 1 2; do
	"$LAB" fault blackhole "$pick" >/dev/null || fail "fault blackhole $pick"
	sleep 3
	"$LAB" fault up "$pick" >/dev/null || fail "fault up $pick"
	passes $(($(npass) + 2)) || { tail -5 "$TMP/log"; fail "the soak stopped writing passes"; }
done
r0=$(rank0 $run)
[ -n "$r0" ] || fail "no rank 0 to stop"
kill -TERM "$r0"
wait $run || { tail -5 "$TMP/log"; fail "the soak did not end cleanly on SIGTERM"; }
"$LAB" trace "$out" 2>/dev/null || fail "trace"
$FABPROBE analyze --topology "$T" --format json "$out" >"$out.json"
[ $? -eq 1 ] || fail "analyze found nothing"
python3 - "$out" "$pick" "$out.json" <<'PY' || fail "the flapping link $pick not named alone"
import csv, collections, json, statistics, sys
d, pick, v = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
a, b = pick.split("-")
rate = collections.defaultdict(dict)
for r in csv.DictReader(open(d + "/soak.csv")):
    rate[r["flow"]][int(r["pass"])] = float(r["Gbps"])
paths = json.load(open(d + "/paths.json"))["flows"]
on = {f for f, p in paths.items() if any({p[i], p[i + 1]} == {a, b} for i in range(len(p) - 1))}
med = {f: statistics.median(x.values()) for f, x in rate.items()}
dips = []
for p in sorted({p for x in rate.values() for p in x}):
    dip = {f for f in rate if rate[f].get(p, med[f]) < med[f] / 2}
    if dip:
        dips.append("pass %d: %d/%d on it, %d/%d elsewhere" % (p, len(dip & on), len(on),
                                                           len(dip - on), len(rate) - len(on)))
f = [x["ports"] for x in v.get("inventory_findings", []) if "FLAPPING" in x["finding"]]
print("planted %s; named %s; dips: %s" % (pick, f or "nothing", "; ".join(dips) or "none"))
assert len(f) == 1 and {p.strip().split(":")[0] for p in f[0].split("<->")} == {a, b}, f
PY
ok "flapping: $pick blackholed twice mid-soak, named alone FLAPPING from its flows' dips"
