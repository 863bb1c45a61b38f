/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The sim grid: every cell is one 32 MiB transfer A->B over the simulated
 * link (sim_link.h) with one kind of fault, for SACK on and off and for
 * every congestion control the stack offers. A cell passes when every
 * byte arrives intact (checked against the pattern as it arrives, FNV-1a
 * of the whole stream compared at the end), both ends close cleanly,
 * within the cell's bound of simulated time, and its goodput (MB of
 * payload per simulated second, 1 MB = 10^6 bytes, from connect to the
 * last byte) is at least GRID_TOLERANCE of the committed table
 * tests/sim/grid_golden.txt (one line per cell: "name goodput").
 * Improvements beyond the tolerance the other way are printed, not failed.
 *
 * Runs are seeded, so the table reproduces exactly on the same code:
 *   TERN_SIM_GRID_REGEN=1 build/tests/sim/test_sim_grid        rewrites it
 *   build/tests/sim/test_sim_grid --quick    a subset (what CI runs)
 *   build/tests/sim/test_sim_grid            the full grid
 *   TERN_SIM_GRID_CELL=substring             only matching cells
 *
 * Links. Fault cells: 1 Gbit/s, 1 ms RTT, 256-frame queue, 256 KiB
 * windows (never congested: window < BDP + queue), each fault on both
 * directions. Bottleneck cells: 100 Mbit/s, 10 ms RTT (BDP 125 kB, about
 * 83 full frames), 2 MiB windows, the queue 0.25 or 4 BDP: the losses are
 * congestion losses at the tail of the queue.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "sim_bulk.h"
#include "sim_link.h"
#include "core/stack_private.h"
#include "tcp/tcb.h"
#include "tcp/tcp_private.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define STEP_NS (10 * US)
#define GRID_BYTES (32ull << 20)
#define GRID_TOLERANCE 0.70	/* fail below 70% of the golden goodput */
#define GRID_IMPROVED 1.10	/* print when above 110% */
#define GRID_SEED 0x6e7d0001ull
#define MAX_CELLS 128u

#ifndef TERN_SIM_GOLDEN
#error "TERN_SIM_GOLDEN must name tests/sim/grid_golden.txt"
#endif

/* One kind of link; every cell is a link x SACK x congestion control. */
struct grid_link {
	const char *name;
	uint64_t delay_ns;		/* one way */
	struct sim_faults f;		/* applied to both directions */
	uint32_t wnd;			/* rcvbuf = sndbuf */
	uint64_t limit_ns;		/* bound on simulated time */
	bool quick;			/* in the --quick subset */
	const char *known_bug;		/* fails for a reported TCP bug: printed,
					 * not counted (remove once it passes) */
};

#define GBPS 1000000000ull
#define FAULT_LINK(extra...) { .rate_bps = GBPS, .queue_pkts = 256, extra }

static const struct grid_link grid_links[] = {
	{ "loss_0",  500 * US, FAULT_LINK(.drop_ppm = 0), 256 << 10, 10 * SEC, true, NULL },
	{ "loss_1",  500 * US, FAULT_LINK(.drop_ppm = 10000), 256 << 10, 60 * SEC, true, NULL },
	{ "loss_2",  500 * US, FAULT_LINK(.drop_ppm = 20000), 256 << 10, 60 * SEC, false, NULL },
	{ "loss_5",  500 * US, FAULT_LINK(.drop_ppm = 50000), 256 << 10, 120 * SEC, false,
	  "issue 4: RTT samples after spurious RTOs inflate SRTT/RTO" },
	{ "loss_10", 500 * US, FAULT_LINK(.drop_ppm = 100000), 256 << 10, 300 * SEC, true,
	  "issue 4: RTT samples after spurious RTOs inflate SRTT/RTO" },
	/* Gilbert-Elliott in slots of one full frame's time (12 us): enter
	 * Bad with 0.5%, leave with 25% (outages of 4 slots on average), Bad
	 * loses everything: about 2% of the time the link is out */
	{ "burst",   500 * US, FAULT_LINK(.ge_p_ppm = 5000, .ge_r_ppm = 250000,
				 .ge_loss_bad_ppm = 1000000, .ge_slot_ns = 12 * US),
	  256 << 10, 60 * SEC, true, NULL },
	/* 3% of frames 250 us late: about 20 frames overtake each */
	{ "reorder", 500 * US, FAULT_LINK(.delay_ppm = 30000, .extra_delay_ns = 250 * US),
	  256 << 10, 60 * SEC, true, NULL },
	{ "dup",     500 * US, FAULT_LINK(.dup_ppm = 50000), 256 << 10, 10 * SEC, false, NULL },
	{ "bitflip", 500 * US, FAULT_LINK(.corrupt_ppm = 10000), 256 << 10, 60 * SEC, true, NULL },
	{ "bneck_q025", 5 * MS, { .rate_bps = 100000000, .queue_pkts = 21 }, 2 << 20,
	  60 * SEC, true, NULL },
	{ "bneck_q4",   5 * MS, { .rate_bps = 100000000, .queue_pkts = 330 }, 2 << 20,
	  60 * SEC, true, NULL },
};

/* Congestion controls: every cell runs with both. */
static const char *const grid_ccs[] = {
	"newreno",
	"cubic",
};

static void
cell_set_cc(struct tern_config *cfg, const char *cc)
{
	cfg->tcp_cc = strcmp(cc, "cubic") == 0 ? TERN_TCP_CC_CUBIC : TERN_TCP_CC_NEWRENO;
}

struct cell_result {
	char name[64];
	double goodput;			/* MB / sim s */
	double sim_s, wall_s;
	bool ok;
	char why[160];
};

struct golden {
	unsigned int n;
	char name[MAX_CELLS][64];
	double goodput[MAX_CELLS];
};

struct grid_opts {
	bool quick;
	bool regen;
	const char *only;
};

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The connection on node i that is not listening or closed (one at most). */
static const struct tcb *
sim_tcb(const struct sim *sim, unsigned int i)
{
	const struct tcp_table *t = sim->node[i].s->tcp;
	uint32_t k;

	for (k = 0; k < t->n_tcbs; k++)
		if (t->tcbs[k].state != TCP_ST_CLOSED && t->tcbs[k].state != TCP_ST_LISTEN)
			return &t->tcbs[k];
	return NULL;
}

static void
print_tcb(const char *who, const struct tcb *t)
{
	if (t == NULL) {
		printf("    %s: no TCB\n", who);
		return;
	}
	printf("    %s: state %u una %u nxt %u max %u snd.wnd %u rcv.nxt %u rcv.wnd %u "
	       "cwnd %u ssthresh %u recover %u dupacks %u backoff %u retries %u "
	       "rto %" PRIu64 " ms srtt %u us flags 0x%x sndq %u reass %u\n", who,
	       t->state, t->snd.una - t->iss, t->snd.nxt - t->iss, t->snd.max - t->iss,
	       t->snd.wnd, t->rcv.nxt - t->irs, t->rcv.wnd, t->cwnd, t->ssthresh,
	       t->recover - t->iss, t->dupacks, t->backoff, t->retries, (uint64_t)(t->rto_ns / MS),
	       t->rtt.srtt_us, t->flags, t->sndq.bytes,
	       t->reass != NULL ? t->reass->n : 0);
}

static void
print_cell_detail(const struct sim *sim, const struct sim_bulk *b)
{
	printf("    sent %" PRIu64 " received %" PRIu64 " bad_off %" PRId64 " shut %d "
	       "tx_closed %d (%d) peer_closed %d rx_closed %d (%d)\n", b->sent, b->rcvd,
	       b->bad_off == UINT64_MAX ? -1 : (int64_t)b->bad_off, b->shut, b->tx_closed,
	       b->tx_status, b->peer_closed, b->rx_closed, b->rx_status);
	print_tcb("A", sim_tcb(sim, 0));
	print_tcb("B", sim_tcb(sim, 1));
	sim_print_counters(sim, 0);
	sim_print_counters(sim, 1);
	sim_print_dir(sim, 0);
	sim_print_dir(sim, 1);
}

static bool
cell_check(const struct sim *sim, const struct sim_bulk *b, const struct grid_link *l,
	   uint64_t tx_hash, struct cell_result *r)
{
	unsigned int i;

	if (b->bad_off != UINT64_MAX)
		snprintf(r->why, sizeof(r->why), "corrupt stream at byte %" PRIu64, b->bad_off);
	else if (b->rcvd != b->total || b->t_done == 0)
		snprintf(r->why, sizeof(r->why), "stalled: %" PRIu64 " of %" PRIu64
			 " bytes after %.1f sim s", b->rcvd, b->total, r->sim_s);
	else if (b->rx_hash != tx_hash)
		snprintf(r->why, sizeof(r->why), "stream hash differs");
	else if (b->t_done - b->t_start > l->limit_ns)
		snprintf(r->why, sizeof(r->why), "too slow: %.1f sim s > %.1f",
			 r->sim_s, (double)l->limit_ns / 1e9);
	else if (!b->tx_closed || !b->rx_closed || b->tx_status != 0 || b->rx_status != 0)
		snprintf(r->why, sizeof(r->why), "no clean close: A %d/%d B %d/%d",
			 b->tx_closed, b->tx_status, b->rx_closed, b->rx_status);
	for (i = 0; i < 2 && r->why[0] == '\0'; i++) {
		/* each flipped bit was caught by a checksum (or an IPv4 header
		 * check it made fail) on the receiving side */
		uint64_t flipped = sim->dir[1 - i].corrupted;

		if (sim_ctr_corrupt_caught(sim, i) != flipped)
			snprintf(r->why, sizeof(r->why), "node %u: %" PRIu64 " frames corrupted "
				 "but %" PRIu64 " caught", i, flipped, sim_ctr_corrupt_caught(sim, i));
		else if (flipped > 0 && sim_ctr(sim, i, CTR_IP_RX_BAD_CSUM) +
			 sim_ctr(sim, i, CTR_TCP_RX_BAD_CSUM) == 0)
			snprintf(r->why, sizeof(r->why), "node %u: no checksum failure counted", i);
	}
	return r->why[0] == '\0';
}

static void
run_cell(const struct grid_link *l, bool sack, const char *cc, const uint8_t *pattern,
	 uint64_t tx_hash, struct rte_mempool *pool, struct cell_result *r)
{
	struct tern_config cfg;
	struct sim sim;
	struct sim_bulk b;
	uint64_t end, extra = 0;
	double w0 = wall_s();
	unsigned int i;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s/%s/%s", l->name, sack ? "sack" : "nosack", cc);
	sim_config(&cfg);
	cfg.tcp_rcvbuf = l->wnd;
	cfg.tcp_sndbuf = l->wnd;
	cfg.tcp_sack = sack;
	cfg.tcp_msl_ms = 500;
	cell_set_cc(&cfg, cc);
	sim_init(&sim, &cfg, pool, l->delay_ns, GRID_SEED);
	for (i = 0; i < 2; i++)
		sim.dir[i].faults = l->f;
	sim_bulk_start(&sim, &b, pattern, GRID_BYTES);
	end = b.t_start + l->limit_ns + 5 * SEC;
	while (!sim_bulk_finished(&b) && sim.now < end && b.bad_off == UINT64_MAX) {
		sim_step(&sim, STEP_NS);
		sim_bulk_poll(&sim, &b);
		if (b.t_done != 0 && extra == 0) {	/* the close may take RTOs too */
			extra = 1;
			end = RTE_MIN(end, sim.now + 20 * SEC);
		}
	}
	r->wall_s = wall_s() - w0;
	r->sim_s = (double)((b.t_done ? b.t_done : sim.now) - b.t_start) / 1e9;
	r->goodput = b.t_done ? (double)b.total / 1e6 / r->sim_s : 0.0;
	r->ok = cell_check(&sim, &b, l, tx_hash, r);
	printf("  %-28s %9.3f MB/s  %7.3f sim s %6.2f wall s  retrans %" PRIu64 " fast %"
	       PRIu64 " rto %" PRIu64 " | link drop %" PRIu64 "+%" PRIu64 " queue %" PRIu64
	       " (max %u) dup %" PRIu64 " reord %" PRIu64 " flip %" PRIu64 "/%" PRIu64
	       " caught %" PRIu64 "/%" PRIu64 "%s%s\n", r->name, r->goodput, r->sim_s,
	       r->wall_s, sim_ctr(&sim, 0, CTR_TCP_TX_RETRANS),
	       sim_ctr(&sim, 0, CTR_TCP_FAST_RETRANS), sim_ctr(&sim, 0, CTR_TCP_RTO),
	       sim.dir[0].dropped, sim.dir[0].burst_dropped, sim.dir[0].queue_dropped,
	       sim.dir[0].bq_max, sim.dir[0].duplicated, sim.dir[0].delayed,
	       sim.dir[0].corrupted, sim.dir[1].corrupted, sim_ctr_corrupt_caught(&sim, 1),
	       sim_ctr_corrupt_caught(&sim, 0), r->ok ? "" : "  FAIL: ", r->why);
	if (!r->ok || getenv("TERN_SIM_GRID_VERBOSE") != NULL)
		print_cell_detail(&sim, &b);
	sim_bulk_fini(&b);
	sim_fini(&sim);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* ---- the golden table ------------------------------------------------------ */

static void
golden_load(struct golden *g)
{
	FILE *f = fopen(TERN_SIM_GOLDEN, "r");
	char line[256];

	memset(g, 0, sizeof(*g));
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL && g->n < MAX_CELLS) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %lf", g->name[g->n], &g->goodput[g->n]) == 2)
			g->n++;
	}
	fclose(f);
}

static int
golden_find(const struct golden *g, const char *name)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->name[i], name) == 0)
			return (int)i;
	return -1;
}

/* Update the cells that ran, keep the others, write the table back. */
static void
golden_write(struct golden *g, const struct cell_result *r, unsigned int n)
{
	FILE *f;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int k = golden_find(g, r[i].name);

		if (k < 0) {
			assert_true(g->n < MAX_CELLS);
			k = (int)g->n++;
			snprintf(g->name[k], sizeof(g->name[k]), "%s", r[i].name);
		}
		g->goodput[k] = r[i].goodput;
	}
	f = fopen(TERN_SIM_GOLDEN, "w");
	assert_non_null(f);
	fprintf(f, "# Sim grid goodput, MB (10^6 bytes) of payload per simulated second,\n"
		   "# 32 MiB A->B per cell; written by TERN_SIM_GRID_REGEN=1 test_sim_grid\n"
		   "# (see tests/sim/test_sim_grid.c). Cell: link/sack|nosack/cc.\n");
	for (i = 0; i < g->n; i++)
		fprintf(f, "%s %.3f\n", g->name[i], g->goodput[i]);
	fclose(f);
	printf("  wrote %u cells to %s\n", g->n, TERN_SIM_GOLDEN);
}

/* Compare with the table; returns the number of regressions. */
static unsigned int
golden_compare(const struct golden *g, struct cell_result *r, unsigned int n)
{
	unsigned int i, bad = 0;
	char now[32], then[32];

	printf("\n  %-28s %10s %10s  %s\n", "cell", "golden", "now", "verdict");
	for (i = 0; i < n; i++) {
		int k = golden_find(g, r[i].name);
		const char *v;

		if (k < 0) {
			v = "no golden value (regenerate the table)";
		} else {
			snprintf(now, sizeof(now), "%.3f", r[i].goodput);
			snprintf(then, sizeof(then), "%.3f", g->goodput[k]);
			if (r[i].goodput < GRID_TOLERANCE * g->goodput[k]) {
				v = "REGRESSION";
				bad++;
			} else if (strcmp(now, then) == 0) {
				v = "same";
			} else if (r[i].goodput > GRID_IMPROVED * g->goodput[k]) {
				v = "improved";
			} else {
				v = "within tolerance";
			}
		}
		printf("  %-28s %10.3f %10.3f  %s\n", r[i].name, k < 0 ? 0.0 : g->goodput[k],
		       r[i].goodput, v);
	}
	return bad;
}

static void
test_sim_grid(void **state)
{
	const struct grid_opts *o = *state;
	struct cell_result *res = calloc(MAX_CELLS, sizeof(*res));
	struct golden *g = calloc(1, sizeof(*g));
	struct rte_mempool *pool;
	unsigned int n = 0, li, si, ci, failed = 0, regressed;
	uint64_t tx_hash;
	uint8_t *pattern;
	double w0 = wall_s();

	assert_true(res != NULL && g != NULL);
	pattern = sim_bulk_pattern(0x7a77e4, GRID_BYTES, &tx_hash);
	pool = rte_pktmbuf_pool_create("grid_pool", 32767, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	assert_non_null(pool);
	printf("  sim grid (%s): 32 MiB per cell, seed 0x%" PRIx64 "\n",
	       o->quick ? "--quick subset" : "full", (uint64_t)GRID_SEED);
	for (li = 0; li < RTE_DIM(grid_links); li++) {
		if (o->quick && !grid_links[li].quick)
			continue;
		for (si = 0; si < 2; si++) {
			for (ci = 0; ci < RTE_DIM(grid_ccs); ci++) {
				struct cell_result *r = &res[n];
				char name[64];

				snprintf(name, sizeof(name), "%s/%s/%s", grid_links[li].name,
					 si == 0 ? "sack" : "nosack", grid_ccs[ci]);
				if (o->only != NULL && strstr(name, o->only) == NULL)
					continue;
				run_cell(&grid_links[li], si == 0, grid_ccs[ci], pattern, tx_hash,
					 pool, r);
				if (!r->ok && grid_links[li].known_bug != NULL)
					printf("  (known: %s)\n", grid_links[li].known_bug);
				else if (r->ok && grid_links[li].known_bug != NULL)
					printf("  (%s now passes: clear its known_bug)\n", r->name);
				else
					failed += !r->ok;
				n++;
			}
		}
	}
	golden_load(g);
	if (o->regen)
		golden_write(g, res, n);
	regressed = golden_compare(g, res, n);
	printf("\n  %u cells, %u failed, %u below %.0f%% of golden; %.1f wall s\n", n, failed,
	       regressed, GRID_TOLERANCE * 100, wall_s() - w0);
	rte_mempool_free(pool);
	free(pattern);
	free(res);
	free(g);
	assert_int_equal(failed, 0);
	if (!o->regen)
		assert_int_equal(regressed, 0);
}

int
main(int argc, char **argv)
{
	struct grid_opts o = {
		.quick = argc > 1 && strcmp(argv[1], "--quick") == 0,
		.regen = getenv("TERN_SIM_GRID_REGEN") != NULL &&
			 strcmp(getenv("TERN_SIM_GRID_REGEN"), "1") == 0,
		.only = getenv("TERN_SIM_GRID_CELL"),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_sim_grid, harness_setup,
							 harness_teardown, &o),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
