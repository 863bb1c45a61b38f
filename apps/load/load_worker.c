/* SPDX-License-Identifier: BSD-3-Clause
 *
 * One tern-load worker: the loop of one lcore and the run's phases (poll
 * the stack, hand its events to load_conn.c, start what is due, sweep for
 * timeouts, publish live counters; then close everything). main.c calls
 * load_worker_run() on every lcore it uses.
 *
 * Phases, by the time a response completes: warm-up (counted apart),
 * measured window (counted, latency recorded), drain (after the end no
 * request is sent; responses in flight are awaited for up to --timeout and
 * counted apart). Then every connection is closed and the loop polls until
 * the stack reported each one closed (bounded).
 */
#include <stdlib.h>

#include <rte_mbuf.h>

#include "load_worker_private.h"

#define PUBLISH_NS 10000000ull		/* live counters, rps samples */
#define SCAN_NS 1000000ull		/* a timeout scan step ... */
#define SCAN_SWEEP_STEPS 100u		/* ... of 1/100 of the connections */
#define CLOSE_WAIT_NS 3000000000ull	/* bound on the final close */
#define CLOSE_BATCH 512u		/* connections closed per loop iteration */
#define PROBE_COOKIE (1ull << 61 | 0xffffffffull)	/* index out of range */

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
