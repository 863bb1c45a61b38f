/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Connection timeline of tern-tcp-client (--trace FILE, --trace-us N): per
 * connection, rows of cwnd, ssthresh, the peer's window, bytes in flight,
 * SRTT, RTO, the recovery flag and the state, read with
 * tern_tcp_info_get() on the stack's lcore. main.c opens it, calls
 * trace_conn() for every connection once per loop iteration and closes it
 * at the end. Formats: CSV (default), one JSON array (`.json`), JSON Lines
 * (`.jsonl`; unlike the array, still whole line by line if the run is
 * killed). scripts/plot_cwnd.sh draws the CSV.
 */
#ifndef TERN_CLIENT_TRACE_H
#define TERN_CLIENT_TRACE_H

#include <stdint.h>

struct tern_stack;
struct trace;

/* Connections traced: indexes 0 .. TRACE_MAX_CONNS - 1 (the output stays
 * bounded with thousands of connections). */
#define TRACE_MAX_CONNS 16u
#define TRACE_PERIOD_US_DEFAULT 1000u

/* Open `path` for a trace sampled every `period_us`; NULL (with a message
 * on stderr) when the file cannot be created. */
struct trace *trace_open(const char *path, uint64_t period_us);

/* Called once per loop iteration for connection `idx`, from the iteration
 * its connect was issued (that is its time 0); `handle` = 0 until it is
 * connected. Writes a row when the sample period has passed since the
 * connection's last row, or at once when ssthresh, the recovery flag or
 * the state changed. Nothing once the handle is stale. */
void trace_conn(struct trace *t, struct tern_stack *s, uint32_t idx, uint64_t handle);

/* Finish the file; returns 0, or -1 if writing it failed (reported on
 * stderr). `t` may be NULL. */
int trace_close(struct trace *t);

#endif
