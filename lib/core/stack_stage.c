/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The staging calls every layer uses: frames to transmit per interface
 * (stack_tx) and events for app channels (stack_event), plus small mbuf
 * helpers. A staging call never flushes: when a staging area is full the
 * frame or event is dropped and counted, and TCP output asks
 * stack_tx_room() first and holds its work back instead. The loop
 * (lib/stack/stack_poll.c) owns every flush.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "core/stack_private.h"

void
stack_mbuf_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m, *rest;
	uint32_t left = len;
	uint16_t nb = 1;

	if (len >= rte_pktmbuf_pkt_len(m))
		return;
	while (seg->data_len < left && seg->next != NULL) {
		left -= seg->data_len;
		seg = seg->next;
		nb++;
	}
	seg->data_len = (uint16_t)left;
	rest = seg->next;
	seg->next = NULL;
	m->nb_segs = nb;
	m->pkt_len = len;
	rte_pktmbuf_free(rest);
}

bool
stack_tx_room(struct tern_stack *s, uint16_t i, uint16_t want)
{
	struct stack_iface *f = &s->iface[i];

	return !f->is_port || STACK_TXB_SIZE - f->txb_len >= want;
}

void
stack_tx(struct tern_stack *s, uint16_t i, struct rte_mbuf *m)
{
	struct stack_iface *f = &s->iface[i];

	if (unlikely(f->txb_len == STACK_TXB_SIZE)) {
		stack_drop(s, m, CTR_TX_DROP_FULL);
		return;
	}
	f->txb[f->txb_len++] = m;
}

void
stack_event(struct tern_stack *s, struct tern_chan *chan,
	    const struct tern_event *ev)
{
	if (unlikely(s->evq_len == STACK_EVQ_SIZE)) {
		stack_drop(s, ev->m, CTR_CHAN_EV_FULL);
		return;
	}
	s->evq[s->evq_len].chan = chan;
	s->evq[s->evq_len].ev = *ev;
	s->evq_len++;
}
