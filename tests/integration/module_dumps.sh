# Module dumps as people paste them (issue 16): one CMIS image written byte by byte from the
# spec (tests/fixtures/eeprom/gen.py: dr8.bin, vendor, part, serial, temperature and eight
# lanes of powers) printed by the REAL hexdump, xxd and od here, each decoded by
# `fabprobe inventory --eeprom-file` to the same JSON, byte for byte, as the raw image.
F=$FP_SRCDIR/tests/fixtures/eeprom
for t in hexdump xxd od; do
	command -v $t >/dev/null || skip "$t is not installed (scripts/setup: bsdextrautils, xxd, coreutils)"
done
mkdir -p "$TMP/root/sys/class/net" # no ports: the module is the only thing in the JSON
inv() { $FABPROBE inventory --sysfs-root "$TMP/root" --format json --eeprom-file "$@"; }
inv "$F/dr8.bin" >"$TMP/raw.json" || fail "the raw image"
python3 - "$TMP/raw.json" <<'PY' || fail "the raw image decodes to what gen.py wrote"
import json, sys
m = json.load(open(sys.argv[1]))["ports"][0]["module"]
assert (m["vendor"], m["pn"], m["sn"]) == ("NVIDIA", "MMS4X00-NS", "MT2338FT01234"), m
assert m["temperature_c"]["value"] == 45.25 and m["lanes"] == 8, m
rx = [l["rx_power_mw"]["value"] for l in m["lanes_dom"]]
assert rx == [1.1, 1.0, 0.95, 1.05, 0.9, 1.2, 0.12, 1.0], rx
assert [l["tx_power_mw"]["value"] for l in m["lanes_dom"]] == [1.2] * 8
PY
n=0
while read -r cmd; do
	$cmd "$F/dr8.bin" >"$TMP/dump.txt" || fail "$cmd"
	inv "$TMP/dump.txt" >"$TMP/dump.json" || { head -3 "$TMP/dump.txt"; fail "$cmd: not decoded"; }
	cmp -s "$TMP/raw.json" "$TMP/dump.json" || { diff "$TMP/raw.json" "$TMP/dump.json" | head; fail "$cmd: decoded differently"; }
	n=$((n + 1))
done <<'CMDS'
hexdump -C
xxd
xxd -g1
xxd -c 32
xxd -g1 -c 20
xxd -g 4 -c 12
xxd -a
od -A x -t x1z
od -A x -t x1
od -A x -t x1z -w20
CMDS
cmp -s "$TMP/raw.json" <(inv "$F/dr8.hex") || fail "ethtool hex text decoded differently"
ok "$n dumps by the real hexdump, xxd and od (and ethtool's hex text) decode as the raw image"

# a paste gone wrong is one line on stderr and exit 2, naming the form and the line
bad() { # bad NAME WANT: the dump in $TMP/bad.txt is refused with WANT in the message
	inv "$TMP/bad.txt" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc -eq 2 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
		grep -q "$2" "$TMP/err" || { cat "$TMP/err"; fail "$1: rc $rc"; }
	echo "  $1: $(cat "$TMP/err")"
}
hexdump -C "$F/dr8.bin" | sed '2s/ f4 / f /' >"$TMP/bad.txt"
bad "odd digits" "hexdump -C dump line 2: 'f 00 00 ' is not a byte"
xxd "$F/dr8.bin" | sed '4{h;d};5G' >"$TMP/bad.txt"
bad "offsets out of order" "xxd dump line 4: offset 0x40 out of order (0x30 expected)"
od -A x -t x1z "$F/dr8.bin" | sed '2s/ 00 00 00  *>.*//' >"$TMP/bad.txt"
bad "truncated line" "od -A x dump line 2: truncated line"
hexdump -C "$F/dr8.bin" | sed "/^000002a0 /q" >"$TMP/bad.txt"
bad "truncated dump" "no final offset line"
xxd -e "$F/dr8.bin" >"$TMP/bad.txt"
bad "xxd -e (little-endian groups)" "xxd dump line 1: byte 2 is 0x00 but the ASCII column shows 'P'"
hexdump "$F/dr8.bin" >"$TMP/bad.txt"
bad "hexdump without -C (16-bit words)" "'5019' is a 16-bit word"
head -c 8192 /dev/zero | xxd >"$TMP/bad.txt"
bad "too large" "the dump is over 4096 bytes"
ok "malformed dumps: one line on stderr, exit 2, nothing on stdout"
