/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Declarations of shim_flow_owner.c for bench_flow_owner.cc, kept apart
 * from shim.h while lib/flow is built by its users rather than by libtern
 * (they join shim.h when it is). Same contract as shim.h: setup and one
 * measured operation per call; checks are separate calls made after the
 * timed loop.
 */
#ifndef TERN_BENCH_SHIM_FLOW_OWNER_H
#define TERN_BENCH_SHIM_FLOW_OWNER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum bench_fo_mode {
	BENCH_FO_SW,		/* software steering, 128-entry RETA */
	BENCH_FO_RSS,		/* Toeplitz L4, random 40-byte key and RETA */
	BENCH_FO_COUNT
};

struct bench_fo;

/** A short name for `mode` (labels). */
const char *bench_fo_mode_name(unsigned int mode);
/** A flow map of `mode` over `n_queues` queues, 64 Ki random TCP 4-tuples
 *  with the owner each must get (computed independently: rte_softrss in
 *  RSS mode), and a port set with half the ephemeral ports taken. One
 *  fixture at a time: other arguments free the previous one. NULL with a
 *  message on failure. */
struct bench_fo *bench_fo_get(unsigned int mode, uint16_t n_queues);
/** flow_hash_sw() of the next tuple (the connection table's signature). */
uint32_t bench_fo_hash_sw(struct bench_fo *f);
/** flow_hash() of the next tuple in the map's mode. */
uint32_t bench_fo_hash(struct bench_fo *f);
/** flow_owner() of the next tuple (per received frame), checked. */
uint16_t bench_fo_owner(struct bench_fo *f);
/** flow_port_pick() for the next tuple from queue (index % n_queues),
 *  that queue's cursor, the half-full port set (per connect); the port is
 *  recorded for bench_fo_check. */
uint16_t bench_fo_pick(struct bench_fo *f);
/** 0 when every owner matched and every recorded pick is a free port
 *  whose reply its queue owns, else -1 with a message. */
int bench_fo_check(struct bench_fo *f);
/** The time-stamp counter (reference cycles). */
uint64_t bench_fo_tsc(void);

#ifdef __cplusplus
}
#endif

#endif
