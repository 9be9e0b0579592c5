/* SPDX-License-Identifier: MIT */
/* Subcommands that live in their own files. */
#ifndef FP_CLI_H
#define FP_CLI_H

int fp_cmd_topo(int argc, char **argv);
int fp_cmd_sim(int argc, char **argv);
int fp_cmd_diagnose(int argc, char **argv);
int fp_cmd_analyze(int argc, char **argv);
int fp_cmd_report(int argc, char **argv);
int fp_cmd_check(int argc, char **argv);
int fp_cmd_inventory(int argc, char **argv);
int fp_cmd_pkt(int argc, char **argv);
int fp_cmd_fleet(int argc, char **argv, char **full, int fullc);
int fp_cmd_fabric_counters(int argc, char **argv);
int fp_cmd_trace(int argc, char **argv, char **full, int fullc);
#endif
