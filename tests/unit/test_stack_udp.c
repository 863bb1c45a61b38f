/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP through a real stack on a virtual interface (lib/udp/, lib/ip/,
 * lib/chan/ together): a peer at PEER_IP feeds frames with tstack_rx(),
 * the app side binds, receives and sends through a channel, and the frames
 * the stack sends are read back with tstack_tx() and frame_parse().
 * Covered: bind events and handles (stale handles, slot reuse, double and
 * ephemeral bind), datagram delivery with zero copy, echo of every size up
 * to 1472 bytes, chained (scattered) RX, RX drops (checksum, length,
 * truncation) with their counters, ICMP port unreachable sent and received, ARP resolution of the
 * peer and of the gateway, routing errors, event ring overflow, and the TX
 * paths: software checksum, checksum offload (completed here as a NIC
 * would and compared byte for byte), shared and chained payload mbufs.
 * Every test creates and frees its own stack; the harness teardown checks
 * that every mbuf went back to the pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "frames.h"

#include <rte_lcore.h>

#include "core/stack_private.h"
#include "stack/stack_loop.h"
#include "wire/cksum.h"

#define APP_PORT 7
#define PEER_PORT 5000
#define FRAME_HDRS (ETH_HDR_LEN + IP4_HDR_LEN + UDP_HDR_LEN)

static const struct rte_ether_addr bcast_mac = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};
static const struct rte_ether_addr gw_mac = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe }};

/* ---- helpers --------------------------------------------------------- */

/* A failed test may leave its stack behind (cmocka jumps out of it); free
 * it here so the next test can create its own, and fail this test if a
 * passing one forgot to. */
static int
stack_teardown(void **state)
{
	struct tern_stack *left = stack_registry_get(rte_lcore_id());
	int rc;

	if (left != NULL)
		tern_stack_free(left);
	rc = harness_teardown(state);
	return left != NULL ? -1 : rc;
}

static void
fill(uint8_t *b, uint32_t n, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7u + seed * 31u + (i >> 8));
}

/* Exactly one event waiting; returns it. */
static struct tern_event
recv_one(struct tern_chan *c)
{
	struct tern_event ev[2];

	assert_int_equal(tern_chan_recv(c, ev, 2), 1);
	return ev[0];
}

static void
assert_no_event(struct tern_chan *c)
{
	struct tern_event ev;

	assert_int_equal(tern_chan_pending(c), 0);
	assert_int_equal(tern_chan_recv(c, &ev, 1), 0);
}

/* Bind `port`, expect success; returns the handle. */
static uint64_t
bind_ok(struct tern_stack *s, struct tern_chan *c, uint16_t port, uint64_t cookie,
	uint64_t now, uint16_t *bound_port)
{
	struct tern_event ev;

	assert_int_equal(tern_udp_bind(c, port, cookie), 0);
	tstack_process(s, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_BOUND);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.cookie, cookie);
	assert_true(ev.handle != 0);
	assert_null(ev.m);
	if (port != 0)
		assert_int_equal(ev.port, port);
	if (bound_port != NULL)
		*bound_port = ev.port;
	return ev.handle;
}

/* Teach the stack `mac` for `ip` with an ARP request for our address (the
 * RFC 826 merge adds the sender); discards our reply. */
static void
learn_neighbour(struct tern_stack *s, uint32_t ip, const struct rte_ether_addr *mac,
		uint64_t now)
{
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = *mac, .spa = ip, .tpa = OUR_IP };

	tstack_rx(s, frame_arp(&bcast_mac, mac, &a), now);
	assert_int_equal(tstack_tx_discard(s), 1);
}

/* Exactly one frame sent; parse it into `p` and return it. */
static struct rte_mbuf *
tx_one(struct tern_stack *s, struct parsed *p)
{
	struct rte_mbuf *out[4];

	assert_int_equal(tstack_tx(s, out, 4), 1);
	assert_int_equal(frame_parse(out[0], p), 0);
	return out[0];
}

static struct rte_mbuf *
payload_mbuf(const uint8_t *b, uint16_t len)
{
	return pkt_from_bytes(b, len);
}

/* Send `m` from `h` and run the stack once. */
static void
send_and_process(struct tern_stack *s, struct tern_chan *c, uint64_t h,
		 struct rte_mbuf *m, uint32_t addr, uint16_t port, uint64_t now)
{
	assert_int_equal(tern_udp_sendto(c, h, m, addr, port), 0);
	tstack_process(s, now);
}

/* Check a parsed UDP datagram from us to PEER_IP/peer_mac. */
static void
assert_udp_to_peer(const struct parsed *p, uint16_t sport, uint16_t dport,
		   const uint8_t *payload, uint32_t len)
{
	assert_false(p->is_arp);
	assert_memory_equal(&p->eth.dst, &peer_mac, sizeof(peer_mac));
	assert_memory_equal(&p->eth.src, &our_mac, sizeof(our_mac));
	assert_int_equal(p->eth.type, ETHERTYPE_IPV4);
	assert_int_equal(p->ip.hdr_len, IP4_HDR_LEN);
	assert_int_equal(p->ip.total_len, IP4_HDR_LEN + UDP_HDR_LEN + len);
	assert_int_equal(p->ip.proto, IP4_PROTO_UDP);
	assert_int_equal(p->ip.src, OUR_IP);
	assert_int_equal(p->ip.dst, PEER_IP);
	assert_int_equal(p->ip.ttl, IP4_DEFAULT_TTL);
	assert_true(p->ip_cksum_ok);
	assert_int_equal(p->udp.src_port, sport);
	assert_int_equal(p->udp.dst_port, dport);
	assert_int_equal(p->udp.len, UDP_HDR_LEN + len);
	assert_true(p->udp.cksum != 0);		/* we always send a checksum */
	assert_true(p->l4_cksum_ok);
	assert_int_equal(p->payload_len, len);
	if (len > 0)
		assert_memory_equal(p->payload, payload, len);
}

/* UDP header + payload at `l4` with an explicit length field and a checksum
 * over `udp_len` bytes (which may differ from 8 + plen). Returns the bytes
 * written (8 + plen). */
static uint16_t
udp_l4(uint8_t *l4, const struct frame_ip *f, uint16_t sport, uint16_t dport,
       uint16_t udp_len, const uint8_t *payload, uint16_t plen)
{
	struct udp_hdr_v u = { .src_port = sport, .dst_port = dport, .len = udp_len };
	uint16_t ck;

	udp_hdr_emit(l4, &u);
	memcpy(l4 + UDP_HDR_LEN, payload, plen);
	if (udp_len <= UDP_HDR_LEN + plen) {
		ck = (uint16_t)~cksum_fold(cksum_raw(l4, udp_len,
			cksum_pseudo_ip4(f->src, f->dst, IP4_PROTO_UDP, udp_len)));
		udp_hdr_set_cksum(l4, ck == 0 ? 0xffff : ck);
	}
	return (uint16_t)(UDP_HDR_LEN + plen);
}

/* Make the last two bytes of `payload` (n even, >= 2) such that the UDP
 * checksum of the datagram computes to 0 (and is sent as 0xffff). */
static void
craft_zero_cksum(uint8_t *payload, uint16_t n, uint32_t src, uint32_t dst,
		 uint16_t sport, uint16_t dport)
{
	uint8_t l4[UDP_HDR_LEN + 64];
	struct udp_hdr_v u = { .src_port = sport, .dst_port = dport,
			       .len = (uint16_t)(UDP_HDR_LEN + n) };
	uint16_t s, adj;

	assert_true(n >= 2 && n % 2 == 0 && n <= 64);
	payload[n - 2] = 0;
	payload[n - 1] = 0;
	udp_hdr_emit(l4, &u);
	memcpy(l4 + UDP_HDR_LEN, payload, n);
	s = cksum_fold(cksum_raw(l4, UDP_HDR_LEN + n,
				 cksum_pseudo_ip4(src, dst, IP4_PROTO_UDP, u.len)));
	adj = (uint16_t)~s;
	memcpy(payload + n - 2, &adj, 2);
}

/* ---- bind and receive ------------------------------------------------ */

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
	assert_no_event(c);			/* nothing before the stack runs */
	tstack_process(s, now);
	ev = recv_one(c);
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
	assert_true(bind_ok(s, c, APP_PORT + 1, 2, now, NULL) != h);
	tern_stack_free(s);
}

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
	h = bind_ok(s, c, APP_PORT, 77, now, NULL);
	fill(pl, sizeof(pl), 1);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	off = m->data_off;
	tstack_rx(s, m, now + 1000);

	ev = recv_one(c);
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
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	pad = rte_pktmbuf_append(m, 60 - rte_pktmbuf_pkt_len(m));
	assert_non_null(pad);
	memset(pad, 0xee, 60 - FRAME_HDRS - sizeof(pl));
	tstack_rx(s, m, now);
	ev = recv_one(c);
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
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 3);
	n = udp_l4(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + 4, pl, sizeof(pl));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	ev = recv_one(c);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 24);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	len = pkt_to_bytes(m, frame, sizeof(frame));
	rte_pktmbuf_free(m);
	m = pkt_chain_from_bytes(frame, len, 101);
	tstack_rx(s, m, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_ptr_equal(ev.m, m);
	assert_int_equal(ev.len, sizeof(pl));
	assert_int_equal(rte_pktmbuf_pkt_len(ev.m), sizeof(pl));
	assert_int_equal(pkt_to_bytes(ev.m, got, sizeof(got)), sizeof(pl));
	assert_memory_equal(got, pl, sizeof(pl));

	send_and_process(s, c, h, ev.m, ev.addr, ev.port, now);
	out = tx_one(s, &p);
	assert_udp_to_peer(&p, APP_PORT, PEER_PORT, pl, sizeof(pl));
	rte_pktmbuf_free(out);

	/* a damaged byte in a later segment is caught */
	frame[len - 3] ^= 0x10;
	tstack_rx(s, pkt_chain_from_bytes(frame, len, 101), now);
	assert_no_event(c);
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
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 25);
	n = udp_l4(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + 10, pl, sizeof(pl));
	m = frame_ip4(&f, IP4_PROTO_UDP, l4, n);
	len = pkt_to_bytes(m, frame, sizeof(frame));
	rte_pktmbuf_free(m);
	tstack_rx(s, pkt_chain_from_bytes(frame, len, 100), now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	ev_len = ev.len;
	pkt_len = rte_pktmbuf_pkt_len(ev.m);
	rte_pktmbuf_free(ev.m);
	tern_stack_free(s);
	assert_int_equal(ev_len, 10);
	assert_int_equal(pkt_len, 10);		/* the mbuf must match ev.len */
}

/* ---- echo ------------------------------------------------------------ */

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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 2);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	tstack_rx(s, m, now);
	ev = recv_one(c);
	assert_ptr_equal(ev.m, m);

	send_and_process(s, c, h, ev.m, ev.addr, ev.port, now);
	out = tx_one(s, &p);
	assert_ptr_equal(out, m);		/* zero copy both ways */
	assert_int_equal(out->nb_segs, 1);
	assert_udp_to_peer(&p, APP_PORT, PEER_PORT, pl, sizeof(pl));
	assert_int_equal(out->ol_flags & (RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IP_CKSUM), 0);
	assert_int_equal(s->ctr[CTR_UDP_TX_PKTS], 1);
	assert_int_equal(s->ctr[CTR_TX_SW_CKSUM], 1);
	assert_no_event(c);			/* a successful send is silent */
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	for (len = 0; len <= TERN_UDP_MAX_PAYLOAD; len++) {
		struct tern_event ev;
		struct rte_mbuf *out;

		fill(pl, len, len);
		tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, (uint16_t)len, 0), now);
		ev = recv_one(c);
		assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
		assert_int_equal(ev.len, len);
		assert_int_equal(rte_pktmbuf_pkt_len(ev.m), len);
		send_and_process(s, c, h, ev.m, ev.addr, ev.port, now);
		out = tx_one(s, &p);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);

	/* receive: frame_udp stores 0xffff for a zero result */
	fill(pl, sizeof(pl), 9);
	craft_zero_cksum(pl, sizeof(pl), PEER_IP, OUR_IP, PEER_PORT, APP_PORT);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	assert_int_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, 40)[0], 0xff);
	assert_int_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, 41)[0], 0xff);
	tstack_rx(s, m, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	rte_pktmbuf_free(ev.m);

	/* send */
	fill(pl, sizeof(pl), 10);
	craft_zero_cksum(pl, sizeof(pl), OUR_IP, PEER_IP, APP_PORT, PEER_PORT);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), PEER_IP, PEER_PORT, now);
	out = tx_one(s, &p);
	assert_udp_to_peer(&p, APP_PORT, PEER_PORT, pl, sizeof(pl));
	assert_int_equal(p.udp.cksum, 0xffff);
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

/* ---- ARP and routing on the send side ------------------------------- */

static void
test_first_send_resolves_arp(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	struct arp_pkt rep = { .op = ARP_OP_REPLY, .sha = peer_mac, .spa = PEER_IP,
			       .tha = our_mac, .tpa = OUR_IP };
	struct rte_mbuf *m, *out;
	struct parsed p;
	uint8_t pl[40];

	(void)state;
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 4);
	m = payload_mbuf(pl, sizeof(pl));
	send_and_process(s, c, h, m, PEER_IP, 9000, now);

	out = tx_one(s, &p);
	assert_true(p.is_arp);
	assert_memory_equal(&p.eth.dst, &bcast_mac, sizeof(bcast_mac));
	assert_memory_equal(&p.eth.src, &our_mac, sizeof(our_mac));
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_memory_equal(&p.arp.sha, &our_mac, sizeof(our_mac));
	assert_int_equal(p.arp.spa, OUR_IP);
	assert_int_equal(p.arp.tpa, PEER_IP);
	assert_int_equal(s->ctr[CTR_ARP_TX_REQUEST], 1);
	rte_pktmbuf_free(out);

	/* the datagram waits for the reply, then leaves as the same mbuf */
	tstack_process(s, now + 1000);
	assert_int_equal(tstack_tx_discard(s), 0);
	tstack_rx(s, frame_arp(&our_mac, &peer_mac, &rep), now + 2000);
	out = tx_one(s, &p);
	assert_ptr_equal(out, m);
	assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);

	/* the next one goes straight out */
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now + 3000);
	out = tx_one(s, &p);
	assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	assert_int_equal(s->ctr[CTR_ARP_TX_REQUEST], 1);
	tern_stack_free(s);
}

static void
test_sendto_off_subnet_via_gateway(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	const uint32_t far = IP(198, 19, 1, 1);
	struct arp_pkt rep = { .op = ARP_OP_REPLY, .sha = gw_mac, .spa = GW_IP,
			       .tha = our_mac, .tpa = OUR_IP };
	struct rte_mbuf *out;
	struct parsed p;
	uint8_t pl[25];

	(void)state;
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 5);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), far, 53, now);
	out = tx_one(s, &p);
	assert_true(p.is_arp);
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_int_equal(p.arp.tpa, GW_IP);		/* the next hop, not `far` */
	rte_pktmbuf_free(out);

	tstack_rx(s, frame_arp(&our_mac, &gw_mac, &rep), now);
	out = tx_one(s, &p);
	assert_false(p.is_arp);
	assert_memory_equal(&p.eth.dst, &gw_mac, sizeof(gw_mac));
	assert_memory_equal(&p.eth.src, &our_mac, sizeof(our_mac));
	assert_int_equal(p.ip.src, OUR_IP);
	assert_int_equal(p.ip.dst, far);
	assert_true(p.ip_cksum_ok);
	assert_int_equal(p.udp.src_port, APP_PORT);
	assert_int_equal(p.udp.dst_port, 53);
	assert_true(p.l4_cksum_ok);
	assert_int_equal(p.payload_len, sizeof(pl));
	assert_memory_equal(p.payload, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

static void
test_sendto_no_gateway_hostunreach(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct tern_chan *c;
	struct tern_event ev;
	uint64_t now, h;
	uint8_t pl[8] = { 0 };

	(void)state;
	tstack_config(&cfg);
	cfg.iface[0].gw = 0;
	s = tstack_create(&cfg);
	c = tern_chan_create(s, "t", 0);
	now = tern_stack_now(s);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), IP(198, 19, 1, 1), 53, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EHOSTUNREACH);
	assert_int_equal(ev.handle, h);
	assert_int_equal(ev.addr, IP(198, 19, 1, 1));
	assert_int_equal(ev.port, 53);
	assert_null(ev.m);
	assert_int_equal(s->ctr[CTR_IP_TX_NO_ROUTE], 0);	/* counted once, as udp_tx_bad */
	assert_int_equal(s->ctr[CTR_UDP_TX_BAD], 1);
	assert_int_equal(tstack_tx_discard(s), 0);	/* not even an ARP request */
	assert_int_equal(harness_pool_in_use(), 0);	/* payload freed */

	/* on-link destinations still work */
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), PEER_IP, 53, now);
	assert_no_event(c);
	assert_int_equal(tstack_tx_discard(s), 1);	/* ARP request for the peer */
	tern_stack_free(s);
}

static void
test_sendto_subnet_broadcast(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	struct rte_mbuf *out;
	struct parsed p;
	uint8_t pl[12];

	(void)state;
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 6);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), IP(198, 18, 0, 255), 67, now);
	out = tx_one(s, &p);			/* no ARP for a broadcast */
	assert_false(p.is_arp);
	assert_memory_equal(&p.eth.dst, &bcast_mac, sizeof(bcast_mac));
	assert_int_equal(p.ip.dst, IP(198, 18, 0, 255));
	assert_true(p.ip_cksum_ok);
	assert_true(p.l4_cksum_ok);
	assert_memory_equal(p.payload, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

/* ---- RX drops -------------------------------------------------------- */

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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 7);

	/* checksum field damaged (never into 0x0000, which means "none") */
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HDR_LEN + IP4_HDR_LEN + 7)[0] ^= 0x5a;
	tstack_rx(s, m, now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 1);
	assert_no_event(c);

	/* payload damaged, checksum as sent */
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	rte_pktmbuf_mtod_offset(m, uint8_t *, FRAME_HDRS + 10)[0] ^= 0x01;
	tstack_rx(s, m, now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 2);
	assert_no_event(c);

	/* pseudo-header mismatch: a datagram checksummed for another address */
	{
		struct frame_ip other = f;
		uint8_t l4[UDP_HDR_LEN + sizeof(pl)];
		uint16_t n;

		other.dst = IP(198, 18, 0, 3);
		n = udp_l4(l4, &other, PEER_PORT, APP_PORT, UDP_HDR_LEN + sizeof(pl),
			   pl, sizeof(pl));
		tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	}
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_CSUM], 3);
	assert_no_event(c);
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
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 8);
	m = frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0);
	ck = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HDR_LEN + IP4_HDR_LEN + 6);
	ck[0] = 0;
	ck[1] = 0;
	tstack_rx(s, m, now);
	ev = recv_one(c);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 11);

	n = udp_l4(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + sizeof(pl) + 1, pl, sizeof(pl));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_LEN], 1);
	assert_no_event(c);

	/* below the header size is just as wrong */
	n = udp_l4(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN - 1, pl, sizeof(pl));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, n), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_BAD_LEN], 2);
	assert_no_event(c);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	udp_hdr_emit(l4, &u);
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, 4), now);	/* ports only */
	assert_int_equal(s->ctr[CTR_UDP_RX_TRUNC], 1);
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, 7), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_TRUNC], 2);
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_UDP, l4, 0), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_TRUNC], 3);
	assert_no_event(c);
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
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 26);
	/* UDP length 68 with a checksum valid over those 68 bytes, but the
	 * IP header says only 18 bytes of UDP follow */
	n = udp_l4(l4, &f, PEER_PORT, APP_PORT, UDP_HDR_LEN + 60, pl, sizeof(pl));
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

/* ---- ICMP ------------------------------------------------------------ */

static void
test_closed_port_icmp_unreachable(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t pl[10], orig[FRAME_HDRS + sizeof(pl)];
	struct rte_mbuf *m, *out;
	struct parsed p;

	(void)state;
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	bind_ok(s, c, APP_PORT, 0, now, NULL);		/* some other port is open */
	fill(pl, sizeof(pl), 12);
	m = frame_udp(&f, PEER_PORT, 9999, pl, sizeof(pl), 0);
	assert_int_equal(pkt_to_bytes(m, orig, sizeof(orig)), sizeof(orig));
	tstack_rx(s, m, now);

	assert_no_event(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 1);
	assert_int_equal(s->ctr[CTR_ICMP_TX_UNREACH], 1);
	out = tx_one(s, &p);
	assert_false(p.is_arp);
	assert_memory_equal(&p.eth.dst, &peer_mac, sizeof(peer_mac));
	assert_int_equal(p.ip.proto, IP4_PROTO_ICMP);
	assert_int_equal(p.ip.src, OUR_IP);
	assert_int_equal(p.ip.dst, PEER_IP);
	assert_true(p.ip_cksum_ok);
	assert_int_equal(p.icmp.type, ICMP_DEST_UNREACH);
	assert_int_equal(p.icmp.code, ICMP_CODE_PORT_UNREACH);
	assert_int_equal(p.icmp.id, 0);			/* unused field */
	assert_int_equal(p.icmp.seq, 0);
	assert_true(p.l4_cksum_ok);
	/* the quote: the original IP header and UDP header (and here the
	 * whole small datagram), byte for byte as received */
	assert_true(p.payload_len >= IP4_HDR_LEN + UDP_HDR_LEN);
	assert_int_equal(p.payload_len, IP4_HDR_LEN + UDP_HDR_LEN + sizeof(pl));
	assert_memory_equal(p.payload, orig + ETH_HDR_LEN, p.payload_len);
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

static void
test_no_icmp_for_broadcast(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t pl[10];

	(void)state;
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 13);
	f.dst_mac = bcast_mac;
	f.dst = IP(198, 18, 0, 255);
	tstack_rx(s, frame_udp(&f, PEER_PORT, 9999, pl, sizeof(pl), 0), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 1);
	f.dst = IP(255, 255, 255, 255);
	tstack_rx(s, frame_udp(&f, PEER_PORT, 9999, pl, sizeof(pl), 0), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 2);
	assert_int_equal(s->ctr[CTR_ICMP_TX_UNREACH], 0);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_no_event(c);
	tern_stack_free(s);
}

/* ICMP port unreachable quoting a datagram we sent -> TERN_EV_UDP_ERROR. */
static void
test_icmp_unreach_received(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	uint8_t pl[40], sent[FRAME_HDRS + sizeof(pl)];
	uint8_t icmp[ICMP_HDR_LEN + IP4_HDR_LEN + UDP_HDR_LEN + sizeof(pl)];
	struct icmp_hdr_v ih = { .type = ICMP_DEST_UNREACH, .code = ICMP_CODE_PORT_UNREACH };
	struct tern_event ev;
	struct rte_mbuf *out;
	struct parsed p;
	uint32_t quote;

	(void)state;
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0xc0ffee, now, NULL);
	fill(pl, sizeof(pl), 14);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now);
	out = tx_one(s, &p);
	assert_int_equal(pkt_to_bytes(out, sent, sizeof(sent)), sizeof(sent));
	rte_pktmbuf_free(out);

	/* once with the whole datagram quoted, once with the RFC 792 minimum */
	for (quote = IP4_HDR_LEN + UDP_HDR_LEN + sizeof(pl); ;
	     quote = IP4_HDR_LEN + UDP_HDR_LEN) {
		uint16_t n = (uint16_t)(ICMP_HDR_LEN + quote);
		uint64_t unreach = s->ctr[CTR_ICMP_RX_UNREACH];

		icmp_hdr_emit(icmp, &ih);
		memcpy(icmp + ICMP_HDR_LEN, sent + ETH_HDR_LEN, quote);
		icmp_hdr_set_cksum(icmp, (uint16_t)~cksum_fold(cksum_raw(icmp, n, 0)));
		tstack_rx(s, frame_ip4(&f, IP4_PROTO_ICMP, icmp, n), now);
		assert_int_equal(s->ctr[CTR_ICMP_RX_UNREACH], unreach + 1);
		ev = recv_one(c);
		assert_int_equal(ev.type, TERN_EV_UDP_ERROR);
		assert_int_equal(ev.status, -ECONNREFUSED);
		assert_int_equal(ev.handle, h);
		assert_int_equal(ev.cookie, 0xc0ffee);
		assert_int_equal(ev.addr, PEER_IP);
		assert_int_equal(ev.port, 9000);
		assert_null(ev.m);
		assert_int_equal(tstack_tx_discard(s), 0);	/* never answered */
		if (quote == IP4_HDR_LEN + UDP_HDR_LEN)
			break;
	}
	tern_stack_free(s);
}

/* An ICMP error about a port we have no socket on reaches nobody. */
static void
test_icmp_unreach_for_unbound_port_ignored(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t icmp[ICMP_HDR_LEN + IP4_HDR_LEN + UDP_HDR_LEN];
	struct icmp_hdr_v ih = { .type = ICMP_DEST_UNREACH, .code = ICMP_CODE_PORT_UNREACH };
	struct ip4_hdr_v qip = { .hdr_len = IP4_HDR_LEN, .total_len = 28, .ttl = 64,
				 .proto = IP4_PROTO_UDP, .src = OUR_IP, .dst = PEER_IP };
	struct udp_hdr_v qu = { .src_port = APP_PORT + 1, .dst_port = 9000, .len = 8 };

	(void)state;
	bind_ok(s, c, APP_PORT, 0, now, NULL);
	icmp_hdr_emit(icmp, &ih);
	ip4_hdr_emit(icmp + ICMP_HDR_LEN, &qip, true);
	udp_hdr_emit(icmp + ICMP_HDR_LEN + IP4_HDR_LEN, &qu);
	icmp_hdr_set_cksum(icmp, (uint16_t)~cksum_fold(cksum_raw(icmp, sizeof(icmp), 0)));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_ICMP, icmp, sizeof(icmp)), now);
	assert_int_equal(s->ctr[CTR_ICMP_RX_UNREACH], 1);
	assert_no_event(c);
	tern_stack_free(s);
}

/* ---- handles and binding -------------------------------------------- */

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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h1 = bind_ok(s, c, APP_PORT, 1, now, NULL);
	assert_int_equal(tern_udp_close(c, h1), 0);
	tstack_process(s, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_CLOSED);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.handle, h1);
	assert_int_equal(ev.port, APP_PORT);

	/* send on the stale handle: rejected, payload freed */
	send_and_process(s, c, h1, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_int_equal(ev.handle, h1);
	assert_null(ev.m);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(harness_pool_in_use(), 0);

	/* close again: rejected */
	assert_int_equal(tern_udp_close(c, h1), 0);
	tstack_process(s, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);

	/* the port is closed for input too */
	tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0), now);
	assert_no_event(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 1);
	assert_int_equal(tstack_tx_discard(s), 1);	/* port unreachable */

	/* a new socket reuses the slot (bits 32..47 of the handle) under a
	 * new generation: the old handle must stay dead */
	h2 = bind_ok(s, c, APP_PORT + 1, 2, now, NULL);
	assert_true(h2 != h1);
	assert_int_equal((h2 >> 32) & 0xffff, (h1 >> 32) & 0xffff);
	send_and_process(s, c, h1, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(tern_udp_close(c, h1), 0);
	tstack_process(s, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);

	/* while the new handle works */
	send_and_process(s, c, h2, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now);
	assert_no_event(c);
	out = tx_one(s, &p);
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
	h = bind_ok(s, a, APP_PORT, 0, now, NULL);
	send_and_process(s, b, h, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = recv_one(b);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_int_equal(tern_udp_close(b, h), 0);
	tstack_process(s, now);
	ev = recv_one(b);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_no_event(a);
	assert_int_equal(tstack_tx_discard(s), 0);
	/* still open for its owner */
	assert_int_equal(tern_udp_close(a, h), 0);
	tstack_process(s, now);
	ev = recv_one(a);
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
	h = bind_ok(s, c, APP_PORT, 1, now, NULL);
	assert_int_equal(tern_udp_bind(c, APP_PORT, 2), 0);
	tstack_process(s, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_BOUND);
	assert_int_equal(ev.status, -EADDRINUSE);
	assert_int_equal(ev.cookie, 2);
	assert_int_equal(ev.port, APP_PORT);

	assert_int_equal(tern_udp_bind(c2, APP_PORT, 3), 0);
	tstack_process(s, now);
	ev = recv_one(c2);
	assert_int_equal(ev.type, TERN_EV_UDP_BOUND);
	assert_int_equal(ev.status, -EADDRINUSE);
	assert_int_equal(ev.cookie, 3);
	assert_int_equal(s->ctr[CTR_CHAN_CMD_BAD], 2);

	/* the first socket is untouched */
	tstack_rx(s, frame_udp(&f, PEER_PORT, APP_PORT, pl, sizeof(pl), 0), now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_UDP_DATAGRAM);
	assert_int_equal(ev.handle, h);
	assert_no_event(c2);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h1 = bind_ok(s, c, 0, 1, now, &p1);
	h2 = bind_ok(s, c, 0, 2, now, &p2);
	assert_true(p1 >= 49152);
	assert_true(p2 >= 49152);
	assert_true(p1 != p2);
	assert_true(h1 != h2);
	send_and_process(s, c, h2, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now);
	out = tx_one(s, &p);
	assert_udp_to_peer(&p, p2, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

/* ---- sendto errors -------------------------------------------------- */

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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	send_and_process(s, c, h, pkt_chain_from_bytes(pl, 8972, 1024), PEER_IP, 9000, now);
	assert_no_event(c);
	assert_int_equal(tstack_tx_discard(s), 1);
	send_and_process(s, c, h, pkt_chain_from_bytes(pl, 8973, 1024), PEER_IP, 9000, now);
	ev = recv_one(c);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 15);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), PEER_IP, 9000, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EMSGSIZE);
	assert_int_equal(ev.handle, h);
	assert_null(ev.m);
	assert_int_equal(s->ctr[CTR_UDP_TX_BAD], 1);
	assert_int_equal(s->ctr[CTR_UDP_TX_PKTS], 0);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(harness_pool_in_use(), 0);

	/* one byte less fits */
	send_and_process(s, c, h, payload_mbuf(pl, TERN_UDP_MAX_PAYLOAD), PEER_IP, 9000, now);
	assert_no_event(c);
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
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), 0, 9000, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EINVAL);
	send_and_process(s, c, h, payload_mbuf(pl, sizeof(pl)), PEER_IP, 0, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EINVAL);
	assert_int_equal(tern_udp_sendto(c, h, NULL, PEER_IP, 9000), 0);
	tstack_process(s, now);
	ev = recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EINVAL);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(harness_pool_in_use(), 0);
	tern_stack_free(s);
}

/* ---- event ring overflow ---------------------------------------------- */

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
	bind_ok(s, c, APP_PORT, 0, now, NULL);
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
		one = recv_one(c);
		assert_int_equal(one.type, TERN_EV_UDP_DATAGRAM);
		rte_pktmbuf_free(one.m);
	}
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	for (round = 0; round < 2; round++) {
		uint16_t plen = round == 0 ? sizeof(pl) : 1;	/* odd and tiny */

		fill(pl, plen, 16 + round);
		s->iface[0].caps &= ~(IFACE_CAP_TX_IP_CKSUM | IFACE_CAP_TX_UDP_CKSUM);
		send_and_process(s, c, h, payload_mbuf(pl, plen), PEER_IP, 9000, now);
		out = tx_one(s, &p);
		assert_udp_to_peer(&p, APP_PORT, 9000, pl, plen);
		assert_int_equal(out->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM |
						  RTE_MBUF_F_TX_UDP_CKSUM), 0);
		sw_len = pkt_to_bytes(out, sw, sizeof(sw));
		rte_pktmbuf_free(out);

		s->iface[0].caps |= IFACE_CAP_TX_IP_CKSUM | IFACE_CAP_TX_UDP_CKSUM;
		send_and_process(s, c, h, payload_mbuf(pl, plen), PEER_IP, 9000, now);
		out = tx_one(s, &p);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 18);
	m = payload_mbuf(pl, sizeof(pl));
	d = rte_pktmbuf_mtod(m, uint8_t *);
	hr = rte_pktmbuf_headroom(m);
	off = m->data_off;
	assert_true(hr >= FRAME_HDRS && hr <= sizeof(head));
	memset(d - hr, 0xa5, hr);
	memcpy(head, d - hr, hr);
	rte_mbuf_refcnt_update(m, 1);			/* someone else holds it too */

	send_and_process(s, c, h, m, PEER_IP, 9000, now);
	out = tx_one(s, &p);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	for (i = 0; i < RTE_DIM(seg_len); i++) {
		uint16_t nseg;

		fill(pl, sizeof(pl), 19 + i);
		m = pkt_chain_from_bytes(pl, sizeof(pl), seg_len[i]);
		nseg = m->nb_segs;
		assert_true(nseg > 1);
		send_and_process(s, c, h, m, PEER_IP, 9000, now);
		out = tx_one(s, &p);
		assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
		assert_true(out->nb_segs >= nseg);	/* sent as a chain */
		assert_int_equal(rte_pktmbuf_pkt_len(out), FRAME_HDRS + sizeof(pl));
		rte_pktmbuf_free(out);
	}
	/* with offload: a chain whose interior segments all have even lengths
	 * is left to the NIC, whose sum over the chain equals software's */
	s->iface[0].caps |= IFACE_CAP_TX_IP_CKSUM | IFACE_CAP_TX_UDP_CKSUM;
	m = pkt_chain_from_bytes(pl, sizeof(pl), 334);
	send_and_process(s, c, h, m, PEER_IP, 9000, now);
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
	send_and_process(s, c, h, m, PEER_IP, 9000, now);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	s->iface[0].caps &= ~IFACE_CAP_TX_MULTISEG;
	fill(pl, sizeof(pl), 23);
	send_and_process(s, c, h, pkt_chain_from_bytes(pl, sizeof(pl), 333), PEER_IP, 9000, now);
	out = tx_one(s, &p);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	s->iface[0].caps &= ~IFACE_CAP_TX_MULTISEG;
	fill(pl, sizeof(pl), 29);
	m = payload_mbuf(pl, sizeof(pl));
	empty = rte_pktmbuf_alloc(harness_pool());
	assert_non_null(empty);
	assert_int_equal(rte_pktmbuf_chain(m, empty), 0);
	assert_int_equal(m->nb_segs, 2);
	send_and_process(s, c, h, m, PEER_IP, 9000, now);
	out = tx_one(s, &p);
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
	learn_neighbour(s, PEER_IP, &peer_mac, now);
	h = bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill(pl, sizeof(pl), 31);
	m = payload_mbuf(pl, sizeof(pl));
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

/* The test table: every test with the harness setup and the teardown
 * above. */
#define UDP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, stack_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		UDP_TEST(test_bind_event),
		UDP_TEST(test_datagram_delivery_zero_copy),
		UDP_TEST(test_datagram_ethernet_padding_trimmed),
		UDP_TEST(test_udp_len_shorter_than_ip_payload),
		UDP_TEST(test_datagram_multiseg_rx_and_echo),
		UDP_TEST(test_udp_len_shorter_multiseg),
		UDP_TEST(test_echo_same_mbuf),
		UDP_TEST(test_echo_all_sizes),
		UDP_TEST(test_max_payload_follows_mtu),
		UDP_TEST(test_checksum_zero_result_sent_as_ffff),
		UDP_TEST(test_first_send_resolves_arp),
		UDP_TEST(test_sendto_off_subnet_via_gateway),
		UDP_TEST(test_sendto_no_gateway_hostunreach),
		UDP_TEST(test_sendto_subnet_broadcast),
		UDP_TEST(test_bad_checksum_dropped),
		UDP_TEST(test_zero_checksum_accepted),
		UDP_TEST(test_udp_len_beyond_ip_payload),
		UDP_TEST(test_truncated_udp_header),
		UDP_TEST(test_udp_len_into_trailer_multiseg),
		UDP_TEST(test_closed_port_icmp_unreachable),
		UDP_TEST(test_no_icmp_for_broadcast),
		UDP_TEST(test_icmp_unreach_received),
		UDP_TEST(test_icmp_unreach_for_unbound_port_ignored),
		UDP_TEST(test_stale_handle_after_close),
		UDP_TEST(test_foreign_handle_rejected),
		UDP_TEST(test_double_bind_addrinuse),
		UDP_TEST(test_ephemeral_bind),
		UDP_TEST(test_sendto_too_big),
		UDP_TEST(test_sendto_bad_destination),
		UDP_TEST(test_event_ring_overflow),
		UDP_TEST(test_tx_cksum_offload_equivalent),
		UDP_TEST(test_tx_shared_payload_untouched),
		UDP_TEST(test_tx_multiseg_payload),
		UDP_TEST(test_tx_multiseg_linearized_without_gather),
		UDP_TEST(test_tx_linearize_first_segment_holds_all),
		UDP_TEST(test_tx_nombuf_releases_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
