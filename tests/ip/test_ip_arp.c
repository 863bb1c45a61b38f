/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ARP (lib/ip/arp.c) through a real stack on a virtual interface: frames
 * are real mbufs fed with tern_stack_input(); what the stack sends is
 * drained and parsed back. Covers the gratuitous ARP at start, requests
 * answered and their senders learned (RFC 826), requests for another host
 * and bogus senders ignored, resolution retries and giving up, the bound
 * on the queue of packets waiting for a resolution, and entries ageing
 * out. Each test checks that the mbuf pool is back at its baseline.
 */
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "core/stack_private.h"
#include "ip/arp.h"

#define MS 1000000ull
#define T0 (1000 * MS)

static void
test_gratuitous_arp_at_start(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct rte_mbuf *m[4];
	struct parsed p;

	(void)state;
	tstack_config(&cfg);
	s = tern_stack_create(&cfg, rte_lcore_id(), 0, harness_pool());
	assert_non_null(s);
	assert_int_equal(tstack_tx(s, m, 4), 1);
	assert_int_equal(frame_parse(m[0], &p), 0);
	rte_pktmbuf_free(m[0]);
	assert_true(p.is_arp);
	assert_true(rte_is_broadcast_ether_addr(&p.eth.dst));
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_int_equal(p.arp.spa, OUR_IP);
	assert_int_equal(p.arp.tpa, OUR_IP);
	assert_true(rte_is_same_ether_addr(&p.arp.sha, &our_mac));
	assert_int_equal(tern_stats_get(s, CTR_ARP_TX_GRATUITOUS), 1);
	tern_stack_free(s);
}

static void
test_arp_request_answered_and_learned(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct parsed p;

	(void)state;
	tstack_rx(s, frame_arp_request_for(OUR_IP), T0);
	tstack_tx_parse_one(s, &p);
	assert_true(p.is_arp);
	assert_int_equal(p.arp.op, ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&p.eth.dst, &peer_mac));
	assert_true(rte_is_same_ether_addr(&p.arp.sha, &our_mac));
	assert_int_equal(p.arp.spa, OUR_IP);
	assert_int_equal(p.arp.tpa, PEER_IP);
	assert_true(rte_is_same_ether_addr(&p.arp.tha, &peer_mac));
	assert_non_null(arp_lookup(s, PEER_IP));
	assert_int_equal(s->ctr[CTR_ARP_RX_REQUEST], 1);
	tern_stack_free(s);
}

static void
test_arp_for_other_host_ignored(void **state)
{
	struct tern_stack *s = tstack_create(NULL);

	(void)state;
	tstack_rx(s, frame_arp_request_for(IP(198, 18, 0, 77)), T0);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_null(arp_lookup(s, PEER_IP));	/* RFC 826: no new entry */
	assert_int_equal(s->ctr[CTR_ARP_RX_NOT_US], 1);
	tern_stack_free(s);
}

static void
test_arp_bogus_sender_dropped(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct rte_ether_addr bcast;
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = peer_mac, .spa = OUR_IP,
			     .tpa = OUR_IP };

	(void)state;
	memset(&bcast, 0xff, sizeof(bcast));
	/* someone claiming our address */
	tstack_rx(s, frame_arp(&bcast, &peer_mac, &a), T0);
	/* broadcast sender hardware address */
	a.spa = PEER_IP;
	a.sha = bcast;
	tstack_rx(s, frame_arp(&bcast, &peer_mac, &a), T0);
	assert_int_equal(s->ctr[CTR_ARP_RX_BAD_SENDER], 2);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_null(arp_lookup(s, PEER_IP));
	tern_stack_free(s);
}

static void
test_arp_retries_then_gives_up(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct frame_ip f = frame_ip_default();
	struct parsed p;
	uint64_t now = T0;
	unsigned int k;

	(void)state;
	tstack_config(&cfg);
	cfg.arp_retries = 3;
	cfg.arp_retry_ms = 100;
	s = tstack_create(&cfg);
	tstack_rx(s, frame_icmp_echo(&f, 1, 1, "x", 1), now);
	tstack_tx_parse_one(s, &p);			/* request #1 */
	assert_true(p.is_arp);
	for (k = 2; k <= 3; k++) {
		tstack_process(s, now + 99 * MS);
		assert_int_equal(tstack_tx_discard(s), 0);	/* not early */
		now += 100 * MS;
		tstack_process(s, now + 1 * MS);
		tstack_tx_parse_one(s, &p);		/* request #k */
		assert_true(p.is_arp);
		assert_int_equal(p.arp.tpa, PEER_IP);
	}
	tstack_process(s, now + 101 * MS);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(s->ctr[CTR_ARP_TX_REQUEST], 3);
	assert_int_equal(s->ctr[CTR_ARP_RESOLVE_FAIL], 1);	/* the queued reply */
	assert_null(arp_lookup(s, PEER_IP));
	tern_stack_free(s);
}

static void
test_arp_pending_queue_bounded(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct frame_ip f = frame_ip_default();
	unsigned int k;

	(void)state;
	tstack_config(&cfg);
	cfg.arp_pending_max = 4;
	s = tstack_create(&cfg);
	for (k = 0; k < 10; k++)
		tstack_rx(s, frame_icmp_echo(&f, 1, (uint16_t)k, "x", 1), T0);
	assert_int_equal(tstack_tx_discard(s), 1);	/* one ARP request */
	assert_int_equal(s->ctr[CTR_ARP_PENDING_FULL], 6);
	tstack_rx(s, frame_arp_reply_from(PEER_IP, &peer_mac), T0 + MS);
	assert_int_equal(tstack_tx_discard(s), 4);	/* the queued replies */
	tern_stack_free(s);
}

/* An aged entry stays in use while requests re-confirm it; it is
 * forgotten only when arp_retries of them go unanswered. */
static void
test_arp_entry_ages_out(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct frame_ip f = frame_ip_default();
	uint64_t t;
	unsigned int k;

	(void)state;
	tstack_config(&cfg);
	cfg.arp_reachable_ms = 5000;
	s = tstack_create(&cfg);
	tstack_rx(s, frame_arp_request_for(OUR_IP), T0);
	assert_int_equal(tstack_tx_discard(s), 1);
	assert_non_null(arp_lookup(s, PEER_IP));
	tstack_process(s, T0 + 4999 * MS);
	assert_non_null(arp_lookup(s, PEER_IP));
	assert_int_equal(tstack_tx_discard(s), 0);
	tstack_process(s, T0 + 5001 * MS);
	assert_int_equal(s->ctr[CTR_ARP_REFRESH], 1);
	assert_int_equal(tstack_tx_discard(s), 1);	/* the re-confirming request */
	/* still used meanwhile: an echo request is answered at once */
	tstack_rx(s, frame_icmp_echo(&f, 1, 1, "x", 1), T0 + 5002 * MS);
	assert_int_equal(tstack_tx_discard(s), 1);
	assert_int_equal(s->ctr[CTR_ARP_PENDING_FULL], 0);
	/* the reply makes it reachable again for a full period */
	tstack_rx(s, frame_arp_reply_from(PEER_IP, &peer_mac), T0 + 5003 * MS);
	tstack_process(s, T0 + 10002 * MS);
	assert_int_equal(s->ctr[CTR_ARP_REFRESH], 1);
	assert_int_equal(tstack_tx_discard(s), 0);
	/* next period: no answer to any of the requests -> forgotten */
	t = T0 + 10004 * MS;
	for (k = 0; k < 2u * cfg.arp_retries + 2; k++, t += (uint64_t)cfg.arp_retry_ms * MS)
		tstack_process(s, t);
	assert_int_equal(s->ctr[CTR_ARP_REFRESH], 2);
	assert_int_equal(tstack_tx_discard(s), cfg.arp_retries);
	assert_null(arp_lookup(s, PEER_IP));
	assert_int_equal(s->ctr[CTR_ARP_AGED], 1);
	tern_stack_free(s);
}

/* The test table: every test with the harness setup and teardown. */
#define IP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		IP_TEST(test_gratuitous_arp_at_start),
		IP_TEST(test_arp_request_answered_and_learned),
		IP_TEST(test_arp_for_other_host_ignored),
		IP_TEST(test_arp_bogus_sender_dropped),
		IP_TEST(test_arp_retries_then_gives_up),
		IP_TEST(test_arp_pending_queue_bounded),
		IP_TEST(test_arp_entry_ages_out),
	};

	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
