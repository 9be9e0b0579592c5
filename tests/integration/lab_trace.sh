# fabprobe trace on the lab: alltoall and pairs runs traced (lab trace runs fabprobe trace in
# each host's namespace), and every flow's path equal to the one the lab's own routing gives
# that 5-tuple, asked hop by hop (ip route get ... iif ... sport ... dport ...). Then the same
# flows as RoCE v2 (UDP to 4791 from a QP's source port) and as UDP (dpdk) flows.
lab_begin
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
"$LAB" up "$T" || fail "lab up"

# routed RUN: each traced flow's path against the kernel's route for its 5-tuple, node by
# node from the source host's namespace to the destination's; prints the flows compared
routed() {
	python3 - "$1" "$FP_LAB_STATE/plan" <<'PY'
import json, subprocess, sys
run, plan = sys.argv[1:3]
owner = {}  # address -> (node, interface)
for line in open(plan):
    p = line.split()
    if p and p[0] == "link":
        owner[p[4].split("/")[0]] = (p[2], p[3])
        owner[p[7].split("/")[0]] = (p[5], p[6])
flows = json.load(open(run + "/run.json"))["flows"]
paths = json.load(open(run + "/paths.json"))
assert paths["source"] == "traced", paths.get("source")
ipproto = {"tcp": "tcp", "udp": "udp", "rocev2": "udp"}
n = 0
for f in flows:
    fid = str(f["id"])
    node, iif = owner[f["src_ip"]][0], None
    want = [node]
    while node != owner[f["dst_ip"]][0] and len(want) < 10:
        cmd = ["ip", "netns", "exec", "fpl-" + node, "ip", "-j", "route", "get", f["dst_ip"],
               "from", f["src_ip"]]
        if iif:
            cmd += ["iif", iif]
        cmd += ["ipproto", ipproto[f["proto"]], "sport", str(f["src_port"]),
                "dport", str(f["dst_port"])]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)[0]
        node, iif = owner[r.get("gateway", f["dst_ip"])]
        want.append(node)
    got = paths["flows"].get(fid)
    assert got == want, "flow %s %s %s:%s > %s:%s: traced %s, routed %s" % (
        fid, f["proto"], f["src_ip"], f["src_port"], f["dst_ip"], f["dst_port"], got, want)
    assert paths["sources"][fid] == "traced"
    n += 1
assert n == len(paths["flows"]) and n > 0, (n, len(paths["flows"]))
# flows between leaves spread over both spines: a tracer that hashed otherwise would differ
spines = {p[2] for p in paths["flows"].values() if len(p) == 5}
assert spines == {"spine0", "spine1"}, spines
print(n)
PY
}

for p in alltoall pairs; do
	"$LAB" run -- $p --sizes 4K --iters 5 --warmup 0 --poll event --quiet \
		--output "$TMP/$p" >/dev/null 2>&1 || fail "$p run"
	"$LAB" trace "$TMP/$p" || fail "lab trace $p"
	n=$(routed "$TMP/$p") || fail "$p: a traced path differs from the lab's routing"
	ok "$p: all $n flows traced as the lab routes them"
	$FABPROBE analyze --topology "$T" "$TMP/$p" >/dev/null 2>"$TMP/an.err"
	[ $? -le 1 ] || fail "$p: analyze refuses the traced paths: $(cat "$TMP/an.err")"
done
ok "analyze reads the traced paths"

# RoCE v2 and dpdk flows: the alltoall's flows as UDP to 4791 from a QP's source port (what
# the verbs engine records), and as UDP between their own ports
for proto in rocev2 udp; do
	mkdir "$TMP/$proto"
	python3 - "$TMP/alltoall/run.json" "$TMP/$proto/run.json" "$proto" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["flows"]:
    f["proto"] = sys.argv[3]
    if sys.argv[3] == "rocev2":
        f["src_port"], f["dst_port"], f["qpn"] = 0xC000 | (f["id"] * 7919) & 0x3fff, 4791, 17 + f["id"]
json.dump(r, open(sys.argv[2], "w"))
PY
	"$LAB" trace "$TMP/$proto" || fail "lab trace of $proto flows"
	n=$(routed "$TMP/$proto") || fail "$proto: a traced path differs from the lab's routing"
	ok "$proto: all $n flows (UDP probes) traced as the lab routes them"
done

# one flow by hand in h0's namespace: the destination's port unreachable ends a UDP trace
h0=$(awk '$1=="node" && $2=="h0" {print $6}' "$FP_LAB_STATE/plan")
h7=$(awk '$1=="node" && $2=="h7" {print $6}' "$FP_LAB_STATE/plan")
mkdir "$TMP/one"
printf '{"flows": [{"id": 5, "src": 0, "dst": 1, "proto": "rocev2", "src_ip": "%s", "src_port": 49999, "dst_ip": "%s", "dst_port": 4791}]}\n' \
	"$h0" "$h7" >"$TMP/one/run.json"
"$LAB" exec h0 $FABPROBE trace "$TMP/one" --out "$TMP/one.json" >"$TMP/one.out" 2>&1 ||
	fail "trace of one RoCE flow: $(cat "$TMP/one.out")"
grep -q "^flow 5 rocev2 $h0:49999 > $h7:4791: $h0 " "$TMP/one.out" || fail "$(cat "$TMP/one.out")"
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["hops"]["5"]; assert len(h) == 5 and h[-1] == sys.argv[2], h' \
	"$TMP/one.json" "$h7" || fail "RoCE probe: $(cat "$TMP/one.json")"
ok "a RoCE v2 probe from h0 reaches h7 in 4 hops"

# a silent hop is a failed trace, and nothing is written: drop h0's uplink's ICMP at leaf0
"$LAB" exec leaf0 nft add table ip fpltrace
"$LAB" exec leaf0 nft add chain ip fpltrace out '{ type filter hook output priority 0; }'
"$LAB" exec leaf0 nft add rule ip fpltrace out icmp type time-exceeded drop
"$LAB" exec h0 $FABPROBE trace "$TMP/one" --out "$TMP/none.json" --timeout 100 --tries 2 \
	>"$TMP/none.out" 2>&1
rc=$?
"$LAB" exec leaf0 nft delete table ip fpltrace
[ $rc = 1 ] || fail "a silent hop: exit $rc, not 1: $(cat "$TMP/none.out")"
grep -q "flow 5 .*no answer at TTL 1 after 2 tries" "$TMP/none.out" || fail "$(cat "$TMP/none.out")"
[ ! -e "$TMP/none.json" ] || fail "a failed trace wrote its file"
ok "a silent hop fails the trace, and nothing is written"
