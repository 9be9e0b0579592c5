// SPDX-License-Identifier: MIT
/*
 * Launcher identity: rank, size, local rank and job token from flags or the environment
 * of mpirun, srun and PMI.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "run_priv.h"

int fp_run_env_int(const char *name, int64_t *v)
{
	const char *s = getenv(name);

	return s && *s && !fp_parse_i64(s, v) ? 0 : -ENOENT;
}

/* Rank and size: flags first, then Open MPI, MPICH/Hydra (PMI), Slurm. */
int fp_run_who_am_i(const struct fp_run_cfg *cfg, int *rank, int *size, char *err)
{
	static const char *const env[][2] = {
		{ "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE" },
		{ "PMI_RANK", "PMI_SIZE" },
		{ "SLURM_PROCID", "SLURM_NTASKS" },
	};
	int64_t r = cfg->rank, s = cfg->size;
	int ir = fp_opts_index(fp_run_opts, "rank"), is = fp_opts_index(fp_run_opts, "size");
	bool have_r = cfg->given >> ir & 1, have_s = cfg->given >> is & 1;

	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]) && !(have_r && have_s); i++) {
		int64_t er, es;

		if (fp_run_env_int(env[i][0], &er) || fp_run_env_int(env[i][1], &es))
			continue;
		if (!have_r)
			r = er;
		if (!have_s)
			s = es;
		have_r = have_s = true;
	}
	if (!have_s) {
		r = 0;
		s = 1;
	}
	if (s < 1 || s > FP_RV_MAX_RANKS || r < 0 || r >= s) {
		fp_say(err, ERR_LEN, "rank %lld of size %lld: the rank must be 0..size-1",
		       (long long)r, (long long)s);
		return -EINVAL;
	}
	*rank = (int)r;
	*size = (int)s;
	return 0;
}

/*
 * The job token: --token / $FABPROBE_TOKEN, else the launcher's job id, else a constant.
 * True when it is one of the last two: anyone who can list the jobs can guess it.
 */
bool fp_run_job_token(const struct fp_run_cfg *cfg, char *tok, size_t len)
{
	static const char *const ids[] = { "PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid",
					   "SLURM_JOB_ID", "PMI_KVSNAME", "PBS_JOBID" };

	if (cfg->token && *cfg->token) {
		snprintf(tok, len, "%s", cfg->token);
		return false;
	}
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *v = getenv(ids[i]);

		if (v && *v) {
			const char *step = getenv("SLURM_STEP_ID");

			snprintf(tok, len, "%s=%s.%s", ids[i], v, i == 2 && step ? step : "");
			return true;
		}
	}
	snprintf(tok, len, "fabprobe-no-token");
	return true;
}

/* This rank's index among the ranks of its host: --np, else the launcher's, else rank. */
int64_t fp_run_local_rank(const struct fp_run_cfg *cfg, int rank)
{
	static const char *const envs[] = { "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID",
					    "SLURM_LOCALID" };
	int64_t local = cfg->local_rank >= 0 ? cfg->local_rank : -1;

	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]) && local < 0; i++)
		if (fp_run_env_int(envs[i], &local))
			local = -1;
	return local < 0 ? rank : local;
}
