# The verbs engine on Soft-RoCE: the tests run inside a qemu guest (scripts/lab/rxe-vm)
# that has rxe0 and rxe1 (and, with --numa-nic, rxe2/rxe3 on NICs whose first is on NUMA
# node 1 of the guest's two); this host's kernel has no RDMA. verbs_guest.sh is what runs.
[ "$(id -u)" = 0 ] || skip "the Soft-RoCE guest needs root"
"$FABPROBE" engines | grep -q '^verbs *yes' || skip "verbs engine not built: $("$FABPROBE" engines | grep '^verbs')"
cd "$TMP"
rc=0
"$FP_SRCDIR/scripts/lab/rxe-vm" --numa-nic --timeout 1200 -- env FP_SRCDIR="$FP_SRCDIR" \
	FP_GUEST_MARK="$TMP/started" bash "$HERE/run.sh" verbs_guest "$FABPROBE" || rc=$?
if [ $rc = 125 ] && [ ! -e "$TMP/started" ]; then
	skip "the Soft-RoCE guest did not boot here (qemu died before the tests started)"
fi
[ $rc = 0 ] || fail "verbs tests in the guest (status $rc)"
