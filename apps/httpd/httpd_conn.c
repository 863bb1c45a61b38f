/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's per-lcore server; see httpd_conn.h. main.c's loop calls
 * httpd_srv_tick() after each tern_stack_poll(), httpd_srv_event() for
 * every event, then httpd_srv_run().
 *
 * This half owns the connection slots (indexed by handle slot), the
 * deadline and ready lists, a connection's lifetime (accept, close,
 * abort, reset) and the TCP events; httpd_req.c consumes the input and
 * answers.
 *
 * Deadlines: a connection sits in up to two lists ordered by deadline
 * (each list's deadlines are now + one timeout, so arming one appends it
 * at the tail: O(1)); the loop expires from the heads. Idle: re-armed on
 * any progress; an idle keep-alive connection is closed (FIN); one stuck
 * mid-request, with a full send queue, or still not gone a timeout after
 * our close, is aborted. Head: armed when a head is left partial (its
 * head buffer is taken) and never re-armed, so a client that dribbles a
 * header line now and then (slowloris) still gets 408 and a close when
 * the whole head has not arrived in time. While a request is incomplete
 * (partial head, or body still coming) each data event also feeds its
 * rate meter: below the minimum rate, 408 and close. The rate clock stops
 * while we hold input back (send queue full), as that stall is ours.
 *
 * Accept: with a cap per client address, a connection from an address
 * that already has that many is aborted at once (a RST), before it takes
 * any state here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "httpd_conn_private.h"

#define NONE UINT32_MAX
#define HBUF_POOL_SIZE 2047u

static inline uint32_t
conn_idx(const struct httpd_srv *h, const struct httpd_conn *c)
{
	return (uint32_t)(c - h->conns);
}

static struct httpd_conn *
conn_of(struct httpd_srv *h, uint64_t handle)
{
	uint32_t slot = (uint32_t)(handle >> 32) & 0xffffff;

	if (slot >= h->conf.max_conns || h->conns[slot].handle != handle || handle == 0)
		return NULL;
	return &h->conns[slot];
}

/* -- deadline lists and ready list ------------------------------------------ */

static void
dl_unlink(struct httpd_srv *h, struct httpd_conn *c, enum httpd_dl l)
{
	struct httpd_dl_list *list = &h->dl[l];

	if (!(c->in_dl & (1u << l)))
		return;
	if (c->dl[l].prev != NONE)
		h->conns[c->dl[l].prev].dl[l].next = c->dl[l].next;
	else
		list->head = c->dl[l].next;
	if (c->dl[l].next != NONE)
		h->conns[c->dl[l].next].dl[l].prev = c->dl[l].prev;
	else
		list->tail = c->dl[l].prev;
	c->in_dl &= (uint8_t)~(1u << l);
}

/* (Re)arm deadline `l`: now + `timeout_ns`, at the tail of its list. */
void
dl_arm(struct httpd_srv *h, struct httpd_conn *c, enum httpd_dl l, uint64_t timeout_ns)
{
	struct httpd_dl_list *list = &h->dl[l];
	uint32_t i = conn_idx(h, c);

	dl_unlink(h, c, l);
	c->dl[l].deadline_ns = h->now + timeout_ns;
	c->dl[l].next = NONE;
	c->dl[l].prev = list->tail;
	if (list->tail != NONE)
		h->conns[list->tail].dl[l].next = i;
	else
		list->head = i;
	list->tail = i;
	c->in_dl |= (uint8_t)(1u << l);
}

/* The connection whose deadline `l` has passed, oldest first, or NULL. */
static struct httpd_conn *
dl_expired(struct httpd_srv *h, enum httpd_dl l)
{
	struct httpd_conn *c;

	if (h->dl[l].head == NONE)
		return NULL;
	c = &h->conns[h->dl[l].head];
	return c->dl[l].deadline_ns <= h->now ? c : NULL;
}

static void
lru_touch(struct httpd_srv *h, struct httpd_conn *c)
{
	dl_arm(h, c, HTTPD_DL_IDLE, h->conf.idle_ns);
}

void
ready_add(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->queued)
		return;
	c->queued = 1;
	c->ready_next = h->ready;
	h->ready = conn_idx(h, c);
}

/* -- connection lifetime ---------------------------------------------------- */

void
inq_pop(struct httpd_conn *c)
{
	struct rte_mbuf *m = c->inq;

	c->inq = m->next;
	if (c->inq == NULL)
		c->inq_tail = NULL;
	c->inq_off = 0;
	m->next = NULL;
	m->nb_segs = 1;
	rte_pktmbuf_free_seg(m);
}

void
hbuf_release(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->hbuf != NULL)
		rte_mempool_put(h->hbufs, c->hbuf);
	c->hbuf = NULL;
	c->hlen = 0;
	dl_unlink(h, c, HTTPD_DL_HEAD);	/* no partial head, no head deadline */
}

/* Drop what is left of the input (the connection is closing). */
void
conn_drop_input(struct httpd_srv *h, struct httpd_conn *c)
{
	while (c->inq != NULL)
		inq_pop(c);
	hbuf_release(h, c);
	c->body = BODY_NONE;
}

/* Free a slot, keeping its ready-list link (the list may still hold it). */
static void
conn_reset(struct httpd_srv *h, struct httpd_conn *c)
{
	uint32_t next = c->ready_next;
	uint8_t queued = c->queued;

	conn_drop_input(h, c);
	dl_unlink(h, c, HTTPD_DL_IDLE);
	if (c->addr_counted)
		httpd_addr_release(&h->addrs, c->addr);
	memset(c, 0, sizeof(*c));
	c->queued = queued;
	c->ready_next = next;
}

void
conn_abort(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->aborted)
		return;
	tern_tcp_abort(h->chan, c->handle);
	c->closing = 1;
	c->aborted = 1;
	dl_unlink(h, c, HTTPD_DL_IDLE);
}

/* Credit consumed bytes back to the receive window (before any close:
 * the stack takes no credit once the app has closed). */
void
credit_flush(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->uncredited != 0 && !c->closing)
		tern_tcp_recvd(h->chan, c->handle, c->uncredited);
	c->uncredited = 0;
}

/* Orderly close after what was sent; aborted if not gone within the idle
 * timeout (a peer that never reads, or never closes its side). */
void
conn_close(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->closing)
		return;
	credit_flush(h, c);
	if (tern_tcp_close(h->chan, c->handle) != 0)
		h->st.ring_full++;
	c->closing = 1;
	lru_touch(h, c);
}
/* -- events ----------------------------------------------------------------- */

static void
on_accepted(struct httpd_srv *h, const struct tern_event *ev)
{
	uint32_t slot = (uint32_t)(ev->handle >> 32) & 0xffffff;
	enum httpd_addr_verdict v = HTTPD_ADDR_UNTRACKED;
	struct httpd_conn *c;

	if (slot >= h->conf.max_conns) {
		h->st.conns_overflow++;
		tern_tcp_abort(h->chan, ev->handle);
		return;
	}
	c = &h->conns[slot];
	if (c->handle != 0)
		conn_reset(h, c);	/* missed CLOSED: cannot happen, stay safe */
	if (h->conf.max_per_addr != 0 && ev->addr != 0)
		v = httpd_addr_acquire(&h->addrs, ev->addr, h->conf.max_per_addr);
	if (v == HTTPD_ADDR_OVER_CAP) {
		h->st.conns_addr_refused++;
		tern_tcp_abort(h->chan, ev->handle);
		return;
	}
	if (v == HTTPD_ADDR_UNTRACKED && h->conf.max_per_addr != 0)
		h->st.conns_addr_untracked++;
	c->addr_counted = v == HTTPD_ADDR_OK;
	c->addr = ev->addr;
	c->handle = ev->handle;
	h->st.conns_accepted++;
	if (ev->cookie < HTTPD_MAX_PORTS)	/* the listener's: its port index */
		h->st.accepted_by_port[ev->cookie]++;
	lru_touch(h, c);
	/* answers go out whole at the end of the loop iteration anyway */
	tern_tcp_nodelay(h->chan, ev->handle, 1);
}

static void
on_data(struct httpd_srv *h, struct httpd_conn *c, const struct tern_event *ev)
{
	if (c == NULL) {
		rte_pktmbuf_free(ev->m);
		return;
	}
	if (c->closing) {
		rte_pktmbuf_free(ev->m);	/* the stack takes no credit now */
		return;
	}
	/* held-back input (c->full) is our stall, not the client's */
	if (c->rate_on && h->conf.min_rate != 0 && !c->full &&
	    httpd_rate_feed(&c->rate, h->now, ev->len, h->conf.min_rate,
			    h->conf.rate_window_ns)) {
		h->st.slow_requests++;
		rte_pktmbuf_free(ev->m);
		conn_timeout(h, c);
		return;
	}
	if (c->inq_tail != NULL)
		c->inq_tail->next = ev->m;
	else
		c->inq = ev->m;
	c->inq_tail = rte_pktmbuf_lastseg(ev->m);
	lru_touch(h, c);
	conn_process(h, c);
}

int
httpd_srv_event(struct httpd_srv *h, const struct tern_event *ev)
{
	struct httpd_conn *c = conn_of(h, ev->handle);

	switch (ev->type) {
	case TERN_EV_TCP_LISTENING:
		if (ev->status != 0) {
			fprintf(stderr, "tern-httpd: listen on port %u: %s\n",
				h->conf.port + (unsigned int)ev->cookie, strerror(-ev->status));
			return -1;
		}
		h->listening++;
		return 0;
	case TERN_EV_TCP_ACCEPTED:
		on_accepted(h, ev);
		return 0;
	case TERN_EV_TCP_DATA:
		on_data(h, c, ev);
		return 0;
	case TERN_EV_TCP_FULL:
		if (c != NULL)
			c->full = 1;
		return 0;
	case TERN_EV_TCP_WRITABLE:
		if (c != NULL) {
			c->full = 0;
			if (!c->closing)
				lru_touch(h, c);
			if (c->rate_on)		/* a new window after our stall */
				httpd_rate_start(&c->rate, h->now);
			conn_process(h, c);
		}
		return 0;
	case TERN_EV_TCP_PEER_CLOSED:
		if (c != NULL) {
			c->peer_closed = 1;
			conn_process(h, c);
		}
		return 0;
	case TERN_EV_TCP_CLOSED:
		if (c != NULL) {
			h->st.conns_closed++;
			conn_reset(h, c);
		}
		return 0;
	case TERN_EV_CMD_ERROR:
		/* a send refused past twice the limit (we hold before, so this
		 * does not happen): order is lost, abort */
		if (c != NULL && ev->status == -ENOBUFS && ev->m != NULL) {
			h->st.send_refused++;
			conn_abort(h, c);
		}
		rte_pktmbuf_free(ev->m);
		return 0;
	default:
		rte_pktmbuf_free(ev->m);
		return 0;
	}
}

static void
expire_idle(struct httpd_srv *h)
{
	struct httpd_conn *c;

	while ((c = dl_expired(h, HTTPD_DL_IDLE)) != NULL) {
		h->st.idle_timeouts++;
		if (!c->closing && c->inq == NULL && c->hlen == 0 && c->body == BODY_NONE &&
		    !c->full) {
			conn_close(h, c);	/* re-armed: aborted if it hangs on */
		} else {
			conn_abort(h, c);
			conn_drop_input(h, c);
		}
	}
}

/* Heads still partial at their deadline (whatever trickled in since). */
static void
expire_heads(struct httpd_srv *h)
{
	struct httpd_conn *c;

	while ((c = dl_expired(h, HTTPD_DL_HEAD)) != NULL) {
		dl_unlink(h, c, HTTPD_DL_HEAD);
		h->st.head_timeouts++;
		conn_timeout(h, c);
	}
}

void
httpd_srv_run(struct httpd_srv *h)
{
	uint32_t i = h->ready;

	h->ready = NONE;
	while (i != NONE) {
		struct httpd_conn *c = &h->conns[i];

		i = c->ready_next;
		c->ready_next = NONE;
		c->queued = 0;
		if (c->handle != 0)
			conn_process(h, c);
	}
	expire_heads(h);
	expire_idle(h);
}

/* -- setup ------------------------------------------------------------------ */

/* The per-address table, sized once: accepting never allocates. */
static int
addr_table_create(struct httpd_srv *h, int socket)
{
	uint32_t n;
	void *slots;

	if (h->conf.max_per_addr == 0)
		return 0;
	n = httpd_addr_table_slots(h->conf.max_conns);
	slots = rte_zmalloc_socket("httpd_addrs", (size_t)n * sizeof(struct httpd_addr_slot),
				   RTE_CACHE_LINE_SIZE, socket);
	if (slots == NULL)
		return -1;
	httpd_addr_table_init(&h->addrs, slots, n, (uint32_t)rte_rand());
	return 0;
}

int
httpd_srv_init(struct httpd_srv *h, struct tern_chan *c, unsigned int lcore,
	       const struct httpd_srv_conf *conf, struct rte_mempool *pool)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(lcore);
	uint16_t i;

	memset(h, 0, sizeof(*h));
	h->chan = c;
	h->conf = *conf;
	h->ready = NONE;
	for (i = 0; i < HTTPD_DL_COUNT; i++)
		h->dl[i].head = h->dl[i].tail = NONE;
	h->conns = rte_zmalloc_socket("httpd_conns", (size_t)conf->max_conns *
				      sizeof(*h->conns), RTE_CACHE_LINE_SIZE, socket);

	snprintf(name, sizeof(name), "httpd_hbuf%u", lcore);
	h->hbufs = rte_mempool_create(name, HBUF_POOL_SIZE, HTTPD_HEAD_LIMIT, 32, 0,
				      NULL, NULL, NULL, NULL, socket, 0);
	if (h->conns == NULL || h->hbufs == NULL || addr_table_create(h, socket) != 0 ||
	    httpd_body_init(&h->body, pool, socket) != 0) {
		fprintf(stderr, "tern-httpd: lcore %u: no memory for connection state\n",
			lcore);
		httpd_srv_fini(h);
		return -1;
	}
	for (i = 0; i < conf->n_ports; i++)
		if (tern_tcp_listen(c, (uint16_t)(conf->port + i), 0, i) != 0) {
			fprintf(stderr, "tern-httpd: lcore %u: command ring full\n", lcore);
			httpd_srv_fini(h);
			return -1;
		}
	return 0;
}

void
httpd_srv_fini(struct httpd_srv *h)
{
	uint32_t i;

	if (h->conns != NULL)
		for (i = 0; i < h->conf.max_conns; i++)
			conn_drop_input(h, &h->conns[i]);
	httpd_body_fini(&h->body);
	rte_mempool_free(h->hbufs);
	h->hbufs = NULL;
	rte_free(h->conns);
	h->conns = NULL;
	rte_free(h->addrs.slot);
	h->addrs.slot = NULL;
}
