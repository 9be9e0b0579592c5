# Issue 14.5: no string from a result folder reaches gnuplot, a shell, graphviz or the page as
# code. Sourced by tests/integration/run.sh (TMP, FABPROBE, fail, ok, skip).
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
S=$FP_SRCDIR/tests/security
command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt install gnuplot-nox)"
command -v dot >/dev/null || skip "graphviz is not installed (apt install graphviz)"
mkdir "$TMP/canary"
$FABPROBE sim "$T" pairs --faults degrade:leaf1-spine0:0.3 --sizes 4K,64K --quiet --output "$TMP/base" || fail "sim"
$FABPROBE run pingpong --np 2 --sizes 8,512 --iters 50 --quiet --output "$TMP/pp" || fail "pingpong"
# payloads everywhere, host names included: no topology (the analyzer joins hosts by name)
python3 "$S/report_payload.py" "$TMP/base" "$TMP/evil" "$TMP/canary" || fail "payload"
python3 "$S/report_payload.py" "$TMP/pp" "$TMP/evilpp" "$TMP/canary" || fail "payload"
# the folder names and --out carry them too (a name cannot hold a slash: gnuplot's octal
# escapes spell the canary's path); the analyzer gets a run whose hosts it knows
enc() { echo "$1" | sed 's#/#\\057#g'; }
bad=$TMP/$(printf "d';system(\"touch %s\");'<b>" "$(enc "$TMP/canary/dir_q")")
nl=$TMP/$(printf 'nl\nsystem("touch %s")' "$(enc "$TMP/canary/dir_nl")")
python3 "$S/report_payload.py" "$TMP/base" "$bad" "$TMP/canary" --keep-hosts || fail "payload"
mv "$TMP/evilpp" "$nl" || fail "rename"
out="$TMP/out';system('touch $TMP/canary/out_q');'"
$FABPROBE report "$TMP/evil" "$nl" --out "$out" >"$TMP/stdout" 2>"$TMP/stderr"
rc1=$?
$FABPROBE report "$bad" --topology "$T" --out "$out/topo" >>"$TMP/stdout" 2>>"$TMP/stderr"
rc2=$?
left=$(ls -A "$TMP/canary")
[ -z "$left" ] || fail "payloads ran: $left"
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || { cat "$TMP/stderr"; fail "report of hostile folders exits $rc1, with a topology $rc2"; }
ok "no payload ran (gnuplot, shell, graphviz)"
for page in "$out/report.html" "$out/topo/report.html"; do
	python3 - "$page" <<'PY' || fail "HTML escaping: $page"
import re, sys
page = open(sys.argv[1]).read()
# our one script, no other; no tag or attribute from the data
assert page.count("<script") == 1, "a <script> from the data"
assert "onerror" not in page.replace("onerror=alert(1)&gt;", ""), "an attribute from the data"
assert "&lt;script&gt;document.title=" in page, "the payload is not shown escaped"
assert "PWNED'</script>" not in page
for m in re.finditer(r'<img [^>]*>', page):
    assert re.fullmatch(r'<img alt="[^"<>]*" src="data:image/(svg\+xml|png);base64,[A-Za-z0-9+/=]*">', m.group(0)), m.group(0)[:200]
PY
done
grep -q "&lt;b&gt;" "$out/topo/report.html" || { grep -o "<h2>[^<]*</h2>" "$out/topo/report.html"; fail "the folder name is shown, escaped"; }
ok "the page shows every payload as text: one script (ours), images only from data: URIs"
# every SVG the report keeps is free of script, event handlers and links planted by the data
svgcheck() {
	python3 - "$@" <<'PY'
import sys, xml.dom.minidom
for path in sys.argv[1:]:
    for e in xml.dom.minidom.parse(path).getElementsByTagName("*"):
        assert e.tagName.lower() not in ("script", "image", "foreignobject", "iframe"), (path, e.tagName)
        for k, v in e.attributes.items():
            assert not k.lower().startswith("on"), (path, k)
            assert "javascript" not in v.lower(), (path, k, v)
            # a link to a file (a name drawn as text, /etc/ in a tooltip, is no link)
            assert not k.lower().endswith(("href", "src")) or "/etc/" not in v, (path, k, v)
PY
}
svgcheck "$out"/*.svg "$out"/topo/*.svg || fail "a kept SVG carries a payload"
ok "the kept SVG files carry no script, handler or planted link"

# a topology name that would break out of its DOT string: fp_topo_write_dot escapes it (issue 14
# red team, 11), so the report draws it as text, without the planted attributes
python3 - "$T" "$TMP/evil.yaml" <<'PY' || fail "hostile topology"
import sys
evil = r'spine1\"image=\"/etc/hostname\"x=\"<script>'
t = open(sys.argv[1]).read()
t = t.replace("name: spine1,", 'name: "%s",' % evil).replace('"spine1:', '"%s:' % evil)
open(sys.argv[2], "w").write(t)
PY
$FABPROBE sim "$TMP/evil.yaml" pairs --sizes 64K --quiet --output "$TMP/evilsim" || fail "sim on the hostile topology"
$FABPROBE report "$TMP/evilsim" --topology "$TMP/evil.yaml" --out "$TMP/evilrep" >/dev/null 2>"$TMP/stderr" ||
	{ cat "$TMP/stderr"; fail "a topology name with quotes is drawn, not refused"; }
svgcheck "$TMP"/evilrep/*.svg || fail "the drawing carries the planted attributes"
grep -q 'spine1&quot;image' "$TMP/evilrep/topology.svg" || grep -q 'spine1"image' "$TMP/evilrep/topology.svg" ||
	fail "the hostile name is not drawn as text"
ok "a topology name that would break DOT quoting is drawn as text"
