# CLI consistency (issue 21): help for every command, both ways, with descriptions; --output
# everywhere; errors that name the real cause and show the accepted form.
cmds=$($FABPROBE help | awk '/^commands:/ {on = 1; next} on && NF {print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 10 ] || fail "fabprobe help lists the commands: $cmds"
for c in $cmds; do
	$FABPROBE help "$c" >"$TMP/a" 2>&1 || fail "help $c exits $?"
	$FABPROBE "$c" --help >"$TMP/b" 2>&1 || fail "$c --help exits $?"
	cmp -s "$TMP/a" "$TMP/b" || fail "help $c and $c --help differ"
	head -1 "$TMP/a" | grep -q "^usage: fabprobe $c" || fail "help $c: $(head -1 "$TMP/a")"
	# a description: a line of prose besides the usage and the option lines
	grep -vE '^(usage:| |$|options:)' "$TMP/a" | grep -q '[a-z] [a-z]' || fail "help $c has no description"
	# every option line says what the option does
	bare=$(grep -E '^  --?[a-z]' "$TMP/a" | awk 'NF < 3' | head -1)
	[ -z "$bare" ] || fail "help $c: an option without a description: $bare"
done
ok "help CMD and CMD --help agree for: $(echo $cmds)"
$FABPROBE help nosuch >/dev/null 2>"$TMP/err"; [ $? -eq 2 ] && grep -q "unknown command 'nosuch'" "$TMP/err" || fail "help nosuch"
$FABPROBE engines extra >/dev/null 2>"$TMP/err"; [ $? -eq 2 ] && grep -q "usage: fabprobe engines" "$TMP/err" || fail "engines extra"
ok "help of an unknown command, and engines with an argument: exit 2 with the accepted form"

# the real cause, and the accepted form
$FABPROBE run stream --np 2 --sizes 1M:1K:x2 >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "goes down" "$TMP/err" && grep -q "1:1M:x2" "$TMP/err" && ! grep -q "1 B to 1G" "$TMP/err" ||
	{ cat "$TMP/err"; fail "--sizes 1M:1K:x2 names the reversed range"; }
$FABPROBE run stream --np 2 --sizes 4K:x >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "LO:HI:xFACTOR" "$TMP/err" || { cat "$TMP/err"; fail "--sizes 4K:x shows the accepted form"; }
$FABPROBE run stream --np 3 >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "2 or more ranks, an even number, got 3 (e.g. --np 4)" "$TMP/err" && ! grep -q "of, " "$TMP/err" ||
	{ cat "$TMP/err"; fail "odd rank count"; }
ok "errors name the real cause: $(head -1 "$TMP/err")"

# --output everywhere: every command that writes a file or folder takes it
for c in run sim topo report; do
	$FABPROBE "$c" --help | grep -q -- "--output" || fail "$c has no --output"
done
$FABPROBE report --help | grep -q -- "--out is an alias" || fail "report --out alias"
ok "--output in run, sim, topo and report (report --out kept as an alias)"

# inventory text: ports sorted (eth2 before eth10), unknowns as "-", one line per virtual port,
# a missing file named once
for n in eth10 veth3 eth2 ib0 dummy0 eth1 eth0; do
	mkdir -p "$TMP/sys/sys/class/net/$n/statistics"
	echo down >"$TMP/sys/sys/class/net/$n/operstate"
	echo 0 >"$TMP/sys/sys/class/net/$n/statistics/rx_errors"
done
$FABPROBE inventory --sysfs-root "$TMP/sys" >"$TMP/inv" || fail "inventory of a fixture"
[ "$(awk 'NR > 1 && NF == 7 {printf "%s ", $1}' "$TMP/inv")" = "dummy0 eth0 eth1 eth2 eth10 ib0 veth3 " ] ||
	{ cat "$TMP/inv"; fail "inventory ports are not sorted"; }
awk 'NR > 1 && NF == 7 && $6 != "-" {bad = 1} END {exit bad}' "$TMP/inv" || { cat "$TMP/inv"; fail "an unknown NUMA node is not '-'"; }
$FABPROBE inventory --sysfs-root "$TMP/sys" --format json | python3 -c '
import json, sys
assert [p["name"] for p in json.load(sys.stdin)["ports"]] == ["dummy0", "eth0", "eth1", "eth2", "eth10", "ib0", "veth3"]' ||
	fail "inventory JSON ports are not sorted"
$FABPROBE inventory >"$TMP/live" || fail "live inventory"
grep -q "not supported" "$TMP/live" && { cat "$TMP/live"; fail "a virtual port repeats 'not supported'"; }
$FABPROBE inventory --eeprom-file "$TMP/nosuch.bin" 2>"$TMP/err"
[ $? -eq 2 ] && [ "$(grep -o "$TMP/nosuch.bin" "$TMP/err" | wc -l)" = 1 ] || { cat "$TMP/err"; fail "the missing file is named once"; }
ok "inventory: sorted, '-' for unknown, virtual ports on one line, a missing file named once"
