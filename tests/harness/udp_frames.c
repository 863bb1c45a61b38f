/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP helpers for the stack tests (tests/udp, tests/ip); see udp_frames.h.
 */
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "udp_frames.h"
#include "wire/cksum.h"

uint64_t
udp_bind_ok(struct tern_stack *s, struct tern_chan *c, uint16_t port, uint64_t cookie,
	    uint64_t now, uint16_t *bound_port)
{
	struct tern_event ev;

	assert_int_equal(tern_udp_bind(c, port, cookie), 0);
	tstack_process(s, now);
	ev = chan_recv_one(c);
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

void
udp_send_and_process(struct tern_stack *s, struct tern_chan *c, uint64_t h,
		     struct rte_mbuf *m, uint32_t addr, uint16_t port, uint64_t now)
{
	assert_int_equal(tern_udp_sendto(c, h, m, addr, port), 0);
	tstack_process(s, now);
}

void
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

uint16_t
udp_l4_bytes(uint8_t *l4, const struct frame_ip *f, uint16_t sport, uint16_t dport,
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

void
udp_craft_zero_cksum(uint8_t *payload, uint16_t n, uint32_t src, uint32_t dst,
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
