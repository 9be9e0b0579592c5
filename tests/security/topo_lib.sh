# Helpers for the topology security tests, sourced by them; they run under
# integration/run.sh (../security/topo_NAME FABPROBE), which gives FABPROBE, TMP (removed
# on exit), fail and ok.
# AddressSanitizer reserves terabytes of address space: no memory cap under it
vlimit=4000000
ldd "$FABPROBE" 2>/dev/null | grep -q libasan && vlimit=unlimited
# refused WANT CMD...: exit 2, one line on stderr that holds WANT, nothing written to
# $TMP/out. Bounded in time and memory so that a regression fails rather than swamps the box.
refused() {
	local want=$1 rc
	shift
	rm -rf "$TMP/out"
	(ulimit -v $vlimit; timeout 60 "$FABPROBE" "$@" >"$TMP/stdout" 2>"$TMP/stderr")
	rc=$?
	[ $rc -eq 2 ] || fail "$* exited $rc, want 2: $(head -c 300 "$TMP/stderr")"
	[ "$(wc -l <"$TMP/stderr")" -eq 1 ] || fail "$*: want one line on stderr, got: $(cat "$TMP/stderr")"
	grep -q -- "$want" "$TMP/stderr" || fail "$*: stderr does not say '$want': $(cat "$TMP/stderr")"
	[ ! -e "$TMP/out" ] || fail "$*: wrote $TMP/out anyway"
	ok "$* -> exit 2: $(cat "$TMP/stderr")"
}
