/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Read-only walk over the UDP socket table for listings (tern-stat
 * through the stack's mailbox, core/stack_mbox.h): bound sockets in slot
 * order. Called by the roof (stack/stack_stat.c) on the stack's lcore
 * between loop iterations; it changes nothing. Sockets are bound to a
 * port on every address and never connected, so an entry is
 * 0.0.0.0:port with no remote end (ss calls that UNCONN).
 */
#include <string.h>

#include "core/stack_private.h"
#include "udp/udp_private.h"

bool
udp_list_socks(const struct tern_stack *s, const struct stat_req *req,
	       struct stat_page *pg, uint32_t *pos, uint32_t *budget)
{
	const struct udp_table *t = s->udp;

	for (; *pos < t->n_socks; (*pos)++) {
		const struct udp_sock *u = &t->socks[*pos];
		struct stat_entry *e;

		if (stat_page_full(req, pg) || *budget == 0)
			return false;
		(*budget)--;
		if (u->port == 0 || !stat_req_match(req, 17, 0, u->port, 0))
			continue;
		e = &pg->e[pg->n++];
		memset(e, 0, sizeof(*e));
		e->v[STAT_F_PROTO] = 17;	/* IPPROTO_UDP */
		e->v[STAT_F_LPORT] = u->port;
	}
	return true;
}
