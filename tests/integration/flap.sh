# Issue 18, flapping: a soak's counters.csv read by analyze. A real run writes the file
# (a 2 s null-engine soak, counters every 250 ms); the link-state counters of its ranks are then planted:
# rank 1's carrier_changes grows in two intervals (down/up twice: FLAPPING, a physical
# finding on h1's link), rank 0's in one (one down/up: not flapping). Then the same file
# with no growth, and malformed ones (one line naming file:line, exit 2).
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
"$FABPROBE" run alltoall --engine null --np 4 --sizes 4K --soak --duration 2s --counter-interval 250ms \
	--output "$TMP/run" --quiet || fail "the run"
cp "$TMP/run/counters.csv" "$TMP/orig.csv"
cp "$TMP/run/soak.csv" "$TMP/soak.csv"
# every flow steady at 1 Gb/s (4 ranks on a busy machine are not), then DIPS:
# "rank:pass,pass" sets the flows to and from rank to 0 in those passes; "S-D:pass,..." flow S->D
dips() {
	python3 - "$TMP/soak.csv" "$TMP/run/soak.csv" "$@" <<'PY' || fail "dips $*"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len({r[2] for r in rows[1:]}) >= 5, "fewer than 5 passes"
dip = {}
for a in sys.argv[3:]:
    r, p = a.split(":")
    dip[r] = set(p.split(","))
for row in rows[1:]:
    row[7] = "1.000000"
    if any(row[2] in p and (r in (row[5], row[6]) or r == row[5] + "-" + row[6])
           for r, p in dip.items()):
        row[7] = "0.000000"
csv.writer(open(sys.argv[2], "w"), lineterminator="\n").writerows(rows)
PY
}
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
assert len(seen) == 4 and min(seen.values()) >= 3, seen  # four ranks, 4+ snapshots each
csv.writer(open(dst, "w"), lineterminator="\n").writerows(rows)
PY
}
an() { "$FABPROBE" analyze --topology "$T" --map order "$@" "$TMP/run" 2>"$TMP/err"; }

dips
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
an >"$TMP/out" # (exit 1 either way: run.json's own soak rules flag the busy machine's flows)
[ $? -le 1 ] && ! grep -q FLAPPING "$TMP/out" || { cat "$TMP/out" "$TMP/err"; fail "no growth named flapping"; }
plant 0:2:5
an >"$TMP/out"
[ $? -le 1 ] && ! grep -q FLAPPING "$TMP/out" || { cat "$TMP/out" "$TMP/err"; fail "one down/up named flapping"; }
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

# rates: every flow to and from rank 2 near zero in passes 1 and 3, back in between and after
plant
dips 2:1,3
an >"$TMP/out"
rc=$?
[ $rc -eq 1 ] && [ "$(grep -c FLAPPING "$TMP/out")" -eq 1 ] &&
	grep -q "^   LINK h2:p0 <-> leaf1:p0: FLAPPING: all 6 flows through it fell below 10% of their best rate and recovered, twice or more (flow [0-9]->[0-9]: 0 Gb/s in [0-9.]*-[0-9.]* s); 6 flows elsewhere did not" "$TMP/out" ||
	{ cat "$TMP/out"; fail "rate dips: exit $rc, h2's link not named alone"; }
# the same flows down from pass 1 to the end: not a flap; one dip and back: a stall, not a
# flap; one flow's dip: not localised
for d in 2:1,2,3,4,5,6,7,8,9 2:1 0-1:1,3; do
	dips "$d"
	an >"$TMP/out"
	[ $? -le 1 ] && ! grep -q FLAPPING "$TMP/out" || { cat "$TMP/out" "$TMP/err"; fail "dips $d named"; }
done
dips
sed -i '3s/,1.000000$/,-1/' "$TMP/run/soak.csv"
an >"$TMP/out"
[ $? -eq 2 ] && grep -q "soak.csv:3: a time or the rate" "$TMP/err" || { cat "$TMP/err"; fail "bad soak.csv"; }
ok "rate dips: all of h2's flows near zero twice and back, the others steady: h2's link FLAPPING; down for good, once, or one flow: not"

# Flapping localised on the paths: a switch link blackholed and back twice, which no host
# counter sees. A simulated alltoall on the lab's fabric records each flow's path; the flows
# through the planted link(s) drop to 0 in passes 1 and 3 of a planted soak.csv. Each of the
# 8 leaf-spine links is named alone; two at once are both named; one dip, or the same run
# without its paths, names nothing.
"$FABPROBE" sim "$T" alltoall --sizes 64K --output "$TMP/sim" >/dev/null || fail "sim"
pdips() { # LINK,... PASSES: the flows through any of the links dip in those passes
	python3 - "$TMP/sim" "$1" "$2" <<'PY' || fail "pdips $*"
import json, sys
d, links, passes = sys.argv[1], {int(x) for x in sys.argv[2].split(",")}, sys.argv[3].split(",")
r = json.load(open(d + "/run.json"))["results"][0]
rows = ["t_start_s,t_end_s,pass,size,flow,src,dst,Gbps"]
for p in range(7):
    for f in r["flows"]:
        dip = bool(links & set(f["path"])) and str(p) in passes
        rows.append("%d,%d,%d,%d,%d,%d,%d,%s" % (p, p + 1, p, r["size"], f["flow"], f["src"],
                                               f["dst"], "0.000000" if dip else "1.000000"))
open(d + "/soak.csv", "w").write("\n".join(rows) + "\n")
PY
}
pnamed() { # the links analyze names FLAPPING, as link indices, sorted ("error": analyze failed)
	"$FABPROBE" analyze --topology "$T" --format json "$TMP/sim" 2>"$TMP/err" >"$TMP/v.json"
	[ $? -le 1 ] || { echo error; return; }
	python3 - "$TMP/v.json" "$T" <<'PY'
import json, re, sys
v = json.load(open(sys.argv[1]))
links = [l for l in open(sys.argv[2]) if re.match(r'\s*- \{a: ', l)]
idx = {tuple(sorted(re.findall(r'"([^"]+)"', l)[:2])): i for i, l in enumerate(links)}
out = []
for f in v["inventory_findings"]:
    if "FLAPPING" in f["finding"]:
        out.append(idx[tuple(sorted(p.strip() for p in f["ports"].split("<->")))])
print(",".join(map(str, sorted(out))))
PY
}
for l in 8 9 10 11 12 13 14 15; do
	pdips $l 1,3
	got=$(pnamed)
	[ "$got" = "$l" ] || { cat "$TMP/v.json" "$TMP/err"; fail "link $l flapping: named '$got'"; }
done
pdips 8,15 1,3
got=$(pnamed)
[ "$got" = "8,15" ] || fail "links 8 and 15 flapping: named '$got'"
"$FABPROBE" analyze --topology "$T" "$TMP/sim" | grep -q "^   LINK leaf0:p2 <-> spine0:p0: FLAPPING: its flows fell below half their median rate together in 2 outages (of [0-9]* flows of known path through it: " ||
	fail "the text verdict does not name leaf0:p2 <-> spine0:p0"
pdips 9 1
[ -z "$(pnamed)" ] || fail "one dip named flapping"
pdips 9 1,2
[ -z "$(pnamed)" ] || fail "one outage over two passes named flapping"
pdips 9 1,2,5
[ "$(pnamed)" = 9 ] || fail "an outage over two passes and one more: link 9 not named"
pdips 9 1,3
strip_paths "$TMP/sim/run.json"
got=$(pnamed)
[ -z "$got" ] || fail "named '$got' without paths"
ok "rate dips on the paths: each leaf-spine link, and two at once, named alone; one outage (one pass or two in a row) or no paths: none"
