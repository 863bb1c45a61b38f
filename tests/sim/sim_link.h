/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Two tern stacks in one process joined by a seeded in-memory link, in
 * simulated time. Node 0 (A) is 198.18.0.2 on lcore id 0, node 1 (B) is
 * 198.18.0.3 on lcore id 1, each on a virtual interface. sim_step() moves
 * the clock: frames whose delivery time has come are fed to the other
 * stack (tern_stack_input), both stacks run (tern_stack_process) and what
 * they sent (tern_stack_tx_drain) enters the per-direction delay queue.
 * Every frame passes sim_fault(), where a seeded generator may drop,
 * duplicate or delay it (all off by default: no loss yet), so the tests
 * stay deterministic for a given seed.
 */
#ifndef TERN_SIM_LINK_H
#define TERN_SIM_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

#define SIM_A_IP ((198u << 24) | (18u << 16) | 2u)
#define SIM_B_IP ((198u << 24) | (18u << 16) | 3u)
#define SIM_QCAP 65536u		/* frames queued per direction */

struct sim_pkt {
	struct rte_mbuf *m;
	uint64_t due_ns;
};

/* Faults applied to a direction (parts per million; all 0 = perfect). */
struct sim_faults {
	uint32_t drop_ppm;
	uint32_t dup_ppm;
	uint32_t delay_ppm;		/* this share gets extra_delay_ns more */
	uint64_t extra_delay_ns;	/* (which reorders it) */
};

struct sim_dir {
	struct sim_pkt *q;		/* ring sorted by due_ns */
	uint32_t head, len;
	uint64_t delay_ns;
	struct sim_faults faults;
	uint64_t frames, bytes, dropped, duplicated, delayed, overflow;
	uint64_t chained;		/* frames the stack sent as mbuf chains */
};

struct sim_node {
	struct tern_stack *s;
	struct tern_chan *c;
};

struct sim {
	struct sim_node node[2];
	struct sim_dir dir[2];		/* dir[i]: from node i to node 1 - i */
	uint64_t now;
	uint64_t rng;
	struct rte_mempool *pool;
};

/* Base configuration for both nodes (addresses filled in by sim_init). */
void sim_config(struct tern_config *cfg);
/* Create both stacks from `cfg` on `pool`, one-way delay `delay_ns`,
 * generator seeded with `seed`. */
void sim_init(struct sim *sim, const struct tern_config *cfg, struct rte_mempool *pool,
	      uint64_t delay_ns, uint64_t seed);
/* Advance the clock by dt_ns: deliver due frames, run both stacks, queue
 * what they sent. Returns the frames delivered. */
unsigned int sim_step(struct sim *sim, uint64_t dt_ns);
/* Frames queued in both directions. */
uint32_t sim_in_flight(const struct sim *sim);
/* Drop everything queued, free both stacks. */
void sim_fini(struct sim *sim);
/* Print the counters of node i that are not zero. */
void sim_print_counters(const struct sim *sim, unsigned int i);
uint64_t sim_ctr(const struct sim *sim, unsigned int i, unsigned int id);

/* Deterministic generator (xorshift64*). */
uint64_t sim_rand(uint64_t *state);

#endif
