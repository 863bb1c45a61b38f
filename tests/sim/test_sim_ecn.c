/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ECN (RFC 3168) against a bottleneck that marks instead of dropping: one
 * bulk transfer A->B (sim_bulk.h, 32 MiB) through a 100 Mbit/s link with
 * a 10 ms RTT and a 200-packet queue (2.3 BDP) that marks CE on ECN-capable
 * frames finding more than 60 queued (sim_link.h, ce_queue_pkts). A asks
 * for ECN (`on`) and B accepts. With ECN the queue never fills:
 * no frame is lost, nothing is resent, the window is cut once per window
 * of CE marks (every cut followed by a CWR) and the link stays busy. The
 * same transfer with ECN off fills the queue to its tail: drops and
 * retransmissions, the baseline that shows what the marks bought. NewReno
 * and CUBIC each; the cwnd of the sender is sampled to check that each
 * cut roughly halves (NewReno) or takes 30% off (CUBIC) the window it
 * came from. TERN_SIM_TRACE=prefix writes prefix-<run>.csv (time_s, cwnd,
 * ssthresh, flight, srtt_us: test_sim_cwnd's format) for
 * scripts/plot_cwnd.sh.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_bulk.h"
#include "sim_link.h"
#include "core/stack_private.h"
#include "tcp/tcb.h"
#include "tcp/tcp_private.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define STEP_NS (20 * US)
#define RTT_NS (10 * MS)
#define RATE_BPS 100000000ull
#define QUEUE_PKTS 200u
#define MARK_PKTS 60u
#define TOTAL (32ull << 20)
#define MAX_CUTS 4096u

struct run {
	const char *name;
	uint8_t ecn;			/* tern_tcp_ecn of both nodes: `on` asks
					 * (A connects), `passive` never does */
	uint8_t cc;
	/* results */
	double mbit_s;
	uint64_t ce, queue_drops, retrans, cuts, cwr, rx_ece, negotiated;
	uint32_t bq_max;
	/* cwnd just before and after each ECN cut */
	uint32_t before[MAX_CUTS], after[MAX_CUTS];
	unsigned int n_cuts;
};

static const struct tcb *
sender_tcb(const struct sim *sim)
{
	const struct tcp_table *t = sim->node[0].s->tcp;
	uint32_t k;

	for (k = 0; k < t->n_tcbs; k++)
		if (t->tcbs[k].state >= TCP_ST_ESTABLISHED)
			return &t->tcbs[k];
	return NULL;
}

static FILE *
trace_open(const char *name)
{
	const char *prefix = getenv("TERN_SIM_TRACE");
	char path[512];
	FILE *f;

	if (prefix == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s-%s.csv", prefix, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "time_s,cwnd,ssthresh,flight,srtt_us\n");
	printf("  trace: %s\n", path);
	return f;
}

static void
run_transfer(struct run *r, const uint8_t *pattern, uint64_t hash)
{
	struct rte_mempool *pool;
	struct tern_config cfg;
	struct sim_bulk bulk;
	struct sim sim;
	uint64_t cuts_seen = 0;
	uint32_t last_cwnd = 0;
	FILE *trace;

	pool = rte_pktmbuf_pool_create("ecn_pool", 32767, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	assert_non_null(pool);
	sim_config(&cfg);
	cfg.tcp_rcvbuf = 8 << 20;
	cfg.tcp_sndbuf = 8 << 20;
	cfg.tcp_cc = r->cc;
	cfg.tcp_ecn = r->ecn;
	sim_init(&sim, &cfg, pool, RTT_NS / 2, 0xecec);
	sim.dir[0].faults.rate_bps = RATE_BPS;
	sim.dir[0].faults.queue_pkts = QUEUE_PKTS;
	sim.dir[0].faults.ce_queue_pkts = MARK_PKTS;
	trace = trace_open(r->name);
	sim_bulk_start(&sim, &bulk, pattern, TOTAL);
	while (!sim_bulk_finished(&bulk) && sim.now - bulk.t_start < 30 * SEC) {
		const struct tcb *t;
		uint64_t cuts;

		sim_step(&sim, STEP_NS);
		sim_bulk_poll(&sim, &bulk);
		t = sender_tcb(&sim);
		if (t == NULL || t->state != TCP_ST_ESTABLISHED)
			continue;
		cuts = sim_ctr(&sim, 0, CTR_TCP_ECN_REDUCTION);
		if (cuts != cuts_seen && r->n_cuts < MAX_CUTS) {
			r->before[r->n_cuts] = last_cwnd;
			r->after[r->n_cuts++] = t->cwnd;
		}
		cuts_seen = cuts;
		if (trace != NULL && t->cwnd != last_cwnd)
			fprintf(trace, "%.6f,%u,%u,%u,%u\n", (double)(sim.now - bulk.t_start) / 1e9,
				t->cwnd, t->ssthresh == UINT32_MAX ? 0 : t->ssthresh,
				t->snd.max - t->snd.una, t->rtt.srtt_us);
		last_cwnd = t->cwnd;
	}
	if (trace != NULL)
		fclose(trace);
	assert_true(sim_bulk_finished(&bulk));
	assert_true(bulk.bad_off == UINT64_MAX);
	assert_true(bulk.rx_hash == hash);
	r->mbit_s = (double)TOTAL * 8 / 1e6 / ((double)(bulk.t_done - bulk.t_start) / 1e9);
	r->ce = sim.dir[0].ce_marked;
	r->queue_drops = sim.dir[0].queue_dropped;
	r->bq_max = sim.dir[0].bq_max;
	r->retrans = sim_ctr(&sim, 0, CTR_TCP_TX_RETRANS);
	r->cuts = sim_ctr(&sim, 0, CTR_TCP_ECN_REDUCTION);
	r->cwr = sim_ctr(&sim, 0, CTR_TCP_TX_CWR);
	r->rx_ece = sim_ctr(&sim, 0, CTR_TCP_RX_ECE);
	r->negotiated = sim_ctr(&sim, 0, CTR_TCP_ECN_NEGOTIATED);
	printf("  %-12s %6.1f Mbit/s, queue max %3u/%u, CE %5" PRIu64 ", drops %5" PRIu64
	       ", resent %5" PRIu64 ", ECE %5" PRIu64 ", cuts %3" PRIu64 ", CWR %3" PRIu64 "\n",
	       r->name, r->mbit_s, r->bq_max, QUEUE_PKTS, r->ce, r->queue_drops, r->retrans,
	       r->rx_ece, r->cuts, r->cwr);
	sim_print_counters(&sim, 0);
	sim_print_dir(&sim, 0);
	sim_bulk_fini(&bulk);
	sim_fini(&sim);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	rte_mempool_free(pool);
}

/* With ECN: no loss at all, cuts announced by CWR, each cut a
 * multiplicative decrease by about `beta` (percent kept), the link kept
 * busy. */
static void
check_ecn_run(const struct run *r, unsigned int beta_pct)
{
	unsigned int k;

	assert_int_equal(r->negotiated, 1);
	assert_true(r->ce > 0);
	assert_int_equal(r->queue_drops, 0);
	assert_int_equal(r->retrans, 0);
	assert_true(r->bq_max < QUEUE_PKTS);
	assert_true(r->cuts >= 2);
	assert_true(r->cuts <= r->ce);			/* at most one per mark ... */
	assert_true(r->cwr + 1 >= r->cuts && r->cwr <= r->cuts);	/* ... each with its CWR */
	assert_true(r->mbit_s >= 0.80 * RATE_BPS / 1e6);
	for (k = 0; k < r->n_cuts; k++) {
		/* the cut is taken from min(FlightSize, cwnd): at most `beta`
		 * of the window before it, at least a little less */
		assert_true(r->after[k] <= (uint64_t)r->before[k] * beta_pct / 100 + 1500);
		assert_true(r->after[k] * 100ull >= (uint64_t)r->before[k] * (beta_pct - 20));
	}
}

static void
test_ecn_marking_bottleneck(void **state)
{
	static struct run runs[] = {
		{ .name = "newreno+ecn", .ecn = TERN_TCP_ECN_ON, .cc = TERN_TCP_CC_NEWRENO },
		{ .name = "cubic+ecn", .ecn = TERN_TCP_ECN_ON, .cc = TERN_TCP_CC_CUBIC },
		{ .name = "newreno", .ecn = TERN_TCP_ECN_PASSIVE, .cc = TERN_TCP_CC_NEWRENO },
	};
	uint8_t *pattern;
	uint64_t hash;
	unsigned int i;

	(void)state;
	pattern = sim_bulk_pattern(0xecec, TOTAL, &hash);
	printf("  %u Mbit/s, RTT %u ms, queue %u packets, CE above %u\n",
	       (unsigned int)(RATE_BPS / 1000000), (unsigned int)(RTT_NS / MS), QUEUE_PKTS,
	       MARK_PKTS);
	for (i = 0; i < RTE_DIM(runs); i++)
		run_transfer(&runs[i], pattern, hash);
	check_ecn_run(&runs[0], 50);
	check_ecn_run(&runs[1], 70);
	/* without ECN the same queue overflows: loss and resends */
	assert_int_equal(runs[2].negotiated, 0);
	assert_int_equal(runs[2].ce, 0);
	assert_int_equal(runs[2].cuts, 0);
	assert_true(runs[2].queue_drops > 0);
	assert_true(runs[2].retrans > 0);
	free(pattern);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ecn_marking_bottleneck, harness_setup,
						harness_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
