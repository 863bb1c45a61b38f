/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-ext-echo: an application in its own process. It runs as a DPDK
 * secondary process next to a stack process (tern-echo --serve-app NAME,
 * or any primary that created channels NAME on its stacks), finds the
 * channel of every stack by name (tern_chan_lookup) and serves TCP and UDP
 * echo through them, polling all of them from one thread. Payload is never
 * copied: received mbufs (in the primary's hugepage pool, mapped here at the
 * same address) go back out as they are. The TCP echo is tern-echo's own
 * (echo_tcp.c).
 *
 * Who owns what: the stack process owns the ports, the lcores that poll
 * them and every TCP/UDP state; this process owns only its end of the
 * channels' rings. It must run on an lcore id that no stack uses (mbuf
 * pool caches are per lcore id, shared between the processes), e.g.
 * `--lcores 9@1`. On SIGINT/SIGTERM or --duration it stops listening,
 * aborts its connections, closes its UDP sockets and waits (bounded) for
 * the stack to confirm, so that another app process can take the ports
 * over. One app process at a time claims the channels (app_proc.h); if it
 * dies instead of leaving, the stack process notices within 100 ms,
 * aborts its connections, frees what its rings held and renews the
 * channels for the next one.
 *
 * usage: tern-ext-echo --proc-type=secondary --file-prefix P --lcores 9@1 \
 *        -- --app NAME [--tcp PORT] [--udp PORT] [--duration T]
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

#include "../common/app_proc.h"
#include "../common/cli.h"
#include "../echo/echo_tcp.h"

#define EV_BURST 64
#define LEAVE_WAIT_S 5		/* for the stack to confirm the aborts */
#define ATTACH_WAIT_S 5		/* for the stack to clean up after a dead app */

struct ext_opts {
	struct tern_config cfg;		/* unused: the shared --config/--ip land here */
	const char *app;
	uint16_t tcp_port;
	uint16_t udp_port;
	uint32_t max_conns;
	uint64_t duration_ns;
};

/* One stack's channel, as this process sees it. */
struct ext_chan {
	struct tern_chan *c;
	unsigned int lcore;		/* the stack's lcore */
	struct echo_tcp tcp;
	uint64_t udp_handle;		/* 0: not bound */
	uint64_t udp_echoed;
	unsigned int setup_done;	/* listens and binds the stack confirmed */
};

/* App globals live in main.c only. */
static volatile int quit;
static struct ext_opts opts;
static struct ext_chan chans[RTE_MAX_LCORE];
static unsigned int n_chans;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tern-ext-echo --proc-type=secondary --file-prefix P --lcores ID@CPU\n"
		"       [EAL options] -- --app NAME [--tcp PORT] [--udp PORT] [--max-conns N]\n"
		"       [--duration T] [--help] [--version]\n"
		"  Serves TCP and UDP echo through the channels NAME of a running stack\n"
		"  process (tern-echo --serve-app NAME) with the same --file-prefix; ID is\n"
		"  an lcore id the stack process does not use.\n");
}

static int
opt_one(void *app, int c, const char *arg, char *err, size_t n)
{
	struct ext_opts *o = app;
	uint64_t v;

	switch (c) {
	case 'a':
		if (arg[0] == '\0' || strlen(arg) > 15)
			return snprintf(err, n, "--app: expected a name of 1..15 characters"), -1;
		o->app = arg;
		return 0;
	case 't':
	case 'u':
		if (cli_parse_count(arg, 1, 65535, &v) != 0)
			return snprintf(err, n, "--%s: expected a port 1..65535, got '%s'",
					c == 't' ? "tcp" : "udp", arg), -1;
		if (c == 't')
			o->tcp_port = (uint16_t)v;
		else
			o->udp_port = (uint16_t)v;
		return 0;
	case 'm':
		if (cli_parse_count(arg, 1, 1u << 24, &v) != 0)
			return snprintf(err, n, "--max-conns: expected 1..16M, got '%s'", arg), -1;
		o->max_conns = (uint32_t)v;
		return 0;
	case 'd':
		if (cli_parse_duration(arg, CLI_NS_PER_S, 1, 10000000ull * CLI_NS_PER_S,
				       &o->duration_ns) != 0)
			return snprintf(err, n, "--duration: expected a duration > 0, got '%s'",
					arg), -1;
		return 0;
	default:
		return snprintf(err, n, "unknown option"), -1;
	}
}

static int
opts_parse(struct ext_opts *o, int argc, char **argv, char *err, size_t n)
{
	static const struct option longopts[] = {
		{ "app", required_argument, NULL, 'a' },
		{ "tcp", required_argument, NULL, 't' },
		{ "udp", required_argument, NULL, 'u' },
		{ "max-conns", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_app cli = {
		.longopts = longopts, .shortopts = "", .cfg = &o->cfg,
		.opt = opt_one, .app = o,
	};
	int rc;

	memset(o, 0, sizeof(*o));
	tern_config_defaults(&o->cfg);
	o->max_conns = o->cfg.tcp_max_conns;	/* the stack's default: slots up to it */
	rc = cli_parse(&cli, argc, argv, err, n);
	if (rc != CLI_RUN)
		return rc;
	if (o->app == NULL)
		return snprintf(err, n, "--app NAME is required"), CLI_ERROR;
	if (o->tcp_port == 0 && o->udp_port == 0)
		return snprintf(err, n, "nothing to serve: give --tcp and/or --udp"), CLI_ERROR;
	return CLI_RUN;
}

/* Every stack's channel `opts.app`; 0, or -1 with the reason told. */
static int
chans_find(void)
{
	unsigned int lc;

	for (lc = 0; lc < RTE_MAX_LCORE; lc++) {
		struct tern_chan *c = tern_chan_lookup(lc, opts.app);

		if (c == NULL)
			continue;
		if (lc == rte_lcore_id()) {
			fprintf(stderr, "tern-ext-echo: the stack of channel %s runs on lcore %u, "
				"ours too: run on an lcore id it does not use (--lcores ID@CPU)\n",
				opts.app, lc);
			return -1;
		}
		chans[n_chans].c = c;
		chans[n_chans++].lcore = lc;
	}
	if (n_chans == 0) {
		fprintf(stderr, "tern-ext-echo: no channel %s: is the stack process running "
			"with --serve-app %s and the same --file-prefix?\n", opts.app, opts.app);
		return -1;
	}
	return 0;
}

static int
chan_start(struct ext_chan *e)
{
	if (echo_tcp_init(&e->tcp, e->c, opts.max_conns, opts.tcp_port, 0) != 0) {
		fprintf(stderr, "tern-ext-echo: lcore %u: no memory for the TCP state, or the "
			"channel's ring is full\n", e->lcore);
		return -1;
	}
	if (opts.udp_port != 0 && tern_udp_bind(e->c, opts.udp_port, 0) != 0)
		return -1;
	return 0;
}

static int
udp_event(struct ext_chan *e, const struct tern_event *ev)
{
	switch (ev->type) {
	case TERN_EV_UDP_BOUND:
		if (ev->status != 0) {
			fprintf(stderr, "tern-ext-echo: lcore %u: udp bind %u: %s\n", e->lcore,
				opts.udp_port, strerror(-ev->status));
			return -1;
		}
		e->udp_handle = ev->handle;
		return 0;
	case TERN_EV_UDP_DATAGRAM:
		if (tern_udp_sendto(e->c, ev->handle, ev->m, ev->addr, ev->port) != 0)
			rte_pktmbuf_free(ev->m);
		else
			e->udp_echoed++;
		return 0;
	default:
		rte_pktmbuf_free(ev->m);
		return 0;
	}
}

/* Take what the stack delivered on `e`; -1 on a fatal error. */
static int
chan_poll(struct ext_chan *e)
{
	struct tern_event ev[EV_BURST];
	unsigned int n, k;

	n = tern_chan_recv(e->c, ev, EV_BURST);
	for (k = 0; k < n; k++) {
		int rc;

		if ((ev[k].type == TERN_EV_TCP_LISTENING || ev[k].type == TERN_EV_UDP_BOUND) &&
		    ev[k].status == 0)
			e->setup_done++;
		if (ev[k].type >= TERN_EV_CMD_ERROR)
			rc = echo_tcp_event(&e->tcp, &ev[k]);
		else
			rc = udp_event(e, &ev[k]);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Leave every stack as we found it: listeners, connections and sockets
 * gone, confirmed by the stack (bounded), the rest of the events freed. */
static void
leave(void)
{
	uint64_t deadline = rte_get_timer_cycles() + LEAVE_WAIT_S * rte_get_timer_hz();
	unsigned int i;
	bool open;

	for (i = 0; i < n_chans; i++) {
		echo_tcp_leave(&chans[i].tcp);
		if (chans[i].udp_handle != 0)
			tern_udp_close(chans[i].c, chans[i].udp_handle);
	}
	do {
		open = false;
		for (i = 0; i < n_chans; i++) {
			chan_poll(&chans[i]);
			open |= chans[i].tcp.accepted != chans[i].tcp.closed;
		}
	} while (open && rte_get_timer_cycles() < deadline);
	if (open)
		fprintf(stderr, "tern-ext-echo: the stack did not confirm every abort in %d s\n",
			LEAVE_WAIT_S);
}

static int
serve(void)
{
	uint64_t end = opts.duration_ns == 0 ? UINT64_MAX :
		       rte_get_timer_cycles() + opts.duration_ns / 1000000 *
		       rte_get_timer_hz() / 1000;
	unsigned int want = (opts.tcp_port != 0) + (opts.udp_port != 0), i, up;
	bool told = false;
	int rc = 0;

	while (!quit && rc == 0 && rte_get_timer_cycles() < end) {
		up = 0;
		for (i = 0; i < n_chans && rc == 0; i++) {
			rc = chan_poll(&chans[i]);
			up += chans[i].setup_done >= want;
		}
		if (!told && up == n_chans) {
			told = true;
			printf("tern-ext-echo: ready (%u channels %s)\n", n_chans, opts.app);
			fflush(stdout);
		}
	}
	leave();
	for (i = 0; i < n_chans; i++) {
		const struct ext_chan *e = &chans[i];

		printf("tern-ext-echo: lcore %u: tcp accepted %" PRIu64 ", closed %" PRIu64
		       ", echoed %" PRIu64 " bytes; udp echoed %" PRIu64 " datagrams\n",
		       e->lcore, e->tcp.accepted, e->tcp.closed, e->tcp.bytes, e->udp_echoed);
		echo_tcp_fini(&chans[i].tcp);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli_argv args;
	char err[256];
	unsigned int i;
	int rc;

	cli_split_eal(argc, argv, &args);
	rc = cli_outcome("tern-ext-echo", opts_parse(&opts, args.app_argc, args.app_argv, err,
						     sizeof(err)), err, usage);
	if (rc >= 0)
		return rc;
	if (rte_eal_init(args.eal_argc, argv) < 0) {
		fprintf(stderr, "tern-ext-echo: EAL init failed: %s (is the stack process "
			"running, with the same --file-prefix?)\n",
			rte_errno != 0 ? rte_strerror(rte_errno) : "cannot attach");
		return 2;
	}
	if (rte_eal_process_type() != RTE_PROC_SECONDARY) {
		fprintf(stderr, "tern-ext-echo: runs as a DPDK secondary process "
			"(--proc-type=secondary --file-prefix P)\n");
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* one app process at a time; a dead one's channels are being renewed */
	if (app_proc_attach("tern-ext-echo", opts.app, ATTACH_WAIT_S) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	rc = chans_find();
	for (i = 0; rc == 0 && i < n_chans; i++)
		rc = chan_start(&chans[i]);
	if (rc == 0)
		rc = serve();
	else
		for (i = 0; i < n_chans; i++)
			echo_tcp_fini(&chans[i].tcp);
	app_proc_detach(opts.app);
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
