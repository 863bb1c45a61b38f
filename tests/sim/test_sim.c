/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Two tern stacks over the simulated link (sim_link.h), apps on both sides
 * driven through their channels, in simulated time:
 *  - bulk: 100 MiB A->B and 100 MiB B->A at the same time on one
 *    connection, both arriving intact (FNV-1a of the stream on both ends),
 *    within a bounded simulated time, orderly close, TCBs freed;
 *  - simultaneous open and simultaneous close (no listener anywhere);
 *  - 10,000 concurrent connections, each a request, a response and a
 *    close, then TIME-WAIT expiry: every TCB freed, every mbuf back.
 * Each test prints throughput (MB per simulated and per wall second) and
 * the counters of both stacks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_lcore.h>

#include "harness.h"
#include "sim_link.h"
#include "core/stack_private.h"
#include "stack/stack_loop.h"
#include "tcp/tcp_private.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define CHUNK 2048u
#define FNV_OFF 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
fnv(uint64_t h, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static uint64_t
fnv_mbuf(uint64_t h, const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		h = fnv(h, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	return h;
}

/* Stream byte generator: 8 bytes per splitmix64 step of (seed, offset/8). */
static void
gen(uint64_t seed, uint64_t off, uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t w = off + i, z = seed + (w >> 3) * 0x9e3779b97f4a7c15ull;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		p[i] = (uint8_t)(z >> ((w & 7) * 8));
	}
}

static int
sim_teardown(void **state)
{
	unsigned int i;
	int left = 0;

	for (i = 0; i < 2; i++) {
		struct tern_stack *s = stack_registry_get(i);

		if (s != NULL) {
			tern_stack_free(s);
			left = 1;
		}
	}
	return harness_teardown(state) || left ? -1 : 0;
}

static void
print_ctrs(const struct sim *sim)
{
	sim_print_counters(sim, 0);
	sim_print_counters(sim, 1);
	printf("  link A->B: %" PRIu64 " frames %" PRIu64 " bytes; B->A: %" PRIu64
	       " frames %" PRIu64 " bytes; overflow %" PRIu64 "/%" PRIu64 "\n",
	       sim->dir[0].frames, sim->dir[0].bytes, sim->dir[1].frames,
	       sim->dir[1].bytes, sim->dir[0].overflow, sim->dir[1].overflow);
}

/* ---- one bulk transfer endpoint -------------------------------------------- */

#define HELD_MAX 256

struct xfer {
	uint64_t h;
	uint64_t seed;
	uint64_t total, gen_off, rcvd;
	uint64_t tx_hash, rx_hash;
	struct rte_mbuf *held[HELD_MAX];	/* refused chains, in order */
	unsigned int n_held;
	bool up, blocked, last_sent, shut, peer_closed, closed;
	int status;
};

static void
xfer_send_one(struct tern_chan *c, struct xfer *x, struct rte_mbuf *m)
{
	if (tern_tcp_send(c, x->h, m) != 0) {	/* command ring full */
		assert_true(x->n_held < HELD_MAX);
		x->held[x->n_held++] = m;
		x->blocked = true;
	}
}

static void
xfer_pump(struct rte_mempool *pool, struct tern_chan *c, struct xfer *x)
{
	unsigned int k;

	if (!x->up || x->blocked || x->shut)
		return;
	if (x->n_held > 0) {			/* resend what came back, in order */
		unsigned int n = x->n_held;
		struct rte_mbuf *h[HELD_MAX];

		memcpy(h, x->held, n * sizeof(h[0]));
		x->n_held = 0;
		for (k = 0; k < n; k++)
			xfer_send_one(c, x, h[k]);
		return;
	}
	if (x->last_sent) {
		/* one step passed since the last send and nothing came back */
		assert_int_equal(tern_tcp_shutdown(c, x->h), 0);
		x->shut = true;
		return;
	}
	for (k = 0; k < 64 && x->gen_off < x->total && !x->blocked; k++) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)CHUNK, x->total - x->gen_off);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		assert_non_null(p);
		gen(x->seed, x->gen_off, p, n);
		x->tx_hash = fnv(x->tx_hash, p, n);
		x->gen_off += n;
		xfer_send_one(c, x, m);
	}
	if (x->gen_off == x->total && !x->blocked)
		x->last_sent = true;
}

static void
xfer_event(struct tern_chan *c, struct xfer *x, const struct tern_event *ev)
{
	switch (ev->type) {
	case TERN_EV_TCP_CONNECTED:
	case TERN_EV_TCP_ACCEPTED:
		x->h = ev->handle;
		x->up = true;
		break;
	case TERN_EV_TCP_DATA:
		x->rx_hash = fnv_mbuf(x->rx_hash, ev->m);
		x->rcvd += ev->len;
		rte_pktmbuf_free(ev->m);
		assert_int_equal(tern_tcp_recvd(c, x->h, ev->len), 0);
		break;
	case TERN_EV_CMD_ERROR:
		/* a credit for data that came with the end of the connection:
		 * the handle is stale by the time the stack reads it */
		if (ev->status == -EBADF && ev->m == NULL)
			break;
		if (ev->status != -ENOBUFS)
			print_error("command error %d (m %p) after %" PRIu64 " sent, %" PRIu64
				    " received, closed %d status %d\n", ev->status,
				    (void *)ev->m, x->gen_off, x->rcvd, x->closed, x->status);
		assert_int_equal(ev->status, -ENOBUFS);
		assert_non_null(ev->m);
		assert_true(x->n_held < HELD_MAX);
		x->held[x->n_held++] = ev->m;
		x->blocked = true;
		x->last_sent = false;
		break;
	case TERN_EV_TCP_WRITABLE:
		x->blocked = false;
		break;
	case TERN_EV_TCP_PEER_CLOSED:
		x->peer_closed = true;
		break;
	case TERN_EV_TCP_CLOSED:
		x->closed = true;
		x->status = ev->status;
		break;
	default:
		break;
	}
}

static void
xfer_poll(struct sim *sim, unsigned int i, struct xfer *x)
{
	struct tern_event ev[64];
	unsigned int n, k;

	while ((n = tern_chan_recv(sim->node[i].c, ev, 64)) > 0) {
		for (k = 0; k < n; k++) {
			if (ev[k].type == TERN_EV_TCP_LISTENING)
				continue;
			xfer_event(sim->node[i].c, x, &ev[k]);
		}
	}
	xfer_pump(sim->pool, sim->node[i].c, x);
}

static void
test_bulk_bidirectional_100mib(void **state)
{
	const uint64_t total = 100ull << 20;
	struct tern_config cfg;
	struct sim sim;
	struct xfer xa, xb;
	uint64_t t0, t_done = 0;
	double w0, w;

	(void)state;
	sim_config(&cfg);
	cfg.tcp_rcvbuf = 128 * 1024;	/* a window's burst fits the TX staging */
	cfg.tcp_msl_ms = 500;
	sim_init(&sim, &cfg, harness_pool(), 50 * US, 0x5eed0001);
	memset(&xa, 0, sizeof(xa));
	memset(&xb, 0, sizeof(xb));
	xa.seed = 0xa11ce;
	xb.seed = 0xb0b;
	xa.total = xb.total = total;
	xa.tx_hash = xa.rx_hash = xb.tx_hash = xb.rx_hash = FNV_OFF;

	assert_int_equal(tern_tcp_listen(sim.node[1].c, 80, 0, 1), 0);
	sim_step(&sim, 10 * US);
	assert_int_equal(tern_tcp_connect(sim.node[0].c, SIM_B_IP, 80, 0, 2), 0);
	t0 = sim.now;
	w0 = wall_s();
	while (!(xa.closed && xb.closed) && sim.now - t0 < 30 * SEC) {
		sim_step(&sim, 10 * US);
		xfer_poll(&sim, 0, &xa);
		xfer_poll(&sim, 1, &xb);
		if (t_done == 0 && xa.rcvd == total && xb.rcvd == total)
			t_done = sim.now;
	}
	w = wall_s() - w0;
	printf("  bulk: A->B %" PRIu64 " B->A %" PRIu64 " bytes in %.3f sim s (%.3f wall s): "
	       "%.1f MB/sim s, %.1f MB/wall s\n", xb.rcvd, xa.rcvd,
	       (double)((t_done ? t_done : sim.now) - t0) / 1e9, w,
	       2.0 * (double)total / 1e6 / ((double)((t_done ? t_done : sim.now) - t0) / 1e9),
	       2.0 * (double)total / 1e6 / w);
	print_ctrs(&sim);
	assert_int_equal(xb.rcvd, total);
	assert_int_equal(xa.rcvd, total);
	assert_true(xb.rx_hash == xa.tx_hash);
	assert_true(xa.rx_hash == xb.tx_hash);
	assert_true(xa.peer_closed && xb.peer_closed);
	assert_true(xa.closed && xb.closed);
	assert_int_equal(xa.status, 0);
	assert_int_equal(xb.status, 0);
	assert_true(t_done - t0 < 10 * SEC);
	/* TIME-WAIT expires: no TCB left on either side */
	while (sim.now - t0 < 40 * SEC && (sim.node[0].s->tcp->n_used ||
					   sim.node[1].s->tcp->n_used ||
					   sim.node[0].s->tcp->tw.n_live ||
					   sim.node[1].s->tcp->tw.n_live))
		sim_step(&sim, MS);
	assert_int_equal(sim.node[0].s->tcp->n_used, 0);
	assert_int_equal(sim.node[1].s->tcp->n_used, 0);
	assert_int_equal(sim_ctr(&sim, 0, CTR_TCP_CLOSED), 1);
	assert_int_equal(sim_ctr(&sim, 1, CTR_TCP_CLOSED), 1);
	sim_fini(&sim);
	assert_int_equal(harness_pool_in_use(), 0);
}

/* ---- simultaneous open and close --------------------------------------------- */

static struct tern_event
one_event(struct sim *sim, unsigned int i)
{
	struct tern_event ev[2];

	assert_int_equal(tern_chan_recv(sim->node[i].c, ev, 2), 1);
	return ev[0];
}

static void
test_simultaneous_open_and_close(void **state)
{
	struct tern_config cfg;
	struct sim sim;
	struct tern_event ev;
	uint64_t h[2];
	unsigned int i, steps;

	(void)state;
	sim_config(&cfg);
	cfg.tcp_msl_ms = 500;
	sim_init(&sim, &cfg, harness_pool(), 50 * US, 0x5eed0002);
	/* no listener anywhere: only a simultaneous open can succeed */
	assert_int_equal(tern_tcp_connect(sim.node[0].c, SIM_B_IP, 8000, 7000, 10), 0);
	assert_int_equal(tern_tcp_connect(sim.node[1].c, SIM_A_IP, 7000, 8000, 11), 0);
	sim_step(&sim, 0);
	for (i = 0; i < 2; i++) {
		ev = one_event(&sim, i);
		assert_int_equal(ev.type, TERN_EV_TCP_CONNECTING);
		h[i] = ev.handle;
	}
	for (steps = 0; steps < 1000; steps++) {
		sim_step(&sim, 10 * US);
		if (tern_chan_pending(sim.node[0].c) && tern_chan_pending(sim.node[1].c))
			break;
	}
	print_ctrs(&sim);
	for (i = 0; i < 2; i++) {
		ev = one_event(&sim, i);
		assert_int_equal(ev.type, TERN_EV_TCP_CONNECTED);
		assert_int_equal(ev.cookie, 10 + i);
		assert_true(h[i] == ev.handle);
		assert_int_equal(sim_ctr(&sim, i, CTR_TCP_ESTABLISHED), 1);
		assert_int_equal(sim_ctr(&sim, i, CTR_TCP_PASSIVE_OPENS), 0);
		assert_int_equal(sim_ctr(&sim, i, CTR_TCP_TX_RST), 0);
	}
	/* a byte each way */
	for (i = 0; i < 2; i++) {
		uint8_t b = (uint8_t)(0x40 + i);

		assert_int_equal(tern_tcp_send(sim.node[i].c, h[i],
					       pkt_from_bytes(&b, 1)), 0);
	}
	for (steps = 0; steps < 100; steps++)
		sim_step(&sim, 10 * US);
	for (i = 0; i < 2; i++) {
		ev = one_event(&sim, i);
		assert_int_equal(ev.type, TERN_EV_TCP_DATA);
		assert_int_equal(ev.len, 1);
		assert_int_equal(*rte_pktmbuf_mtod(ev.m, uint8_t *), 0x40 + (1 - i));
		rte_pktmbuf_free(ev.m);
	}
	/* both close in the same step: FINs cross -> CLOSING -> TIME-WAIT */
	assert_int_equal(tern_tcp_close(sim.node[0].c, h[0]), 0);
	assert_int_equal(tern_tcp_close(sim.node[1].c, h[1]), 0);
	for (steps = 0; steps < 100; steps++)
		sim_step(&sim, 10 * US);
	for (i = 0; i < 2; i++) {
		ev = one_event(&sim, i);
		assert_int_equal(ev.type, TERN_EV_TCP_CLOSED);
		assert_int_equal(ev.status, 0);
		assert_int_equal(sim_ctr(&sim, i, CTR_TCP_TIME_WAIT), 1);
		/* TIME-WAIT is a record: the TCB slot is free already */
		assert_int_equal(sim.node[i].s->tcp->n_used, 0);
		assert_int_equal(sim.node[i].s->tcp->tw.n_live, 1);
	}
	for (steps = 0; steps < 1100; steps++)
		sim_step(&sim, MS);
	print_ctrs(&sim);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sim.node[i].s->tcp->n_used, 0);
		assert_int_equal(sim_ctr(&sim, i, CTR_TCP_CLOSED), 1);
		assert_int_equal(sim_ctr(&sim, i, CTR_TCP_RESETS), 0);
	}
	sim_fini(&sim);
	assert_int_equal(harness_pool_in_use(), 0);
}

/* ---- 10,000 concurrent request/response connections --------------------------- */

#define N_CONNS 10000u
#define REQ_LEN 100u
#define RSP_LEN 1000u
#define MAX_SLOTS 16384u

struct rr {
	uint64_t h;
	uint32_t got;
	uint64_t hash;
	bool responded, peer_closed, closed;
	int status;
};

static uint32_t
slot_of(uint64_t h)
{
	return (uint32_t)(h >> 32) & 0xffffffu;
}

static void
rr_send(struct sim *sim, unsigned int i, uint64_t h, uint64_t seed, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sim->pool);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	gen(seed, 0, p, len);
	assert_int_equal(tern_tcp_send(sim->node[i].c, h, m), 0);
}

static uint64_t
expected_hash(uint64_t seed, uint32_t len)
{
	uint8_t b[RSP_LEN];

	gen(seed, 0, b, len);
	return fnv(FNV_OFF, b, len);
}

/* Client (A): conns indexed by cookie. */
static void
client_poll(struct sim *sim, struct rr *cl, unsigned int *done)
{
	struct tern_event ev[256];
	unsigned int n, k;

	while ((n = tern_chan_recv(sim->node[0].c, ev, 256)) > 0) {
		for (k = 0; k < n; k++) {
			struct rr *r = &cl[ev[k].cookie];

			assert_true(ev[k].cookie < N_CONNS);
			switch (ev[k].type) {
			case TERN_EV_TCP_CONNECTING:
				r->h = ev[k].handle;
				break;
			case TERN_EV_TCP_CONNECTED:
				assert_true(r->h == ev[k].handle);
				rr_send(sim, 0, r->h, ev[k].cookie, REQ_LEN);
				break;
			case TERN_EV_TCP_DATA:
				r->hash = fnv_mbuf(r->hash, ev[k].m);
				r->got += ev[k].len;
				rte_pktmbuf_free(ev[k].m);
				assert_int_equal(tern_tcp_recvd(sim->node[0].c, r->h,
								ev[k].len), 0);
				break;
			case TERN_EV_TCP_PEER_CLOSED:
				r->peer_closed = true;
				assert_int_equal(tern_tcp_close(sim->node[0].c, r->h), 0);
				break;
			case TERN_EV_TCP_CLOSED:
				r->closed = true;
				r->status = ev[k].status;
				(*done)++;
				break;
			default:
				fail_msg("client event %u status %d", ev[k].type, ev[k].status);
			}
		}
	}
}

/* Server (B): conns indexed by TCB slot; the request names the seed of
 * the response (its first 8 bytes are the client's cookie-seeded stream). */
static void
server_poll(struct sim *sim, struct rr *sv, uint64_t *seeds, unsigned int *done)
{
	struct tern_event ev[256];
	unsigned int n, k;

	while ((n = tern_chan_recv(sim->node[1].c, ev, 256)) > 0) {
		for (k = 0; k < n; k++) {
			struct rr *r;

			if (ev[k].type == TERN_EV_TCP_LISTENING)
				continue;
			assert_true(slot_of(ev[k].handle) < MAX_SLOTS);
			r = &sv[slot_of(ev[k].handle)];
			switch (ev[k].type) {
			case TERN_EV_TCP_ACCEPTED:
				memset(r, 0, sizeof(*r));
				r->h = ev[k].handle;
				r->hash = FNV_OFF;
				break;
			case TERN_EV_TCP_DATA:
				r->hash = fnv_mbuf(r->hash, ev[k].m);
				r->got += ev[k].len;
				rte_pktmbuf_free(ev[k].m);
				assert_int_equal(tern_tcp_recvd(sim->node[1].c, r->h,
								ev[k].len), 0);
				if (r->got == REQ_LEN && !r->responded) {
					uint64_t id = UINT64_MAX, j;

					/* which client: find the seed by hash */
					for (j = 0; j < N_CONNS && id == UINT64_MAX; j++)
						if (seeds[j] == r->hash)
							id = j;
					assert_true(id != UINT64_MAX);
					rr_send(sim, 1, r->h, id + 1000000, RSP_LEN);
					assert_int_equal(tern_tcp_close(sim->node[1].c, r->h), 0);
					r->responded = true;
				}
				break;
			case TERN_EV_TCP_CLOSED:
				r->closed = true;
				r->status = ev[k].status;
				(*done)++;
				break;
			default:
				fail_msg("server event %u status %d", ev[k].type, ev[k].status);
			}
		}
	}
}

static void
test_10k_connections(void **state)
{
	struct tern_config cfg;
	struct rte_mempool *pool;
	struct sim sim;
	struct rr *cl, *sv;
	uint64_t *req_hash, t0;
	unsigned int next = 0, cdone = 0, sdone = 0, i;
	double w0, w;

	(void)state;
	pool = rte_pktmbuf_pool_create("sim_pool", 32767, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(pool);
	sim_config(&cfg);
	cfg.tcp_max_conns = MAX_SLOTS;
	cfg.tcp_msl_ms = 1000;
	sim_init(&sim, &cfg, pool, 50 * US, 0x5eed0003);
	cl = calloc(N_CONNS, sizeof(*cl));
	sv = calloc(MAX_SLOTS, sizeof(*sv));
	req_hash = calloc(N_CONNS, sizeof(*req_hash));
	assert_true(cl && sv && req_hash);
	for (i = 0; i < N_CONNS; i++) {
		cl[i].hash = FNV_OFF;
		req_hash[i] = expected_hash(i, REQ_LEN);
	}
	assert_int_equal(tern_tcp_listen(sim.node[1].c, 80, 65535, 1), 0);
	sim_step(&sim, 10 * US);
	t0 = sim.now;
	w0 = wall_s();
	while ((cdone < N_CONNS || sdone < N_CONNS) && sim.now - t0 < 60 * SEC) {
		/* paced opens: a burst never overflows the TX staging */
		for (i = 0; i < 50 && next < N_CONNS; i++, next++)
			assert_int_equal(tern_tcp_connect(sim.node[0].c, SIM_B_IP, 80, 0,
							  next), 0);
		sim_step(&sim, 10 * US);
		client_poll(&sim, cl, &cdone);
		server_poll(&sim, sv, req_hash, &sdone);
	}
	w = wall_s() - w0;
	printf("  10k: %u client / %u server closes in %.3f sim s (%.3f wall s): "
	       "%.0f conns/sim s, %.0f conns/wall s\n", cdone, sdone,
	       (double)(sim.now - t0) / 1e9, w, N_CONNS / ((double)(sim.now - t0) / 1e9),
	       N_CONNS / w);
	print_ctrs(&sim);
	assert_int_equal(cdone, N_CONNS);
	assert_int_equal(sdone, N_CONNS);
	for (i = 0; i < N_CONNS; i++) {
		assert_int_equal(cl[i].got, RSP_LEN);
		assert_true(cl[i].hash == expected_hash(i + 1000000, RSP_LEN));
		assert_true(cl[i].peer_closed);
		assert_int_equal(cl[i].status, 0);
	}
	for (i = 0; i < MAX_SLOTS; i++)
		if (sv[i].h != 0)
			assert_int_equal(sv[i].status, 0);
	/* TIME-WAIT (server side) expires */
	for (i = 0; i < 2200 && sim.node[1].s->tcp->tw.n_live > 0; i++)
		sim_step(&sim, MS);
	print_ctrs(&sim);
	assert_int_equal(sim.node[0].s->tcp->n_used, 0);
	assert_int_equal(sim.node[1].s->tcp->n_used, 0);
	assert_int_equal(sim_ctr(&sim, 0, CTR_TCP_CLOSED), N_CONNS);
	assert_int_equal(sim_ctr(&sim, 1, CTR_TCP_CLOSED), N_CONNS);
	assert_int_equal(sim_ctr(&sim, 1, CTR_TCP_TIME_WAIT), N_CONNS);
	sim_fini(&sim);
	free(cl);
	free(sv);
	free(req_hash);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	rte_mempool_free(pool);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, sim_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_simultaneous_open_and_close),
		T(test_bulk_bidirectional_100mib),
		T(test_10k_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
