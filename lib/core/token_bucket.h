/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The one token bucket of lib/: a rate limit over the stack's clock, kept
 * as time credit (one token = cost_ns of credit, at most burst tokens
 * held) so refilling is an addition, not a division. Users own their
 * bucket and call token_bucket_take() with the iteration's `now` for each
 * event to limit: ICMP errors (ip/icmp_output.c, RFC 1812 4.3.2.8) and
 * RFC 5961 challenge ACKs (tcp/tcp_output.c). Pure: no clock read, no
 * allocation.
 */
#ifndef TERN_TOKEN_BUCKET_H
#define TERN_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
	uint64_t level_ns;		/* credit held, as time */
	uint64_t last_ns;		/* when level_ns was brought up to date */
	uint64_t cost_ns;		/* credit one token costs; 0 = nothing passes */
	uint64_t depth_ns;		/* most credit held: burst tokens */
};

/* `rate_per_s` tokens a second (0: the bucket never lets anything pass),
 * at most `burst` of them held, `tokens` held at time `now_ns`. */
static inline void
token_bucket_init(struct token_bucket *b, uint32_t rate_per_s, uint32_t burst,
		  uint32_t tokens, uint64_t now_ns)
{
	b->cost_ns = rate_per_s != 0 ? 1000000000ull / rate_per_s : 0;
	b->depth_ns = b->cost_ns * burst;
	b->level_ns = b->cost_ns * (tokens < burst ? tokens : burst);
	b->last_ns = now_ns;
}

/* Take one token at `now_ns` (not before the last call): true when there
 * was one, false when the event is over the limit. */
static inline bool
token_bucket_take(struct token_bucket *b, uint64_t now_ns)
{
	if (b->cost_ns == 0)
		return false;
	b->level_ns += now_ns - b->last_ns;
	b->last_ns = now_ns;
	if (b->level_ns > b->depth_ns)
		b->level_ns = b->depth_ns;
	if (b->level_ns < b->cost_ns)
		return false;
	b->level_ns -= b->cost_ns;
	return true;
}

#endif
