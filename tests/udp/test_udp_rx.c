/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The UDP receive path through a real stack on a virtual interface: a peer
 * at PEER_IP feeds frames with tstack_rx() and the app receives through a
 * channel. Covered: datagram delivery with zero copy, Ethernet padding and
 * a UDP length shorter than the IP payload (the rest is not payload),
 * chained (scattered) RX, and the RX drops (checksum, length, truncation,
 * a length that reaches into the link trailer) with their counters.
 * Every test creates and frees its own stack; the harness teardown checks
 * that every mbuf went back to the pool.
 */
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "udp_frames.h"

#include "core/stack_private.h"
#include "wire/cksum.h"

/* ---- receive ------------------------------------------------------------ */

static void
test_datagram_delivery_zero_copy(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	struct tern_event ev;
	struct rte_mbuf *m;
	uint8_t pl[100];
	uint16_t off;

	(void)state;
	h = udp_bind_ok(s, c, APP_PORT, 77, now, NULL);
	fill_pattern(pl, sizeof(pl), 1);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	off = m->data_off;
	tstack_rx(s, m, now + 1000);

	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.handle, h);
	assert_int_equal(ev.cookie, 77);
	assert_int_equal(ev.addr, PEER_IP);
	assert_int_equal(ev.port, PEER_PORT);
	assert_int_equal(ev.len, sizeof(pl));
	/* zero copy: the very mbuf fed in, data offset moved to the payload */
	assert_ptr_equal(ev.m, m);
	assert_int_equal(ev.m->data_off, off + FRAME_HDRS);
	assert_int_equal(ev.m->nb_segs, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(ev.m), sizeof(pl));
	assert_int_equal(rte_pktmbuf_data_len(ev.m), sizeof(pl));
	assert_memory_equal(rte_pktmbuf_mtod(ev.m, const uint8_t *), pl, sizeof(pl));
	assert_int_equal(s->ctr[CTR_UDP_RX_PKTS], 1);
	assert_int_equal(tstack_tx_discard(s), 0);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
}

/* Ethernet pads a short frame to 60 bytes: the padding is not payload. */
static void
test_datagram_ethernet_padding_trimmed(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	const uint8_t pl[3] = { 'a', 'b', 'c' };
	struct tern_event ev;
	struct rte_mbuf *m;
	char *pad;

	(void)state;
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	pad = rte_pktmbuf_append(m, 60 - rte_pktmbuf_pkt_len(m));
	assert_non_null(pad);
	memset(pad, 0xee, 60 - FRAME_HDRS - sizeof(pl));
	tstack_rx(s, m, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(ev.len, sizeof(pl));
	assert_int_equal(rte_pktmbuf_pkt_len(ev.m), sizeof(pl));
	assert_memory_equal(rte_pktmbuf_mtod(ev.m, const uint8_t *), pl, sizeof(pl));
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
}

/* A UDP length below the IP payload is legal: the rest is ignored
 * (RFC 768; the checksum covers only `len` bytes). */
static void
test_udp_len_shorter_than_ip_payload(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t pl[10], l4[64];
	struct tern_event ev;
	uint16_t n;

	(void)state;
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 3);
	n = udp_l4_bytes(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + 4, pl, sizeof(pl));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(ev.len, 4);
	assert_int_equal(rte_pktmbuf_pkt_len(ev.m), 4);
	assert_memory_equal(rte_pktmbuf_mtod(ev.m, const uint8_t *), pl, 4);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
}

/* A frame received as a chain (scattered RX): the datagram arrives as the
 * same chain, and can be echoed back. */
static void
test_datagram_multiseg_rx_and_echo(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	static uint8_t pl[700], frame[FRAME_HDRS + 700], got[700];
	struct tern_event ev;
	struct rte_mbuf *m, *out;
	struct parsed p;
	uint32_t len;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 24);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	len = pkt_to_bytes(m, frame, sizeof(frame));
	rte_pktmbuf_free(m);
	m = pkt_chain_from_bytes(frame, len, 101);
	tstack_rx(s, m, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_ptr_equal(ev.m, m);
	assert_int_equal(ev.len, sizeof(pl));
	assert_int_equal(rte_pktmbuf_pkt_len(ev.m), sizeof(pl));
	assert_int_equal(pkt_to_bytes(ev.m, got, sizeof(got)), sizeof(pl));
	assert_memory_equal(got, pl, sizeof(pl));

	udp_send_and_process(s, c, h, ev.m, ev.addr, ev.port, now);
	out = tstack_tx_one(s, &p);
	assert_udp_to_peer(&p, APP_PORT, PEER_PORT, pl, sizeof(pl));
	rte_pktmbuf_free(out);

	/* a damaged byte in a later segment is caught */
	frame[len - 3] ^= 0x10;
	tstack_rx(s, pkt_chain_from_bytes(frame, len, 101), now);
	chan_assert_empty(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 1);
	tern_stack_free(s);
}

/* Same as test_udp_len_shorter_than_ip_payload, received as a chain whose
 * ignored tail is longer than its last segment. */
static void
test_udp_len_shorter_multiseg(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	static uint8_t pl[300], l4[UDP_HDR_LEN + 300], frame[FRAME_HDRS + 300];
	struct tern_event ev;
	struct rte_mbuf *m;
	uint32_t len, ev_len, pkt_len;
	uint16_t n;

	(void)state;
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 25);
	n = udp_l4_bytes(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + 10, pl, sizeof(pl));
	m = frame_ip4(&f, IP4_PROTO_UDP, l4, n);
	len = pkt_to_bytes(m, frame, sizeof(frame));
	rte_pktmbuf_free(m);
	tstack_rx(s, pkt_chain_from_bytes(frame, len, 100), now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	ev_len = ev.len;
	pkt_len = rte_pktmbuf_pkt_len(ev.m);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
	assert_int_equal(ev_len, 10);
	assert_int_equal(pkt_len, 10);		/* the mbuf must match ev.len */
}

/* ---- RX drops ----------------------------------------------------------- */

static void
test_bad_checksum_dropped(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	struct rte_mbuf *m;
	uint8_t pl[50];

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 7);

	/* checksum field damaged (never into 0x0000, which means "none") */
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HDR_LEN + IP4_HDR_LEN + 7)[0] ^= 0x5a;
	tstack_rx(s, m, now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 1);
	chan_assert_empty(c);

	/* payload damaged, checksum as sent */
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	rte_pktmbuf_mtod_offset(m, uint8_t *, FRAME_HDRS + 10)[0] ^= 0x01;
	tstack_rx(s, m, now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 2);
	chan_assert_empty(c);

	/* pseudo-header mismatch: a datagram checksummed for another address */
	{
		struct frame_ip other = f;
		uint8_t l4[UDP_HDR_LEN + sizeof(pl)];
		uint16_t n;

		other.dst = IP(198, 18, 0, 3);
		n = udp_l4_bytes(l4, &other, PEER_PORT, APP_PORT, UDP_HDR_LEN + sizeof(pl),
				 pl, sizeof(pl));
		tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	}
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 3);
	chan_assert_empty(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 0);
	assert_int_equal(tstack_tx_discard(s), 0);	/* silently dropped */
	tern_stack_free(s);
}

static void
test_zero_checksum_accepted(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	struct tern_event ev;
	struct rte_mbuf *m;
	uint8_t pl[33], *ck;

	(void)state;
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 8);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	ck = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HDR_LEN + IP4_HDR_LEN + 6);
	ck[0] = 0;
	ck[1] = 0;
	tstack_rx(s, m, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(ev.len, sizeof(pl));
	assert_memory_equal(rte_pktmbuf_mtod(ev.m, const uint8_t *), pl, sizeof(pl));
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 0);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
}

static void
test_udp_len_beyond_ip_payload(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t pl[20], l4[64];
	uint16_t n;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 11);

	n = udp_l4_bytes(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + sizeof(pl) + 1, pl, sizeof(pl));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_LEN], 1);
	chan_assert_empty(c);

	/* below the header size is just as wrong */
	n = udp_l4_bytes(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN - 1, pl, sizeof(pl));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_LEN], 2);
	chan_assert_empty(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 0);
	assert_int_equal(tstack_tx_discard(s), 0);
	tern_stack_free(s);
}

static void
test_truncated_udp_header(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t l4[8];
	struct udp_hdr_v u = { .src_port = PEER_PORT, .dst_port = APP_PORT, .len = 8 };

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	udp_hdr_emit(l4, &u);
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, 4), now);	/* ports only */
	assert_int_equal(s->ctr[CTR_UDP_RX_TRUNC], 1);
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, 7), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_TRUNC], 2);
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, 0), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_TRUNC], 3);
	chan_assert_empty(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 0);
	assert_int_equal(tstack_tx_discard(s), 0);
	tern_stack_free(s);
}

/* Bytes after the IP total length (link padding or junk) are not IP
 * payload, however the frame is segmented: a UDP length reaching into them
 * is beyond the IP payload. */
static void
test_udp_len_into_trailer_multiseg(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	static uint8_t pl[300], l4[UDP_HDR_LEN + 300], frame[FRAME_HDRS + 300];
	const uint16_t ip_total = IP4_HDR_LEN + UDP_HDR_LEN + 10;
	struct tern_event ev;
	struct rte_mbuf *m;
	uint64_t bad_len[2];
	unsigned int delivered = 0, round;
	uint32_t len;
	uint16_t n, ck;

	(void)state;
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 26);
	/* UDP length 68 with a checksum valid over those 68 bytes, but the
	 * IP header says only 18 bytes of UDP follow */
	n = udp_l4_bytes(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + 60, pl, sizeof(pl));
	m = frame_ip4(&f, IP4_PROTO_UDP, l4, n);
	len = pkt_to_bytes(m, frame, sizeof(frame));
	rte_pktmbuf_free(m);
	frame[ETH_HDR_LEN + 2] = (uint8_t)(ip_total >> 8);
	frame[ETH_HDR_LEN + 3] = (uint8_t)ip_total;
	ck = cksum_ip4_hdr(frame + ETH_HDR_LEN, IP4_HDR_LEN);
	memcpy(frame + ETH_HDR_LEN + 10, &ck, 2);

	for (round = 0; round < 2; round++) {
		m = round == 0 ? pkt_from_bytes(frame, (uint16_t)len) :
				 pkt_chain_from_bytes(frame, len, 100);
		tstack_rx(s, m, now);
		bad_len[round] = s->ctr[CTR_UDP_RX_BAD_LEN];
		while (tern_chan_recv(c, &ev, 1) == 1) {
			delivered++;
			rte_pktmbuf_free(ev.m);
		}
	}
	tern_stack_free(s);
	assert_int_equal(bad_len[0], 1);		/* one segment */
	assert_int_equal(bad_len[1], 2);		/* chained */
	assert_int_equal(delivered, 0);
}
/* The test table: every test with the harness setup and tstack_teardown. */
#define UDP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tstack_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		UDP_TEST(test_datagram_delivery_zero_copy),
		UDP_TEST(test_datagram_ethernet_padding_trimmed),
		UDP_TEST(test_udp_len_shorter_than_ip_payload),
		UDP_TEST(test_datagram_multiseg_rx_and_echo),
		UDP_TEST(test_udp_len_shorter_multiseg),
		UDP_TEST(test_bad_checksum_dropped),
		UDP_TEST(test_zero_checksum_accepted),
		UDP_TEST(test_udp_len_beyond_ip_payload),
		UDP_TEST(test_truncated_udp_header),
		UDP_TEST(test_udp_len_into_trailer_multiseg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
