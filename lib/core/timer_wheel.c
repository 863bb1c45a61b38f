/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Hierarchical timing wheel (see timer_wheel.h), owned by one lcore's stack:
 * tw_init() once, tw_arm()/tw_cancel() from protocol code at any time,
 * tw_expire() once per poll iteration, then the caller pops the expired
 * list and runs the handlers (which may re-arm). Time is counted in ticks
 * of tick_ns; tick k starts at k * tick_ns (mod 2^64). An entry is due at
 * the first tick boundary at or after its deadline, so it is never reported
 * early and at most one tick late; a deadline at or before the time given
 * to the last tw_expire() is parked in the current level-0 slot (the "due"
 * slot, otherwise never used) and reported by the next call. Level L holds
 * entries whose due tick first differs from now_tick in digit L (6 bits per
 * digit), in the slot named by that digit, so a slot is processed exactly
 * when now_tick reaches its digit with all lower digits zero: the entries
 * are then re-placed at a finer level, or reported if due. Due ticks more
 * than 2^48 ticks away are clamped to 2^48 - 1 and land in the top level,
 * which wraps; they are re-placed when their slot comes round. All tick
 * arithmetic is modular, so both now_ns and now_tick may wrap. tw_expire()
 * jumps from one occupied slot to the next using the occupancy bitmaps,
 * so a long gap costs one step per occupied slot, not one per tick.
 * Expired entries come out in due-tick order, those armed in the past first.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/timer_wheel.h"

#define TW_SLOT_MASK ((uint64_t)TW_SLOTS - 1)
#define TW_TOP (TW_LEVELS - 1)
#define TW_MAX_AHEAD ((UINT64_C(1) << (TW_LEVELS * TW_LEVEL_BITS)) - 1)

/* Modular "a is before b", valid while the two are within 2^63. */
static inline bool
tw_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static inline unsigned int
level_shift(unsigned int level)
{
	return level * TW_LEVEL_BITS;
}

static inline unsigned int
level_digit(uint64_t tick, unsigned int level)
{
	return (tick >> level_shift(level)) & TW_SLOT_MASK;
}

/*
 * Ticks from now_tick to the first tick boundary at or after deadline_ns,
 * or 0 when that boundary is the current tick or earlier. Callers
 * guarantee deadline_ns is later than one tick before the current tick's
 * start, so a distance within tick_ns of 2^64 is a small negative one.
 */
static uint64_t
ticks_ahead(const struct timer_wheel *w, uint64_t deadline_ns)
{
	uint64_t delta_ns = deadline_ns - w->now_tick * w->tick_ns;

	if (delta_ns == 0 || delta_ns > -w->tick_ns)
		return 0;
	return (delta_ns - 1) / w->tick_ns + 1;
}

static void
slot_push(struct timer_wheel *w, unsigned int level, unsigned int slot,
	  struct tw_entry *e)
{
	struct tw_entry **head = &w->slot[level][slot];

	e->next = *head;
	if (e->next != NULL)
		e->next->pprev = &e->next;
	e->pprev = head;
	*head = e;
	w->occupied[level] |= UINT64_C(1) << slot;
}

/* Detach a whole slot; its entries keep stale pprev until re-placed. */
static struct tw_entry *
slot_take(struct timer_wheel *w, unsigned int level, unsigned int slot)
{
	struct tw_entry *head = w->slot[level][slot];

	w->slot[level][slot] = NULL;
	w->occupied[level] &= ~(UINT64_C(1) << slot);
	return head;
}

static void
entry_unlink(struct timer_wheel *w, struct tw_entry *e)
{
	uintptr_t pos = (uintptr_t)e->pprev - (uintptr_t)&w->slot[0][0];

	*e->pprev = e->next;
	if (e->next != NULL) {
		e->next->pprev = e->pprev;
	} else if (pos < sizeof(w->slot)) {
		/* e was alone in a slot: pprev is the slot head itself. */
		pos /= sizeof(w->slot[0][0]);
		w->occupied[pos / TW_SLOTS] &= ~(UINT64_C(1) << (pos % TW_SLOTS));
	}
	e->next = NULL;
	e->pprev = NULL;
}

/*
 * Place an entry due `ahead` (>= 1) ticks from now_tick at the level of
 * the highest digit in which its due tick differs from now_tick. Far
 * entries are clamped so they come round again within one top rotation.
 */
static void
entry_place(struct timer_wheel *w, struct tw_entry *e, uint64_t ahead)
{
	uint64_t due;
	unsigned int level;

	if (ahead > TW_MAX_AHEAD)
		ahead = TW_MAX_AHEAD;
	due = w->now_tick + ahead;
	level = (63u - (unsigned int)__builtin_clzll(due ^ w->now_tick)) /
		TW_LEVEL_BITS;
	if (level > TW_TOP)
		level = TW_TOP;
	slot_push(w, level, level_digit(due, level), e);
}

/* Hand one entry to the caller, disarmed. */
static void
entry_report(struct timer_wheel *w, struct tw_entry *e, struct tw_list *out)
{
	e->pprev = NULL;
	e->next = NULL;
	*out->tail = e;
	out->tail = &e->next;
	out->count++;
	w->armed--;
}

/* Report a whole level-0 slot in one splice. */
static void
slot_report(struct timer_wheel *w, unsigned int slot, struct tw_list *out)
{
	struct tw_entry *head = slot_take(w, 0, slot);
	struct tw_entry *e = head;
	struct tw_entry *last = NULL;
	uint32_t n = 0;

	for (; e != NULL; e = e->next) {
		e->pprev = NULL;
		last = e;
		n++;
	}
	if (head == NULL)
		return;
	*out->tail = head;
	out->tail = &last->next;
	out->count += n;
	w->armed -= n;
}

/* Re-place every entry of a coarser slot relative to now_tick. */
static void
slot_cascade(struct timer_wheel *w, unsigned int level, unsigned int slot,
	     struct tw_list *out)
{
	struct tw_entry *e = slot_take(w, level, slot);

	while (e != NULL) {
		struct tw_entry *next = e->next;
		uint64_t ahead = ticks_ahead(w, e->deadline_ns);

		if (ahead == 0)
			entry_report(w, e, out);
		else
			entry_place(w, e, ahead);
		e = next;
	}
}

/*
 * Ticks from now_tick to the next tick at which an occupied slot of
 * `level` is processed: the slot's digit with all lower digits zero, in
 * this rotation of the level if the digit is ahead, else in the next.
 */
static uint64_t
level_next(const struct timer_wheel *w, unsigned int level)
{
	unsigned int shift = level_shift(level);
	unsigned int cur = level_digit(w->now_tick, level);
	uint64_t occ = w->occupied[level];
	uint64_t ahead = occ & ~((UINT64_C(2) << cur) - 1);
	uint64_t span = UINT64_C(1) << (shift + TW_LEVEL_BITS);
	uint64_t when = w->now_tick & ~(span - 1);

	if (ahead != 0)
		when |= (uint64_t)__builtin_ctzll(ahead) << shift;
	else
		when = (when | (uint64_t)__builtin_ctzll(occ) << shift) + span;
	return when - w->now_tick;
}

/*
 * Ticks to the next tick at which any slot is processed. Only the lowest
 * occupied level matters: its slots all lie ahead within its current
 * rotation, which ends before the next slot of any coarser level. The
 * caller guarantees the wheel is not empty and the due slot is.
 */
static uint64_t
wheel_next_event(const struct timer_wheel *w)
{
	unsigned int level = 0;

	while (level < TW_TOP && w->occupied[level] == 0)
		level++;
	return level_next(w, level);
}

/*
 * Process every slot due at now_tick, coarsest first, so that cascaded
 * entries land in finer slots that are still ahead.
 */
static void
wheel_run_tick(struct timer_wheel *w, struct tw_list *out)
{
	unsigned int top = TW_TOP;
	unsigned int level;
	unsigned int slot;

	if (w->now_tick != 0 &&
	    (unsigned int)__builtin_ctzll(w->now_tick) / TW_LEVEL_BITS < top)
		top = (unsigned int)__builtin_ctzll(w->now_tick) / TW_LEVEL_BITS;
	for (level = top; level > 0; level--) {
		slot = level_digit(w->now_tick, level);
		if (w->occupied[level] & (UINT64_C(1) << slot))
			slot_cascade(w, level, slot, out);
	}
	slot = level_digit(w->now_tick, 0);
	if (w->occupied[0] & (UINT64_C(1) << slot))
		slot_report(w, slot, out);
}

void
tw_init(struct timer_wheel *w, uint64_t tick_ns, uint64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	w->tick_ns = tick_ns;
	w->now_tick = now_ns / tick_ns;
	w->now_ns = now_ns;
}

void
tw_arm(struct timer_wheel *w, struct tw_entry *e, uint64_t deadline_ns)
{
	if (tw_is_armed(e))
		entry_unlink(w, e);
	else
		w->armed++;
	e->deadline_ns = deadline_ns;
	if (!tw_before(w->now_ns, deadline_ns))
		slot_push(w, 0, level_digit(w->now_tick, 0), e);
	else
		entry_place(w, e, ticks_ahead(w, deadline_ns));
}

void
tw_cancel(struct timer_wheel *w, struct tw_entry *e)
{
	if (!tw_is_armed(e))
		return;
	entry_unlink(w, e);
	w->armed--;
}

uint32_t
tw_expire(struct timer_wheel *w, uint64_t now_ns, struct tw_list *out)
{
	uint32_t before = out->count;
	uint64_t span;
	uint64_t step;

	if (tw_before(now_ns, w->now_ns))
		now_ns = w->now_ns;		/* time never runs backwards */
	span = now_ns - w->now_tick * w->tick_ns;
	w->now_ns = now_ns;
	slot_report(w, level_digit(w->now_tick, 0), out);
	/* Still within the current tick, as most polls are: no slot ahead
	 * can be due (the next event is at least one tick away), and the
	 * division below is not needed. */
	if (span < w->tick_ns)
		return out->count - before;
	span /= w->tick_ns;
	while (w->armed != 0) {
		step = wheel_next_event(w);
		if (step > span)
			break;
		w->now_tick += step;
		span -= step;
		wheel_run_tick(w, out);
	}
	w->now_tick += span;
	return out->count - before;
}

uint64_t
tw_next_deadline(const struct timer_wheel *w)
{
	uint64_t when;
	uint64_t bound;

	if (w->armed == 0)
		return UINT64_MAX;
	if (w->occupied[0] & (UINT64_C(1) << level_digit(w->now_tick, 0)))
		return w->now_ns;
	when = w->now_tick + wheel_next_event(w);
	/*
	 * Entries due at tick `when` or later have deadlines after tick
	 * when-1 began. This may be before now_ns when a deadline lies in
	 * the current, unfinished tick.
	 */
	bound = (when - 1) * w->tick_ns + 1;
	return bound == UINT64_MAX ? UINT64_MAX - 1 : bound;
}
