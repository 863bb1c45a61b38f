/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fixtures for bench_steer.cc: the software steering hop (issue 10) on
 * the two-queue rig of shim_steer_rig.c, and its parts alone.
 *
 * The hop. Its frames are TCP segments with RST set, from the peer to a
 * port with no connection and no listener: RFC 9293 3.10.7.1 drops them
 * without an answer (tcp_rx_no_conn), so the owner's path is the whole RX
 * path (peek, hash, the TCP table's bulk lookup, Ethernet, IPv4, TCP
 * parse and checksum, the listener lookup) and then one counted free: no
 * frame out, no event, no timer, no state kept, the same every round. A
 * UDP datagram to a closed port would raise an ICMP error (rate-limited,
 * so not the same every round), one to a bound socket an event and a
 * channel hand-off that would weigh as much as the hop. The 32 source
 * ports are the first from 40000 whose flows queue 1 owns (flow_owner).
 *
 * Each round times single polls with the TSC (rte_rdtsc_precise on both
 * sides): queue 0's stack with the 32 frames on its RX ring, which it
 * steers, and its poll on an empty ring; queue 1's stack taking them from
 * the steering ring and processing them, and its empty poll; the same 32
 * frames delivered on RX ring 1 instead, and queue 1's poll of them. A
 * loaded poll minus the empty one that follows it, over 32, is that side's
 * cost per frame; send + peer - direct is what the hop adds to a frame
 * that would otherwise have arrived on its owner's queue: the enqueue, the
 * dequeue and the owner's second peek and hash. Medians over the rounds,
 * so a round the scheduler interrupted does not count. In two-core mode
 * lcore 1 polls queue 1's stack itself, on request, timing its own polls.
 * Building frames and checking counters stay outside the timed polls;
 * every stage's counters are checked (bench_steer_check).
 *
 * The parts: the steering ring's enqueue frame by frame (as steer_to does)
 * and in one burst, and the owner's second peek and hash, on one core with
 * hot caches, each checked after the loop (bench_steer_parts_check).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "tcp_frames.h"
#include "core/counters.h"
#include "flow/flow_map.h"
#include "wire/frame_peek.h"

#include "shim_steer_rig.h"

#define STEER_RING_SLOTS 4096u		/* as lib/stack/stack_steer.h */

/* ---- the hop ------------------------------------------------------------ */

enum owner_op {
	OWNER_IDLE,
	OWNER_POLL,		/* a loaded poll, then an empty one */
	OWNER_STOP,
};

/* Queue 1's stack polled on request: by lcore 1 in two-core mode. */
struct owner_rpc {
	atomic_uint seq;		/* main: a new request */
	atomic_uint done;		/* lcore 1: the request served */
	unsigned int op;
	uint64_t loaded;
	uint64_t empty;
};

enum hop_series { HS_SEND, HS_PEER, HS_DIRECT, HS_HOP, HS_EMPTY0, HS_EMPTY1, HS_COUNT };

struct bench_steer {
	struct rig r;
	unsigned int mode;
	bool launched;
	struct owner_rpc rpc;
	struct frames fr;		/* the 32 frames, owned by queue 1 */
	unsigned int baseline;		/* mbufs out once the rig is up */
	uint64_t rounds;
	uint64_t bad_rounds;
	char first_error[160];
	struct samples x[HS_COUNT];
	double sec_per_tsc;
};

const char *
bench_steer_mode_name(unsigned int mode)
{
	return mode == BENCH_STEER_TWO_CORES ? "owner on lcore 1" : "one core";
}

static int
owner_loop(void *arg)
{
	struct bench_steer *b = arg;
	struct owner_rpc *rpc = &b->rpc;
	unsigned int served = 0;

	for (;;) {
		unsigned int seq = atomic_load_explicit(&rpc->seq, memory_order_acquire);

		if (seq == served) {
			rte_pause();
			continue;
		}
		if (rpc->op == OWNER_STOP)
			break;
		rpc->loaded = rig_poll_timed(b->r.s[1]);
		rpc->empty = rig_poll_timed(b->r.s[1]);
		served = seq;
		atomic_store_explicit(&rpc->done, seq, memory_order_release);
	}
	atomic_store_explicit(&rpc->done, served + 1, memory_order_release);
	return 0;
}

/* Queue 1's loaded poll and the empty poll after it, on the lcore that
 * polls it. */
static void
owner_poll(struct bench_steer *b, uint64_t *loaded, uint64_t *empty)
{
	struct owner_rpc *rpc = &b->rpc;
	unsigned int seq;

	if (!b->launched) {
		*loaded = rig_poll_timed(b->r.s[1]);
		*empty = rig_poll_timed(b->r.s[1]);
		return;
	}
	seq = atomic_load_explicit(&rpc->seq, memory_order_relaxed) + 1;
	rpc->op = OWNER_POLL;
	atomic_store_explicit(&rpc->seq, seq, memory_order_release);
	while (atomic_load_explicit(&rpc->done, memory_order_acquire) != seq)
		rte_pause();
	*loaded = rpc->loaded;
	*empty = rpc->empty;
}

static void
owner_stop(struct bench_steer *b)
{
	struct owner_rpc *rpc = &b->rpc;

	if (!b->launched)
		return;
	rpc->op = OWNER_STOP;
	atomic_fetch_add_explicit(&rpc->seq, 1, memory_order_release);
	rte_eal_wait_lcore(b->r.lcore1);
	b->launched = false;
}

/* The 32 frames in fresh mbufs on RX ring `q`. */
static int
inject(struct bench_steer *b, uint16_t q)
{
	struct rte_mbuf *m[BURST];
	unsigned int k;

	if (rte_pktmbuf_alloc_bulk(rig_pool(), m, BURST) != 0)
		return -1;
	for (k = 0; k < BURST; k++) {
		memcpy(rte_pktmbuf_mtod(m[k], void *), b->fr.b[k], b->fr.len[k]);
		m[k]->data_len = b->fr.len[k];
		m[k]->pkt_len = b->fr.len[k];
	}
	if (rte_ring_enqueue_burst(b->r.rx[q], (void **)m, BURST, NULL) != BURST) {
		rte_pktmbuf_free_bulk(m, BURST);
		return -1;
	}
	return 0;
}

static void
round_fail(struct bench_steer *b, const char *stage, const char *what,
	   uint64_t got, uint64_t want)
{
	if (b->first_error[0] == '\0')
		snprintf(b->first_error, sizeof(b->first_error),
			 "round %llu, %s: %s moved by %llu, expected %llu",
			 (unsigned long long)b->rounds, stage, what,
			 (unsigned long long)got, (unsigned long long)want);
	b->bad_rounds++;
}

/* Counters of both stacks a stage may move. */
struct snap {
	uint64_t rx_pkts[NQ_MAX];
	uint64_t steered[NQ_MAX];
	uint64_t from_peer[NQ_MAX];
	uint64_t no_conn[NQ_MAX];
	uint64_t segs[NQ_MAX];
	uint64_t lost;			/* ring full, no owner: both stacks */
};

static void
snap_take(const struct bench_steer *b, struct snap *x)
{
	uint16_t q;

	x->lost = 0;
	for (q = 0; q < NQ_MAX; q++) {
		const struct tern_stack *s = b->r.s[q];

		x->rx_pkts[q] = tern_stats_get(s, CTR_RX_PKTS);
		x->steered[q] = tern_stats_get(s, CTR_FLOW_RX_STEERED);
		x->from_peer[q] = tern_stats_get(s, CTR_FLOW_RX_FROM_PEER);
		x->no_conn[q] = tern_stats_get(s, CTR_TCP_RX_NO_CONN);
		x->segs[q] = tern_stats_get(s, CTR_TCP_RX_SEGS);
		x->lost += tern_stats_get(s, CTR_FLOW_RING_FULL) + tern_stats_get(s, CTR_FLOW_NO_OWNER);
	}
}

/* What one stage must have moved, by stack: frames received from the
 * port, steered away, taken from a peer, TCP segments dropped with no
 * connection. */
struct moved {
	uint64_t rx_pkts[NQ_MAX];
	uint64_t steered[NQ_MAX];
	uint64_t from_peer[NQ_MAX];
	uint64_t no_conn[NQ_MAX];
};

static void
stage_check(struct bench_steer *b, const char *stage, const struct snap *before,
	    const struct moved *want)
{
	static const char *const q_name[NQ_MAX] = { "queue 0", "queue 1" };
	struct snap now;
	char what[64];
	uint16_t q;

	snap_take(b, &now);
	for (q = 0; q < NQ_MAX; q++) {
		const uint64_t got[] = {
			now.rx_pkts[q] - before->rx_pkts[q],
			now.steered[q] - before->steered[q],
			now.from_peer[q] - before->from_peer[q],
			now.no_conn[q] - before->no_conn[q],
			now.segs[q] - before->segs[q],
		};
		const uint64_t exp[] = {
			want->rx_pkts[q], want->steered[q], want->from_peer[q],
			want->no_conn[q], want->no_conn[q],
		};
		static const char *const names[] = {
			"rx_pkts", "flow_rx_steered", "flow_rx_from_peer",
			"tcp_rx_no_conn", "tcp_rx_segs",
		};
		unsigned int i;

		for (i = 0; i < RTE_DIM(got); i++) {
			if (got[i] == exp[i])
				continue;
			snprintf(what, sizeof(what), "%s of %s", names[i], q_name[q]);
			round_fail(b, stage, what, got[i], exp[i]);
			return;
		}
	}
	if (now.lost != before->lost)
		round_fail(b, stage, "flow_ring_full + flow_no_owner", now.lost - before->lost, 0);
}

/* Nothing transmitted, every mbuf back. */
static void
round_end_check(struct bench_steer *b)
{
	unsigned int q, out = 0;

	for (q = 0; q < b->r.nq; q++)
		if (rte_ring_count(b->r.tx[q]) != 0) {
			round_fail(b, "end", "TX ring", rte_ring_count(b->r.tx[q]), 0);
			rig_ring_drain(b->r.tx[q]);
		}
	out = rte_mempool_in_use_count(rig_pool());
	if (out != b->baseline)
		round_fail(b, "end", "mbufs out", out, b->baseline);
}

struct bench_steer *
bench_steer_create(unsigned int mode)
{
	struct bench_steer *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->mode = mode;
	if (rig_up(&b->r, 2) != 0) {
		free(b);
		return NULL;
	}
	if (frames_build(&b->fr, b->r.map, &b->r.port_mac) != 0) {
		fprintf(stderr, "bench_steer: no 32 source ports owned by queue 1\n");
		bench_steer_free(b);
		return NULL;
	}
	b->sec_per_tsc = 1.0 / (double)rte_get_tsc_hz();
	b->baseline = rte_mempool_in_use_count(rig_pool());
	if (mode == BENCH_STEER_TWO_CORES) {
		if (rte_eal_remote_launch(owner_loop, b, b->r.lcore1) != 0) {
			fprintf(stderr, "bench_steer: cannot launch lcore %u\n", b->r.lcore1);
			bench_steer_free(b);
			return NULL;
		}
		b->launched = true;
	}
	return b;
}

double
bench_steer_round(struct bench_steer *b)
{
	const struct moved send = { .rx_pkts = { BURST, 0 }, .steered = { BURST, 0 } };
	const struct moved peer = { .from_peer = { 0, BURST }, .no_conn = { 0, BURST } };
	const struct moved direct = { .rx_pkts = { 0, BURST }, .no_conn = { 0, BURST } };
	uint64_t t_send, e0, t_peer, e1, t_direct, e1d;
	struct snap before;
	double s, p, d;

	b->rounds++;
	if (inject(b, 0) != 0) {
		round_fail(b, "send", "frames injected", 0, BURST);
		return 1e-9;
	}
	snap_take(b, &before);
	t_send = rig_poll_timed(b->r.s[0]);
	e0 = rig_poll_timed(b->r.s[0]);
	stage_check(b, "send", &before, &send);

	snap_take(b, &before);
	owner_poll(b, &t_peer, &e1);
	stage_check(b, "peer", &before, &peer);

	if (inject(b, 1) != 0) {
		round_fail(b, "direct", "frames injected", 0, BURST);
		return 1e-9;
	}
	snap_take(b, &before);
	owner_poll(b, &t_direct, &e1d);
	stage_check(b, "direct", &before, &direct);
	round_end_check(b);

	s = ((double)t_send - (double)e0) / BURST;
	p = ((double)t_peer - (double)e1) / BURST;
	d = ((double)t_direct - (double)e1d) / BURST;
	samples_add(&b->x[HS_SEND], s);
	samples_add(&b->x[HS_PEER], p);
	samples_add(&b->x[HS_DIRECT], d);
	samples_add(&b->x[HS_HOP], s + p - d);
	samples_add(&b->x[HS_EMPTY0], (double)e0);
	samples_add(&b->x[HS_EMPTY1], (double)e1);
	return (double)(t_send + t_peer) * b->sec_per_tsc;
}

void
bench_steer_figures(const struct bench_steer *b, struct bench_steer_figures *f)
{
	f->send = samples_median(&b->x[HS_SEND]);
	f->peer = samples_median(&b->x[HS_PEER]);
	f->direct = samples_median(&b->x[HS_DIRECT]);
	f->hop = samples_median(&b->x[HS_HOP]);
	f->empty0 = samples_median(&b->x[HS_EMPTY0]);
	f->empty1 = samples_median(&b->x[HS_EMPTY1]);
	f->tsc_per_ns = bench_steer_tsc_per_ns();
}

int
bench_steer_check(const struct bench_steer *b)
{
	unsigned int out = rte_mempool_in_use_count(rig_pool());

	if (b->bad_rounds == 0 && b->rounds > 0 && out == b->baseline)
		return 0;
	fprintf(stderr, "bench_steer: %llu of %llu rounds wrong (first: %s); %u mbufs out, "
		"%u at start\n", (unsigned long long)b->bad_rounds,
		(unsigned long long)b->rounds, b->first_error[0] ? b->first_error : "none",
		out, b->baseline);
	return -1;
}

int
bench_steer_free(struct bench_steer *b)
{
	unsigned int q;
	int rc = 0;

	owner_stop(b);
	rig_down(&b->r);
	for (q = 0; q < HS_COUNT; q++)
		free(b->x[q].v);
	free(b);
	/* the stacks freed, the pool's caches count as free */
	if (rte_mempool_in_use_count(rig_pool()) != 0) {
		fprintf(stderr, "bench_steer: %u mbufs still out after teardown\n",
			rte_mempool_in_use_count(rig_pool()));
		rc = -1;
	}
	return rc;
}

/* ---- the hop's parts, alone ------------------------------------------------ */

struct bench_steer_parts {
	struct rte_ring *ring;		/* like a steering ring: SP/SC, 4096 */
	struct flow_map map;		/* software mode, two queues */
	struct rte_mbuf *m[BURST];	/* the 32 frames, kept for the run */
	struct rte_mbuf *out[BURST];	/* what the last dequeue returned */
	struct frame_tuple t[BURST];	/* what the last peek returned */
	uint32_t want_hash[BURST];
	uint64_t short_bursts;
};

struct bench_steer_parts *
bench_steer_parts_create(void)
{
	struct bench_steer_parts *p = calloc(1, sizeof(*p));
	struct frames fr;
	unsigned int k;

	if (p == NULL)
		return NULL;
	if (rig_pool() == NULL || flow_map_init_sw(&p->map, 2) != 0 ||
	    frames_build(&fr, &p->map, &our_mac) != 0 ||
	    rte_pktmbuf_alloc_bulk(rig_pool(), p->m, BURST) != 0)
		goto fail;
	for (k = 0; k < BURST; k++) {
		struct flow_tuple t = { .raddr = PEER_IP, .laddr = OUR_IP,
					.lport = CLOSED_PORT, .proto = IPPROTO_TCP };
		struct frame_tuple x;

		memcpy(rte_pktmbuf_append(p->m[k], fr.len[k]), fr.b[k], fr.len[k]);
		frame_peek(fr.b[k], fr.len[k], &x);
		t.rport = x.rport;
		p->want_hash[k] = flow_hash_sw(&t);
	}
	p->ring = rte_ring_create("bst_parts", STEER_RING_SLOTS, SOCKET_ID_ANY,
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (p->ring == NULL || bench_steer_parts_peek(p) != BURST)
		goto fail;
	return p;
fail:
	fprintf(stderr, "bench_steer_parts: setup failed\n");
	bench_steer_parts_free(p);
	return NULL;
}

unsigned int
bench_steer_parts_ring_single(struct bench_steer_parts *p)
{
	unsigned int k, n;

	for (k = 0; k < BURST; k++)
		rte_ring_sp_enqueue(p->ring, p->m[k]);
	n = rte_ring_sc_dequeue_burst(p->ring, (void **)p->out, BURST, NULL);
	p->short_bursts += n != BURST;
	return n;
}

unsigned int
bench_steer_parts_ring_burst(struct bench_steer_parts *p)
{
	unsigned int n;

	rte_ring_sp_enqueue_burst(p->ring, (void **)p->m, BURST, NULL);
	n = rte_ring_sc_dequeue_burst(p->ring, (void **)p->out, BURST, NULL);
	p->short_bursts += n != BURST;
	return n;
}

unsigned int
bench_steer_parts_peek(struct bench_steer_parts *p)
{
	unsigned int k, mine = 0;

	for (k = 0; k < BURST; k++) {
		const struct rte_mbuf *m = p->m[k];
		struct frame_tuple *x = &p->t[k];
		struct flow_tuple ft;

		frame_peek(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), x);
		ft = (struct flow_tuple){ .raddr = x->raddr, .laddr = x->laddr,
					  .rport = x->rport, .lport = x->lport,
					  .proto = x->proto };
		x->hash = flow_hash(&p->map, &ft);
		mine += flow_queue_of_hash(&p->map, x->hash) == 1;
	}
	return mine;
}

int
bench_steer_parts_check(const struct bench_steer_parts *p)
{
	unsigned int k, bad = 0;

	for (k = 0; k < BURST; k++) {
		const struct frame_tuple *x = &p->t[k];

		bad += p->out[k] != NULL && p->out[k] != p->m[k];
		bad += x->kind != FRAME_TCP || x->raddr != PEER_IP || x->laddr != OUR_IP ||
		       x->lport != CLOSED_PORT || x->hash != p->want_hash[k] ||
		       flow_queue_of_hash(&p->map, x->hash) != 1;
	}
	if (bad == 0 && p->short_bursts == 0 && rte_ring_count(p->ring) == 0)
		return 0;
	fprintf(stderr, "bench_steer_parts: %u wrong frames or tuples, %llu short bursts, "
		"%u left in the ring\n", bad, (unsigned long long)p->short_bursts,
		rte_ring_count(p->ring));
	return -1;
}

int
bench_steer_parts_free(struct bench_steer_parts *p)
{
	unsigned int k;

	rte_ring_free(p->ring);		/* it holds p->m's, if anything */
	for (k = 0; k < BURST; k++)
		rte_pktmbuf_free(p->m[k]);
	free(p);
	if (rte_mempool_in_use_count(rig_pool()) != 0) {
		fprintf(stderr, "bench_steer_parts: %u mbufs still out\n",
			rte_mempool_in_use_count(rig_pool()));
		return -1;
	}
	return 0;
}
