# Issue 14.11: malformed result folders, one line and exit 2 each (report_fields.py).
# Sourced by tests/integration/run.sh (TMP, FABPROBE, fail, ok, skip).
command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt install gnuplot-nox)"
$FABPROBE sim "$FP_SRCDIR/topologies/lab-leafspine.yaml" pairs --sizes 4K,64K --quiet --output "$TMP/run" || fail "sim"
python3 "$FP_SRCDIR/tests/security/report_fields.py" "$FABPROBE" "$TMP/run" "$TMP" || fail "malformed result folders"
ok "every malformed result folder: one line naming file and field, exit 2, nothing left in --out"

# killed while a tool runs (a gnuplot that hangs): exit 143 and still no temporary folder
mkdir -p "$TMP/bin" "$TMP/killed"
printf '#!/bin/sh\nexec sleep 30\n' >"$TMP/bin/gnuplot" && chmod +x "$TMP/bin/gnuplot"
PATH="$TMP/bin:$PATH" $FABPROBE report "$TMP/run" --out "$TMP/killed" >/dev/null 2>&1 &
pid=$!
PIDS+=("$pid")
for _ in $(seq 50); do pgrep -P "$pid" -x sleep >/dev/null && break; sleep 0.1; done
child=$(pgrep -P "$pid" -x sleep) || fail "the report never ran gnuplot"
PIDS+=("$child")
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc -eq 143 ] || fail "killed report: exit $rc"
[ -z "$(ls -A "$TMP/killed")" ] || fail "left in --out after SIGTERM: $(ls -A "$TMP/killed")"
ok "SIGTERM mid-plot: exit 143, nothing left in --out"
