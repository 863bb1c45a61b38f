/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd: an HTTP/1.1 server over tern TCP for measuring the stack
 * (GET and HEAD of `/` and `/bytes/N`, keep-alive, pipelining, bodies sent
 * by reference). One stack, channel and listener per lcore in the EAL's
 * lcore list, one queue per lcore on the port. Runs until SIGINT/SIGTERM
 * or --duration, then prints tern's counters merged with its own as one
 * JSON object and checks that every mbuf came back to the pool (exit 1 if
 * not). --stall-ms/--stall-every-ms make the loop stop now and then (a
 * stalled server, for load generators' coordinated-omission tests).
 *
 * Options are parsed before the EAL starts (httpd_opts.c): --help and
 * --version need no hugepages, a bad flag is one line on stderr and exit 2.
 *
 * usage: tern-httpd [EAL options] -- --ip A.B.C.D/N [--port 80] ...
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
#include <rte_malloc.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include <tern/tern.h>

#include "../common/cli.h"
#include "../common/startup.h"
#include "httpd_conn.h"
#include "httpd_opts.h"

#define EV_BURST 64

/* App globals live in main.c only. */
static volatile int quit;
static struct httpd_opts opts;
static struct app_env env;		/* EAL, pool, ports, stacks, capture */
static struct httpd_stats lcore_stats[RTE_MAX_LCORE];
static int worker_rc[RTE_MAX_LCORE];
static unsigned int lcores_listening;	/* lcores whose every listener is up */

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* Busy-wait `ms` without polling the stack: what a stalled server does. */
static void
stall(uint32_t ms)
{
	uint64_t end = rte_get_tsc_cycles() + (uint64_t)ms * rte_get_tsc_hz() / 1000;

	while (rte_get_tsc_cycles() < end && !quit)
		rte_pause();
}

static int
drain_events(struct httpd_srv *h, struct tern_chan *c)
{
	struct tern_event ev[EV_BURST];
	unsigned int n, k;

	do {
		n = tern_chan_recv(c, ev, EV_BURST);
		for (k = 0; k < n; k++)
			if (httpd_srv_event(h, &ev[k]) != 0)
				return -1;
	} while (n == EV_BURST);
	return 0;
}

/* "ready" once every lcore listens on every port: a SYN reaches the lcore
 * that owns its 4-tuple, so a client let in earlier could meet an lcore
 * without a listener yet and be refused. The main lcore says it. */
static void
say_ready(const struct httpd_srv *h, bool *up, bool *told)
{
	if (!*up && h->listening == h->conf.n_ports) {
		*up = true;
		__atomic_add_fetch(&lcores_listening, 1, __ATOMIC_RELEASE);
	}
	if (*told || rte_lcore_id() != rte_get_main_lcore() ||
	    __atomic_load_n(&lcores_listening, __ATOMIC_ACQUIRE) != rte_lcore_count())
		return;
	*told = true;
	if (opts.n_ports > 1)
		printf("tern-httpd: ready on ports %u-%u\n", opts.port,
		       opts.port + opts.n_ports - 1);
	else
		printf("tern-httpd: ready on port %u\n", opts.port);
	fflush(stdout);
}

static void
serve(struct tern_stack *s, struct tern_chan *c, struct httpd_srv *h)
{
	bool up = false, told = false;
	unsigned int lcore = rte_lcore_id();
	uint64_t now = tern_stack_now(s), end = 0, next_stall = 0;
	const uint64_t every_ns = (uint64_t)opts.stall_every_ms * 1000000;

	if (opts.duration_s > 0)
		end = now + (uint64_t)(opts.duration_s * 1e9);
	if (every_ns != 0)
		next_stall = now + every_ns;
	while (!quit && worker_rc[lcore] == 0) {
		tern_stack_poll(s);
		now = tern_stack_now(s);
		httpd_srv_tick(h, now);
		if (drain_events(h, c) != 0) {
			worker_rc[lcore] = -1;
			break;
		}
		httpd_srv_run(h);
		say_ready(h, &up, &told);
		if (next_stall != 0 && now >= next_stall) {
			stall(opts.stall_ms);
			h->st.stalls++;
			next_stall = tern_stack_now(s) + every_ns - (uint64_t)opts.stall_ms * 1000000;
		}
		if (end != 0 && now >= end)
			break;
	}
}

static int
httpd_lcore(void *arg)
{
	unsigned int lcore = rte_lcore_id();
	struct tern_stack *s = env.stacks[lcore];
	struct httpd_srv_conf conf = {
		.max_conns = opts.cfg.tcp_max_conns,
		.sndbuf = opts.cfg.tcp_sndbuf,
		.port = opts.port,
		.n_ports = opts.n_ports,
		.body_size = opts.body_size,
		.max_body = opts.max_body,
		.idle_ns = (uint64_t)(opts.idle_timeout_s * 1e9),
		.head_ns = (uint64_t)(opts.header_timeout_s * 1e9),
		.rate_window_ns = (uint64_t)(opts.min_rate_window_s * 1e9),
		.min_rate = opts.min_rate,
		.max_per_addr = opts.max_conns_per_addr,
	};
	struct httpd_srv *h;
	struct tern_chan *c;

	(void)arg;
	h = rte_zmalloc_socket("httpd_srv", sizeof(*h), RTE_CACHE_LINE_SIZE,
			       (int)rte_socket_id());
	c = tern_chan_create(s, "httpd", 0);
	if (h == NULL || c == NULL) {
		fprintf(stderr, "tern-httpd: lcore %u: %s\n", lcore,
			h == NULL ? "no memory" : rte_strerror(rte_errno));
		rte_free(h);
		if (c != NULL)
			tern_chan_free(c);
		quit = 1;
		return worker_rc[lcore] = -1;
	}
	if (httpd_srv_init(h, c, lcore, &conf, env.pool) != 0) {
		tern_chan_free(c);
		rte_free(h);
		quit = 1;
		return worker_rc[lcore] = -1;
	}
	serve(s, c, h);
	quit = 1;
	/* flush what the last commands produced */
	tern_stack_poll(s);
	tern_chan_free(c);
	lcore_stats[lcore] = h->st;
	if (rte_lcore_count() > 1)	/* the spread over lcores, and the steering */
		printf("tern-httpd: lcore %u: %" PRIu64 " requests, %" PRIu64 " connections, "
		       "%" PRIu64 " frames steered away, %" PRIu64 " from peers\n", lcore,
		       h->st.requests, h->st.conns_accepted,
		       tern_stats_get(s, tern_stats_id("flow_rx_steered")),
		       tern_stats_get(s, tern_stats_id("flow_rx_from_peer")));
	else
		printf("tern-httpd: lcore %u: %" PRIu64 " requests, %" PRIu64 " connections\n",
		       lcore, h->st.requests, h->st.conns_accepted);
	httpd_srv_fini(h);
	rte_free(h);
	return worker_rc[lcore];
}

/* "ready" comes from the main lcore once every lcore listens */
static int
run(void)
{
	unsigned int lcore;
	int rc = app_launch(httpd_lcore, NULL);

	RTE_LCORE_FOREACH(lcore)
		if (worker_rc[lcore] != 0)
			rc = -1;
	return rc;
}

static void
sum_stats(struct httpd_stats *t)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)t;
	unsigned int lcore, i;

	memset(t, 0, sizeof(*t));
	RTE_LCORE_FOREACH(lcore) {
		src = (const uint64_t *)&lcore_stats[lcore];
		for (i = 0; i < sizeof(*t) / sizeof(uint64_t); i++)
			dst[i] += src[i];
	}
}

/* With more than one lcore: each stack's counters and our own per lcore,
 * as flat "lcore<N>_<name>" members, non-zero ones only. */
static void
write_lcore_stats(FILE *f)
{
	unsigned int lcore;

	tern_stats_write_lcore_members(f, 0);
	RTE_LCORE_FOREACH(lcore) {
		const struct httpd_stats *st = &lcore_stats[lcore];
		const struct {
			const char *name;
			uint64_t v;
		} app[] = {
			{ "httpd_requests", st->requests },
			{ "httpd_conns_accepted", st->conns_accepted },
			{ "httpd_conns_closed", st->conns_closed },
			{ "httpd_rx_bytes", st->rx_bytes },
			{ "httpd_tx_bytes", st->tx_bytes },
			{ "httpd_idle_timeouts", st->idle_timeouts },
			{ "httpd_head_timeouts", st->head_timeouts },
			{ "httpd_slow_requests", st->slow_requests },
			{ "httpd_conns_addr_refused", st->conns_addr_refused },
		};
		unsigned int i;

		for (i = 0; i < RTE_DIM(app); i++)
			if (app[i].v != 0)
				fprintf(f, ", \"lcore%u_%s\": %" PRIu64, lcore, app[i].name,
					app[i].v);
	}
}

/* tern's counters ({"name": n, ...}) with ours added as httpd_* keys. */
static void
write_stats(FILE *f)
{
	static const char *const st_names[HTTPD_ST_COUNT] = {
		"200", "400", "404", "405", "408", "414", "431", "501", "505", "other",
	};
	struct httpd_stats t;
	unsigned int i;
	int first = app_stats_json_open(f);

	if (first < 0)
		return;
	sum_stats(&t);
	fprintf(f, "%s\"httpd_requests\": %" PRIu64, first ? "" : ", ", t.requests);
	for (i = 0; i < HTTPD_ST_COUNT; i++)
		fprintf(f, ", \"httpd_status_%s\": %" PRIu64, st_names[i], t.status[i]);
	fprintf(f, ", \"httpd_rx_bytes\": %" PRIu64 ", \"httpd_tx_bytes\": %" PRIu64
		", \"httpd_body_bytes\": %" PRIu64 ", \"httpd_conns_accepted\": %" PRIu64
		", \"httpd_conns_closed\": %" PRIu64 ", \"httpd_conns_overflow\": %" PRIu64
		", \"httpd_conns_reused\": %" PRIu64 ", \"httpd_idle_timeouts\": %" PRIu64
		", \"httpd_head_buf_short\": %" PRIu64 ", \"httpd_mbuf_short\": %" PRIu64
		", \"httpd_ring_full\": %" PRIu64 ", \"httpd_send_refused\": %" PRIu64
		", \"httpd_stalls\": %" PRIu64 ", \"httpd_head_timeouts\": %" PRIu64
		", \"httpd_slow_requests\": %" PRIu64 ", \"httpd_conns_addr_refused\": %" PRIu64
		", \"httpd_conns_addr_untracked\": %" PRIu64 ", \"httpd_bad_host\": %" PRIu64,
		t.rx_bytes, t.tx_bytes, t.body_bytes, t.conns_accepted, t.conns_closed,
		t.conns_overflow, t.conns_reused, t.idle_timeouts, t.head_buf_short,
		t.mbuf_short, t.ring_full, t.send_refused, t.stalls, t.head_timeouts,
		t.slow_requests, t.conns_addr_refused, t.conns_addr_untracked, t.bad_host);
	if (opts.n_ports > 1)		/* "httpd_accepted_port_8080": n, ... */
		for (i = 0; i < opts.n_ports; i++)
			fprintf(f, ", \"httpd_accepted_port_%u\": %" PRIu64,
				opts.port + i, t.accepted_by_port[i]);
	if (rte_lcore_count() > 1)
		write_lcore_stats(f);
	fprintf(f, "}\n");
}

static void
dump_stats(void)
{
	FILE *f = stdout;

	if (opts.stats_path != NULL) {
		f = fopen(opts.stats_path, "w");
		if (f == NULL) {
			fprintf(stderr, "tern-httpd: %s: %s\n", opts.stats_path, strerror(errno));
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
	rc = cli_outcome("tern-httpd", httpd_opts_parse(&opts, args.app_argc, args.app_argv,
							err, sizeof(err)), err, httpd_usage);
	if (rc >= 0)
		return rc;
	if (app_eal_init("tern-httpd", args.eal_argc, argv, on_signal) != 0)
		return 2;
	start = (struct app_start_conf){
		.cfg = &opts.cfg, .capture = &opts.cap, .pool_name = "httpd_pool",
		.nb_mbufs = opts.cfg.nb_mbufs, .telemetry = true,
	};
	rc = app_start(&env, "tern-httpd", &start);
	if (rc == 0)
		rc = run();		/* says "ready" once every lcore listens */
	dump_stats();
	in_use = app_stop(&env);
	if (in_use != 0) {
		fprintf(stderr, "tern-httpd: %u mbufs not returned to the pool\n", in_use);
		rc = -1;
	}
	app_exit(&env);
	return rc == 0 ? 0 : 1;
}
