/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's request processing: the input a connection has queued is
 * consumed in order, request heads parsed and routed, bodies discarded,
 * answers sent. httpd_conn.c calls conn_process() when input arrives,
 * the send side opens again or the ready list comes round, and
 * conn_timeout() when a head deadline or the rate meter runs out.
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
 * A complete head from an HTTP/1.1 client without exactly one Host field
 * line is answered 400 (RFC 9112 3.2).
 */
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "httpd_conn_private.h"

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
void
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
void
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
