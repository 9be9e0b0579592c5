# Issue 19: --duration bounds the wall clock on every pattern, timed from outside the process
# (not the figure fabprobe reports), and each size's measured window is the duration.
# Tolerance: no window shorter than the duration, and 30 s on top that only a hang exceeds
# (lib_timed.sh; a busy CI machine is slow, not wrong). Source of truth: the wall clock around the command.

. "$HERE/lib_timed.sh"

# sockets, 8 B .. 4 MiB: the sizes the count-from-warm-up guess got wrong by 100x
timed 1 6 "$TMP/sock" -- stream --np 2 --sizes 8,512,16K,256K,1M,4M
check "$TMP/sock" --ranks 2 --pattern stream --sizes 8,512,16384,262144,1048576,4194304
ok "stream on sockets, 8 B .. 4 MiB, wall-clock per size"
# latency: chunks of round trips, each sized from the last
timed 1 2 "$TMP/pp" -- pingpong --np 2 --sizes 8,1M
ok "pingpong, wall-clock per size"
# many flows per rank, several rounds of a pattern: every round is the duration
timed 1 2 "$TMP/a2a" -- alltoall --np 4 --sizes 64,256K
check "$TMP/a2a" --ranks 4 --pattern alltoall
ok "alltoall with 4 ranks, wall-clock per size"
# a warm-up far longer than the duration is cut to a twentieth of it
timed 1 1 "$TMP/warm" -- stream --np 2 --sizes 4M --warmup 100000
ok "a long --warmup is bounded by the duration"
