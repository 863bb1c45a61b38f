/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The simulated link between two stacks; see sim_link.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_link.h"
#include "core/stack_private.h"
#include "wire/cksum.h"

static const struct rte_ether_addr mac_a = {{ 0x02, 0, 0, 0, 0x5a, 0x02 }};
static const struct rte_ether_addr mac_b = {{ 0x02, 0, 0, 0, 0x5a, 0x03 }};

uint64_t
sim_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

void
sim_config(struct tern_config *cfg)
{
	tern_config_defaults(cfg);
	cfg->n_ifaces = 1;
	cfg->iface[0].port_id = 200;		/* virtual */
	cfg->iface[0].prefix_len = 24;
	cfg->chan_size = 16384;
	cfg->arp_reachable_ms = 86400000;
	cfg->tcp_max_conns = 1024;
}

void
sim_init(struct sim *sim, const struct tern_config *base, struct rte_mempool *pool,
	 uint64_t delay_ns, uint64_t seed)
{
	unsigned int i;

	memset(sim, 0, sizeof(*sim));
	sim->pool = pool;
	sim->rng = seed ? seed : 1;
	for (i = 0; i < 2; i++) {
		struct tern_config cfg = *base;
		struct rte_mbuf *m[8];
		uint16_t n;

		cfg.iface[0].ip = i == 0 ? SIM_A_IP : SIM_B_IP;
		cfg.iface[0].mac = i == 0 ? mac_a : mac_b;
		cfg.nb_mbufs = (uint32_t)rte_mempool_avail_count(pool);
		sim->node[i].s = tern_stack_create(&cfg, i, 0, pool);
		assert_non_null(sim->node[i].s);
		sim->node[i].c = tern_chan_create(sim->node[i].s, "sim", 0);
		assert_non_null(sim->node[i].c);
		while ((n = tern_stack_tx_drain(sim->node[i].s, 0, m, 8)) > 0)
			rte_pktmbuf_free_bulk(m, n);	/* gratuitous ARP */
		sim->dir[i].q = calloc(SIM_QCAP, sizeof(struct sim_pkt));
		assert_non_null(sim->dir[i].q);
		sim->dir[i].bq = calloc(SIM_QCAP, sizeof(uint64_t));
		assert_non_null(sim->dir[i].bq);
		sim->dir[i].delay_ns = delay_ns;
	}
	/* one generator per direction, both derived from the seed */
	for (i = 0; i < 2; i++) {
		sim->dir[i].rng = sim->rng ^ (0x9e3779b97f4a7c15ull * (i + 1));
		if (sim->dir[i].rng == 0)
			sim->dir[i].rng = 1;
		(void)sim_rand(&sim->dir[i].rng);
	}
	sim->now = (RTE_MAX(tern_stack_now(sim->node[0].s),
			    tern_stack_now(sim->node[1].s)) / 1000000000ull + 2) *
		   1000000000ull;
}

/* Insert keeping the queue sorted by due time (from the tail: faults are
 * rare, so this is O(1) in the common case). */
static void
dir_push(struct sim_dir *d, struct rte_mbuf *m, uint64_t due)
{
	uint32_t k;

	if (d->len == SIM_QCAP) {
		d->overflow++;
		rte_pktmbuf_free(m);
		return;
	}
	k = d->len;
	while (k > 0 && d->q[(d->head + k - 1) % SIM_QCAP].due_ns > due) {
		d->q[(d->head + k) % SIM_QCAP] = d->q[(d->head + k - 1) % SIM_QCAP];
		k--;
	}
	d->q[(d->head + k) % SIM_QCAP].m = m;
	d->q[(d->head + k) % SIM_QCAP].due_ns = due;
	d->len++;
}

static bool
chance(struct sim_dir *d, uint32_t ppm)
{
	return ppm != 0 && sim_rand(&d->rng) % 1000000u < ppm;
}

/* Gilbert-Elliott: move the two-state chain on (one frame, or the slots
 * of time since the last frame: after k steps the chain is Bad with
 * pi + (b0 - pi) (1 - p - r)^k, pi = p / (p + r)), then draw the loss of
 * this frame in the state it is in. */
static bool
ge_lost(struct sim_dir *d, uint64_t now)
{
	const struct sim_faults *f = &d->faults;

	if (f->ge_p_ppm == 0)
		return false;
	if (f->ge_slot_ns == 0) {
		if (d->ge_bad ? chance(d, f->ge_r_ppm) : chance(d, f->ge_p_ppm))
			d->ge_bad = !d->ge_bad;
	} else {
		double p = f->ge_p_ppm / 1e6, r = f->ge_r_ppm / 1e6, pi = p / (p + r);
		uint64_t k = (now - d->ge_last_ns) / f->ge_slot_ns;
		double bad = pi + ((d->ge_bad ? 1.0 : 0.0) - pi) * pow(1.0 - p - r,
								       (double)RTE_MAX(k, 1ull));

		d->ge_bad = chance(d, (uint32_t)(bad * 1e6 + 0.5));
		d->ge_last_ns = now;
	}
	return chance(d, d->ge_bad ? f->ge_loss_bad_ppm : f->ge_loss_good_ppm);
}

/* The bottleneck: a FIFO served at rate_bps. Returns false (tail drop)
 * when queue_pkts frames are already waiting or in service, else sets
 * *dep_ns to when the frame's last bit leaves. */
static bool
bottleneck_admit(struct sim_dir *d, uint64_t now, uint32_t len, uint64_t *dep_ns)
{
	const struct sim_faults *f = &d->faults;
	uint64_t dep;

	while (d->bq_len > 0 && d->bq[d->bq_head] <= now) {
		d->bq_head = (d->bq_head + 1) % SIM_QCAP;
		d->bq_len--;
	}
	if ((f->queue_pkts != 0 && d->bq_len >= f->queue_pkts) || d->bq_len == SIM_QCAP)
		return false;
	dep = RTE_MAX(now, d->bq_last_dep_ns) + (uint64_t)len * 8u * 1000000000ull / f->rate_bps;
	d->bq[(d->bq_head + d->bq_len) % SIM_QCAP] = dep;
	d->bq_len++;
	d->bq_max = RTE_MAX(d->bq_max, d->bq_len);
	d->bq_last_dep_ns = dep;
	*dep_ns = dep;
	return true;
}

/* RFC 3168 5: set CE in an ECN-capable IPv4 packet and fix its header
 * checksum (RFC 1624, as a router does). Returns false for frames that
 * are not ECN-capable (ARP, Not-ECT, already CE). */
static bool
ce_mark(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *), *ip = p + RTE_ETHER_HDR_LEN;
	uint16_t old_w, new_w, ck;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + 20 || p[12] != 0x08 || p[13] != 0x00)
		return false;
	if ((ip[1] & 0x03) == 0 || (ip[1] & 0x03) == 0x03)
		return false;
	memcpy(&old_w, ip, 2);
	ip[1] |= 0x03;
	memcpy(&new_w, ip, 2);
	memcpy(&ck, ip + 10, 2);
	ck = cksum_update16(ck, old_w, new_w);
	memcpy(ip + 10, &ck, 2);
	return true;
}

/* Flip one bit inside the IPv4 packet (header or payload, never the
 * Ethernet header or padding): what the IPv4 and TCP checksums cover.
 * Other frames (ARP) are left alone. */
static bool
corrupt_bit(struct sim_dir *d, struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), ip_len, bit;

	if (len < RTE_ETHER_HDR_LEN + 20 || p[12] != 0x08 || p[13] != 0x00)
		return false;
	ip_len = (uint32_t)p[RTE_ETHER_HDR_LEN + 2] << 8 | p[RTE_ETHER_HDR_LEN + 3];
	ip_len = RTE_MIN(ip_len, len - RTE_ETHER_HDR_LEN);
	bit = (uint32_t)(sim_rand(&d->rng) % ((uint64_t)ip_len * 8u));
	p[RTE_ETHER_HDR_LEN + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	return true;
}

/* One frame leaves node i: count it, maybe fault it, queue it. */
static void
sim_fault(struct sim *sim, unsigned int i, struct rte_mbuf *m)
{
	struct sim_dir *d = &sim->dir[i];
	uint64_t due = sim->now + d->delay_ns, dep;
	struct rte_mbuf *w;

	/* the wire: the frame arrives as one contiguous buffer, as a NIC
	 * receives it, and the sender's mbufs are released (TX completion) */
	if (m->nb_segs > 1)
		d->chained++;
	w = rte_pktmbuf_copy(m, sim->pool, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	assert_non_null(w);
	assert_int_equal(w->nb_segs, 1);
	m = w;
	d->frames++;
	d->bytes += rte_pktmbuf_pkt_len(m);
	if (sim->filter != NULL && sim->filter(sim->filter_arg, i, m, sim->now)) {
		d->filtered++;
		rte_pktmbuf_free(m);
		return;
	}
	if (chance(d, d->faults.drop_ppm)) {
		d->dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (ge_lost(d, sim->now)) {
		d->burst_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (d->faults.rate_bps != 0) {
		if (!bottleneck_admit(d, sim->now, rte_pktmbuf_pkt_len(m), &dep)) {
			d->queue_dropped++;
			rte_pktmbuf_free(m);
			return;
		}
		/* bq_len counts this frame now: the ones it found are one less */
		if (d->faults.ce_queue_pkts != 0 && d->bq_len > d->faults.ce_queue_pkts &&
		    ce_mark(m))
			d->ce_marked++;
		due = dep + d->delay_ns;
	}
	if (chance(d, d->faults.dup_ppm)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, sim->pool, 0, UINT32_MAX);

		if (c != NULL) {
			d->duplicated++;
			dir_push(d, c, due);
		}
	}
	if (chance(d, d->faults.corrupt_ppm) && corrupt_bit(d, m))
		d->corrupted++;
	if (chance(d, d->faults.delay_ppm)) {
		d->delayed++;
		due += d->faults.extra_delay_ns;
	}
	dir_push(d, m, due);
}

static unsigned int
deliver(struct sim *sim, unsigned int i)
{
	struct sim_dir *d = &sim->dir[i];
	struct tern_stack *to = sim->node[1 - i].s;
	struct rte_mbuf *b[32];
	unsigned int total = 0;
	uint16_t n = 0;

	while (d->len > 0 && d->q[d->head].due_ns <= sim->now) {
		b[n++] = d->q[d->head].m;
		d->head = (d->head + 1) % SIM_QCAP;
		d->len--;
		if (n == RTE_DIM(b)) {
			tern_stack_input(to, 0, b, n, sim->now);
			total += n;
			n = 0;
		}
	}
	if (n > 0)
		tern_stack_input(to, 0, b, n, sim->now);
	return total + n;
}

unsigned int
sim_step(struct sim *sim, uint64_t dt_ns)
{
	unsigned int i, moved = 0;

	sim->now += dt_ns;
	for (i = 0; i < 2; i++)
		moved += deliver(sim, i);
	for (i = 0; i < 2; i++) {
		struct rte_mbuf *m[64];
		uint16_t n, k;

		tern_stack_process(sim->node[i].s, sim->now);
		while ((n = tern_stack_tx_drain(sim->node[i].s, 0, m, 64)) > 0)
			for (k = 0; k < n; k++)
				sim_fault(sim, i, m[k]);
	}
	return moved;
}

uint32_t
sim_in_flight(const struct sim *sim)
{
	return sim->dir[0].len + sim->dir[1].len;
}

void
sim_fini(struct sim *sim)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct sim_dir *d = &sim->dir[i];
		struct tern_event ev;

		while (d->len > 0) {
			rte_pktmbuf_free(d->q[d->head].m);
			d->head = (d->head + 1) % SIM_QCAP;
			d->len--;
		}
		free(d->q);
		free(d->bq);
		while (tern_chan_recv(sim->node[i].c, &ev, 1) == 1)
			rte_pktmbuf_free(ev.m);
	}
	for (i = 0; i < 2; i++) {
		struct rte_mbuf *m[64];
		uint16_t n;

		while ((n = tern_stack_tx_drain(sim->node[i].s, 0, m, 64)) > 0)
			rte_pktmbuf_free_bulk(m, n);
		tern_stack_free(sim->node[i].s);
	}
}

uint64_t
sim_ctr(const struct sim *sim, unsigned int i, unsigned int id)
{
	return sim->node[i].s->ctr[id];
}

void
sim_print_counters(const struct sim *sim, unsigned int i)
{
	unsigned int id;

	printf("  node %c:", i == 0 ? 'A' : 'B');
	for (id = 1; id < CTR_COUNT; id++)
		if (sim->node[i].s->ctr[id] != 0)
			printf(" %s=%" PRIu64, ctr_name(id), sim->node[i].s->ctr[id]);
	printf("\n");
}

uint64_t
sim_ctr_corrupt_caught(const struct sim *sim, unsigned int i)
{
	return sim_ctr(sim, i, CTR_IP_RX_BAD_VERSION) + sim_ctr(sim, i, CTR_IP_RX_BAD_IHL) +
	       sim_ctr(sim, i, CTR_IP_RX_BAD_LEN) + sim_ctr(sim, i, CTR_IP_RX_BAD_CSUM) +
	       sim_ctr(sim, i, CTR_TCP_RX_BAD_CSUM);
}

void
sim_print_dir(const struct sim *sim, unsigned int i)
{
	const struct sim_dir *d = &sim->dir[i];

	printf("  link %s: %" PRIu64 " frames %" PRIu64 " bytes; dropped %" PRIu64
	       " burst %" PRIu64 " queue %" PRIu64 " (max %u) filtered %" PRIu64
	       " dup %" PRIu64 " reordered %" PRIu64 " corrupted %" PRIu64
	       " overflow %" PRIu64 " ce %" PRIu64 "\n", i == 0 ? "A->B" : "B->A", d->frames,
	       d->bytes, d->dropped, d->burst_dropped, d->queue_dropped, d->bq_max, d->filtered,
	       d->duplicated, d->delayed, d->corrupted, d->overflow, d->ce_marked);
}
