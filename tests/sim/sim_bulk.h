/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A one-way bulk transfer over the simulated link (sim_link.h) for the sim
 * tests: node A connects to a listener on node B and sends `total` bytes
 * of a fixed seeded pattern, then shuts its write side; B checks every
 * byte against the pattern as it arrives (first mismatch recorded), keeps
 * an FNV-1a hash of the stream, credits the window, and closes when A's
 * FIN arrives. The caller steps the sim and calls sim_bulk_poll() after
 * every step.
 */
#ifndef TERN_SIM_BULK_H
#define TERN_SIM_BULK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_link.h"

#define SIM_BULK_HELD_MAX 256u
#define SIM_BULK_PORT 80u

struct sim_bulk {
	const uint8_t *pattern;		/* total bytes */
	uint64_t total;
	/* sender, node A */
	uint64_t tx_h;
	uint64_t sent;			/* bytes handed to the stack */
	struct rte_mbuf *held[SIM_BULK_HELD_MAX];	/* refused, in order */
	unsigned int n_held;
	bool tx_up, blocked, last_sent, shut, tx_closed;
	int tx_status;
	/* receiver, node B */
	uint64_t rx_h;
	uint64_t rcvd;
	uint64_t rx_hash;
	uint64_t bad_off;		/* first byte that differs, UINT64_MAX = none */
	bool rx_up, peer_closed, rx_closed;
	int rx_status;
	/* times (sim ns) */
	uint64_t t_start, t_done;
};

/* A seeded pattern of `len` bytes (malloc'd) and its FNV-1a hash. */
uint8_t *sim_bulk_pattern(uint64_t seed, uint64_t len, uint64_t *hash);
uint64_t sim_bulk_fnv(uint64_t h, const uint8_t *p, uint64_t n);
#define SIM_FNV_OFF 0xcbf29ce484222325ull

/* Listen on B, connect from A; t_start is the connect time. */
void sim_bulk_start(struct sim *sim, struct sim_bulk *b, const uint8_t *pattern,
		    uint64_t total);
/* Handle both nodes' events and feed the sender. */
void sim_bulk_poll(struct sim *sim, struct sim_bulk *b);
/* Everything arrived and both ends saw the connection close. */
bool sim_bulk_finished(const struct sim_bulk *b);
/* Free mbufs still held by the sender. */
void sim_bulk_fini(struct sim_bulk *b);

#endif
