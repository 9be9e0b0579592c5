# Issue 14.6: the report never writes through a symlink planted in --out, and refuses an --out
# that is someone else's symlink. Sourced by tests/integration/run.sh (TMP, FABPROBE, fail, ok).
T=$FP_SRCDIR/topologies/lab-leafspine.yaml
command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt install gnuplot-nox)"
command -v dot >/dev/null || skip "graphviz is not installed (apt install graphviz)"
$FABPROBE sim "$T" pairs --faults degrade:leaf1-spine0:0.3 --sizes 4K,64K --quiet --output "$TMP/run" || fail "sim"
mkdir "$TMP/out" "$TMP/victim"
# every file the report writes, its old temporary name, and its folder's: a planted symlink to a
# file that must keep its content, or to a file that must not come to exist
files="report.html report.html.tmp bw.svg bw_flow.svg topology.svg scatter.svg flows.csv verdict.dot"
for f in $files; do
	echo precious >"$TMP/victim/$f"
	ln -s "$TMP/victim/$f" "$TMP/out/$f"
	ln -s "$TMP/victim/new-$f" "$TMP/out/dangling-$f"
done
$FABPROBE report "$TMP/run" --topology "$T" --out "$TMP/out" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "report"; }
for f in $files; do
	[ "$(cat "$TMP/victim/$f")" = precious ] || fail "the report wrote through $f"
	[ ! -e "$TMP/victim/new-$f" ] || fail "the report created a file through a symlink"
done
for f in report.html bw.svg bw_flow.svg topology.svg scatter.svg flows.csv verdict.dot; do
	[ -f "$TMP/out/$f" ] && [ ! -L "$TMP/out/$f" ] && [ -s "$TMP/out/$f" ] || fail "$f is not a new regular file"
done
ls -A "$TMP/out" | grep -q fpreport && fail "a temporary folder is left in --out"
ok "planted symlinks are replaced, never written through; no temporary left"

# --out itself a symlink: ours is followed, someone else's is refused before anything is written
mkdir "$TMP/mine"
ln -s "$TMP/mine" "$TMP/mylink"
$FABPROBE report "$TMP/run" --out "$TMP/mylink" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "report into our own symlink"; }
[ -f "$TMP/mine/report.html" ] || fail "our own symlinked --out"
ok "an --out symlink we own is followed"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir "$TMP/theirs"
	ln -s "$TMP/theirs" "$TMP/planted"
	chown -h nobody "$TMP/planted"
	$FABPROBE report "$TMP/run" --out "$TMP/planted" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "symlink" "$TMP/err" || { cat "$TMP/err"; fail "someone else's symlink as --out: exit $rc"; }
	[ -z "$(ls -A "$TMP/theirs")" ] || fail "something was written through someone else's symlink"
	ok "someone else's symlink as --out is refused: $(cat "$TMP/err")"
	# the same below --out: a planted symlinked parent is not a way round it
	$FABPROBE report "$TMP/run" --out "$TMP/planted/sub" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ -z "$(ls -A "$TMP/theirs")" ] || { cat "$TMP/err"; fail "a folder under someone else's symlink: exit $rc"; }
	ok "a folder under someone else's symlink is refused"
else
	echo "note: not root, or no user nobody: the foreign-symlink case is not run"
fi

# a result folder's own files planted as symlinks (to a secret root can read): refused, and
# nothing of the secret reaches the page
echo "root:SECRET-HASH:19000" >"$TMP/victim/shadow"
for f in run.json bw.csv lat.csv; do
	rm -rf "$TMP/linked" "$TMP/lout"
	cp -r "$TMP/run" "$TMP/linked"
	ln -sf "$TMP/victim/shadow" "$TMP/linked/$f"
	$FABPROBE report "$TMP/linked" --out "$TMP/lout" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "$f" "$TMP/err" || { cat "$TMP/err"; fail "$f a symlink: exit $rc"; }
	grep -rqs SECRET-HASH "$TMP/lout" && fail "the secret behind $f reached the report"
	ok "$f planted as a symlink is refused: $(cat "$TMP/err")"
done
