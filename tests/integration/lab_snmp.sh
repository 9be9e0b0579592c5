# Switch-side counters on the lab (issue 23): snmpd in every switch namespace, bound to
# that namespace's fabric address (and, as the out-of-band management port the lab's
# switches lack, a unix socket: polling then adds no bytes to the links it measures).
# snmpd's pass directive plants FCS errors on one spine port and a 32-bit wrap of
# ifOutDiscards on a leaf port. Around a traced run, each directed link's ifHCOutOctets
# must match the bytes its flows sent along their traced paths within the protocol
# overhead, and the analyzer must name the planted port as a bad cable, the wrap as
# congestion, and nothing else.
for c in snmpd snmpwalk ip python3; do
	command -v $c >/dev/null || skip "$c not installed (scripts/setup: snmpd snmp)"
done
[ "$(id -u)" = 0 ] || skip "the lab needs root for network namespaces"
$FABPROBE fabric-counters --topology "$FP_SRCDIR/tests/fixtures/ibnetdiscover.txt" \
	--switches /dev/null 2>&1 | grep -q "built without net-snmp" && skip "built without net-snmp"
ip netns add fpl-probe 2>/dev/null || skip "network namespaces are not available here"
ip netns del fpl-probe
export MIBS="" MIBDIRS=""
LAB="$FP_SRCDIR/scripts/lab/lab"
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
export FABPROBE FP_LAB_QUIET=1 FP_LAB_STATE=$TMP/labstate
SNMPD=()
lab_snmp_cleanup() {
	for p in "${SNMPD[@]}"; do kill "$p" 2>/dev/null; done
	"$LAB" down >/dev/null 2>&1
	cleanup
}
trap lab_snmp_cleanup EXIT
cd "$TMP" || fail "no temp folder"
"$LAB" up "$T" || fail "lab up"
PLAN=$FP_LAB_STATE/plan
# the topology with the lab's interface names as port names: ifName matches them
python3 - "$T" "$PLAN" >"$TMP/t.yaml" <<'PY' || fail "topology with interface names"
import sys
links = [l.split() for l in open(sys.argv[2]) if l.startswith("link ")]
i = 0
for line in open(sys.argv[1]):
    if line.lstrip().startswith("- {a:"):
        k = links[i]; i += 1
        a, b = line.split('"')[1], line.split('"')[3]
        line = line.replace('"%s"' % a, '"%s:%s"' % (a.split(":")[0], k[3]), 1)
        line = line.replace('"%s"' % b, '"%s:%s"' % (b.split(":")[0], k[6]), 1)
    sys.stdout.write(line)
PY
FCS=.1.3.6.1.2.1.10.7.2.1.3 OUTDISC=.1.3.6.1.2.1.2.2.1.19
# the planted ports: spine0's end of leaf1-spine0, leaf2's end of leaf2-spine1
read -r FCS_IF < <(awk '$1=="link" && $3=="leaf1" && $6=="spine0" {print $7}' "$PLAN")
read -r WRAP_IF < <(awk '$1=="link" && $3=="leaf2" && $6=="spine1" {print $4}' "$PLAN")
[ -n "$FCS_IF" ] && [ -n "$WRAP_IF" ] || fail "planted links not in the plan"
fcs_idx=$(ip netns exec fpl-spine0 cat /sys/class/net/$FCS_IF/ifindex)
wrap_idx=$(ip netns exec fpl-leaf2 cat /sys/class/net/$WRAP_IF/ifindex)
printf '%s 100\n' "$fcs_idx" >"$TMP/fcs"
printf '%s 4294967000\n' "$wrap_idx" >"$TMP/wrap"
: >"$TMP/sw.txt"
for sw in $(awk '$1=="node" && $3=="switch" {print $2}' "$PLAN"); do
	ip=$(awk -v s=$sw '$1=="link" && $3==s {print $5; exit} $1=="link" && $6==s {print $8; exit}' "$PLAN")
	extra=""
	[ $sw = spine0 ] && extra="pass $FCS /bin/sh $HERE/snmp_pass.sh $FCS $TMP/fcs"
	[ $sw = leaf2 ] && extra="pass $OUTDISC /bin/sh $HERE/snmp_pass.sh $OUTDISC $TMP/wrap"
	cat >"$TMP/$sw.conf" <<CONF
agentAddress udp:${ip%/*}:161,unix:$TMP/$sw.sock
com2sec net ${ip%/*}/32 public
com2secunix local $TMP/$sw.sock public
group g v2c net
group g v2c local
view all included .1
access g "" any noauth exact all none none
$extra
CONF
	mkdir -p "$TMP/$sw.persist"
	ip netns exec fpl-$sw env SNMP_PERSISTENT_DIR="$TMP/$sw.persist" \
		snmpd -f -Lf "$TMP/$sw.log" -C -c "$TMP/$sw.conf" &
	SNMPD+=($!)
	echo "$sw unix:$TMP/$sw.sock v2c community=public" >>"$TMP/sw.txt"
	echo "$sw ${ip%/*}" >>"$TMP/sw.addr"
done
for i in $(seq 100); do
	n=0
	for sw in $(cut -d' ' -f1 "$TMP/sw.txt"); do [ -S "$TMP/$sw.sock" ] && n=$((n + 1)); done
	[ $n = "$(wc -l <"$TMP/sw.txt")" ] && break
	sleep 0.1
done
# bound to the namespace's address: a switch answers there, inside its namespace
read -r sw addr < <(head -1 "$TMP/sw.addr")
ip netns exec fpl-$sw snmpwalk -v2c -c public -On -Oq "udp:$addr:161" .1.3.6.1.2.1.31.1.1.1.1 |
	grep -q '"*fpl' || fail "$sw does not answer on its fabric address $addr"
snap() {
	$FABPROBE fabric-counters --topology "$TMP/t.yaml" --switches "$TMP/sw.txt" --format json \
		--timeout-ms 3000 --retries 1 >"$TMP/$1.json" 2>"$TMP/$1.err" ||
		{ cat "$TMP/$1.err"; fail "fabric-counters ($1)"; }
}
sleep 5 # snmpd's interface cache, filled before the run
retrans() { # HOST...: TCP segments each host has retransmitted (its namespace's own count)
	for h in "$@"; do
		ip netns exec fpl-$h awk '/^Tcp:/ {if (n++) print h, $13; else if ($13 != "RetransSegs") exit 1}' \
			h=$h /proc/net/snmp || fail "RetransSegs in $h"
	done
}
HOSTS=$(awk '$1=="node" && $3=="host" {print $2}' "$PLAN")
snap before
retrans $HOSTS >"$TMP/retrans.before"
"$LAB" run -- alltoall --sizes 256K --iters 8 --warmup 0 --poll event --quiet \
	--output "$TMP/run" >"$TMP/run.log" 2>&1 || { cat "$TMP/run.log"; fail "lab run"; }
retrans $HOSTS >"$TMP/retrans.after"
"$LAB" trace "$TMP/run" 2>/dev/null || fail "lab trace"
printf '%s 160\n' "$fcs_idx" >"$TMP/fcs"  # 60 FCS errors during the run
printf '%s 200\n' "$wrap_idx" >"$TMP/wrap" # wrapped: 296 + 200 = 496 discards
sleep 5 # snmpd caches interface counters for a few seconds: past the run's last byte
snap after
python3 - "$TMP" <<'PY' || fail "joining the snapshots"
import json, sys
t = sys.argv[1]
a, b = (json.load(open("%s/%s.json" % (t, n))) for n in ("before", "after"))
a["snapshots"] += b["snapshots"]
json.dump(a, open(t + "/fc.json", "w"))
PY
# Octets per directed link against the flows' bytes on their traced paths. Tolerance: each
# full segment carries 66 B of Ethernet, IP and TCP headers on 1448 B of payload (4.6%), so
# octets >= 1.04 x payload; above it, at most 1.05 x payload, plus the ACKs that may take
# this link (66 B per segment, 5%, of every flow whose reverse direction has the link on a
# shortest path: ECMP may hash the ACKs either way), plus what the flows' sources
# retransmitted (tbf drops what overflows its queue: RetransSegs x 1514 B of each source
# with a flow on the link), plus 64 KiB for handshakes and ARP. A port towards a host must
# also agree with that host's own rx_bytes in run.json within the 64 KiB.
python3 - "$TMP" <<'PY' || { cat "$TMP/run.log"; fail "link octets against the flows"; }
import json, sys
t = sys.argv[1]
fc = json.load(open(t + "/fc.json"))["snapshots"]
def ends(s):
    return {(e["node"], e["port"]): e for e in s["ends"] if e["status"] == "ok"}
e0, e1 = ends(fc[0]), ends(fc[1])
links, adj = {}, {}
for p in (l.split() for l in open(t + "/labstate/plan")):
    if p[0] == "link":
        links[(p[2], p[5])] = (p[2], p[3])  # a -> b leaves a through IF_A
        links[(p[5], p[2])] = (p[5], p[6])
        adj.setdefault(p[2], []).append(p[5])
        adj.setdefault(p[5], []).append(p[2])
def bfs(s):
    d, q = {s: 0}, [s]
    for x in q:
        for y in adj[x]:
            if y not in d:
                d[y] = d[x] + 1
                q.append(y)
    return d
dist = {n: bfs(n) for n in adj}
rt = {}
for n, sign in (("after", 1), ("before", -1)):
    for l in open("%s/retrans.%s" % (t, n)):
        h, v = l.split()
        rt[h] = rt.get(h, 0) + sign * int(v)
run = json.load(open(t + "/run/run.json"))
host_of = {h["rank"]: h["hostname"] for h in run["hosts"]}
rx = {host_of[c["rank"]]: c["deltas"]["rx_bytes"] for c in run["counters"]}
paths = json.load(open(t + "/run/paths.json"))["flows"]
load, rev, total = {k: 0 for k in links}, {k: 0 for k in links}, 0
srcs = {k: set() for k in links}
for r in run["results"]:
    for f in r["flows"]:
        nodes, b = paths[str(f["flow"])], f["rx_bytes"]
        total += b
        for x, y in zip(nodes, nodes[1:]):
            load[(x, y)] += b
            srcs[(x, y)].add(nodes[0])
        s, d = nodes[-1], nodes[0]  # the ACKs: destination back to source
        for (x, y) in links:
            if dist[s][x] + 1 + dist[y][d] == dist[s][d]:
                rev[(x, y)] += b
checked = 0
for (x, y), (node, port) in sorted(links.items()):
    if (node, port) not in e0 or (node, port) not in e1:
        continue  # a host end: no snmpd there
    o = e1[(node, port)]["counters"]["ifHCOutOctets"] - e0[(node, port)]["counters"]["ifHCOutOctets"]
    want = load[(x, y)]
    re = sum(rt[h] for h in srcs[(x, y)]) * 1514
    lo, hi = 1.04 * want, 1.05 * want + 0.05 * rev[(x, y)] + re + 65536
    print("  %s->%s %s: %d octets, flows sent %d (x%.3f), ACKs <= %d, retransmitted <= %d" % (
        x, y, port, o, want, o / want if want else 0, 0.05 * rev[(x, y)], re))
    assert lo <= o <= hi, (x, y, o, lo, hi)
    if y in rx:
        assert abs(o - rx[y]) <= 65536, ("%s's rx_bytes" % y, o, rx[y])
    checked += 1
assert checked == 24 and total > 0, (checked, total)  # 8 host links and 8 uplinks, switch ends
PY
ok "ifHCOutOctets of every switch port match the bytes the flows sent on their traced paths"
$FABPROBE analyze --topology "$TMP/t.yaml" "$TMP/run" --inventory "$TMP/fc.json" \
	--format json >"$TMP/v.json" 2>"$TMP/v.err"
[ $? -eq 1 ] || { cat "$TMP/v.err"; fail "analyze: findings expected (exit 1)"; }
python3 - "$TMP/v.json" "$FCS_IF" "$WRAP_IF" <<'PY' || fail "the planted counters"
import json, sys
v = json.load(open(sys.argv[1]))
f = [x["finding"] for x in v["inventory_findings"]]
for x in f:
    print("  " + x)
fcs = [x for x in f if x.startswith("spine0:%s: 60 dot3StatsFCSErrors" % sys.argv[2])]
assert fcs and "a bad cable or optic" in fcs[0], f
# the wrap: 496 planted, plus whatever tbf really dropped there (never 2^32 of them)
wrap = [int(x.split()[5]) for x in f if x.startswith("leaf2:%s: congestion, not a cable:" % sys.argv[3])]
assert wrap and 496 <= wrap[0] < 100000, f
# tbf's own drops are congestion too; the only other finding is the planted FCS port
other = [x for x in f if "congestion, not a cable" not in x]
assert other == fcs[:1], other
PY
ok "the planted FCS port is named a bad cable, the wrapped discards congestion (as tbf's drops), nothing else"
# Link loads: with the traces the simulator's loads are the hashed paths, and no link was
# named above (only the FCS port and congestion). Without them each flow is split evenly over ECMP: the links
# the hash loaded past 1.33 of that share, or left below 0.75 of it, must be named, and
# only those (measured here from the octets and the traced paths the analyzer no longer has).
mv "$TMP/run/paths.json" "$TMP/paths.json"
$FABPROBE analyze --topology "$TMP/t.yaml" "$TMP/run" --inventory "$TMP/fc.json" \
	--format json >"$TMP/v2.json" 2>"$TMP/v2.err"
[ $? -le 1 ] || { cat "$TMP/v2.err"; fail "analyze without traces"; }
python3 - "$TMP" <<'PY' || fail "link loads against the simulator's ECMP split"
import json, sys
t = sys.argv[1]
fc = json.load(open(t + "/fc.json"))["snapshots"]
e0 = {(e["node"], e["port"]): e for e in fc[0]["ends"] if e["status"] == "ok"}
e1 = {(e["node"], e["port"]): e for e in fc[1]["ends"] if e["status"] == "ok"}
links, leaf, spines = [], {}, set()
for p in (l.split() for l in open(t + "/labstate/plan")):
    if p[0] == "link":
        links.append((p[2], p[3], p[5], p[6]))
        if p[5].startswith("spine"):
            spines.add(p[5])
        else:
            leaf[p[2]] = p[5]
idx = {frozenset((a, b)): i for i, (a, _, b, _) in enumerate(links)}
meas, pred = {}, [0.0] * len(links)
for i, (a, ia, b, ib) in enumerate(links):
    end = (a, ia) if (a, ia) in e1 else (b, ib)
    c0, c1 = e0[end]["counters"], e1[end]["counters"]
    meas[i] = sum(c1[k] - c0[k] for k in ("ifHCInOctets", "ifHCOutOctets"))
paths = json.load(open(t + "/paths.json"))["flows"]
for r in json.load(open(t + "/run/run.json"))["results"]:
    for f in r["flows"]:
        s, d = paths[str(f["flow"])][0], paths[str(f["flow"])][-1]
        pred[idx[frozenset((s, leaf[s]))]] += 1
        pred[idx[frozenset((d, leaf[d]))]] += 1
        if leaf[s] != leaf[d]:
            for sp in spines:
                pred[idx[frozenset((leaf[s], sp))]] += 1 / len(spines)
                pred[idx[frozenset((sp, leaf[d]))]] += 1 / len(spines)
sm, sp_ = sum(meas.values()), sum(pred)
want = {"%s:%s <-> %s:%s" % links[i] for i in meas
        if not 0.75 * pred[i] / sp_ <= meas[i] / sm <= 1.33 * pred[i] / sp_}
v = json.load(open(t + "/v2.json"))
got = {x["ports"] for x in v["inventory_findings"] if "simulator puts" in x["finding"]}
for x in v["inventory_findings"]:
    if "simulator puts" in x["finding"]:
        print("  " + x["finding"])
print("  %d of %d links named against the ECMP split" % (len(got), len(links)))
assert got == want, (got, want)
PY
ok "link loads: with traces they match the simulator's; against its ECMP split the links the hash over- or under-loaded are named"
