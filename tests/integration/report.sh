# Plots, the HTML report in headless Chromium, and acceptance checks with exit codes and JUnit.
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
P=$FP_SRCDIR/scripts/plot
command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt install gnuplot-nox)"
$FABPROBE sim "$T" alltoall --faults degrade:leaf1-spine0:0.3 --noise 0.02 --sizes 4K,64K,1M --quiet --output "$TMP/a2a" || fail "sim"
$FABPROBE sim "$T" pairs --faults degrade:leaf1-spine0:0.3 --noise 0.02 --sizes 4K,64K --quiet --output "$TMP/pairs" || fail "sim"
$FABPROBE run pingpong --np 2 --sizes 8,512,4K --iters 300 --quiet --token s3cretTOK --output "$TMP/pp" || fail "pingpong"

# the gnuplot scripts alone, on the CSV files: SVG and PNG, valid and not empty
gnuplot -e "array files=['$TMP/a2a/bw.csv','$TMP/pairs/bw.csv']; array titles=['alltoall','pairs']; linerate=0.1; out='$TMP/bw.svg'" $P/bw.gp || fail "bw.gp"
gnuplot -e "file='$TMP/pp/lat.csv'; out='$TMP/lat.png'" $P/lat.gp || fail "lat.gp"
gnuplot -e "file='$TMP/pp/lat_hist_8.csv'; out='$TMP/cdf.png'" $P/cdf.gp || fail "cdf.gp"
gnuplot -e "file='$TMP/pairs/matrix_bw_65536.csv'; out='$TMP/heat.svg'" $P/heatmap.gp 2>/dev/null || fail "heatmap.gp"
python3 - "$TMP" <<'PY' || fail "plots are valid images"
import sys, xml.dom.minidom
t = sys.argv[1]
for f in ("bw.svg", "heat.svg"):
    d = xml.dom.minidom.parse(t + "/" + f)
    assert d.documentElement.tagName == "svg" and len(open(t + "/" + f).read()) > 2000, f
# the matrix file's header row of hosts labels the heatmap drawn from it alone
heat = open(t + "/heat.svg").read()
assert all(">h%d<" % k in heat for k in range(8)), "heatmap.gp alone: hosts from the header row"
for f in ("lat.png", "cdf.png"):
    b = open(t + "/" + f, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) > 2000, f
PY
ok "gnuplot scripts make valid SVG and PNG from the CSV files"

# the report: self-contained, opens with no network, no broken image; with an acceptance spec
cat >"$TMP/accept.yaml" <<'Y'
fabprobe_spec: 1
name: acceptance
checks:
  - {name: busbw, pattern: alltoall, metric: busbw_GBps, min: 0.0001, simulated: ok}
  - {name: every pair fast, pattern: pairs, size: 64K, metric: pair_min_Gbps, min: 1000, simulated: ok}
Y
$FABPROBE report "$TMP/a2a" "$TMP/pairs" "$TMP/pp" --topology "$T" --spec "$TMP/accept.yaml" --output "$TMP/rep" >"$TMP/out" || { cat "$TMP/out"; fail "report"; }
grep -q "$TMP/rep/report.html" "$TMP/out" || fail "report prints its path"
grep -qE 'src="https?:' "$TMP/rep/report.html" && fail "the report loads something from the network"
grep -q "LINK leaf1:p2 &lt;-&gt; spine0:p1" "$TMP/rep/report.html" || fail "the verdict is in the report"
ok "report.html written, verdict first, nothing from the network"
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	skip "chromium is not installed (apt install chromium): the screenshot test cannot run"
fi
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars --user-data-dir=$TMP/chrome"
timeout 120 "$CHROME" $flags --window-size=1280,2400 --virtual-time-budget=5000 --dump-dom "file://$TMP/rep/report.html" 2>/dev/null >"$TMP/dom.html" || fail "chromium dump-dom"
title=$(grep -o '<title>[^<]*</title>' "$TMP/dom.html")
echo "rendered: $title"
echo "$title" | grep -qE 'images ([6-9]|[1-9][0-9]+), broken 0' || fail "images missing or broken: $title"
timeout 120 "$CHROME" $flags --window-size=1200,2400 --screenshot="$TMP/shot.png" "file://$TMP/rep/report.html" 2>/dev/null || fail "screenshot"
python3 - "$TMP/shot.png" <<'PY' || fail "screenshot"
import struct, sys
b = open(sys.argv[1], "rb").read()
w, h = struct.unpack(">II", b[16:24])
print("screenshot %dx%d, %d bytes" % (w, h, len(b)))
assert b[:8] == b"\x89PNG\r\n\x1a\n" and w == 1200 and h == 2400 and len(b) > 50000
PY
ok "report renders in headless Chromium, every image loads; screenshot taken"
# issue 21: read at a glance, at 1280 px
python3 - "$TMP/dom.html" "$P/bw.gp" <<'PY' || fail "the report does not read at a glance"
import base64, re, sys
dom, gp = open(sys.argv[1]).read(), open(sys.argv[2]).read()
h2 = re.findall(r"<h2>([^<]*)</h2>", dom)
print("sections:", h2)
assert h2[0].startswith("Verdict") and h2[1] == "Acceptance: FAIL" and h2[2] == "Headline" and h2[3] == "Bandwidth", "verdict, acceptance, headline, bandwidth first"
assert "acceptance: 1 of 2 checks passed." in dom and re.search(r"<td>FAIL</td><td>every pair fast</td>", dom), "acceptance checks"
assert h2[4:] == ["a2a", "pairs", "pp"], "sections are named by folder"
assert "s3cretTOK" not in dom and "--token ***" in dom, "the job token is shown"
assert "False" not in dom and "True" not in dom and "<th>simulated</th><td>yes</td>" in dom and "<th>simulated</th><td>no</td>" in dom
assert "<th></th>" not in dom, "an empty header row"
assert int(re.search(r'data-scroll-width="(\d+)"', dom).group(1)) <= 1280, "the page scrolls sideways"
font = int(re.search(r'font "Sans,(\d+)"', gp).group(1))
imgs = re.findall(r'<img alt="([^"]*)" src="data:image/([a-z+]*);base64,([^"]*)" data-scale="([0-9.]+)"', dom)
assert len(imgs) >= 7, len(imgs)
for alt, kind, data, scale in imgs:
    # gnuplot draws its text at `font` px at scale 1; graphviz at 9 pt (12 px) at least
    px = float(scale) * (12 if alt.startswith("The fabric") else font)
    assert px >= 10, "text of %.1f px in %r" % (px, alt)
svg = {alt: base64.b64decode(data).decode() for alt, kind, data, _ in imgs if kind == "svg+xml"}
flow = [v for k, v in svg.items() if k.startswith("One flow")][0]
agg = [v for k, v in svg.items() if k.startswith("Aggregate")][0]
assert "rate of one flow [Gb/s]" in flow and "one NIC: 0.1 Gb/s" in flow, "per-flow axis and line rate"
assert "sum over all concurrent flows" in agg and "a2a: 8 NICs x 0.1 Gb/s" in agg, "aggregate axis and NICs x line rate"
heat = [v for k, v in svg.items() if k.startswith("Per-pair")][0]
assert all(">h%d<" % k in heat for k in range(8)) and "source host" in heat, "heatmap labelled by host"
assert re.search(r'<h3>Slowest pairs and ranks at \d+ B</h3><div class="side">.*?</table></div><div class="scroll"><table>(<tbody>)?<tr><th>rank</th>', dom), "ranks beside pairs"
PY
ok "at 1280 px: verdict, acceptance (report --spec), headline, bandwidth; text >= 10 px; no sideways scroll; token hidden; per-flow and aggregate plots against their line rates"

# 256 ranks (a simulated alltoall on a generated 16-leaf fabric, one leaf uplink degraded): the
# fabric drawing summarises all but the suspect's neighbourhood, the heatmap labels its leaves,
# and at 1280 px no text is below 10 px and nothing scrolls sideways
$FABPROBE topo gen leaf-spine --leaves 16 --hosts-per-leaf 16 --spines 4 --output "$TMP/t256.yaml" || fail "topo gen 256"
$FABPROBE sim "$TMP/t256.yaml" alltoall --faults degrade:leaf3-spine1:0.3 --sizes 64K --quiet --output "$TMP/a256" || fail "sim 256"
$FABPROBE report "$TMP/a256" --topology "$TMP/t256.yaml" --output "$TMP/rep256" >/dev/null || fail "report of 256 ranks"
timeout 120 "$CHROME" $flags --window-size=1280,2400 --virtual-time-budget=5000 --dump-dom "file://$TMP/rep256/report.html" 2>/dev/null >"$TMP/dom256.html" || fail "chromium dump-dom, 256 ranks"
python3 - "$TMP/dom256.html" "$P/bw.gp" <<'PY' || fail "the 256-rank report does not read at a glance"
import base64, re, sys
dom, gp = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert re.search(r"<title>fabprobe report: images ([4-9]|[1-9][0-9]+), broken 0</title>", dom), "images"
assert int(re.search(r'data-scroll-width="(\d+)"', dom).group(1)) <= 1280, "the page scrolls sideways"
font = int(re.search(r'font "Sans,(\d+)"', gp).group(1))
imgs = re.findall(r'<img alt="([^"]*)" src="data:image/([a-z+]*);base64,([^"]*)" data-scale="([0-9.]+)"', dom)
for alt, kind, data, scale in imgs:
    px = float(scale) * (12 if alt.startswith("The fabric") else font)
    assert px >= 10, "text of %.1f px in %r" % (px, alt[:60])
fab = [(alt, base64.b64decode(d).decode()) for alt, _, d, _ in imgs if alt.startswith("The fabric")][0]
assert "drawn as summaries" in fab[0], fab[0]
assert "leaf3" in fab[1] and "spine1" in fab[1] and "16 hosts on leaf3" in fab[1] and "240 other hosts" in fab[1], "the suspect's neighbourhood, the rest summarised"
assert ">h100<" not in fab[1], "a host far from the suspect is drawn"
heat = [base64.b64decode(d).decode() for alt, _, d, _ in imgs if alt.startswith("Per-pair")][0]
assert all(">leaf%d<" % k in heat for k in range(16)) and ">h100<" not in heat, "heatmap labelled by leaf"
print("256 ranks: %d images, fabric drawing at scale %s" % (len(imgs), [s for a, _, _, s in imgs if a.startswith("The fabric")][0]))
PY
ok "256 ranks at 1280 px: the fabric drawn as the suspect's neighbourhood and summaries, the heatmap by leaf, text >= 10 px"

# a missing tool is named with its package
mkdir -p "$TMP/bin" && ln -s "$(python3 -c "import sys; print(sys.executable)")" "$TMP/bin/python3"
PATH="$TMP/bin" $FABPROBE report "$TMP/a2a" --out "$TMP/rep2" 2>"$TMP/err" >/dev/null
[ $? -eq 2 ] && grep -q "apt install gnuplot-nox" "$TMP/err" || { cat "$TMP/err"; fail "missing gnuplot message"; }
ok "missing gnuplot: $(cat "$TMP/err")"
$FABPROBE report "$TMP/a2a" --spec "$TMP/nosuch.yaml" --out "$TMP/rep3" 2>"$TMP/err" >/dev/null
[ $? -eq 2 ] && grep -q "^fabprobe report: --spec .*nosuch.yaml: no such file$" "$TMP/err" || { cat "$TMP/err"; fail "missing spec"; }
printf 'checks: []\n' >"$TMP/badspec.yaml"
$FABPROBE report "$TMP/a2a" --spec "$TMP/badspec.yaml" --out "$TMP/rep3" 2>"$TMP/err" >/dev/null
[ $? -eq 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "^fabprobe report: --spec: " "$TMP/err" || { cat "$TMP/err"; fail "bad spec"; }
[ ! -e "$TMP/rep3/report.html" ] || fail "a bad spec left a report"
ok "a missing or malformed spec: one line, exit 2, no report"
# a size where flows stalled (a simulated blackhole): its figures are the other flows', and
# the run's section says so beside its status
$FABPROBE sim "$T" alltoall --faults blackhole:leaf1-spine0 --sizes 64K --quiet \
	--output "$TMP/bh" >/dev/null || fail "sim blackhole"
$FABPROBE report "$TMP/bh" --output "$TMP/repbh" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "report of a stalled run"; }
grep -q "flows stalled at 65536 B: those sizes&#x27; figures are the other flows&#x27; only" "$TMP/repbh/report.html" ||
	fail "the report does not say which size's flows stalled"
ok "a size with stalled flows: the report says its figures are the other flows' only"
# and acceptance, even with allow_incomplete, does not judge that size on the flows that went on
cat >"$TMP/bh.yaml" <<'Y'
fabprobe_spec: 1
name: stalled
checks:
  - {name: every pair, pattern: alltoall, size: 64K, metric: pair_min_Gbps, min: 0.000001, simulated: ok, allow_incomplete: true}
Y
$FABPROBE check "$TMP/bh.yaml" "$TMP/bh" >"$TMP/out" 2>&1
[ $? -eq 1 ] && grep -q "^FAIL  every pair.*flows stalled at size 65536" "$TMP/out" ||
	{ cat "$TMP/out"; fail "check judged a size whose flows stalled on the others"; }
ok "check: a size with stalled flows fails, even with allow_incomplete: $(grep -o 'flows stalled.*' "$TMP/out" | head -1)"

# acceptance: pass, fail, JUnit, relative to a baseline, and malformed specs
cat >"$TMP/pass.yaml" <<'Y'
fabprobe_spec: 1
name: lenient
checks:
  - {name: busbw, pattern: alltoall, metric: busbw_GBps, min: 0.0001, simulated: ok}
  - {name: latency, pattern: pingpong, size: 8, metric: p99_us, max: 100000}
  - {name: every pair, pattern: pairs, size: 64K, metric: pair_min_Gbps, min: 0.001, simulated: ok}
Y
cat "$TMP/pass.yaml"; $FABPROBE check "$TMP/pass.yaml" "$TMP/a2a" "$TMP/pairs" "$TMP/pp" --junit "$TMP/pass.xml" >"$TMP/out"
[ $? -eq 0 ] || { cat "$TMP/out"; fail "passing spec"; }
grep -c "^PASS" "$TMP/out" | grep -qx 3 || fail "three PASS lines"
cat >"$TMP/fail.yaml" <<'Y'
fabprobe_spec: 1
name: strict
checks:
  - {name: busbw, pattern: alltoall, metric: busbw_GBps, min: 1000, simulated: ok}
  - {name: no suspects, metric: analyzer_suspects, max: 0, simulated: ok}
  - {name: same as golden, pattern: alltoall, metric: aggregate_Gbps, baseline: GOLD, within_pct: 5, simulated: ok}
  - {name: counters, metric: error_counter_growth, max: 0, simulated: ok}
Y
$FABPROBE sim "$T" alltoall --noise 0.02 --sizes 4K,64K,1M --quiet --output "$TMP/gold" || fail "golden"
sed -i "s#GOLD#$TMP/gold#" "$TMP/fail.yaml"
$FABPROBE check "$TMP/fail.yaml" "$TMP/a2a" --topology "$T" --junit "$TMP/fail.xml" >"$TMP/out"
[ $? -eq 1 ] || { cat "$TMP/out"; fail "failing spec exits 1"; }
cat "$TMP/out"
[ "$(grep -c '^FAIL' "$TMP/out")" = 4 ] || fail "four FAIL lines"
python3 - "$TMP/pass.xml" "$TMP/fail.xml" <<'PY' || fail "JUnit XML"
import sys, xml.dom.minidom
p = xml.dom.minidom.parse(sys.argv[1]).documentElement
f = xml.dom.minidom.parse(sys.argv[2]).documentElement
assert p.getAttribute("tests") == "3" and p.getAttribute("failures") == "0"
assert f.getAttribute("tests") == "4" and f.getAttribute("failures") == "4"
assert len(f.getElementsByTagName("failure")) == 4
PY
$FABPROBE check "$TMP/fail.yaml" "$TMP/gold" --topology "$T" >"$TMP/out"
grep -q "^PASS  same as golden" "$TMP/out" || { cat "$TMP/out"; fail "a run is within 5% of itself"; }
ok "checks pass and fail with their values and limits; JUnit XML valid; baseline comparison"
for bad in 'fabprobe_spec: 1\nchecks:\n  - {metric: nope, min: 1}\n' 'fabprobe_spec: 1\nchecks:\n  - {metric: p99_us}\n' \
	'fabprobe_spec: 1\nchecks:\n  - {metric: p99_us, max: 1, colour: red}\n' 'checks: []\n' 'fabprobe_spec: 1\nchecks: [\n'; do
	printf "$bad" >"$TMP/bad.yaml"
	$FABPROBE check "$TMP/bad.yaml" "$TMP/a2a" >/dev/null 2>"$TMP/err"
	[ $? -eq 2 ] && [ -s "$TMP/err" ] || fail "malformed spec: exit 2 with a message"
	ok "malformed spec, exit 2: $(cat "$TMP/err")"
done
