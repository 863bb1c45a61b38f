/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The C side of the microbenchmarks: setup, fixtures and one-operation
 * wrappers that the Google Benchmark files (bench_*.cc) call through
 * extern "C". Everything that decides anything lives in these shim_*.c
 * files, so the C++ holds only benchmark loops. A wrapper does exactly one
 * measured operation (or one burst) with inputs prepared at setup; checks
 * (hits, mbuf pool back at its baseline) are separate calls made outside
 * the timed loop. Fixtures are opaque here: the C++ never sees a lib/
 * internal header except the plain-C wire ones.
 */
#ifndef TERN_BENCH_SHIM_H
#define TERN_BENCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shim_eal.c: EAL for benches that do not use tests/harness ---- */

/** Bring up EAL once (--no-huge --no-pci --no-shconf, `mem_mb` MiB,
 *  a file prefix with `tag` and the pid); exits the process on failure. */
void bench_eal_init(const char *tag, unsigned int mem_mb);
/** Clean EAL up at exit and remove its runtime directory (which EAL
 *  leaves behind); for an EAL someone else brought up (tests/harness). */
void bench_eal_cleanup_at_exit(void);

/* ---- shim_tcp_hdr.c: TCP header + options parse ---- */

enum bench_tcp_hdr_kind {
	BENCH_HDR_PLAIN,	/* ACK, no options (20 bytes) */
	BENCH_HDR_SYN_OPTS,	/* SYN: MSS, WS, SACK-permitted, TS (40) */
	BENCH_HDR_TS_SACK3,	/* ACK: TS + 3 SACK blocks (60) */
	BENCH_HDR_COUNT
};

/** A short name for `kind` (labels). */
const char *bench_tcp_hdr_name(unsigned int kind);
/** Header of `kind` followed by `payload` bytes, written into `buf`
 *  (cap bytes); returns the header length, 0 when it does not fit. */
uint32_t bench_tcp_hdr_build(unsigned int kind, uint8_t *buf, size_t cap,
			     uint32_t payload);
/** 0 when the header in `buf` parses to exactly what `kind` built, else
 *  -1 with a message on stderr. */
int bench_tcp_hdr_check(unsigned int kind, const uint8_t *buf, uint32_t len);

/* ---- shim_flow.c: the 4-tuple table (lib/tcp/tcp_conn.c) ---- */

struct bench_flow;

#define BENCH_FLOW_BURST 32u

/** A stack whose TCP table holds `n` connections (tcp_conn_alloc), plus a
 *  random sequence of lookups that all hit. One fixture at a time: a call
 *  with another `n` frees the previous one. NULL with a message on
 *  failure. */
struct bench_flow *bench_flow_get(uint32_t n);
/** tcp_conn_lookup() on the next 4-tuple (the library's single lookup). */
void *bench_flow_lib_single(struct bench_flow *f);
/** tcp_conn_lookup_burst() on BENCH_FLOW_BURST frames in real mbufs whose
 *  addresses/ports were rewritten to the next 32 4-tuples first (the
 *  library's bulk path, as tern_stack_input runs it). Returns hits. */
unsigned int bench_flow_lib_burst(struct bench_flow *f);
/** Only the frame rewrite bench_flow_lib_burst does (its baseline). */
unsigned int bench_flow_rewrite_only(struct bench_flow *f);
/** The library's table, raw: rte_hash_lookup_data on the next key. */
void *bench_flow_hash_single(struct bench_flow *f);
/** rte_hash_lookup_with_hash_data with the hash computed at setup. */
void *bench_flow_hash_single_sig(struct bench_flow *f);
/** rte_hash_lookup_bulk_data on the next 32 keys; returns hits. */
unsigned int bench_flow_hash_bulk(struct bench_flow *f);
/** rte_hash_lookup_with_hash_bulk_data, hashes from setup; returns hits. */
unsigned int bench_flow_hash_bulk_sig(struct bench_flow *f);
/** Lookups since bench_flow_get() that missed or found the wrong TCB
 *  (must be 0). */
uint64_t bench_flow_errors(const struct bench_flow *f);

/* ---- shim_timer.c: the timing wheel (lib/core/timer_wheel.c) ---- */

struct bench_tw;

/** A wheel (100 us ticks) with `n` entries armed at random deadlines
 *  within `horizon_ns`, and `spare` unarmed entries. */
struct bench_tw *bench_tw_create(uint32_t n, uint32_t spare, uint64_t horizon_ns);
void bench_tw_free(struct bench_tw *b);
/** Arm the next spare entry at a random deadline. Returns 1 when every
 *  spare is armed (call bench_tw_spares_reset, untimed). */
int bench_tw_arm_spare(struct bench_tw *b);
/** Cancel every armed spare. */
void bench_tw_spares_reset(struct bench_tw *b);
/** Re-arm the next (already armed) entry at a new random deadline. */
void bench_tw_rearm(struct bench_tw *b);
/** Cancel the next armed entry. Returns 1 when `spare` entries have been
 *  cancelled since the last bench_tw_cancelled_rearm (call it, untimed). */
int bench_tw_cancel(struct bench_tw *b);
/** Re-arm every entry bench_tw_cancel cancelled. */
void bench_tw_cancelled_rearm(struct bench_tw *b);
/** Advance one tick and tw_expire(); re-arm what expired at now + the
 *  horizon (steady state). Returns the CPU seconds tw_expire alone took
 *  and the entries it reported in *expired. */
double bench_tw_expire_tick(struct bench_tw *b, uint64_t *expired);
/** Jump a whole horizon ahead and time the one tw_expire() that reports
 *  every armed entry (cascading down from coarser levels), then re-arm them all
 *  at random deadlines, untimed. Returns seconds; *expired count. */
double bench_tw_expire_all(struct bench_tw *b, uint64_t *expired);
/** Entries armed in the wheel in *armed; 0 when the wheel's count and a
 *  walk of the entries agree with what the bench armed (and every bulk
 *  expiry reported them all), else -1 with a message. */
int bench_tw_check(const struct bench_tw *b, uint64_t *armed);

/* ---- shim_tcp_io.c: one ESTABLISHED connection (tests/harness) ---- */

struct bench_tcp;

/** A stack with one passively opened connection (full options: WS, SACK,
 *  TS) built from frames by tests/harness. `hw_cksum` marks received
 *  frames' checksums GOOD as a NIC with offload would. */
struct bench_tcp *bench_tcp_create(int hw_cksum);
/** One in-order data segment of `len` bytes (<= 1448) from the peer:
 *  built untimed, then tern_stack_input + tern_stack_process timed. The
 *  stack's ACKs are parsed and freed and the data event freed and
 *  credited back (tern_tcp_recvd), untimed. Returns the timed seconds. */
double bench_tcp_rx_data(struct bench_tcp *b, uint16_t len);
/** One pure ACK that acknowledges one MSS of new data: the app's send and
 *  the stack's data segment happen untimed first. Returns seconds. */
double bench_tcp_rx_ack(struct bench_tcp *b);
/** TCP output of one MSS: the app's send command is queued untimed, then
 *  tern_stack_process (command, tcp_output_run building the segment) is
 *  timed; the peer's ACK of it follows untimed. Returns seconds. */
double bench_tcp_tx_mss(struct bench_tcp *b);
/** Timed samples longer than 50 us (the process was descheduled) that
 *  were replaced by the mean of the others. */
uint64_t bench_tcp_preempted(const struct bench_tcp *b);
/** Bytes of payload in one MSS-sized segment of the connection. */
uint32_t bench_tcp_mss_payload(const struct bench_tcp *b);
/** Acknowledge and drain everything, then compare the mbuf pool with its
 *  level before the first operation: 0 when equal, else -1 and a message.
 *  Also fails when the connection left ESTABLISHED or a frame was wrong. */
int bench_tcp_check(struct bench_tcp *b);
/** Free the stack; returns -1 (with a message) if mbufs stayed out. */
int bench_tcp_free(struct bench_tcp *b);

/* ---- shim_tcp_tw.c: short connections closed first (TIME-WAIT) ---- */

struct bench_twait;
/** A stack with a listener and `records` TIME-WAIT records at most. */
struct bench_twait *bench_twait_create(uint32_t records);
/** One connection from a new peer port through to its TIME-WAIT record;
 *  returns the seconds spent in stack calls. */
double bench_twait_conn(struct bench_twait *b);
uint64_t bench_twait_preempted(const struct bench_twait *b);
uint64_t bench_twait_recycled(const struct bench_twait *b);
/** Free; 0, or -1 when an operation misbehaved or mbufs leaked. */
int bench_twait_free(struct bench_twait *b);

#ifdef __cplusplus
}
#endif

#endif
