/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP echo over the tern channel API; see echo_tcp.h. One instance per
 * lcore, driven by that lcore's event loop in main.c.
 */
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "echo_tcp.h"

/* Listener cookies; an accepted connection inherits its listener's. */
enum { LISTEN_ECHO = 0, LISTEN_DISCARD = 1 };

struct echo_conn {
	uint64_t handle;		/* 0 = free */
	struct rte_mbuf *held;		/* refused by a full send queue */
	uint32_t held_len;
	uint32_t uncredited;		/* held bytes not yet credited back */
	uint8_t full;			/* TERN_EV_TCP_FULL seen, no WRITABLE yet */
	uint8_t close_when_sent;
	uint8_t discard;		/* accepted on the discard port */
};

int
echo_tcp_init(struct echo_tcp *t, struct tern_chan *c, uint32_t max_conns,
	      uint16_t echo_port, uint16_t discard_port)
{
	memset(t, 0, sizeof(*t));
	t->chan = c;
	t->n_slots = max_conns;
	t->conns = rte_zmalloc("echo_conns", (size_t)max_conns * sizeof(*t->conns), 0);
	if (t->conns == NULL)
		return -1;
	if (echo_port != 0 && tern_tcp_listen(c, echo_port, 0, LISTEN_ECHO) != 0)
		return -1;
	if (discard_port != 0 && tern_tcp_listen(c, discard_port, 0, LISTEN_DISCARD) != 0)
		return -1;
	return 0;
}

static struct echo_conn *
conn_of(struct echo_tcp *t, uint64_t handle)
{
	uint32_t slot = (uint32_t)(handle >> 32) & 0xffffff;

	return slot < t->n_slots ? &t->conns[slot] : NULL;
}

/* Queue `m` back to the peer; on a full send queue hold it until
 * TERN_EV_TCP_WRITABLE. Bytes are credited back to the receive window only
 * once they are queued for sending: a peer that does not read its echoes
 * is slowed down by its own window. */
static void
queue_or_hold(struct echo_tcp *t, struct echo_conn *ec, struct rte_mbuf *m, uint32_t len)
{
	if (ec->held != NULL || ec->full) {
		if (ec->held == NULL) {
			ec->held = m;
			ec->held_len = len;
			return;
		}
		/* keep order: append behind what is already waiting */
		if (rte_pktmbuf_chain(ec->held, m) != 0) {
			rte_pktmbuf_free(m);
			tern_tcp_abort(t->chan, ec->handle);
			return;
		}
		ec->held_len += len;
		return;
	}
	if (tern_tcp_send(t->chan, ec->handle, m) != 0) {
		/* the command ring is full: the stack is not draining it, so
		 * order can no longer be kept; fail loudly, not silently */
		rte_pktmbuf_free(m);
		t->ring_full++;
		tern_tcp_abort(t->chan, ec->handle);
		return;
	}
	t->bytes += len;
	if (ec->uncredited != 0)
		tern_tcp_recvd(t->chan, ec->handle, ec->uncredited);
	ec->uncredited = 0;
}

/* A refused chain comes back (only when the send queue is at twice its
 * limit, which holding at TERN_EV_TCP_FULL avoids). */
static void
queue_or_hold_back(struct echo_conn *ec, struct rte_mbuf *m, uint32_t len)
{
	if (ec->held == NULL) {
		ec->held = m;
		ec->held_len = len;
	} else if (rte_pktmbuf_chain(ec->held, m) == 0) {
		ec->held_len += len;
	} else {
		rte_pktmbuf_free(m);
	}
}

static void
echo_back(struct echo_tcp *t, struct echo_conn *ec, struct rte_mbuf *m, uint32_t len)
{
	ec->uncredited += len;
	queue_or_hold(t, ec, m, len);
}

static void
retry_held(struct echo_tcp *t, struct echo_conn *ec)
{
	struct rte_mbuf *m = ec->held;
	uint32_t len = ec->held_len;

	if (m == NULL)
		return;
	ec->held = NULL;
	ec->held_len = 0;
	queue_or_hold(t, ec, m, len);
	if (ec->held == NULL && ec->close_when_sent)
		tern_tcp_close(t->chan, ec->handle);
}

static void
conn_gone(struct echo_tcp *t, struct echo_conn *ec)
{
	rte_pktmbuf_free(ec->held);
	memset(ec, 0, sizeof(*ec));
	t->closed++;
}

int
echo_tcp_event(struct echo_tcp *t, const struct tern_event *ev)
{
	struct echo_conn *ec = conn_of(t, ev->handle);

	switch (ev->type) {
	case TERN_EV_TCP_LISTENING:
		if (ev->status != 0) {
			fprintf(stderr, "tern-echo: tcp listen %u: %s\n", ev->port,
				strerror(-ev->status));
			return -1;
		}
		if (t->n_listeners < RTE_DIM(t->listeners))
			t->listeners[t->n_listeners++] = ev->handle;
		return 0;
	case TERN_EV_TCP_ACCEPTED:
		if (ec == NULL) {
			tern_tcp_abort(t->chan, ev->handle);
			return 0;
		}
		memset(ec, 0, sizeof(*ec));
		ec->handle = ev->handle;
		ec->discard = ev->cookie == LISTEN_DISCARD;
		t->accepted++;
		return 0;
	case TERN_EV_TCP_DATA:
		if (ec == NULL || ec->handle != ev->handle) {
			rte_pktmbuf_free(ev->m);
			return 0;
		}
		if (ec->discard) {
			/* RFC 863: thrown away, the window reopened at once */
			t->discarded += ev->len;
			rte_pktmbuf_free(ev->m);
			tern_tcp_recvd(t->chan, ev->handle, ev->len);
			return 0;
		}
		echo_back(t, ec, ev->m, ev->len);
		return 0;
	case TERN_EV_CMD_ERROR:
		/* past twice the send buffer (we hold at FULL, so this
		 * does not happen): the chain comes back; keep it */
		if (ec != NULL && ec->handle == ev->handle && ev->m != NULL &&
		    ev->status == -ENOBUFS) {
			queue_or_hold_back(ec, ev->m, ev->len);
			ec->full = 1;
			return 0;
		}
		rte_pktmbuf_free(ev->m);
		return 0;
	case TERN_EV_TCP_FULL:
		if (ec != NULL && ec->handle == ev->handle)
			ec->full = 1;
		return 0;
	case TERN_EV_TCP_WRITABLE:
		if (ec != NULL && ec->handle == ev->handle) {
			ec->full = 0;
			retry_held(t, ec);
		}
		return 0;
	case TERN_EV_TCP_PEER_CLOSED:
		if (ec == NULL || ec->handle != ev->handle)
			return 0;
		if (ec->held == NULL)
			tern_tcp_close(t->chan, ev->handle);
		else
			ec->close_when_sent = 1;
		return 0;
	case TERN_EV_TCP_CLOSED:
		if (ec != NULL && ec->handle == ev->handle)
			conn_gone(t, ec);
		return 0;
	default:
		rte_pktmbuf_free(ev->m);
		return 0;
	}
}

unsigned int
echo_tcp_leave(struct echo_tcp *t)
{
	unsigned int failed = 0;
	uint32_t i;

	for (i = 0; i < t->n_listeners; i++)
		failed += tern_tcp_unlisten(t->chan, t->listeners[i]) != 0;
	t->n_listeners = 0;
	for (i = 0; t->conns != NULL && i < t->n_slots; i++)
		if (t->conns[i].handle != 0)
			failed += tern_tcp_abort(t->chan, t->conns[i].handle) != 0;
	return failed;
}

void
echo_tcp_fini(struct echo_tcp *t)
{
	uint32_t i;

	if (t->conns == NULL)
		return;
	for (i = 0; i < t->n_slots; i++)
		rte_pktmbuf_free(t->conns[i].held);
	rte_free(t->conns);
	t->conns = NULL;
}
