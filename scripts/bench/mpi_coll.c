// SPDX-License-Identifier: MIT
/*
 * The peer for scripts/bench/collectives: Open MPI's own MPI_Allreduce, MPI_Allgather and
 * MPI_Reduce_scatter_block on floats, timed as nccl-tests and fabprobe time them (a barrier,
 * then ITERS back to back; the slowest rank's time). Sizes mean what fabprobe's mean: the
 * whole buffer in bytes (allreduce: count x 4; allgather: the gathered result;
 * reducescatter: the input). One JSON line per op and size on rank 0.
 * Usage: mpirun ... mpi_coll OP[,OP...] ITERS WARMUP SIZE...
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run(const char *op, float *in, float *out, long count, int n)
{
	if (!strcmp(op, "allreduce"))
		MPI_Allreduce(in, out, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	else if (!strcmp(op, "allgather"))
		MPI_Allgather(in, (int)(count / n), MPI_FLOAT, out, (int)(count / n), MPI_FLOAT,
			      MPI_COMM_WORLD);
	else
		MPI_Reduce_scatter_block(in, out, (int)(count / n), MPI_FLOAT, MPI_SUM,
					 MPI_COMM_WORLD);
}

int main(int argc, char **argv)
{
	int rank, n;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &n);
	if (argc < 5) {
		if (!rank)
			fprintf(stderr, "usage: mpi_coll OP ITERS WARMUP SIZE...\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	long iters = atol(argv[2]), warm = atol(argv[3]);
	char *ops = argv[1], *save = NULL;

	for (char *op = strtok_r(ops, ",", &save); op; op = strtok_r(NULL, ",", &save))
		for (int a = 4; a < argc; a++) {
			long count = atol(argv[a]) / 4;
			float *in = calloc((size_t)count + 1, sizeof(float));
			float *out = calloc((size_t)count + 1, sizeof(float));
			double t, worst;

			if (!in || !out || count % n) {
				if (!rank)
					fprintf(stderr,
						"mpi_coll: size %s: not a multiple of 4 x %d\n",
						argv[a], n);
				MPI_Abort(MPI_COMM_WORLD, 2);
			}
			for (long i = 0; i < warm; i++)
				run(op, in, out, count, n);
			MPI_Barrier(MPI_COMM_WORLD);
			t = MPI_Wtime();
			for (long i = 0; i < iters; i++)
				run(op, in, out, count, n);
			t = MPI_Wtime() - t;
			MPI_Reduce(&t, &worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
			if (!rank)
				printf("{\"op\": \"%s\", \"ranks\": %d, \"size\": %ld, "
				       "\"time_us\": %.3f}\n",
				       op, n, count * 4, worst / (double)iters * 1e6);
			free(in);
			free(out);
		}
	MPI_Finalize();
	return 0;
}
