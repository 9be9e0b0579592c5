# Issue 14.11: malformed result folders, one line and exit 2 each (report_fields.py).
# Sourced by tests/integration/run.sh (TMP, FABPROBE, fail, ok, skip).
command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt install gnuplot-nox)"
$FABPROBE sim "$FP_SRCDIR/topologies/lab-leafspine.yaml" pairs --sizes 4K,64K --quiet --output "$TMP/run" || fail "sim"
python3 "$FP_SRCDIR/tests/security/report_fields.py" "$FABPROBE" "$TMP/run" "$TMP" || fail "malformed result folders"
ok "every malformed result folder: one line naming file and field, exit 2, nothing left in --out"
