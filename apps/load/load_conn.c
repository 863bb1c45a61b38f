/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's connections: the commands one connection sends (connect,
 * request, close), when it sends its next request, and what the stack's
 * events do to it. The worker loop (load_worker.c) calls in here for every
 * event, for the connections that are due and for the queued connects.
 *
 * Closed loop: a connection sends its next request as soon as the previous
 * response is complete; latency counts from the send (from the connect in
 * --close mode, where the handshake is part of every request). Open loop
 * (-R): request k of connection j is intended at sched_intended_ns(j, k)
 * (sched.h); it is sent when due and the connection is free (no
 * pipelining, as wrk2), and its latency counts from the intended time, so
 * a response that is late delays the following requests and their waiting
 * shows in the tail (no coordinated omission). Idle connections wait for
 * their due time in a binary min-heap (load_time.c, with the clock).
 *
 * A response is read as it arrives by load_resp.c (head in place or
 * gathered, body by Content-Length, chunked framing or the peer's FIN).
 * Every event carries the cookie of the connect that made its connection
 * (index | generation << 32), so events of a connection this side already
 * gave up (timeout, error, retired) are recognised and only cleaned up.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "load_worker_private.h"

/* Connects in flight (SYN sent, no answer yet) per lcore: self-clocked
 * ramp-up that never overruns the server's SYN backlog (1024 by default)
 * or the port's rings, however many connections are asked for. */
#define CONNECT_WINDOW 256
#define BACKOFF_MIN_NS 1000000ull	/* a refused connect waits 1 ms, doubling ... */
#define BACKOFF_MAX_NS 1000000000ull	/* ... up to 1 s */

/* ---- commands ------------------------------------------------------------------ */

static uint64_t
cookie_of(const struct load_worker *w, const struct load_conn *k)
{
	return (uint64_t)k->gen << 32 | (uint64_t)(k - w->conns);
}

static void
want_connect(struct load_worker *w, struct worker_priv *p, struct load_conn *k)
{
	uint32_t i = (uint32_t)(k - w->conns);

	conn_set(p, k, C_IDLE);
	if (p->ending || k->in_connq)
		return;
	k->in_connq = 1;
	p->connq[(p->q_head + p->q_n++) % w->n] = i;
}

/* Give up the current connection: RST (abort) or an orderly close after
 * the peer's FIN (retire). The next events of it carry an old generation. */
void
conn_drop(struct load_worker *w, struct load_conn *k, int abort)
{
	struct worker_priv *p = w->priv;

	if (k->state == C_READY || k->state == C_BUSY) {
		if (abort) {
			conn_cmd(w, TERN_CMD_TCP_ABORT, k->handle, 0);
		} else if (k->peer_closed) {
			conn_cmd(w, TERN_CMD_TCP_CLOSE, k->handle, 0);
		} else {
			if (k->has_old)		/* only one may linger */
				conn_cmd(w, TERN_CMD_TCP_CLOSE, k->old_handle, 0);
			k->old_handle = k->handle;
			k->old_gen = k->gen;
			k->has_old = 1;
		}
	}
	if (k->state == C_BUSY)
		p->busy--;
	k->gen = (k->gen + 1) & GEN_MASK;
	k->handle = 0;
	k->hlen = 0;
	conn_set(p, k, C_IDLE);
}

static int
send_request(struct load_worker *w, struct worker_priv *p, struct load_conn *k, uint64_t now)
{
	const struct load_opts *o = w->o;
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0;

	while (off < o->request_len) {
		uint32_t n;
		char *d;

		m = rte_pktmbuf_alloc(w->pool);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return -1;
		}
		n = RTE_MIN(o->request_len - off, (uint32_t)rte_pktmbuf_tailroom(m));
		d = rte_pktmbuf_append(m, (uint16_t)n);
		if (d == NULL || (head != NULL && rte_pktmbuf_chain(head, m) != 0)) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return -1;
		}
		memcpy(d, o->request + off, n);
		if (head == NULL)
			head = m;
		off += n;
	}
	if (tern_tcp_cmd(w->chan, TERN_CMD_TCP_SEND, k->handle, head, 0,
			 cookie_of(w, k) | CK_CMD) != 0) {
		rte_pktmbuf_free(head);
		return -1;
	}
	if (o->rate == 0 && !o->close_mode)
		k->t0_ns = now;
	if (!o->close_mode)		/* --close: counted from the connect */
		k->deadline_ns = now + o->timeout_ns;
	conn_set(p, k, C_BUSY);
	k->body = B_HEAD;
	k->hlen = 0;
	k->k++;
	w->sent++;
	p->busy++;
	return 0;
}

/* A connect refused (RST to the SYN, or the stack said no at once): the
 * next try waits, exponentially longer up to BACKOFF_MAX_NS, so a port
 * nobody listens on is not hammered tens of thousands of times a second.
 * A connection that comes up starts afresh. */
static void
backoff(struct load_conn *k, uint64_t now)
{
	k->backoff_ns = k->backoff_ns == 0 ? BACKOFF_MIN_NS :
			RTE_MIN(2 * k->backoff_ns, BACKOFF_MAX_NS);
	k->retry_ns = now + k->backoff_ns;
}

/* A connection is free (connected and idle, or without a connection):
 * start its next request now or when due. */
void
conn_next(struct load_worker *w, struct worker_priv *p, struct load_conn *k, uint64_t now)
{
	const struct load_opts *o = w->o;

	if (p->ending) {
		if (k->state == C_READY)
			conn_drop(w, k, 0);
		return;
	}
	if (k->state == C_IDLE && k->retry_ns > now) {
		if (!k->in_heap && !k->in_connq)	/* refused: wait (backoff) */
			load_due_push(&p->due, w->conns, (uint32_t)(k - w->conns), k->retry_ns);
		return;
	}
	if (k->state == C_IDLE && !o->close_mode) {
		want_connect(w, p, k);		/* keep-alive: (re)connect at once */
		return;
	}
	if (k->in_heap || k->in_connq || k->in_readyq || (p->ramping && k->state == C_READY))
		return;				/* already waiting, or ramping up */
	if (p->cap != 0 && p->busy >= p->cap) {	/* --in-flight: wait its turn */
		k->in_readyq = 1;
		p->readyq[(p->r_head + p->r_n++) % w->n] = (uint32_t)(k - w->conns);
		return;
	}
	/* in --close mode a connection that just opened carries its request */
	if (o->rate != 0 && !(o->close_mode && k->state == C_READY)) {
		uint64_t due = sched_intended_ns(&w->sched,
						 w->first + (uint32_t)(k - w->conns), k->k);

		if (due > now) {
			load_due_push(&p->due, w->conns, (uint32_t)(k - w->conns), due);
			return;
		}
		k->t0_ns = due;			/* latency from the intended time */
	}
	if (k->state == C_IDLE) {
		want_connect(w, p, k);		/* --close: a connection per request */
		return;
	}
	if (send_request(w, p, k, now) != 0) {
		counts(w)->err_write++;
		conn_drop(w, k, 1);
		conn_next(w, p, k, now);
	}
}

/* With several lcores a connection's replies reach the lcore that owns
 * its 4-tuple, so each lcore takes the local ports its own stack owns
 * (tern_tcp_port_is_home), scanning from one cursor per server port. The
 * lcores' shares are disjoint: no two pick the same 4-tuple. 0 when the
 * range is used up (the stack then picks an ephemeral port). */
static uint16_t
home_port(struct load_worker *w, struct worker_priv *p, uint32_t d, uint16_t dport)
{
	uint32_t tries;

	for (tries = 0; tries < LOAD_LPORTS; tries++) {
		uint16_t lp = p->lport_next[d];

		p->lport_next[d] = lp == UINT16_MAX ? (uint16_t)LOAD_LPORT_LO : (uint16_t)(lp + 1);
		if (tern_tcp_port_is_home(w->stack, w->o->url.addr, dport, lp) == 1)
			return lp;
	}
	return 0;
}

/* The local port of keep-alive connection `k` (global index g); 0 lets
 * the stack pick an ephemeral one. */
static uint16_t
local_port(struct load_worker *w, struct worker_priv *p, struct load_conn *k, uint32_t g,
	   uint16_t dport)
{
	if (w->o->close_mode || k->eph)
		return 0;
	if (w->n_workers == 1)
		return (uint16_t)(LOAD_LPORT_LO + g / w->o->dst.n);
	if (k->lport == 0)
		k->lport = home_port(w, p, g % w->o->dst.n, dport);
	return k->lport;
}

void
do_connects(struct load_worker *w, struct worker_priv *p, uint64_t now)
{
	const struct load_opts *o = w->o;
	int budget = CONNECT_BUDGET;

	while (p->q_n > 0 && budget-- > 0 && p->connecting < CONNECT_WINDOW) {
		uint32_t i = p->connq[p->q_head], g = w->first + i;
		struct load_conn *k = &w->conns[i];
		uint16_t dport = (uint16_t)(o->dst.lo + g % o->dst.n);
		uint16_t lport = local_port(w, p, k, g, dport);

		if (tern_tcp_connect(w->chan, o->url.addr, dport, lport, cookie_of(w, k)) != 0)
			return;			/* ring full: next iteration */
		p->q_head = (p->q_head + 1) % w->n;
		p->q_n--;
		k->in_connq = 0;
		conn_set(p, k, C_CONNECTING);
		k->peer_closed = 0;
		k->deadline_ns = now + o->timeout_ns;
		if (o->rate == 0 && o->close_mode)
			k->t0_ns = now;
		p->live++;
	}
}

/* ---- responses ------------------------------------------------------------------ */

/* --in-flight: fill the free request slots; the connections that waited
 * longest take them (every connection is used in turn). Called when a
 * response completes and once per iteration (slots freed by errors). */
void
readyq_next(struct load_worker *w, struct worker_priv *p, uint64_t now)
{
	while (p->r_n > 0 && p->busy < p->cap && !p->ending) {
		struct load_conn *k = &w->conns[p->readyq[p->r_head]];

		p->r_head = (p->r_head + 1) % w->n;
		p->r_n--;
		k->in_readyq = 0;
		if (k->state == C_READY)
			conn_next(w, p, k, now);
	}
}

static void
response_done(struct load_worker *w, struct worker_priv *p, struct load_conn *k, uint64_t now)
{
	struct load_count *c = counts(w);
	unsigned int cls = k->status / 100;

	c->requests++;
	c->status[cls <= 5 ? cls : 0]++;
	if (k->status < 200 || k->status > 399)
		c->non2xx++;
	if (p->phase == LOAD_RUN) {
		hist_record(w->lat, now > k->t0_ns ? now - k->t0_ns : 0);
		p->sec_requests++;
	}
	p->busy--;
	conn_set(p, k, C_READY);
	k->hlen = 0;
	readyq_next(w, p, now);
	if (w->o->close_mode || !k->keep_alive || k->peer_closed) {
		conn_drop(w, k, 0);
		conn_next(w, p, k, now);
		return;
	}
	conn_next(w, p, k, now);
}

/* ---- events ------------------------------------------------------------------------ */

static struct load_conn *
conn_of(struct load_worker *w, uint64_t cookie, uint32_t *gen)
{
	uint32_t i = (uint32_t)(cookie & 0xffffffffu);

	*gen = (uint32_t)(cookie >> 32) & GEN_MASK;
	return i < w->n ? &w->conns[i] : NULL;
}

static void
on_data(struct load_worker *w, struct worker_priv *p, struct load_conn *k,
	const struct tern_event *ev, uint64_t now)
{
	const struct rte_mbuf *seg;
	int rc = 0;

	counts(w)->bytes += ev->len;
	if (k->state != C_BUSY) {
		counts(w)->err_read++;		/* bytes nobody asked for */
		conn_drop(w, k, 1);
		conn_next(w, p, k, now);
		return;
	}
	for (seg = ev->m; seg != NULL && rc == 0; seg = seg->next)
		if (seg->data_len > 0)
			rc = load_resp_feed(k, rte_pktmbuf_mtod(seg, const char *), seg->data_len);
	if (rc < 0) {
		counts(w)->err_read++;
		conn_drop(w, k, 1);
		conn_next(w, p, k, now);
	} else if (rc > 0) {
		response_done(w, p, k, now);
	}
}

static void
on_peer_closed(struct load_worker *w, struct worker_priv *p, struct load_conn *k, uint64_t now)
{
	k->peer_closed = 1;
	if (k->state == C_BUSY && k->body == B_EOF) {
		response_done(w, p, k, now);
		return;
	}
	if (k->state == C_BUSY)
		counts(w)->err_read++;		/* closed in the middle */
	if (k->state == C_BUSY || k->state == C_READY) {
		conn_drop(w, k, 0);		/* closes at once: peer_closed */
		conn_next(w, p, k, now);
	}
}

static void
on_closed(struct load_worker *w, struct worker_priv *p, struct load_conn *k,
	  const struct tern_event *ev, uint64_t now)
{
	struct load_count *c = counts(w);

	if (k->state == C_CONNECTING) {
		if (ev->status == -ETIMEDOUT) {
			c->err_timeout++;
		} else {
			c->err_connect++;
			backoff(k, now);
		}
	} else if (ev->status == -ECONNRESET) {
		c->err_reset++;
	} else if (k->state == C_BUSY) {
		c->err_read++;
	}
	if (k->state == C_BUSY)
		p->busy--;
	conn_set(p, k, C_IDLE);
	k->handle = 0;
	k->gen = (k->gen + 1) & GEN_MASK;
	conn_next(w, p, k, now);
}

/* Events of a connection given up on this side: only clean up. */
static void
on_stale(struct load_worker *w, struct load_conn *k, uint32_t gen, const struct tern_event *ev)
{
	int old = k->has_old && gen == k->old_gen;

	switch (ev->type) {
	case TERN_EV_TCP_CONNECTED:		/* a connect that timed out */
		conn_cmd(w, TERN_CMD_TCP_ABORT, ev->handle, 0);
		break;
	case TERN_EV_TCP_PEER_CLOSED:
		conn_cmd(w, TERN_CMD_TCP_CLOSE, ev->handle, 0);
		if (old)
			k->has_old = 0;
		break;
	case TERN_EV_TCP_CLOSED:
		if (old)
			k->has_old = 0;
		break;
	default:
		break;
	}
}

void
on_event(struct load_worker *w, struct worker_priv *p, const struct tern_event *ev, uint64_t now)
{
	uint32_t gen;
	struct load_conn *k = conn_of(w, ev->cookie, &gen);

	if (ev->type == TERN_EV_TCP_DATA) {
		conn_cmd(w, TERN_CMD_TCP_RECVD, ev->handle, ev->len);
		if (k != NULL && gen == k->gen && !(ev->cookie & CK_CMD))
			on_data(w, p, k, ev, now);
		rte_pktmbuf_free(ev->m);
		return;
	}
	if (ev->type == TERN_EV_TCP_CLOSED)
		p->live--;
	if (ev->type == TERN_EV_CMD_ERROR) {
		rte_pktmbuf_free(ev->m);
		if (ev->cookie & CK_CMD) {
			/* a send refused: the request is lost */
			if (k != NULL && gen == k->gen && k->state == C_BUSY) {
				counts(w)->err_write++;
				conn_drop(w, k, 1);
				conn_next(w, p, k, now);
			}
			return;
		}
		p->live--;		/* a connect refused at once */
		if (k != NULL && gen == k->gen && k->state == C_CONNECTING) {
			if (ev->status == -EADDRINUSE) {
				k->eph = 1;	/* its 4-tuple lingers: not an error */
			} else {
				counts(w)->err_connect++;
				backoff(k, now);
			}
			conn_set(p, k, C_IDLE);
			k->gen = (k->gen + 1) & GEN_MASK;
			conn_next(w, p, k, now);
		}
		return;
	}
	rte_pktmbuf_free(ev->m);
	if (k == NULL)
		return;
	if (gen != k->gen) {
		on_stale(w, k, gen, ev);
		return;
	}
	switch (ev->type) {
	case TERN_EV_TCP_CONNECTED:
		k->handle = ev->handle;
		k->backoff_ns = 0;
		k->retry_ns = 0;
		conn_set(p, k, C_READY);
		counts(w)->connects++;
		if (!k->was_up) {
			k->was_up = 1;
			p->ever_up++;
		}
		conn_next(w, p, k, now);
		break;
	case TERN_EV_TCP_PEER_CLOSED:
		on_peer_closed(w, p, k, now);
		break;
	case TERN_EV_TCP_CLOSED:
		on_closed(w, p, k, ev, now);
		break;
	default:			/* FULL / WRITABLE: requests are small */
		break;
	}
}
