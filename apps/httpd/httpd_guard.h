/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's defences against clients that hold connections without
 * using them (slowloris and friends), as pure decisions with no DPDK and
 * no clock of their own, so that tests/apps drives them directly:
 * the per-client-address connection count (a bounded open-addressing
 * table per lcore, filled at accept and emptied at close), the minimum
 * receive rate of an incomplete request (fed the bytes of each data event
 * with the loop's clock) and the RFC 9112 3.2 Host rule. httpd_conn.c
 * owns one table per lcore and one rate meter per connection; the
 * whole-head deadline is its deadline list, not here.
 */
#ifndef TERN_HTTPD_GUARD_H
#define TERN_HTTPD_GUARD_H

#include <stddef.h>
#include <stdint.h>

struct http_request;

/* Largest per-lcore address table (slots): 8 MiB. Past 3/4 of it, new
 * addresses are not tracked (fail open, counted by the caller). */
#define HTTPD_ADDR_SLOTS_MAX (1u << 20)

struct httpd_addr_slot {
	uint32_t addr;			/* IPv4, host order; 0 = empty */
	uint32_t conns;			/* open connections from addr */
};

struct httpd_addr_table {
	struct httpd_addr_slot *slot;	/* the caller's memory, zeroed */
	uint32_t mask;			/* slots - 1 */
	uint32_t used;			/* addresses present */
	uint32_t seed;			/* hashes addresses an attacker picks */
};

/* Results of httpd_addr_acquire(). */
enum httpd_addr_verdict {
	HTTPD_ADDR_OK = 0,		/* counted: release it at close */
	HTTPD_ADDR_OVER_CAP,		/* the address has `cap` already: refuse */
	HTTPD_ADDR_UNTRACKED,		/* table full: allowed, not counted */
};

/* Slots for a lcore of `max_conns` connections: a power of two with room
 * for twice that many addresses (short probes), at most
 * HTTPD_ADDR_SLOTS_MAX. */
uint32_t httpd_addr_table_slots(uint32_t max_conns);

/* Use `slot` (`n_slots` zeroed entries, a power of two). */
void httpd_addr_table_init(struct httpd_addr_table *t, struct httpd_addr_slot *slot,
			   uint32_t n_slots, uint32_t seed);

/* A new connection from `addr` (not 0): count it unless the address
 * already has `cap` (>= 1) open connections. */
enum httpd_addr_verdict httpd_addr_acquire(struct httpd_addr_table *t, uint32_t addr,
					   uint32_t cap);

/* A connection counted by httpd_addr_acquire() is gone; an address whose
 * count drops to 0 leaves the table (backward-shift deletion: no
 * tombstones, probes stay short however long the server runs). */
void httpd_addr_release(struct httpd_addr_table *t, uint32_t addr);

/* Open connections counted for `addr` (tests, diagnostics). */
uint32_t httpd_addr_count(const struct httpd_addr_table *t, uint32_t addr);

/*
 * Receive-rate meter of one incomplete request: bytes over windows of at
 * least `window_ns`, judged when data arrives (silence is the idle
 * timeout's and the head deadline's business).
 */
struct httpd_rate {
	uint64_t start_ns;		/* start of the current window */
	uint64_t bytes;			/* received in it */
};

static inline void
httpd_rate_start(struct httpd_rate *r, uint64_t now)
{
	r->start_ns = now;
	r->bytes = 0;
}

/* `bytes` arrived at `now`. Once the window is `window_ns` old, returns 1
 * if it carried less than `min_rate` bytes/s over its whole length, and
 * starts the next window; else 0. */
int httpd_rate_feed(struct httpd_rate *r, uint64_t now, uint64_t bytes, uint32_t min_rate,
		    uint64_t window_ns);

/* RFC 9112 3.2: an HTTP/1.1 request has exactly one Host field line, any
 * request at most one. Returns 1 if `req` complies. */
int httpd_host_is_valid(const struct http_request *req);

#endif
