/* SPDX-License-Identifier: BSD-3-Clause
 *
 * One tern-load worker: the connections of one lcore, driven by that
 * lcore's loop (poll the stack, handle its events, send what is due, check
 * timeouts). main.c calls load_worker_run() on every lcore it uses.
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
 *
 * Phases, by the time a response completes: warm-up (counted apart),
 * measured window (counted, latency recorded), drain (after the end no
 * request is sent; responses in flight are awaited for up to --timeout and
 * counted apart). Then every connection is closed and the loop polls until
 * the stack reported each one closed (bounded).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "load.h"
#include "load_conn.h"

#define EV_BURST 64
#define CONNECT_BUDGET 128		/* connects per loop iteration */
/* Connects in flight (SYN sent, no answer yet) per lcore: self-clocked
 * ramp-up that never overruns the server's SYN backlog (1024 by default)
 * or the port's rings, however many connections are asked for. */
#define CONNECT_WINDOW 256
#define PUBLISH_NS 10000000ull		/* live counters, rps samples */
#define SCAN_NS 1000000ull		/* a timeout scan step ... */
#define SCAN_SWEEP_STEPS 100u		/* ... of 1/100 of the connections */
#define CLOSE_WAIT_NS 3000000000ull	/* bound on the final close */
#define CLOSE_BATCH 512u		/* connections closed per loop iteration */
#define BACKOFF_MIN_NS 1000000ull	/* a refused connect waits 1 ms, doubling ... */
#define BACKOFF_MAX_NS 1000000000ull	/* ... up to 1 s */
#define GEN_MASK 0x3fffffffu
#define CK_CMD (1ull << 62)		/* cookie of a command other than connect */
#define PROBE_COOKIE (1ull << 61 | 0xffffffffull)	/* index out of range */

struct worker_priv {
	struct load_due due;		/* idle connections by due time */
	uint32_t *connq;		/* connections waiting to connect (FIFO) */
	uint32_t q_head, q_n;
	uint32_t *readyq;		/* --in-flight: idle connections, in turn (FIFO) */
	uint32_t r_head, r_n;
	uint32_t cap;			/* --in-flight share of this lcore; 0 = none */
	uint32_t live;			/* connects not yet answered by CLOSED */
	uint32_t busy;			/* requests in flight */
	uint32_t connecting;		/* connections in C_CONNECTING */
	uint32_t ever_up;		/* connections that were up at least once */
	uint32_t scan_pos;		/* timeout scan cursor */
	int ending;			/* past the end: no new requests */
	int ramping;			/* keep-alive: not every connection up yet */
	int kicking;			/* ramp-up over: starting the connections */
	uint32_t kick_pos;
	uint16_t *lport_next;		/* per server port: next local port to try (lcores > 1) */
	enum load_phase phase;
	uint64_t next_scan_ns, next_pub_ns, next_sec_ns, next_p99_ns, sec_requests;
};

/* Every state change of a connection: keeps the connect window count. */
static void
conn_set(struct worker_priv *p, struct load_conn *k, uint8_t st)
{
	if (k->state == C_CONNECTING)
		p->connecting--;
	if (st == C_CONNECTING)
		p->connecting++;
	k->state = st;
}

/* ---- commands ------------------------------------------------------------------ */

static uint64_t
cookie_of(const struct load_worker *w, const struct load_conn *k)
{
	return (uint64_t)k->gen << 32 | (uint64_t)(k - w->conns);
}

static struct load_count *
counts(struct load_worker *w)
{
	return &w->count[((struct worker_priv *)w->priv)->phase];
}

static void
conn_cmd(struct load_worker *w, uint16_t type, uint64_t handle, uint32_t len)
{
	/* a full command ring only loses credit or a close: the stack
	 * tears the connection down at the end anyway */
	(void)tern_tcp_cmd(w->chan, type, handle, NULL, len, CK_CMD);
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
static void
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
static void
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

static void
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
static void
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

static void
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

/* ---- the loop ------------------------------------------------------------------------ */

/* One step of the timeout sweep: 1/SCAN_SWEEP_STEPS of the connections
 * from a cursor, so a million connections cost no stall and every one is
 * looked at every SCAN_NS * SCAN_SWEEP_STEPS (100 ms). */
static void
scan_timeouts(struct load_worker *w, struct worker_priv *p, uint64_t now)
{
	uint32_t step = (w->n + SCAN_SWEEP_STEPS - 1) / SCAN_SWEEP_STEPS, j;

	for (j = 0; j < step; j++) {
		uint32_t i = p->scan_pos;
		struct load_conn *k = &w->conns[i];

		p->scan_pos = i + 1 < w->n ? i + 1 : 0;

		if ((k->state != C_BUSY && k->state != C_CONNECTING) || now < k->deadline_ns)
			continue;
		counts(w)->err_timeout++;
		if (k->state == C_CONNECTING) {		/* no handle yet: stale */
			k->gen = (k->gen + 1) & GEN_MASK;
			conn_set(p, k, C_IDLE);
		} else {
			conn_drop(w, k, 1);
		}
		conn_next(w, p, k, now);
	}
}

static void
publish(struct load_worker *w, struct worker_priv *p, uint64_t now)
{
	uint64_t req = 0, con = 0, err = 0;
	int ph;

	for (ph = 0; ph < LOAD_PHASE_COUNT; ph++) {
		const struct load_count *c = &w->count[ph];

		req += c->requests;
		con += c->connects;
		err += c->err_connect + c->err_read + c->err_write + c->err_timeout + c->err_reset;
	}
	__atomic_store_n(&w->live.requests, req, __ATOMIC_RELAXED);
	__atomic_store_n(&w->live.connects, con, __ATOMIC_RELAXED);
	__atomic_store_n(&w->live.errors, err, __ATOMIC_RELAXED);
	if (now >= p->next_p99_ns) {		/* a walk of the buckets: rarely */
		__atomic_store_n(&w->live.p99_ns, hist_percentile(w->lat, 99.0),
				 __ATOMIC_RELAXED);
		p->next_p99_ns = now + 500000000ull;
	}
	if (p->phase == LOAD_RUN && now >= p->next_sec_ns) {
		if (now < w->t_end)		/* whole seconds only */
			load_rps_add(&w->rps, p->sec_requests);
		p->sec_requests = 0;
		p->next_sec_ns += 1000000000ull;
	}
}

/* The measured window and the open-loop schedule, from `start`. */
static void
times_set(struct load_worker *w, struct worker_priv *p, uint64_t start)
{
	w->t_run = start + w->o->warmup_ns;
	w->t_end = w->t_run + w->o->duration_ns;
	if (w->o->rate != 0)
		sched_init(&w->sched, start, w->o->rate, w->o->conns);
	p->phase = w->t_run > start ? LOAD_WARMUP : LOAD_RUN;
	p->next_sec_ns = w->t_run + 1000000000ull;
}

/* Keep-alive: requests wait until every connection is up (bounded by
 * --timeout: a connect not answered by then has timed out anyway), so the
 * ramp-up is quick (only handshakes on the wire) and measured apart; then
 * warm-up, window and schedule start. The run thus ends at most --timeout
 * (ramp-up) + --warmup + -d + --timeout (drain) + CLOSE_WAIT_NS after the
 * start, however few connections come up. */
static void
ramp_end(struct load_worker *w, struct worker_priv *p, uint64_t now)
{
	p->ramping = 0;
	if (p->ever_up == w->n)
		w->ramp_ns = now - w->t_start;
	times_set(w, p, now);
	p->kick_pos = 0;
	p->kicking = 1;
}

/* After the ramp-up, start the waiting connections CONNECT_BUDGET per
 * iteration: all at once would overflow the command ring. */
static void
kick(struct load_worker *w, struct worker_priv *p, uint64_t now)
{
	uint32_t end = RTE_MIN(w->n, p->kick_pos + CONNECT_BUDGET);

	for (; p->kick_pos < end; p->kick_pos++)
		if (w->conns[p->kick_pos].state == C_READY)
			conn_next(w, p, &w->conns[p->kick_pos], now);
	p->kicking = p->kick_pos < w->n;
}

static void
set_phase(struct load_worker *w, struct worker_priv *p, uint64_t now)
{
	uint32_t i;

	if (p->phase == LOAD_WARMUP && now >= w->t_run) {
		p->phase = LOAD_RUN;
		p->next_sec_ns = w->t_run + 1000000000ull;
	}
	if (p->phase != LOAD_DRAIN && now >= w->t_end) {
		if (p->sec_requests > 0 && now >= p->next_sec_ns)
			load_rps_add(&w->rps, p->sec_requests);
		p->phase = LOAD_DRAIN;
		p->ending = 1;
		p->q_n = 0;
		p->r_n = 0;
		for (i = 0; i < w->n; i++) {
			struct load_conn *k = &w->conns[i];

			k->in_connq = 0;
			k->in_heap = 0;
			k->in_readyq = 0;
			if (k->state == C_READY)
				conn_drop(w, k, 0);
			else if (k->state == C_CONNECTING)
				conn_drop(w, k, 0);	/* stale: aborted if it connects */
		}
		p->due.n = 0;
	}
}

static void
iterate(struct load_worker *w, struct worker_priv *p, const struct load_clock *clk)
{
	struct tern_event ev[EV_BURST];
	unsigned int n, i, rounds = 0;
	uint64_t now;

	tern_stack_poll(w->stack);
	now = load_clock_ns(clk);
	do {
		n = tern_chan_recv(w->chan, ev, EV_BURST);
		for (i = 0; i < n; i++)
			on_event(w, p, &ev[i], now);
	} while (n == EV_BURST && ++rounds < 4);
	while (p->due.n > 0 && w->conns[p->due.idx[0]].due_ns <= now) {
		struct load_conn *k = &w->conns[load_due_pop(&p->due, w->conns)];

		if (k->state == C_READY || k->state == C_IDLE)
			conn_next(w, p, k, now);
	}
	do_connects(w, p, now);
	if (p->kicking && !p->ending)
		kick(w, p, now);
	if (p->cap != 0)
		readyq_next(w, p, now);
}

static void
close_all(struct load_worker *w, struct worker_priv *p, const struct load_clock *clk)
{
	uint64_t end;
	uint32_t i;

	for (i = 0; i < w->n; i++) {
		struct load_conn *k = &w->conns[i];

		/* at most 2 commands each; the stack takes 1024 per iteration:
		 * the command ring (chan.size, 4096) never overflows */
		if (i % CLOSE_BATCH == CLOSE_BATCH - 1)
			iterate(w, p, clk);
		if (k->state == C_BUSY)
			w->aborted_at_end++;
		conn_drop(w, k, k->state == C_BUSY);
		if (k->has_old)
			conn_cmd(w, TERN_CMD_TCP_CLOSE, k->old_handle, 0);
		k->has_old = 0;
	}
	end = load_clock_ns(clk) + CLOSE_WAIT_NS;
	while (p->live > 0 && load_clock_ns(clk) < end)
		iterate(w, p, clk);
	w->left_open = p->live;
}

/* Done here, but the other lcores may still be closing: frames of theirs
 * that land on this lcore's queue are handed over only while this stack
 * polls. Poll until every worker is done (bounded by CLOSE_WAIT_NS). */
static void
linger(struct load_worker *w, const struct load_clock *clk)
{
	uint64_t end = load_clock_ns(clk) + CLOSE_WAIT_NS;

	__atomic_fetch_add(w->finished, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(w->finished, __ATOMIC_ACQUIRE) < w->n_workers &&
	       load_clock_ns(clk) < end)
		tern_stack_poll(w->stack);
}

/* One connection before the run: resolves the server's MAC (the neighbour
 * queue holds only a few packets) and warms the path. Bounded. */
static void
probe(struct load_worker *w, struct worker_priv *p, const struct load_clock *clk)
{
	uint64_t end = load_clock_ns(clk) + RTE_MIN(w->o->timeout_ns, 3000000000ull);
	struct tern_event ev[EV_BURST];
	int done = 0;

	if (tern_tcp_connect(w->chan, w->o->url.addr, w->o->dst.lo, 0, PROBE_COOKIE) != 0)
		return;
	p->live++;
	while (!done && load_clock_ns(clk) < end && !*w->quit) {
		unsigned int n, i;

		tern_stack_poll(w->stack);
		n = tern_chan_recv(w->chan, ev, EV_BURST);
		for (i = 0; i < n; i++) {
			rte_pktmbuf_free(ev[i].m);
			if (ev[i].type == TERN_EV_TCP_CLOSED ||
			    (ev[i].type == TERN_EV_CMD_ERROR && !(ev[i].cookie & CK_CMD)))
				p->live--;
			/* CONNECTING only says the SYN left: wait for the outcome */
			if (ev[i].cookie != PROBE_COOKIE || ev[i].type == TERN_EV_TCP_CONNECTING)
				continue;
			if (ev[i].type == TERN_EV_TCP_CONNECTED)
				conn_cmd(w, TERN_CMD_TCP_CLOSE, ev[i].handle, 0);
			done = 1;
		}
	}
}

int
load_worker_run(struct load_worker *w, const struct load_clock *clk,
		void (*progress)(uint64_t now_ns))
{
	struct worker_priv *p = calloc(1, sizeof(*p));
	uint64_t now, next_progress;
	uint32_t i;

	w->priv = p;
	w->conns = calloc(w->n, sizeof(*w->conns));
	if (p != NULL) {
		p->due.idx = calloc(w->n, sizeof(*p->due.idx));
		p->connq = calloc(w->n, sizeof(*p->connq));
		p->readyq = calloc(w->n, sizeof(*p->readyq));
		p->lport_next = calloc(w->o->dst.n, sizeof(*p->lport_next));
		for (i = 0; p->lport_next != NULL && i < w->o->dst.n; i++)
			p->lport_next[i] = LOAD_LPORT_LO;
		p->cap = w->o->in_flight == 0 ? 0 :
			 RTE_MAX(1u, w->o->in_flight / w->n_workers);
	}
	if (p == NULL || w->conns == NULL || p->due.idx == NULL || p->connq == NULL ||
	    p->readyq == NULL || p->lport_next == NULL)
		w->rc = -1;
	else
		probe(w, p, clk);
	if (__atomic_fetch_add(w->ready, 1, __ATOMIC_ACQ_REL) + 1 == w->n_workers)
		*w->go_ns = load_clock_ns(clk) + 20000000ull;	/* all start together */
	while (*w->go_ns == 0)
		tern_stack_poll(w->stack);
	if (w->rc != 0)
		return w->rc;
	w->t_start = *w->go_ns;
	p->ramping = !w->o->close_mode;
	if (p->ramping) {			/* times set by ramp_end() */
		w->t_run = w->t_end = UINT64_MAX;
		p->phase = LOAD_RAMP;
	} else {
		times_set(w, p, w->t_start);
	}
	while ((now = load_clock_ns(clk)) < w->t_start)
		tern_stack_poll(w->stack);
	for (i = 0; i < w->n; i++)
		conn_next(w, p, &w->conns[i], now);
	next_progress = w->t_start + 1000000000ull;
	p->next_scan_ns = now + SCAN_NS;
	p->next_pub_ns = now + PUBLISH_NS;
	while (!p->ending || (p->busy > 0 && now < w->t_end + w->o->timeout_ns)) {
		iterate(w, p, clk);
		now = load_clock_ns(clk);
		if (p->ramping && (p->ever_up == w->n || now >= w->t_start + w->o->timeout_ns ||
				   *w->quit))
			ramp_end(w, p, now);
		if (*w->quit && !p->ending) {	/* SIGINT/SIGTERM: end now */
			w->t_end = now;
			if (w->t_run > now)
				w->t_run = now;
		}
		set_phase(w, p, now);
		if (now >= p->next_scan_ns) {
			scan_timeouts(w, p, now);
			p->next_scan_ns = now + SCAN_NS;
		}
		if (now >= p->next_pub_ns) {
			publish(w, p, now);
			p->next_pub_ns = now + PUBLISH_NS;
		}
		if (progress != NULL && now >= next_progress) {
			progress(now);
			next_progress += 1000000000ull;
		}
	}
	close_all(w, p, clk);
	linger(w, clk);
	publish(w, p, now);
	w->conns_up = p->ever_up;
	return 0;
}

void
load_worker_fini(struct load_worker *w)
{
	struct worker_priv *p = w->priv;
	uint32_t i;

	if (w->conns != NULL)
		for (i = 0; i < w->n; i++)
			free(w->conns[i].hbuf);
	free(w->conns);
	if (p != NULL) {
		free(p->due.idx);
		free(p->connq);
		free(p->readyq);
		free(p->lport_next);
	}
	free(p);
	w->conns = NULL;
	w->priv = NULL;
}
