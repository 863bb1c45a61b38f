/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP segment construction: from a struct tcp_tx that tcp_output.c filled
 * to a frame handed to ip4_output(). The header goes into a fresh mbuf
 * from the stack's pool (headroom left for IPv4 and Ethernet); payload is
 * chained behind it as indirect mbufs referencing the send queue
 * (tcp_sndq_ref), or copied into the header mbuf when the port cannot
 * transmit chains. Also here: the window we advertise (tcp_rcv_window and
 * its scaled, never-shrinking encoding), options, the checksum (pseudo-
 * header sum + offload flag when the port offers TCP checksum offload,
 * software otherwise), ECN's marks (RFC 3168: ECT(0) in the IP header of
 * new data, ECE and CWR in the TCP header; tcp_input_ecn.c decides when
 * they are due), and the segments sent for no connection: RSTs and the
 * SYN-ACKs of SYN cookies (tcp_syncookie.c).
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp/tcp_output_seg.h"
#include "wire/cksum.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"
#include "wire/wire_io.h"

/* The most the window field can offer: 65535 << Rcv.Wind.Shift (RFC
 * 7323 2.3), 65535 without window scaling (RFC 9293 3.1). */
static uint32_t
rcv_wnd_max(const struct tcb *tcb)
{
	uint8_t ws = (tcb->flags & TCB_F_WS_OK) ? tcb->rcv.wscale : 0;

	return (uint32_t)UINT16_MAX << ws;
}

uint32_t
tcp_rcv_window(const struct tcb *tcb)
{
	uint32_t used = tcb->unread + tcp_reass_bytes(tcb);
	uint32_t avail = used < tcb->rcvbuf ? tcb->rcvbuf - used : 0;
	uint32_t cur = tcp_rcv_offered(tcb);

	/* free space the header cannot carry is never offered: not in the
	 * window field, not in the update decision, and so not in the edge
	 * (rcv.adv) the acceptability test checks */
	avail = RTE_MIN(avail, rcv_wnd_max(tcb));

	/* RFC 9293 3.10.7.4 / 1122 4.2.2.16: never shrink the right edge */
	if (avail <= cur)
		return cur;
	/* RFC 9293 3.8.6.2.2: move the right edge only by a worthwhile step */
	if (avail - cur < RTE_MIN(tcb->rcvbuf / 2, (uint32_t)tcb->mss))
		return cur;
	return avail;
}

/* The 16-bit window field for a segment, recording what it offers. In a
 * SYN or SYN-ACK the window is never scaled (RFC 7323 2.2). Scaling rounds
 * down unless that would pull the right edge left of the one advertised
 * before; then it rounds up (by less than one unit). */
static uint16_t
adv_window(struct tcb *tcb, bool syn)
{
	uint8_t ws = (!syn && (tcb->flags & TCB_F_WS_OK)) ? tcb->rcv.wscale : 0;
	uint32_t floor = tcp_rcv_offered(tcb);
	uint32_t wnd = tcp_rcv_window(tcb);
	uint32_t wire = wnd >> ws;
	uint32_t edge;

	if ((wire << ws) < floor)
		wire++;
	if (wire > UINT16_MAX)
		wire = UINT16_MAX;
	tcb->rcv.wnd = wire << ws;
	if (tcb->state == TCP_ST_SYN_SENT)
		return (uint16_t)wire;	/* rcv.nxt is not known yet */
	edge = tcb->rcv.nxt + tcb->rcv.wnd;
	if (floor == 0 || seq_gt(edge, tcb->rcv.adv))
		tcb->rcv.adv = edge;
	return (uint16_t)wire;
}

void
tcp_output_syn_opts(const struct tern_stack *s, const struct tcb *tcb,
		    struct tcp_opts *o)
{
	const struct tern_config *cfg = &s->cfg;
	bool synack = tcb->state == TCP_ST_SYN_RECEIVED;
	uint32_t mss = s->iface[tcb->iface].mtu - IP4_HDR_LEN - TCP_HDR_LEN;

	memset(o, 0, sizeof(*o));
	/* What we can receive: the interface MTU minus 40 (RFC 9293 3.7.1);
	 * tcb->mss may already be clamped to the peer's. */
	if (tcb->mss_clamp != 0 && tcb->mss_clamp < mss)
		mss = tcb->mss_clamp;	/* TERN_TCP_OPT_MAXSEG */
	o->present = TCP_OPTF_MSS;
	o->mss = (uint16_t)RTE_MIN(mss, (uint32_t)UINT16_MAX);
	/* on a SYN-ACK, only what the peer's SYN offered (RFC 7323 1.3, 2018 2) */
	if (cfg->tcp_wscale && (!synack || (tcb->flags & TCB_F_WS_OK))) {
		o->present |= TCP_OPTF_WSCALE;
		o->wscale = tcb->rcv.wscale;
	}
	if (cfg->tcp_sack && (!synack || (tcb->flags & TCB_F_SACK_OK)))
		o->present |= TCP_OPTF_SACK_PERM;
	if (cfg->tcp_timestamps && (!synack || (tcb->flags & TCB_F_TS_OK))) {
		o->present |= TCP_OPTF_TS;
		o->ts_val = tcp_ts_now(tcb, s->now_ns);
		o->ts_ecr = synack ? tcb->ts.recent : 0;
	}
}

void
tcp_output_opts(const struct tern_stack *s, const struct tcb *tcb, struct tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (tcb->flags & TCB_F_TS_OK) {
		o->present |= TCP_OPTF_TS;
		o->ts_val = tcp_ts_now(tcb, s->now_ns);
		o->ts_ecr = tcb->ts.recent;
	}
	if (!(tcb->flags & TCB_F_SACK_OK))
		return;
	/* RFC 2883: a duplicate received goes first, as a D-SACK block */
	if (tcb->dsack_left != tcb->dsack_right) {
		o->sack[0].left = tcb->dsack_left;
		o->sack[0].right = tcb->dsack_right;
		o->n_sack = 1;
		o->present |= TCP_OPTF_SACK;
	}
	tcp_sack_blocks(tcb, o);
}

uint32_t
tcp_output_room(const struct tern_stack *s, const struct tcb *tcb)
{
	const struct stack_iface *f = &s->iface[tcb->iface];
	uint32_t room;

	if (f->caps & IFACE_CAP_TX_MULTISEG)
		return UINT32_MAX;
	room = rte_pktmbuf_data_room_size(s->pool);
	return room > RTE_PKTMBUF_HEADROOM + TCP_HDR_MAX ?
		room - RTE_PKTMBUF_HEADROOM - TCP_HDR_MAX : 0;
}

/* Emit header `h` at the front of `m` (header room already appended),
 * checksum it and send it to `dst`, with the TOS and TTL of `tcb` (NULL:
 * the defaults) and `ecn` in the TOS byte's ECN field, whatever the app
 * set there (RFC 3168 5: the transport owns it). The TCP checksum does not
 * cover the TOS; the IP header checksum is computed after it is written,
 * by ip4_output or the NIC. Consumes `m`. */
static void
seg_send(struct tern_stack *s, const struct route *r, uint32_t src, uint32_t dst,
	 struct tcp_seg *h, struct rte_mbuf *m, const struct tcb *tcb, uint8_t ecn)
{
	const struct stack_iface *f = &s->iface[r->iface];
	uint8_t tos = (uint8_t)(((tcb ? tcb->tos : 0) & ~IP4_ECN_MASK) | ecn);
	struct ip4_tx t = { .src = src, .dst = dst, .proto = IP4_PROTO_TCP,
			    .tos = tos, .ttl = tcb ? tcb->ttl : 0 };
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t l4_len = (uint16_t)rte_pktmbuf_pkt_len(m);

	if ((f->caps & IFACE_CAP_TX_TCP_CKSUM) && stack_chain_cksum_offload_ok(m)) {
		h->cksum = cksum_fold(cksum_pseudo_ip4(src, dst, IP4_PROTO_TCP, l4_len));
		m->l4_len = tcp_hdr_emit(p, h);
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
	} else {
		h->cksum = 0;
		tcp_hdr_emit(p, h);
		wire_wr16_raw(p + 16, cksum_l4_ip4(m, 0, l4_len, src, dst, IP4_PROTO_TCP));
		stack_ctr_inc(s, CTR_TX_SW_CKSUM);
	}
	stack_ctr_inc(s, CTR_TCP_TX_SEGS);
	ip4_output(s, r, &t, m);
}

/* Header room plus payload, by reference or (no multi-segment TX) copied
 * behind the header. Returns the mbuf or NULL (nothing allocated). */
static struct rte_mbuf *
seg_alloc(struct tern_stack *s, const struct tcb *tcb, const struct stack_iface *f,
	  uint8_t hlen, const struct tcp_tx *tx)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->pool);
	void *p;

	if (m == NULL)
		return NULL;
	if (rte_pktmbuf_append(m, hlen) == NULL)
		goto fail;
	if (tx->len == 0)
		return m;
	RTE_ASSERT(tx->off + tx->len <= tcb->sndq.bytes);
	if (f->caps & IFACE_CAP_TX_MULTISEG) {
		if (tcp_sndq_ref(s, tcb, tx->off, tx->len, m) != 0)
			goto fail;
		return m;
	}
	p = rte_pktmbuf_append(m, (uint16_t)tx->len);
	if (p == NULL)
		goto fail;
	tcp_sndq_copy(tcb, tx->off, tx->len, p);
	return m;
fail:
	rte_pktmbuf_free(m);
	return NULL;
}

/* Every segment with ACK carries the ACK we owed. */
static void
ack_sent(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	tcb->flags &= ~(TCB_F_ACK_NOW | TCB_F_ACK_DELAYED);
	tcp_timer_cancel(s, tcb, TCP_T_DELACK);
	if (o->present & TCP_OPTF_TS)
		tcb->ts.last_ack_sent = tcb->rcv.nxt;	/* RFC 7323 4.3 */
}

/* RFC 3168 6.1.1: our SYN asks for ECN with ECE and CWR when `ecn` is on
 * (TCB_F_ECN_OK then means "asked" until the SYN-ACK answers); a resent
 * SYN goes without them and gives ECN up (6.1.1.1: the ECN-setup SYN may
 * be what got lost; a host that sent a non-ECN-setup SYN must not use
 * ECN). A SYN-ACK carries ECE when the peer's SYN was accepted. */
static uint8_t
ecn_syn_flags(const struct tern_stack *s, struct tcb *tcb, const struct tcp_tx *tx)
{
	if (tx->flags & TCP_FLAG_ACK)
		return (tcb->flags & TCB_F_ECN_OK) ? TCP_FLAG_ECE : 0;
	if (tx->rexmit || s->cfg.tcp_ecn != TERN_TCP_ECN_ON) {
		tcb->flags &= ~TCB_F_ECN_OK;
		return 0;
	}
	tcb->flags |= TCB_F_ECN_OK;
	return TCP_FLAG_ECE | TCP_FLAG_CWR;
}

/* New data inside the peer's window: the only segments that may be
 * ECN-capable (RFC 3168 6.1.4: no pure ACKs; 6.1.5: no retransmissions;
 * 6.1.6: no window probes, which lie beyond the window). */
static bool
ecn_capable(const struct tcb *tcb, const struct tcp_tx *tx)
{
	return tx->len > 0 && !tx->rexmit &&
	       seq_leq(tx->seq + tx->len, tcb->snd.una + tcb->snd.wnd);
}

/* The ECN part of a segment on an ECN connection: ECE while echoing a CE
 * (6.1.3), ECT(0) on new data and, on the first new data after a window
 * reduction, CWR (6.1.2). SYNs and SYN-ACKs negotiate; RSTs carry
 * nothing. Returns the TCP flags to add; *ecn gets the IP ECN field. */
static uint8_t
ecn_out(struct tern_stack *s, struct tcb *tcb, const struct tcp_tx *tx, uint8_t *ecn)
{
	uint8_t f = 0;

	*ecn = IP4_ECN_NOT_ECT;
	if (tx->flags & TCP_FLAG_SYN)
		return ecn_syn_flags(s, tcb, tx);
	if (!(tcb->flags & TCB_F_ECN_OK) || (tx->flags & TCP_FLAG_RST))
		return 0;
	if ((tcb->flags & TCB_F_ECN_ECHO) && (tx->flags & TCP_FLAG_ACK)) {
		f |= TCP_FLAG_ECE;
		stack_ctr_inc(s, CTR_TCP_TX_ECE);
	}
	if (!ecn_capable(tcb, tx))
		return f;
	*ecn = IP4_ECN_ECT0;
	stack_ctr_inc(s, CTR_TCP_TX_ECT);
	if (tcb->flags & TCB_F_ECN_CWR) {
		tcb->flags &= ~TCB_F_ECN_CWR;
		f |= TCP_FLAG_CWR;
		stack_ctr_inc(s, CTR_TCP_TX_CWR);
	}
	return f;
}

int
tcp_output_xmit(struct tern_stack *s, struct tcb *tcb, const struct tcp_tx *tx,
		const struct tcp_opts *o)
{
	struct tcp_seg h = {
		.src_port = tcb->lport, .dst_port = tcb->rport,
		.seq = tx->seq, .flags = tx->flags, .opts = *o,
	};
	const struct stack_iface *f;
	struct rte_mbuf *m;
	struct route r;
	uint8_t ecn;

	if (!route_lookup(s, tcb->raddr, &r)) {
		stack_ctr_inc(s, CTR_IP_TX_NO_ROUTE);
		return -EHOSTUNREACH;
	}
	f = &s->iface[r.iface];
	m = seg_alloc(s, tcb, f, TCP_HDR_LEN + tcp_opts_len(o), tx);
	if (m == NULL) {
		stack_ctr_inc(s, CTR_TCP_TX_NOMBUF);
		return -ENOMEM;
	}
	if (tx->flags & TCP_FLAG_ACK)
		h.ack = tcb->rcv.nxt;
	h.wnd = adv_window(tcb, (tx->flags & TCP_FLAG_SYN) != 0);
	if (tx->flags & TCP_FLAG_ACK)
		ack_sent(s, tcb, o);
	if (tx->len > 0)
		stack_ctr_add(s, CTR_TCP_TX_DATA_BYTES, tx->len);
	if ((tcb->flags & TCB_F_RACK) && (tx->len > 0 || (tx->flags & TCP_FLAG_FIN)))
		tcp_rack_sent(tcb, tx->seq, tx->seq + tx->len + ((tx->flags & TCP_FLAG_FIN) ? 1 : 0),
			      s->now_ns, tx->rexmit);
	if (tx->rexmit)
		stack_ctr_inc(s, CTR_TCP_TX_RETRANS);
	h.flags |= ecn_out(s, tcb, tx, &ecn);
	seg_send(s, &r, tcb->laddr, tcb->raddr, &h, m, tcb, ecn);
	return 0;
}

/* RFC 9293 3.10.7.1: the reset that answers a segment nobody owns. */
void
tcp_output_rst_reply(struct tern_stack *s, uint16_t iface,
		     const struct ip4_hdr_v *ip, const struct tcp_seg *seg,
		     uint32_t seg_len)
{
	struct tcp_seg h = { .src_port = seg->dst_port, .dst_port = seg->src_port };
	struct rte_mbuf *m;
	struct route r;

	RTE_SET_USED(iface);	/* the route decides where the reply goes */
	if (seg->flags & TCP_FLAG_RST)
		return;
	if (seg->flags & TCP_FLAG_ACK) {
		h.seq = seg->ack;
		h.flags = TCP_FLAG_RST;
	} else {
		h.seq = 0;
		h.ack = seg->seq + seg_len;
		h.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
	}
	if (!route_lookup(s, ip->src, &r)) {
		stack_ctr_inc(s, CTR_IP_TX_NO_ROUTE);
		return;
	}
	m = rte_pktmbuf_alloc(s->pool);
	if (m == NULL || rte_pktmbuf_append(m, TCP_HDR_LEN) == NULL) {
		rte_pktmbuf_free(m);
		stack_ctr_inc(s, CTR_TCP_TX_NOMBUF);
		return;
	}
	stack_ctr_inc(s, CTR_TCP_TX_RST);
	seg_send(s, &r, ip->dst, ip->src, &h, m, NULL, IP4_ECN_NOT_ECT);
}

/* RFC 4987 3.6: a SYN cookie's SYN-ACK, built from the SYN alone. */
void
tcp_output_cookie_synack(struct tern_stack *s, const struct ip4_hdr_v *ip,
			 const struct tcp_seg *syn, uint32_t iss, const struct tcp_opts *o,
			 uint16_t wnd)
{
	struct tcp_seg h = { .src_port = syn->dst_port, .dst_port = syn->src_port,
			     .seq = iss, .ack = syn->seq + 1,
			     .flags = TCP_FLAG_SYN | TCP_FLAG_ACK, .wnd = wnd, .opts = *o };
	struct rte_mbuf *m;
	struct route r;

	if (!route_lookup(s, ip->src, &r)) {
		stack_ctr_inc(s, CTR_IP_TX_NO_ROUTE);
		return;
	}
	m = rte_pktmbuf_alloc(s->pool);
	if (m == NULL || rte_pktmbuf_append(m, (uint16_t)(TCP_HDR_LEN + tcp_opts_len(o))) == NULL) {
		rte_pktmbuf_free(m);
		stack_ctr_inc(s, CTR_TCP_TX_NOMBUF);
		return;
	}
	/* no ECE: nothing is kept, so a cookie connection runs without ECN */
	seg_send(s, &r, ip->dst, ip->src, &h, m, NULL, IP4_ECN_NOT_ECT);
}

/* A header-only segment `h` (options included) from laddr to raddr with
 * no TCB behind it: a TIME-WAIT record's ACK (tcp_timewait.c). */
void
tcp_output_bare(struct tern_stack *s, uint32_t laddr, uint32_t raddr, struct tcp_seg *h)
{
	struct rte_mbuf *m;
	struct route r;

	if (!route_lookup(s, raddr, &r)) {
		stack_ctr_inc(s, CTR_IP_TX_NO_ROUTE);
		return;
	}
	m = rte_pktmbuf_alloc(s->pool);
	if (m == NULL ||
	    rte_pktmbuf_append(m, (uint16_t)(TCP_HDR_LEN + tcp_opts_len(&h->opts))) == NULL) {
		rte_pktmbuf_free(m);
		stack_ctr_inc(s, CTR_TCP_TX_NOMBUF);
		return;
	}
	seg_send(s, &r, laddr, raddr, h, m, NULL, IP4_ECN_NOT_ECT);
}
