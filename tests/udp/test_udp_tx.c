/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The UDP send path through a real stack on a virtual interface: what the
 * app sends through its channel is read back with tstack_tx() and
 * frame_parse(). Covered: echo in the received mbuf and of every size up
 * to 1472 bytes, RFC 768's computed zero checksum sent as 0xffff, sendto
 * errors (too big, bad destination), and the TX paths: software checksum,
 * checksum offload (completed here as a NIC would and compared byte for
 * byte), shared and chained payload mbufs, a chain copied for a port that
 * cannot gather, and a header mbuf shortage that must still release the
 * payload. Every test creates and frees its own stack; the harness
 * teardown checks that every mbuf went back to the pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "udp_frames.h"

#include "core/stack_private.h"
#include "wire/cksum.h"

/* ---- echo --------------------------------------------------------------- */

static void
test_echo_same_mbuf(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	struct tern_event ev;
	struct rte_mbuf *m, *out;
	struct parsed p;
	uint8_t pl[321];

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 2);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	tstack_rx(s, m, now);
	ev = chan_recv_one(c);
	assert_ptr_equal(ev.m, m);

	udp_send_and_process(s, c, h, ev.m, ev.addr, ev.port, now);
	out = tstack_tx_one(s, &p);
	assert_ptr_equal(out, m);		/* zero copy both ways */
	assert_int_equal(out->nb_segs, 1);
	assert_udp_to_peer(&p, APP_PORT, PEER_PORT, pl, sizeof(pl));
	assert_int_equal(out->ol_flags & (RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IP_CKSUM), 0);
	assert_int_equal(s->ctr[CTR_UDP_TX_PKTS], 1);
	assert_int_equal(s->ctr[CTR_TX_SW_CKSUM], 1);
	chan_assert_empty(c);			/* a successful send is silent */
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

static void
test_echo_all_sizes(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	static uint8_t pl[TERN_UDP_MAX_PAYLOAD];
	static struct parsed p;
	uint32_t len;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	for (len = 0; len <= TERN_UDP_MAX_PAYLOAD; len++) {
		struct tern_event ev;
		struct rte_mbuf *out;

		fill_pattern(pl, len, len);
		tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, (uint16_t)len, 0), now);
		ev = chan_recv_one(c);
		assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
		assert_int_equal(ev.len, len);
		assert_int_equal(rte_pktmbuf_pkt_len(ev.m), len);
		udp_send_and_process(s, c, h, ev.m, ev.addr, ev.port, now);
		out = tstack_tx_one(s, &p);
		assert_ptr_equal(out, ev.m);
		assert_udp_to_peer(&p, APP_PORT, PEER_PORT, pl, len);
		assert_int_equal(rte_pktmbuf_pkt_len(out), FRAME_HDRS + len);
		rte_pktmbuf_free(out);
	}
	assert_int_equal(s->ctr[CTR_UDP_TX_PKTS], TERN_UDP_MAX_PAYLOAD + 1);
	assert_int_equal(s->ctr[CTR_UDP_TX_BAD], 0);
	tern_stack_free(s);
}

/* RFC 768: a computed checksum of zero is sent as all ones, and a received
 * 0xffff verifies. */
static void
test_checksum_zero_result_sent_as_ffff(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	struct tern_event ev;
	struct rte_mbuf *m, *out;
	struct parsed p;
	uint8_t pl[16];

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);

	/* receive: frame_udp stores 0xffff for a zero result */
	fill_pattern(pl, sizeof(pl), 9);
	udp_craft_zero_cksum(pl, sizeof(pl), PEER_IP, OUR_IP, PEER_PORT, APP_PORT);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	assert_int_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, 40)[0], 0xff);
	assert_int_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, 41)[0], 0xff);
	tstack_rx(s, m, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	rte_pktmbuf_free(ev.m);

	/* send */
	fill_pattern(pl, sizeof(pl), 10);
	udp_craft_zero_cksum(pl, sizeof(pl), OUR_IP, PEER_IP, APP_PORT, PEER_PORT);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, PEER_PORT, now);
	out = tstack_tx_one(s, &p);
	assert_udp_to_peer(&p, APP_PORT, PEER_PORT, pl, sizeof(pl));
	assert_int_equal(p.udp.cksum, 0xffff);
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

/* ---- sendto errors ------------------------------------------------------ */

/* tern_udp_max_payload() follows the routed interface's MTU, and the
 * figure it gives is exactly what sendto takes: 9000 - 28 goes out, one
 * byte more is -EMSGSIZE. TERN_UDP_MAX_PAYLOAD stays the 1500 default. */
static void
test_max_payload_follows_mtu(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct tern_chan *c;
	static uint8_t pl[9000];
	struct tern_event ev;
	uint64_t now, h;

	(void)state;
	tstack_config(&cfg);
	assert_int_equal(tern_udp_max_payload(NULL, PEER_IP), -EINVAL);
	s = tstack_create(&cfg);
	assert_int_equal(tern_udp_max_payload(s, PEER_IP), (int)TERN_UDP_MAX_PAYLOAD);
	assert_int_equal(tern_udp_max_payload(s, 0x08080808u), cfg.iface[0].gw ?
			 (int)TERN_UDP_MAX_PAYLOAD : -ENETUNREACH);
	tern_stack_free(s);

	cfg.iface[0].mtu = 9000;
	s = tstack_create(&cfg);
	c = tern_chan_create(s, "t", 0);
	now = tern_stack_now(s);
	assert_int_equal(tern_udp_max_payload(s, PEER_IP), 8972);
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	udp_send_and_process(s, c, h, pkt_chain_from_bytes(pl, 8972, 1024), PEER_IP, 9000, now);
	chan_assert_empty(c);
	assert_int_equal(tstack_tx_discard(s), 1);
	udp_send_and_process(s, c, h, pkt_chain_from_bytes(pl, 8973, 1024), PEER_IP, 9000, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EMSGSIZE);
	assert_int_equal(tstack_tx_discard(s), 0);
	tern_stack_free(s);
}

static void
test_sendto_too_big(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	static uint8_t pl[TERN_UDP_MAX_PAYLOAD + 1];
	struct tern_event ev;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 15);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EMSGSIZE);
	assert_int_equal(ev.handle, h);
	assert_null(ev.m);
	assert_int_equal(s->ctr[CTR_UDP_TX_BAD], 1);
	assert_int_equal(s->ctr[CTR_UDP_TX_PKTS], 0);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(harness_pool_in_use(), 0);

	/* one byte less fits */
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, TERN_UDP_MAX_PAYLOAD), PEER_IP, 9000, now);
	chan_assert_empty(c);
	assert_int_equal(tstack_tx_discard(s), 1);
	tern_stack_free(s);
}

static void
test_sendto_bad_destination(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	struct tern_event ev;
	uint8_t pl[4] = { 0 };

	(void)state;
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), 0, 9000, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EINVAL);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 0, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EINVAL);
	assert_int_equal(tern_udp_sendto(c, h, NULL, PEER_IP, 9000), 0);
	tstack_process(s, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EINVAL);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(harness_pool_in_use(), 0);
	tern_stack_free(s);
}

/* ---- TX paths ----------------------------------------------------------- */

/* Complete offloaded checksums the way a NIC does: IPv4 header checksum,
 * and for UDP the field (pre-loaded with the folded pseudo-header sum) is
 * summed with the UDP bytes and replaced by the inverted fold. */
static void
nic_complete_cksums(uint8_t *frame, uint32_t len)
{
	uint8_t *ip = frame + ETH_HDR_LEN;
	uint8_t *l4 = ip + IP4_HDR_LEN;
	uint16_t ck, udp_len = (uint16_t)(len - ETH_HDR_LEN - IP4_HDR_LEN);

	ck = cksum_ip4_hdr(ip, IP4_HDR_LEN);
	memcpy(ip + 10, &ck, 2);
	ck = (uint16_t)~cksum_fold(cksum_raw(l4, udp_len, 0));
	if (ck == 0)
		ck = 0xffff;
	memcpy(l4 + 6, &ck, 2);
}

static void
test_tx_cksum_offload_equivalent(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	static uint8_t sw[2048], hw[2048];
	struct rte_mbuf *out;
	struct parsed p;
	uint32_t sw_len, hw_len;
	uint16_t pseudo, field;
	uint8_t pl[333];
	unsigned int round;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	for (round = 0; round < 2; round++) {
		uint16_t plen = round == 0 ? sizeof(pl) : 1;	/* odd and tiny */

		fill_pattern(pl, plen, 16 + round);
		s->iface[0].caps &= ~(IFACE_CAP_TX_IP_CKSUM | IFACE_CAP_TX_UDP_CKSUM);
		udp_send_and_process(s, c, h, pkt_from_bytes(pl, plen), PEER_IP, 9000, now);
		out = tstack_tx_one(s, &p);
		assert_udp_to_peer(&p, APP_PORT, 9000, pl, plen);
		assert_int_equal(out->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM |
						  RTE_MBUF_F_TX_UDP_CKSUM), 0);
		sw_len = pkt_to_bytes(out, sw, sizeof(sw));
		rte_pktmbuf_free(out);

		s->iface[0].caps |= IFACE_CAP_TX_IP_CKSUM | IFACE_CAP_TX_UDP_CKSUM;
		udp_send_and_process(s, c, h, pkt_from_bytes(pl, plen), PEER_IP, 9000, now);
		out = tstack_tx_one(s, &p);
		assert_int_equal(out->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
						  RTE_MBUF_F_TX_UDP_CKSUM),
				 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				 RTE_MBUF_F_TX_UDP_CKSUM);
		assert_int_equal(out->ol_flags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_UDP_CKSUM);
		assert_int_equal(out->l2_len, ETH_HDR_LEN);
		assert_int_equal(out->l3_len, IP4_HDR_LEN);
		assert_int_equal(out->l4_len, UDP_HDR_LEN);
		hw_len = pkt_to_bytes(out, hw, sizeof(hw));
		rte_pktmbuf_free(out);
		assert_int_equal(hw_len, sw_len);

		/* the UDP field holds the folded pseudo-header sum */
		pseudo = cksum_fold(cksum_pseudo_ip4(OUR_IP, PEER_IP, IP4_PROTO_UDP,
						     (uint16_t)(UDP_HDR_LEN + plen)));
		memcpy(&field, hw + ETH_HDR_LEN + IP4_HDR_LEN + 6, 2);
		assert_int_equal(field, pseudo);

		nic_complete_cksums(hw, hw_len);
		assert_memory_equal(hw, sw, sw_len);
	}
	assert_int_equal(s->ctr[CTR_TX_HW_CKSUM], 2);
	tern_stack_free(s);
}

/* A shared payload (refcnt 2) must not be written into: a header mbuf is
 * chained in front of it. */
static void
test_tx_shared_payload_untouched(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	uint8_t pl[200], head[RTE_PKTMBUF_HEADROOM];
	struct rte_mbuf *m, *out;
	struct parsed p;
	uint16_t hr, off;
	uint8_t *d;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 18);
	m = pkt_from_bytes(pl, sizeof(pl));
	d = rte_pktmbuf_mtod(m, uint8_t *);
	hr = rte_pktmbuf_headroom(m);
	off = m->data_off;
	assert_true(hr >= FRAME_HDRS && hr <= sizeof(head));
	memset(d - hr, 0xa5, hr);
	memcpy(head, d - hr, hr);
	rte_mbuf_refcnt_update(m, 1);			/* someone else holds it too */

	udp_send_and_process(s, c, h, m, PEER_IP, 9000, now);
	out = tstack_tx_one(s, &p);
	assert_ptr_not_equal(out, m);
	assert_ptr_equal(out->next, m);
	assert_int_equal(out->nb_segs, 2);
	assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	/* the shared mbuf: same window, headroom and payload bytes unchanged */
	assert_int_equal(m->data_off, off);
	assert_int_equal(rte_pktmbuf_data_len(m), sizeof(pl));
	assert_memory_equal(d - hr, head, hr);
	assert_memory_equal(d, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);	/* our reference is left */
	assert_memory_equal(d, pl, sizeof(pl));
	rte_pktmbuf_free(m);
	tern_stack_free(s);
}

static void
test_tx_multiseg_payload(void **state)
{
	static const uint16_t seg_len[] = { 333, 7, 1, 1000 };
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	static uint8_t pl[1001];
	struct rte_mbuf *m, *out;
	struct parsed p;
	unsigned int i;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	for (i = 0; i < RTE_DIM(seg_len); i++) {
		uint16_t nseg;

		fill_pattern(pl, sizeof(pl), 19 + i);
		m = pkt_chain_from_bytes(pl, sizeof(pl), seg_len[i]);
		nseg = m->nb_segs;
		assert_true(nseg > 1);
		udp_send_and_process(s, c, h, m, PEER_IP, 9000, now);
		out = tstack_tx_one(s, &p);
		assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
		assert_true(out->nb_segs >= nseg);	/* sent as a chain */
		assert_int_equal(rte_pktmbuf_pkt_len(out), FRAME_HDRS + sizeof(pl));
		rte_pktmbuf_free(out);
	}
	/* with offload: a chain whose interior segments all have even lengths
	 * is left to the NIC, whose sum over the chain equals software's */
	s->iface[0].caps |= IFACE_CAP_TX_IP_CKSUM | IFACE_CAP_TX_UDP_CKSUM;
	m = pkt_chain_from_bytes(pl, sizeof(pl), 334);
	udp_send_and_process(s, c, h, m, PEER_IP, 9000, now);
	{
		static uint8_t hw[2048];
		uint32_t len;
		struct rte_mbuf *o[2];

		assert_int_equal(tstack_tx(s, o, 2), 1);
		assert_true(o[0]->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
		len = pkt_to_bytes(o[0], hw, sizeof(hw));
		rte_pktmbuf_free(o[0]);
		nic_complete_cksums(hw, len);
		out = pkt_from_bytes(hw, (uint16_t)len);
		assert_int_equal(frame_parse(out, &p), 0);
		rte_pktmbuf_free(out);
		assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	}
	/* an odd-length interior segment (333) is checksummed in software
	 * even with offload (net_tap sums such chains wrongly); the IP header
	 * checksum offload is switched off so the frame can be read as is */
	s->iface[0].caps &= ~IFACE_CAP_TX_IP_CKSUM;
	m = pkt_chain_from_bytes(pl, sizeof(pl), 333);
	udp_send_and_process(s, c, h, m, PEER_IP, 9000, now);
	{
		struct rte_mbuf *o[2];

		assert_int_equal(tstack_tx(s, o, 2), 1);
		assert_false(o[0]->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
		assert_int_equal(frame_parse(o[0], &p), 0);
		rte_pktmbuf_free(o[0]);
		assert_true(p.l4_cksum_ok);
		assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	}
	tern_stack_free(s);
}

/* A port that cannot gather gets the chain copied into one segment. */
static void
test_tx_multiseg_linearized_without_gather(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	static uint8_t pl[1001];
	struct rte_mbuf *out;
	struct parsed p;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	s->iface[0].caps &= ~IFACE_CAP_TX_MULTISEG;
	fill_pattern(pl, sizeof(pl), 23);
	udp_send_and_process(s, c, h, pkt_chain_from_bytes(pl, sizeof(pl), 333), PEER_IP,
			     9000, now);
	out = tstack_tx_one(s, &p);
	assert_int_equal(out->nb_segs, 1);
	assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

/* Same, for a chain whose first segment already holds every byte (an
 * empty segment trails it): the copy must still contain the payload. */
static void
test_tx_linearize_first_segment_holds_all(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	uint8_t pl[100];
	struct rte_mbuf *m, *empty, *out;
	struct parsed p;
	bool same;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	s->iface[0].caps &= ~IFACE_CAP_TX_MULTISEG;
	fill_pattern(pl, sizeof(pl), 29);
	m = pkt_from_bytes(pl, sizeof(pl));
	empty = rte_pktmbuf_alloc(harness_pool());
	assert_non_null(empty);
	assert_int_equal(rte_pktmbuf_chain(m, empty), 0);
	assert_int_equal(m->nb_segs, 2);
	udp_send_and_process(s, c, h, m, PEER_IP, 9000, now);
	out = tstack_tx_one(s, &p);
	same = p.payload_len == sizeof(pl) && memcmp(p.payload, pl, sizeof(pl)) == 0;
	rte_pktmbuf_free(out);
	tern_stack_free(s);
	assert_true(same);
	assert_true(p.l4_cksum_ok);
}

/* Out of mbufs for the header: the command's payload still belongs to the
 * stack ("whatever the command's outcome") and must be released. */
static void
test_tx_nombuf_releases_payload(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	struct rte_mbuf **hoard, *m, *x;
	uint8_t pl[64];
	uint16_t ref;
	unsigned int n = 0;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 31);
	m = pkt_from_bytes(pl, sizeof(pl));
	rte_mbuf_refcnt_update(m, 1);			/* forces a header mbuf */
	hoard = calloc(HARNESS_POOL_SIZE, sizeof(*hoard));
	assert_non_null(hoard);
	while ((x = rte_pktmbuf_alloc(harness_pool())) != NULL)
		hoard[n++] = x;
	assert_int_equal(tern_udp_sendto(c, h, m, PEER_IP, 9000), 0);
	tstack_process(s, now);
	rte_pktmbuf_free_bulk(hoard, n);
	free(hoard);
	tstack_tx_discard(s);
	{
		struct tern_event ev;

		while (tern_chan_recv(c, &ev, 1) == 1)
			rte_pktmbuf_free(ev.m);
	}
	/* record, clean up (so later tests are not charged), then check */
	ref = rte_mbuf_refcnt_read(m);
	if (ref > 1)
		rte_mbuf_refcnt_update(m, (int16_t)(1 - ref));
	rte_pktmbuf_free(m);
	assert_true(s->ctr[CTR_TX_DROP_NOMBUF] >= 1);
	tern_stack_free(s);
	assert_int_equal(ref, 1);
}
/* The test table: every test with the harness setup and tstack_teardown. */
#define UDP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tstack_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		UDP_TEST(test_echo_same_mbuf),
		UDP_TEST(test_echo_all_sizes),
		UDP_TEST(test_checksum_zero_result_sent_as_ffff),
		UDP_TEST(test_sendto_too_big),
		UDP_TEST(test_max_payload_follows_mtu),
		UDP_TEST(test_sendto_bad_destination),
		UDP_TEST(test_tx_cksum_offload_equivalent),
		UDP_TEST(test_tx_shared_payload_untouched),
		UDP_TEST(test_tx_multiseg_payload),
		UDP_TEST(test_tx_multiseg_linearized_without_gather),
		UDP_TEST(test_tx_linearize_first_segment_holds_all),
		UDP_TEST(test_tx_nombuf_releases_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
