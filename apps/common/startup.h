/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The start and end every tern app shares, once: EAL and signals, the
 * dpdk-dumpcap hook, telemetry, the mbuf pool, the ports, the --pcap
 * capture, one stack per lcore (main lcore first, queue i on the i-th),
 * the launch of a function on every lcore, and the teardown in the right
 * order. main.c calls, after its option parser:
 *
 *   app_eal_init()            EAL, SIGINT/SIGTERM handler
 *   app_start()               hook, telemetry, pool, ports, capture, stacks
 *   app_launch() (or its own) run on every lcore, wait for all
 *   ... the app's reports (stacks still registered) ...
 *   app_stop()                capture, stacks, ports; mbufs still out
 *   app_exit()                pool, hook, EAL
 *
 * The app's channels belong to the app: free them before app_stop().
 */
#ifndef TERN_APP_STARTUP_H
#define TERN_APP_STARTUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_launch.h>
#include <rte_lcore.h>

#include "capture.h"

struct rte_mempool;
struct tern_config;
struct tern_stack;

/* What app_start() sets up. */
struct app_start_conf {
	const struct tern_config *cfg;
	const struct cli_capture *capture;	/* --pcap; NULL: the app has none */
	const char *pool_name;
	uint32_t nb_mbufs;
	unsigned int n_stacks;		/* on the first n lcores; 0: every lcore */
	bool telemetry;			/* tern's /tern/... commands */
};

/* What is up; lives in the app's main.c (zeroed, as a static is). */
struct app_env {
	const char *name;		/* "tern-echo": every message starts with it */
	const struct tern_config *cfg;
	struct rte_mempool *pool;
	struct tern_stack *stacks[RTE_MAX_LCORE];	/* by lcore id; NULL: none */
	unsigned int lcores[RTE_MAX_LCORE];	/* the i-th stack's lcore, main first */
	unsigned int n_stacks;
	bool ports_up;
	bool pdump;
	struct app_capture capture;
};

/* rte_eal_init() on the EAL's part of argv (cli_split_eal), then SIGINT
 * and SIGTERM to `on_signal`. Returns 0, or 2 (the exit status) after
 * "<name>: EAL init failed: <reason>". */
int app_eal_init(const char *name, int eal_argc, char **argv, void (*on_signal)(int));

/* The dumpcap hook, telemetry, the pool, the ports (one queue per stack),
 * the capture, the stacks. Returns 0, or -1 after a one-line message;
 * app_stop() and app_exit() undo what was done either way. */
int app_start(struct app_env *env, const char *name, const struct app_start_conf *c);

/* The i-th lcore that has a stack (0: the main lcore). */
unsigned int app_stack_lcore(const struct app_env *env, unsigned int i);

/* Run `fn(arg)` on every EAL lcore, the main one included, and wait for
 * all. Returns 0, or -1 when one of them returned non-zero. */
int app_launch(lcore_function_t *fn, void *arg);

/* tern's counters as a JSON object left open ("{...", no closing brace)
 * for the app's own members. Returns 1 when no member was written (the
 * next needs no comma), 0 when some were, -1 when out of memory (nothing
 * written). */
int app_stats_json_open(FILE *f);

/* tern's counters to `path` as JSON: summed, and with more than one
 * stack each stack's too ("lcore<N>_<name>", non-zero ones). Returns 0,
 * or -1 after "<name>: <path>: <reason>". Stacks must still exist. */
int app_stats_write(const struct app_env *env, const char *path);

/* Stop the capture (its line on stdout), free the stacks, close the
 * ports. Returns the mbufs of the pool still in use (0: all back). */
unsigned int app_stop(struct app_env *env);

/* Free the pool, the dumpcap hook and the EAL. */
void app_exit(struct app_env *env);

#endif
