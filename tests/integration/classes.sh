# Latency under load (issue 24) on loopback: `run --class` runs a latency class alone, then
# with a bulk class over the same ranks, and joins them in classes.json (its schema checked);
# bad class specs are refused with one line and exit 2 before any rank starts.
SCHEMA="$FP_SRCDIR/tests/schema/run_schema.py"
"$FABPROBE" run --np 4 --poll event --duration 400ms --report-interval 100ms \
	--class lat:pingpong:64:tclass=46 --class bulk:alltoall:16K:pace-mbit=200 \
	--output "$TMP/c" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "run --class"; }
for d in idle-lat lat bulk; do
	[ -f "$TMP/c/$d/run.json" ] && [ -f "$TMP/c/$d/intervals.csv" ] || fail "no $d run"
done
[ ! -e "$TMP/c/idle-bulk" ] || fail "a bulk class ran in the idle phase"
grep -q "^lat  *latency  p99 idle" "$TMP/out" && grep -q "^bulk  *bulk" "$TMP/out" ||
	fail "no summary line per class: $(cat "$TMP/out")"
python3 "$SCHEMA" "$TMP/c" || fail "classes.json or a class run does not match results/README.md"
python3 - "$TMP/c" <<'PY' || fail "classes.json"
import json, sys
top = sys.argv[1]
d = json.load(open(top + "/classes.json"))
assert d["status"] == "complete" and d["world_size"] == 4, d
lat, bulk = d["classes"]
assert (lat["name"], lat["kind"], lat["dscp"], lat["size"]) == ("lat", "latency", 46, 64), lat
assert (bulk["kind"], bulk["dscp"], "idle" in bulk) == ("bulk", None, False), bulk
# the loaded p99 and ratio are what the class runs measured, pair by pair
runs = {ph: json.load(open("%s/%s/run.json" % (top, lat[ph]["dir"]))) for ph in ("idle", "loaded")}
p99 = {ph: runs[ph]["results"][0]["latency"]["p99_us"] for ph in runs}
assert abs(lat["loaded"]["p99_us"] - p99["loaded"]) < 1e-3 * p99["loaded"], (lat, p99)
assert abs(lat["p99_ratio"] - p99["loaded"] / p99["idle"]) < 1e-3 * lat["p99_ratio"]
pairs = sorted((b["src"], b["dst"]) for b in lat["bloat"])
assert pairs == [(0, 1), (2, 3)], pairs
for b in lat["bloat"]:
    f = {ph: [x for x in runs[ph]["results"][0]["flows"] if x["src"] == b["src"]][0] for ph in runs}
    want = f["loaded"]["latency"]["p99_us"] - f["idle"]["latency"]["p99_us"]
    assert abs(b["bloat_p99_us"] - want) < 1e-6 * max(1, abs(want)), (b, want)
# every class of the loaded phase ran the same engine, 4 ranks, at its own size
assert runs["loaded"]["world_size"] == 4
assert json.load(open(top + "/bulk/run.json"))["pattern"] == "alltoall"
m = open(top + "/bloat_lat.csv").read().splitlines()
assert m[0] == "rank,0,1,2,3" and len(m) == 5, m
PY
ok "a latency and a bulk class: idle and loaded runs, classes.json, the bloat matrix"
# bad input: one line on stderr, exit 2, no folder
bad() { # WHAT ARGS...: refused
	local what=$1
	shift
	"$FABPROBE" run --np 2 "$@" --output "$TMP/bad" >/dev/null 2>"$TMP/e"
	[ $? = 2 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && grep -q "$what" "$TMP/e" && [ ! -e "$TMP/bad" ] ||
		fail "$* : $(cat "$TMP/e")"
}
bad "NAME:PATTERN:SIZE" --duration 1s --class lat:pingpong
bad "unknown pattern" --duration 1s --class lat:nope:64
bad "'idle-' is kept" --duration 1s --class idle-a:pingpong:64
bad "DSCP 0..63" --duration 1s --class lat:pingpong:64:tclass=99
bad "set for the whole run" --duration 1s --class lat:pingpong:64:np=8
bad "needs --duration" --class lat:pingpong:64
bad "two classes are named" --duration 1s --class a:pingpong:64 --class a:stream:1M
bad "give no PATTERN" stream --duration 1s --class a:pingpong:64
bad "cannot mark" --engine null --duration 1s --class a:pingpong:64:tclass=46
bad "at most 8 classes" --duration 1s $(for i in 1 2 3 4 5 6 7 8 9; do echo --class c$i:pingpong:8; done)
bad "unknown option\|no-such" --duration 1s --class a:pingpong:64:no-such=1
mkdir "$TMP/bad2"
"$FABPROBE" run --np 2 --duration 1s --class a:pingpong:64 --output "$TMP/bad2" 2>"$TMP/e"
[ $? = 2 ] && grep -q "never overwritten" "$TMP/e" || fail "an existing folder: $(cat "$TMP/e")"
ok "bad class specs and options refused with one line, exit 2"
# the report: a CDF idle/loaded and a time plot per latency class; a hostile class name refused
if command -v gnuplot >/dev/null; then
	"$FABPROBE" report "$TMP/c" --out "$TMP/rep" >/dev/null 2>"$TMP/e" || fail "report: $(cat "$TMP/e")"
	for alt in "lat: one-way latency CDF, idle and loaded" "lat: p50 and p99 per interval"; do
		grep -q "alt=\"$alt" "$TMP/rep/report.html" || fail "report: no '$alt'"
	done
	cp -r "$TMP/c" "$TMP/h"
	sed -i 's|"name": "lat"|"name": "../../x<b>"|' "$TMP/h/classes.json"
	"$FABPROBE" report "$TMP/h" --out "$TMP/rep2" >/dev/null 2>"$TMP/e"
	[ $? = 2 ] && grep -q "is not a class name" "$TMP/e" || fail "hostile class name: $(cat "$TMP/e")"
	sed 's|"name": "lat"|"name": "idle-lat"|' "$TMP/c/classes.json" >"$TMP/h/classes.json"
	"$FABPROBE" report "$TMP/h" --out "$TMP/rep4" >/dev/null 2>"$TMP/e"
	[ $? = 2 ] && grep -q "is not a class name" "$TMP/e" || fail "class named idle-X: $(cat "$TMP/e")"
	ok "report: latency CDF idle/loaded and latency against bulk rate over time; bad names refused"
	# a latency class alone: no bulk series in the time plot, which must still draw
	"$FABPROBE" run --np 2 --poll event --duration 300ms --report-interval 100ms \
		--class lat:pingpong:64 --output "$TMP/lo" >/dev/null 2>"$TMP/e" || fail "latency-only run: $(cat "$TMP/e")"
	"$FABPROBE" report "$TMP/lo" --out "$TMP/rep3" >/dev/null 2>"$TMP/e" || fail "latency-only report: $(cat "$TMP/e")"
	grep -q 'alt="lat: p50 and p99 per interval' "$TMP/rep3/report.html" || fail "latency-only report: no time plot"
	ok "report: a latency class with no bulk class still gets its time plot"
	# a class folder planted as a symlink (O_NOFOLLOW guards only a path's last part): refused
	for sub in lat idle-lat bulk; do
		rm -rf "$TMP/s" "$TMP/elsewhere"
		cp -r "$TMP/c" "$TMP/s"
		mv "$TMP/s/$sub" "$TMP/elsewhere"
		ln -s "$TMP/elsewhere" "$TMP/s/$sub"
		"$FABPROBE" report "$TMP/s" --out "$TMP/rep5" >/dev/null 2>"$TMP/e"
		[ $? = 2 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && grep -q "$sub: a class folder that is not a folder" "$TMP/e" ||
			fail "$sub a symlink: $(cat "$TMP/e")"
		[ ! -e "$TMP/rep5" ] || [ ! -e "$TMP/rep5/report.html" ] || fail "$sub a symlink: a report was written"
	done
	ok "report: a class folder that is a symlink is refused with one line"
fi
