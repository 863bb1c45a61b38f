/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Read-only walks over the TCP table for listings (tern-stat through the
 * stack's mailbox, core/stack_mbox.h): listeners, then TCB slots in slot
 * order, then TIME-WAIT records (tcp_timewait.c) in ring-slot order, each
 * turned into a stat_entry. Called by the roof
 * (stack/stack_stat.c) on the stack's own lcore between loop iterations,
 * so it reads TCBs without locks; it changes nothing (no timer, no
 * output, no counter). A walk stops when the page is full or when it has
 * looked at its budget of slots, and says where to go on.
 */
#include <string.h>

#include <rte_common.h>

#include <tern/tcp.h>

#include "tcp/tcp_private.h"

static struct stat_entry *
entry_add(struct stat_page *pg, uint8_t state, uint32_t laddr, uint16_t lport,
	  uint32_t raddr, uint16_t rport)
{
	struct stat_entry *e = &pg->e[pg->n++];

	memset(e, 0, sizeof(*e));
	e->v[STAT_F_PROTO] = 6;		/* IPPROTO_TCP */
	e->v[STAT_F_STATE] = state;
	e->v[STAT_F_LADDR] = laddr;
	e->v[STAT_F_LPORT] = lport;
	e->v[STAT_F_RADDR] = raddr;
	e->v[STAT_F_RPORT] = rport;
	return e;
}

bool
tcp_list_listeners(const struct tern_stack *s, const struct stat_req *req,
		   struct stat_page *pg, uint32_t *pos, uint32_t *budget)
{
	const struct tcp_table *t = s->tcp;

	for (; *pos < t->n_listeners; (*pos)++) {
		const struct tcp_listener *l = &t->listeners[*pos];
		struct stat_entry *e;

		if (stat_page_full(req, pg) || *budget == 0)
			return false;
		(*budget)--;
		if (l->port == 0 || !stat_req_match(req, 6, TCP_ST_LISTEN, l->port, 0))
			continue;
		/* ss's convention: Send-Q the backlog, Recv-Q the queue */
		e = entry_add(pg, TCP_ST_LISTEN, 0, l->port, 0, 0);
		e->v[STAT_F_SENDQ] = l->backlog;
		e->v[STAT_F_RECVQ] = l->n_syn;
	}
	return true;
}

static uint64_t
ms_since(uint64_t now_ns, uint64_t then_ns)
{
	return then_ns == 0 || then_ns > now_ns ? 0 : (now_ns - then_ns) / NS_PER_MS;
}

static void
entry_info(const struct tern_stack *s, const struct tcb *tcb, struct stat_entry *e)
{
	struct tern_tcp_info ti;

	tcp_info_fill(s, tcb, &ti);
	e->v[STAT_F_MSS] = ti.snd_mss;
	e->v[STAT_F_PEER_MSS] = ti.peer_mss;
	e->v[STAT_F_CWND] = ti.cwnd;
	e->v[STAT_F_SSTHRESH] = ti.ssthresh;
	e->v[STAT_F_SND_WND] = ti.snd_wnd;
	e->v[STAT_F_RCV_WND] = ti.rcv_wnd;
	e->v[STAT_F_SND_WSCALE] = ti.snd_wscale;
	e->v[STAT_F_RCV_WSCALE] = ti.rcv_wscale;
	e->v[STAT_F_OPTIONS] = ti.options;
	e->v[STAT_F_SRTT_US] = ti.srtt_us;
	e->v[STAT_F_RTTVAR_US] = ti.rttvar_us;
	e->v[STAT_F_RTO_US] = ti.rto_us;
	e->v[STAT_F_INFLIGHT] = ti.inflight;
	e->v[STAT_F_UNSENT] = ti.unsent;
	e->v[STAT_F_SACKED] = ti.sacked;
	e->v[STAT_F_PIPE] = ti.pipe;
	e->v[STAT_F_RETRIES] = ti.retries;
	e->v[STAT_F_BACKOFF] = ti.backoff;
	e->v[STAT_F_DUPACKS] = ti.dupacks;
	e->v[STAT_F_RECOVERY] = ti.sack_recovery ? 2 : ti.in_recovery ? 1 : 0;
	e->v[STAT_F_CC] = ti.cc;
	e->v[STAT_F_RCVBUF] = ti.rcvbuf;
	e->v[STAT_F_SNDBUF] = ti.sndbuf;
	e->v[STAT_F_LAST_RX_MS] = ms_since(s->now_ns, ti.last_rx_ns);
	e->v[STAT_F_LAST_TX_MS] = ms_since(s->now_ns, ti.last_data_tx_ns);
	/* the TCB keeps no byte counters: the sequence space since the
	 * handshake stands in for them (wraps at 4 GiB) */
	if (tcp_state_is_synced(tcb->state)) {
		uint32_t fin = (tcb->flags & TCB_F_PEER_FIN) ? 1 : 0;

		e->v[STAT_F_BYTES_ACKED] = (uint32_t)(tcb->snd.una - tcb->iss - 1) -
			((tcb->flags & TCB_F_FIN_ISSUED) && tcb->snd.una == tcb->snd.max);
		e->v[STAT_F_BYTES_RECEIVED] = (uint32_t)(tcb->rcv.nxt - tcb->irs - 1 - fin);
	}
}

/* TIME-WAIT records (tcp_timewait.c) after the TCBs: positions n_tcbs
 * on walk the record ring by slot; they have no queues and no info. */
static bool
list_time_wait(const struct tern_stack *s, const struct stat_req *req,
	       struct stat_page *pg, uint32_t *pos, uint32_t *budget)
{
	const struct tcp_tw_table *w = &s->tcp->tw;
	uint32_t base = s->tcp->n_tcbs;

	for (; *pos - base < w->cap; (*pos)++) {
		const struct tcp_tw *tw = &w->rec[*pos - base];

		if (stat_page_full(req, pg) || *budget == 0)
			return false;
		(*budget)--;
		if (tw->expire_ns == 0 ||
		    !stat_req_match(req, 6, TCP_ST_TIME_WAIT, tw->lport, tw->rport))
			continue;
		entry_add(pg, TCP_ST_TIME_WAIT, tw->laddr, tw->lport, tw->raddr, tw->rport);
	}
	return true;
}

bool
tcp_list_conns(const struct tern_stack *s, const struct stat_req *req,
	       struct stat_page *pg, uint32_t *pos, uint32_t *budget)
{
	const struct tcp_table *t = s->tcp;

	for (; *pos < t->n_tcbs; (*pos)++) {
		const struct tcb *tcb = &t->tcbs[*pos];
		struct stat_entry *e;

		if (stat_page_full(req, pg) || *budget == 0)
			return false;
		(*budget)--;
		if (tcb->state == TCP_ST_CLOSED ||
		    !stat_req_match(req, 6, tcb->state, tcb->lport, tcb->rport))
			continue;
		e = entry_add(pg, tcb->state, tcb->laddr, tcb->lport, tcb->raddr, tcb->rport);
		e->v[STAT_F_SENDQ] = tcb->sndq.bytes;
		/* what the app has not credited counts while it holds the
		 * connection; after its close nobody will read it */
		e->v[STAT_F_RECVQ] = (tcb->chan != NULL ? tcb->unread : 0) +
				     tcp_reass_bytes(tcb);
		if (req->info)
			entry_info(s, tcb, e);
	}
	return list_time_wait(s, req, pg, pos, budget);
}
