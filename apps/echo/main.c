/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-echo: answers ping, echoes UDP datagrams and TCP streams (zero
 * copy: received mbufs go straight back out), and with --tcp-discard is a
 * TCP sink that only counts (RFC 863). One stack per lcore in the EAL's
 * lcore list, one queue per lcore on the port. Runs until SIGINT/SIGTERM
 * or --duration, then prints the counters as JSON and checks that every
 * mbuf came back to the pool (exit 1 if not).
 *
 * Options are parsed before the EAL starts (cli.h): --help and --version
 * need no hugepages, a bad flag is one line on stderr and exit 2.
 *
 * usage: tern-echo [EAL options] -- --ip A.B.C.D/N [--udp PORT] [--tcp PORT]
 *        [--tcp-discard PORT] ...
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

#include "../common/app_proc.h"
#include "../common/cli.h"
#include "../common/startup.h"
#include "echo_opts.h"
#include "echo_tcp.h"

#define EV_BURST 64

/* App globals live in main.c only. */
static volatile int quit;
static struct echo_opts opts;
static struct app_env env;		/* EAL, pool, ports, stacks, capture */
static int worker_rc[RTE_MAX_LCORE];

/* What each lcore's app did: for the per-lcore figures at exit. */
struct echo_lcore_stats {
	uint64_t udp_echoed;		/* datagrams handed back to the stack */
	uint64_t tcp_accepted;
	uint64_t tcp_closed;
	uint64_t tcp_bytes;		/* echoed */
	uint64_t tcp_discarded;
	uint64_t setup_done;		/* binds and listens the stack confirmed */
};
static struct echo_lcore_stats lcore_stats[RTE_MAX_LCORE];
static unsigned int lcores_up;		/* lcores whose every socket is up */

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
echo_events(struct tern_chan *c, struct echo_tcp *et, const struct tern_event *ev,
	    unsigned int n, struct echo_lcore_stats *st)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		if ((ev[k].type == TERN_EV_TCP_LISTENING || ev[k].type == TERN_EV_UDP_BOUND) &&
		    ev[k].status == 0)
			st->setup_done++;
		if (ev[k].type >= TERN_EV_CMD_ERROR && et != NULL) {
			if (echo_tcp_event(et, &ev[k]) != 0)
				return -1;
			continue;
		}
		switch (ev[k].type) {
		case TERN_EV_UDP_DATAGRAM:
			if (tern_udp_sendto(c, ev[k].handle, ev[k].m, ev[k].addr,
					    ev[k].port) != 0)
				rte_pktmbuf_free(ev[k].m);
			else
				st->udp_echoed++;
			break;
		case TERN_EV_UDP_BOUND:
			if (ev[k].status != 0) {
				fprintf(stderr, "tern-echo: udp bind %u: %s\n", opts.udp_port,
					strerror(-ev[k].status));
				return -1;
			}
			break;
		default:
			rte_pktmbuf_free(ev[k].m);
			break;
		}
	}
	return 0;
}

/* "ready" once every lcore has bound and listens on every port: a
 * datagram or SYN reaches the lcore that owns its 4-tuple, so a client let
 * in earlier could meet an lcore without its socket yet. The main lcore
 * says it. */
static void
say_ready(const struct echo_lcore_stats *st, bool *up, bool *told)
{
	unsigned int want = (opts.udp_port != 0) + (opts.tcp_port != 0) +
			    (opts.tcp_discard_port != 0);

	if (!*up && st->setup_done >= want) {
		*up = true;
		__atomic_add_fetch(&lcores_up, 1, __ATOMIC_RELEASE);
	}
	if (*told || rte_lcore_id() != rte_get_main_lcore() ||
	    __atomic_load_n(&lcores_up, __ATOMIC_ACQUIRE) != rte_lcore_count())
		return;
	*told = true;
	printf("tern-echo: ready\n");
	fflush(stdout);
}

static int
echo_lcore(void *arg)
{
	bool up = false, told = false;
	unsigned int lcore = rte_lcore_id();
	struct tern_stack *s = env.stacks[lcore];
	uint64_t end = 0;
	struct tern_event ev[EV_BURST];
	struct echo_tcp tcp, *et = NULL;
	struct app_proc_watch served;	/* --serve-app: the other process's channel */
	struct tern_chan *c;

	(void)arg;
	c = tern_chan_create(s, "echo", 0);
	if (c == NULL) {
		fprintf(stderr, "tern-echo: channel: %s\n", rte_strerror(rte_errno));
		return worker_rc[lcore] = -1;
	}
	/* the other process polls this one; the stack serves both */
	served.chan = NULL;
	if (opts.serve_app != NULL) {
		if (app_proc_watch_start(&served, "tern-echo", s, opts.serve_app) != 0) {
			fprintf(stderr, "tern-echo: channel %s: %s\n", opts.serve_app,
				rte_strerror(rte_errno));
			tern_chan_free(c);
			return worker_rc[lcore] = -1;
		}
	}
	if (opts.udp_port != 0)
		tern_udp_bind(c, opts.udp_port, 0);
	if (opts.tcp_port != 0 || opts.tcp_discard_port != 0) {
		if (echo_tcp_init(&tcp, c, opts.cfg.tcp_max_conns, opts.tcp_port,
				  opts.tcp_discard_port) != 0) {
			fprintf(stderr, "tern-echo: TCP: no memory for its state, or "
				"the listen command was refused\n");
			echo_tcp_fini(&tcp);
			tern_chan_free(c);
			if (opts.serve_app != NULL)
				app_proc_watch_stop(&served);
			return worker_rc[lcore] = -1;
		}
		et = &tcp;
	}
	if (opts.duration_s > 0)
		end = tern_stack_now(s) + (uint64_t)(opts.duration_s * 1e9);
	while (!quit && worker_rc[lcore] == 0) {
		unsigned int n;

		tern_stack_poll(s);
		n = tern_chan_recv(c, ev, EV_BURST);
		if (n > 0 && echo_events(c, et, ev, n, &lcore_stats[lcore]) != 0)
			worker_rc[lcore] = -1;
		say_ready(&lcore_stats[lcore], &up, &told);
		if (opts.serve_app != NULL)
			app_proc_watch_poll(&served, tern_stack_now(s));
		if (end != 0 && tern_stack_now(s) >= end)
			break;
	}
	quit = 1;
	/* flush what the last commands produced */
	tern_stack_poll(s);
	tern_chan_free(c);
	if (opts.serve_app != NULL)
		app_proc_watch_stop(&served);
	if (rte_lcore_count() > 1)	/* the spread over lcores, and the steering */
		printf("tern-echo: lcore %u: udp echoed %" PRIu64 " datagrams, %" PRIu64
		       " frames steered away, %" PRIu64 " from peers\n", lcore,
		       lcore_stats[lcore].udp_echoed,
		       tern_stats_get(s, tern_stats_id("flow_rx_steered")),
		       tern_stats_get(s, tern_stats_id("flow_rx_from_peer")));
	if (et != NULL) {
		lcore_stats[lcore].tcp_accepted = et->accepted;
		lcore_stats[lcore].tcp_closed = et->closed;
		lcore_stats[lcore].tcp_bytes = et->bytes;
		lcore_stats[lcore].tcp_discarded = et->discarded;
		printf("tern-echo: lcore %u: tcp accepted %" PRIu64 ", closed %" PRIu64
		       ", echoed %" PRIu64 " bytes, discarded %" PRIu64 " bytes%s\n", lcore,
		       et->accepted, et->closed, et->bytes, et->discarded,
		       et->ring_full ? " (command ring overflowed)" : "");
		echo_tcp_fini(et);
	}
	return worker_rc[lcore];
}

/* "ready" comes from the main lcore once every stack is set up */
static int
run(void)
{
	unsigned int lcore;
	int rc = app_launch(echo_lcore, NULL);

	RTE_LCORE_FOREACH(lcore)
		if (worker_rc[lcore] != 0)
			rc = -1;
	return rc;
}

/* tern's counters; with more than one lcore, each stack's and our own per
 * lcore too, as flat "lcore<N>_<name>" members (non-zero ones only). */
static void
write_stats(FILE *f)
{
	unsigned int lcore, i;
	int first;

	if (rte_lcore_count() == 1) {
		tern_stats_dump_json(f);
		return;
	}
	first = app_stats_json_open(f);
	if (first < 0)
		return;
	first = tern_stats_write_lcore_members(f, first) == 0 && first;
	RTE_LCORE_FOREACH(lcore) {
		const struct echo_lcore_stats *st = &lcore_stats[lcore];
		const struct {
			const char *name;
			uint64_t v;
		} app[] = {
			{ "echo_udp_datagrams", st->udp_echoed },
			{ "echo_tcp_accepted", st->tcp_accepted },
			{ "echo_tcp_closed", st->tcp_closed },
			{ "echo_tcp_bytes", st->tcp_bytes },
			{ "echo_tcp_discarded", st->tcp_discarded },
		};

		for (i = 0; i < RTE_DIM(app); i++) {
			if (app[i].v == 0)
				continue;
			fprintf(f, "%s\"lcore%u_%s\": %" PRIu64, first ? "" : ", ", lcore,
				app[i].name, app[i].v);
			first = 0;
		}
	}
	fputs("}\n", f);
}

static void
dump_stats(void)
{
	FILE *f = stdout;

	if (opts.stats_path != NULL) {
		f = fopen(opts.stats_path, "w");
		if (f == NULL) {
			fprintf(stderr, "tern-echo: %s: %s\n", opts.stats_path, strerror(errno));
			return;
		}
	}
	write_stats(f);
	if (f != stdout)
		fclose(f);
}

int
main(int argc, char **argv)
{
	struct app_start_conf start;
	struct cli_argv args;
	char err[256];
	unsigned int in_use;
	int rc;

	/* our options first: --help, --version and bad flags need no EAL */
	cli_split_eal(argc, argv, &args);
	rc = cli_outcome("tern-echo", echo_opts_parse(&opts, args.app_argc, args.app_argv,
						      err, sizeof(err)), err, echo_usage);
	if (rc >= 0)
		return rc;
	if (app_eal_init("tern-echo", args.eal_argc, argv, on_signal) != 0)
		return 2;
	start = (struct app_start_conf){
		.cfg = &opts.cfg, .capture = &opts.cap, .pool_name = "echo_pool",
		.nb_mbufs = opts.cfg.nb_mbufs, .telemetry = true,
	};
	rc = app_start(&env, "tern-echo", &start);
	if (rc == 0 && opts.serve_app != NULL &&
	    app_proc_serve_init(opts.serve_app, env.n_stacks) != 0) {
		fprintf(stderr, "tern-echo: --serve-app %s: %s\n", opts.serve_app,
			rte_strerror(rte_errno));
		rc = -1;
	}
	if (rc == 0)
		rc = run();		/* says "ready" once every lcore is set up */
	dump_stats();
	in_use = app_stop(&env);
	if (in_use != 0) {
		fprintf(stderr, "tern-echo: %u mbufs not returned to the pool\n", in_use);
		rc = -1;
	}
	app_exit(&env);
	return rc == 0 ? 0 : 1;
}
