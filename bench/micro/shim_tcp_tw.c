/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fixture for bench_tcp_tw.cc: short connections that tern closes first,
 * each ending in a TIME-WAIT record (lib/tcp/tcp_timewait.c), on a real
 * stack built by tests/harness. One operation is one connection from a new
 * peer port: SYN, the peer's ACK, the app's close (FIN), the peer's ACK
 * and FIN, our ACK from the record. Only the stack calls are timed (input
 * + process for each of the four segments, process for the close);
 * building frames, parsing what the stack sent and playing the app are
 * not. MSL is long (nothing expires) and the record table holds `records`
 * (tcp.time_wait_max): below the 60000 peer ports it fills and every
 * operation recycles the oldest record, above them every SYN finds its
 * 4-tuple in TIME-WAIT and reopens it (a newer timestamp). After each
 * operation the TCB table must be empty and the mbuf pool at its
 * baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "harness.h"
#include "tcp_frames.h"
#include "shim.h"

#define BTW_STEP_NS 10000u
#define BTW_MAX_OUT 8u
#define BTW_PREEMPTED_S 200e-6		/* one connection takes ~5-10 us */

struct bench_twait {
	struct tconn tc;
	unsigned int baseline;
	uint64_t bad;			/* operations that misbehaved */
	uint64_t preempted;
	uint64_t n_clean;
	double sum_clean;
	double sec_per_tsc;
	uint32_t next_port;
	struct parsed_tcp out[BTW_MAX_OUT];
};

struct bench_twait *
bench_twait_create(uint32_t records)
{
	struct bench_twait *b = calloc(1, sizeof(*b));
	struct tern_config cfg;

	if (b == NULL)
		return NULL;
	tcfg_default(&cfg);
	cfg.tcp_msl_ms = 600000;		/* nothing expires: recycling */
	cfg.tcp_time_wait_max = records;
	tc_init(&b->tc, &cfg);
	bench_eal_cleanup_at_exit();
	tc_listen(&b->tc, 0);
	b->sec_per_tsc = 1.0 / (double)rte_get_tsc_hz();
	b->baseline = harness_pool_in_use();
	return b;
}

static double
sample(struct bench_twait *b, uint64_t cycles)
{
	double t = (double)cycles * b->sec_per_tsc;

	if (t > BTW_PREEMPTED_S && b->n_clean > 0) {
		b->preempted++;
		return b->sum_clean / (double)b->n_clean;
	}
	b->n_clean++;
	b->sum_clean += t;
	return t;
}

static uint64_t
timed_input(struct tconn *tc, struct tseg seg)
{
	struct rte_mbuf *m = tc_build(tc, seg);
	uint64_t c0 = rte_rdtsc();

	tern_stack_input(tc->s, 0, &m, 1, tc->now);
	tern_stack_process(tc->s, tc->now);
	return rte_rdtsc() - c0;
}

/* What the stack sent since the last call: exactly `n` segments. */
static void
expect_out(struct bench_twait *b, unsigned int n)
{
	if (tc_out(&b->tc, b->out, BTW_MAX_OUT) != n)
		b->bad++;
}

double
bench_twait_conn(struct bench_twait *b)
{
	struct tconn *tc = &b->tc;
	struct tern_event ev;
	uint64_t cyc, c0;

	tc->pport = (uint16_t)(1024 + b->next_port++ % 60000);
	tc->iss = tc->snd_nxt = PEER_ISS;
	tc->ts_ok = tc->ws_ok = tc->sack_ok = false;
	tc->ws_shift = PEER_WSCALE;
	cyc = timed_input(tc, TSEG(.flags = F_SYN, .raw_opts = true,
				   .opts = tc_syn_opts_full(tc)));
	tc->snd_nxt++;
	expect_out(b, 1);			/* SYN-ACK */
	tc->ts_ok = tc->ws_ok = tc->sack_ok = true;
	cyc += timed_input(tc, TSEG(.flags = F_ACK));
	if (tern_chan_recv(tc->c, &ev, 1) != 1 || ev.type != TERN_EV_TCP_ACCEPTED ||
	    tern_tcp_close(tc->c, ev.handle) != 0)
		b->bad++;
	c0 = rte_rdtsc();
	tern_stack_process(tc->s, tc->now);	/* the close: our FIN */
	cyc += rte_rdtsc() - c0;
	expect_out(b, 1);
	cyc += timed_input(tc, TSEG(.flags = F_ACK));
	cyc += timed_input(tc, TSEG(.flags = F_ACK | F_FIN));
	tc->snd_nxt++;
	expect_out(b, 1);			/* the record's ACK */
	if (tern_chan_recv(tc->c, &ev, 1) != 1 || ev.type != TERN_EV_TCP_CLOSED ||
	    tc->s->tcp->n_used != 0)
		b->bad++;
	if (harness_pool_in_use() != b->baseline)
		b->bad++;
	tc->ts_val++;
	tc->now += BTW_STEP_NS;
	return sample(b, cyc);
}

uint64_t
bench_twait_preempted(const struct bench_twait *b)
{
	return b->preempted;
}

uint64_t
bench_twait_recycled(const struct bench_twait *b)
{
	return b->tc.s->ctr[CTR_TCP_TIME_WAIT_RECYCLED];
}

int
bench_twait_free(struct bench_twait *b)
{
	unsigned int left;
	uint64_t bad = b->bad;

	tc_fini(&b->tc);
	free(b);
	left = harness_pool_in_use();
	if (bad == 0 && left == 0)
		return 0;
	fprintf(stderr, "bench_twait: %llu bad operations, %u mbufs out after the stack was freed\n",
		(unsigned long long)bad, left);
	return -1;
}
