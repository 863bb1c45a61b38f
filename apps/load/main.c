/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load: an HTTP/1.1 load generator on tern (wrk's output, wrk2's
 * open-loop latency). Parses its own options before the EAL starts (bad
 * input: one line on stderr, exit 2), sets up one stack and channel per
 * lcore it uses (-t caps them; worker 0 is the main lcore, which also
 * prints the live progress line), spreads the connections over them, runs
 * load_worker_run() on each, merges the results, tears everything down and
 * checks that every mbuf came back to the pool (exit 1 if not).
 *
 * usage: tern-load [EAL options] -- --ip A.B.C.D/N -c CONNS -d DURATION ... URL
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "../common/cli.h"
#include "../common/startup.h"
#include "load.h"

#define LINK_WAIT_MS 10000

/* App globals live in main.c only. */
static volatile int quit;
static volatile unsigned int n_signals;	/* --hold waits for the next one */
static struct load_opts opts;
static struct load_clock clk;
static struct load_worker workers[RTE_MAX_LCORE];
static uint32_t n_workers;
static uint32_t n_ready;
static uint32_t n_finished;
static volatile uint64_t go_ns;
static struct load_progress progress_state;
static struct app_env env;		/* EAL, pool, ports, stacks, capture */

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
	n_signals++;
}

/* --hold: the lcores are done and poll no more, the port stays up until
 * a signal (bounded). A net_memif peer that disconnects makes DPDK 22.11's
 * PMD unmap the shared rings from its control thread, unsynchronised with
 * an lcore inside rx/tx burst; with nothing polling here, the server can
 * be stopped first and this side second (lib/README.md, "Multi-core"). */
#define HOLD_MAX_S 120
static void
hold_port(void)
{
	unsigned int seen = n_signals, i;

	fprintf(stderr, "tern-load: run over; holding the port until SIGTERM or SIGINT"
		" (at most %d s)\n", HOLD_MAX_S);
	fflush(stderr);
	for (i = 0; i < HOLD_MAX_S * 100 && n_signals == seen; i++)
		rte_delay_us_sleep(10000);
}

static void
progress(uint64_t now_ns)
{
	load_report_progress(&progress_state, workers, n_workers, now_ns);
}

static int
worker_main(void *arg)
{
	struct load_worker *w = arg;

	return load_worker_run(w, &clk, w == &workers[0] ? progress : NULL);
}

static void
wait_link(uint16_t port)
{
	struct rte_eth_link link;
	int i;

	for (i = 0; i < LINK_WAIT_MS / 10 && !quit; i++) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
			return;
		rte_delay_ms(10);
	}
	fprintf(stderr, "tern-load: port %u link still down after %d ms, starting anyway\n",
		port, LINK_WAIT_MS);
}

/* Channels and histograms for the stacks of the first n lcores (main
 * first). */
static int
setup_workers(struct rte_mempool *pool, uint32_t n)
{
	uint32_t i, first = 0;

	for (i = 0; i < n; i++) {
		struct load_worker *w = &workers[i];
		uint32_t share = opts.conns / n + (i < opts.conns % n);
		unsigned int lcore = app_stack_lcore(&env, i);

		w->o = &opts;
		w->lcore = lcore;
		w->queue = (uint16_t)i;
		w->pool = pool;
		w->first = first;
		w->n = share;
		w->quit = &quit;
		w->ready = &n_ready;
		w->finished = &n_finished;
		w->n_workers = n;
		w->go_ns = &go_ns;
		first += share;
		w->stack = env.stacks[lcore];
		w->chan = tern_chan_create(w->stack, "load", 0);
		w->lat = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);
		if (w->chan == NULL || w->lat == NULL ||
		    load_rps_init(&w->rps, (uint32_t)(opts.duration_ns / 1000000000ull) + 2) != 0) {
			fprintf(stderr, "tern-load: lcore %u: %s\n", lcore,
				w->chan == NULL ? rte_strerror(rte_errno) :
				"no memory for histograms");
			return -1;
		}
	}
	return 0;
}

static int
launch(void)
{
	uint32_t i;

	for (i = 1; i < n_workers; i++)
		if (rte_eal_remote_launch(worker_main, &workers[i], workers[i].lcore) != 0) {
			fprintf(stderr, "tern-load: cannot launch lcore %u\n", workers[i].lcore);
			quit = 1;
			go_ns = 1;		/* release the others at once */
			return -1;
		}
	return worker_main(&workers[0]);
}

/* One lcore's figures as flat "lcore<N>_<name>" JSON members, non-zero
 * ones; `first`: nothing written before them. Returns the new `first`. */
static int
lcore_members(FILE *f, const struct load_worker *w, uint64_t req, uint64_t err, int first)
{
	const struct {
		const char *name;
		uint64_t v;
	} app[] = {
		{ "connections", w->n }, { "connections_up", w->conns_up },
		{ "requests", req }, { "requests_sent", w->sent }, { "errors", err },
	};
	unsigned int k;

	for (k = 0; k < RTE_DIM(app); k++) {
		if (app[k].v == 0)
			continue;
		fprintf(f, "%s\"lcore%u_%s\": %" PRIu64, first ? "" : ", ", w->lcore,
			app[k].name, app[k].v);
		first = 0;
	}
	return first;
}

/* How many connections came up: one line on stderr, one more per lcore
 * when there are several, and for the JSON each lcore's stack counters and
 * figures (lcore_members), with one lcore too (bench/e2e's busy cycles). Before teardown: the stacks must still be
 * registered. */
static void
report_lcores(struct load_result *r)
{
	unsigned int steered = tern_stats_id("flow_rx_steered");
	size_t len = 0;
	FILE *mem;
	uint32_t i;
	int first = 1, ph;

	fprintf(stderr, "tern-load: %u of %u connections up\n", r->conns_up, opts.conns);
	mem = open_memstream(&r->lcores, &len);
	if (mem != NULL)
		first = tern_stats_write_lcore_members(mem, 1) == 0;
	for (i = 0; i < n_workers; i++) {
		const struct load_worker *w = &workers[i];
		uint64_t req = 0, err = 0;

		for (ph = 0; ph < LOAD_PHASE_COUNT; ph++) {
			const struct load_count *c = &w->count[ph];

			req += c->requests;
			err += c->err_connect + c->err_read + c->err_write + c->err_timeout +
			       c->err_reset;
		}
		if (n_workers > 1)
			fprintf(stderr, "tern-load: lcore %u: %u of %u connections up, %" PRIu64
				" requests, %" PRIu64 " errors, %" PRIu64 " frames steered away\n",
				w->lcore, w->conns_up, w->n, req, err,
				tern_stats_get(w->stack, steered));
		if (mem != NULL)
			first = lcore_members(mem, w, req, err, first);
	}
	if (mem != NULL)
		fclose(mem);
}

static void
teardown(struct load_result *r)
{
	uint32_t i;

	for (i = 0; i < n_workers; i++) {
		if (workers[i].chan != NULL)
			tern_chan_free(workers[i].chan);
		workers[i].stack = NULL;	/* app_stop frees it */
		load_worker_fini(&workers[i]);
		hist_free(workers[i].lat);
		load_rps_free(&workers[i].rps);
	}
	if (opts.hold)
		hold_port();
	r->mbufs_leaked = app_stop(&env);
}

int
main(int argc, char **argv)
{
	struct app_start_conf start;
	struct load_result res;
	struct cli_argv args;
	char err[256];
	uint32_t i, avail, nb_mbufs, per, in_flight;
	int rc;

	cli_split_eal(argc, argv, &args);
	rc = cli_outcome("tern-load", load_opts_parse(&opts, args.app_argc, args.app_argv,
						      err, sizeof(err)), err, load_usage);
	if (rc >= 0)
		return rc;
	if (opts.merge)			/* result files only: no EAL */
		return load_merge(&opts);
	rc = 0;
	if (app_eal_init("tern-load", args.eal_argc, argv, on_signal) != 0)
		return 2;
	avail = rte_lcore_count();
	n_workers = opts.threads != 0 && opts.threads < avail ? opts.threads : avail;
	if (n_workers > opts.conns)
		n_workers = opts.conns;
	/* --close: room for each connection, one retired behind it, and
	 * TIME-WAIT; keep-alive connections are long lived: a quarter more */
	per = opts.conns / n_workers + 1;
	per = opts.close_mode ? 4 * per + 64 : per + per / 4 + 1024;
	if (opts.cfg.tcp_max_conns < per)
		opts.cfg.tcp_max_conns = per;
	/* a few mbufs per request in flight (request, its segment, the
	 * response), plus the handshakes of the connect window */
	in_flight = opts.in_flight != 0 ? RTE_MIN(opts.in_flight, opts.conns) : opts.conns;
	nb_mbufs = opts.cfg.nb_mbufs;
	if (nb_mbufs < 4 * in_flight + 8192)
		nb_mbufs = 4 * in_flight + 8192;
	start = (struct app_start_conf){
		.cfg = &opts.cfg, .capture = &opts.cap, .pool_name = "load_pool",
		.nb_mbufs = nb_mbufs, .n_stacks = n_workers, .telemetry = true,
	};
	if (app_start(&env, "tern-load", &start) != 0 || setup_workers(env.pool, n_workers) != 0) {
		fprintf(stderr, "tern-load: setup failed\n");
		rc = 1;
		goto out;
	}
	wait_link(opts.cfg.iface[0].port_id);
	load_clock_init(&clk);
	load_report_header(&opts, n_workers);
	if (launch() != 0)
		rc = 1;
	rte_eal_mp_wait_lcore();
	for (i = 0; i < n_workers; i++)
		if (workers[i].rc != 0)
			rc = 1;
out:
	memset(&res, 0, sizeof(res));
	if (rc == 0 && load_result_merge(&res, workers, n_workers) != 0) {
		fprintf(stderr, "tern-load: no memory for the results\n");
		rc = 1;
	}
	if (rc == 0)
		report_lcores(&res);
	/* with the stacks still up: their counters */
	if (opts.stats_path != NULL && app_stats_write(&env, opts.stats_path) != 0)
		rc = 1;
	teardown(&res);
	if (rc == 0) {
		load_report_text(&res);
		if (res.left_open != 0)
			fprintf(stderr, "tern-load: %u connections not closed within the bound\n",
				res.left_open);
		if (opts.json_path != NULL && load_report_json(&res, opts.json_path) != 0) {
			fprintf(stderr, "tern-load: %s: %s\n", opts.json_path, strerror(errno));
			rc = 1;
		}
		if (opts.hgrm_path != NULL && load_report_hgrm(&res, opts.hgrm_path) != 0) {
			fprintf(stderr, "tern-load: %s: %s\n", opts.hgrm_path, strerror(errno));
			rc = 1;
		}
		if (res.conns_up == 0) {
			/* nothing to measure: a link that never came up, a server
			 * that refuses or never answers (reported above) */
			fprintf(stderr, "tern-load: no connection came up\n");
			rc = 1;
		}
	}
	if (res.mbufs_leaked > 0) {
		fprintf(stderr, "tern-load: %" PRId64 " mbufs not returned to the pool\n",
			res.mbufs_leaked);
		rc = 1;
	}
	load_result_fini(&res);
	app_exit(&env);
	return rc;
}
