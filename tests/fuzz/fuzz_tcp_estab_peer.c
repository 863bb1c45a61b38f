/* SPDX-License-Identifier: BSD-3-Clause
 *
 * fuzz_tcp_estab's peer at 198.18.0.1, both ways. In: segments built
 * around a connection's real numbers (the peer's SND.NXT, what tern
 * sent), the peer's bytes as their text and a valid checksum, handed to
 * the stack; ARP for us. Out: every frame tern sent is read back to learn
 * where its sequence space is, what it acknowledged and its timestamp,
 * and checked (header, checksum, data = the app's bytes, FIN after the
 * last). The harness (fuzz_tcp_estab.c) and the operations
 * (fuzz_tcp_estab_ops.c) call in here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "core/counters.h"
#include "tcp/tcp_seq.h"
#include "wire/cksum.h"
#include "wire/eth_hdr.h"
#include "wire/ip4_hdr.h"

#include "fuzz_tcp_estab.h"

/* ---- the peer: segments in ------------------------------------------------ */

uint32_t
peer_tsval(void)
{
	return (uint32_t)(now_ns / MS) + 0x10000000u;
}

/* Ethernet + IPv4 + TCP peer -> us, checksums right. */
void
peer_send(struct peer_conn *c, const struct tcp_seg *seg, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct eth_hdr_v eth = { .dst = our_mac, .src = peer_mac, .type = ETHERTYPE_IPV4 };
	struct ip4_hdr_v ip = { .hdr_len = IP4_HDR_LEN, .ttl = 64, .proto = IP4_PROTO_TCP,
				.src = PEER_IP, .dst = OUR_IP };
	struct tcp_seg s = *seg;
	uint8_t *p, *l4;
	uint32_t end, text;
	uint16_t ck, k;
	uint8_t hl;

	if (m == NULL)
		abort();
	p = (uint8_t *)rte_pktmbuf_append(m, ETH_HDR_LEN + IP4_HDR_LEN + TCP_HDR_MAX + len);
	if (p == NULL)
		abort();
	s.src_port = c->pport;
	s.dst_port = c->lport;
	/* a SYN takes s.seq itself: its text starts one later (tern
	 * delivers text on a SYN, RFC 9293 3.10.7.2/3) */
	text = s.seq + ((s.flags & TCP_FLAG_SYN) ? 1 : 0);
	end = text + len + ((s.flags & TCP_FLAG_FIN) ? 1 : 0);
	if (seq_gt(end, c->peer_max))
		c->peer_max = end;
	if (s.flags & TCP_FLAG_ACK) {		/* for duplicate ACKs */
		c->peer_una = s.ack;
		c->peer_wnd = s.wnd;
	}
	l4 = p + ETH_HDR_LEN + IP4_HDR_LEN;
	hl = tcp_hdr_emit(l4, &s);
	for (k = 0; k < len; k++)
		l4[hl + k] = peer_byte(text + k);
	ck = (uint16_t)~cksum_fold(cksum_raw(l4, hl + len,
		cksum_pseudo_ip4(PEER_IP, OUR_IP, IP4_PROTO_TCP, (uint16_t)(hl + len))));
	memcpy(l4 + 16, &ck, 2);
	ip.total_len = (uint16_t)(IP4_HDR_LEN + hl + len);
	eth_hdr_emit(p, &eth);
	ip4_hdr_emit(p + ETH_HDR_LEN, &ip, true);
	rte_pktmbuf_trim(m, (uint16_t)(TCP_HDR_MAX - hl));
	tern_stack_input(stack, 0, &m, 1, now_ns);
}

/* An ARP request from the peer for us: tern learns the peer (RFC 826). */
void
peer_arp(void)
{
	static const uint8_t req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 0x01, 198, 18, 0, 1,
		0, 0, 0, 0, 0, 0, 198, 18, 0, 2 };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL)
		abort();
	memcpy(rte_pktmbuf_append(m, sizeof(req)), req, sizeof(req));
	tern_stack_input(stack, 0, &m, 1, now_ns);
}

void
seg_default_opts(const struct peer_conn *c, struct tcp_seg *s)
{
	if (c->ts_ok) {
		s->opts.present |= TCP_OPTF_TS;
		s->opts.ts_val = peer_tsval();
		s->opts.ts_ecr = c->ts_recent;
	}
}

void
syn_opts(struct tcp_seg *s)
{
	s->opts.present = TCP_OPTF_MSS | TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS;
	s->opts.mss = 1460;
	s->opts.wscale = PEER_WS;
	s->opts.ts_val = peer_tsval();
}

/* ---- the peer: segments out (what tern sent) -------------------------------- */

static struct peer_conn *
conn_of(uint16_t lport, uint16_t pport)
{
	unsigned int k;

	for (k = 0; k < N_CONNS; k++)
		if (conns[k].pport == pport && (conns[k].lport == lport || conns[k].lport == 0))
			return &conns[k];
	return NULL;
}

/* Tern's data: exactly the app's bytes at their sequence numbers, none
 * beyond what the app gave, and a FIN right after the last of them. */
static void
check_out_seq(const struct peer_conn *c, const struct tcp_seg *s, const uint8_t *p,
	      uint32_t len)
{
	uint32_t k;

	if (s->flags & TCP_FLAG_SYN)
		return;
	for (k = 0; k < len; k++)
		if (p[k] != app_byte(s->seq + k))
			stream_fail("tern sent bytes the app did not", c, s->seq + k);
	if (len > 0 && seq_gt(s->seq + len, c->app_snd))
		stream_fail("tern sent beyond the app's data", c, s->seq + len);
	if ((s->flags & TCP_FLAG_FIN) && s->seq + len != c->app_snd)
		stream_fail("tern's FIN is not after the app's last byte", c, s->seq + len);
}

/* Learn from one frame tern sent: where its sequence space is, what it
 * acknowledged of ours, its timestamp; and check its checksum and data. */
static void
peer_learn(const struct rte_mbuf *m)
{
	static uint8_t buf[4096];
	uint32_t len = rte_pktmbuf_pkt_len(m), l4_len;
	const uint8_t *p = rte_pktmbuf_read(m, 0, RTE_MIN(len, (uint32_t)sizeof(buf)), buf);
	struct ip4_hdr_v ip;
	struct tcp_seg s;
	struct peer_conn *c;
	const uint8_t *l4;
	uint32_t end;

	if (p == NULL || len > sizeof(buf))
		abort();			/* larger than any MTU */
	if (len < ETH_HDR_LEN + IP4_HDR_LEN)
		return;
	if (p[12] == 0x08 && p[13] == 0x06) {
		if (p[21] == 1)			/* tern resolves the peer: answer */
			arp_wanted = 1;
		return;
	}
	if (ip4_hdr_parse(p + ETH_HDR_LEN, len - ETH_HDR_LEN, true, &ip) != CTR_NONE ||
	    ip.proto != IP4_PROTO_TCP)
		return;
	l4 = p + ETH_HDR_LEN + ip.hdr_len;
	l4_len = ip.total_len - ip.hdr_len;
	if (tcp_hdr_parse(l4, l4_len, &s) != CTR_NONE)
		abort();			/* tern emitted a bad header */
	if (cksum_fold(cksum_raw(l4, l4_len, cksum_pseudo_ip4(ip.src, ip.dst,
			IP4_PROTO_TCP, (uint16_t)l4_len))) != 0xffff)
		abort();			/* tern emitted a bad checksum */
	c = conn_of(s.src_port, s.dst_port);
	if (c == NULL)
		return;
	end = s.seq + (l4_len - s.hdr_len) +
	      ((s.flags & TCP_FLAG_SYN) ? 1 : 0) + ((s.flags & TCP_FLAG_FIN) ? 1 : 0);
	if (s.flags & TCP_FLAG_SYN) {
		c->lport = s.src_port;
		if (!c->synced || s.seq != c->irs) {	/* a new incarnation */
			c->irs = s.seq;
			c->rcv_nxt = end;
			if (s.flags & TCP_FLAG_ACK)
				c->snd_nxt = c->peer_max = s.ack;
		}
		c->synced = 1;
		c->ts_ok = c->full_opts && (s.opts.present & TCP_OPTF_TS);
	}
	if ((s.flags & TCP_FLAG_ACK) && seq_gt(s.ack, c->peer_max))
		stream_fail("tern acknowledged bytes the peer never sent", c, s.ack);
	if (c->snd_check)
		check_out_seq(c, &s, l4 + s.hdr_len, l4_len - s.hdr_len);
	if (c->synced && seq_gt(end, c->rcv_nxt))
		c->rcv_nxt = end;
	if ((s.flags & TCP_FLAG_ACK) && seq_gt(s.ack, c->snd_nxt))
		c->snd_nxt = s.ack;
	if (s.opts.present & TCP_OPTF_TS)
		c->ts_recent = s.opts.ts_val;
}

void
drain_tx(void)
{
	struct rte_mbuf *out[64];
	uint16_t n, k;

	while ((n = tern_stack_tx_drain(stack, 0, out, 64)) > 0) {
		for (k = 0; k < n; k++)
			peer_learn(out[k]);
		rte_pktmbuf_free_bulk(out, n);
	}
}
