/* SPDX-License-Identifier: BSD-3-Clause
 *
 * App channels: a memzone holding the channel descriptor and two SPSC
 * rte_rings of fixed-size elements (events stack -> app, commands app ->
 * stack). Named after lcore and app so a secondary process can look them
 * up. The app side calls tern_chan_recv/send; the stack side drains
 * commands in tern_stack_process() and puts events after input processing.
 * Freeing a channel starts in the roof (lib/stack/stack_chan.c), which
 * tears down its sockets first, then calls chan_destroy().
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memzone.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core/stack_private.h"
#include "chan/chan_private.h"

/* Ring elements are these structs: their layout is the channel's ABI with
 * apps built against older headers and with secondary processes. Named
 * fields replaced `reserved` and unions name shared storage, without
 * moving a byte. */
_Static_assert(sizeof(struct tern_cmd) == 40, "tern_cmd layout changed");
_Static_assert(sizeof(struct tern_event) == 40, "tern_event layout changed");
_Static_assert(offsetof(struct tern_cmd, local_port) == 4 &&
	       offsetof(struct tern_cmd, len) == 28 &&
	       offsetof(struct tern_cmd, value) == 28, "tern_cmd fields moved");
_Static_assert(offsetof(struct tern_event, peer_port) == 2 &&
	       offsetof(struct tern_event, snd_space) == 28, "tern_event fields moved");

#define CHAN_NAME_MAX 16

struct tern_chan {
	char app[CHAN_NAME_MAX];
	unsigned int lcore_id;
	struct tern_stack *stack;
	struct rte_ring *ev;		/* stack -> app */
	struct rte_ring *cmd;		/* app -> stack */
	const struct rte_memzone *mz;
};

_Static_assert(sizeof(struct tern_event) % 4 == 0, "ring elements are 4-byte multiples");
_Static_assert(sizeof(struct tern_cmd) % 4 == 0, "ring elements are 4-byte multiples");

static void
chan_names(char *mz, char *ev, char *cmd, size_t len, unsigned int lcore,
	   const char *app)
{
	snprintf(mz, len, "tch_%u_%s", lcore, app);
	snprintf(ev, len, "tev_%u_%s", lcore, app);
	snprintf(cmd, len, "tcm_%u_%s", lcore, app);
}

struct tern_chan *
tern_chan_create(struct tern_stack *s, const char *app, unsigned int size)
{
	char mzn[RTE_MEMZONE_NAMESIZE], evn[RTE_MEMZONE_NAMESIZE], cmn[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	struct tern_chan *c;
	int socket;

	if (s == NULL || app == NULL || app[0] == '\0' || strlen(app) >= CHAN_NAME_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (size == 0)
		size = s->cfg.chan_size ? s->cfg.chan_size : 4096;
	if (!rte_is_power_of_2(size)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (s->n_chans == STACK_MAX_CHANS) {
		rte_errno = ENOSPC;
		return NULL;
	}
	socket = (int)rte_lcore_to_socket_id(s->lcore_id);
	chan_names(mzn, evn, cmn, sizeof(mzn), s->lcore_id, app);
	mz = rte_memzone_reserve(mzn, sizeof(*c), socket < 0 ? SOCKET_ID_ANY : socket, 0);
	if (mz == NULL)
		return NULL;			/* rte_errno: EEXIST, ENOMEM ... */
	c = mz->addr;
	memset(c, 0, sizeof(*c));
	snprintf(c->app, sizeof(c->app), "%s", app);
	c->lcore_id = s->lcore_id;
	c->stack = s;
	c->mz = mz;
	/* The ring holds size - 1 elements; use exact size so `size` fit. */
	c->ev = rte_ring_create_elem(evn, sizeof(struct tern_event), size, socket,
				     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	c->cmd = rte_ring_create_elem(cmn, sizeof(struct tern_cmd), size, socket,
				      RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (c->ev == NULL || c->cmd == NULL) {
		int err = rte_errno;

		rte_ring_free(c->ev);
		rte_ring_free(c->cmd);
		rte_memzone_free(mz);
		rte_errno = err;
		return NULL;
	}
	s->chans[s->n_chans++] = c;
	return c;
}

struct tern_chan *
tern_chan_lookup(unsigned int lcore_id, const char *app)
{
	char mzn[RTE_MEMZONE_NAMESIZE], evn[RTE_MEMZONE_NAMESIZE], cmn[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	if (app == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	chan_names(mzn, evn, cmn, sizeof(mzn), lcore_id, app);
	mz = rte_memzone_lookup(mzn);
	if (mz == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	return mz->addr;
}

unsigned int
tern_chan_recv(struct tern_chan *c, struct tern_event *ev, unsigned int n)
{
	return rte_ring_dequeue_burst_elem(c->ev, ev, sizeof(*ev), n, NULL);
}

unsigned int
tern_chan_send(struct tern_chan *c, const struct tern_cmd *cmd, unsigned int n)
{
	return rte_ring_enqueue_burst_elem(c->cmd, cmd, sizeof(*cmd), n, NULL);
}

unsigned int
tern_chan_pending(const struct tern_chan *c)
{
	return rte_ring_count(c->ev);
}

unsigned int
chan_cmds_take(struct tern_chan *c, struct tern_cmd *cmd, unsigned int n)
{
	return rte_ring_dequeue_burst_elem(c->cmd, cmd, sizeof(*cmd), n, NULL);
}

int
chan_event_put(struct tern_chan *c, const struct tern_event *ev)
{
	return rte_ring_enqueue_elem(c->ev, (void *)(uintptr_t)ev, sizeof(*ev)) == 0 ? 0 : -ENOBUFS;
}

static void
ring_drain(struct rte_ring *r, unsigned int esize, size_t mbuf_off)
{
	uint8_t elem[64];

	while (rte_ring_dequeue_elem(r, elem, esize) == 0) {
		struct rte_mbuf *m;

		memcpy(&m, elem + mbuf_off, sizeof(m));
		rte_pktmbuf_free(m);
	}
}

struct tern_stack *
chan_stack(const struct tern_chan *c)
{
	return c->stack;
}

void
chan_destroy(struct tern_chan *c)
{
	_Static_assert(sizeof(struct tern_event) <= 64 && sizeof(struct tern_cmd) <= 64,
		       "drain buffer");
	ring_drain(c->ev, sizeof(struct tern_event), offsetof(struct tern_event, m));
	ring_drain(c->cmd, sizeof(struct tern_cmd), offsetof(struct tern_cmd, m));
	rte_ring_free(c->ev);
	rte_ring_free(c->cmd);
	rte_memzone_free(c->mz);
}
