/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fixture for bench_timer.cc: the per-lcore timing wheel
 * (lib/core/timer_wheel.c) with `n` entries armed, as a stack with n
 * connections has them. Each entry sits in its own 64-byte owner (a TCB
 * stand-in: one entry per cache line, never packed), deadlines are random
 * within a power-of-two horizon (~1 s for 2^30 ns) at 100 us ticks (the
 * stack's default), and entries are picked in a random order, so the
 * wheel's list updates miss the caches as they would with real TCBs
 * (owners in transparent huge pages, as TCBs sit in DPDK hugepages).
 * Arm and cancel keep the armed count near n by refilling in untimed
 * batches of `spare`; expiry is timed around tw_expire() alone with the
 * thread's CPU clock (its own cost subtracted), the re-arming that keeps
 * the wheel full being left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <rte_common.h>

#include "core/timer_wheel.h"
#include "shim.h"

#define BT_TICK_NS 100000u
#define BT_START_NS 1000000000000ull
#define BT_HUGE (2u << 20)

struct bench_owner {
	struct tw_entry tw;
	uint8_t rest[64 - sizeof(struct tw_entry)];
} __attribute__((aligned(64)));

struct bench_tw {
	struct timer_wheel w;
	uint32_t n;
	uint32_t spare;
	uint64_t mask;			/* horizon - 1, a power of two */
	uint64_t now_ns;
	uint64_t rng;
	double clock_cost;		/* seconds one cpu_now() pair adds */
	struct bench_owner *o;		/* n armed, then `spare` extra */
	uint32_t *order;		/* random permutation of [0, n) */
	uint32_t *spare_order;		/* random permutation of [n, n + spare) */
	uint32_t *cancelled;		/* up to `spare` indices */
	uint32_t pos_rearm;
	uint32_t pos_cancel;
	uint32_t n_cancelled;
	uint32_t spare_next;
	uint64_t errors;		/* bulk expiries that missed entries */
};

/* xorshift64*: cheap enough to sit in the timed path of arm/re-arm. */
static inline uint64_t
rnd(struct bench_tw *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 0x2545f4914f6cdd1dull;
}

static inline uint64_t
deadline(struct bench_tw *b)
{
	return b->now_ns + 1 + (rnd(b) & b->mask);
}

/* This thread's CPU time in seconds: expiry is timed with it, not with a
 * wall clock, so time the scheduler gives to other processes on a shared
 * machine is not counted. Reading it costs a system call. */
static double
cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The smallest empty interval of cpu_now(): subtracted from every sample. */
static double
cpu_overhead(void)
{
	double best = 1.0;
	int i;

	for (i = 0; i < 1000; i++) {
		double t0 = cpu_now(), d = cpu_now() - t0;

		if (d < best)
			best = d;
	}
	return best;
}

static double
elapsed(const struct bench_tw *b, double t0, double t1)
{
	double d = t1 - t0 - b->clock_cost;

	return d > 0 ? d : 0;
}

/* The owners live in 2 MiB transparent huge pages where the kernel allows
 * (madvise mode), as TCBs live in DPDK hugepage memory in production:
 * 4 KiB pages would add a TLB miss to nearly every random access. */
static struct bench_owner *
owners_alloc(uint32_t count)
{
	size_t len = RTE_ALIGN_CEIL((size_t)count * sizeof(struct bench_owner), BT_HUGE);
	void *p = aligned_alloc(BT_HUGE, len);

	if (p != NULL)
		madvise(p, len, MADV_HUGEPAGE);	/* a hint: failure is harmless */
	return p;
}

/* a[0..len) = a random permutation of [base, base + len) (Fisher-Yates) */
static void
shuffle(struct bench_tw *b, uint32_t *a, uint32_t len, uint32_t base)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint32_t j = (uint32_t)(rnd(b) % (i + 1));

		a[i] = a[j];
		a[j] = base + i;
	}
}

struct bench_tw *
bench_tw_create(uint32_t n, uint32_t spare, uint64_t horizon_ns)
{
	struct bench_tw *b = calloc(1, sizeof(*b));
	uint32_t i;

	if (b == NULL)
		return NULL;
	b->n = n;
	b->spare = spare;
	b->mask = rte_align64pow2(horizon_ns) - 1;
	b->now_ns = BT_START_NS;
	b->rng = 0x9e3779b97f4a7c15ull;
	b->o = owners_alloc(n + spare);
	b->order = malloc((size_t)n * sizeof(*b->order));
	b->cancelled = malloc((size_t)(spare ? spare : 1) * sizeof(*b->cancelled));
	b->spare_order = malloc((size_t)(spare ? spare : 1) * sizeof(*b->spare_order));
	if (b->o == NULL || b->order == NULL || b->cancelled == NULL ||
	    b->spare_order == NULL) {
		bench_tw_free(b);
		return NULL;
	}
	b->clock_cost = cpu_overhead();
	tw_init(&b->w, BT_TICK_NS, b->now_ns);
	for (i = 0; i < n + spare; i++) {
		memset(&b->o[i], 0, sizeof(b->o[i]));
		tw_entry_init(&b->o[i].tw);
	}
	shuffle(b, b->order, n, 0);
	shuffle(b, b->spare_order, spare, n);
	for (i = 0; i < n; i++)
		tw_arm(&b->w, &b->o[b->order[i]].tw, deadline(b));
	return b;
}

void
bench_tw_free(struct bench_tw *b)
{
	if (b == NULL)
		return;
	free(b->o);
	free(b->order);
	free(b->cancelled);
	free(b->spare_order);
	free(b);
}

int
bench_tw_arm_spare(struct bench_tw *b)
{
	tw_arm(&b->w, &b->o[b->spare_order[b->spare_next]].tw, deadline(b));
	return ++b->spare_next == b->spare;
}

void
bench_tw_spares_reset(struct bench_tw *b)
{
	uint32_t i;

	for (i = 0; i < b->spare_next; i++)
		tw_cancel(&b->w, &b->o[b->spare_order[i]].tw);
	b->spare_next = 0;
}

void
bench_tw_rearm(struct bench_tw *b)
{
	uint32_t i = b->order[b->pos_rearm];

	b->pos_rearm = b->pos_rearm + 1 == b->n ? 0 : b->pos_rearm + 1;
	tw_arm(&b->w, &b->o[i].tw, deadline(b));
}

int
bench_tw_cancel(struct bench_tw *b)
{
	uint32_t i = b->order[b->pos_cancel];

	b->pos_cancel = b->pos_cancel + 1 == b->n ? 0 : b->pos_cancel + 1;
	tw_cancel(&b->w, &b->o[i].tw);
	b->cancelled[b->n_cancelled] = i;
	return ++b->n_cancelled == b->spare;
}

void
bench_tw_cancelled_rearm(struct bench_tw *b)
{
	uint32_t i;

	for (i = 0; i < b->n_cancelled; i++)
		tw_arm(&b->w, &b->o[b->cancelled[i]].tw, deadline(b));
	b->n_cancelled = 0;
}

/* Pop what tw_expire reported and arm each at `at` (UINT64_MAX: a random
 * deadline within the horizon). */
static void
expired_rearm(struct bench_tw *b, struct tw_list *l, uint64_t at)
{
	struct tw_entry *e;

	while ((e = tw_list_pop(l)) != NULL)
		tw_arm(&b->w, e, at == UINT64_MAX ? deadline(b) : at);
}

double
bench_tw_expire_tick(struct bench_tw *b, uint64_t *expired)
{
	struct tw_list l;
	double t0, t1;

	b->now_ns += BT_TICK_NS;
	tw_list_init(&l);
	t0 = cpu_now();
	*expired = tw_expire(&b->w, b->now_ns, &l);
	t1 = cpu_now();
	/* re-armed a horizon ahead: deadlines stay spread evenly */
	expired_rearm(b, &l, b->now_ns + b->mask + 1);
	return elapsed(b, t0, t1);
}

double
bench_tw_expire_all(struct bench_tw *b, uint64_t *expired)
{
	struct tw_list l;
	double t0, t1;

	/* every armed deadline lies within the horizon: all are due */
	b->now_ns += b->mask + 1 + BT_TICK_NS;
	tw_list_init(&l);
	t0 = cpu_now();
	*expired = tw_expire(&b->w, b->now_ns, &l);
	t1 = cpu_now();
	if (*expired != (uint64_t)b->n - b->n_cancelled + b->spare_next)
		b->errors++;
	expired_rearm(b, &l, UINT64_MAX);
	return elapsed(b, t0, t1);
}

int
bench_tw_check(const struct bench_tw *b, uint64_t *armed)
{
	uint64_t want = (uint64_t)b->n - b->n_cancelled + b->spare_next;
	uint64_t walk = 0;
	uint32_t i;

	for (i = 0; i < b->n + b->spare; i++)
		walk += tw_is_armed(&b->o[i].tw);
	*armed = b->w.armed;
	if (walk != want || b->w.armed != want || b->errors != 0) {
		fprintf(stderr, "bench_timer: %llu armed by the bench, %llu found armed, "
			"wheel counts %llu, %llu short bulk expiries\n",
			(unsigned long long)want, (unsigned long long)walk,
			(unsigned long long)b->w.armed, (unsigned long long)b->errors);
		return -1;
	}
	return 0;
}
