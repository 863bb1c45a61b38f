/* SPDX-License-Identifier: BSD-3-Clause
 *
 * struct tern_stack, the per-lcore object everything hangs off, and the
 * small internal helpers every layer uses with it: counters, staging of
 * frames for transmission and of events for app channels (stack_stage.c),
 * timer kinds. The ground floor: included by every layer of lib/; never
 * by apps. The roof (lib/stack/) creates stacks and runs the loop.
 */
#ifndef TERN_STACK_INTERNAL_H
#define TERN_STACK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <tern/chan.h>
#include <tern/config.h>
#include <tern/stack.h>
#include <tern/stats.h>

#include "core/clock.h"
#include "core/counters.h"
#include "core/stack_mbox.h"
#include "core/timer_wheel.h"

#define STACK_TXB_SIZE 256u		/* frames staged per interface */
#define STACK_EVQ_SIZE 1024u		/* events staged per iteration */
#define STACK_MAX_CHANS 8u
#define STACK_CMD_BURST 64u
#define STACK_CMD_ROUNDS 16u		/* bursts drained per channel per iteration */

/* What an expired wheel entry belongs to: the index into the handler table
 * in stack_poll.c. */
enum stack_timer_kind {
	STACK_TIMER_ARP = 0,
	STACK_TIMER_TCP,
	STACK_TIMER_TCP_TW,		/* the TIME-WAIT ring (one per stack) */
	STACK_TIMER_COUNT
};

struct stack_timer {
	struct tw_entry tw;
	uint8_t kind;			/* enum stack_timer_kind */
};

/* Offload capabilities of an interface's port, decided once per port. */
#define IFACE_CAP_TX_IP_CKSUM 0x01u
#define IFACE_CAP_TX_UDP_CKSUM 0x02u
#define IFACE_CAP_TX_TCP_CKSUM 0x04u
#define IFACE_CAP_TX_TSO 0x08u
#define IFACE_CAP_RX_CKSUM 0x10u
#define IFACE_CAP_RSS 0x20u
#define IFACE_CAP_TX_MULTISEG 0x40u

struct netif_fault;
struct flow_map;
struct steer_domain;

struct stack_iface {
	uint16_t port_id;
	uint16_t queue_id;
	const struct flow_map *flow;	/* who owns a 4-tuple on this port */
	bool is_port;			/* a real ethdev (else virtual) */
	uint16_t mtu;
	uint32_t caps;			/* IFACE_CAP_* */
	uint32_t ip;			/* host order */
	uint32_t mask;			/* host order */
	uint32_t gw;			/* 0 = none */
	struct rte_ether_addr mac;
	struct netif_fault *fault_rx;	/* fault injection; NULL = off */
	struct netif_fault *fault_tx;
	uint16_t txb_len;
	uint16_t txb_deferred;		/* frames at the front already counted as deferred */
	bool tx_took_one;		/* the queue has taken a frame at least once */
	bool tx_stuck_told;		/* the never-served-queue error was logged */
	uint64_t tx_stuck_since_ns;	/* frames waited, none taken, since (0: not yet) */
	struct rte_mbuf *txb[STACK_TXB_SIZE];
};

struct stack_ev {
	struct tern_chan *chan;
	struct tern_event ev;
};

struct arp_table;
struct icmp_table;
struct udp_table;
struct tcp_table;

struct tern_stack {
	/* hot: read every iteration */
	uint64_t now_ns;
	unsigned int lcore_id;
	uint16_t queue_id;		/* this stack's queue on every port */
	uint16_t n_ifaces;
	uint16_t burst;
	struct rte_mempool *pool;
	uint32_t evq_len;
	uint16_t n_chans;

	struct tern_clock clock;
	uint64_t loop_tsc;		/* TSC at the start of the last poll (0: none yet) */
	bool loop_worked;		/* the last poll handled packets, commands or timers */
	struct timer_wheel *wheel;
	struct arp_table *arp;
	struct icmp_table *icmp;
	struct udp_table *udp;
	struct tcp_table *tcp;
	struct steer_domain *steer;	/* NULL: one queue, nothing to steer */
	tern_tap_fn tap;		/* capture tap on RX bursts and TX flushes; NULL = off */
	void *tap_arg;

	uint16_t ephemeral_next;	/* UDP ephemeral port cursor */
	struct tern_config cfg;		/* copy, for the settings layers read */

	struct tern_chan *chans[STACK_MAX_CHANS];
	struct stack_iface iface[TERN_MAX_IFACES];
	struct stack_ev evq[STACK_EVQ_SIZE];

	uint64_t ctr[CTR_COUNT] __rte_cache_aligned;
	/* the loop-gap recorder (stack/stack_poll.c): one bucket of each
	 * histogram a poll touches is hot, the rest stays cold */
	struct tern_loop_hist loop_hist[TERN_LOOP_KIND_COUNT] __rte_cache_aligned;

	/* cold: listings for other threads (tern-stat), served between
	 * iterations (core/stack_mbox.h) */
	struct stack_mbox mbox __rte_cache_aligned;
};

static inline void
stack_ctr_inc(struct tern_stack *s, unsigned int id)
{
	s->ctr[id]++;
}

static inline void
stack_ctr_add(struct tern_stack *s, unsigned int id, uint64_t n)
{
	s->ctr[id] += n;
}

/* Count a drop and free the packet. */
static inline void
stack_drop(struct tern_stack *s, struct rte_mbuf *m, unsigned int id)
{
	stack_ctr_inc(s, id);
	rte_pktmbuf_free(m);
}

/* Clear RX metadata before an mbuf is reused for output, keeping the flags
 * that describe its buffer (indirect/external). */
static inline void
stack_mbuf_reset_tx(struct rte_mbuf *m)
{
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	m->packet_type = 0;
	m->tx_offload = 0;
}

/* Cut packet `m` down to `len` bytes (len <= pkt_len), freeing segments
 * that end up empty: rte_pktmbuf_trim only trims within the last segment. */
void stack_mbuf_trim_to(struct rte_mbuf *m, uint32_t len);

/* True when every segment but the last has an even length. Offloaded L4
 * checksums of chains with an odd-length interior segment come out wrong
 * on some PMDs (net_tap in DPDK 22.11 sums segments separately), so such
 * frames get their checksum in software. */
static inline bool
stack_chain_cksum_offload_ok(const struct rte_mbuf *m)
{
	for (; m->next != NULL; m = m->next)
		if (m->data_len & 1)
			return false;
	return true;
}

/* Stage a complete frame for transmission on interface `i`; flushed by the
 * loop (or drained by an embedding app). Never flushes: drops and counts
 * when the staging area is full. */
void stack_tx(struct tern_stack *s, uint16_t i, struct rte_mbuf *m);

/* Whether interface `i` (a real port) can stage `want` more frames. Output
 * asks before building and reports its work "held" when not: the loop then
 * flushes and runs output again, so a port whose queue stays full holds
 * work back instead of dropping it. A virtual interface always says yes:
 * its embedder drains it. */
bool stack_tx_room(struct tern_stack *s, uint16_t i, uint16_t want);

/* Stage an event for `chan`; delivered by the loop after input processing.
 * Never flushes: frees the event's mbuf and counts when the staging area is
 * full (the loop flushes whenever it is half full). */
void stack_event(struct tern_stack *s, struct tern_chan *chan,
		 const struct tern_event *ev);

/* Arm/cancel a stack timer. */
static inline void
stack_timer_arm(struct tern_stack *s, struct stack_timer *t, uint64_t deadline_ns)
{
	tw_arm(s->wheel, &t->tw, deadline_ns);
}

static inline void
stack_timer_cancel(struct tern_stack *s, struct stack_timer *t)
{
	tw_cancel(s->wheel, &t->tw);
}

#endif
