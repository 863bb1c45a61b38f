/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The C side of bench_steer.cc (shim_steer.c): two stacks sharing one
 * two-queue net_ring port in software steering mode, and the operations
 * timed on them. Only plain C types cross into the C++.
 */
#ifndef TERN_BENCH_SHIM_STEER_H
#define TERN_BENCH_SHIM_STEER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_STEER_BURST 32u

/** Who polls the owner's stack (queue 1): the main lcore, like queue 0's
 *  (caches shared, the hop's bookkeeping alone), or lcore 1 (the frames'
 *  and the ring's cache lines travel between cores, as in production). */
enum bench_steer_mode {
	BENCH_STEER_ONE_CORE,
	BENCH_STEER_TWO_CORES,
	BENCH_STEER_MODE_COUNT
};

/** A short name for `mode` (labels). */
const char *bench_steer_mode_name(unsigned int mode);

/* ---- the steering hop ---------------------------------------------- */

struct bench_steer;

/** EAL (lcores 0-1, once per process), a net_ring port with two RX and
 *  two TX rings set up by tern_netif_setup for two queues, and stacks on
 *  queues 0 and 1. NULL with a message on failure. One at a time. */
struct bench_steer *bench_steer_create(unsigned int mode);

/** One round, each poll timed alone with the TSC:
 *   send    32 frames owned by queue 1 on RX ring 0, poll queue 0's stack
 *           (it steers them all), then its poll on an empty ring;
 *   peer    queue 1's stack takes them from the steering ring and
 *           processes them, then its empty poll;
 *   direct  the same 32 frames on RX ring 1, poll queue 1's stack.
 *  Building the frames and checking the counters stay untimed. Returns
 *  the seconds of the two loaded polls a steered burst costs (send and
 *  peer). */
double bench_steer_round(struct bench_steer *b);

/** Per-frame TSC ticks, medians over the rounds so far. */
struct bench_steer_figures {
	double send;		/* (send - empty poll of queue 0) / 32 */
	double peer;		/* (peer - empty poll of queue 1) / 32 */
	double direct;		/* (direct - empty poll of queue 1) / 32 */
	double hop;		/* send + peer - direct, per round */
	double empty0;		/* an empty poll of queue 0's stack (per poll) */
	double empty1;		/* and of queue 1's */
	double tsc_per_ns;
};
void bench_steer_figures(const struct bench_steer *b, struct bench_steer_figures *f);

/** 0 when every round moved exactly what it should (flow_rx_steered and
 *  flow_rx_from_peer by 32 each, 32 frames dropped as tcp_rx_no_conn by
 *  queue 1 and none by queue 0, nothing transmitted, no steering drop)
 *  and the mbuf pool is at its baseline; else -1 with a message. */
int bench_steer_check(const struct bench_steer *b);

/** Tear down; -1 (with a message) if mbufs stayed out. */
int bench_steer_free(struct bench_steer *b);

/* ---- the hop's parts, alone ---------------------------------------- */

/* What the hop adds, one piece at a time, on one core with hot caches: an
 * SP/SC ring of the steering rings' size and 32 of the hop's frames in
 * mbufs, kept for the run. */
struct bench_steer_parts;

struct bench_steer_parts *bench_steer_parts_create(void);
/** 32 rte_ring_sp_enqueue (as steer_to does, frame by frame), then the
 *  owner's rte_ring_sc_dequeue_burst. Returns frames dequeued. */
unsigned int bench_steer_parts_ring_single(struct bench_steer_parts *p);
/** One rte_ring_sp_enqueue_burst of 32, then the dequeue burst. */
unsigned int bench_steer_parts_ring_burst(struct bench_steer_parts *p);
/** The owner's second look at each of the 32 frames: frame_peek, the
 *  software flow hash, the queue of the hash (as stack_input.c's
 *  classify, then owner_of, on the sender). Returns frames of queue 1. */
unsigned int bench_steer_parts_peek(struct bench_steer_parts *p);
/** 0 when the last dequeue returned the frames in order, the last peek
 *  found every tuple and hash, and no burst came up short. */
int bench_steer_parts_check(const struct bench_steer_parts *p);
int bench_steer_parts_free(struct bench_steer_parts *p);
/** CPU time of the calling thread, ns: on a shared machine a wall-clock
 *  TSC difference would also count other processes' time slices. */
uint64_t bench_steer_cpu_ns(void);

/* ---- an active open through the channel ------------------------------ */

struct bench_conn;

/** One stack on queue 0 of a net_ring port with `n_queues` (1 or 2; with
 *  2, a second stack serves queue 1 and steering is on), the peer's MAC
 *  learnt from its ARP request. NULL with a message on failure. */
struct bench_conn *bench_conn_create(uint16_t n_queues);

/** tern_tcp_connect to the peer from an ephemeral port, queued untimed;
 *  the poll of queue 0's stack that runs it (port choice, TCB, SYN out on
 *  TX ring 0) timed. Then, untimed, the SYN is checked and the peer's RST
 *  closes the connection. Returns the seconds of the timed poll; its
 *  ticks minus those of an empty poll just after are recorded
 *  (bench_conn_cycles). */
double bench_conn_connect(struct bench_conn *c);

/** Median over the opens so far of that difference (TSC ticks). */
double bench_conn_cycles(const struct bench_conn *c);

/** 0 when every SYN left on queue 0 from a port whose replies queue 0
 *  owns, every connection closed, and the pool is at its baseline. */
int bench_conn_check(const struct bench_conn *c);
int bench_conn_free(struct bench_conn *c);

/** TSC ticks per ns. */
double bench_steer_tsc_per_ns(void);

#ifdef __cplusplus
}
#endif

#endif
