/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP sockets through a real stack on a virtual interface (lib/udp/ with
 * lib/chan/): the bound event and its handle, stale handles after close
 * and slot reuse, a handle of another kind or socket refused, a second
 * bind of a port (EADDRINUSE), ephemeral binds, and the event ring
 * overflowing. The peer and the helpers are tests/harness/udp_frames.h;
 * every test creates and frees its own stack, and the harness teardown
 * checks that every mbuf went back to the pool.
 */
#include <errno.h>

#include "harness.h"
#include "frames.h"
#include "udp_frames.h"

#include "core/stack_private.h"

/* ---- bind --------------------------------------------------------------- */

static void
test_bind_event(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	uint64_t cmds = s->ctr[CTR_CHAN_CMD];
	struct tern_event ev;

	(void)state;
	assert_non_null(c);
	assert_int_equal(tern_udp_bind(c, APP_PORT, 0x1234abcd), 0);
	chan_assert_empty(c);			/* nothing before the stack runs */
	tstack_process(s, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_BOUND);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.port, APP_PORT);
	assert_int_equal(ev.cookie, 0x1234abcd);
	assert_null(ev.m);
	h = ev.handle;
	assert_true(h != 0);
	assert_int_equal(s->ctr[CTR_CHAN_CMD], cmds + 1);
	assert_int_equal(tstack_tx_discard(s), 0);

	/* a second socket gets a different handle */
	assert_true(udp_bind_ok(s, c, APP_PORT + 1, 2, now, NULL) != h);
	tern_stack_free(s);
}

/* ---- handles and binding ------------------------------------------------ */

static void
test_stale_handle_after_close(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h1, h2;
	struct tern_event ev;
	uint8_t pl[4] = { 1, 2, 3, 4 };
	struct rte_mbuf *out;
	struct parsed p;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h1 = udp_bind_ok(s, c, APP_PORT, 1, now, NULL);
	assert_int_equal(tern_udp_close(c, h1), 0);
	tstack_process(s, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_CLOSED);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.handle, h1);
	assert_int_equal(ev.port, APP_PORT);

	/* send on the stale handle: rejected, payload freed */
	udp_send_and_process(s, c, h1, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_int_equal(ev.handle, h1);
	assert_null(ev.m);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(harness_pool_in_use(), 0);

	/* close again: rejected */
	assert_int_equal(tern_udp_close(c, h1), 0);
	tstack_process(s, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);

	/* the port is closed for input too */
	tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0), now);
	chan_assert_empty(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 1);
	assert_int_equal(tstack_tx_discard(s), 1);	/* port unreachable */

	/* a new socket reuses the slot (bits 32..47 of the handle) under a
	 * new generation: the old handle must stay dead */
	h2 = udp_bind_ok(s, c, APP_PORT + 1, 2, now, NULL);
	assert_true(h2 != h1);
	assert_int_equal((h2 >> 32) & 0xffff, (h1 >> 32) & 0xffff);
	udp_send_and_process(s, c, h1, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(tern_udp_close(c, h1), 0);
	tstack_process(s, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);

	/* while the new handle works */
	udp_send_and_process(s, c, h2, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now);
	chan_assert_empty(c);
	out = tstack_tx_one(s, &p);
	assert_udp_to_peer(&p, APP_PORT + 1, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

static void
test_foreign_handle_rejected(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *a = tern_chan_create(s, "a", 0);
	struct tern_chan *b = tern_chan_create(s, "b", 0);
	uint64_t now = tern_stack_now(s), h;
	struct tern_event ev;
	uint8_t pl[4] = { 0 };

	(void)state;
	h = udp_bind_ok(s, a, APP_PORT, 0, now, NULL);
	udp_send_and_process(s, b, h, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = chan_recv_one(b);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_int_equal(tern_udp_close(b, h), 0);
	tstack_process(s, now);
	ev = chan_recv_one(b);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	chan_assert_empty(a);
	assert_int_equal(tstack_tx_discard(s), 0);
	/* still open for its owner */
	assert_int_equal(tern_udp_close(a, h), 0);
	tstack_process(s, now);
	ev = chan_recv_one(a);
	assert_int_equal(ev.type, TERN_EV_UDP_CLOSED);
	tern_stack_free(s);
}

static void
test_double_bind_addrinuse(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct tern_chan *c2 = tern_chan_create(s, "t2", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	struct tern_event ev;
	uint8_t pl[2] = { 9, 9 };

	(void)state;
	h = udp_bind_ok(s, c, APP_PORT, 1, now, NULL);
	assert_int_equal(tern_udp_bind(c, APP_PORT, 2), 0);
	tstack_process(s, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_BOUND);
	assert_int_equal(ev.status, -EADDRINUSE);
	assert_int_equal(ev.cookie, 2);
	assert_int_equal(ev.port, APP_PORT);

	assert_int_equal(tern_udp_bind(c2, APP_PORT, 3), 0);
	tstack_process(s, now);
	ev = chan_recv_one(c2);
	assert_int_equal(ev.type, TERN_EV_UDP_BOUND);
	assert_int_equal(ev.status, -EADDRINUSE);
	assert_int_equal(ev.cookie, 3);
	assert_int_equal(s->ctr[CTR_CHAN_CMD_BAD], 2);

	/* the first socket is untouched */
	tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0), now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(ev.handle, h);
	chan_assert_empty(c2);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
}

static void
test_ephemeral_bind(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h1, h2;
	uint16_t p1, p2;
	struct rte_mbuf *out;
	struct parsed p;
	uint8_t pl[6] = { 1, 2, 3, 4, 5, 6 };

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h1 = udp_bind_ok(s, c, 0, 1, now, &p1);
	h2 = udp_bind_ok(s, c, 0, 2, now, &p2);
	assert_true(p1 >= 49152);
	assert_true(p2 >= 49152);
	assert_true(p1 != p2);
	assert_true(h1 != h2);
	udp_send_and_process(s, c, h2, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now);
	out = tstack_tx_one(s, &p);
	assert_udp_to_peer(&p, p2, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

/* ---- event ring overflow ------------------------------------------------ */

static void
test_event_ring_overflow(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 64);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	struct tern_event ev[64];
	uint64_t evs;
	unsigned int i, n;

	(void)state;
	assert_non_null(c);
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	evs = s->ctr[CTR_CHAN_EV];
	for (i = 0; i < 200; i++) {
		uint8_t pl[2] = { (uint8_t)(i >> 8), (uint8_t)i };

		tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0), now);
	}
	assert_int_equal(s->ctr[CTR_UDP_RX_PKTS], 200);
	assert_int_equal(tern_chan_pending(c), 64);
	assert_int_equal(s->ctr[CTR_CHAN_EV], evs + 64);
	assert_int_equal(s->ctr[CTR_CHAN_EV_FULL], 200 - 64);
	assert_int_equal(harness_pool_in_use(), 64);	/* dropped ones freed */

	n = tern_chan_recv(c, ev, 64);
	assert_int_equal(n, 64);
	for (i = 0; i < n; i++) {			/* the first 64, in order */
		const uint8_t *d = rte_pktmbuf_mtod(ev[i].m, const uint8_t *);

		assert_int_equal(ev[i].type, TERN_EV_UDP_DATAGRAM);
		assert_int_equal((d[0] << 8) | d[1], i);
		rte_pktmbuf_free(ev[i].m);
	}
	assert_int_equal(harness_pool_in_use(), 0);

	/* room again: delivery resumes */
	{
		uint8_t pl[1] = { 0x42 };
		struct tern_event one;

		tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0), now);
		one = chan_recv_one(c);
		assert_int_equal(one.type, TERN_EV_UDP_DATAGRAM);
		rte_pktmbuf_free(one.m);
	}
	tern_stack_free(s);
}
/* The test table: every test with the harness setup and tstack_teardown. */
#define UDP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tstack_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		UDP_TEST(test_bind_event),
		UDP_TEST(test_stale_handle_after_close),
		UDP_TEST(test_foreign_handle_rejected),
		UDP_TEST(test_double_bind_addrinuse),
		UDP_TEST(test_ephemeral_bind),
		UDP_TEST(test_event_ring_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
