/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Input dispatch, the roof over the protocol layers: a received frame goes
 * eth_input -> arp_input | ip4_input -> icmp_input | udp_input | tcp_input,
 * and an ICMP destination unreachable goes back up to the transport it
 * quotes. Each layer validates its own header and returns what comes next;
 * only this file knows every layer, so no layer calls the one above it.
 * Before that, every frame of a burst is looked at once (frame_peek): its
 * flow's 4-tuple and hash decide which lcore owns it (flow_owner over the
 * port's flow map). A frame owned elsewhere goes to its owner through the
 * steering rings (stack_steer.c), never answered here; an ARP frame is
 * also copied to every other lcore, which only learns from the copy. The
 * tuples and hashes of the frames kept then drive the TCP table's bulk
 * lookup. Called by tern_stack_poll (stack_poll.c) per RX burst and per
 * batch taken from the steering rings, and by embedding apps through
 * tern_stack_input (which owns every frame it is given).
 */
#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "core/stack_private.h"
#include "ip/arp.h"
#include "flow/flow_map.h"
#include "ip/ip4.h"
#include "stack/stack_loop.h"
#include "stack/stack_steer.h"
#include "tcp/tcp_private.h"
#include "udp/udp_private.h"
#include "wire/eth_hdr.h"
#include "wire/frame_peek.h"
#include "wire/ip4_hdr.h"

#define FLOW_OWNER_ANY UINT16_MAX	/* whoever received it */

static void
ip4_dispatch(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m)
{
	struct ip4_hdr_v ip;
	struct icmp_unreach u;

	switch (ip4_input(s, iface, m, &ip)) {
	case IP4_PROTO_TCP:
		tcp_input(s, iface, m, &ip);
		break;
	case IP4_PROTO_UDP:
		udp_input(s, iface, m, &ip);
		break;
	case IP4_PROTO_ICMP:
		if (icmp_input(s, iface, m, &ip, &u)) {
			udp_icmp_unreach(s, u.code, u.quote, u.len);
			rte_pktmbuf_free(m);
		}
		break;
	default:			/* dropped and counted by ip4_input */
		break;
	}
}

static void
frame_dispatch(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	       bool from_peer)
{
	switch (eth_input(s, iface, m)) {
	case ETHERTYPE_IPV4:
		ip4_dispatch(s, iface, m);
		break;
	case ETHERTYPE_ARP:
		arp_input(s, iface, m, from_peer);
		break;
	default:			/* dropped and counted by eth_input */
		break;
	}
}

/* Peek at the frame and hash its flow with the port's function (the NIC's
 * own RSS hash when it delivered one that tern can predict). */
static void
classify(const struct stack_iface *f, const struct rte_mbuf *m, struct frame_tuple *x)
{
	struct flow_tuple t;

	frame_peek(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), x);
	x->hash = 0;
	if (x->kind < FRAME_TCP)
		return;
	t = (struct flow_tuple){ .raddr = x->raddr, .laddr = x->laddr,
				 .rport = x->rport, .lport = x->lport,
				 .proto = x->proto };
	if (f->flow->mode == FLOW_MODE_RSS && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) &&
	    !flow_is_udp_ephemeral(f->flow, &t))
		x->hash = m->hash.rss;
	else
		x->hash = flow_hash(f->flow, &t);
}

static uint16_t
owner_of(const struct stack_iface *f, const struct frame_tuple *x)
{
	struct flow_tuple t;

	if (x->kind < FRAME_TCP)
		return FLOW_OWNER_ANY;
	t = (struct flow_tuple){ .raddr = x->raddr, .laddr = x->laddr,
				 .rport = x->rport, .lport = x->lport,
				 .proto = x->proto };
	if (flow_is_udp_ephemeral(f->flow, &t))
		return flow_owner(f->flow, &t, NULL);
	return flow_queue_of_hash(f->flow, x->hash);
}

/* Process frames this stack owns: the TCP table's bulk lookup first, then
 * each frame through the layers. */
static void
input_owned(struct tern_stack *s, uint16_t iface, struct rte_mbuf **pkts,
	    const struct frame_tuple *meta, uint16_t n, bool from_peer)
{
	uint16_t k;

	tcp_conn_lookup_burst(s, iface, pkts, meta, n);
	for (k = 0; k < n; k++) {
		if (k + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[k + 1], void *));
		frame_dispatch(s, iface, pkts[k], from_peer);
		stack_flush_if_high(s);
	}
	tcp_conn_burst_done(s);
}

void
stack_rx_burst(struct tern_stack *s, uint16_t iface, struct rte_mbuf **pkts,
	       uint16_t n, bool from_peer)
{
	const struct stack_iface *f = &s->iface[iface];
	struct frame_tuple meta[STACK_TXB_SIZE];
	struct rte_mbuf *away[STACK_TXB_SIZE];
	uint16_t to[STACK_TXB_SIZE];
	uint16_t k, kept = 0, n_away = 0;

	stack_ctr_add(s, CTR_RX_PKTS, from_peer ? 0 : n);
	for (k = 0; k < n; k++) {
		struct rte_mbuf *m = pkts[k];
		uint16_t owner;

		classify(f, m, &meta[kept]);
		if (s->steer != NULL && !from_peer) {
			owner = owner_of(f, &meta[kept]);
			if (owner != FLOW_OWNER_ANY && owner != s->queue_id) {
				m->port = f->port_id;	/* not every PMD sets it */
				away[n_away] = m;
				to[n_away++] = owner;
				continue;
			}
			if (meta[kept].kind == FRAME_ARP)
				steer_share(s, m, f->port_id);
		}
		pkts[kept++] = m;
	}
	if (n_away > 0)
		steer_burst(s, away, to, n_away);
	input_owned(s, iface, pkts, meta, kept, from_peer);
}

void
tern_stack_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf **pkts,
		 uint16_t n, uint64_t now_ns)
{
	struct frame_tuple meta[STACK_TXB_SIZE];
	uint16_t done = 0;

	s->now_ns = now_ns;
	if (unlikely(iface >= s->n_ifaces)) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	/* an embedder owns every frame it hands in: nothing is steered */
	stack_ctr_add(s, CTR_RX_PKTS, n);
	while (done < n) {
		uint16_t b = RTE_MIN((uint16_t)(n - done), (uint16_t)STACK_TXB_SIZE), k;

		for (k = 0; k < b; k++)
			classify(&s->iface[iface], pkts[done + k], &meta[k]);
		input_owned(s, iface, pkts + done, meta, b, false);
		done += b;
	}
}
