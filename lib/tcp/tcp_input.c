/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP input: RFC 9293 3.10.7 "SEGMENT ARRIVES", with RFC 5961 (blind
 * RST/SYN/data injection), RFC 4987 3.6 (SYN cookies: a listener's SYN
 * and ACK, tcp_syncookie.c), RFC 7323 (PAWS, TS.Recent), RFC 5681 and 6582
 * (duplicate ACKs, fast retransmit, NewReno recovery) and RFC 6298 (RTT
 * samples, RTO restart). ip4_input() calls tcp_input() for each TCP
 * datagram addressed to us: header and checksum checks, lookup of the
 * connection and then of a listener, then the entry function of the state
 * (CLOSED, LISTEN, SYN-SENT, or "otherwise", which runs the RFC's steps in
 * order: PAWS, sequence number, RST, SYN, ACK, text, FIN; one function
 * each). Text on a SYN is held until the connection is established
 * (syn_text_hold/release); a SYN-ACK's goes on to the text and FIN
 * steps. Every step returns a verdict and verdict_apply() is the one place
 * that acts on it (ACK now, RST reply, counted drop, free). The mbuf is
 * freed there unless a step handed it on, to the app (tcp_ev_data) or to
 * the reassembly queue. Input updates the TCB, raises events and sets
 * output requests; the one segment it builds itself is the RST reply a
 * refused segment gets (verdict_apply, no TCB to ask), and that is only
 * staged: the loop transmits. Every state change goes through
 * tcp_set_state().
 */
#include <errno.h>

#include <rte_mbuf.h>

#include "tcp/tcp_private.h"
#include "wire/cksum.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"
#include "wire/tcp_hdr.h"
#include "tcp/tcp_input.h"

/* Floor for the peer's MSS option: tiny segments are a resource attack. */
#define TCP_MIN_MSS 64u
/* ---- checks at the edge ------------------------------------------------ */

static unsigned int
cksum_check(const struct rte_mbuf *m, const struct ip4_hdr_v *ip)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return CTR_NONE;
	if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return CTR_TCP_RX_BAD_CSUM;
	return cksum_l4_ip4_ok(m, 0, (uint16_t)rte_pktmbuf_pkt_len(m), ip->src, ip->dst,
			       IP4_PROTO_TCP) ? CTR_NONE : CTR_TCP_RX_BAD_CSUM;
}

static bool
addr_is_unicast(const struct tern_stack *s, uint32_t a)
{
	return (a >> 28) < 0xe && !route_is_broadcast(s, a);
}

static unsigned int
seg_check(const struct tern_stack *s, const struct rte_mbuf *m,
	  const struct ip4_hdr_v *ip, struct tcp_seg *seg)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	unsigned int why;

	if (len < TCP_HDR_LEN)
		return CTR_TCP_RX_TRUNC;
	/* the header (up to 60 bytes) must sit in the first segment */
	if (rte_pktmbuf_data_len(m) < RTE_MIN(len, TCP_HDR_MAX))
		return CTR_ETH_RX_MULTISEG;
	why = cksum_check(m, ip);
	if (why != CTR_NONE)
		return why;
	why = tcp_hdr_parse(rte_pktmbuf_mtod(m, const uint8_t *), len, seg);
	if (why != CTR_NONE)
		return why;
	/* RFC 9293 3.9.2.1 / RFC 1122 4.2.3.10: unicast only, no port 0. A
	 * broadcast source never gets here (ip4_check's martian test has
	 * scanned the routes for it), so the source needs only its class. */
	if ((ip->src >> 28) >= 0xe || !addr_is_unicast(s, ip->dst) ||
	    seg->src_port == 0 || seg->dst_port == 0)
		return CTR_TCP_RX_BAD_ADDR;
	return CTR_NONE;
}

/* ---- the one place verdicts are acted on -------------------------------- */

static void
verdict_apply(struct tern_stack *s, struct tcb *tcb, struct seg_in *in,
	      enum in_verdict v)
{
	if (v == IN_DROP_ACK)
		tcp_output_ack_now(s, tcb);
	else if (v == IN_DROP_RST && !has(in, TCP_FLAG_RST))
		tcp_output_rst_reply(s, in->iface, in->ip, &in->seg, seg_space(in));
	if (in->m == NULL)
		return;
	if (v == IN_CONTINUE || v == IN_DONE)
		rte_pktmbuf_free(in->m);
	else
		stack_drop(s, in->m, in->why);
	in->m = NULL;
}

/* ---- shared by LISTEN and SYN-SENT: the peer's SYN ---------------------- */

/* RFC 9293 3.7.1 (MSS), RFC 7323 2.2 (window scale) and 3.2 (timestamps),
 * RFC 2018 (SACK-permitted): an option is in use when both sides sent it. */
static void
syn_options(const struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
	    uint64_t now)
{
	const struct tern_config *cfg = &s->cfg;
	uint32_t mss = (o->present & TCP_OPTF_MSS) ? o->mss : TCP_DEFAULT_MSS;

	tcb->peer_mss = (o->present & TCP_OPTF_MSS) ? o->mss : 0;
	if (mss > tcb->mss)
		mss = tcb->mss;
	tcb->mss = (uint16_t)RTE_MAX(mss, TCP_MIN_MSS);
	if (cfg->tcp_wscale && (o->present & TCP_OPTF_WSCALE)) {
		tcb->flags |= TCB_F_WS_OK;
		tcb->snd.wscale = o->wscale;
	} else {
		tcb->snd.wscale = 0;
		tcb->rcv.wscale = 0;
	}
	if (cfg->tcp_sack && (o->present & TCP_OPTF_SACK_PERM))
		tcb->flags |= TCB_F_SACK_OK;
	if ((tcb->flags & TCB_F_SACK_OK) && cfg->tcp_rack)
		tcb->flags |= TCB_F_RACK;	/* RFC 8985 2: RACK needs SACK */
	if ((tcb->flags & TCB_F_RACK) && cfg->tcp_tlp)
		tcb->flags |= TCB_F_TLP_ON;	/* 7: TLP needs RACK */
	if (cfg->tcp_timestamps && (o->present & TCP_OPTF_TS)) {
		tcb->flags |= TCB_F_TS_OK;
		tcb->ts.recent = o->ts_val;
		tcb->ts.recent_ns = now;
	}
}

/* Take the peer's SYN: IRS, RCV.NXT, options, its (unscaled) window.
 * Its text is the caller's (syn_text_hold, syn_ack_text). */
static void
syn_accept(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	tcb->irs = in->seg.seq;
	tcb->rcv.nxt = in->seg.seq + 1;
	/* an active open offered rcv.wnd in its SYN (unscaled); a passive one
	 * has offered nothing yet (rcv.wnd is 0 until the SYN-ACK) */
	tcb->rcv.adv = tcb->rcv.nxt + tcb->rcv.wnd;
	tcb->ts.last_ack_sent = tcb->rcv.nxt;
	syn_options(s, tcb, &in->seg.opts, in->now);
	tcp_in_ecn_syn(s, tcb, in);		/* RFC 3168 6.1.1 */
	tcb->snd.wnd = in->seg.wnd;		/* RFC 7323 2.2: never scaled in a SYN */
	tcb->snd.wl1 = in->seg.seq;
	tcb->recover = tcb->iss;		/* RFC 6582 3.2 step 1 */
	tcb->idle_since_ns = in->now;
}

/* ---- TIME-WAIT: a record, no TCB (tcp_timewait.c) --------------------- */

/* ---- 3.10.7.1 CLOSED ---------------------------------------------------- */

static enum in_verdict
closed_input(struct seg_in *in)
{
	in->why = CTR_TCP_RX_NO_CONN;
	return has(in, TCP_FLAG_RST) ? IN_DROP : IN_DROP_RST;
}

/* ---- 3.10.7.2 LISTEN ---------------------------------------------------- */

static enum in_verdict synced_input(struct tern_stack *s, struct tcb *tcb,
				    struct seg_in *in);
static void syn_text_hold(struct tern_stack *s, struct tcb *tcb, struct seg_in *in,
			  uint32_t wnd);
static enum in_verdict syn_ack_text(struct tern_stack *s, struct tcb *tcb,
				   struct seg_in *in);

/* RFC 4987 3.6: the ACK that returns a valid SYN cookie completes a
 * handshake the listener did not remember. The connection starts in
 * ESTABLISHED with the options the cookie kept (`o`, as if from the SYN);
 * our SYN-ACK's window was not scaled, this ACK's is. */
static struct tcb *
cookie_established(struct tern_stack *s, struct tcp_listener *l, const struct seg_in *in,
		   const struct tcp_opts *o)
{
	struct tcb *tcb;

	tcb = tcp_conn_alloc(s, in->iface, in->ip->dst, in->seg.dst_port, in->ip->src,
			     in->seg.src_port);
	if (tcb == NULL)
		return NULL;
	tcp_uopts_apply(s, tcb, &l->opts);
	tcb->flags |= TCB_F_PASSIVE | TCB_F_SYN_ISSUED;
	tcb->chan = l->chan;
	tcb->cookie = l->cookie;
	tcb->iss = in->seg.ack - 1;
	tcb->snd.una = tcb->snd.nxt = tcb->snd.max = in->seg.ack;
	tcb->irs = in->seg.seq - 1;
	tcb->rcv.nxt = in->seg.seq;
	/* what the cookie SYN-ACK offered (tcp_cookie_reply, unscaled) */
	tcb->rcv.wnd = RTE_MIN(tcb->rcvbuf, (uint32_t)UINT16_MAX);
	tcb->rcv.adv = tcb->rcv.nxt + tcb->rcv.wnd;
	tcb->ts.last_ack_sent = tcb->rcv.nxt;
	syn_options(s, tcb, o, in->now);
	tcb->snd.wnd = (uint32_t)in->seg.wnd << tcb->snd.wscale;
	tcb->snd.wl1 = in->seg.seq;
	tcb->snd.wl2 = in->seg.ack;
	tcb->recover = tcb->iss;		/* RFC 6582 3.2 step 1 */
	tcb->idle_since_ns = in->now;
	tcp_cc_init(tcb, in->now, false);	/* IW for the MSS now known */
	tcp_set_state(s, tcb, TCP_ST_ESTABLISHED);
	stack_ctr_inc(s, CTR_TCP_PASSIVE_OPENS);
	stack_ctr_inc(s, CTR_TCP_COOKIE_OK);
	tcp_ev_accepted(s, tcb);
	return tcb;
}

/* An ACK to a listener: RST (3.10.7.2 second), unless the listener sends
 * SYN cookies and this one is valid. Then the segment goes on as in
 * ESTABLISHED (it may carry data or a FIN); *tcbp is the new connection. */
static enum in_verdict
listen_ack(struct tern_stack *s, struct tcp_listener *l, struct seg_in *in,
	   struct tcb **tcbp)
{
	struct tcp_opts o;

	in->why = CTR_TCP_RX_LISTEN_BAD;
	if (has(in, TCP_FLAG_SYN) || !tcp_cookie_may_check(s, l, in->now))
		return IN_DROP_RST;
	in->why = CTR_TCP_COOKIE_BAD;
	if (!tcp_cookie_check(s, in->ip, &in->seg, in->now, &o))
		return IN_DROP_RST;
	in->why = CTR_TCP_RX_NO_TCB;
	*tcbp = cookie_established(s, l, in, &o);
	if (*tcbp == NULL)
		return IN_DROP;
	return synced_input(s, *tcbp, in);
}

static enum in_verdict
listen_input(struct tern_stack *s, struct tcp_listener *l, struct seg_in *in,
	     struct tcb **tcbp)
{
	struct tcb *tcb;

	in->why = CTR_TCP_RX_LISTEN_BAD;
	if (has(in, TCP_FLAG_RST))
		return IN_DROP;
	if (has(in, TCP_FLAG_ACK))
		return listen_ack(s, l, in, tcbp);
	if (!has(in, TCP_FLAG_SYN))
		return IN_DROP;
	/* SYN+FIN opens nothing a real peer wants (a scanner's probe); Linux
	 * drops it, and so does tern (RFC 9293 leaves it open). */
	in->why = CTR_TCP_RX_SYN_FIN;
	if (has(in, TCP_FLAG_FIN))
		return IN_DROP;
	/* a full connection table: a cookie keeps nothing, and its ACK
	 * finds a TCB if one was freed meanwhile */
	if (tcp_cookie_wanted(s, l) ||
	    (tcp_conn_table_full(s->tcp) &&
	     s->cfg.tcp_syncookies != TERN_TCP_SYNCOOKIES_OFF)) {
		/* RFC 4987 3.6: answer, keep nothing; not even the SYN's data,
		 * which the cookie does not acknowledge: the peer resends it */
		if (in->payload > 0)
			stack_ctr_inc(s, CTR_TCP_RX_SYN_DATA_COOKIE);
		tcp_cookie_reply(s, l, in->iface, in->ip, &in->seg, in->now);
		return IN_DONE;
	}
	in->why = CTR_TCP_RX_BACKLOG;
	if (l->n_syn >= l->backlog)
		return IN_DROP;		/* no RST: the peer retries later */
	in->why = CTR_TCP_RX_NO_TCB;
	tcb = tcp_conn_alloc(s, in->iface, in->ip->dst, in->seg.dst_port, in->ip->src,
			     in->seg.src_port);
	if (tcb == NULL)	/* every TCB taken: say so when configured */
		return s->cfg.tcp_full_rst ? IN_DROP_RST : IN_DROP;
	tcp_uopts_apply(s, tcb, &l->opts);
	tcb->flags |= TCB_F_PASSIVE;
	tcb->listener = l;
	l->n_syn++;
	tcb->chan = l->chan;
	tcb->cookie = l->cookie;
	tcb->iss = tcp_isn_clocked(s, tcb, in->now);
	tcb->snd.una = tcb->snd.nxt = tcb->snd.max = tcb->iss;
	tcb->snd.wl2 = tcb->iss;
	syn_accept(s, tcb, in);
	/* the SYN-ACK's window is unscaled (RFC 7323 2.2) */
	syn_text_hold(s, tcb, in, RTE_MIN(tcp_rcv_window(tcb), (uint32_t)UINT16_MAX));
	tcp_cc_init(tcb, in->now, false);	/* IW for the MSS now known */
	tcp_set_state(s, tcb, TCP_ST_SYN_RECEIVED);
	tcp_output_schedule(s, tcb);	/* output sends the SYN,ACK */
	stack_ctr_inc(s, CTR_TCP_PASSIVE_OPENS);
	return IN_DONE;
}

/* ---- 3.10.7.3 SYN-SENT -------------------------------------------------- */


/* Our SYN is acknowledged by a SYN,ACK: ESTABLISHED. */
static void
syn_acked_established(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	uint32_t ack = in->seg.ack;

	tcp_in_ack_rtt(s, tcb, in);
	tcb->snd.una = ack;
	tcb->snd.nxt = seq_max(tcb->snd.nxt, ack);
	tcb->snd.wl2 = ack;
	/* RFC 6928 2, RFC 5681 3.1: one segment if the SYN had to be resent */
	tcp_cc_init(tcb, in->now, tcb->retries > 0);
	tcb->backoff = 0;
	tcb->retries = 0;
	tcp_in_rto_restart(s, tcb, in->now);
	tcp_set_state(s, tcb, TCP_ST_ESTABLISHED);
	tcp_ev_connected(s, tcb);
	tcp_output_ack_now(s, tcb);
}

static enum in_verdict
syn_sent_input(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	bool ack = has(in, TCP_FLAG_ACK);

	/* first: an ACK must cover our SYN and nothing we never sent */
	if (ack && (seq_leq(in->seg.ack, tcb->iss) || seq_gt(in->seg.ack, tcb->snd.max))) {
		in->why = CTR_TCP_RX_ACK_BAD;
		return IN_DROP_RST;
	}
	/* second: RST, believed only with an acceptable ACK (RFC 5961 3.2) */
	if (has(in, TCP_FLAG_RST)) {
		if (!ack) {
			in->why = CTR_TCP_RX_RST_BAD;
			return IN_DROP;
		}
		stack_ctr_inc(s, CTR_TCP_RX_RST);
		stack_ctr_inc(s, CTR_TCP_REFUSED);
		tcp_conn_close(s, tcb, -ECONNREFUSED);
		return IN_DONE;
	}
	/* fourth: SYN */
	if (!has(in, TCP_FLAG_SYN)) {
		in->why = CTR_TCP_RX_SYN_SENT_BAD;
		return IN_DROP;
	}
	syn_accept(s, tcb, in);
	if (ack) {
		syn_acked_established(s, tcb, in);
		return syn_ack_text(s, tcb, in);
	}
	/* simultaneous open: the ACK output owes is our SYN,ACK; the text
	 * waits within the window our SYN offered */
	syn_text_hold(s, tcb, in, tcp_rcv_offered(tcb));
	tcp_set_state(s, tcb, TCP_ST_SYN_RECEIVED);
	tcb->flags |= TCB_F_SYNACK_AGAIN;
	tcp_output_ack_now(s, tcb);
	return IN_DONE;
}

/* ---- 3.10.7.4 first: PAWS (RFC 7323 5.3 R1) and sequence number ---------- */

static enum in_verdict
step_paws(struct tcb *tcb, struct seg_in *in)
{
	const struct tcp_opts *o = &in->seg.opts;

	if (!(tcb->flags & TCB_F_TS_OK) || !(o->present & TCP_OPTF_TS) ||
	    has(in, TCP_FLAG_RST) || !seq_lt(o->ts_val, tcb->ts.recent))
		return IN_CONTINUE;
	/* 5.5: a TS.Recent idle for 24 days is no longer valid */
	if (in->now - tcb->ts.recent_ns > TCP_PAWS_IDLE_NS)
		return IN_CONTINUE;
	in->why = CTR_TCP_RX_PAWS;
	return IN_DROP_ACK;
}

/* The four cases of RFC 9293 3.10.7.4 (first). */
static bool
seg_acceptable(uint32_t nxt, uint32_t wnd, uint32_t seq, uint32_t space)
{
	if (space == 0)
		return wnd == 0 ? seq == nxt : seq_in(seq, nxt, nxt + wnd);
	if (wnd == 0)
		return false;
	return seq_in(seq, nxt, nxt + wnd) || seq_in(seq + space - 1, nxt, nxt + wnd);
}

static enum in_verdict
seg_unacceptable(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	uint32_t end = in->seg.seq + seg_space(in);

	RTE_SET_USED(s);
	if (has(in, TCP_FLAG_RST)) {
		in->why = CTR_TCP_RX_RST_BAD;	/* RFC 5961 3.2: silently */
		return IN_DROP;
	}
	in->why = seq_leq(end, tcb->rcv.nxt) ? CTR_TCP_RX_DUP : CTR_TCP_RX_OUT_OF_WND;
	if (in->why == CTR_TCP_RX_DUP && in->payload > 0)
		tcp_dsack_note(tcb, in->seg.seq, in->seg.seq + in->payload);
	/* in SYN-RECEIVED the peer's SYN again means ours was lost: the
	 * SYN,ACK again; anything else gets the plain ACK */
	if (tcb->state == TCP_ST_SYN_RECEIVED && has(in, TCP_FLAG_SYN) &&
	    in->seg.seq == tcb->irs)
		tcb->flags |= TCB_F_SYNACK_AGAIN;
	return IN_DROP_ACK;
}

/* Cut what lies before RCV.NXT or beyond the window; a FIN survives only
 * if no data after it was cut (it takes no buffer space, so a bare FIN is
 * taken even by a zero window). */
static void
seg_trim(struct tern_stack *s, struct tcb *tcb, struct seg_in *in, uint32_t wnd)
{
	uint32_t nxt = tcb->rcv.nxt, re = nxt + wnd, cut;

	if (seq_lt(in->seq, nxt)) {
		cut = RTE_MIN(nxt - in->seq, in->len);
		if (cut > 0) {		/* part of it came before: D-SACK, ACK now */
			tcp_dsack_note(tcb, in->seq, in->seq + cut);
			tcp_output_ack_now(s, tcb);
		}
		in->seq += cut;
		in->off += cut;
		in->len -= cut;
		if (seq_lt(in->seq, nxt))
			in->fin = false;	/* the FIN itself is old */
	}
	if (seq_gt(in->seq + in->len, re)) {
		in->len = seq_gt(in->seq, re) ? 0 : re - in->seq;
		in->fin = false;
		tcp_output_ack_now(s, tcb);	/* tell the sender our window */
	}
}

/* RFC 7323 4.3 (appendix D form): TS.Recent follows the segment that
 * covers Last.ACK.sent; plus the keepalive idle mark. */
static void
seg_accepted(struct tcb *tcb, const struct seg_in *in)
{
	const struct tcp_opts *o = &in->seg.opts;
	bool stale = in->now - tcb->ts.recent_ns > TCP_PAWS_IDLE_NS;

	tcb->idle_since_ns = in->now;
	if ((tcb->flags & TCB_F_TS_OK) && (o->present & TCP_OPTF_TS) &&
	    (stale || seq_geq(o->ts_val, tcb->ts.recent)) &&
	    seq_leq(in->seg.seq, tcb->ts.last_ack_sent)) {
		tcb->ts.recent = o->ts_val;
		tcb->ts.recent_ns = in->now;
	}
}

static enum in_verdict
step_seq(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	/* RCV.WND is what the peer was told: the right edge advertised last,
	 * not free space we have not offered (RFC 9293 3.10.7.4, 3.8.6.2.2) */
	uint32_t wnd = tcp_rcv_offered(tcb);

	/* a probe of our zero window: data beyond it, or the 1-byte-back
	 * probe some stacks (Linux) send at RCV.NXT - 1; plain ACKs are not */
	if (wnd == 0 && (in->payload > 0 || in->seg.seq == tcb->rcv.nxt - 1))
		stack_ctr_inc(s, CTR_TCP_RX_ZERO_WND_PROBE);
	/* a zero window still takes ACKs, RSTs and FINs at RCV.NXT (probes) */
	if ((!seg_acceptable(tcb->rcv.nxt, wnd, in->seg.seq, seg_space(in)) &&
	     !(wnd == 0 && in->seg.seq == tcb->rcv.nxt)))
		return seg_unacceptable(s, tcb, in);
	seg_trim(s, tcb, in, wnd);
	seg_accepted(tcb, in);
	return IN_CONTINUE;
}

/* ---- second: RST (RFC 5961 3.2) ----------------------------------------- */

static void
conn_reset(struct tern_stack *s, struct tcb *tcb)
{
	stack_ctr_inc(s, CTR_TCP_RX_RST);
	switch (tcb->state) {
	case TCP_ST_SYN_RECEIVED:
		if (tcb->listener != NULL) {
			/* back to LISTEN: nobody knew of it; quiet, n_syn-- */
			tcp_conn_close(s, tcb, 0);
			return;
		}
		stack_ctr_inc(s, CTR_TCP_REFUSED);	/* simultaneous open */
		tcp_conn_close(s, tcb, -ECONNREFUSED);
		return;
	default:
		stack_ctr_inc(s, CTR_TCP_RESETS);
		tcp_conn_close(s, tcb, -ECONNRESET);
		return;
	}
}

static enum in_verdict
step_rst(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	if (!has(in, TCP_FLAG_RST))
		return IN_CONTINUE;
	if (in->seg.seq != tcb->rcv.nxt) {
		/* in the window but not exact: maybe blind; let the peer prove it */
		tcp_output_challenge_ack(s, tcb);
		in->why = CTR_TCP_RX_RST_CHALLENGE;
		return IN_DROP;
	}
	conn_reset(s, tcb);
	return IN_DONE;
}

/* ---- fourth: SYN (RFC 5961 4.2) ------------------------------------------ */

static enum in_verdict
step_syn(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	if (!has(in, TCP_FLAG_SYN))
		return IN_CONTINUE;
	/* whatever its sequence number: a peer that really restarted answers
	 * the challenge ACK with a RST at RCV.NXT */
	tcp_output_challenge_ack(s, tcb);
	in->why = CTR_TCP_RX_SYN_CHALLENGE;
	return IN_DROP;
}

/* ---- sixth: URG is ignored. seventh: segment text ------------------------ */

/* The accepted payload as its own packet; the segment is handed on. */
static struct rte_mbuf *
payload_take(struct seg_in *in)
{
	struct rte_mbuf *m = tcp_mbuf_cut_front(in->m, in->off);

	in->m = NULL;
	stack_mbuf_trim_to(m, in->len);
	return m;
}

/* RFC 9293 3.8.6.3, RFC 5681 4.2: delay, but ACK every second segment. */
static void
ack_delay(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if ((tcb->flags & TCB_F_ACK_DELAYED) || s->cfg.tcp_delack_ms == 0) {
		tcp_output_ack_now(s, tcb);
		return;
	}
	tcb->flags |= TCB_F_ACK_DELAYED;
	if (!tcp_timer_is_armed(tcb, TCP_T_DELACK))
		tcp_timer_arm(s, tcb, TCP_T_DELACK,
			      now + (uint64_t)s->cfg.tcp_delack_ms * NS_PER_MS);
}

static void
text_in_order(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	struct rte_mbuf *m;
	bool filled = false;
	uint32_t n;

	tcp_ev_data(s, tcb, payload_take(in), in->len);
	tcb->rcv.nxt += in->len;
	while ((m = tcp_reass_pull(s, tcb, &n)) != NULL) {
		tcp_ev_data(s, tcb, m, n);
		tcb->rcv.nxt += n;
		filled = true;
	}
	/* RFC 5681 4.2: ACK at once when a segment fills (part of) a hole */
	if (filled || tcp_reass_bytes(tcb) > 0)
		tcp_output_ack_now(s, tcb);
	else
		ack_delay(s, tcb, in->now);
}

static void
text_out_of_order(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	/* queued, or freed and counted; the immediate (duplicate) ACK tells
	 * the sender where the hole is (RFC 5681 4.2) */
	(void)tcp_reass_insert(s, tcb, payload_take(in), in->seq, in->len);
	tcp_output_ack_now(s, tcb);
}

static enum in_verdict
step_text(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	if (in->len == 0)
		return IN_CONTINUE;
	if (tcb->state != TCP_ST_ESTABLISHED && tcb->state != TCP_ST_FIN_WAIT_1 &&
	    tcb->state != TCP_ST_FIN_WAIT_2) {
		/* after the peer's FIN: "ignore the segment text" */
		in->why = CTR_TCP_RX_DATA_AFTER_FIN;
		return IN_DROP;
	}
	if (tcb->flags & TCB_F_ORPHAN) {
		/* RFC 1122 4.2.2.13: nobody will read it; tell the peer data
		 * was lost (output sends the RST and frees the TCB) */
		tcb->close_status = -ECONNRESET;
		tcb->flags |= TCB_F_SEND_RST;
		tcp_output_schedule(s, tcb);
		in->why = CTR_TCP_RX_DATA_AFTER_FIN;
		return IN_DROP;
	}
	if (in->seq == tcb->rcv.nxt)
		text_in_order(s, tcb, in);
	else
		text_out_of_order(s, tcb, in);
	return IN_CONTINUE;
}

/* ---- eighth: FIN ---------------------------------------------------------- */

static enum in_verdict
step_fin(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	if (!in->fin || (tcb->flags & TCB_F_PEER_FIN))
		return IN_DONE;
	/* only in order: a FIN beyond a hole comes again. Alone it is an
	 * out-of-order arrival all the same, so the duplicate ACK that shows
	 * the hole goes at once (RFC 5681 4.2); with data, step_text sent it */
	if (in->seq + in->len != tcb->rcv.nxt) {
		in->why = CTR_TCP_RX_FIN_OOO;
		return in->len == 0 ? IN_DROP_ACK : IN_DONE;
	}
	tcb->rcv.nxt++;
	tcp_output_ack_now(s, tcb);
	tcp_ev_peer_closed(s, tcb);
	switch (tcb->state) {
	case TCP_ST_ESTABLISHED:
		tcp_set_state(s, tcb, TCP_ST_CLOSE_WAIT);
		break;
	case TCP_ST_FIN_WAIT_1:
		/* our FIN is not acked yet, or the ACK step had left FIN-WAIT-1 */
		tcp_set_state(s, tcb, TCP_ST_CLOSING);
		break;
	case TCP_ST_FIN_WAIT_2:
		tcp_set_state(s, tcb, TCP_ST_TIME_WAIT);
		break;
	default:
		break;
	}
	return IN_DONE;
}

/* ---- text on a SYN (3.10.7.2 LISTEN, 3.10.7.3 SYN-SENT) ------------------ */

/* A SYN's text "should be queued for processing after the connection is
 * established", and acknowledged: up to `wnd` bytes (the window our
 * SYN-ACK can offer, or the one our SYN offered) are held in the
 * reassembly queue below rcv.nxt until then (syn_text_release). The rest,
 * and a FIN (it would need the app before the handshake is done), is left
 * for the peer to send again. */
static void
syn_text_hold(struct tern_stack *s, struct tcb *tcb, struct seg_in *in, uint32_t wnd)
{
	uint32_t len = RTE_MIN(in->len, wnd);

	if (len == 0)
		return;
	in->len = len;
	if (tcp_reass_hold(s, tcb, payload_take(in), in->seq, len) != 0)
		return;				/* counted; it comes again */
	tcb->rcv.nxt += len;
	stack_ctr_inc(s, CTR_TCP_RX_SYN_DATA);
}

/* SYN-RECEIVED became ESTABLISHED: the app knows the connection now
 * (ACCEPTED or CONNECTED went first); hand it the SYN's text. */
static void
syn_text_release(struct tern_stack *s, struct tcb *tcb)
{
	struct rte_mbuf *m;
	uint32_t n;

	m = tcp_reass_take_held(s, tcb, tcb->irs + 1, &n);
	if (m != NULL)
		tcp_ev_data(s, tcb, m, n);
}

/* 3.10.7.3: a SYN-ACK that made us ESTABLISHED goes on "at the sixth
 * step" with its text and FIN, inside the window our SYN offered. */
static enum in_verdict
syn_ack_text(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	enum in_verdict v;

	if (in->len == 0 && !in->fin)
		return IN_DONE;
	seg_trim(s, tcb, in, tcp_rcv_offered(tcb));
	if (in->len > 0)
		stack_ctr_inc(s, CTR_TCP_RX_SYN_DATA);
	v = step_text(s, tcb, in);
	if (v == IN_CONTINUE)
		v = step_fin(s, tcb, in);
	return v;
}

/* ---- 3.10.7.4 "otherwise": the synchronized states and SYN-RECEIVED ------ */

static enum in_verdict
synced_input(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	bool syn_received = tcb->state == TCP_ST_SYN_RECEIVED;
	enum in_verdict v;

	v = step_paws(tcb, in);
	if (v == IN_CONTINUE)
		v = step_seq(s, tcb, in);
	if (v == IN_CONTINUE)
		v = step_rst(s, tcb, in);
	if (v == IN_CONTINUE)
		v = step_syn(s, tcb, in);
	if (v == IN_CONTINUE)
		v = tcp_in_ack(s, tcb, in);
	if (v == IN_CONTINUE && syn_received)
		syn_text_release(s, tcb);	/* before this segment's text */
	if (v == IN_CONTINUE)
		v = step_text(s, tcb, in);
	if (v == IN_CONTINUE)
		v = step_fin(s, tcb, in);
	return v;
}

/* Simultaneous open (RFC 9293 3.5 figure 8): in SYN-RECEIVED, the peer's
 * SYN,ACK repeats its SYN (SEQ = IRS) and acknowledges ours. Taken as the
 * ACK it is, not challenged as a SYN. */
static bool
is_crossed_syn_ack(const struct tcb *tcb, const struct seg_in *in)
{
	return tcb->state == TCP_ST_SYN_RECEIVED && tcb->listener == NULL &&
	       (in->seg.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
	       (TCP_FLAG_SYN | TCP_FLAG_ACK) && in->seg.seq == tcb->irs &&
	       seq_gt(in->seg.ack, tcb->snd.una) && seq_leq(in->seg.ack, tcb->snd.max);
}

static enum in_verdict
conn_input(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	switch (tcb->state) {
	case TCP_ST_CLOSED:
	case TCP_ST_LISTEN:
		return closed_input(in);
	case TCP_ST_SYN_SENT:
		return syn_sent_input(s, tcb, in);
	default:
		break;
	}
	if (!is_crossed_syn_ack(tcb, in))
		return synced_input(s, tcb, in);
	seg_accepted(tcb, in);
	tcb->snd.wnd = in->seg.wnd;		/* a SYN's window: not scaled */
	tcb->snd.wl1 = in->seg.seq;
	syn_acked_established(s, tcb, in);
	syn_text_release(s, tcb);
	return IN_DONE;
}

void
tcp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	  const struct ip4_hdr_v *ip)
{
	struct seg_in in = { .m = m, .ip = ip, .iface = iface, .now = s->now_ns };
	struct tcp_listener *l;
	struct tcp_tw *tw;
	struct tcb *tcb;
	enum in_verdict v;
	unsigned int why;

	stack_ctr_inc(s, CTR_TCP_RX_SEGS);
	why = seg_check(s, m, ip, &in.seg);
	if (why != CTR_NONE) {
		stack_drop(s, m, why);
		return;
	}
	in.payload = rte_pktmbuf_pkt_len(m) - in.seg.hdr_len;
	in.seq = in.seg.seq + (has(&in, TCP_FLAG_SYN) ? 1 : 0);
	in.len = in.payload;
	in.off = in.seg.hdr_len;
	in.fin = has(&in, TCP_FLAG_FIN);
	tcb = tcp_conn_lookup_seg(s, m, ip->dst, in.seg.dst_port, ip->src, in.seg.src_port,
				  &tw);
	/* TIME-WAIT: the record answers, unless a new SYN just ended it
	 * (RFC 6191: IN_CONTINUE, on to the listener) */
	if (tw != NULL) {
		v = tcp_tw_input(s, tw, &in);
		if (v != IN_CONTINUE) {
			verdict_apply(s, NULL, &in, v);
			return;
		}
	}
	if (tcb != NULL) {
		v = conn_input(s, tcb, &in);
	} else {
		l = tcp_listener_lookup(s, in.seg.dst_port);
		v = l != NULL ? listen_input(s, l, &in, &tcb) : closed_input(&in);
	}
	verdict_apply(s, tcb, &in, v);
	/* TIME-WAIT keeps a record, not the TCB: once the segment that led
	 * there is done with (a freed TCB reads CLOSED) */
	if (tcb != NULL && tcb->state == TCP_ST_TIME_WAIT)
		tcp_tw_enter(s, tcb);
}
