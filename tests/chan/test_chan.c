/* SPDX-License-Identifier: BSD-3-Clause
 *
 * App channels (lib/chan/chan.c) on a real stack with a virtual interface:
 * creation and lookup by (lcore, name) and the errors of creation, the
 * per-stack channel limit, ordering of commands and events, a full command
 * ring (the caller keeps what was not enqueued), unknown commands, and
 * teardown: tern_chan_free and tern_stack_free release every mbuf still in
 * the rings or staged in the stack, and close the channel's UDP sockets.
 * Counters CTR_CHAN_* are checked along the way. Every test creates and
 * frees its own stack; the harness teardown checks for leaked mbufs.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "frames.h"

#include <rte_errno.h>
#include <rte_lcore.h>

#include "core/stack_private.h"
#include "stack/stack_loop.h"

#define BOGUS_HANDLE 0x00007fff0000beefull	/* slot out of range */

/* A failed test may leave its stack behind; free it so the next test can
 * create its own, and fail a test that forgot to. */
static int
chan_teardown(void **state)
{
	struct tern_stack *left = stack_registry_get(rte_lcore_id());
	int rc;

	if (left != NULL)
		tern_stack_free(left);
	rc = harness_teardown(state);
	return left != NULL ? -1 : rc;
}

static struct tern_event
recv_one(struct tern_chan *c)
{
	struct tern_event ev[2];

	assert_int_equal(tern_chan_recv(c, ev, 2), 1);
	return ev[0];
}

static uint64_t
bind_ok(struct tern_stack *s, struct tern_chan *c, uint16_t port, uint64_t now)
{
	struct tern_event ev;

	assert_int_equal(tern_udp_bind(c, port, port), 0);
	tstack_process(s, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_BOUND);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.port, port);
	return ev.handle;
}

static struct rte_mbuf *
small_mbuf(uint8_t v)
{
	return pkt_from_bytes(&v, 1);
}

static struct rte_mbuf *
datagram(uint16_t dport, uint8_t v)
{
	struct frame_ip f = frame_ip_default();

	return frame_udp(&f, 5000, dport, &v, 1, 0);
}

/* ---- creation ----------------------------------------------------------- */

static void
test_create_and_lookup(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	unsigned int lc = rte_lcore_id();
	struct tern_chan *a, *b;

	(void)state;
	a = tern_chan_create(s, "app", 0);
	b = tern_chan_create(s, "other", 64);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(tern_chan_lookup(lc, "app"), a);
	assert_ptr_equal(tern_chan_lookup(lc, "other"), b);
	assert_int_equal(tern_chan_pending(a), 0);

	rte_errno = 0;
	assert_null(tern_chan_lookup(lc, "nope"));
	assert_int_equal(rte_errno, ENOENT);
	rte_errno = 0;
	assert_null(tern_chan_lookup(lc + 1, "app"));	/* same name, other lcore */
	assert_int_equal(rte_errno, ENOENT);
	rte_errno = 0;
	assert_null(tern_chan_lookup(lc, "ap"));	/* no prefix match */
	assert_int_equal(rte_errno, ENOENT);

	tern_chan_free(a);
	tern_chan_free(NULL);				/* harmless */
	rte_errno = 0;
	assert_null(tern_chan_lookup(lc, "app"));
	assert_int_equal(rte_errno, ENOENT);
	assert_ptr_equal(tern_chan_lookup(lc, "other"), b);

	/* the name is free again */
	a = tern_chan_create(s, "app", 0);
	assert_non_null(a);
	assert_ptr_equal(tern_chan_lookup(lc, "app"), a);
	tern_stack_free(s);
}

static void
expect_einval(struct tern_stack *s, const char *name, unsigned int size)
{
	rte_errno = 0;
	assert_null(tern_chan_create(s, name, size));
	assert_int_equal(rte_errno, EINVAL);
}

static void
test_create_bad_args(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	unsigned int lc = rte_lcore_id();
	struct tern_chan *c;
	unsigned int i;

	(void)state;
	expect_einval(s, "0123456789abcdef", 0);	/* 16 chars: too long */
	expect_einval(s, "", 0);
	expect_einval(s, NULL, 0);
	expect_einval(NULL, "x", 0);
	expect_einval(s, "x", 3);
	expect_einval(s, "x", 100);
	expect_einval(s, "x", 1000);
	assert_null(tern_chan_lookup(lc, "x"));
	assert_null(tern_chan_lookup(lc, "0123456789abcde"));

	/* the longest legal name and a legal explicit size */
	c = tern_chan_create(s, "0123456789abcde", 0);
	assert_non_null(c);
	assert_ptr_equal(tern_chan_lookup(lc, "0123456789abcde"), c);
	assert_non_null(tern_chan_create(s, "x", 64));

	/* failed creations took no slot: 6 more fit */
	for (i = 0; i < 6; i++) {
		char name[8];

		snprintf(name, sizeof(name), "n%u", i);
		assert_non_null(tern_chan_create(s, name, 64));
	}
	tern_stack_free(s);
}

static void
test_duplicate_name(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	uint64_t now = tern_stack_now(s);
	struct tern_chan *c;
	unsigned int i;

	(void)state;
	c = tern_chan_create(s, "dup", 0);
	assert_non_null(c);
	rte_errno = 0;
	assert_null(tern_chan_create(s, "dup", 0));
	assert_int_equal(rte_errno, EEXIST);
	assert_ptr_equal(tern_chan_lookup(rte_lcore_id(), "dup"), c);
	bind_ok(s, c, 7, now);				/* the first still works */

	/* the failure took no slot: 7 more fit */
	for (i = 0; i < 7; i++) {
		char name[8];

		snprintf(name, sizeof(name), "d%u", i);
		assert_non_null(tern_chan_create(s, name, 64));
	}
	tern_stack_free(s);
}

static void
test_at_most_eight_channels(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c[8];
	char name[8];
	unsigned int i;

	(void)state;
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "c%u", i);
		c[i] = tern_chan_create(s, name, 64);
		assert_non_null(c[i]);
	}
	rte_errno = 0;
	assert_null(tern_chan_create(s, "c8", 64));
	assert_int_equal(rte_errno, ENOSPC);
	assert_null(tern_chan_lookup(rte_lcore_id(), "c8"));

	tern_chan_free(c[3]);
	c[3] = tern_chan_create(s, "c8", 64);
	assert_non_null(c[3]);
	rte_errno = 0;
	assert_null(tern_chan_create(s, "c9", 64));
	assert_int_equal(rte_errno, ENOSPC);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "c%u", i == 3 ? 8 : i);
		assert_ptr_equal(tern_chan_lookup(rte_lcore_id(), name), c[i]);
	}
	tern_stack_free(s);
}

/* ---- commands and events -------------------------------------------- */

static void
test_command_event_order(void **state)
{
	enum { N_BIND = 200 };
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s);
	static struct tern_cmd many[N_BIND];
	static struct tern_event ev[N_BIND];
	struct tern_cmd mix[5] = {
		{ .type = TERN_CMD_UDP_BIND, .port = 1000, .cookie = 1 },
		{ .type = TERN_CMD_UDP_SENDTO, .handle = BOGUS_HANDLE, .cookie = 2,
		  .addr = PEER_IP, .port = 9 },
		{ .type = 99, .cookie = 3 },
		{ .type = TERN_CMD_UDP_BIND, .port = 1000, .cookie = 4 },
		{ .type = TERN_CMD_UDP_CLOSE, .handle = BOGUS_HANDLE, .cookie = 5 },
	};
	const uint16_t want_type[5] = { TERN_EV_UDP_BOUND, TERN_EV_CMD_ERROR,
		TERN_EV_CMD_ERROR, TERN_EV_UDP_BOUND, TERN_EV_CMD_ERROR };
	const int32_t want_status[5] = { 0, -EBADF, -EINVAL, -EADDRINUSE, -EBADF };
	unsigned int i, got, rounds;

	(void)state;
	mix[1].m = small_mbuf(1);
	assert_int_equal(tern_chan_send(c, mix, 5), 5);
	tstack_process(s, now);
	assert_int_equal(tern_chan_pending(c), 5);
	/* partial receive keeps the rest, in order */
	assert_int_equal(tern_chan_recv(c, ev, 2), 2);
	assert_int_equal(tern_chan_pending(c), 3);
	assert_int_equal(tern_chan_recv(c, ev + 2, 10), 3);
	for (i = 0; i < 5; i++) {
		assert_int_equal(ev[i].cookie, i + 1);
		assert_int_equal(ev[i].type, want_type[i]);
		assert_int_equal(ev[i].status, want_status[i]);
	}
	assert_int_equal(harness_pool_in_use(), 0);

	/* more commands than the stack drains per iteration */
	for (i = 0; i < N_BIND; i++)
		many[i] = (struct tern_cmd){ .type = TERN_CMD_UDP_BIND,
					     .port = (uint16_t)(2000 + i), .cookie = 100 + i };
	assert_int_equal(tern_chan_send(c, many, N_BIND), N_BIND);
	for (got = 0, rounds = 0; got < N_BIND && rounds < N_BIND; rounds++) {
		tstack_process(s, now);
		got += tern_chan_recv(c, ev + got, N_BIND - got);
	}
	assert_int_equal(got, N_BIND);
	for (i = 0; i < N_BIND; i++) {
		assert_int_equal(ev[i].type, TERN_EV_UDP_BOUND);
		assert_int_equal(ev[i].status, 0);
		assert_int_equal(ev[i].cookie, 100 + i);
		assert_int_equal(ev[i].port, 2000 + i);
	}

	/* datagrams keep their arrival order */
	for (i = 0; i < 20; i++)
		tern_stack_input(s, 0, (struct rte_mbuf *[]){ datagram(2000, (uint8_t)i) }, 1,
				 now);
	tstack_process(s, now);
	assert_int_equal(tern_chan_recv(c, ev, N_BIND), 20);
	for (i = 0; i < 20; i++) {
		assert_int_equal(ev[i].type, TERN_EV_UDP_DATAGRAM);
		assert_int_equal(*rte_pktmbuf_mtod(ev[i].m, uint8_t *), i);
		rte_pktmbuf_free(ev[i].m);
	}
	tern_stack_free(s);
}

/* Events go to the channel that owns the socket. */
static void
test_events_reach_owner(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *a = tern_chan_create(s, "a", 0);
	struct tern_chan *b = tern_chan_create(s, "b", 0);
	uint64_t now = tern_stack_now(s);
	struct tern_event ev;

	(void)state;
	bind_ok(s, a, 10, now);
	bind_ok(s, b, 20, now);
	tstack_rx(s, datagram(20, 2), now);
	tstack_rx(s, datagram(10, 1), now);
	ev = recv_one(a);
	assert_int_equal(*rte_pktmbuf_mtod(ev.m, uint8_t *), 1);
	rte_pktmbuf_free(ev.m);
	ev = recv_one(b);
	assert_int_equal(*rte_pktmbuf_mtod(ev.m, uint8_t *), 2);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
}

static void
test_send_on_full_ring(void **state)
{
	enum { N = 100, RING = 64 };
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", RING);
	uint64_t now = tern_stack_now(s);
	struct tern_cmd cmd[N];
	struct tern_event ev[RING];
	unsigned int i, n;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < N; i++)
		cmd[i] = (struct tern_cmd){ .type = TERN_CMD_UDP_SENDTO, .handle = BOGUS_HANDLE,
					    .cookie = i, .addr = PEER_IP, .port = 9,
					    .m = small_mbuf((uint8_t)i) };
	n = tern_chan_send(c, cmd, N);
	assert_int_equal(n, RING);
	assert_int_equal(tern_udp_bind(c, 1, 0), -EAGAIN);
	assert_int_equal(tern_udp_close(c, BOGUS_HANDLE), -EAGAIN);

	tstack_process(s, now);
	assert_int_equal(s->ctr[CTR_CHAN_CMD], RING);
	assert_int_equal(harness_pool_in_use(), N - RING);	/* taken ones freed */
	/* what was not enqueued is still the caller's, untouched */
	for (i = n; i < N; i++) {
		assert_int_equal(rte_mbuf_refcnt_read(cmd[i].m), 1);
		assert_int_equal(*rte_pktmbuf_mtod(cmd[i].m, uint8_t *), i);
	}
	assert_int_equal(tern_chan_recv(c, ev, RING), RING);
	for (i = 0; i < RING; i++) {
		assert_int_equal(ev[i].type, TERN_EV_CMD_ERROR);
		assert_int_equal(ev[i].status, -EBADF);
		assert_int_equal(ev[i].cookie, i);
	}

	/* the rest goes in now, in order */
	assert_int_equal(tern_chan_send(c, cmd + n, N - n), N - n);
	tstack_process(s, now);
	assert_int_equal(tern_chan_recv(c, ev, RING), N - n);
	for (i = 0; i < N - n; i++)
		assert_int_equal(ev[i].cookie, n + i);
	assert_int_equal(harness_pool_in_use(), 0);
	tern_stack_free(s);
}

static void
test_unknown_command(void **state)
{
	const uint16_t types[] = { TERN_CMD_NONE, TERN_CMD_COUNT, 99, 0xffff };
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s);
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(types); i++) {
		struct tern_cmd cmd = { .type = types[i], .handle = 0x77,
					.cookie = 0xfeedface12345678ull + i,
					.m = small_mbuf(0x33) };
		struct tern_event ev;

		assert_int_equal(tern_chan_send(c, &cmd, 1), 1);
		tstack_process(s, now);
		ev = recv_one(c);
		assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
		assert_int_equal(ev.status, -EINVAL);
		assert_int_equal(ev.cookie, 0xfeedface12345678ull + i);
		assert_null(ev.m);
		assert_int_equal(harness_pool_in_use(), 0);	/* its mbuf was freed */
		assert_int_equal(s->ctr[CTR_CHAN_CMD_BAD], i + 1);
	}
	assert_int_equal(tstack_tx_discard(s), 0);
	tern_stack_free(s);
}

static void
test_counters(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 64);
	uint64_t now = tern_stack_now(s);
	struct tern_event ev[64];
	unsigned int i;

	(void)state;
	assert_string_equal(tern_stats_name(CTR_CHAN_CMD), "chan_cmd");
	assert_string_equal(tern_stats_name(CTR_CHAN_EV), "chan_ev");
	assert_int_equal(s->ctr[CTR_CHAN_CMD], 0);
	assert_int_equal(s->ctr[CTR_CHAN_EV], 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(tern_udp_bind(c, (uint16_t)(100 + i), i), 0);
	assert_int_equal(s->ctr[CTR_CHAN_CMD], 0);	/* counted when drained */
	tstack_process(s, now);
	assert_int_equal(s->ctr[CTR_CHAN_CMD], 5);
	assert_int_equal(s->ctr[CTR_CHAN_EV], 5);
	assert_int_equal(tern_stats_get(s, CTR_CHAN_CMD), 5);
	assert_int_equal(tern_stats_get(s, CTR_CHAN_EV), 5);
	assert_int_equal(tern_chan_recv(c, ev, 64), 5);

	/* datagram events count too; lost ones count as full, not delivered */
	for (i = 0; i < 70; i++)
		tstack_rx(s, datagram(100, (uint8_t)i), now);
	assert_int_equal(s->ctr[CTR_CHAN_EV], 5 + 64);
	assert_int_equal(s->ctr[CTR_CHAN_EV_FULL], 6);
	assert_int_equal(s->ctr[CTR_CHAN_CMD], 5);
	assert_int_equal(tern_chan_recv(c, ev, 64), 64);
	for (i = 0; i < 64; i++)
		rte_pktmbuf_free(ev[i].m);
	tern_stack_free(s);
}

/* ---- teardown ---------------------------------------------------------- */

static void
test_chan_free_releases_everything(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *a = tern_chan_create(s, "a", 64);
	struct tern_chan *keep = tern_chan_create(s, "keep", 64);
	struct tern_chan *b;
	uint64_t now = tern_stack_now(s), ha;
	struct rte_mbuf *m;
	struct tern_event ev;
	unsigned int i;

	(void)state;
	ha = bind_ok(s, a, 7, now);
	bind_ok(s, a, 8, now);
	bind_ok(s, keep, 9, now);
	for (i = 0; i < 5; i++)				/* events in a's ring */
		tstack_rx(s, datagram(7, (uint8_t)i), now);
	assert_int_equal(tern_chan_pending(a), 5);
	for (i = 0; i < 3; i++)				/* commands in a's ring */
		assert_int_equal(tern_udp_sendto(a, ha, small_mbuf((uint8_t)i), PEER_IP, 9), 0);
	m = datagram(8, 9);				/* events staged in the stack: */
	tern_stack_input(s, 0, &m, 1, now);		/* one for a, */
	m = datagram(9, 0x55);				/* one for keep */
	tern_stack_input(s, 0, &m, 1, now);
	assert_int_equal(harness_pool_in_use(), 5 + 3 + 2);

	tern_chan_free(a);
	assert_int_equal(harness_pool_in_use(), 1);	/* keep's event only */
	assert_null(tern_chan_lookup(rte_lcore_id(), "a"));
	tstack_process(s, now);
	ev = recv_one(keep);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(*rte_pktmbuf_mtod(ev.m, uint8_t *), 0x55);
	rte_pktmbuf_free(ev.m);
	assert_int_equal(tstack_tx_discard(s), 0);

	/* a's ports are bindable again, from another channel */
	b = tern_chan_create(s, "b", 64);
	assert_non_null(b);
	bind_ok(s, b, 7, now);
	bind_ok(s, b, 8, now);
	tstack_rx(s, datagram(7, 0x77), now);
	ev = recv_one(b);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(*rte_pktmbuf_mtod(ev.m, uint8_t *), 0x77);
	rte_pktmbuf_free(ev.m);

	/* the other channel's socket was left alone */
	assert_int_equal(tern_udp_bind(b, 9, 0), 0);
	tstack_process(s, now);
	ev = recv_one(b);
	assert_int_equal(ev.status, -EADDRINUSE);
	tstack_rx(s, datagram(9, 0x99), now);
	ev = recv_one(keep);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
}

static void
test_stack_free_with_live_channels(void **state)
{
	static const char *const names[] = { "x", "y", "z" };
	struct tern_stack *s = tstack_create(NULL);
	uint64_t now = tern_stack_now(s);
	unsigned int lc = rte_lcore_id(), i, k;
	struct tern_chan *c[RTE_DIM(names)];
	uint64_t h[RTE_DIM(names)];
	struct rte_mbuf *m;

	(void)state;
	for (i = 0; i < RTE_DIM(names); i++) {
		uint16_t port = (uint16_t)(100 + i);

		c[i] = tern_chan_create(s, names[i], 64);
		assert_non_null(c[i]);
		h[i] = bind_ok(s, c[i], port, now);
		for (k = 0; k < 4; k++)			/* events in the ring */
			tstack_rx(s, datagram(port, (uint8_t)k), now);
	}
	for (i = 0; i < RTE_DIM(names); i++)		/* commands in the rings */
		for (k = 0; k < 2; k++)
			assert_int_equal(tern_udp_sendto(c[i], h[i], small_mbuf((uint8_t)k),
							 PEER_IP, 9), 0);
	m = datagram(101, 0xee);			/* a staged event */
	tern_stack_input(s, 0, &m, 1, now);
	assert_int_equal(harness_pool_in_use(), 3 * (4 + 2) + 1);

	tern_stack_free(s);
	assert_int_equal(harness_pool_in_use(), 0);
	assert_null(stack_registry_get(lc));
	for (i = 0; i < RTE_DIM(names); i++)
		assert_null(tern_chan_lookup(lc, names[i]));

	/* everything was released: same lcore, same names, fresh start */
	s = tstack_create(NULL);
	for (i = 0; i < RTE_DIM(names); i++) {
		c[i] = tern_chan_create(s, names[i], 64);
		assert_non_null(c[i]);
		bind_ok(s, c[i], (uint16_t)(100 + i), now);
	}
	tern_stack_free(s);
}

/* Commands queued and pending ARP resolution when the stack goes away. */
static void
test_stack_free_with_traffic_in_flight(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 64);
	uint64_t now = tern_stack_now(s), h;
	unsigned int i;

	(void)state;
	h = bind_ok(s, c, 7, now);
	for (i = 0; i < 4; i++)				/* waiting for ARP */
		assert_int_equal(tern_udp_sendto(c, h, small_mbuf((uint8_t)i), PEER_IP, 9), 0);
	tstack_process(s, now);
	assert_int_equal(harness_pool_in_use(), 4 + 1);	/* + the ARP request */
	tern_stack_free(s);
	assert_int_equal(harness_pool_in_use(), 0);
}

#define CHAN_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, chan_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		CHAN_TEST(test_create_and_lookup),
		CHAN_TEST(test_create_bad_args),
		CHAN_TEST(test_duplicate_name),
		CHAN_TEST(test_at_most_eight_channels),
		CHAN_TEST(test_command_event_order),
		CHAN_TEST(test_events_reach_owner),
		CHAN_TEST(test_send_on_full_ring),
		CHAN_TEST(test_unknown_command),
		CHAN_TEST(test_counters),
		CHAN_TEST(test_chan_free_releases_everything),
		CHAN_TEST(test_stack_free_with_live_channels),
		CHAN_TEST(test_stack_free_with_traffic_in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
