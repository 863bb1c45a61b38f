/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Packet capture for the tern apps, two ways:
 * - dpdk-dumpcap from another process: capture_pdump_init() registers
 *   DPDK's capture hook (rte_pdump) in the primary. A secondary can only
 *   attach to a process with shared hugepage memory: EAL without
 *   --no-huge, --no-shconf or --in-memory, and the same --file-prefix on
 *   both sides. Without shared config the hook is silently off.
 * - --pcap FILE: a built-in pcapng writer (rte_pcapng) fed by each stack's
 *   capture tap (tern_stack_set_tap): both directions of every port, the
 *   queue (= the stack's lcore index) in each packet block, bounded by
 *   --pcap-max. Works where no secondary can attach (--no-huge, tests).
 * main.c calls capture_pdump_init() after rte_eal_init,
 * capture_start() after tern_netif_setup (the file lists the ports that
 * exist then), capture_attach() per stack, capture_stop() after the
 * lcores returned, and capture_pdump_uninit() before rte_eal_cleanup.
 */
#ifndef TERN_APP_CAPTURE_H
#define TERN_APP_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_spinlock.h>

#include "cli.h"

struct rte_mempool;
struct tern_stack;
struct rte_pcapng;

#define CAPTURE_MAX_DEFAULT (64ull << 20)	/* --pcap-max when not given */

/* One process's --pcap file; lives in the app's main.c. */
struct app_capture {
	rte_spinlock_t lock;		/* lcores take turns at the file */
	struct rte_pcapng *file;	/* NULL: no --pcap */
	struct rte_mempool *pool;	/* the copies, freed once written */
	int fd;
	const char *path;
	uint64_t max_bytes;
	uint64_t base_ns;		/* wall clock at base_tsc (CLOCK_REALTIME) */
	uint64_t base_tsc;
	uint64_t tsc_hz;
	uint64_t bytes;			/* written so far */
	uint64_t frames;		/* written */
	uint64_t over_max;		/* not written: the file reached --pcap-max */
	uint64_t no_copy;		/* not written: no mbuf for the copy */
	uint64_t write_err;		/* not written: the write failed */
};

/* Register the dpdk-dumpcap hook in a primary process. Returns true when
 * a secondary can attach (shared config), false otherwise (never fatal). */
bool capture_pdump_init(void);
void capture_pdump_uninit(bool inited);

/* Open `o->pcap_path` (truncated) for a pcapng capture by `app`; nothing
 * when no --pcap was given. 0, or -1 with a one-line message on stderr. */
int capture_start(struct app_capture *cap, const struct cli_capture *o, const char *app);

/* Show `s`'s frames to the capture (no-op without --pcap). */
void capture_attach(struct app_capture *cap, struct tern_stack *s);

/* Close the file and say what it holds on `report` (one line). */
void capture_stop(struct app_capture *cap, FILE *report, const char *app);

#endif
