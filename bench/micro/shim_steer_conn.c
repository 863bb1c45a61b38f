/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The active-open fixture of bench_steer.cc, on the rig of
 * shim_steer_rig.c with one queue or two: tern_tcp_connect queued on
 * queue 0's channel, the poll that runs it timed (the ephemeral port whose
 * replies this queue owns, the TCB, the SYN, the TX burst) and an empty
 * poll after it; then, untimed, the SYN is checked on TX ring 0 and the
 * peer's RST+ACK closes the connection (the CLOSED event is taken), so the
 * table and the pool stay where they were. flow_port_pick alone is
 * bench_flow_owner's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tcp_frames.h"
#include "core/counters.h"

#include "shim_steer_rig.h"

/* ---- the active open ----------------------------------------------------- */

struct bench_conn {
	struct rig r;
	unsigned int baseline;
	uint64_t opens;
	uint64_t bad;
	char first_error[160];
	struct samples cost;		/* loaded poll - empty poll, ticks */
	double sec_per_tsc;
};

static void
conn_fail(struct bench_conn *c, const char *what)
{
	if (c->first_error[0] == '\0')
		snprintf(c->first_error, sizeof(c->first_error), "open %llu: %s",
			 (unsigned long long)c->opens, what);
	c->bad++;
}

/* The peer asks for our MAC: every stack learns its own (queue 0 answers,
 * the others learn from the copy). */
static int
peer_arp(struct rig *r)
{
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = peer_mac, .spa = PEER_IP,
			     .tpa = OUR_IP };
	struct rte_ether_addr bcast;
	uint16_t q;

	memset(&bcast, 0xff, sizeof(bcast));
	if (rte_ring_enqueue(r->rx[0], frame_arp(&bcast, &peer_mac, &a)) != 0)
		return -1;
	for (q = 0; q < r->nq; q++)
		tern_stack_poll(r->s[q]);
	if (rte_ring_count(r->tx[0]) != 1)	/* the reply */
		return -1;
	for (q = 0; q < r->nq; q++)
		rig_ring_drain(r->tx[q]);
	return 0;
}

struct bench_conn *
bench_conn_create(uint16_t n_queues)
{
	struct bench_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (n_queues < 1 || n_queues > NQ_MAX || rig_up(&c->r, n_queues) != 0) {
		free(c);
		return NULL;
	}
	if (peer_arp(&c->r) != 0) {
		fprintf(stderr, "bench_conn: the peer's ARP request was not answered\n");
		bench_conn_free(c);
		return NULL;
	}
	c->sec_per_tsc = 1.0 / (double)rte_get_tsc_hz();
	c->baseline = rte_mempool_in_use_count(rig_pool());
	return c;
}

/* The SYN on TX ring 0 (nothing on another): its port and ISS. */
static int
syn_take(struct bench_conn *c, uint16_t *lport, uint32_t *iss)
{
	struct parsed_tcp p;
	void *m;
	uint16_t q;
	int ok;

	for (q = 1; q < c->r.nq; q++)
		if (rte_ring_count(c->r.tx[q]) != 0)
			return -1;
	if (rte_ring_count(c->r.tx[0]) != 1 || rte_ring_dequeue(c->r.tx[0], &m) != 0)
		return -1;
	ok = frame_parse_tcp(m, &p) == 0 && p.tcp.flags == F_SYN && p.cksum_ok &&
	     p.tcp.dst_port == PEER_LISTEN_PORT;
	*lport = p.tcp.src_port;
	*iss = p.tcp.seq;
	rte_pktmbuf_free(m);
	return ok ? 0 : -1;
}

/* The peer refuses: RST+ACK of the SYN; the app gets the CLOSED event. */
static int
peer_refuses(struct bench_conn *c, uint16_t lport, uint32_t iss, uint64_t cookie)
{
	struct frame_ip f = rig_from_peer(&c->r);
	struct tern_event ev;
	int ok;

	if (rte_ring_enqueue(c->r.rx[0], frame_tcp(&f, PEER_LISTEN_PORT, lport, 0, iss + 1,
						   F_RST | F_ACK, 0, NULL, NULL, 0)) != 0)
		return -1;
	tern_stack_poll(c->r.s[0]);
	if (tern_chan_recv(c->r.c[0], &ev, 1) != 1)
		return -1;
	ok = ev.type == TERN_EV_TCP_CLOSED && ev.cookie == cookie;
	rte_pktmbuf_free(ev.m);
	return ok && rte_ring_count(c->r.tx[0]) == 0 ? 0 : -1;
}

double
bench_conn_connect(struct bench_conn *c)
{
	uint64_t loaded, empty, opens = tern_stats_get(c->r.s[0], CTR_TCP_ACTIVE_OPENS);
	uint16_t lport = 0;
	uint32_t iss = 0;

	c->opens++;
	if (tern_tcp_connect(c->r.c[0], PEER_IP, PEER_LISTEN_PORT, 0, c->opens) != 0) {
		conn_fail(c, "the command channel is full");
		return 1e-9;
	}
	loaded = rig_poll_timed(c->r.s[0]);
	empty = rig_poll_timed(c->r.s[0]);
	if (tern_stats_get(c->r.s[0], CTR_TCP_ACTIVE_OPENS) != opens + 1 ||
	    tern_stats_get(c->r.s[0], CTR_FLOW_CONNECT_AWAY) != 0)
		conn_fail(c, "tcp_active_opens did not move by one, or flow_connect_away did");
	if (syn_take(c, &lport, &iss) != 0)
		conn_fail(c, "not one good SYN on TX ring 0");
	else if (rig_owner(&c->r, PEER_LISTEN_PORT, lport) != 0)
		conn_fail(c, "the SYN's replies are owned by another queue");
	else if (peer_refuses(c, lport, iss, c->opens) != 0)
		conn_fail(c, "the peer's RST did not close the connection");
	if (rte_mempool_in_use_count(rig_pool()) != c->baseline)
		conn_fail(c, "mbufs out differ from the baseline");
	samples_add(&c->cost, (double)loaded - (double)empty);
	return (double)loaded * c->sec_per_tsc;
}

double
bench_conn_cycles(const struct bench_conn *c)
{
	return samples_median(&c->cost);
}

int
bench_conn_check(const struct bench_conn *c)
{
	if (c->bad == 0 && c->opens > 0 &&
	    rte_mempool_in_use_count(rig_pool()) == c->baseline)
		return 0;
	fprintf(stderr, "bench_conn: %llu of %llu opens wrong (first: %s)\n",
		(unsigned long long)c->bad, (unsigned long long)c->opens,
		c->first_error[0] ? c->first_error : "none");
	return -1;
}

int
bench_conn_free(struct bench_conn *c)
{
	rig_down(&c->r);
	free(c->cost.v);
	free(c);
	if (rte_mempool_in_use_count(rig_pool()) != 0) {
		fprintf(stderr, "bench_conn: %u mbufs still out after teardown\n",
			rte_mempool_in_use_count(rig_pool()));
		return -1;
	}
	return 0;
}

