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

# Red team 1: an --out someone else could change. Its owner (or anyone, when it is writable by
# others without the sticky bit) could rename the private folder and put a symlink in its
# place between the report's checks and its writes, as root. Refused with one line, exit 2,
# and nothing is created in it or under it.
refused() { # WHAT DIR [OUT]: report --out OUT (default DIR) is refused, DIR stays empty
	$FABPROBE report "$TMP/run" --out "${3:-$2}" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] || { cat "$TMP/err"; fail "$1 as --out: exit $rc"; }
	[ -z "$(ls -A "$2")" ] || fail "$1 as --out: $(ls -A "$2") created in it"
	ok "$1 as --out is refused: $(cat "$TMP/err")"
}
mkdir -m 0777 "$TMP/ww" "$TMP/ww2"
chmod 0777 "$TMP/ww" "$TMP/ww2" # whatever the umask
refused "a world-writable folder" "$TMP/ww"
refused "a folder under a world-writable one" "$TMP/ww2" "$TMP/ww2/sub/report"
mkdir "$TMP/gw" && chmod 0775 "$TMP/gw"
refused "a group-writable folder" "$TMP/gw"
mkdir "$TMP/sticky" && chmod 1777 "$TMP/sticky"
$FABPROBE report "$TMP/run" --out "$TMP/sticky/rep" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "--out in a sticky folder"; }
[ -f "$TMP/sticky/rep/report.html" ] || fail "no report in a folder under a sticky one"
ok "a folder of ours in a sticky one (as in /tmp) is accepted"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null && [ -x /usr/bin/python3 ]; then
	mkdir "$TMP/rep1" "$TMP/rep2"
	chown nobody "$TMP/rep1" "$TMP/rep2"
	refused "a folder owned by nobody" "$TMP/rep1"
	refused "a folder under one owned by nobody" "$TMP/rep2" "$TMP/rep2/sub"
	# the repro: nobody swaps the private folder for a symlink to a folder of root's, in a loop,
	# while root runs the report into nobody's folder again and again for a few seconds
	chmod 0711 "$TMP"
	mkdir "$TMP/victim2"
	# the system's python: nobody cannot run one installed under root's home
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "$TMP/rep1" "$TMP/victim2" 3 \
		>"$TMP/loops" <<'PY' &
import os, sys, time
d, victim, until = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3])
won = loops = 0
while time.time() < until:
    loops += 1
    for n in os.listdir(d):
        if n.startswith("fpreport."):
            try:
                os.rename(os.path.join(d, n), os.path.join(d, "stolen%d" % won))
                os.symlink(victim, os.path.join(d, n))
                won += 1
            except OSError:
                pass
print(loops)
PY
	attacker=$!
	PIDS+=("$attacker")
	runs=0
	while kill -0 "$attacker" 2>/dev/null; do
		$FABPROBE report "$TMP/run" --topology "$T" --out "$TMP/rep1" >/dev/null 2>"$TMP/err"
		rc=$?
		[ $rc -eq 2 ] || { cat "$TMP/err"; fail "report into nobody's folder under attack: exit $rc"; }
		runs=$((runs + 1))
	done
	wait "$attacker" || fail "the attacker's loop failed"
	chmod 0700 "$TMP"
	[ "$(cat "$TMP/loops")" -gt 0 ] 2>/dev/null || fail "the attacker's loop did not run"
	[ -z "$(ls -A "$TMP/victim2")" ] || fail "the attacker redirected the report: $(ls -A "$TMP/victim2")"
	ok "nobody's rename loop ($(cat "$TMP/loops") passes) wins nothing in $runs reports: the victim folder stays empty"
else
	echo "note: not root, no user nobody or no setpriv: the foreign-owner cases are not run"
fi

# Red team 1, low: gnuplot reads copies of the checked input files, never links to the result
# folder's (which could be swapped after the check). A gnuplot first on PATH records what it
# finds in its working folder, then runs the real one.
mkdir "$TMP/bin"
cat >"$TMP/bin/gnuplot" <<EOS
#!/bin/sh
for f in in*.csv; do [ -L "\$f" ] && echo "\$f" >>"$TMP/links"; [ -f "\$f" ] && echo "\$f" >>"$TMP/copies"; done
exec $(command -v gnuplot) "\$@"
EOS
chmod +x "$TMP/bin/gnuplot"
PATH="$TMP/bin:$PATH" $FABPROBE report "$TMP/run" --topology "$T" --out "$TMP/copied" >/dev/null 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "report with the recording gnuplot"; }
[ ! -e "$TMP/links" ] || fail "gnuplot read symlinks to the result files: $(sort -u "$TMP/links" | tr '\n' ' ')"
[ -s "$TMP/copies" ] || fail "the recording gnuplot saw no input file"
ok "gnuplot reads copies of the checked files ($(sort -u "$TMP/copies" | wc -l) of them), no links"
