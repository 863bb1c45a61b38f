/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Per-lcore hierarchical timing wheel. No locks, no allocation: entries are
 * embedded in their owners (a TCB, a neighbour entry) and linked
 * intrusively. Arm, cancel and re-arm are O(1); expiry moves every entry
 * whose deadline has passed to a caller-owned list in bulk, cascading
 * entries from coarser levels as time advances. Deadlines are absolute
 * uint64_t nanoseconds; comparisons are modular so the wheel keeps working
 * across 64-bit wraparound (deadlines must lie within 2^63 ns of `now`).
 *
 * Owned by struct tern_stack; driven once per loop iteration by
 * tern_stack_poll() -> tw_expire(); users re-arm from their handlers.
 */
#ifndef TERN_TIMER_WHEEL_H
#define TERN_TIMER_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

#define TW_LEVEL_BITS 6u			/* 64 slots per level */
#define TW_SLOTS (1u << TW_LEVEL_BITS)
#define TW_LEVELS 8u				/* 48 bits of ticks */

struct tw_entry {
	struct tw_entry *next;
	struct tw_entry **pprev;		/* NULL when not armed */
	uint64_t deadline_ns;
};

/* A singly linked list of expired entries, handed to the caller. */
struct tw_list {
	struct tw_entry *head;
	struct tw_entry **tail;
	uint32_t count;
};

struct timer_wheel {
	uint64_t tick_ns;			/* granularity */
	uint64_t now_tick;			/* last tick processed */
	uint64_t now_ns;			/* time of the last tw_init/tw_expire */
	uint64_t armed;				/* entries in the wheel */
	uint64_t occupied[TW_LEVELS];		/* bitmap of non-empty slots */
	struct tw_entry *slot[TW_LEVELS][TW_SLOTS];
};

/** Prepare `w` with granularity `tick_ns` (> 0) starting at `now_ns`. */
void tw_init(struct timer_wheel *w, uint64_t tick_ns, uint64_t now_ns);

/** Prepare an entry before its first use (not armed). */
static inline void
tw_entry_init(struct tw_entry *e)
{
	e->next = NULL;
	e->pprev = NULL;
	e->deadline_ns = 0;
}

static inline bool
tw_is_armed(const struct tw_entry *e)
{
	return e->pprev != NULL;
}

/** Arm (or re-arm) `e` to expire at `deadline_ns`. A deadline in the past
 *  expires at the next tw_expire(). Never fails. */
void tw_arm(struct timer_wheel *w, struct tw_entry *e, uint64_t deadline_ns);

/** Disarm `e`; harmless when it is not armed. */
void tw_cancel(struct timer_wheel *w, struct tw_entry *e);

/** Advance to `now_ns` and append every due entry to `out` (initialised by
 *  the caller with tw_list_init), disarmed. Time is processed in whole
 *  ticks: an entry is due at the first tick boundary at or after its
 *  deadline, so it is never reported early and at most one tick late; an
 *  entry armed with a deadline already in the past is reported by the very
 *  next call. Returns the number of entries appended. */
uint32_t tw_expire(struct timer_wheel *w, uint64_t now_ns, struct tw_list *out);

/** Earliest time at which tw_expire could report something, or UINT64_MAX
 *  when nothing is armed (a lower bound: used to sleep or skip work). */
uint64_t tw_next_deadline(const struct timer_wheel *w);

static inline void
tw_list_init(struct tw_list *l)
{
	l->head = NULL;
	l->tail = &l->head;
	l->count = 0;
}

/** Pop the first expired entry, or NULL. */
static inline struct tw_entry *
tw_list_pop(struct tw_list *l)
{
	struct tw_entry *e = l->head;

	if (e == NULL)
		return NULL;
	l->head = e->next;
	if (l->head == NULL)
		l->tail = &l->head;
	e->next = NULL;
	l->count--;
	return e;
}

#endif
