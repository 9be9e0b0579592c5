# Endpoint identity end to end (issue 16): 8 ranks as 2 servers x 4 NICs in the lab. Every
# NIC is a lab host with its own netdev (ens1..ens4 on both servers), every rank reports its
# server's hostname (lab run --servers), and the ranks run on the NICs in a shuffled order.
# run.json must name each rank's own port, and analyze must join each rank to its own NIC
# by (host, netdev): file order or the hostname alone would give other answers. Then the
# mapping refusals on copies of that run: two ranks on one NIC, a rank that names no NIC,
# a rank with only its hostname on a 4-NIC server -> exit 2 naming the ranks.
lab_begin

# NIC k of server s is node sk, netdev ens(k+1), on leaf k/2; both leaves under one spine
T=$TMP/ident.yaml
nodes="" links=""
for s in a b; do
	for k in 0 1 2 3; do
		nodes+="  - {name: $s$k, kind: host, tier: 0, host: \"srv$s\", ifname: \"ens$((k + 1))\", nic_gbps: 0.5}"$'\n'
		links+="  - {a: \"$s$k:p0\", b: \"leaf$((k / 2)):$s$k\", gbps: 0.5, lanes: 1, media: dac, length_m: 2}"$'\n'
	done
done
cat >"$T" <<EOF
fabprobe_topology: 1
name: ident-2x4
nodes:
$nodes  - {name: leaf0, kind: switch, tier: 1}
  - {name: leaf1, kind: switch, tier: 1}
  - {name: spine0, kind: switch, tier: 2}
links:
$links  - {a: "leaf0:up", b: "spine0:l0", gbps: 2, lanes: 1, media: aoc, length_m: 20}
  - {a: "leaf1:up", b: "spine0:l1", gbps: 2, lanes: 1, media: aoc, length_m: 20}
EOF
$FABPROBE topo check "$T" >/dev/null || fail "topology"
"$LAB" up "$T" || fail "lab up"
[ "$("$LAB" exec a2 cat /sys/class/net/ens3/operstate)" = up ] || fail "a2's NIC is not ens3"
ok "lab up: 2 servers x 4 NICs, each NIC a host with its own netdev"

order=b2,a0,b1,a3,a2,b0,a1,b3
"$LAB" run --hosts $order --servers -- alltoall --sizes 16K --iters 10 --warmup 1 --poll event \
	--quiet --output "$TMP/run" >"$TMP/run.log" 2>&1 || { cat "$TMP/run.log"; fail "alltoall"; }
# what each NIC really is, read inside its namespace
for h in ${order//,/ }; do
	k=$(awk -v h="$h" '$1=="node" && $2==h {print substr($2, 2) + 1}' "$FP_LAB_STATE/plan")
	echo "$h ens$k $("$LAB" exec "$h" cat "/sys/class/net/ens$k/address")"
done >"$TMP/nics"
python3 - "$TMP/run/run.json" "$order" "$TMP/nics" "$FP_LAB_STATE/plan" <<'PY' || fail "run.json endpoints"
import json, sys
run = json.load(open(sys.argv[1]))
order = sys.argv[2].split(",")
mac = {l.split()[0]: l.split()[2] for l in open(sys.argv[3])}
fip = {p[1]: p[5] for p in (l.split() for l in open(sys.argv[4])) if p[:1] == ["node"] and p[2] == "host"}
for h in run["hosts"]:
    nic = order[h["rank"]]
    ep = h["endpoint"]
    want = {"ip": fip[nic], "netdev": "ens%d" % (int(nic[1]) + 1), "mac": mac[nic], "ipv4": fip[nic]}
    got = {k: ep.get(k) for k in want}
    assert h["hostname"] == "srv" + nic[0], h
    assert got == want, (h["rank"], got, want)
for c in run["ranks"]:
    assert c["port"] == "ens%d" % (int(order[c["rank"]][1]) + 1), c
    assert c["nic_model"] == "-" and c["firmware"] == "-", c
print("rank 0: %s" % json.dumps(run["hosts"][0]["endpoint"]))
PY
ok "run.json: every rank names its own netdev, MAC and address; veth has no model or firmware"

$FABPROBE analyze --topology "$T" --flows "$TMP/flows.csv" "$TMP/run" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -le 1 ] && [ ! -s "$TMP/err" ] || { cat "$TMP/out" "$TMP/err"; fail "analyze exit $rc"; }
python3 - "$TMP/run/run.json" "$order" "$TMP/flows.csv" <<'PY' || fail "the join"
import csv, json, sys
run = json.load(open(sys.argv[1]))
order = sys.argv[2].split(",")
rows = list(csv.DictReader(open(sys.argv[3])))
flows = max(run["results"], key=lambda r: r["size"])["flows"]
assert len(rows) == len(flows) == 56, (len(rows), len(flows))
seen = set()
for f, r in zip(flows, rows):
    want = (order[f["src"]], order[f["dst"]])
    assert (r["src"], r["dst"]) == want, (f["src"], f["dst"], r, want)
    seen.update(want)
assert seen == set(order), seen
print("56 flows, every rank on its own NIC: rank 0 on %s, rank 7 on %s" % (order[0], order[7]))
PY
ok "analyze joins every rank to its own NIC by (server, netdev)"

# refusals, on copies of that run
refuse() { # refuse NAME PYTHON-EDIT EXPECTED-TEXT
	mkdir -p "$TMP/$1"
	python3 -c "
import json; d = json.load(open('$TMP/run/run.json')); h = d['hosts']
$2
json.dump(d, open('$TMP/$1/run.json', 'w'))" || fail "$1 fixture"
	$FABPROBE analyze --topology "$T" "$TMP/$1" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -qF "$3" "$TMP/err" ||
		{ cat "$TMP/err"; fail "$1: exit $rc"; }
	ok "$1: exit 2, $(cut -c1-110 "$TMP/err")"
}
refuse twice "h[5]['hostname'] = h[2]['hostname']; h[5]['address'] = h[2]['address']; h[5]['endpoint'] = h[2]['endpoint']" \
	"ranks 2 and 5 both map to endpoint 'b1'"
refuse unknown "h[3]['hostname'] = 'srvz'; h[3]['address'] = '10.1.2.3'; h[3]['endpoint'] = {'netdev': 'ens9'}" \
	"rank 3 (host 'srvz', ip 10.1.2.3): no endpoint of the topology"
refuse hostonly "h[4]['address'] = '-'; del h[4]['endpoint']" \
	"rank 4 (host 'srva'): its hostname (its server's) matches several endpoints"

"$LAB" down || fail "down"
