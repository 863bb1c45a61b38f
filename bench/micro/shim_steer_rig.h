/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Shared by the steering fixtures (shim_steer.c: the hop and its parts;
 * shim_steer_conn.c: the active open), built in shim_steer_rig.c: what
 * tests/stack/test_steer.c builds, a net_ring port (rte_eth_from_rings, an
 * RX and a TX rte_ring per queue) set up by tern_netif_setup, which picks
 * software steering for it with two queues, and a stack and a channel per
 * queue: queue 0's on the main lcore, queue 1's for lcore 1 (the registry
 * holds one stack per lcore id; EAL runs with lcores 0-1). Also the
 * frames the hop sends, timed polls and medians. C only.
 */
#ifndef TERN_BENCH_SHIM_STEER_RIG_H
#define TERN_BENCH_SHIM_STEER_RIG_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include <tern/tern.h>

#include "frames.h"
#include "shim_steer.h"

struct flow_map;
struct rte_mempool;
struct rte_ring;

#define NQ_MAX 2u
#define CLOSED_PORT 9			/* no listener, no connection */
#define FRAME_MAX 128u
#define BURST BENCH_STEER_BURST

struct rig {
	uint16_t nq;
	struct rte_ring *rx[NQ_MAX];
	struct rte_ring *tx[NQ_MAX];
	struct tern_config cfg;
	int port;
	struct rte_ether_addr port_mac;
	const struct flow_map *map;
	struct tern_stack *s[NQ_MAX];
	struct tern_chan *c[NQ_MAX];
	unsigned int lcore1;
};

/* Per-round figures, for medians. */
struct samples {
	double *v;
	size_t n;
	size_t cap;
};

/* 32 TCP RSTs from the peer to CLOSED_PORT, every flow owned by queue 1. */
struct frames {
	uint8_t b[BURST][FRAME_MAX];
	uint16_t len[BURST];
};


/** The process's mbuf pool (per-lcore caches: rte_mempool_in_use_count
 *  counts cached mbufs as free, so it is exact while nobody allocates);
 *  brings EAL up with lcores 0-1 first. NULL on failure. */
struct rte_mempool *rig_pool(void);

/** Port, rings and a stack with a channel per queue, the gratuitous ARPs
 *  polled out and freed. 0, or -1 with a message (nothing left built). */
int rig_up(struct rig *r, uint16_t nq);
void rig_down(struct rig *r);

/** Free every mbuf left in `ring` (NULL: nothing). */
void rig_ring_drain(struct rte_ring *ring);

/** The queue that owns TCP from the peer's `rport` to our `lport`. */
uint16_t rig_owner(const struct rig *r, uint16_t rport, uint16_t lport);

/** IPv4 addressing of a frame from the peer to the port. */
struct frame_ip rig_from_peer(const struct rig *r);

/** TSC ticks of one tern_stack_poll(s), rte_rdtsc_precise on both sides. */
uint64_t rig_poll_timed(struct tern_stack *s);

void samples_add(struct samples *x, double v);
/** The median (0 with no samples). */
double samples_median(const struct samples *x);

/** The first 32 source ports from 40000 whose flows queue 1 owns in
 *  `map`: RSTs to CLOSED_PORT, frames to `dst`. 0 or -1. */
int frames_build(struct frames *fr, const struct flow_map *map,
		 const struct rte_ether_addr *dst);

#endif
