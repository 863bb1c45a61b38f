/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The steering fixtures' rig (shim_steer_rig.h): EAL and the mbuf pool,
 * the two-queue net_ring port and its stacks, the hop's frames, timed
 * polls and medians. Called from shim_steer.c and shim_steer_conn.c, at
 * setup and untimed between the timed polls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "harness.h"
#include "tcp_frames.h"
#include "flow/flow_map.h"
#include "netif/netif_private.h"

#include "shim.h"
#include "shim_steer_rig.h"

#define RING_SLOTS 1024u
#define POOL_MBUFS 8191u
#define POOL_CACHE 256u

struct rte_mempool *
rig_pool(void)
{
	static struct rte_mempool *pool;	/* the process's, like EAL */

	if (pool != NULL)
		return pool;
	harness_eal_lcores("0-1");
	harness_eal_init();
	bench_eal_cleanup_at_exit();
	/* a port is set up per run: keep its INFO lines off stderr */
	rte_log_set_level_pattern("tern.*", RTE_LOG_WARNING);
	pool = rte_pktmbuf_pool_create("bench_steer_pool", POOL_MBUFS, POOL_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool;
}

void
rig_ring_drain(struct rte_ring *ring)
{
	void *m;

	if (ring == NULL)
		return;
	while (rte_ring_dequeue(ring, &m) == 0)
		rte_pktmbuf_free(m);
}

uint16_t
rig_owner(const struct rig *r, uint16_t rport, uint16_t lport)
{
	const struct flow_tuple t = { .raddr = PEER_IP, .laddr = OUR_IP, .rport = rport,
				      .lport = lport, .proto = IPPROTO_TCP };

	return flow_owner(r->map, &t, NULL);
}

static int
rig_rings(struct rig *r, unsigned int id)
{
	char name[32];
	uint16_t q;

	for (q = 0; q < r->nq; q++) {
		snprintf(name, sizeof(name), "bst_rx%u_%u", id, q);
		r->rx[q] = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY, 0);
		snprintf(name, sizeof(name), "bst_tx%u_%u", id, q);
		r->tx[q] = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY, 0);
		if (r->rx[q] == NULL || r->tx[q] == NULL)
			return -1;
	}
	snprintf(name, sizeof(name), "net_ring_bst%u", id);
	r->port = rte_eth_from_rings(name, r->rx, r->nq, r->tx, r->nq, SOCKET_ID_ANY);
	return r->port < 0 ? -1 : 0;
}

void
rig_down(struct rig *r)
{
	uint16_t q;

	for (q = 0; q < r->nq; q++) {
		struct tern_event ev[64];
		unsigned int n, k;

		if (r->c[q] == NULL)
			continue;
		while ((n = tern_chan_recv(r->c[q], ev, RTE_DIM(ev))) > 0)
			for (k = 0; k < n; k++)
				rte_pktmbuf_free(ev[k].m);
		tern_chan_free(r->c[q]);
	}
	for (q = r->nq; q-- > 0;)
		if (r->s[q] != NULL)
			tern_stack_free(r->s[q]);
	if (r->port >= 0)
		tern_netif_teardown(&r->cfg);
	for (q = 0; q < r->nq; q++) {
		rig_ring_drain(r->rx[q]);
		rig_ring_drain(r->tx[q]);
		rte_ring_free(r->rx[q]);
		rte_ring_free(r->tx[q]);
	}
}

/* 0, or -1 with a message (and what was built torn down). */
int
rig_up(struct rig *r, uint16_t nq)
{
	static unsigned int rigs;	/* ring and port names stay unique */
	struct rte_mempool *pool = rig_pool();
	uint16_t q;

	memset(r, 0, sizeof(*r));
	r->nq = nq;
	r->port = -1;
	if (pool == NULL || rig_rings(r, ++rigs) != 0)
		goto fail;
	rte_eth_macaddr_get((uint16_t)r->port, &r->port_mac);
	tstack_config(&r->cfg);
	r->cfg.iface[0].port_id = (uint16_t)r->port;
	r->cfg.nb_mbufs = POOL_MBUFS;
	if (tern_netif_setup(&r->cfg, nq, pool) != 0)
		goto fail;
	r->map = netif_flow_map((uint16_t)r->port);
	if (r->map == NULL || r->map->n_queues != nq ||
	    (nq > 1 && r->map->mode != FLOW_MODE_SW))
		goto fail;
	r->lcore1 = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	for (q = 0; q < nq; q++) {
		r->s[q] = tern_stack_create(&r->cfg, q == 0 ? rte_lcore_id() : r->lcore1,
					    q, pool);
		if (r->s[q] == NULL)
			goto fail;
		r->c[q] = tern_chan_create(r->s[q], "bench_steer", 0);
		if (r->c[q] == NULL)
			goto fail;
	}
	for (q = 0; q < nq; q++)		/* the gratuitous ARPs */
		tern_stack_poll(r->s[q]);
	for (q = 0; q < nq; q++)
		rig_ring_drain(r->tx[q]);
	return 0;
fail:
	fprintf(stderr, "bench_steer: rig with %u queues: setup failed (lcores 0-1 "
		"needed)\n", nq);
	rig_down(r);
	return -1;
}

struct frame_ip
rig_from_peer(const struct rig *r)
{
	struct frame_ip f = frame_ip_default();

	f.dst_mac = r->port_mac;
	return f;
}

uint64_t
rig_poll_timed(struct tern_stack *s)
{
	uint64_t c0 = rte_rdtsc_precise();

	tern_stack_poll(s);
	return rte_rdtsc_precise() - c0;
}

/* ---- samples, medians ---------------------------------------------------- */


void
samples_add(struct samples *x, double v)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 4096;
		double *nv = realloc(x->v, cap * sizeof(*nv));

		if (nv == NULL)
			return;		/* the median of what fitted */
		x->v = nv;
		x->cap = cap;
	}
	x->v[x->n++] = v;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
samples_median(const struct samples *x)
{
	double *c, m;

	if (x->n == 0)
		return 0.0;
	c = malloc(x->n * sizeof(*c));
	if (c == NULL)
		return 0.0;
	memcpy(c, x->v, x->n * sizeof(*c));
	qsort(c, x->n, sizeof(*c), cmp_double);
	m = x->n % 2 ? c[x->n / 2] : (c[x->n / 2 - 1] + c[x->n / 2]) / 2.0;
	free(c);
	return m;
}

double
bench_steer_tsc_per_ns(void)
{
	return (double)rte_get_tsc_hz() / 1e9;
}

/* The first 32 source ports from 40000 whose flows queue 1 owns in `map`;
 * frames to `dst`. */
int
frames_build(struct frames *fr, const struct flow_map *map, const struct rte_ether_addr *dst)
{
	struct frame_ip f = frame_ip_default();
	uint16_t sport = PEER_PORT;
	unsigned int k = 0;

	f.dst_mac = *dst;
	while (k < BURST && sport < PEER_PORT + 4096) {
		const struct flow_tuple t = { .raddr = PEER_IP, .laddr = OUR_IP,
					      .rport = sport, .lport = CLOSED_PORT,
					      .proto = IPPROTO_TCP };
		struct rte_mbuf *m;

		if (flow_owner(map, &t, NULL) != 1) {
			sport++;
			continue;
		}
		m = frame_tcp(&f, sport++, CLOSED_PORT, PEER_ISS + k, 0, F_RST, 0,
			      NULL, NULL, 0);
		fr->len[k] = (uint16_t)pkt_to_bytes(m, fr->b[k], FRAME_MAX);
		rte_pktmbuf_free(m);
		k++;
	}
	return k == BURST ? 0 : -1;
}

uint64_t
bench_steer_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
