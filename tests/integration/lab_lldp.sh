# LLDP as lldpd really writes it (issue 16): the lab's fabric with its netdevs named after
# their ports in the topology (as a switch names its ports), one real lldpd in every host,
# leaf and spine namespace, `lldpcli -f json show neighbors details` and `show chassis`
# collected from each, imported with `fabprobe topo import`, and the result must be the
# lab's own topology: the same nodes (name, kind, tier) and the same links between the same
# ports, exactly. The files are named n0..n13, so every name comes from lldpd itself. Then
# the same from -f json0.
[ "$(id -u)" = 0 ] || skip "the lab needs root for network namespaces"
command -v lldpd >/dev/null && command -v lldpcli >/dev/null ||
	skip "lldpd is not installed (Debian package lldpd)"
ip netns add fpl-probe 2>/dev/null || skip "network namespaces are not available here"
ip netns del fpl-probe
LAB="$FP_SRCDIR/scripts/lab/lab"
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
export FABPROBE FP_LAB_QUIET=1 FP_LAB_STATE=$TMP/labstate
LLDPD=()
stop_lldpd() { # every lldpd this test started, by PID; SIGKILL after 5 s
	local p i
	for p in "${LLDPD[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${LLDPD[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	LLDPD=()
}
trap 'stop_lldpd; "$LAB" down >/dev/null 2>&1; cleanup' EXIT
cd "$TMP"
"$LAB" up "$T" || fail "lab up"
plan=$FP_LAB_STATE/plan

# every fabric netdev takes its topology port's name; a node's lldpd listens on those only
# (not on the hosts' management veth, which shares one bridge)
declare -A ports
while read -r kind i a ifa ipa b ifb ipb kbit media pa pb state; do
	[ "$kind" = link ] || continue
	for end in "$a $ifa $pa" "$b $ifb $pb"; do
		set -- $end
		ip -n "fpl-$1" link set dev "$2" down &&
			ip -n "fpl-$1" link set dev "$2" name "$3" &&
			ip -n "fpl-$1" link set dev "$3" up || fail "rename $1:$2 to $3"
		ports[$1]=${ports[$1]:+${ports[$1]},}$3
	done
done <"$plan"
mapfile -t nodes < <(awk '$1=="node" {print $2}' "$plan")

# one lldpd a node: its own host name (UTS namespace), its own /run (a folder of ours bound
# there, for its pid file and privilege-separation chroot) and its own control socket
# lldpcli is set-user-id _lldpd: the folders up to the sockets must let it through
mkdir -p "$TMP/lldp" "$TMP/json" "$TMP/json0"
chmod 711 "$TMP" "$TMP/lldp"
start_lldpd() { # NODE: start its lldpd, wait until it has resumed, then set tx-interval 1
	local n=$1 d=$TMP/lldp/$1 i
	mkdir -p "$d/run"
	chmod 711 "$d"
	rm -f "$d/ctl"
	ip netns exec "fpl-$n" unshare -m -u sh -c \
		'mount --bind "$1" /run && mkdir -p /run/lldpd && hostname "$2" &&
		 exec lldpd -d -u "$3" -I "$4"' sh "$d/run" "$n" "$d/ctl" "${ports[$n]}" >"$d/log" 2>&1 &
	LLDPD+=($!)
	echo $! >"$d/lldpd.pid"
	# lldpd starts paused and configures itself with its own lldpcli, which ends by resuming it;
	# configure only after that, never racing it
	for i in $(seq 100); do [ -S "$d/ctl" ] && grep -q 'resume operations' "$d/log" && break; sleep 0.1; done
	[ -S "$d/ctl" ] || { cat "$d/log"; fail "$n: lldpd made no control socket in 10 s"; }
	lldpcli -u "$d/ctl" configure lldp tx-interval 1 >/dev/null || fail "$n: lldpcli configure"
}
txsum() { # NODE: LLDPDUs its lldpd has sent on all ports
	lldpcli -u "$TMP/lldp/$1/ctl" -f keyvalue show statistics 2>/dev/null |
		awk -F= '/\.tx\.tx=/ {s += $2} END {print s + 0}'
}
declare -A restarted=()
for n in "${nodes[@]}"; do start_lldpd "$n"; done

# bounded wait: every node sees one neighbour on each of its ports. A frame sent before the
# peer's lldpd listened is lost until the next one; every 5 s without all neighbours, every
# lldpd is told to send now (lldpcli update), so a loaded machine waits for frames, not timers.
t0=$(date +%s)
lacking() { # the node's ports without a neighbour, comma-separated
	local have p out=
	have=$(lldpcli -u "$TMP/lldp/$1/ctl" -f keyvalue show neighbors | sed -n 's/^lldp\.\([^.]*\)\.via=.*/\1/p')
	for p in $(tr , ' ' <<<"${ports[$1]}"); do
		grep -qx -- "$p" <<<"$have" || out=${out:+$out,}$p
	done
	echo "$out"
}
while :; do
	missing=0 report=
	for n in "${nodes[@]}"; do
		l=$(lacking "$n")
		[ -z "$l" ] && continue
		missing=$((missing + $(tr , '\n' <<<"$l" | wc -l)))
		report="$report $n:$l"
	done
	[ $missing = 0 ] && break
	el=$(($(date +%s) - t0))
	[ $el -lt 60 ] || break
	if [ $((el / 5)) -gt "${nudged:-0}" ]; then
		nudged=$((el / 5))
		for n in "${nodes[@]}"; do
			# an lldpd that stopped sending (seen here: one LLDPDU on some ports, then
			# nothing, on a loaded machine) is restarted once; the import is what is tested
			tx=$(txsum "$n")
			if [ "$el" -ge 10 ] && [ "$tx" -lt 5 ] && [ -z "${restarted[$n]:-}" ]; then
				echo "# $n: lldpd sent $tx LLDPDUs in $el s; restarting it" >&2
				restarted[$n]=1
				p=$(cat "$TMP/lldp/$n/lldpd.pid")
				kill "$p" 2>/dev/null
				for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
				kill -9 "$p" 2>/dev/null
				wait "$p" 2>/dev/null
				start_lldpd "$n"
			fi
			lldpcli -u "$TMP/lldp/$n/ctl" update >/dev/null 2>&1
		done
	fi
	sleep 0.5
done
if [ $missing != 0 ]; then
	for n in "${nodes[@]}"; do
		kill -0 "$(cat "$TMP/lldp/$n/lldpd.pid")" 2>/dev/null || echo "# $n: lldpd is not running" >&2
		sed "s/^/# $n: /" "$TMP/lldp/$n/log" | tail -5 >&2
		lldpcli -u "$TMP/lldp/$n/ctl" -f keyvalue show interfaces 2>&1 | grep -E 'chassis.(mac|name)|\.port\.(ifname|mac)' | sed "s/^/# $n: /" >&2
		lldpcli -u "$TMP/lldp/$n/ctl" -f keyvalue show statistics 2>&1 | grep -E '\.(tx|rx)=' | sed "s/^/# $n: /" >&2
		ip -n "fpl-$n" -s -o link 2>&1 | sed 's/link\/ether[^\]*//; s/ \ */ /g' | tr -s ' ' | sed "s/^/# $n: /" >&2
	done
	fail "after 60 s, $missing ports still see no LLDP neighbour:$report"
fi
ok "${#nodes[@]} lldpd see every neighbour ($(($(date +%s) - t0)) s; ${#restarted[@]} restarted after sending nothing)"

k=0
for n in "${nodes[@]}"; do
	s=$TMP/lldp/$n/ctl
	for f in json json0; do
		lldpcli -u "$s" -f $f show neighbors details >"$TMP/$f/n$k.json" &&
			lldpcli -u "$s" -f $f show chassis >"$TMP/$f/n$k.chassis.json" || fail "$n: lldpcli -f $f"
	done
	k=$((k + 1))
done
stop_lldpd
# FP_KEEP=DIR keeps what lldpcli wrote (the unit test's leaf0 fixtures came from here)
[ -n "${FP_KEEP:-}" ] && cp -r "$TMP/json" "$TMP/json0" "$FP_KEEP"/
for n in "${nodes[@]}"; do
	[ -z "$(ip netns pids "fpl-$n")" ] || fail "$n: processes left after lldpd was stopped"
done
ok "collected show neighbors details and show chassis (json, json0); every lldpd stopped"

for f in json json0; do
	$FABPROBE topo import "$TMP/$f"/n*.json --output "$TMP/$f.yaml" || fail "import -f $f"
	python3 - "$T" "$TMP/$f.yaml" <<'PY' || fail "-f $f: the import is not the lab's topology"
import sys, yaml
want, got = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
def nodes(t):
    return sorted((n["name"], n["kind"], n.get("tier")) for n in t["nodes"])
def links(t):
    return sorted(tuple(sorted((l["a"], l["b"]))) for l in t["links"])
for what, f in (("nodes", nodes), ("links", links)):
    w, g = f(want), f(got)
    if w != g:
        print("%s differ:\n  only in the lab: %s\n  only imported: %s" % (
            what, sorted(set(w) - set(g)), sorted(set(g) - set(w))))
        sys.exit(1)
print("%d nodes, %d links, every port as the lab names it" % (len(nodes(got)), len(links(got))))
PY
	ok "lldpcli -f $f: the import equals the lab's topology"
done
