/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The textbook congestion-control mechanics on a cwnd trace. One bulk
 * transfer A->B (sim_bulk.h) over a 1 Gbit/s link with a 20 ms RTT and an
 * unbounded queue, the receiver ACKing every segment (delayed ACKs off:
 * the textbook's one-ACK-per-segment setting). After every simulated step
 * the sender's TCB is sampled (cwnd, ssthresh, flight, srtt). The script:
 *   1. slow start from the initial window: cwnd doubles every RTT;
 *   2. at 16 segments exactly one data frame is dropped: three
 *      duplicate ACKs, fast retransmit, ssthresh = flight / 2 and, once
 *      recovery ends, cwnd = ssthresh;
 *   3. congestion avoidance: about one segment per RTT;
 *   4. the A->B link black-holes until the retransmission timer fires:
 *      cwnd = 1 segment, ssthresh = flight / 2;
 *   5. slow start again up to ssthresh, then linear again.
 * TERN_SIM_TRACE=path writes the trace as CSV (time_s, cwnd, ssthresh,
 * flight, srtt_us; ssthresh 0 while unset); scripts/plot_cwnd.sh draws it.
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
#define STEP_NS (10 * US)
#define RTT_NS (20 * MS)
#define MAX_SAMPLES 400000u

struct sample {
	uint64_t t;			/* ns since connect */
	uint32_t cwnd, ssthresh, flight, srtt_us;
	uint64_t fast, rto;		/* sender's counters at that time */
};

enum phase { PH_SS, PH_DROP, PH_RECOVERY, PH_CA, PH_BLACKHOLE, PH_AFTER_RTO, PH_DONE };

struct script {
	enum phase ph;
	const struct sim *sim;
	uint64_t t_mark;
	unsigned int dropped;
};

/* The sender's connection (node A), whatever state it is in. */
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

/* A->B frames with TCP payload (IPv4 total length beyond 20 + 32). */
static bool
is_data(unsigned int from, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return from == 0 && rte_pktmbuf_data_len(m) > 14 + 20 + 32 && p[12] == 0x08 &&
	       p[23] == 6 && ((p[16] << 8) | p[17]) > 20 + (p[14 + 20 + 12] >> 4) * 4;
}

static bool
script_filter(void *arg, unsigned int from, const struct rte_mbuf *m, uint64_t now)
{
	struct script *sc = arg;

	(void)now;
	if (!is_data(from, m))
		return false;
	if (sc->ph == PH_DROP && sc->dropped == 0) {
		sc->dropped = 1;
		sc->ph = PH_RECOVERY;
		return true;			/* exactly one segment */
	}
	/* until the RTO fires; its retransmission passes */
	return sc->ph == PH_BLACKHOLE && sim_ctr(sc->sim, 0, CTR_TCP_RTO) == 0;
}

/* Sample index at time t (the last sample at or before it). */
static const struct sample *
at(const struct sample *s, unsigned int n, uint64_t t)
{
	unsigned int lo = 0, hi = n;

	while (hi - lo > 1) {
		unsigned int mid = (lo + hi) / 2;

		if (s[mid].t <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &s[lo];
}

static void
write_csv(const struct sample *s, unsigned int n)
{
	const char *path = getenv("TERN_SIM_TRACE");
	FILE *f;
	unsigned int i;

	if (path == NULL)
		return;
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "time_s,cwnd,ssthresh,flight,srtt_us\n");
	for (i = 0; i < n; i++)
		if (i == 0 || i == n - 1 || s[i].cwnd != s[i - 1].cwnd ||
		    s[i].ssthresh != s[i - 1].ssthresh || s[i].flight != s[i - 1].flight)
			fprintf(f, "%.6f,%u,%u,%u,%u\n", (double)s[i].t / 1e9, s[i].cwnd,
				s[i].ssthresh == UINT32_MAX ? 0 : s[i].ssthresh, s[i].flight,
				s[i].srtt_us);
	fclose(f);
	printf("  trace: %s\n", path);
}

static void
test_cwnd_textbook(void **state)
{
	struct sample *tr = calloc(MAX_SAMPLES, sizeof(*tr));
	struct script sc = { .ph = PH_SS };
	const struct sample *a, *b;
	struct tern_config cfg;
	struct rte_mempool *pool;
	struct sim sim;
	struct sim_bulk bulk;
	uint8_t *pattern;
	uint64_t hash, t_fr = 0, t_exit = 0, t_rto = 0, t_ss2 = 0;
	uint32_t mss = 0, cwnd_before_fr = 0, cwnd_before_rto = 0, flight_before_rto = 0;
	uint32_t ssthresh_fr = 0;
	unsigned int n = 0, k;

	(void)state;
	assert_non_null(tr);
	pattern = sim_bulk_pattern(0xc0ffee, 256ull << 20, &hash);
	pool = rte_pktmbuf_pool_create("cwnd_pool", 32767, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	assert_non_null(pool);
	sim_config(&cfg);
	cfg.tcp_delack_ms = 0;			/* an ACK for every segment */
	cfg.tcp_rcvbuf = 8 << 20;
	cfg.tcp_sndbuf = 8 << 20;
	sim_init(&sim, &cfg, pool, RTT_NS / 2, 0xc1d0001);
	for (k = 0; k < 2; k++)
		sim.dir[k].faults.rate_bps = 1000000000ull;	/* queue unbounded */
	sc.sim = &sim;
	sim.filter = script_filter;
	sim.filter_arg = &sc;
	sim_bulk_start(&sim, &bulk, pattern, 256ull << 20);
	while (sc.ph != PH_DONE && n < MAX_SAMPLES && sim.now - bulk.t_start < 10 * SEC) {
		const struct tcb *t;
		struct sample *s = &tr[n];

		sim_step(&sim, STEP_NS);
		sim_bulk_poll(&sim, &bulk);
		t = sender_tcb(&sim);
		if (t == NULL || t->state != TCP_ST_ESTABLISHED)
			continue;
		mss = t->mss;
		s->t = sim.now - bulk.t_start;
		s->cwnd = t->cwnd;
		s->ssthresh = t->ssthresh;
		s->flight = t->snd.max - t->snd.una;
		s->srtt_us = t->rtt.srtt_us;
		s->fast = sim_ctr(&sim, 0, CTR_TCP_FAST_RETRANS);
		s->rto = sim_ctr(&sim, 0, CTR_TCP_RTO);
		n++;
		switch (sc.ph) {
		case PH_SS:
			/* small: by the time the loss is seen the window has
			 * doubled, and the receiver holds only TCP_REASS_MAX (32)
			 * out-of-order segments (see the report in issue 4) */
			if (s->cwnd >= 16u * mss)
				sc.ph = PH_DROP;
			break;
		case PH_RECOVERY:
			if (t_fr == 0 && s->fast == 1) {
				t_fr = s->t;
				cwnd_before_fr = s[-1].cwnd;
				ssthresh_fr = s->ssthresh;
			}
			if (t_fr != 0 && !(t->flags & TCB_F_FAST_RECOVERY)) {
				t_exit = s->t;
				sc.ph = PH_CA;
			}
			break;
		case PH_CA:
			if (s->t >= t_exit + 15 * RTT_NS) {
				cwnd_before_rto = s->cwnd;
				flight_before_rto = s->flight;
				sc.ph = PH_BLACKHOLE;
			}
			break;
		case PH_BLACKHOLE:
			if (s->rto == 1) {
				t_rto = s->t;
				sc.ph = PH_AFTER_RTO;
			}
			break;
		case PH_AFTER_RTO:
			if (t_ss2 == 0 && s->cwnd >= s->ssthresh)
				t_ss2 = s->t;
			if (t_ss2 != 0 && s->t >= t_ss2 + 10 * RTT_NS)
				sc.ph = PH_DONE;
			break;
		default:
			break;
		}
	}
	write_csv(tr, n);
	printf("  mss %u; fast retransmit at %.3f s (cwnd %u -> ssthresh %u), recovery over "
	       "at %.3f s, RTO at %.3f s (cwnd %u flight %u before), ssthresh reached again "
	       "at %.3f s\n", mss, t_fr / 1e9, cwnd_before_fr / mss, ssthresh_fr / mss,
	       t_exit / 1e9, t_rto / 1e9, cwnd_before_rto / mss, flight_before_rto / mss,
	       t_ss2 / 1e9);
	sim_print_counters(&sim, 0);
	sim_print_counters(&sim, 1);
	sim_print_dir(&sim, 0);
	assert_int_equal(sc.ph, PH_DONE);

	/* 1. slow start: x2 per RTT (from the initial 10 segments) */
	for (k = 0; k < n && tr[k].cwnd <= 10u * mss; k++)	/* first ACK in */
		;
	a = &tr[k];
	for (; a->cwnd < 16u * mss; a = b) {
		b = at(tr, n, a->t + RTT_NS);
		printf("  slow start: cwnd %u -> %u segments in one RTT\n", a->cwnd / mss,
		       b->cwnd / mss);
		assert_true(b->cwnd >= 17u * a->cwnd / 10u && b->cwnd <= 23u * a->cwnd / 10u);
	}
	/* 2. exactly one loss, found by three duplicate ACKs: halved */
	assert_int_equal(sc.dropped, 1);
	assert_int_equal(tr[n - 1].fast, 1);
	assert_true(cwnd_before_fr >= 16u * mss);
	assert_true(ssthresh_fr >= 45u * cwnd_before_fr / 100u &&
		    ssthresh_fr <= 55u * cwnd_before_fr / 100u);
	/* leaving recovery: cwnd = ssthresh, or a little less when little
	 * is in flight (RFC 6582 3.2 step 6 option 1: min(ssthresh,
	 * FlightSize + SMSS)) */
	b = at(tr, n, t_exit);
	assert_true(b->cwnd <= b->ssthresh && b->cwnd + mss >= b->ssthresh);
	assert_int_equal(b->ssthresh, ssthresh_fr);
	/* 3. congestion avoidance: +1 segment per RTT (10 RTTs after the
	 * first one out of recovery) */
	a = at(tr, n, t_exit + RTT_NS);
	b = at(tr, n, t_exit + 11 * RTT_NS);
	printf("  congestion avoidance: cwnd %u -> %u bytes in 10 RTTs (%.2f segments/RTT)\n",
	       a->cwnd, b->cwnd, (double)(b->cwnd - a->cwnd) / mss / 10);
	assert_true(b->cwnd - a->cwnd >= 8u * mss && b->cwnd - a->cwnd <= 12u * mss);
	/* 4. timeout: one segment, ssthresh = flight / 2 */
	b = at(tr, n, t_rto);
	printf("  timeout: cwnd %u ssthresh %u (flight before %u)\n", b->cwnd, b->ssthresh,
	       flight_before_rto);
	assert_int_equal(b->cwnd, mss);
	assert_true(b->ssthresh >= 45u * flight_before_rto / 100u &&
		    b->ssthresh <= 55u * flight_before_rto / 100u + mss);
	assert_int_equal(tr[n - 1].rto, 1);
	assert_int_equal(tr[n - 1].fast, 1);
	/* 5. slow start back to ssthresh in about log2(ssthresh) RTTs, then
	 * linear again */
	printf("  after the timeout: ssthresh (%u segments) reached in %.1f RTTs\n",
	       b->ssthresh / mss, (double)(t_ss2 - t_rto) / RTT_NS);
	assert_true(t_ss2 - t_rto <= 6 * RTT_NS);
	for (a = at(tr, n, t_rto + RTT_NS / 2); a->cwnd < b->ssthresh / 2; a = b) {
		b = at(tr, n, a->t + RTT_NS);
		printf("  slow start again: cwnd %u -> %u segments in one RTT\n", a->cwnd / mss,
		       b->cwnd / mss);
		assert_true(b->cwnd >= 17u * a->cwnd / 10u && b->cwnd <= 23u * a->cwnd / 10u);
	}
	b = at(tr, n, t_rto);
	a = at(tr, n, t_ss2 + RTT_NS);
	b = at(tr, n, t_ss2 + 9 * RTT_NS);
	printf("  congestion avoidance again: %.2f segments/RTT\n",
	       (double)(b->cwnd - a->cwnd) / mss / 8);
	assert_true(b->cwnd - a->cwnd >= 6u * mss && b->cwnd - a->cwnd <= 10u * mss);
	/* nothing corrupted on the way */
	assert_true(bulk.bad_off == UINT64_MAX);
	sim_bulk_fini(&bulk);
	sim_fini(&sim);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	rte_mempool_free(pool);
	free(pattern);
	free(tr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cwnd_textbook, harness_setup,
						harness_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
