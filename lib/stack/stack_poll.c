/* SPDX-License-Identifier: BSD-3-Clause
 *
 * One loop iteration, run to completion on the stack's lcore:
 *   now = clock (the only clock read)
 *   rx burst per interface -> tern_stack_input() (stack_input.c)
 *   tern_stack_process(): deliver staged events, drain app commands,
 *   run expired timers, build TCP output
 *   tx flush per interface
 *   (busy/idle cycles and the loop-gap histograms are recorded at the
 *   start and, for a poll that did work, the end of each iteration)
 *   (a pending listing request from tern-stat is answered at the end of
 *   tern_stack_process(), when every TCB is between events)
 * The loop owns every flush: protocol layers only stage frames and events
 * (core/stack_stage.c), and this file delivers and transmits them, also
 * between frames, command bursts and timer batches once a staging area is
 * half full, and between rounds of TCP output that reported "held".
 * Embedding apps call tern_stack_input/process/tx_drain themselves.
 * A capture tap (tern_stack_set_tap, for --pcap) sees each RX burst before
 * input and each TX flush before the burst.
 */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "core/stack_private.h"
#include "ip/arp.h"
#include "netif/netif_private.h"
#include "chan/chan_private.h"
#include "stack/stack_loop.h"
#include "stack/stack_steer.h"
#include "udp/udp_private.h"
#include "tcp/tcp_private.h"

typedef void (*stack_timer_fn)(struct tern_stack *s, struct stack_timer *t,
			       uint64_t now_ns);

/* Timer handlers by kind: data, not protocol logic. */
static const stack_timer_fn timer_handlers[STACK_TIMER_COUNT] = {
	[STACK_TIMER_ARP] = arp_timer_expired,
	[STACK_TIMER_TCP] = tcp_timer_expired,
	[STACK_TIMER_TCP_TW] = tcp_tw_expired,
};

static void
timers_run(struct tern_stack *s, uint64_t now_ns)
{
	struct tw_list expired;
	struct tw_entry *e;

	tw_list_init(&expired);
	if (tw_expire(s->wheel, now_ns, &expired) == 0)
		return;
	stack_ctr_add(s, CTR_TIMER_EXPIRED, expired.count);
	while ((e = tw_list_pop(&expired)) != NULL) {
		struct stack_timer *t = container_of(e, struct stack_timer, tw);

		if (likely(t->kind < STACK_TIMER_COUNT))
			timer_handlers[t->kind](s, t, now_ns);
		stack_flush_if_high(s);
	}
}

static void
commands_apply(struct tern_stack *s, struct tern_chan *c,
	       const struct tern_cmd *cmd, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		switch (cmd[k].type) {
		case TERN_CMD_UDP_BIND:
			udp_cmd_bind(s, c, &cmd[k]);
			break;
		case TERN_CMD_UDP_SENDTO:
			udp_cmd_sendto(s, c, &cmd[k]);
			break;
		case TERN_CMD_UDP_CLOSE:
			udp_cmd_close(s, c, &cmd[k]);
			break;
		case TERN_CMD_TCP_LISTEN:
		case TERN_CMD_TCP_UNLISTEN:
		case TERN_CMD_TCP_CONNECT:
		case TERN_CMD_TCP_SEND:
		case TERN_CMD_TCP_RECVD:
		case TERN_CMD_TCP_SHUTDOWN:
		case TERN_CMD_TCP_CLOSE:
		case TERN_CMD_TCP_ABORT:
		case TERN_CMD_TCP_NODELAY:
		case TERN_CMD_TCP_CC:
		case TERN_CMD_TCP_SETOPT:
			tcp_cmd_run(s, c, &cmd[k]);
			break;
		default: {
			struct tern_event ev = {
				.type = TERN_EV_CMD_ERROR, .status = -EINVAL,
				.cookie = cmd[k].cookie, .handle = cmd[k].handle,
			};

			stack_ctr_inc(s, CTR_CHAN_CMD_BAD);
			rte_pktmbuf_free(cmd[k].m);
			stack_event(s, c, &ev);
			break;
		}
		}
	}
}

static unsigned int
commands_run(struct tern_stack *s)
{
	struct tern_cmd cmd[STACK_CMD_BURST];
	unsigned int total = 0;
	uint16_t c;

	for (c = 0; c < s->n_chans; c++) {
		unsigned int n, rounds = 0;

		/* drain up to STACK_CMD_ROUNDS bursts: an app answering a burst
		 * of events issues more than one command per event */
		do {
			n = chan_cmds_take(s->chans[c], cmd, STACK_CMD_BURST);
			stack_ctr_add(s, CTR_CHAN_CMD, n);
			commands_apply(s, s->chans[c], cmd, n);
			stack_flush_if_high(s);
			total += n;
		} while (n == STACK_CMD_BURST && ++rounds < STACK_CMD_ROUNDS);
	}
	return total;
}

/* TCP output stops ("held") when a port's staging area has no room; the
 * loop then transmits and lets output go on, until the port's queue itself
 * refuses frames: the rest waits for the next iteration. */
static void
output_run(struct tern_stack *s)
{
	uint16_t i;

	while (tcp_output_run(s)) {
		uint32_t before = 0, after = 0;

		for (i = 0; i < s->n_ifaces; i++)
			before += s->iface[i].txb_len;
		stack_tx_flush(s);
		for (i = 0; i < s->n_ifaces; i++)
			after += s->iface[i].txb_len;
		if (after == before)
			break;
	}
}

/* A listing request from another thread (tern-stat): one relaxed load of a
 * line only requesters write, so it stays in this core's cache while
 * nobody asks; the page is built here, between protocol work. */
static inline void
mbox_poll(struct tern_stack *s)
{
	if (unlikely(__atomic_load_n(&s->mbox.req_seq, __ATOMIC_RELAXED) !=
		     s->mbox.done_seq))
		stack_mbox_serve(s);
}

static unsigned int
process(struct tern_stack *s, uint64_t now_ns)
{
	unsigned int work;

	s->now_ns = now_ns;
	stack_events_flush(s);
	work = commands_run(s);
	timers_run(s, now_ns);
	output_run(s);
	/* events raised by commands and timers go out in the same iteration */
	stack_events_flush(s);
	mbox_poll(s);
	return work;
}

void
tern_stack_process(struct tern_stack *s, uint64_t now_ns)
{
	process(s, now_ns);
}

static uint16_t
iface_of_port(const struct tern_stack *s, uint16_t port)
{
	uint16_t i;

	for (i = 0; i < s->n_ifaces; i++)
		if (s->iface[i].is_port && s->iface[i].port_id == port)
			return i;
	return s->n_ifaces;
}

/* Frames other stacks received for flows this one owns, by port. */
static unsigned int
steered_run(struct tern_stack *s)
{
	struct rte_mbuf *pkts[STACK_TXB_SIZE];
	uint16_t q, nq = steer_queues(s);
	unsigned int work = 0;

	for (q = 0; q < nq; q++) {
		uint16_t n = steer_take(s, q, pkts, s->burst), k = 0;

		while (k < n) {
			uint16_t port = pkts[k]->port, run = 1, i, j;

			while (k + run < n && pkts[k + run]->port == port)
				run++;
			i = iface_of_port(s, port);
			if (i < s->n_ifaces)
				stack_rx_burst(s, i, pkts + k, run, true);
			else		/* cannot happen: every stack has every port */
				for (j = 0; j < run; j++)
					stack_drop(s, pkts[k + j], CTR_FLOW_NO_OWNER);
			k += run;
		}
		work += n;
	}
	return work;
}

/* The loop-gap recorder: the bucket of a time is the bit length of its
 * whole microseconds (0: under 1 us; b: below 2^b us), the last bucket
 * taking everything from about a second on. A divide by a constant, a
 * count-leading-zeros and one increment: a few cycles per poll. */
static inline void
loop_hist_add(struct tern_stack *s, enum tern_loop_kind kind, uint64_t cycles)
{
	struct tern_loop_hist *h = &s->loop_hist[kind];
	uint64_t ns = tern_clock_cycles_ns(&s->clock, cycles), us = ns / 1000;
	unsigned int b = us == 0 ? 0 : 64 - (unsigned int)__builtin_clzll(us);

	h->count[RTE_MIN(b, TERN_LOOP_BUCKETS - 1u)]++;
	if (unlikely(ns > h->max_ns))
		h->max_ns = ns;
}

/* Busy/idle accounting at the start of a poll: the time since the last
 * poll started belongs to that poll, busy when it handled something (the
 * app's work on what it delivered is in there too), idle otherwise. The
 * TSC read is the clock's. */
static inline void
loop_begin(struct tern_stack *s, uint64_t tsc)
{
	if (likely(s->loop_tsc != 0)) {
		uint64_t d = tsc - s->loop_tsc;

		if (s->loop_worked) {
			stack_ctr_add(s, CTR_LOOP_BUSY_CYCLES, d);
			stack_ctr_inc(s, CTR_LOOP_BUSY_POLLS);
			loop_hist_add(s, TERN_LOOP_GAP_BUSY, d);
		} else {
			stack_ctr_add(s, CTR_LOOP_IDLE_CYCLES, d);
			loop_hist_add(s, TERN_LOOP_GAP_IDLE, d);
		}
	}
	s->loop_tsc = tsc;
}

/* A poll that did work reads the TSC a second time, so tern's own share
 * (and a long iteration: a timer cascade, a full TX queue) is known apart
 * from the app's; idle polls, the common case when lightly loaded, skip it. */
static inline void
loop_end(struct tern_stack *s, bool worked)
{
	s->loop_worked = worked;
	if (worked) {
		uint64_t d = tern_clock_tsc(&s->clock) - s->loop_tsc;

		stack_ctr_add(s, CTR_LOOP_WORK_CYCLES, d);
		loop_hist_add(s, TERN_LOOP_WORK, d);
	}
}

unsigned int
tern_stack_poll(struct tern_stack *s)
{
	struct rte_mbuf *pkts[STACK_TXB_SIZE];
	uint64_t tsc = tern_clock_tsc(&s->clock);
	uint64_t now = tern_clock_ns_at(&s->clock, tsc);
	uint64_t timers = s->ctr[CTR_TIMER_EXPIRED];
	unsigned int work = 0;
	uint16_t i;

	loop_begin(s, tsc);
	s->now_ns = now;		/* the RX fault filter's clock */
	for (i = 0; i < s->n_ifaces; i++) {
		uint16_t n;

		if (!s->iface[i].is_port)
			continue;
		n = netif_rx(s, i, pkts, s->burst);
		if (n == 0)
			continue;
		if (unlikely(s->tap != NULL))
			s->tap(s->tap_arg, s->iface[i].port_id, s->iface[i].queue_id,
			       TERN_TAP_RX, pkts, n);
		stack_rx_burst(s, i, pkts, n, false);
		work += n;
	}
	if (s->steer != NULL)
		work += steered_run(s);
	work += process(s, now);
	stack_tx_flush(s);
	/* a poll that only ran timers did work too (and may have been long) */
	loop_end(s, work != 0 || s->ctr[CTR_TIMER_EXPIRED] != timers);
	return work;
}

/* The capture tap sees each frame once, on its first flush: the frames at
 * the front that an earlier flush deferred (txb_deferred) were shown then. */
static inline void
iface_flush(struct tern_stack *s, uint16_t i)
{
	struct stack_iface *f = &s->iface[i];

	if (unlikely(s->tap != NULL) && f->is_port && f->txb_len > f->txb_deferred)
		s->tap(s->tap_arg, f->port_id, f->queue_id, TERN_TAP_TX,
		       f->txb + f->txb_deferred, f->txb_len - f->txb_deferred);
	netif_tx_flush(s, i);
}

void
stack_tx_flush(struct tern_stack *s)
{
	uint16_t i;

	for (i = 0; i < s->n_ifaces; i++)
		iface_flush(s, i);
}

void
stack_flush_if_high(struct tern_stack *s)
{
	uint16_t i;

	if (unlikely(s->evq_len >= STACK_EVQ_SIZE / 2))
		stack_events_flush(s);
	for (i = 0; i < s->n_ifaces; i++)
		if (unlikely(s->iface[i].txb_len >= STACK_TXB_SIZE / 2))
			iface_flush(s, i);
}

void
stack_events_flush(struct tern_stack *s)
{
	uint32_t i;

	for (i = 0; i < s->evq_len; i++) {
		struct stack_ev *e = &s->evq[i];

		if (chan_event_put(e->chan, &e->ev) == 0)
			stack_ctr_inc(s, CTR_CHAN_EV);
		else
			stack_drop(s, e->ev.m, CTR_CHAN_EV_FULL);
	}
	s->evq_len = 0;
}


