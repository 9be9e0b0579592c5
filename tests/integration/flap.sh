# Issue 18, flapping: a soak's counters.csv read by analyze. A real run writes the file
# (a 2 s null-engine soak, counters every 250 ms); the link-state counters of its ranks are then planted:
# rank 1's carrier_changes grows in two intervals (down/up twice: FLAPPING, a physical
# finding on h1's link), rank 0's in one (one down/up: not flapping). Then the same file
# with no growth, and malformed ones (one line naming file:line, exit 2).
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
"$FABPROBE" run stream --engine null --np 2 --sizes 4K --soak --duration 2s --counter-interval 250ms \
	--output "$TMP/run" --quiet || fail "the run"
cp "$TMP/run/counters.csv" "$TMP/orig.csv"
# plant: GROW is "rank:snapshot:delta ..." on carrier_changes (snapshot 0 is the baseline)
plant() {
	python3 - "$TMP/orig.csv" "$TMP/run/counters.csv" "$@" <<'PY' || fail "plant $*"
import csv, sys
src, dst, grow = sys.argv[1], sys.argv[2], {}
for g in sys.argv[3:]:
    r, k, d = map(int, g.split(":"))
    grow[(r, k)] = d
rows = list(csv.reader(open(src)))
seen, add = {}, {}
for row in rows[1:]:
    if row[3] != "carrier_changes":
        continue
    r = int(row[1])
    k = seen[r] = seen.get(r, -1) + 1
    add[r] = add.get(r, 0) + grow.get((r, k), 0)
    row[4] = str(int(row[4]) + add[r])
    row[5] = str(grow.get((r, k), 0) if k else 0)
assert len(seen) == 2 and min(seen.values()) >= 3, seen  # two ranks, 4+ snapshots each
csv.writer(open(dst, "w"), lineterminator="\n").writerows(rows)
PY
}
an() { "$FABPROBE" analyze --topology "$T" --map order "$@" "$TMP/run" 2>"$TMP/err"; }

plant 1:1:2 1:3:1 0:2:1
an --format json >"$TMP/v.json"
[ $? -eq 1 ] || { cat "$TMP/v.json" "$TMP/err"; fail "flapping: exit not 1"; }
python3 - "$TMP/v.json" <<'PY' || fail "h1's link is not named FLAPPING alone"
import json, sys
f = [x for x in json.load(open(sys.argv[1]))["inventory_findings"] if "FLAPPING" in x["finding"]]
assert len(f) == 1, f
f = f[0]
assert f["host"] == "h1" and f["ports"].startswith("h1:"), f
t = f["finding"]
assert "carrier_changes on lo grew in 2 of " in t and " by 3:" in t, t
assert t.count(" in ") == 3 and "+2 in " in t and "+1 in " in t, t
PY
an >"$TMP/out"
grep -q "^   LINK h1:p0 <-> leaf0:p1: FLAPPING: carrier_changes" "$TMP/out" ||
	{ cat "$TMP/out"; fail "the text verdict does not name h1's link"; }
ok "carrier_changes grew in two intervals: h1's link FLAPPING with its intervals; one interval on h0 is not"

plant
an >"$TMP/out"
rc=$?
[ $rc -eq 0 ] && ! grep -q FLAPPING "$TMP/out" || { cat "$TMP/out"; fail "no growth: exit $rc"; }
plant 0:2:5
an >"$TMP/out"
! grep -q FLAPPING "$TMP/out" || { cat "$TMP/out"; fail "one down/up named flapping"; }
ok "no growth, or one down/up: no FLAPPING"

bad() { # SED: the planted file edited, analyze exits 2 with one line naming file:line
	plant 1:1:2 1:3:1
	sed -i "$1" "$TMP/run/counters.csv"
	an >"$TMP/out"
	rc=$?
	[ $rc -eq 2 ] && [ "$(grep -cv 'map order' "$TMP/err")" -eq 1 ] &&
		grep -q "counters.csv:[0-9]*: $2" "$TMP/err" ||
		{ cat "$TMP/err"; fail "$1: exit $rc"; }
}
# the delta of a carrier_changes row after the baseline (the other counters' are not judged)
n=$(grep -n ',1,lo,carrier_changes,' "$TMP/orig.csv" | sed -n 2p | cut -d: -f1)
bad "${n}s/,[0-9]*\$/,7/" "delta 7, but"
bad '4s/^[0-9.]*,0,/x,0,/' "t_s is not"
bad '5s/,0,lo,/,9,lo,/' "rank is not"
bad '6s/$/,1/' "more than 6"
ok "a malformed counters.csv: exit 2, one line with file:line"
