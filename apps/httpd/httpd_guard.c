/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's per-address connection table, receive-rate meter and Host
 * rule; see httpd_guard.h. httpd_conn.c calls httpd_addr_acquire() when a
 * connection is accepted and httpd_addr_release() when it is over,
 * httpd_rate_feed() on each data event of an incomplete request, and
 * httpd_host_is_valid() on each parsed head.
 *
 * The table is open addressing with linear probing over memory sized once
 * for the lcore's max_conns (there are never more addresses than open
 * connections), so accepting and closing never allocate. The hash mixes
 * a per-process seed in, so that a client choosing its addresses cannot
 * aim them all at one probe run.
 */
#include "../common/http.h"
#include "httpd_guard.h"

#define ADDR_FILL_NUM 3u		/* track at most 3/4 of the slots */
#define ADDR_FILL_DEN 4u

uint32_t
httpd_addr_table_slots(uint32_t max_conns)
{
	uint32_t n = 16;

	while (n < HTTPD_ADDR_SLOTS_MAX && n / 2 < max_conns)
		n <<= 1;
	return n;
}

void
httpd_addr_table_init(struct httpd_addr_table *t, struct httpd_addr_slot *slot,
		      uint32_t n_slots, uint32_t seed)
{
	t->slot = slot;
	t->mask = n_slots - 1;
	t->used = 0;
	t->seed = seed;
}

static uint32_t
addr_home(const struct httpd_addr_table *t, uint32_t addr)
{
	uint32_t x = (addr ^ t->seed) * 0x9e3779b1u;

	x ^= x >> 15;
	x *= 0x9e3779b1u;
	x ^= x >> 16;
	return x & t->mask;
}

/* The slot holding `addr`, or the empty slot where it would go. */
static uint32_t
addr_find(const struct httpd_addr_table *t, uint32_t addr)
{
	uint32_t i = addr_home(t, addr);

	while (t->slot[i].addr != 0 && t->slot[i].addr != addr)
		i = (i + 1) & t->mask;
	return i;
}

enum httpd_addr_verdict
httpd_addr_acquire(struct httpd_addr_table *t, uint32_t addr, uint32_t cap)
{
	uint32_t i = addr_find(t, addr);
	struct httpd_addr_slot *s = &t->slot[i];

	if (s->addr == addr) {
		if (s->conns >= cap)
			return HTTPD_ADDR_OVER_CAP;
		s->conns++;
		return HTTPD_ADDR_OK;
	}
	if ((uint64_t)(t->used + 1) * ADDR_FILL_DEN > (uint64_t)(t->mask + 1) * ADDR_FILL_NUM)
		return HTTPD_ADDR_UNTRACKED;
	s->addr = addr;
	s->conns = 1;
	t->used++;
	return HTTPD_ADDR_OK;
}

/* Empty slot `hole`, then pull back the entries of the probe run after it
 * that may no longer be found past the hole. */
static void
addr_remove(struct httpd_addr_table *t, uint32_t hole)
{
	uint32_t j = hole;

	for (;;) {
		uint32_t home;

		j = (j + 1) & t->mask;
		if (t->slot[j].addr == 0)
			break;
		home = addr_home(t, t->slot[j].addr);
		/* stays if its home lies cyclically in (hole, j] */
		if (((j - home) & t->mask) < ((j - hole) & t->mask))
			continue;
		t->slot[hole] = t->slot[j];
		hole = j;
	}
	t->slot[hole].addr = 0;
	t->slot[hole].conns = 0;
	t->used--;
}

void
httpd_addr_release(struct httpd_addr_table *t, uint32_t addr)
{
	uint32_t i = addr_find(t, addr);
	struct httpd_addr_slot *s = &t->slot[i];

	if (s->addr != addr || s->conns == 0)
		return;		/* not counted: nothing to undo */
	if (--s->conns == 0)
		addr_remove(t, i);
}

uint32_t
httpd_addr_count(const struct httpd_addr_table *t, uint32_t addr)
{
	const struct httpd_addr_slot *s = &t->slot[addr_find(t, addr)];

	return s->addr == addr ? s->conns : 0;
}

int
httpd_rate_feed(struct httpd_rate *r, uint64_t now, uint64_t bytes, uint32_t min_rate,
		uint64_t window_ns)
{
	uint64_t elapsed_ns;
	int slow;

	r->bytes += bytes;
	elapsed_ns = now > r->start_ns ? now - r->start_ns : 0;
	if (elapsed_ns < window_ns)
		return 0;
	/* bytes / (elapsed_ns / 1e9) < min_rate, without division */
	slow = (unsigned __int128)r->bytes * 1000000000u <
	       (unsigned __int128)min_rate * elapsed_ns;
	httpd_rate_start(r, now);
	return slow;
}

int
httpd_host_is_valid(const struct http_request *req)
{
	if (req->host_lines > 1)
		return 0;
	return req->version_minor == 0 || req->host_lines == 1;
}
