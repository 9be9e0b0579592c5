# The install (issue 21): meson install into a staging folder (DESTDIR) carries the binary, a man
# page and completions for every command, the plot and lab scripts, examples and topologies; the
# installed binary alone, with the source tree hidden, runs the demo's steps from another folder.
B=$(dirname "$FABPROBE")
[ -f "$B/build.ninja" ] || skip "$FABPROBE is not in a meson build folder"
command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt install gnuplot-nox)"
command -v dot >/dev/null || skip "graphviz is not installed (apt install graphviz)"
DESTDIR="$TMP/stage" meson install -C "$B" --no-rebuild --quiet >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "meson install"; }
bin=$(find "$TMP/stage" -path '*/bin/fabprobe' -type f)
[ -x "$bin" ] || fail "no bin/fabprobe in the staging folder"
prefix=$(dirname "$(dirname "$bin")")
share=$prefix/share
for f in man/man1/fabprobe.1 bash-completion/completions/fabprobe.bash zsh/site-functions/_fabprobe \
	fabprobe/plot/report.py fabprobe/plot/classes.py fabprobe/plot/lul_time.gp fabprobe/plot/bw.gp fabprobe/plot/heatmap.gp fabprobe/lab/lab \
	fabprobe/topologies/lab-leafspine.yaml fabprobe/examples/acceptance.yaml doc/fabprobe/results-schema.md; do
	[ -s "$share/$f" ] || fail "not installed: share/$f"
done
[ -x "$share/fabprobe/lab/lab" ] || fail "the lab script lost its x bit"
ok "installed: binary, man page, bash and zsh completions, plot and lab scripts, examples, topologies"

# the man page and the completions cover every command and every option of its --help
cmds=$("$bin" help | awk '/^commands:/ {on = 1; next} on && NF {print $1}')
man --warnings -l "$share/man/man1/fabprobe.1" 2>"$TMP/manerr" | col -b >"$TMP/man.txt"
[ -s "$TMP/manerr" ] && { cat "$TMP/manerr"; fail "man page warnings"; }
for c in $cmds; do
	grep -q "^FABPROBE ${c^^}\$" "$TMP/man.txt" || fail "man page: no section for $c"
	for o in $("$bin" "$c" --help | grep -oE '^  --[a-z0-9-]+' | sed 's/^ *//'); do
		grep -q -- "$o" "$TMP/man.txt" || fail "man page: $c $o missing"
		grep -q "^$c) compadd -- .*'$o'" "$share/zsh/site-functions/_fabprobe" || fail "zsh: $c $o missing"
	done
done
complete_words() { # complete_words WORD... : what bash completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _fabprobe; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$share/bash-completion/completions/fabprobe.bash" "$@"
}
[ "$(complete_words fabprobe '' | sort | tr '\n' ' ')" = "$(echo $cmds | tr ' ' '\n' | sort | tr '\n' ' ')" ] ||
	fail "bash: the commands: $(complete_words fabprobe '')"
[ "$(complete_words fabprobe report --o | sort | tr '\n' ' ')" = "--out --output " ] || fail "bash: report --o"
complete_words fabprobe run al | grep -qx alltoall || fail "bash: run al -> alltoall"
complete_words fabprobe topo g | grep -qx gen || fail "bash: topo g -> gen"
ok "man page (no warnings) and zsh completion carry every option of every command; bash completes commands, options, patterns"

# the demo's steps with the installed binary only: another folder, the source tree hidden
mkdir -p "$TMP/elsewhere"
cat >"$TMP/demo" <<'SH'
set -e
[ -n "$SRC" ] && mount -t tmpfs none "$SRC" && [ -z "$(ls -A "$SRC")" ]
cd "$1"
env -u FABPROBE -u FABPROBE_PLOT_DIR PATH=/usr/bin:/bin "$2" topo gen leaf-spine --leaves 4 --hosts-per-leaf 2 --host-gbps 0.1 --fabric-gbps 0.1 --output t.yaml
env -u FABPROBE -u FABPROBE_PLOT_DIR PATH=/usr/bin:/bin "$2" sim t.yaml alltoall --faults degrade:leaf1-spine0:0.3 --sizes 64K --quiet --output a2a
set +e
env -u FABPROBE -u FABPROBE_PLOT_DIR PATH=/usr/bin:/bin "$2" analyze --topology t.yaml a2a >verdict.txt
[ $? -le 1 ] || exit 1
set -e
env -u FABPROBE -u FABPROBE_PLOT_DIR PATH=/usr/bin:/bin "$2" report a2a --topology t.yaml --spec "$3" --output rep
SH
SRC=$FP_SRCDIR
if ! unshare -m true 2>/dev/null; then
	echo "note: unshare -m is not allowed here: the source tree stays visible"
	SRC=
fi
SRC=$SRC ${SRC:+unshare -m} bash "$TMP/demo" "$TMP/elsewhere" "$bin" "$share/fabprobe/examples/acceptance.yaml" >"$TMP/out" 2>&1 ||
	{ cat "$TMP/out"; fail "the demo's steps with the installed binary"; }
grep -q "leaf1" "$TMP/elsewhere/verdict.txt" || { cat "$TMP/elsewhere/verdict.txt"; fail "the verdict names the degraded leaf"; }
grep -q "<h2>Acceptance: " "$TMP/elsewhere/rep/report.html" || fail "the report carries the acceptance verdict"
grep -q "<h2>Verdict: " "$TMP/elsewhere/rep/report.html" || fail "the report carries the analyzer's verdict"
ok "topo gen, sim, analyze, report --spec from another folder with only the installed binary${SRC:+ (source tree hidden)}"

# a build folder anywhere finds the scripts in the source folder recorded at configure time
mkdir -p "$TMP/anywhere"
cp "$FABPROBE" "$TMP/anywhere/fabprobe"
(cd / && env -u FABPROBE_PLOT_DIR "$TMP/anywhere/fabprobe" report --help) >"$TMP/out" 2>&1 || { cat "$TMP/out"; fail "report --help from a build folder elsewhere"; }
grep -q "^usage: fabprobe report" "$TMP/out" || fail "report --help"
if [ -n "$SRC" ]; then
	unshare -m bash -c 'mount -t tmpfs none "$1" && env -u FABPROBE_PLOT_DIR "$2" report --help' _ "$SRC" "$TMP/anywhere/fabprobe" >"$TMP/out" 2>&1
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/out")" = 1 ] && grep -q "cannot find report.py in $SRC/scripts/plot or " "$TMP/out" ||
		{ cat "$TMP/out"; fail "no scripts anywhere: exit $rc"; }
fi
ok "report --help from a binary outside the source tree; with no scripts anywhere, one line naming where it looked"
