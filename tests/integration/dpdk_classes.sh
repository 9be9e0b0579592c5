# Latency under load (issue 24) on DPDK: two classes at once over net_memif, each its own pair
# of processes and memif, marked with their own DSCP: a stream (dscp=10) and a ping-pong
# (tclass=46), every frame accounted for, --check verifying each payload.
"$FABPROBE" engines | grep -q '^dpdk *yes *yes' || skip "dpdk engine not built or not usable: $("$FABPROBE" engines | grep '^dpdk')"
cd "$TMP"
mem() { echo "port=net_memif0,socket=$TMP/$1.sock"; }
"$FABPROBE" run --engine dpdk --np 2 --eal "--no-huge -m 256" --duration 1s --check \
	--class "bulk:stream:512:$(mem a):dscp=10" --class "lat:pingpong:64:$(mem b):tclass=46" \
	--output "$TMP/c" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "dpdk classes"; }
python3 "$FP_SRCDIR/tests/schema/run_schema.py" "$TMP/c" || fail "schema"
python3 - "$TMP/c" <<'PY' || fail "dpdk classes: counts"
import json, sys
top = sys.argv[1]
d = json.load(open(top + "/classes.json"))
assert d["status"] == "complete", d
bulk = json.load(open(top + "/bulk/run.json"))
for f in bulk["results"][0]["flows"]:
    assert f["tx_msgs"] > 0 and f["rx_msgs"] == f["tx_msgs"] and f["lost"] == 0, f
for ph in ("idle-lat", "lat"):
    r = json.load(open("%s/%s/run.json" % (top, ph)))
    assert r["status"] == "complete", r["status"]
    lat = r["results"][0]["latency"]
    assert lat["samples"] > 0, lat
    print("%s: %d round trips, p99 %.1f us" % (ph, lat["samples"], lat["p99_us"]))
print("bulk: %d frames, all received" % bulk["results"][0]["flows"][0]["rx_msgs"])
PY
ok "dpdk: a stream and a ping-pong class at once over memif, every frame received"
