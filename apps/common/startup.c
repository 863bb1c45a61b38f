/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The apps' shared start and end (startup.h). Called from main.c only,
 * on the main lcore, before the lcores are launched and after they
 * returned; nothing here runs on the data path.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

#include "startup.h"

#define POOL_CACHE 256

int
app_eal_init(const char *name, int eal_argc, char **argv, void (*on_signal)(int))
{
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", name, rte_strerror(rte_errno));
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	return 0;
}

/* The first n lcores, main first: stack i serves queue i of every port. */
static int
stacks_create(struct app_env *env, unsigned int n)
{
	unsigned int lcore = rte_get_main_lcore(), i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			lcore = rte_get_next_lcore(lcore, 1, 0);
		env->lcores[i] = lcore;
		env->stacks[lcore] = tern_stack_create(env->cfg, lcore, (uint16_t)i, env->pool);
		if (env->stacks[lcore] == NULL) {
			fprintf(stderr, "%s: stack on lcore %u: %s\n", env->name, lcore,
				rte_strerror(rte_errno));
			return -1;
		}
		env->n_stacks = i + 1;
		capture_attach(&env->capture, env->stacks[lcore]);
	}
	return 0;
}

int
app_start(struct app_env *env, const char *name, const struct app_start_conf *c)
{
	unsigned int n = c->n_stacks != 0 ? c->n_stacks : rte_lcore_count();

	env->name = name;
	env->cfg = c->cfg;
	if (c->telemetry)
		tern_telemetry_register();
	env->pdump = capture_pdump_init();	/* dpdk-dumpcap can attach */
	env->pool = rte_pktmbuf_pool_create(c->pool_name, c->nb_mbufs, POOL_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (env->pool == NULL) {
		fprintf(stderr, "%s: mbuf pool: %s\n", name, rte_strerror(rte_errno));
		return -1;
	}
	/* tern_netif_setup says what went wrong itself; a half set-up port
	 * is closed by app_stop all the same */
	env->ports_up = true;
	if (tern_netif_setup(c->cfg, (uint16_t)n, env->pool) != 0)
		return -1;
	if (capture_start(&env->capture, c->capture, name) != 0)
		return -1;
	return stacks_create(env, n);
}

unsigned int
app_stack_lcore(const struct app_env *env, unsigned int i)
{
	return env->lcores[i];
}

int
app_launch(lcore_function_t *fn, void *arg)
{
	unsigned int lcore;
	int rc = 0;

	rte_eal_mp_remote_launch(fn, arg, CALL_MAIN);
	RTE_LCORE_FOREACH(lcore)
		if (rte_eal_wait_lcore(lcore) != 0)
			rc = -1;
	return rc;
}

int
app_stats_json_open(FILE *f)
{
	char *tern = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&tern, &len);

	if (mem == NULL)
		return -1;
	tern_stats_dump_json(mem);
	fclose(mem);
	/* "{...}\n" -> "{..." */
	while (len > 0 && (tern[len - 1] == '\n' || tern[len - 1] == '}'))
		tern[--len] = '\0';
	fputs(tern, f);
	free(tern);
	return len <= 1;		/* "{": no member yet */
}

int
app_stats_write(const struct app_env *env, const char *path)
{
	FILE *f = fopen(path, "w");
	int first;

	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", env->name, path, strerror(errno));
		return -1;
	}
	if (env->n_stacks <= 1 || (first = app_stats_json_open(f)) < 0) {
		tern_stats_dump_json(f);
	} else {
		tern_stats_write_lcore_members(f, first);
		fputs("}\n", f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

unsigned int
app_stop(struct app_env *env)
{
	unsigned int i;

	capture_stop(&env->capture, stdout, env->name);
	for (i = 0; i < env->n_stacks; i++) {
		tern_stack_free(env->stacks[env->lcores[i]]);
		env->stacks[env->lcores[i]] = NULL;
	}
	env->n_stacks = 0;
	if (env->ports_up)
		tern_netif_teardown(env->cfg);
	env->ports_up = false;
	return env->pool != NULL ? rte_mempool_in_use_count(env->pool) : 0;
}

void
app_exit(struct app_env *env)
{
	rte_mempool_free(env->pool);
	env->pool = NULL;
	capture_pdump_uninit(env->pdump);
	rte_eal_cleanup();
}
