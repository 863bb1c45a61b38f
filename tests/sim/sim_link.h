/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Two tern stacks in one process joined by a seeded in-memory link, in
 * simulated time. Node 0 (A) is 198.18.0.2 on lcore id 0, node 1 (B) is
 * 198.18.0.3 on lcore id 1, each on a virtual interface. sim_step() moves
 * the clock: frames whose delivery time has come are fed to the other
 * stack (tern_stack_input), both stacks run (tern_stack_process) and what
 * they sent (tern_stack_tx_drain) is copied (one contiguous frame, as a
 * NIC receives it) and handed to the direction's fault model, in this
 * order (all off by default: a perfect link with a fixed delay):
 *
 *   filter hook -> random drop -> Gilbert-Elliott burst drop
 *     -> bottleneck (rate-limited FIFO, bounded in packets, tail drop,
 *        optionally marking CE above a queue length)
 *     -> duplicate (the copy is clean) -> bit flip -> reorder (extra
 *     delay) -> delay line
 *
 * Each direction has its own generator, seeded from the sim seed, so a
 * run is deterministic for a given seed and the faults of one direction
 * do not shift the random sequence of the other.
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

/* Test hook: return true to drop frame `m` (contiguous, Ethernet first)
 * leaving node `from` at `now_ns`. Runs before every other fault. */
typedef bool (*sim_filter_fn)(void *arg, unsigned int from, const struct rte_mbuf *m,
			      uint64_t now_ns);

/* Faults applied to a direction; probabilities in parts per million;
 * all 0 = a perfect link of infinite rate. */
struct sim_faults {
	uint32_t drop_ppm;		/* independent random drop */
	/* Gilbert-Elliott two-state channel: Good -> Bad with ge_p_ppm per
	 * frame, Bad -> Good with ge_r_ppm; a frame is lost with ge_loss_bad_ppm
	 * in Bad and ge_loss_good_ppm in Good (mean burst 1/r frames, loss
	 * share p / (p + r) when Bad always loses). Off while ge_p_ppm is 0.
	 * With ge_slot_ns set the chain moves once per slot of time instead
	 * (the slots since the previous frame, at least one), so a burst is
	 * an outage in time: a lone retransmission seconds later does not
	 * find the channel still Bad. */
	uint32_t ge_p_ppm;
	uint32_t ge_r_ppm;
	uint32_t ge_loss_good_ppm;
	uint32_t ge_loss_bad_ppm;
	uint64_t ge_slot_ns;
	uint32_t dup_ppm;		/* a copy follows right behind */
	uint32_t delay_ppm;		/* this share gets extra_delay_ns more */
	uint64_t extra_delay_ns;	/* (which reorders it) */
	uint32_t corrupt_ppm;		/* flip one random bit of the IPv4 packet */
	/* Bottleneck: frames leave at rate_bps (serialisation of pkt_len
	 * bytes, back to back), at most queue_pkts of them waiting or in
	 * service; a frame that finds the queue full is dropped (tail drop).
	 * rate_bps 0 = no bottleneck; queue_pkts 0 = unbounded. */
	uint64_t rate_bps;
	uint32_t queue_pkts;
	/* ECN marking at the bottleneck (RFC 3168 5, a step-threshold AQM):
	 * an ECN-capable frame (ECT(0) or ECT(1)) that finds at least
	 * ce_queue_pkts frames in the queue is marked CE (IPv4 checksum
	 * fixed) and queued; others wait unmarked. A full queue still drops.
	 * 0 = no marking. */
	uint32_t ce_queue_pkts;
};

struct sim_dir {
	struct sim_pkt *q;		/* ring sorted by due_ns */
	uint32_t head, len;
	uint64_t delay_ns;
	struct sim_faults faults;
	uint64_t rng;			/* this direction's generator */
	bool ge_bad;			/* Gilbert-Elliott state */
	uint64_t ge_last_ns;		/* slot the state was last drawn for */
	/* bottleneck FIFO: departure times of the frames still in it */
	uint64_t *bq;
	uint32_t bq_head, bq_len;
	uint64_t bq_last_dep_ns;
	/* counters */
	uint64_t frames, bytes, dropped, duplicated, delayed, overflow;
	uint64_t chained;		/* frames the stack sent as mbuf chains */
	uint64_t filtered;		/* dropped by the filter hook */
	uint64_t burst_dropped;		/* Gilbert-Elliott losses */
	uint64_t queue_dropped;		/* bottleneck tail drops */
	uint64_t corrupted;		/* frames with a flipped bit */
	uint64_t ce_marked;		/* frames marked CE at the bottleneck */
	uint32_t bq_max;		/* bottleneck queue high-water mark */
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
	sim_filter_fn filter;		/* optional, both directions */
	void *filter_arg;
};

/* Base configuration for both nodes (addresses filled in by sim_init). */
void sim_config(struct tern_config *cfg);
/* Create both stacks from `cfg` on `pool`, one-way delay `delay_ns`,
 * generators seeded from `seed`. Faults may be set in dir[i].faults
 * any time after this. */
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
/* Print what the link did in direction i (frames, bytes, each fault). */
void sim_print_dir(const struct sim *sim, unsigned int i);
uint64_t sim_ctr(const struct sim *sim, unsigned int i, unsigned int id);
/* Frames node i dropped as corrupted (bad IPv4 header fields or checksum,
 * bad TCP checksum): what a bit flip can cause. */
uint64_t sim_ctr_corrupt_caught(const struct sim *sim, unsigned int i);

/* Deterministic generator (xorshift64*). */
uint64_t sim_rand(uint64_t *state);

#endif
