/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Frame builders and parser for the stack tests; see frames.h.
 */
#include <string.h>

#include <rte_lcore.h>

#include "harness.h"
#include "frames.h"
#include "stack/stack_loop.h"
#include "wire/cksum.h"

const struct rte_ether_addr our_mac = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }};
const struct rte_ether_addr peer_mac = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }};
const struct rte_ether_addr gw_mac = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe }};
const struct rte_ether_addr bcast_mac = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};

void
tstack_config(struct tern_config *cfg)
{
	tern_config_defaults(cfg);
	cfg->n_ifaces = 1;
	cfg->iface[0].port_id = VIRT_PORT;
	cfg->iface[0].ip = OUR_IP;
	cfg->iface[0].prefix_len = 24;
	cfg->iface[0].gw = GW_IP;
	cfg->iface[0].mac = our_mac;
	cfg->nb_mbufs = HARNESS_POOL_SIZE;
	cfg->chan_size = 1024;
	/* hermetic: no /run/tern/secret from tests (test_tcp_secret.c tests it) */
	snprintf(cfg->tcp_secret_file, sizeof(cfg->tcp_secret_file), "none");
}

struct tern_stack *
tstack_create(const struct tern_config *cfg)
{
	struct tern_config def;
	struct tern_stack *s;

	if (cfg == NULL) {
		tstack_config(&def);
		cfg = &def;
	}
	s = tern_stack_create(cfg, rte_lcore_id(), 0, harness_pool());
	assert_non_null(s);
	assert_int_equal(tstack_tx_discard(s), 1);	/* gratuitous ARP */
	return s;
}

void
tstack_process(struct tern_stack *s, uint64_t now_ns)
{
	tern_stack_process(s, now_ns);
}

void
tstack_rx(struct tern_stack *s, struct rte_mbuf *m, uint64_t now_ns)
{
	tern_stack_input(s, 0, &m, 1, now_ns);
	tern_stack_process(s, now_ns);
}

uint16_t
tstack_tx(struct tern_stack *s, struct rte_mbuf **out, uint16_t max)
{
	return tern_stack_tx_drain(s, 0, out, max);
}

uint16_t
tstack_tx_discard(struct tern_stack *s)
{
	struct rte_mbuf *m[64];
	uint16_t n, total = 0;

	while ((n = tstack_tx(s, m, 64)) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

struct rte_mbuf *
tstack_tx_one(struct tern_stack *s, struct parsed *p)
{
	struct rte_mbuf *out[4];

	assert_int_equal(tstack_tx(s, out, 4), 1);
	assert_int_equal(frame_parse(out[0], p), 0);
	return out[0];
}

void
tstack_tx_parse_one(struct tern_stack *s, struct parsed *p)
{
	rte_pktmbuf_free(tstack_tx_one(s, p));
}

void
tstack_learn(struct tern_stack *s, uint32_t ip, const struct rte_ether_addr *mac,
	     uint64_t now_ns)
{
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = *mac, .spa = ip, .tpa = OUR_IP };

	tstack_rx(s, frame_arp(&bcast_mac, mac, &a), now_ns);
	assert_int_equal(tstack_tx_discard(s), 1);
}

int
tstack_teardown(void **state)
{
	struct tern_stack *left = stack_registry_get(rte_lcore_id());
	int rc;

	if (left != NULL)
		tern_stack_free(left);
	rc = harness_teardown(state);
	return left != NULL ? -1 : rc;
}

struct tern_event
chan_recv_one(struct tern_chan *c)
{
	struct tern_event ev[2];

	assert_int_equal(tern_chan_recv(c, ev, 2), 1);
	return ev[0];
}

void
chan_assert_empty(struct tern_chan *c)
{
	struct tern_event ev;

	assert_int_equal(tern_chan_pending(c), 0);
	assert_int_equal(tern_chan_recv(c, &ev, 1), 0);
}

void
fill_pattern(uint8_t *b, uint32_t n, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7u + seed * 31u + (i >> 8));
}

struct frame_ip
frame_ip_default(void)
{
	struct frame_ip f = { .src_mac = peer_mac, .dst_mac = our_mac,
			      .src = PEER_IP, .dst = OUR_IP, .ttl = 64 };

	return f;
}

struct rte_mbuf *
frame_arp(const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *eth_src,
	  const struct arp_pkt *a)
{
	uint8_t buf[ETH_HDR_LEN + ARP_PKT_LEN];
	struct eth_hdr_v e = { .dst = *eth_dst, .src = *eth_src, .type = ETHERTYPE_ARP };

	eth_hdr_emit(buf, &e);
	arp_pkt_emit(buf + ETH_HDR_LEN, a);
	return pkt_from_bytes(buf, sizeof(buf));
}

struct rte_mbuf *
frame_arp_request_for(uint32_t target)
{
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = peer_mac, .spa = PEER_IP,
			     .tpa = target };

	return frame_arp(&bcast_mac, &peer_mac, &a);
}

struct rte_mbuf *
frame_arp_reply_from(uint32_t ip, const struct rte_ether_addr *mac)
{
	struct arp_pkt a = { .op = ARP_OP_REPLY, .sha = *mac, .spa = ip,
			     .tha = our_mac, .tpa = OUR_IP };

	return frame_arp(&our_mac, mac, &a);
}

struct rte_mbuf *
frame_ip4(const struct frame_ip *f, uint8_t proto, const void *l4, uint16_t l4_len)
{
	uint8_t buf[ETH_HDR_LEN + IP4_HDR_LEN + 2048];
	struct eth_hdr_v e = { .dst = f->dst_mac, .src = f->src_mac, .type = ETHERTYPE_IPV4 };
	struct ip4_hdr_v ip = { .hdr_len = IP4_HDR_LEN, .total_len = IP4_HDR_LEN + l4_len,
				.id = 1, .ttl = f->ttl, .proto = proto,
				.src = f->src, .dst = f->dst };

	assert_true(l4_len <= 2048);
	eth_hdr_emit(buf, &e);
	ip4_hdr_emit(buf + ETH_HDR_LEN, &ip, true);
	memcpy(buf + ETH_HDR_LEN + IP4_HDR_LEN, l4, l4_len);
	return pkt_from_bytes(buf, ETH_HDR_LEN + IP4_HDR_LEN + l4_len);
}

struct rte_mbuf *
frame_udp(const struct frame_ip *f, uint16_t sport, uint16_t dport,
	  const void *payload, uint16_t len, uint16_t cksum_override)
{
	uint8_t l4[2048];
	struct udp_hdr_v u = { .src_port = sport, .dst_port = dport,
			       .len = UDP_HDR_LEN + len, .cksum = 0 };
	uint16_t ck;

	assert_true(len + UDP_HDR_LEN <= sizeof(l4));
	udp_hdr_emit(l4, &u);
	memcpy(l4 + UDP_HDR_LEN, payload, len);
	ck = (uint16_t)~cksum_fold(cksum_raw(l4, UDP_HDR_LEN + len,
		cksum_pseudo_ip4(f->src, f->dst, IP4_PROTO_UDP, UDP_HDR_LEN + len)));
	udp_hdr_set_cksum(l4, cksum_override ? cksum_override : (ck ? ck : 0xffff));
	return frame_ip4(f, IP4_PROTO_UDP, l4, UDP_HDR_LEN + len);
}

struct rte_mbuf *
frame_icmp_echo(const struct frame_ip *f, uint16_t id, uint16_t seq,
		const void *payload, uint16_t len)
{
	uint8_t l4[2048];
	struct icmp_hdr_v h = { .type = ICMP_ECHO_REQUEST, .id = id, .seq = seq };

	assert_true(len + ICMP_HDR_LEN <= sizeof(l4));
	icmp_hdr_emit(l4, &h);
	memcpy(l4 + ICMP_HDR_LEN, payload, len);
	icmp_hdr_set_cksum(l4, (uint16_t)~cksum_fold(cksum_raw(l4, ICMP_HDR_LEN + len, 0)));
	return frame_ip4(f, IP4_PROTO_ICMP, l4, ICMP_HDR_LEN + len);
}

static int
parse_l4(struct parsed *p, const uint8_t *l4, uint32_t len)
{
	if (p->ip.proto == IP4_PROTO_UDP) {
		if (udp_hdr_parse(l4, len, &p->udp) != 0)
			return -1;
		p->l4_cksum_ok = p->udp.cksum == 0 || cksum_fold(cksum_raw(l4, p->udp.len,
			cksum_pseudo_ip4(p->ip.src, p->ip.dst, IP4_PROTO_UDP, p->udp.len))) == 0xffff;
		p->payload_len = p->udp.len - UDP_HDR_LEN;
		memcpy(p->payload, l4 + UDP_HDR_LEN, p->payload_len);
		return 0;
	}
	if (p->ip.proto == IP4_PROTO_ICMP) {
		if (len < ICMP_HDR_LEN)
			return -1;
		p->icmp.type = l4[0];
		p->icmp.code = l4[1];
		p->icmp.id = (uint16_t)(l4[4] << 8 | l4[5]);
		p->icmp.seq = (uint16_t)(l4[6] << 8 | l4[7]);
		p->l4_cksum_ok = cksum_fold(cksum_raw(l4, len, 0)) == 0xffff;
		p->payload_len = len - ICMP_HDR_LEN;
		memcpy(p->payload, l4 + ICMP_HDR_LEN, p->payload_len);
		return 0;
	}
	return -1;
}

int
frame_parse(const struct rte_mbuf *m, struct parsed *p)
{
	static uint8_t buf[ETH_HDR_LEN + IP4_HDR_LEN + 2048 + 64];
	uint32_t len = pkt_to_bytes(m, buf, sizeof(buf));

	memset(p, 0, sizeof(*p));
	if (len > sizeof(buf) || eth_hdr_parse(buf, len, &p->eth) != 0)
		return -1;
	if (p->eth.type == ETHERTYPE_ARP) {
		p->is_arp = true;
		return arp_pkt_parse(buf + ETH_HDR_LEN, len - ETH_HDR_LEN, &p->arp) ? -1 : 0;
	}
	if (ip4_hdr_parse(buf + ETH_HDR_LEN, len - ETH_HDR_LEN, false, &p->ip) != 0)
		return -1;
	p->ip_cksum_ok = cksum_fold(cksum_raw(buf + ETH_HDR_LEN, p->ip.hdr_len, 0)) == 0xffff;
	p->l4_off = ETH_HDR_LEN + p->ip.hdr_len;
	return parse_l4(p, buf + p->l4_off, p->ip.total_len - p->ip.hdr_len);
}
