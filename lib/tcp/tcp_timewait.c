/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TIME-WAIT without a TCB. When input moves a connection into TIME-WAIT
 * (tcp_input() calls tcp_tw_enter() once the segment is done with), the
 * TCB is freed and a ~40-byte record keeps what the 2*MSL wait needs: the
 * 4-tuple, SND.NXT and RCV.NXT for our ACKs, TS.Recent and our timestamp
 * offset (PAWS, TSecr, RFC 6191) and the window field. Records sit in a
 * ring of tcp.time_wait_max slots in insertion order: 2*MSL is one
 * constant, so the head is always the next to expire and one wheel entry
 * at its deadline serves the whole ring (tcp_tw_expired). A full ring
 * recycles its oldest record (counted); a record that must go early
 * (reuse) leaves a dead slot that the head skips; a retransmitted FIN
 * moves its record to the tail with a fresh 2*MSL. The 4-tuple table
 * (tcp_conn.c) finds records as it finds TCBs, with a tagged pointer
 * (TCP_ENTRY_TW): a segment costs one lookup whichever it meets, and
 * entering TIME-WAIT repoints the TCB's entry in place (its bucket is in
 * cache: the segment that led here just looked it up).
 *
 * What a record does with a segment (tcp_tw_input, RFC 9293 3.10.7.4):
 * a SYN newer than the old connection (timestamp above TS.Recent, or ISN
 * beyond RCV.NXT without timestamps: RFC 6191) ends the record and goes
 * to the listener; an older SYN, an old timestamp (PAWS), the peer's FIN
 * again (which also restarts 2*MSL) and any other unacceptable segment get
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; a bare ACK at RCV.NXT gets nothing.
 * RSTs are ignored (RFC 1337: no TIME-WAIT assassination; the record ends
 * at its time or when a new SYN takes the 4-tuple). The ACKs that answer
 * segments are bounded by a per-stack token bucket (TCP_TW_ACK_PER_S) so
 * a flood aimed at records cannot turn the stack into a reflector; the
 * ACK of the FIN that brought the connection here is not limited.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "tcp/tcp_private.h"
#include "tcp/tcp_input.h"
#include "tcp/tcp_output_seg.h"
#include "wire/ip4_hdr.h"
#include "wire/tcp_hdr.h"

/* ACKs that records send in answer to segments, per second per stack. */
#define TCP_TW_ACK_PER_S 1000u

int
tcp_tw_create(const struct tern_config *cfg, struct tcp_table *t, int socket)
{
	struct tcp_tw_table *w = &t->tw;
	uint32_t cap = tcp_tw_cap(cfg, t->n_tcbs);

	w->cap = cap;
	w->timer.kind = STACK_TIMER_TCP_TW;
	tw_entry_init(&w->timer.tw);
	token_bucket_init(&w->ack_budget, TCP_TW_ACK_PER_S, TCP_TW_ACK_PER_S,
			  TCP_TW_ACK_PER_S, 0);
	w->rec = rte_zmalloc_socket("tern_tw", (size_t)cap * sizeof(*w->rec),
				    RTE_CACHE_LINE_SIZE, socket);
	return w->rec != NULL ? 0 : -ENOMEM;
}

void
tcp_tw_free(struct tern_stack *s, struct tcp_table *t)
{
	struct tcp_tw_table *w = &t->tw;

	if (s != NULL && tw_is_armed(&w->timer.tw))
		stack_timer_cancel(s, &w->timer);
	rte_free(w->rec);		/* their entries go with the table's hash */
	w->rec = NULL;
	w->n = w->n_live = 0;
}

struct tcp_tw *
tcp_tw_lookup(const struct tern_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
	      uint16_t rport)
{
	void *e;

	if (s->tcp->tw.n_live == 0)
		return NULL;
	e = tcp_conn_entry(s, laddr, lport, raddr, rport);
	return tcp_entry_is_tw(e) ? tcp_entry_tw(e) : NULL;
}

/* Take the record out of the table; its slot stays, dead. No counter. */
static void
tw_forget(struct tern_stack *s, struct tcp_tw_table *w, struct tcp_tw *tw)
{
	tcp_conn_entry_del(s, tw->laddr, tw->lport, tw->raddr, tw->rport);
	tw->expire_ns = 0;
	w->n_live--;
}

void
tcp_tw_remove(struct tern_stack *s, struct tcp_tw *tw)
{
	/* the wheel entry stays: it finds a dead head and moves on */
	tw_forget(s, &s->tcp->tw, tw);
	stack_ctr_inc(s, CTR_TCP_CLOSED);
}

/* Drop the oldest slot; a live record there is over (expired or
 * recycled: the caller counts which). */
static void
tw_pop(struct tern_stack *s, struct tcp_tw_table *w)
{
	struct tcp_tw *tw = &w->rec[w->head];

	if (tw->expire_ns != 0) {
		tw_forget(s, w, tw);
		stack_ctr_inc(s, CTR_TCP_CLOSED);
	}
	w->head = w->head + 1 == w->cap ? 0 : w->head + 1;
	w->n--;
}

/* Append `r` at the tail (recycling the oldest slot when the ring is
 * full) and point its 4-tuple's entry at it; NULL when the table refused
 * a new entry (the connection just ends). */
static struct tcp_tw *
tw_push(struct tern_stack *s, struct tcp_tw_table *w, const struct tcp_tw *r)
{
	struct tcp_tw *tw;
	uint32_t slot;

	if (w->n == w->cap) {
		if (w->rec[w->head].expire_ns != 0)
			stack_ctr_inc(s, CTR_TCP_TIME_WAIT_RECYCLED);
		tw_pop(s, w);
	}
	slot = w->head + w->n;
	if (slot >= w->cap)
		slot -= w->cap;
	tw = &w->rec[slot];
	*tw = *r;
	w->n++;
	if (tcp_conn_entry_set_tw(s, tw) != 0) {
		tw->expire_ns = 0;		/* dead at once */
		stack_ctr_inc(s, CTR_TCP_CLOSED);
		return NULL;
	}
	w->n_live++;
	/* not armed: nothing live is older than this record */
	if (!tw_is_armed(&w->timer.tw))
		stack_timer_arm(s, &w->timer, tw->expire_ns);
	return tw;
}

void
tcp_tw_expired(struct tern_stack *s, struct stack_timer *t, uint64_t now_ns)
{
	struct tcp_tw_table *w = &s->tcp->tw;

	RTE_SET_USED(t);
	while (w->n > 0 && w->rec[w->head].expire_ns <= now_ns)
		tw_pop(s, w);		/* dead slots (0) go too */
	if (w->n > 0)
		stack_timer_arm(s, &w->timer, w->rec[w->head].expire_ns);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with timestamps when they were in
 * use (TSecr = TS.Recent, RFC 7323 4.3). */
static void
tw_ack(struct tern_stack *s, const struct tcp_tw *tw)
{
	struct tcp_seg h = { .src_port = tw->lport, .dst_port = tw->rport,
			     .seq = tw->snd_nxt, .ack = tw->rcv_nxt,
			     .flags = TCP_FLAG_ACK, .wnd = tw->wnd };

	if (tw->ts_ok) {
		h.opts.present = TCP_OPTF_TS;
		h.opts.ts_val = (uint32_t)(s->now_ns / NS_PER_MS) + tw->ts_offset;
		h.opts.ts_ecr = tw->ts_recent;
	}
	stack_ctr_inc(s, CTR_TCP_TX_TW_ACK);
	tcp_output_bare(s, tw->laddr, tw->raddr, &h);
}

/* An ACK that answers a segment: within the stack's budget. */
static void
tw_reply(struct tern_stack *s, const struct tcp_tw *tw, uint64_t now)
{
	if (!token_bucket_take(&s->tcp->tw.ack_budget, now)) {
		stack_ctr_inc(s, CTR_TCP_TX_TW_ACK_LIMIT);
		return;
	}
	tw_ack(s, tw);
}

void
tcp_tw_enter(struct tern_stack *s, struct tcb *tcb)
{
	uint8_t ws = (tcb->flags & TCB_F_WS_OK) ? tcb->rcv.wscale : 0;
	struct tcp_tw r = {
		.laddr = tcb->laddr, .raddr = tcb->raddr,
		.lport = tcb->lport, .rport = tcb->rport,
		.snd_nxt = tcb->snd.max, .rcv_nxt = tcb->rcv.nxt,
		.ts_recent = tcb->ts.recent, .ts_offset = tcb->ts.offset,
		.ts_ok = (tcb->flags & TCB_F_TS_OK) != 0, .iface = tcb->iface,
		.wnd = (uint16_t)RTE_MIN(tcp_rcv_window(tcb) >> ws, (uint32_t)UINT16_MAX),
		.expire_ns = s->now_ns + 2ull * s->cfg.tcp_msl_ms * NS_PER_MS,
	};
	bool owed = (tcb->flags & (TCB_F_ACK_NOW | TCB_F_ACK_DELAYED)) != 0;
	struct tcp_tw *tw;

	/* the TCB's entry now points at the record (repointed in place, so
	 * the push cannot fail): the release leaves the entry alone */
	tw = tw_push(s, &s->tcp->tw, &r);
	tcp_conn_release(s, tcb, tw == NULL);
	/* the ACK of the peer's FIN (3.10.7.4 eighth step): the TCB's output
	 * request went with it */
	if (owed)
		tw_ack(s, tw != NULL ? tw : &r);
}

/* RFC 6191 (timestamps) and RFC 9293 3.10.7.4 (without them): the SYN
 * cannot be taken for a segment of the old connection. */
static bool
tw_syn_is_newer(const struct tcp_tw *tw, const struct seg_in *in)
{
	if (tw->ts_ok && (in->seg.opts.present & TCP_OPTF_TS))
		return seq_gt(in->seg.opts.ts_val, tw->ts_recent);
	return seq_gt(in->seg.seq, tw->rcv_nxt);
}

/* RFC 7323 5.3 R1: an older timestamp is an old duplicate. */
static bool
tw_paws_fails(const struct tcp_tw *tw, const struct seg_in *in)
{
	return tw->ts_ok && (in->seg.opts.present & TCP_OPTF_TS) &&
	       seq_lt(in->seg.opts.ts_val, tw->ts_recent);
}

/* The record's 2*MSL starts again (the peer's FIN came again): it moves
 * to the tail, so the ring stays in expiry order; the tail itself is
 * updated in place (no dead slot). */
static void
tw_restart(struct tern_stack *s, struct tcp_tw *tw, uint64_t now)
{
	struct tcp_tw_table *w = &s->tcp->tw;
	uint32_t tail = w->head + w->n - 1;
	struct tcp_tw r = *tw;

	if (tail >= w->cap)
		tail -= w->cap;
	r.expire_ns = now + 2ull * s->cfg.tcp_msl_ms * NS_PER_MS;
	if (tw == &w->rec[tail]) {
		tw->expire_ns = r.expire_ns;
		return;
	}
	tw_forget(s, w, tw);
	(void)tw_push(s, w, &r);
}

enum in_verdict
tcp_tw_input(struct tern_stack *s, struct tcp_tw *tw, struct seg_in *in)
{
	uint8_t ctl = in->seg.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST |
				       TCP_FLAG_FIN);

	in->why = CTR_TCP_RX_TW_RST;
	if (ctl & TCP_FLAG_RST)
		return IN_DROP;
	if (ctl == TCP_FLAG_SYN) {
		if (tw_syn_is_newer(tw, in)) {
			stack_ctr_inc(s, CTR_TCP_TIME_WAIT_REUSED);
			tcp_tw_remove(s, tw);
			return IN_CONTINUE;	/* to the listener */
		}
		in->why = CTR_TCP_RX_TW_SYN_OLD;
		tw_reply(s, tw, in->now);
		return IN_DROP;
	}
	in->why = CTR_TCP_RX_TIME_WAIT;
	/* a bare ACK at RCV.NXT is acceptable and says nothing new */
	if (!tw_paws_fails(tw, in) && ctl == TCP_FLAG_ACK && in->payload == 0 &&
	    in->seg.seq == tw->rcv_nxt)
		return IN_DROP;
	/* the peer's FIN again: it lost our ACK. Its timestamp is TS.Recent
	 * now (it covers Last.ACK.sent, RFC 7323 4.3), and 2*MSL starts
	 * again (3.10.7.4 eighth step) */
	if ((ctl & TCP_FLAG_FIN) && !tw_paws_fails(tw, in) &&
	    in->seg.seq + in->payload + 1 == tw->rcv_nxt) {
		if (tw->ts_ok && (in->seg.opts.present & TCP_OPTF_TS))
			tw->ts_recent = in->seg.opts.ts_val;
		tw_reply(s, tw, in->now);
		tw_restart(s, tw, in->now);
		return IN_DROP;
	}
	tw_reply(s, tw, in->now);
	return IN_DROP;
}
