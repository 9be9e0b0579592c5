# fabprobe fabric-counters --switches (issue 23): two switch namespaces joined by a veth,
# snmpd in each on a unix socket; counters planted through snmpd's pass directive. Read
# values equal snmpwalk's; a Counter32 wrap is a small growth; a wrong type is named and
# the rest kept; an unreachable switch and a wrong community are named. SNMPv3 (a user made
# with createUser in sw1's own persistent folder) reads the same counters, and a wrong
# password is named; silent switches are waited for together, --parallel at a time.
for c in snmpd snmpwalk ip; do
	command -v $c >/dev/null || skip "$c not installed (scripts/setup: snmpd snmp)"
done
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
$FABPROBE fabric-counters --topology "$FP_SRCDIR/tests/fixtures/ibnetdiscover.txt" \
	--switches /dev/null 2>&1 | grep -q "built without net-snmp" && skip "built without net-snmp"
export MIBS="" MIBDIRS=""
NS1=fpsnmp1-$$ NS2=fpsnmp2-$$
snmp_cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del $NS1 2>/dev/null
	ip netns del $NS2 2>/dev/null
	cleanup
}
trap snmp_cleanup EXIT
ip netns add $NS1 && ip netns add $NS2 || fail "netns"
for n in $NS1 $NS2; do
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n $n link set lo up
done
ip link add eth1 netns $NS1 type veth peer name eth1 netns $NS2 || fail "veth"
ip -n $NS1 link add eth2 type veth peer name eth3 || fail "veth eth2" # left down
ip -n $NS1 link set eth1 up && ip -n $NS2 link set eth1 up || fail "links up"
IFERR=.1.3.6.1.2.1.2.2.1.14 IFDISC=.1.3.6.1.2.1.2.2.1.13
agent() { # NS NAME EXTRA-CONFIG
	cat >"$TMP/$2.conf" <<CONF
agentAddress unix:$TMP/$2.sock
com2secunix local $TMP/$2.sock public
group g v2c local
view all included .1
access g "" any noauth exact all none none
$3
CONF
	# its persistent state (written at exit, SNMPv3 users among it) in this test's folder,
	# not /var/lib/snmp
	mkdir -p "$TMP/$2.persist"
	ip netns exec $1 env SNMP_PERSISTENT_DIR="$TMP/$2.persist" \
		snmpd -f -Lf "$TMP/$2.log" -C -c "$TMP/$2.conf" &
	PIDS+=($!)
}
idx1=$(ip netns exec $NS1 cat /sys/class/net/eth1/ifindex)
idx2=$(ip netns exec $NS1 cat /sys/class/net/eth2/ifindex)
printf '%s 4294967290\n%s 3\n' $idx1 $idx2 >"$TMP/sw1.errors"
printf '1 0 string\n' >"$TMP/sw2.disc"
agent $NS1 sw1 "pass $IFERR /bin/sh $HERE/snmp_pass.sh $IFERR $TMP/sw1.errors
createUser fpv3 SHA fp-auth-pass AES fp-priv-pass
rouser fpv3 priv .1"
agent $NS2 sw2 "pass $IFDISC /bin/sh $HERE/snmp_pass.sh $IFDISC $TMP/sw2.disc"
for i in $(seq 50); do [ -S "$TMP/sw1.sock" ] && [ -S "$TMP/sw2.sock" ] && break; sleep 0.1; done
sleep 1 # the veth's carrier, before snmpd caches its interface table
cat >"$TMP/t.yaml" <<YAML
fabprobe_topology: 1
name: snmp-lab
nodes:
  - {name: sw1, kind: switch, tier: 1}
  - {name: sw2, kind: switch, tier: 1}
  - {name: sw3, kind: switch, tier: 1}
  - {name: h1, kind: host, tier: 0}
links:
  - {a: "sw1:eth1", b: "sw2:eth1", gbps: 10, lanes: 1, media: dac}
  - {a: "h1:p0", b: "sw1:eth2", gbps: 10, lanes: 1, media: dac}
  - {a: "h1:p1", b: "sw1:eth9", gbps: 10, lanes: 1, media: dac}
  - {a: "sw3:eth1", b: "sw2:eth5", gbps: 10, lanes: 1, media: dac}
YAML
cat >"$TMP/sw.txt" <<SW
# the lab's switches
sw1 unix:$TMP/sw1.sock v2c community=public
sw2 unix:$TMP/sw2.sock v2c community=public
sw3 unix:$TMP/gone.sock v2c community=public
SW
# each pass answer forks a shell: a generous timeout, so a loaded machine is not "no answer"
$FABPROBE fabric-counters --topology "$TMP/t.yaml" --switches "$TMP/sw.txt" --timeout-ms 3000 \
	--retries 0 --format json --watch 2s --count 2 >"$TMP/a.json" 2>"$TMP/a.err" &
fc=$!
# the first snapshot is flushed whole before the wait: plant after it
for i in $(seq 200); do grep -q time_ms "$TMP/a.json" && break; sleep 0.05; done
printf '%s 5\n%s 3\n' $idx1 $idx2 >"$TMP/sw1.errors.new"
mv "$TMP/sw1.errors.new" "$TMP/sw1.errors" # the 32-bit counter wraps
wait $fc || { cat "$TMP/a.err"; fail "fabric-counters --switches"; }
[ -s "$TMP/a.err" ] && { cat "$TMP/a.err"; fail "stderr is quiet when the switches answer"; }
python3 - "$TMP/a.json" "$TMP/sw1.sock" $idx1 <<'PY' || { cat "$TMP/a.json" "$TMP/sw2.log" >&2; fail "SNMP counters"; }
import json, subprocess, sys
d = json.load(open(sys.argv[1]))
s0, s1 = d["snapshots"]
e = {(x["node"], x["port"]): x for x in s1["ends"]}
a = e[("sw1", "eth1")]
assert a["status"] == "ok" and a["ifindex"] == int(sys.argv[3]), a
assert a["counters"]["ifInErrors"] == 5 and a["delta"]["ifInErrors"] == 11, a  # wrapped
walk = subprocess.run(["snmpwalk", "-v2c", "-c", "public", "-On", "-Oq", "unix:" + sys.argv[2],
                       ".1.3.6.1.2.1.31.1.1.1.6"], capture_output=True, text=True).stdout
got = {l.split()[0].rsplit(".", 1)[1]: int(l.split()[1]) for l in walk.splitlines()}
assert got[sys.argv[3]] == a["counters"]["ifHCInOctets"], (got, a)
assert e[("sw1", "eth2")]["counters"]["ifInErrors"] == 3
assert e[("sw1", "eth2")]["status"] == "down", e[("sw1", "eth2")]          # left down
assert e[("sw1", "eth9")]["status"] == "no such port"
b = {(x["node"], x["port"]): x for x in s0["ends"]}[("sw2", "eth1")]
assert b["status"] in ("bad answer", "down") and "ifInDiscards.1 is OCTET STRING, expected Counter32" in b["why"], b
assert "ifHCOutOctets" in b["counters"] and "ifInDiscards" not in b["counters"], b
c = e[("sw3", "eth1")]
assert c["status"] == "no answer" and "sw3" in c["why"], c
PY
ok "SNMP: counters equal snmpwalk's, a Counter32 wrap grows by 11, down and missing ports named"
ok "SNMP: a wrong type named with the rest of the switch kept; an unreachable switch named"
# a bad credential for sw1: named as PATTERN, not fatal, and sw2 still read
bad_credential() { # SWITCHES PATTERN WHAT
	$FABPROBE fabric-counters --topology "$TMP/t.yaml" --switches "$1" --timeout-ms 1500 \
		--retries 0 >"$TMP/cred.txt" 2>&1 || fail "$3 is not fatal"
	grep -q "^sw1:eth1 .*$2" "$TMP/cred.txt" || { cat "$TMP/cred.txt"; fail "$3"; }
	grep -q "^sw2:eth1 .*ifHCInOctets=" "$TMP/cred.txt" || fail "the other switch is still read ($3)"
}
sed -i 's/^sw1 \(.*\)community=public/sw1 \1community=wrong/' "$TMP/sw.txt"
bad_credential "$TMP/sw.txt" "no answer .*wrong community" "a wrong community"
ok "SNMP: a wrong community is named, the other switches still read"
printf 'sw1 unix:/x v2c\n' >"$TMP/bad.txt"
$FABPROBE fabric-counters --topology "$TMP/t.yaml" --switches "$TMP/bad.txt" 2>"$TMP/e" >"$TMP/o"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && grep -q "bad.txt:1:" "$TMP/e" && [ ! -s "$TMP/o" ] ||
	fail "a bad switches file: rc $rc, $(cat "$TMP/e")"
ok "a bad --switches line: one line naming it, exit 2, no output"
V3="sw1 unix:$TMP/sw1.sock v3 user=fpv3 auth=SHA:fp-auth-pass priv=AES:fp-priv-pass"
printf '%s\nsw2 unix:%s v2c community=public\n' "$V3" "$TMP/sw2.sock" >"$TMP/v3.txt"
$FABPROBE fabric-counters --topology "$TMP/t.yaml" --switches "$TMP/v3.txt" --timeout-ms 3000 \
	--retries 0 --format json >"$TMP/v3.json" 2>"$TMP/v3.err" || { cat "$TMP/v3.err"; fail "SNMPv3"; }
python3 - "$TMP/v3.json" "$TMP/sw1.sock" $idx1 <<'PY' || { cat "$TMP/v3.json" "$TMP/sw1.log" >&2; fail "SNMPv3 counters"; }
import json, subprocess, sys
e = {(x["node"], x["port"]): x for x in json.load(open(sys.argv[1]))["snapshots"][0]["ends"]}
a = e[("sw1", "eth1")]
assert a["status"] == "ok" and a["counters"]["ifInErrors"] == 5, a
walk = subprocess.run(["snmpwalk", "-v3", "-l", "authPriv", "-u", "fpv3", "-a", "SHA", "-A",
                       "fp-auth-pass", "-x", "AES", "-X", "fp-priv-pass", "-On", "-Oq",
                       "unix:" + sys.argv[2], ".1.3.6.1.2.1.2.2.1.10"],
                      capture_output=True, text=True).stdout
got = {l.split()[0].rsplit(".", 1)[1]: int(l.split()[1]) for l in walk.splitlines()}
assert got and int(sys.argv[3]) == a["ifindex"] and str(a["ifindex"]) in got, (walk, a)
PY
ok "SNMPv3 authPriv: a createUser user reads sw1's counters, as snmpwalk -v3 does"
sed -i 's/fp-auth-pass/wrong-password/' "$TMP/v3.txt"
bad_credential "$TMP/v3.txt" "refused .*sw1.*Authentication failure.*password" \
	"a wrong SNMPv3 password"
ok "SNMPv3: a wrong password is named, the other switches still read"
# around a run: rank 0 reads the switches before and after, run.json holds the differences
printf 'sw1 unix:%s v2c community=public\nsw2 unix:%s v2c community=public\n' \
	"$TMP/sw1.sock" "$TMP/sw2.sock" >"$TMP/run.txt"
$FABPROBE run pairs --np 2 --sizes 1K --iters 5 --rendezvous 127.0.0.1:$(free_port) --quiet \
	--fabric-counters "$TMP/t.yaml,$TMP/run.txt" --output "$TMP/run" >/dev/null 2>"$TMP/run.err" ||
	{ cat "$TMP/run.err"; fail "run --fabric-counters TOPOLOGY,SWITCHES"; }
python3 - "$TMP/run/run.json" <<'PY' || fail "run.json fabric_counters over SNMP"
import json, sys
f = json.load(open(sys.argv[1]))["fabric_counters"]
assert f["source"] == "snmp" and f["seconds"] > 0, f
e = {(x["node"], x["port"]): x for x in f["ends"]}
a = e[("sw1", "eth1")]
assert a["status"] == "ok" and a["deltas"]["ifInErrors"] == 0 and "ifHCOutOctets" in a["deltas"], a
assert e[("sw1", "eth2")]["status"] == "down" and e[("sw1", "eth9")]["status"] == "no such port"
assert ("sw3", "eth1") not in e and len(e) == 5, sorted(e)  # sw3 is not in the file
PY
ok "run --fabric-counters TOPOLOGY,SWITCHES: run.json holds each switch port's SNMP differences"
# silent switches: unix sockets (net-snmp's are streams) that log each request, never answer
python3 - "$TMP" <<'PY' &
import select, socket, sys, time
ls = []
for i in range(3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("%s/silent%d.sock" % (sys.argv[1], i))
    s.listen(8)
    ls.append(s)
conn = {}
log = open(sys.argv[1] + "/silent.log", "a", buffering=1)
while True:
    for s in select.select(ls + list(conn), [], [])[0]:
        if s in ls:
            conn[s.accept()[0]] = ls.index(s)
        elif s.recv(65536):
            log.write("%d %.3f\n" % (conn[s], time.monotonic()))
        else:
            del conn[s]
PY
PIDS+=($!)
for i in $(seq 50); do [ -S "$TMP/silent2.sock" ] && break; sleep 0.1; done
for i in 0 1 2; do
	printf 'q%s unix:%s/silent%s.sock v2c community=public\n' $i "$TMP" $i
done >"$TMP/q.txt"
printf 'sw2 unix:%s v2c community=public\n' "$TMP/sw2.sock" >>"$TMP/q.txt"
sed 's/sw3:eth1/q0:e1/' "$TMP/t.yaml" >"$TMP/q.yaml"
printf '  - {a: "q1:e1", b: "q2:e1", gbps: 10}\n' >>"$TMP/q.yaml"
sed -i 's/  - {name: sw3, kind: switch, tier: 1}/  - {name: q0, kind: switch, tier: 1}\n  - {name: q1, kind: switch, tier: 1}\n  - {name: q2, kind: switch, tier: 1}/' "$TMP/q.yaml"
silent() { # PARALLEL: first requests to the three silent switches, earliest to latest (s)
	: >"$TMP/silent.log"
	$FABPROBE fabric-counters --topology "$TMP/q.yaml" --switches "$TMP/q.txt" --parallel $1 \
		--timeout-ms 1000 --retries 0 >"$TMP/q.out" 2>&1 || fail "silent switches are not fatal"
	for q in q0 q1 q2; do
		grep -q "^$q:e1 .*no answer .*$q" "$TMP/q.out" || { cat "$TMP/q.out"; fail "$q named"; }
	done
	grep -q "^sw2:eth1 .*ifHCInOctets=" "$TMP/q.out" || fail "sw2 read beside silent switches"
	python3 -c "
t = {}
for l in open('$TMP/silent.log'):
    i, s = l.split(); t.setdefault(i, float(s))
assert len(t) == 3, t
print(max(t.values()) - min(t.values()))"
}
spread=$(silent 4) || fail "silent switches, --parallel 4"
# one after another they are >= 2 s apart (two 1 s timeouts); together, anything clearly
# less: 1.5 s leaves a loaded machine room (0.9 s was a speed bound) and still tells them apart
python3 -c "assert $spread < 1.5, $spread" || fail "--parallel 4: the silent switches were not asked together ($spread s apart)"
spread=$(silent 1) || fail "silent switches, --parallel 1"
python3 -c "assert $spread >= 1.9, $spread" || fail "--parallel 1: a silent switch was asked before the last one timed out ($spread s)"
ok "--parallel 4 asks silent switches together, --parallel 1 one after another; each named, sw2 read"
