# The real launcher: Open MPI's mpirun starts the ranks, fabprobe links no MPI.
command -v mpirun >/dev/null || skip "mpirun not installed (apt install openmpi-bin)"
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
mpirun --allow-run-as-root --oversubscribe -np 4 $FABPROBE run stream --sizes 4K,64K --iters 300 \
	--output "$TMP/mpi" --timeout 60s >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "mpirun -np 4 stream"; }
check "$TMP/mpi" --ranks 4 --pattern stream --iters 300
ok "mpirun -np 4 stream"
mpirun --allow-run-as-root --oversubscribe -np 2 $FABPROBE run pingpong --sizes 8 --iters 300 \
	--output "$TMP/mpi-pp" --timeout 60s >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "mpirun pingpong"; }
check "$TMP/mpi-pp" --ranks 2 --pattern pingpong --iters 300
ok "mpirun -np 2 pingpong"
