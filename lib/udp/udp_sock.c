/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP sockets: a fixed table per stack, a port -> slot index for O(1)
 * demultiplexing, and handles carrying lcore, slot and a generation so a
 * stale handle (socket closed, slot reused) is detected, never used.
 * Bind and close arrive as channel commands; every outcome is an event.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include "core/handle.h"
#include "core/stack_private.h"
#include "udp/udp_private.h"
#include "flow/flow_map.h"


struct udp_table *
udp_table_create(const struct tern_config *cfg, int socket)
{
	uint16_t n = cfg->udp_max_socks ? cfg->udp_max_socks : 256;
	size_t sz = sizeof(struct udp_table) + n * sizeof(struct udp_sock) +
		    n * sizeof(uint16_t);
	struct udp_table *t = rte_zmalloc_socket("tern_udp", sz, RTE_CACHE_LINE_SIZE, socket);
	uint16_t i;

	if (t == NULL)
		return NULL;
	t->n_socks = n;
	t->socks = (struct udp_sock *)(t + 1);
	t->free_list = (uint16_t *)(t->socks + n);
	for (i = 0; i < n; i++) {
		t->socks[i].gen = 1;
		t->free_list[i] = n - 1 - i;
	}
	t->n_free = n;
	return t;
}

void
udp_table_free(struct tern_stack *s, struct udp_table *t)
{
	(void)s;
	rte_free(t);
}

uint64_t
udp_sock_handle(const struct tern_stack *s, const struct udp_sock *u)
{
	return handle_encode(HANDLE_UDP_SOCK, s->lcore_id, (uint32_t)(u - s->udp->socks),
			     u->gen);
}

struct udp_sock *
udp_sock_get(struct tern_stack *s, uint64_t handle)
{
	struct udp_sock *u;
	uint32_t slot;

	if (!handle_decode(handle, HANDLE_UDP_SOCK, s->lcore_id, s->udp->n_socks, &slot))
		return NULL;
	u = &s->udp->socks[slot];
	if (u->port == 0 || !handle_gen_is(handle, u->gen))
		return NULL;
	return u;
}

struct udp_sock *
udp_sock_by_port(struct tern_stack *s, uint16_t port)
{
	uint16_t k = s->udp->by_port[port];

	return k == 0 ? NULL : &s->udp->socks[k - 1];
}

static bool
udp_port_in_use(void *arg, uint16_t port)
{
	const struct tern_stack *s = arg;

	return s->udp->by_port[port] != 0;
}

/* An ephemeral port whose datagrams this lcore owns: the flow map gives
 * each lcore its share of the range (flow_owner), so replies from anyone
 * come home. */
static uint16_t
ephemeral_port(struct tern_stack *s)
{
	const struct flow_map *m = s->iface[0].flow;
	const struct flow_tuple t = { .proto = IPPROTO_UDP };

	if (s->ephemeral_next < m->eph_lo || s->ephemeral_next > m->eph_hi)
		s->ephemeral_next = (uint16_t)(m->eph_lo +
					       rte_rand_max((uint64_t)m->eph_hi - m->eph_lo + 1));
	return flow_port_pick(m, s->queue_id, &t, &s->ephemeral_next, udp_port_in_use, s);
}

static void
bound_event(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd,
	    int status, uint64_t handle, uint16_t port)
{
	struct tern_event ev = { .type = TERN_EV_UDP_BOUND, .status = status,
				 .handle = handle, .cookie = cmd->cookie, .port = port };

	stack_event(s, c, &ev);
}

void
udp_cmd_bind(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct udp_table *t = s->udp;
	uint16_t port = cmd->port, slot;
	struct udp_sock *u;

	rte_pktmbuf_free(cmd->m);
	if (port == 0)
		port = ephemeral_port(s);
	if (port == 0 || t->by_port[port] != 0 || t->n_free == 0) {
		stack_ctr_inc(s, CTR_CHAN_CMD_BAD);
		bound_event(s, c, cmd, t->n_free == 0 ? -ENOSPC : -EADDRINUSE, 0, cmd->port);
		return;
	}
	slot = t->free_list[--t->n_free];
	u = &t->socks[slot];
	u->port = port;
	u->chan = c;
	u->cookie = cmd->cookie;
	t->by_port[port] = slot + 1;
	bound_event(s, c, cmd, 0, udp_sock_handle(s, u), port);
}

static void
sock_release(struct tern_stack *s, struct udp_sock *u)
{
	struct udp_table *t = s->udp;

	t->by_port[u->port] = 0;
	u->port = 0;
	u->chan = NULL;
	u->gen++;
	if (u->gen == 0)
		u->gen = 1;
	t->free_list[t->n_free++] = (uint16_t)(u - t->socks);
}

void
udp_cmd_close(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct udp_sock *u = udp_sock_get(s, cmd->handle);
	struct tern_event ev = { .type = TERN_EV_UDP_CLOSED, .handle = cmd->handle,
				 .cookie = cmd->cookie };

	rte_pktmbuf_free(cmd->m);
	if (u == NULL || u->chan != c) {
		stack_ctr_inc(s, CTR_CHAN_CMD_BAD);
		ev.type = TERN_EV_CMD_ERROR;
		ev.status = -EBADF;
	} else {
		ev.port = u->port;
		sock_release(s, u);
	}
	stack_event(s, c, &ev);
}

void
udp_chan_closed(struct tern_stack *s, struct tern_chan *c)
{
	uint16_t i;

	for (i = 0; i < s->udp->n_socks; i++)
		if (s->udp->socks[i].port != 0 && s->udp->socks[i].chan == c)
			sock_release(s, &s->udp->socks[i]);
}
