# Latency under load (issue 24) on the lab's 100 Mbit/s leaf-spine: one leaf-spine link cut to
# 10 Mbit/s and a paced bulk alltoall that overfills it (and only it) while two ping-pong
# classes run. Ranks are ordered so that every ping-pong pair crosses the spines: pairs of
# leaf0 may cross the slow link, pairs of leaf2/leaf3 never do.
#  1. the crossing pairs' p99 rises by a good part of the tbf queue's latency limit (100 ms),
#     at least 5x more than any pair that avoids the link, and analyze names that link;
#  2. with DSCP-honouring htb queues on leaf0's uplinks (u32 match ip dsfield), the class
#     marked tclass=46 (EF) rises less than the unmarked one.
# Relative asserts only: the machine is shared, so nothing is compared with a fixed time.
lab_begin
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
HOSTS=h0,h2,h1,h3,h4,h6,h5,h7
"$LAB" up "$T" || fail "lab up"
"$LAB" fault degrade leaf0-spine0 10 >/dev/null || fail "fault"
# run OUT CLASSES...: the classes at once, 3 s per phase, over all eight hosts
run() {
	local out=$1
	shift
	"$LAB" run --hosts $HOSTS -- --poll event --duration 3s --output "$TMP/$out" "$@" \
		--class bulk:alltoall:64K:pace-mbit=4 >"$TMP/$out.log" 2>&1 ||
		{ cat "$TMP/$out.log"; fail "run $out"; }
}
# 1: which pairs crossed the link (their traced forward path) and how much each rose
for try in 1 2; do
	rm -rf "$TMP/a"
	run a --class a:pingpong:64 --class b:pingpong:64
	for c in a b bulk; do "$LAB" trace "$TMP/a/$c" 2>/dev/null || fail "trace $c"; done
	python3 - "$TMP/a" <<'PY' >"$TMP/verdict1" && break
import json, sys
top = sys.argv[1]
cls = {c["name"]: c for c in json.load(open(top + "/classes.json"))["classes"]}
cross, avoid = [], []
for n in ("a", "b"):
    paths = json.load(open("%s/%s/paths.json" % (top, n)))["flows"]
    run = json.load(open("%s/%s/run.json" % (top, n)))
    bloat = {(p["src"], p["dst"]): p["bloat_p99_us"] for p in cls[n]["bloat"]}
    for f in run["results"][0]["flows"]:
        p = paths[str(f["flow"])]
        b = bloat[(f["src"], f["dst"])]
        hops = set(zip(p, p[1:])) | set(zip(p[1:], p))
        if ("leaf0", "spine0") in hops:
            cross.append(b)
        elif "leaf0" not in p:
            avoid.append(b)
# the bulk flows ECMP put on the slow link: 3 or more (12 Mbit/s at 4 each) fill its 10
paths = json.load(open(top + "/bulk/paths.json"))["flows"]
run = json.load(open(top + "/bulk/run.json"))
full = sum(("leaf0", "spine0") in set(zip(p, p[1:])) for p in
           (paths[str(f["flow"])] for f in run["results"][0]["flows"]))
print(json.dumps({"cross": [round(x) for x in cross], "avoid": [round(x) for x in avoid],
                  "bulk_on_link": full}))
# no ping-pong crossed on the way out (their replies may have), or the hashing left the link
# too few bulk flows to queue (about 2% of runs): a fresh set of connections
sys.exit(0 if cross and avoid and full >= 3 else 3)
PY
	[ $? = 3 ] || fail "$(cat "$TMP/verdict1")"
	[ $try = 2 ] && fail "1: twice no ping-pong flow of leaf0, or under 3 bulk flows, on the slow link: $(cat "$TMP/verdict1")"
done
python3 - "$TMP/verdict1" <<'PY' || fail "1: the crossing pairs did not rise 5x more"
import json, sys
v = json.load(open(sys.argv[1]))
cross, avoid = v["cross"], v["avoid"]
print("p99 rise (us) of the pairs crossing the link:", cross, "avoiding it:", avoid)
# toward the tbf limit (100 ms): a fifth of it at least, and 5x any avoiding pair's rise
assert min(cross) >= 0.2 * 100000, cross
assert min(cross) >= 5 * max(max(avoid), 1), (cross, avoid)
PY
ok "1: pairs across the slow link rose 5x more than the pairs that avoid it"
$FABPROBE analyze --topology "$T" --format json "$TMP/a" >"$TMP/q.json"
[ $? = 1 ] || fail "analyze named no queue"
python3 - "$TMP/q.json" <<'PY' || fail "analyze named the wrong queue"
import json, sys
q = json.load(open(sys.argv[1]))["queues"][0]
print("analyze: queue %s -> %s (%s), p99 %+.0f us" % (q["from"], q["to"], q["link"], q["rise_us"]))
assert {q["from"], q["to"]} == {"leaf0", "spine0"}, q
PY
ok "1: analyze names leaf0-spine0"
# 2: htb on both directions of both leaf0 uplinks: EF (dsfield 0xb8) first, the rest after
htb() { # htb NODE IF
	local x="ip netns exec fpl-$1 tc"
	$x qdisc replace dev "$2" root handle 1: htb default 20 &&
	$x class add dev "$2" parent 1: classid 1:1 htb rate 10mbit ceil 10mbit &&
	$x class add dev "$2" parent 1:1 classid 1:10 htb rate 2mbit ceil 10mbit prio 0 &&
	$x class add dev "$2" parent 1:1 classid 1:20 htb rate 8mbit ceil 10mbit prio 1 &&
	$x qdisc add dev "$2" parent 1:10 bfifo limit 125000 &&
	$x qdisc add dev "$2" parent 1:20 bfifo limit 125000 &&
	$x filter add dev "$2" parent 1: protocol ip prio 1 u32 match ip dsfield 0xb8 0xfc flowid 1:10
}
for spine in spine0 spine1; do
	set -- $(awk -v s=$spine '$1 == "link" && $3 == "leaf0" && $6 == s {print $4, $7}' \
		"$FP_LAB_STATE/plan")
	htb leaf0 "$1" && htb $spine "$2" || fail "htb on leaf0-$spine"
done
run b --class ef:pingpong:64:tclass=46 --class be:pingpong:64
python3 - "$TMP/b/classes.json" <<'PY' || fail "2: the marked class did not rise less"
import json, sys
cls = {c["name"]: c for c in json.load(open(sys.argv[1]))["classes"]}
rise = {}
for n in ("ef", "be"):
    # leaf0's pairs (ranks 0-1, 2-3) cross an htb queue both ways, whichever spine
    rise[n] = max(p["bloat_p99_us"] for p in cls[n]["bloat"] if p["src"] in (0, 2))
    print("%s: p99 idle %.0f us, loaded %.0f us, leaf0 pairs rose %.0f us" % (
        n, cls[n]["idle"]["p99_us"], cls[n]["loaded"]["p99_us"], rise[n]))
assert rise["be"] > 2 * max(rise["ef"], 1), rise
PY
ok "2: the EF-marked class rose less than the unmarked one behind DSCP queues"
