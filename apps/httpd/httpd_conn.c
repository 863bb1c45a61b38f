/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's per-lcore server; see httpd_conn.h. main.c's loop calls
 * httpd_srv_tick() after each tern_stack_poll(), httpd_srv_event() for
 * every event, then httpd_srv_run().
 *
 * Input: the mbufs of TERN_EV_TCP_DATA are queued per connection (inq) and
 * consumed in order: request heads are parsed in place when one segment
 * holds them whole, else their bytes are copied into a head buffer of
 * HTTPD_HEAD_LIMIT bytes taken from a per-lcore mempool only while a head
 * is partial; request bodies are counted off (Content-Length or chunked)
 * and discarded. Bytes are credited back (tern_tcp_recvd) as they are
 * consumed, so a client that pipelines faster than it reads is slowed by
 * its own window.
 *
 * Output: a response is sent as soon as its request is complete, so
 * pipelined answers leave in request order. Input is not consumed while
 * the send queue is full (TERN_EV_TCP_FULL .. TERN_EV_TCP_WRITABLE), and
 * at most tcp.sndbuf bytes are answered per connection per loop iteration
 * (the rest waits on the ready list), so every send fits in the stack's
 * slack of twice tcp.sndbuf and nothing is ever refused out of order.
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
 * any state here. A complete head from an HTTP/1.1 client without exactly
 * one Host field line is answered 400 (RFC 9112 3.2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "httpd_conn.h"

#define NONE UINT32_MAX
#define HBUF_POOL_SIZE 2047u

enum body_kind {
	BODY_NONE = 0,
	BODY_LENGTH,
	BODY_CHUNKED,
};

struct httpd_conn {
	uint64_t handle;		/* 0 = free */
	struct rte_mbuf *inq;		/* received, not consumed (segments by next) */
	struct rte_mbuf *inq_tail;
	uint32_t inq_off;		/* consumed bytes of inq's first segment */
	uint32_t hlen;			/* bytes in hbuf */
	char *hbuf;			/* a partial request head, or NULL */
	uint64_t body_left;		/* BODY_LENGTH: bytes still to discard */
	struct http_chunked chunk;	/* BODY_CHUNKED decoder */
	struct httpd_resp pend;		/* the answer, sent once the body is gone */
	uint8_t body;			/* enum body_kind */
	uint8_t full;			/* TERN_EV_TCP_FULL seen, no WRITABLE yet */
	uint8_t closing;		/* close or abort sent: consume nothing more */
	uint8_t aborted;
	uint8_t peer_closed;
	uint32_t served;		/* requests answered */
	uint32_t uncredited;		/* consumed bytes not yet credited back */
	uint64_t pass_iter;		/* loop iteration of pass_bytes */
	uint64_t pass_bytes;		/* bytes answered in that iteration */
	struct httpd_rate rate;		/* incomplete request's meter */
	struct {
		uint64_t deadline_ns;
		uint32_t prev, next;
	} dl[HTTPD_DL_COUNT];
	uint32_t addr;			/* peer IPv4 (host order) */
	uint8_t in_dl;			/* bit per enum httpd_dl */
	uint8_t addr_counted;		/* in h->addrs: release at reset */
	uint8_t rate_on;		/* a request is incomplete: rate is metered */
	/* ready list membership outlives the connection (see conn_reset) */
	uint8_t queued;
	uint32_t ready_next;
};

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
static void
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

static void
ready_add(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->queued)
		return;
	c->queued = 1;
	c->ready_next = h->ready;
	h->ready = conn_idx(h, c);
}

/* -- connection lifetime ---------------------------------------------------- */

static void
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

static void
hbuf_release(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->hbuf != NULL)
		rte_mempool_put(h->hbufs, c->hbuf);
	c->hbuf = NULL;
	c->hlen = 0;
	dl_unlink(h, c, HTTPD_DL_HEAD);	/* no partial head, no head deadline */
}

/* Drop what is left of the input (the connection is closing). */
static void
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

static void
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
static void
credit_flush(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->uncredited != 0 && !c->closing)
		tern_tcp_recvd(h->chan, c->handle, c->uncredited);
	c->uncredited = 0;
}

/* Orderly close after what was sent; aborted if not gone within the idle
 * timeout (a peer that never reads, or never closes its side). */
static void
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

/* -- responses -------------------------------------------------------------- */

static enum httpd_st
st_index(uint16_t status)
{
	switch (status) {
	case 200: return HTTPD_ST_200;
	case 400: return HTTPD_ST_400;
	case 404: return HTTPD_ST_404;
	case 414: return HTTPD_ST_414;
	case 405: return HTTPD_ST_405;
	case 408: return HTTPD_ST_408;
	case 431: return HTTPD_ST_431;
	case 501: return HTTPD_ST_501;
	case 505: return HTTPD_ST_505;
	default: return HTTPD_ST_OTHER;
	}
}

/* Queue one response (in request order); close after it if it says so. */
static void
send_resp(struct httpd_srv *h, struct httpd_conn *c, const struct httpd_resp *r)
{
	struct rte_mbuf *m = httpd_resp_build(&h->body, r);
	uint32_t len;

	if (m == NULL) {
		h->st.mbuf_short++;
		conn_abort(h, c);
		return;
	}
	len = m->pkt_len;
	if (tern_tcp_send(h->chan, c->handle, m) != 0) {
		/* the stack is not draining the ring: order is lost, fail loudly */
		rte_pktmbuf_free(m);
		h->st.ring_full++;
		conn_abort(h, c);
		return;
	}
	h->st.requests++;
	h->st.status[st_index(r->status)]++;
	h->st.tx_bytes += len;
	if (r->status < 300 && !r->head_only)
		h->st.body_bytes += r->body_len;
	c->pass_bytes += len;
	if (++c->served == 2)
		h->st.conns_reused++;
	if (r->close)
		conn_close(h, c);
}

static void
answer_error(struct httpd_srv *h, struct httpd_conn *c, uint16_t status)
{
	struct httpd_resp r = { .status = status, .close = 1 };

	c->body = BODY_NONE;
	send_resp(h, c, &r);
}

/* `/bytes/N`: N decimal, at most max_body. Returns 0 or -1. */
static int
parse_bytes(const char *s, size_t len, uint32_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Decide the answer to a parsed request head. */
static void
route(const struct httpd_srv *h, const struct http_request *req, struct httpd_resp *r)
{
	static const char bytes_prefix[] = "/bytes/";
	const size_t bp = sizeof(bytes_prefix) - 1;
	const char *q = memchr(req->path, '?', req->path_len);
	size_t plen = q != NULL ? (size_t)(q - req->path) : req->path_len;

	memset(r, 0, sizeof(*r));
	r->close = !req->keep_alive;
	r->keep_alive_10 = req->version_minor == 0 && req->keep_alive;
	r->head_only = req->method == HTTP_M_HEAD;
	switch (req->method) {
	case HTTP_M_GET:
	case HTTP_M_HEAD:
		break;
	case HTTP_M_POST:
	case HTTP_M_PUT:
	case HTTP_M_DELETE:
	case HTTP_M_OPTIONS:
	case HTTP_M_PATCH:
		r->status = 405;
		break;
	default:
		r->status = 501;
		break;
	}
	if (r->status == 0) {
		if (plen == 1 && req->path[0] == '/') {
			r->status = 200;
			r->body_len = h->conf.body_size;
		} else if (plen > bp && memcmp(req->path, bytes_prefix, bp) == 0) {
			r->status = parse_bytes(req->path + bp, plen - bp, h->conf.max_body,
						&r->body_len) == 0 ? 200 : 400;
		} else {
			r->status = 404;
		}
	}
	if (r->status >= 400) {
		r->close = 1;		/* after an error, the connection goes */
		r->keep_alive_10 = 0;
	}
}

/* A request is incomplete from now on: meter its receive rate. */
static void
rate_begin(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->rate_on)
		return;
	c->rate_on = 1;
	httpd_rate_start(&c->rate, h->now);
}

/* Out of time (head deadline or rate): 408 and close (RFC 9110 15.5.9);
 * with the send queue full nothing more can be said: abort. */
static void
conn_timeout(struct httpd_srv *h, struct httpd_conn *c)
{
	if (c->full)
		conn_abort(h, c);
	else
		answer_error(h, c, 408);
	conn_drop_input(h, c);
	c->rate_on = 0;
}

static void
head_parsed(struct httpd_srv *h, struct httpd_conn *c, const struct http_request *req)
{
	struct httpd_resp r;

	if (!httpd_host_is_valid(req)) {
		h->st.bad_host++;
		c->rate_on = 0;
		answer_error(h, c, 400);
		return;
	}
	route(h, req, &r);
	if (r.status >= 400 || !req->has_body) {
		c->rate_on = 0;		/* the request is whole */
		send_resp(h, c, &r);
		return;
	}
	/* a body on GET/HEAD: answered once it is read and discarded */
	rate_begin(h, c);
	c->pend = r;
	if (req->chunked) {
		c->body = BODY_CHUNKED;
		memset(&c->chunk, 0, sizeof(c->chunk));
	} else {
		c->body = BODY_LENGTH;
		c->body_left = req->content_length;
	}
}

/* -- input ------------------------------------------------------------------ */

static uint16_t
parse_error_status(enum http_status st)
{
	switch (st) {
	case HTTP_TOO_LARGE: return 431;
	case HTTP_BAD_VERSION: return 505;
	case HTTP_URI_TOO_LONG: return 414;
	default: return 400;
	}
}

/* Discard request body bytes; returns the bytes used. */
static uint32_t
consume_body(struct httpd_srv *h, struct httpd_conn *c, const char *p, uint32_t avail)
{
	uint64_t data;
	long r;

	if (c->body == BODY_LENGTH) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)avail, c->body_left);

		c->body_left -= n;
		if (c->body_left == 0) {
			c->body = BODY_NONE;
			c->rate_on = 0;
			send_resp(h, c, &c->pend);
		}
		return n;
	}
	r = http_chunked_feed(&c->chunk, p, avail, &data);
	if (r < 0 || (r == 0 && !c->chunk.done)) {
		answer_error(h, c, 400);
		return avail;
	}
	if (c->chunk.done) {
		c->body = BODY_NONE;
		c->rate_on = 0;
		send_resp(h, c, &c->pend);
	}
	return (uint32_t)r;
}

/* A head that spans segments or events: accumulate it in a head buffer. */
static uint32_t
consume_head_buffered(struct httpd_srv *h, struct httpd_conn *c, const char *p,
		      uint32_t avail)
{
	struct http_request *req = &h->req;
	uint32_t old = c->hlen, n;
	enum http_status st;

	if (c->hbuf == NULL) {
		if (rte_mempool_get(h->hbufs, (void **)&c->hbuf) != 0) {
			c->hbuf = NULL;
			h->st.head_buf_short++;
			conn_abort(h, c);
			return avail;
		}
		/* a partial head: its deadline runs from here, never re-armed */
		if (h->conf.head_ns != 0)
			dl_arm(h, c, HTTPD_DL_HEAD, h->conf.head_ns);
		rate_begin(h, c);
	}
	n = RTE_MIN(avail, HTTPD_HEAD_LIMIT - old);
	memcpy(c->hbuf + old, p, n);
	c->hlen = old + n;
	st = http_parse_request(c->hbuf, c->hlen, HTTPD_HEAD_LIMIT, req);
	if (st == HTTP_OK && req->head_len > old) {
		hbuf_release(h, c);
		head_parsed(h, c, req);
		return req->head_len - old;
	}
	if (st == HTTP_INCOMPLETE && c->hlen < HTTPD_HEAD_LIMIT)
		return n;
	hbuf_release(h, c);
	answer_error(h, c, st == HTTP_INCOMPLETE || st == HTTP_OK ? 431 :
			   parse_error_status(st));
	return n;
}

static uint32_t
consume_head(struct httpd_srv *h, struct httpd_conn *c, const char *p, uint32_t avail)
{
	struct http_request *req = &h->req;
	enum http_status st;

	if (c->hlen != 0)
		return consume_head_buffered(h, c, p, avail);
	st = http_parse_request(p, avail, HTTPD_HEAD_LIMIT, req);
	switch (st) {
	case HTTP_OK:
		head_parsed(h, c, req);
		return req->head_len;
	case HTTP_INCOMPLETE:
		if (avail >= HTTPD_HEAD_LIMIT) {
			answer_error(h, c, 431);
			return avail;
		}
		return consume_head_buffered(h, c, p, avail);
	default:
		answer_error(h, c, parse_error_status(st));
		return avail;
	}
}

/* Consume queued input while the send side takes answers. */
static void
conn_process(struct httpd_srv *h, struct httpd_conn *c)
{
	uint64_t used = 0;

	if (c->pass_iter != h->iter) {
		c->pass_iter = h->iter;
		c->pass_bytes = 0;
	}
	while (c->inq != NULL && !c->full && !c->closing) {
		struct rte_mbuf *m = c->inq;
		uint32_t avail = m->data_len - c->inq_off, n;
		const char *p = rte_pktmbuf_mtod_offset(m, const char *, c->inq_off);

		if (c->pass_bytes >= h->conf.sndbuf) {
			ready_add(h, c);	/* the rest next iteration */
			break;
		}
		if (avail > 0) {
			n = c->body != BODY_NONE ? consume_body(h, c, p, avail) :
						   consume_head(h, c, p, avail);
			c->inq_off += n;
			c->uncredited += n;
			used += n;
		}
		if (c->inq_off >= m->data_len)
			inq_pop(c);
	}
	h->st.rx_bytes += used;
	credit_flush(h, c);
	if (c->closing)
		conn_drop_input(h, c);
	else if (c->peer_closed && c->inq == NULL && !c->full)
		conn_close(h, c);	/* answered all it asked; a partial head is dropped */
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
