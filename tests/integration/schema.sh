# Issue 19: run.json validates against the schema results/README.md documents
# (tests/schema/run_schema.py), for folders from the sockets, null and sim paths, a soak, and
# an interrupted run; and the checker refuses what the README does not say.
SCHEMA="$FP_SRCDIR/tests/schema/run_schema.py"
run() { "$FABPROBE" run "$@" --quiet >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "run $*"; }; }
run stream --np 2 --sizes 8,64K --iters 100 --output "$TMP/sock"
run pingpong --np 2 --sizes 8 --iters 100 --output "$TMP/pp"
run alltoall --engine null --np 3 --sizes 4K --iters 50 --counter-interval 100ms --output "$TMP/null"
run stream --engine null --np 2 --sizes 4K --soak --duration 1s --counter-interval 200ms \
	--report-interval 100ms --output "$TMP/soak"
"$FABPROBE" sim "$FP_SRCDIR/topologies/lab-leafspine.yaml" alltoall --sizes 64K --quiet \
	--output "$TMP/sim" >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "sim"; }
# interrupted: a signal before every size ran once
"$FABPROBE" run stream --np 2 --sizes 4K,1M --forever --counter-interval 1s --quiet \
	--output "$TMP/int" >/dev/null 2>&1 &
pid=$!
# the signal once the folder exists (a loaded machine took over 0.7 s to make it), soon after
for _ in $(seq 200); do [ -d "$TMP/int" ] && break; sleep 0.1; done
sleep 0.3
kill -TERM $pid
wait $pid && fail "an interrupted soak exited 0"
dirs="$TMP/sock $TMP/pp $TMP/null $TMP/soak $TMP/sim $TMP/int"
python3 "$SCHEMA" $dirs || fail "a run.json does not match results/README.md"
ok "run.json of sockets, null, soak, sim and interrupted runs validate"

# the checker can fail: an undocumented key, a missing one, a wrong type, a bad enum
mutate() { # PYTHON-STATEMENT on d, then the checker must refuse it
	python3 - "$TMP/sock/run.json" "$TMP/m.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
	python3 "$SCHEMA" "$TMP/m.json" >"$TMP/out" && fail "the checker passed: $1"
	grep -q "$2" "$TMP/out" || { cat "$TMP/out"; fail "the checker did not say '$2' for: $1"; }
}
mutate 'd["results"][0]["bandwidth"]["new_key"] = 1' "key new_key is not documented"
mutate 'del d["clock"]["hz"]' "documented key hz is missing"
mutate 'd["world_size"] = "2"' "is not int"
mutate 'd["status"] = "done"' "is not one of"
mutate 'd["complete"] = "true"' "is not bool"
mutate 'd["hosts"].pop()' "not one per rank"
ok "the checker refuses undocumented, missing and mistyped keys"
