/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fixture for bench_tcp_io.cc: one ESTABLISHED connection on a real stack,
 * built from frames by tests/harness (tc_init + tc_passive_open: the peer
 * offers MSS 1460, window scale, SACK-permitted and timestamps), and the
 * per-segment operations on it. Each operation prepares its input untimed
 * (the peer's frame in a fresh mbuf with a correct checksum, or the app's
 * send command), times only the stack calls with the TSC
 * (tern_stack_input + tern_stack_process, or tern_stack_process alone for
 * output), then, untimed again, plays the peer and the app: every frame the
 * stack sent is parsed, checked (tc_out: addresses, checksums) and freed,
 * every event is freed and data is credited back (tern_tcp_recvd, whose
 * command the stack then runs inside the next timed call, as in a real
 * loop). After every operation the mbuf pool must be exactly where it was
 * once the connection was up; any drift, unexpected frame or event is
 * counted and reported by bench_tcp_check(). The simulated clock moves
 * 10 us per operation. A sample the scheduler interrupted is replaced
 * (sample()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "harness.h"
#include "tcp_frames.h"
#include "shim.h"

#define BT_STEP_NS 10000u
#define BT_TS_OPT_LEN 12u		/* aligned timestamp option */
#define BT_MAX_OUT 8u
/* A timed call this long was descheduled (one operation takes ~1 us). */
#define BT_PREEMPTED_S 50e-6

struct bench_tcp {
	struct tconn tc;
	int hw_cksum;
	uint32_t mss;			/* payload bytes per full segment */
	unsigned int baseline;		/* mbufs out once the connection is up */
	uint64_t drift;			/* operations after which the pool differed */
	uint64_t bad_frames;
	uint64_t bad_events;
	uint64_t preempted;		/* samples replaced (see sample()) */
	uint64_t n_clean;
	double sum_clean;
	double sec_per_tsc;
	struct parsed_tcp out[BT_MAX_OUT];
	uint8_t payload[PEER_MSS];
};

static void
clock_step(struct tconn *tc, uint64_t ns)
{
	tc->ts_val += (uint32_t)(((tc->now + ns) / MS) - (tc->now / MS));
	tc->now += ns;
}

struct bench_tcp *
bench_tcp_create(int hw_cksum)
{
	struct bench_tcp *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->hw_cksum = hw_cksum;
	tc_init(&b->tc, NULL);			/* EAL, pool, stack, channel */
	bench_eal_cleanup_at_exit();
	tc_passive_open(&b->tc, false);		/* asserts every step */
	b->mss = PEER_MSS - (b->tc.ts_ok ? BT_TS_OPT_LEN : 0);
	tc_fill(b->payload, sizeof(b->payload), 7);
	b->sec_per_tsc = 1.0 / (double)rte_get_tsc_hz();
	b->baseline = harness_pool_in_use();
	return b;
}

uint32_t
bench_tcp_mss_payload(const struct bench_tcp *b)
{
	return b->mss;
}

static struct rte_mbuf *
peer_frame(struct bench_tcp *b, struct tseg seg)
{
	struct rte_mbuf *m = tc_build(&b->tc, seg);

	if (b->hw_cksum)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	return m;
}

/*
 * Seconds for `cycles` of TSC. On a shared machine the scheduler may run
 * something else inside the timed window, adding a whole time slice to a
 * microsecond; such a sample is replaced by the mean of the clean ones so
 * far and counted (bench_tcp_preempted), rather than let one slice swamp
 * thousands of operations. On a quiet machine none is replaced.
 */
static double
sample(struct bench_tcp *b, uint64_t cycles)
{
	double t = (double)cycles * b->sec_per_tsc;

	if (t > BT_PREEMPTED_S && b->n_clean > 0) {
		b->preempted++;
		return b->sum_clean / (double)b->n_clean;
	}
	b->n_clean++;
	b->sum_clean += t;
	return t;
}

/* Feed `m` and run the stack once; the TSC time of exactly that. */
static double
timed_input(struct bench_tcp *b, struct rte_mbuf *m)
{
	struct tconn *tc = &b->tc;
	uint64_t c0, c1;

	c0 = rte_rdtsc();
	tern_stack_input(tc->s, 0, &m, 1, tc->now);
	tern_stack_process(tc->s, tc->now);
	c1 = rte_rdtsc();
	return sample(b, c1 - c0);
}

/* The app: free every event's mbuf, credit data back. Returns data bytes;
 * any other event counts as bad. */
static uint32_t
app_events(struct bench_tcp *b)
{
	struct tconn *tc = &b->tc;
	struct tern_event ev;
	uint32_t bytes = 0;

	while (tern_chan_recv(tc->c, &ev, 1) == 1) {
		if (ev.type == TERN_EV_TCP_DATA && ev.handle == tc->h) {
			bytes += ev.len;
			if (tern_tcp_recvd(tc->c, tc->h, ev.len) != 0)
				b->bad_events++;
		} else {
			b->bad_events++;
		}
		rte_pktmbuf_free(ev.m);
	}
	return bytes;
}

/* Untimed epilogue of every operation. */
static void
settle(struct bench_tcp *b)
{
	if (harness_pool_in_use() != b->baseline)
		b->drift++;
	clock_step(&b->tc, BT_STEP_NS);
}

/* The app queues one MSS and the stack sends it (untimed); checked. */
static void
app_send_mss(struct bench_tcp *b, bool run)
{
	struct tconn *tc = &b->tc;

	if (tern_tcp_send(tc->c, tc->h, tc_mbuf(b->payload, b->mss)) != 0)
		b->bad_events++;
	if (run)
		tern_stack_process(tc->s, tc->now);
}

static void
expect_one_mss(struct bench_tcp *b)
{
	if (tc_out(&b->tc, b->out, BT_MAX_OUT) != 1 || b->out[0].len != b->mss ||
	    b->out[0].tcp.flags != (F_ACK | F_PSH))
		b->bad_frames++;
}

double
bench_tcp_rx_data(struct bench_tcp *b, uint16_t len)
{
	struct tconn *tc = &b->tc;
	unsigned int n, i;
	double t;

	if (len > b->mss)
		len = (uint16_t)b->mss;
	t = timed_input(b, peer_frame(b, TSEG(.flags = F_ACK | F_PSH,
					      .data = b->payload, .len = len)));
	tc->snd_nxt += len;
	/* ACKs (every second segment, or window updates): parsed, freed */
	n = tc_out(tc, b->out, BT_MAX_OUT);
	for (i = 0; i < n && i < BT_MAX_OUT; i++)
		if (b->out[i].len != 0 || b->out[i].tcp.flags != F_ACK)
			b->bad_frames++;
	if (app_events(b) != len)
		b->bad_events++;
	settle(b);
	return t;
}

double
bench_tcp_rx_ack(struct bench_tcp *b)
{
	double t;

	app_send_mss(b, true);
	expect_one_mss(b);
	t = timed_input(b, peer_frame(b, TSEG(.flags = F_ACK)));
	if (tc_out(&b->tc, b->out, BT_MAX_OUT) != 0)
		b->bad_frames++;
	if (app_events(b) != 0)
		b->bad_events++;
	settle(b);
	return t;
}

double
bench_tcp_tx_mss(struct bench_tcp *b)
{
	struct tconn *tc = &b->tc;
	uint64_t c0, c1;

	app_send_mss(b, false);
	c0 = rte_rdtsc();
	tern_stack_process(tc->s, tc->now);
	c1 = rte_rdtsc();
	expect_one_mss(b);
	tc_in(tc, TSEG(.flags = F_ACK));	/* the peer ACKs it */
	if (tc_out(tc, b->out, BT_MAX_OUT) != 0)
		b->bad_frames++;
	if (app_events(b) != 0)
		b->bad_events++;
	settle(b);
	return sample(b, c1 - c0);
}

uint64_t
bench_tcp_preempted(const struct bench_tcp *b)
{
	return b->preempted;
}

int
bench_tcp_check(struct bench_tcp *b)
{
	struct tconn *tc = &b->tc;
	enum tcp_state st;

	tern_stack_process(tc->s, tc->now);	/* the last credit */
	tc_out(tc, b->out, BT_MAX_OUT);
	app_events(b);
	st = tc_state(tc);
	if (b->drift == 0 && b->bad_frames == 0 && b->bad_events == 0 &&
	    st == TCP_ST_ESTABLISHED && harness_pool_in_use() == b->baseline)
		return 0;
	fprintf(stderr, "bench_tcp: pool drifted after %llu ops (now %u out, %u at "
		"start), %llu bad frames, %llu bad events, state %s\n",
		(unsigned long long)b->drift, harness_pool_in_use(), b->baseline,
		(unsigned long long)b->bad_frames, (unsigned long long)b->bad_events,
		tcp_state_name(st));
	return -1;
}

int
bench_tcp_free(struct bench_tcp *b)
{
	unsigned int left;

	tc_fini(&b->tc);
	free(b);
	left = harness_pool_in_use();
	if (left == 0)
		return 0;
	fprintf(stderr, "bench_tcp: %u mbufs still out after the stack was freed\n", left);
	return -1;
}
