/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Counters: every drop and event of every stack, by name. Each stack keeps
 * its own array (no sharing on the data path); these functions read them
 * (summed over stacks on demand, or per lcore). The same figures are
 * exported through DPDK telemetry as /tern/stats (summed), /tern/lcores
 * (per lcore) and /tern/stats/desc (descriptions).
 */
#ifndef TERN_STATS_H
#define TERN_STATS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tern_stack;

/** How many counters there are.
 *  @return n: ids 1 .. n-1 are valid; 0 is "none". */
unsigned int tern_stats_count(void);
/** Name of a counter.
 *  @param id  counter id
 *  @return e.g. "udp_rx_bad_csum"; NULL if out of range. */
const char *tern_stats_name(unsigned int id);
/** Description of a counter.
 *  @param id  counter id
 *  @return one line of text; NULL if out of range. */
const char *tern_stats_desc(unsigned int id);
/** Id of a counter by name. A linear search: look ids up once, not per
 *  packet.
 *  @param name  e.g. "udp_rx_bad_csum"
 *  @return the id, or 0 (no counter) for an unknown name. */
unsigned int tern_stats_id(const char *name);
/** Value of a counter on one stack (a racy read from another thread).
 *  @param s   the stack
 *  @param id  counter id
 *  @return the value; 0 for id 0 or out of range. */
uint64_t tern_stats_get(const struct tern_stack *s, unsigned int id);
/** Value of a counter summed over every registered stack.
 *  @param name   the counter's name
 *  @param found  if not NULL, set to 1, or to 0 for an unknown name
 *  @return the sum (0 for an unknown name). */
uint64_t tern_stats_sum(const char *name, int *found);
/** Write every non-zero counter summed over all stacks as one JSON object
 *  {"name": value, ...}, followed by the loop-gap histograms summed over
 *  stacks (see TERN_LOOP_BUCKETS): each non-zero bucket as
 *  "loop_<kind>_lt<N>us" (N = 2^b) or, the last, "loop_<kind>_ge1048576us",
 *  and "loop_<kind>_max_ns" (the largest of any stack). This function and
 *  the two below write these members whenever they write counters.
 *  @param f  where to write */
void tern_stats_dump_json(FILE *f);
/** Write every registered stack's non-zero counters, one object per lcore,
 *  as {"<lcore id>": {"name": value, ...}, ...} to `f` (a stack with no
 *  non-zero counter gives an empty object). Threading: a racy snapshot,
 *  as tern_stats_dump_json(); call it before the stacks are freed.
 *  @param f  where to write */
void tern_stats_dump_lcores_json(FILE *f);
/** Write every registered stack's non-zero counters as flat JSON object
 *  members "lcore<N>_<name>": value (N the lcore id), for an app that adds
 *  them to an object of its own: each member is preceded by ", " except
 *  the very first when `first` is non-zero. Nothing else is written (no
 *  braces, no newline). Same threading as tern_stats_dump_json().
 *  @param f      where to write
 *  @param first  non-zero: the members open the object (no leading ", ")
 *  @return the number of members written. */
unsigned int tern_stats_write_lcore_members(FILE *f, int first);

/** Loop-gap recorder: per stack, log2 histograms of how long the loop
 *  (tern_stack_poll) took. Bucket b counts times below 2^b us (b = 0: below
 *  1 us) for b < TERN_LOOP_BUCKETS - 1; the last bucket counts the rest
 *  (2^20 us, about 1 s, and longer). Only tern_stack_poll() records;
 *  embedders that drive tern_stack_input/process themselves get nothing. */
#define TERN_LOOP_BUCKETS 22

/** The recorder's histograms. */
enum tern_loop_kind {
	/** Start-to-start time of two polls, the first of which found nothing
	 *  to do: an idle poll takes well under a microsecond, so a long one is
	 *  time the thread did not run (the host descheduled the vCPU, another
	 *  thread had the CPU) or the app's own work between polls. */
	TERN_LOOP_GAP_IDLE,
	/** Start-to-start time of two polls, the first of which did work
	 *  (packets, commands or timers): tern's work plus the app's. */
	TERN_LOOP_GAP_BUSY,
	/** Time inside tern_stack_poll() in polls that did work: tern's own
	 *  share (a long one is a stall inside tern, or the thread descheduled
	 *  while inside it). */
	TERN_LOOP_WORK,
	TERN_LOOP_KIND_COUNT
};

/** One histogram. */
struct tern_loop_hist {
	uint64_t count[TERN_LOOP_BUCKETS];
	uint64_t max_ns;		/**< the longest time recorded */
};

/** Name of a loop-gap histogram.
 *  @param kind  an enum tern_loop_kind
 *  @return "gap_idle", "gap_busy" or "work"; NULL if out of range. */
const char *tern_stats_loop_name(unsigned int kind);
/** Copy a stack's loop-gap histograms (a racy snapshot, as counters).
 *  @param s    the stack
 *  @param out  one histogram per enum tern_loop_kind */
void tern_stats_loop_get(const struct tern_stack *s,
			 struct tern_loop_hist out[TERN_LOOP_KIND_COUNT]);

/** Register /tern/stats, /tern/stats/desc and /tern/lcores with DPDK
 *  telemetry. /tern/lcores answers {"<lcore id>": {"name": value, ...}}
 *  with each stack's non-zero counters; its optional parameter, a counter
 *  name, keeps only that counter (zero included). Call once, after
 *  rte_eal_init, from the main lcore. /tern/loop answers the loop-gap
 *  histograms (see TERN_LOOP_BUCKETS) summed over stacks (max: the
 *  largest), or one lcore's with its id as parameter.
 *  @return 0 or -errno. */
int tern_telemetry_register(void);

#ifdef __cplusplus
}
#endif

#endif
