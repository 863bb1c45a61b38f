/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The fault injection filter of real ports (see netif_fault.h for the
 * order of the faults and the generator contract). netif.c calls
 * netif_fault_rx() / netif_fault_tx_flush() instead of its own burst code
 * when an interface has a filter; stack.c attaches and detaches. A frame
 * lives in exactly one place inside a filter: the rate limiter's FIFO, the
 * hold area (reorder) or the output ring; detach frees all three.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "wire/cksum.h"
#include "wire/eth_hdr.h"
#include "wire/ip4_hdr.h"
#include "wire/wire_io.h"
#include "netif/netif_fault.h"

#define PPM_ONE 1000000u
#define FAULT_TX_RETRIES 8		/* as netif_tx_flush */
#define RQ_MAX 65536u			/* rate limiter FIFO entries, at most */
#define IP_CKSUM_OFF 10
#define UDP_CKSUM_OFF 6
#define TCP_CKSUM_OFF 16

/* Room the output ring must have before one more frame is let through:
 * the frame, its duplicate and every held frame it may release. */
#define OUT_ROOM_PER_FRAME (2u + NETIF_FAULT_HOLD)

struct fault_held {
	struct rte_mbuf *m;
	uint64_t until_ns;		/* UINT64_MAX: released by count only */
	uint32_t left;			/* later frames to wait for; 0: time only */
};

struct fault_rq {
	struct rte_mbuf *m;
	uint64_t dep_ns;		/* its last bit leaves the bottleneck */
};

struct netif_fault {
	/* settings, fixed at attach */
	uint32_t drop_ppm;
	uint32_t burst_ppm;
	uint32_t burst_end_ppm;		/* geometric: a burst ends after a drop */
	uint32_t burst_len;
	bool burst_fixed;
	bool is_tx;
	uint32_t dup_ppm;
	uint32_t corrupt_ppm;
	uint32_t reorder_ppm;
	uint32_t reorder_pkts;
	uint64_t reorder_ns;
	uint64_t rate_bps;
	uint32_t queue_bytes;

	uint64_t rng;			/* xorshift64* state, never 0 */
	bool in_burst;
	uint32_t burst_left;		/* fixed bursts: frames still to drop */

	/* rate limiter: FIFO of frames with their departure times */
	struct fault_rq *rq;
	uint32_t rq_mask, rq_head, rq_len;
	uint32_t rq_bytes;
	uint64_t rq_last_dep_ns;

	/* reorder: frames held back, in the order they were held */
	uint32_t n_held;
	struct fault_held held[NETIF_FAULT_HOLD];

	/* output: frames that passed, in order */
	uint32_t out_head, out_len;
	struct rte_mbuf *out[NETIF_FAULT_OUT];
};

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t
netif_fault_seed(uint64_t seed, uint16_t port, uint16_t queue, unsigned int lcore,
		 bool is_tx)
{
	uint64_t x = splitmix64(seed ^ (uint64_t)port << 48 ^ (uint64_t)queue << 32 ^
				(uint64_t)lcore << 8 ^ (uint64_t)is_tx);

	return x != 0 ? x : 1;
}

static uint64_t
fault_rand(struct netif_fault *f)
{
	uint64_t x = f->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A number in [0, n) from one draw (multiply-shift, no modulo bias worth
 * the name for n <= 2^32). */
static uint32_t
fault_below(struct netif_fault *f, uint32_t n)
{
	return (uint32_t)(((fault_rand(f) >> 32) * n) >> 32);
}

static bool
fault_chance(struct netif_fault *f, uint32_t ppm)
{
	return ppm != 0 && fault_below(f, PPM_ONE) < ppm;
}

bool
netif_fault_conf_enabled(const struct tern_fault_conf *c)
{
	return c->drop_ppm != 0 || c->burst_ppm != 0 || c->dup_ppm != 0 ||
	       c->reorder_ppm != 0 || c->corrupt_ppm != 0 || c->rate_bps != 0;
}

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static struct netif_fault *
fault_create(const struct tern_fault_conf *c, uint64_t seed, bool is_tx, int socket)
{
	struct netif_fault *f = rte_zmalloc_socket("tern_fault", sizeof(*f),
						   RTE_CACHE_LINE_SIZE, socket);

	if (f == NULL)
		return NULL;
	f->drop_ppm = c->drop_ppm;
	f->burst_ppm = c->burst_ppm;
	f->burst_len = RTE_MAX(c->burst_len, 1u);
	f->burst_end_ppm = PPM_ONE / f->burst_len;
	f->burst_fixed = c->burst_fixed != 0;
	f->is_tx = is_tx;
	f->dup_ppm = c->dup_ppm;
	f->corrupt_ppm = c->corrupt_ppm;
	f->reorder_ppm = c->reorder_ppm;
	f->reorder_pkts = c->reorder_pkts;
	f->reorder_ns = (uint64_t)c->reorder_us * 1000u;
	if (f->reorder_pkts == 0 && f->reorder_ns == 0)
		f->reorder_pkts = 1;		/* never hold forever */
	f->rate_bps = c->rate_bps;
	f->queue_bytes = RTE_MAX(c->queue_kb, 2u) * 1024u;
	f->rng = seed;
	if (f->rate_bps != 0) {
		/* enough entries for a queue full of minimum-size frames */
		uint32_t n = pow2_at_least(RTE_MIN(f->queue_bytes / RTE_ETHER_MIN_LEN + 1,
						   RQ_MAX));

		f->rq = rte_zmalloc_socket("tern_fault_rq", n * sizeof(f->rq[0]),
					   RTE_CACHE_LINE_SIZE, socket);
		if (f->rq == NULL) {
			rte_free(f);
			return NULL;
		}
		f->rq_mask = n - 1;
	}
	return f;
}

/* Free everything `f` holds; returns how many frames that was. */
static uint32_t
fault_free(struct netif_fault *f)
{
	uint32_t n = netif_fault_held(f), k;

	for (k = 0; k < f->out_len; k++)
		rte_pktmbuf_free(f->out[(f->out_head + k) % NETIF_FAULT_OUT]);
	for (k = 0; k < f->n_held; k++)
		rte_pktmbuf_free(f->held[k].m);
	for (k = 0; k < f->rq_len; k++)
		rte_pktmbuf_free(f->rq[(f->rq_head + k) & f->rq_mask].m);
	rte_free(f->rq);
	rte_free(f);
	return n;
}

uint32_t
netif_fault_held(const struct netif_fault *f)
{
	return f->out_len + f->n_held + f->rq_len;
}

int
netif_fault_attach(struct tern_stack *s)
{
	const struct tern_fault_conf *c = &s->cfg.fault;
	int socket = rte_lcore_to_socket_id(s->lcore_id);
	uint16_t i;

	if (!netif_fault_conf_enabled(c))
		return 0;
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (i = 0; i < s->n_ifaces; i++) {
		struct stack_iface *f = &s->iface[i];

		if (!f->is_port)
			continue;
		if (c->dir & TERN_FAULT_RX)
			f->fault_rx = fault_create(c, netif_fault_seed(c->seed, f->port_id,
						   f->queue_id, s->lcore_id, false), false, socket);
		if (c->dir & TERN_FAULT_TX)
			f->fault_tx = fault_create(c, netif_fault_seed(c->seed, f->port_id,
						   f->queue_id, s->lcore_id, true), true, socket);
		if (((c->dir & TERN_FAULT_RX) && f->fault_rx == NULL) ||
		    ((c->dir & TERN_FAULT_TX) && f->fault_tx == NULL)) {
			netif_fault_detach(s);
			return -ENOMEM;
		}
	}
	return 0;
}

void
netif_fault_detach(struct tern_stack *s)
{
	uint16_t i;

	for (i = 0; i < s->n_ifaces; i++) {
		struct stack_iface *f = &s->iface[i];

		if (f->fault_rx != NULL)
			stack_ctr_add(s, CTR_FAULT_FLUSHED, fault_free(f->fault_rx));
		if (f->fault_tx != NULL)
			stack_ctr_add(s, CTR_FAULT_FLUSHED, fault_free(f->fault_tx));
		f->fault_rx = NULL;
		f->fault_tx = NULL;
	}
}

static uint32_t
out_room(const struct netif_fault *f)
{
	return NETIF_FAULT_OUT - f->out_len;
}

static void
out_push(struct netif_fault *f, struct rte_mbuf *m)
{
	/* callers reserve OUT_ROOM_PER_FRAME per frame, so this never fails */
	RTE_ASSERT(f->out_len < NETIF_FAULT_OUT);
	f->out[(f->out_head + f->out_len) % NETIF_FAULT_OUT] = m;
	f->out_len++;
}

static void
held_remove(struct netif_fault *f, uint32_t k)
{
	memmove(&f->held[k], &f->held[k + 1], (f->n_held - k - 1) * sizeof(f->held[0]));
	f->n_held--;
}

/* A frame passes: it goes out, and so does every held frame that was
 * waiting for one more frame to pass. */
static void
emit(struct netif_fault *f, struct rte_mbuf *m)
{
	uint32_t k = 0;

	out_push(f, m);
	while (k < f->n_held) {
		struct fault_held *h = &f->held[k];

		if (h->left != 0 && --h->left == 0) {
			out_push(f, h->m);
			held_remove(f, k);
			continue;
		}
		k++;
	}
}

static void
hold(struct netif_fault *f, struct rte_mbuf *m, uint64_t now)
{
	struct fault_held *h = &f->held[f->n_held++];

	h->m = m;
	h->left = f->reorder_pkts;
	h->until_ns = f->reorder_ns != 0 ? now + f->reorder_ns : UINT64_MAX;
}

/* The byte at `off` of the packet data of chain `m`. */
static uint8_t *
pkt_byte(struct rte_mbuf *m, uint32_t off)
{
	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
}

/* The IPv4 header of `m` (the parse trusts the checksum: it may be left to
 * the NIC). Returns false for anything else (ARP, garbage). */
static bool
frame_ip4(const struct rte_mbuf *m, struct ip4_hdr_v *ip)
{
	uint8_t buf[ETH_HDR_LEN + 60];
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(buf));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, buf);
	struct eth_hdr_v eth;

	if (p == NULL || eth_hdr_parse(p, len, &eth) != CTR_NONE ||
	    eth.type != ETHERTYPE_IPV4)
		return false;
	return ip4_hdr_parse(p + ETH_HDR_LEN, rte_pktmbuf_pkt_len(m) - ETH_HDR_LEN, false,
			     ip) == CTR_NONE;
}

/* A copy about to be corrupted asked the NIC for its checksums: compute
 * them here, or the NIC would compute them over the flipped bit. */
static void
tx_cksum_in_software(struct rte_mbuf *m, const struct ip4_hdr_v *ip)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint32_t ip_off = ETH_HDR_LEN, l4_off = ETH_HDR_LEN + ip->hdr_len;
	uint16_t l4_len = ip->total_len - ip->hdr_len, sum;
	uint8_t proto = l4 == RTE_MBUF_F_TX_UDP_CKSUM ? IP4_PROTO_UDP : IP4_PROTO_TCP;
	uint8_t *field;

	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		uint8_t *h = pkt_byte(m, ip_off);

		wire_wr16_raw(h + IP_CKSUM_OFF, 0);
		wire_wr16_raw(h + IP_CKSUM_OFF, cksum_ip4_hdr(h, ip->hdr_len));
	}
	if (l4 == RTE_MBUF_F_TX_UDP_CKSUM || l4 == RTE_MBUF_F_TX_TCP_CKSUM) {
		field = pkt_byte(m, l4_off + (proto == IP4_PROTO_UDP ? UDP_CKSUM_OFF :
							  TCP_CKSUM_OFF));
		wire_wr16_raw(field, 0);
		sum = cksum_l4_ip4(m, l4_off, l4_len, ip->src, ip->dst, proto);
		if (sum == 0 && proto == IP4_PROTO_UDP)
			sum = 0xffff;		/* RFC 768: 0 means none */
		wire_wr16_raw(field, sum);
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
}

/* Flip one bit of the IPv4 packet in `m` (header or payload, never the
 * Ethernet header or padding). Returns the frame to pass on: on TX a
 * copy (the original may share its payload with the send queue) and the
 * original freed; NULL never (an unsuitable frame passes untouched). */
static struct rte_mbuf *
corrupt(struct tern_stack *s, struct netif_fault *f, struct rte_mbuf *m)
{
	struct ip4_hdr_v ip;
	uint32_t bit;

	if (!frame_ip4(m, &ip) || (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
	    ETH_HDR_LEN + (uint32_t)ip.total_len > rte_pktmbuf_pkt_len(m))
		return m;
	if (f->is_tx) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);

		if (c == NULL || c->data_len < ETH_HDR_LEN + ip.hdr_len) {
			rte_pktmbuf_free(c);
			stack_ctr_inc(s, CTR_FAULT_NOMBUF);
			return m;
		}
		rte_pktmbuf_free(m);
		m = c;
		tx_cksum_in_software(m, &ip);
	} else {
		/* a NIC's "checksum good" would now be a lie */
		m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	}
	bit = fault_below(f, (uint32_t)ip.total_len * 8u);
	*pkt_byte(m, ETH_HDR_LEN + bit / 8) ^= (uint8_t)(1u << (bit % 8));
	stack_ctr_inc(s, CTR_FAULT_CORRUPT);
	return m;
}

/* Departure side: duplicate, corrupt, reorder, then out. */
static void
depart(struct tern_stack *s, struct netif_fault *f, struct rte_mbuf *m, uint64_t now)
{
	struct rte_mbuf *dup = NULL;

	if (fault_chance(f, f->dup_ppm)) {
		dup = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);
		stack_ctr_inc(s, dup != NULL ? CTR_FAULT_DUP : CTR_FAULT_NOMBUF);
	}
	if (fault_chance(f, f->corrupt_ppm))
		m = corrupt(s, f, m);
	if (fault_chance(f, f->reorder_ppm) && f->n_held < NETIF_FAULT_HOLD) {
		hold(f, m, now);
		stack_ctr_inc(s, CTR_FAULT_REORDER);
	} else {
		emit(f, m);
	}
	if (dup != NULL)
		emit(f, dup);
}

/* Burst loss: a burst starts with burst_ppm and drops every frame until it
 * ends (after burst_len frames, or with 1/burst_len after each drop). */
static bool
burst_lost(struct tern_stack *s, struct netif_fault *f)
{
	if (!f->in_burst) {
		if (!fault_chance(f, f->burst_ppm))
			return false;
		f->in_burst = true;
		f->burst_left = f->burst_len;
		stack_ctr_inc(s, CTR_FAULT_BURST);
	}
	if (f->burst_fixed) {
		if (--f->burst_left == 0)
			f->in_burst = false;
	} else if (fault_chance(f, f->burst_end_ppm)) {
		f->in_burst = false;
	}
	return true;
}

/* The bottleneck: the frame leaves when its last bit has been sent at
 * rate_bps behind those before it; tail drop past queue_bytes. */
static void
rate_admit(struct tern_stack *s, struct netif_fault *f, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct fault_rq *e;

	if (f->rq_bytes + len > f->queue_bytes || f->rq_len > f->rq_mask) {
		stack_drop(s, m, CTR_FAULT_QUEUE_DROP);
		return;
	}
	f->rq_last_dep_ns = RTE_MAX(now, f->rq_last_dep_ns) +
			    (uint64_t)len * 8u * 1000000000ull / f->rate_bps;
	e = &f->rq[(f->rq_head + f->rq_len) & f->rq_mask];
	e->m = m;
	e->dep_ns = f->rq_last_dep_ns;
	f->rq_len++;
	f->rq_bytes += len;
}

static void
admit(struct tern_stack *s, struct netif_fault *f, struct rte_mbuf *m, uint64_t now)
{
	if (f->burst_ppm != 0 && burst_lost(s, f)) {
		stack_drop(s, m, CTR_FAULT_BURST_DROP);
		return;
	}
	if (fault_chance(f, f->drop_ppm)) {
		stack_drop(s, m, CTR_FAULT_DROP);
		return;
	}
	if (f->rate_bps != 0)
		rate_admit(s, f, m, now);
	else
		depart(s, f, m, now);
}

/* Time passes: frames whose bottleneck departure or hold time has come
 * move on, as far as the output ring has room. */
static void
service(struct tern_stack *s, struct netif_fault *f, uint64_t now)
{
	uint32_t k = 0;

	while (k < f->n_held) {
		if (f->held[k].until_ns <= now && out_room(f) > 0) {
			out_push(f, f->held[k].m);
			held_remove(f, k);
			continue;
		}
		k++;
	}
	while (f->rq_len > 0 && f->rq[f->rq_head].dep_ns <= now &&
	       out_room(f) >= OUT_ROOM_PER_FRAME) {
		struct fault_rq *e = &f->rq[f->rq_head];

		f->rq_head = (f->rq_head + 1) & f->rq_mask;
		f->rq_len--;
		f->rq_bytes -= rte_pktmbuf_pkt_len(e->m);
		depart(s, f, e->m, now);
	}
}

uint16_t
netif_fault_rx(struct tern_stack *s, uint16_t i, struct rte_mbuf **pkts, uint16_t n)
{
	struct stack_iface *fi = &s->iface[i];
	struct netif_fault *f = fi->fault_rx;
	uint64_t now = s->now_ns;
	struct rte_mbuf *in[STACK_TXB_SIZE];
	uint16_t nb, k, got = 0;
	uint32_t room;

	service(s, f, now);
	/* each frame read may come out twice, plus every held frame */
	room = out_room(f) >= OUT_ROOM_PER_FRAME ?
	       (out_room(f) - NETIF_FAULT_HOLD) / 2 : 0;
	if (room > n)
		room = n;
	if (room > STACK_TXB_SIZE)
		room = STACK_TXB_SIZE;
	nb = rte_eth_rx_burst(fi->port_id, fi->queue_id, in, (uint16_t)room);
	for (k = 0; k < nb; k++)
		admit(s, f, in[k], now);
	while (got < n && f->out_len > 0) {
		pkts[got++] = f->out[f->out_head];
		f->out_head = (f->out_head + 1) % NETIF_FAULT_OUT;
		f->out_len--;
	}
	return got;
}

void
netif_fault_tx_flush(struct tern_stack *s, uint16_t i)
{
	struct stack_iface *fi = &s->iface[i];
	struct netif_fault *f = fi->fault_tx;
	uint64_t now = s->now_ns;
	uint16_t k = 0, retries = 0;
	uint64_t sent = 0;

	service(s, f, now);
	while (k < fi->txb_len && out_room(f) >= OUT_ROOM_PER_FRAME)
		admit(s, f, fi->txb[k++], now);
	memmove(fi->txb, fi->txb + k, (fi->txb_len - k) * sizeof(fi->txb[0]));
	fi->txb_len -= k;
	while (f->out_len > 0 && retries < FAULT_TX_RETRIES) {
		uint16_t chunk = (uint16_t)RTE_MIN(f->out_len, NETIF_FAULT_OUT - f->out_head);
		uint16_t n = rte_eth_tx_burst(fi->port_id, fi->queue_id,
					      &f->out[f->out_head], chunk);

		f->out_head = (f->out_head + n) % NETIF_FAULT_OUT;
		f->out_len -= n;
		sent += n;
		if (n == 0)
			retries++;
	}
	/* what the queue refused waits in the output ring, in order */
	stack_ctr_add(s, CTR_TX_PKTS, sent);
}
