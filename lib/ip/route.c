/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The route table: each interface's connected subnet, then the first
 * interface's default gateway. Lookups are a scan of at most
 * TERN_MAX_IFACES entries. Called by every output path.
 */
#include "core/stack_private.h"
#include "ip/ip4.h"

#define IP4_BROADCAST 0xffffffffu

bool
route_is_local(const struct tern_stack *s, uint32_t ip)
{
	uint16_t i;

	for (i = 0; i < s->n_ifaces; i++)
		if (s->iface[i].ip == ip)
			return true;
	return false;
}

bool
route_is_broadcast(const struct tern_stack *s, uint32_t ip)
{
	uint16_t i;

	if (ip == IP4_BROADCAST)
		return true;
	for (i = 0; i < s->n_ifaces; i++) {
		const struct stack_iface *f = &s->iface[i];

		if (f->mask != IP4_BROADCAST && (ip & f->mask) == (f->ip & f->mask) &&
		    (ip | f->mask) == IP4_BROADCAST)
			return true;
	}
	return false;
}

bool
route_lookup(const struct tern_stack *s, uint32_t dst, struct route *r)
{
	uint16_t i;

	r->broadcast = route_is_broadcast(s, dst);
	for (i = 0; i < s->n_ifaces; i++) {
		const struct stack_iface *f = &s->iface[i];

		if ((dst & f->mask) == (f->ip & f->mask) || dst == IP4_BROADCAST) {
			r->iface = i;
			r->nexthop = dst;
			r->src = f->ip;
			return true;
		}
	}
	for (i = 0; i < s->n_ifaces; i++) {
		const struct stack_iface *f = &s->iface[i];

		if (f->gw != 0) {
			r->iface = i;
			r->nexthop = f->gw;
			r->src = f->ip;
			return true;
		}
	}
	return false;
}
