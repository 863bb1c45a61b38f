/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The loop-gap recorder (lib/stack/stack_poll.c, issue 14 item 4) on a real
 * stack: a net_ring port, real EAL and mbufs, TCP connections and timers.
 * The stack's TSC is scripted (struct tern_clock's test hook): the test
 * moves it between polls, and it also moves with the work the stack does
 * (each command, expired timer and received frame costs a fixed number of
 * simulated microseconds), so an iteration that expires many timers or
 * takes a big burst is long by construction. Every assertion is on bucket
 * membership and exact maxima that depend on that clock alone, never on
 * how fast the machine runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include <tern/stats.h>
#include <tern/tcp.h>

#include "harness.h"
#include "frames.h"
#include "core/stack_private.h"
#include "ip/arp.h"

#define RING_SLOTS 256u
#define CONNS 50u
#define BURST 32u
/* simulated cost of the stack's work, in us */
#define CMD_US 1u
#define TIMER_US 100u
#define RX_US 10u

struct fake_tsc {
	const struct tern_stack *s;
	uint64_t t;			/* moved by the test */
	uint64_t per_us;		/* TSC cycles per us */
};

static uint64_t
fake_read(void *arg)
{
	const struct fake_tsc *f = arg;
	const uint64_t *c = f->s->ctr;

	return f->t + f->per_us * (CMD_US * c[CTR_CHAN_CMD] + TIMER_US * c[CTR_TIMER_EXPIRED] +
				   RX_US * c[CTR_RX_PKTS]);
}

struct rig {
	struct rte_ring *rx, *tx;
	struct tern_config cfg;
	struct tern_stack *s;
	struct tern_chan *c;
	struct fake_tsc f;
};

static void
drain_ring(struct rte_ring *r)
{
	void *m;

	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

static void
rig_up(struct rig *r, const char *name)
{
	char n[32];
	int port;

	snprintf(n, sizeof(n), "%s_rx", name);
	r->rx = rte_ring_create(n, RING_SLOTS, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(n, sizeof(n), "%s_tx", name);
	r->tx = rte_ring_create(n, RING_SLOTS, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(r->rx);
	assert_non_null(r->tx);
	snprintf(n, sizeof(n), "net_ring_%s", name);
	port = rte_eth_from_rings(n, &r->rx, 1, &r->tx, 1, SOCKET_ID_ANY);
	assert_true(port >= 0);
	tstack_config(&r->cfg);
	r->cfg.iface[0].port_id = (uint16_t)port;
	assert_int_equal(tern_netif_setup(&r->cfg, 1, harness_pool()), 0);
	r->s = tern_stack_create(&r->cfg, rte_lcore_id(), 0, harness_pool());
	assert_non_null(r->s);
	r->c = tern_chan_create(r->s, name, 0);
	assert_non_null(r->c);
	arp_learn(r->s, 0, PEER_IP, &peer_mac, 1, 0);
	/* from here on the stack's TSC is the script's; it starts at the real
	 * TSC so `now` keeps going forward from the stack's creation */
	r->f.s = r->s;
	r->f.per_us = r->s->clock.hz / 1000000u;
	r->f.t = rte_rdtsc() - fake_read(&r->f) + r->f.t;
	r->s->clock.read_arg = &r->f;
	r->s->clock.read_tsc = fake_read;
	/* the first poll records no gap (there is no previous one); it sends
	 * the gratuitous ARP, which is not work */
	assert_int_equal(tern_stack_poll(r->s), 0);
	drain_ring(r->tx);
}

static void
rig_down(struct rig *r)
{
	drain_ring(r->tx);
	tern_chan_free(r->c);
	tern_stack_free(r->s);
	tern_netif_teardown(&r->cfg);
	drain_ring(r->rx);
	rte_ring_free(r->rx);
	rte_ring_free(r->tx);
}

/* Move the script by `us` and poll once. */
static unsigned int
poll_after(struct rig *r, uint64_t us)
{
	r->f.t += us * r->f.per_us;
	return tern_stack_poll(r->s);
}

/* The bucket a time of `ns` must land in, computed apart from the
 * recorder's code: the smallest b with ns < 2^b us. */
static unsigned int
bucket_of(uint64_t ns)
{
	unsigned int b = 0;

	while (b < TERN_LOOP_BUCKETS - 1 && ns >= ((uint64_t)1000 << b))
		b++;
	return b;
}

static uint64_t
total(const struct tern_loop_hist *h)
{
	uint64_t n = 0;
	unsigned int b;

	for (b = 0; b < TERN_LOOP_BUCKETS; b++)
		n += h->count[b];
	return n;
}

/* The recorded maximum is `us` up to the TSC -> ns rounding (the clock's
 * multiplier is rounded down: at most a few ns per ms). */
static void
assert_max_us(const struct tern_loop_hist *h, uint64_t us)
{
	assert_true(h->max_ns <= us * 1000);
	assert_true(h->max_ns + 1000 > us * 1000);
}

static void
test_gaps_and_timer_cascade(void **state)
{
	struct tern_loop_hist h[TERN_LOOP_KIND_COUNT];
	const uint64_t cascade_us = CONNS * TIMER_US;	/* 5 ms */
	struct rig r;
	unsigned int k;

	(void)state;
	memset(&r, 0, sizeof(r));
	rig_up(&r, "gap1");
	/* idle polls: 3 us apart, then a 5 ms hole (the thread off its CPU) */
	assert_int_equal(poll_after(&r, 3), 0);
	assert_int_equal(poll_after(&r, 5000), 0);
	/* a busy poll: CONNS connects, 1 us of work each */
	for (k = 0; k < CONNS; k++)
		assert_int_equal(tern_tcp_connect(r.c, PEER_IP, 80, 0, k), 0);
	assert_int_equal(poll_after(&r, 6), CONNS);
	assert_int_equal(rte_ring_count(r.tx), CONNS);	/* the SYNs */
	drain_ring(r.tx);
	/* past the initial RTO: every SYN's timer expires in one poll, which
	 * retransmits them all (100 us each: a 5 ms iteration); that poll
	 * handled no packet and no command but it did work */
	assert_int_equal(poll_after(&r, 2000000), 0);
	assert_int_equal(tern_stats_get(r.s, CTR_TIMER_EXPIRED), CONNS);
	assert_int_equal(rte_ring_count(r.tx), CONNS);
	drain_ring(r.tx);
	assert_int_equal(poll_after(&r, 1), 0);

	tern_stats_loop_get(r.s, h);
	/* idle gaps: 3 us, 5 ms, 6 us (no time on a bucket's edge: the TSC
	 * -> ns multiplier rounds down, so 1 us can read as 999 ns) */
	assert_int_equal(total(&h[TERN_LOOP_GAP_IDLE]), 3);
	assert_int_equal(h[TERN_LOOP_GAP_IDLE].count[bucket_of(3000)], 1);
	assert_int_equal(h[TERN_LOOP_GAP_IDLE].count[bucket_of(5000000)], 1);
	assert_int_equal(h[TERN_LOOP_GAP_IDLE].count[bucket_of(6000)], 1);
	assert_int_equal(bucket_of(5000000), 13);	/* below 8192 us */
	assert_max_us(&h[TERN_LOOP_GAP_IDLE], 5000);
	/* work: the connects (50 us) and the cascade (5 ms), told apart from
	 * the idle hole although both sit in the same bucket */
	assert_int_equal(total(&h[TERN_LOOP_WORK]), 2);
	assert_int_equal(h[TERN_LOOP_WORK].count[bucket_of(CONNS * CMD_US * 1000)], 1);
	assert_int_equal(h[TERN_LOOP_WORK].count[bucket_of(cascade_us * 1000)], 1);
	assert_max_us(&h[TERN_LOOP_WORK], cascade_us);
	/* busy gaps: after the connects 2 s + 50 us (the last bucket), after
	 * the cascade its 5 ms + 1 us */
	assert_int_equal(total(&h[TERN_LOOP_GAP_BUSY]), 2);
	assert_int_equal(h[TERN_LOOP_GAP_BUSY].count[TERN_LOOP_BUCKETS - 1], 1);
	assert_int_equal(h[TERN_LOOP_GAP_BUSY].count[bucket_of((cascade_us + 1) * 1000)], 1);
	assert_max_us(&h[TERN_LOOP_GAP_BUSY], 2000000 + CONNS * CMD_US);
	/* the counters agree: two busy polls, tern's share is the work */
	assert_int_equal(tern_stats_get(r.s, CTR_LOOP_BUSY_POLLS), 2);
	assert_true(tern_stats_get(r.s, CTR_LOOP_WORK_CYCLES) ==
		    (CONNS * CMD_US + cascade_us) * r.f.per_us);
	rig_down(&r);
}

static void
test_big_burst(void **state)
{
	struct tern_loop_hist h[TERN_LOOP_KIND_COUNT];
	uint8_t frame[60] = { 0x02, 0, 0, 0, 0, 0x99 };	/* not our MAC: a counted drop */
	struct rte_mbuf *m[BURST];
	struct rig r;
	unsigned int k;

	(void)state;
	memset(&r, 0, sizeof(r));
	rig_up(&r, "gap2");
	for (k = 0; k < BURST; k++)
		m[k] = pkt_from_bytes(frame, sizeof(frame));
	assert_int_equal(rte_ring_enqueue_bulk(r.rx, (void **)m, BURST, NULL), BURST);
	r.s->burst = BURST;
	assert_int_equal(poll_after(&r, 3), BURST);
	assert_int_equal(tern_stats_get(r.s, CTR_ETH_RX_NOT_US), BURST);
	assert_int_equal(poll_after(&r, 3), 0);
	tern_stats_loop_get(r.s, h);
	assert_int_equal(total(&h[TERN_LOOP_WORK]), 1);
	assert_int_equal(h[TERN_LOOP_WORK].count[bucket_of(BURST * RX_US * 1000)], 1);
	assert_int_equal(bucket_of(BURST * RX_US * 1000), 9);	/* 320 us: below 512 */
	assert_max_us(&h[TERN_LOOP_WORK], BURST * RX_US);
	assert_int_equal(h[TERN_LOOP_GAP_IDLE].count[bucket_of(3000)], 1);
	assert_int_equal(h[TERN_LOOP_GAP_BUSY].count[bucket_of((BURST * RX_US + 3) * 1000)], 1);
	rig_down(&r);
}

/* The JSON dumps carry the histograms beside the counters, by bucket name. */
static void
test_dump_members(void **state)
{
	struct rig r;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	unsigned int k;

	(void)state;
	memset(&r, 0, sizeof(r));
	rig_up(&r, "gap3");
	assert_int_equal(poll_after(&r, 5000), 0);
	for (k = 0; k < 3; k++)
		assert_int_equal(tern_tcp_connect(r.c, PEER_IP, 80, 0, k), 0);
	assert_int_equal(poll_after(&r, 3), 3);	/* 3 commands: 3 us */
	assert_int_equal(poll_after(&r, 2), 0);	/* a busy gap of 5 us */
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	tern_stats_dump_json(mem);
	tern_stats_dump_lcores_json(mem);
	fputc('\n', mem);
	tern_stats_write_lcore_members(mem, 1);
	fclose(mem);
	assert_non_null(strstr(buf, "\"loop_gap_idle_lt8192us\": 1"));
	assert_non_null(strstr(buf, "\"loop_gap_idle_lt4us\": 1"));
	assert_non_null(strstr(buf, "\"loop_work_lt4us\": 1"));
	assert_non_null(strstr(buf, "\"loop_gap_busy_lt8us\": 1"));
	assert_non_null(strstr(buf, "\"loop_gap_idle_max_ns\": "));
	assert_non_null(strstr(buf, "\"loop_work_max_ns\": "));
	assert_non_null(strstr(buf, "_loop_work_lt4us\": 1"));	/* lcore<N>_... */
	assert_string_equal(tern_stats_loop_name(TERN_LOOP_WORK), "work");
	assert_null(tern_stats_loop_name(TERN_LOOP_KIND_COUNT));
	free(buf);
	rig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gaps_and_timer_cascade,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_big_burst, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_dump_members, harness_setup,
						harness_teardown),
	};

	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
