/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fixture for bench_flow.cc: the TCP 4-tuple table exactly as the library
 * builds and fills it. A real stack (tern_stack_create on a virtual
 * interface) is created with tcp.max_conns = n, so tcp_table_create()
 * makes the rte_hash; n connections are inserted with tcp_conn_alloc(),
 * the library's own insert. The lookups then run on that very table:
 *   lib_single  tcp_conn_lookup()           what input falls back to
 *   lib_burst   tcp_conn_lookup_burst()     what tern_stack_input() runs per
 *                                           RX burst (frame peek, flow hash,
 *                                           bulk lookup with the hashes)
 *   hash_*      rte_hash_lookup_*() on s->tcp->hash with keys in the
 *               layout of tcp_conn.c's struct tcp_key, with and without a
 *               hash computed at setup (the library has no precomputed-hash
 *               path yet: this is what one would buy).
 * The key layout below mirrors tcp_conn.c; setup proves it by finding
 * every connection through the raw table before anything is timed.
 * Lookups follow a random sequence (of at least 64 Ki entries, and at
 * least n) over all n connections, so every lookup is a hit and large
 * tables miss the caches as they would under real load. Every result is
 * compared with the TCB that was inserted (bench_flow_errors()).
 * One fixture per process at a time: the stack registry allows one stack
 * per lcore, and the process's EAL and frame pool are created once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include <tern/tern.h>

#include "wire/eth_hdr.h"
#include "wire/ip4_hdr.h"
#include "tcp/tcp_private.h"
#include "wire/tcp_hdr.h"
#include "wire/frame_peek.h"
#include "flow/flow_map.h"
#include "shim.h"

#define BF_LADDR 0xc6120002u		/* 198.18.0.2, the stack */
#define BF_LPORT 80u
#define BF_RNET 0xc6130000u		/* 198.19.0.0/16, the peers */
#define BF_SEQ_MIN 65536u
#define BF_FRAME_LEN (ETH_HDR_LEN + IP4_HDR_LEN + TCP_HDR_LEN)
#define BF_OFF_SADDR (ETH_HDR_LEN + 12)
#define BF_OFF_SPORT (ETH_HDR_LEN + IP4_HDR_LEN)

/* tcp_conn.c's struct tcp_key, field for field. */
struct bench_key {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
	uint32_t zero;
} __rte_aligned(8);

struct bench_flow {
	uint32_t n;
	uint32_t mask;			/* sequence length - 1 (a power of two) */
	uint32_t pos;
	uint64_t errors;
	struct tern_stack *s;
	struct rte_hash *h;		/* s->tcp->hash */
	struct bench_key *keys;		/* the lookup sequence */
	hash_sig_t *sigs;
	void **want;			/* the TCB each lookup must find */
	struct rte_mbuf *pkts[BENCH_FLOW_BURST];
	struct frame_tuple tuples[BENCH_FLOW_BURST];
};

/* Process-level bench state (one EAL, one pool, one fixture). */
static struct rte_mempool *bf_pool;
static struct bench_flow *bf_cur;

static void
key_of_index(uint32_t i, struct bench_key *k)
{
	memset(k, 0, sizeof(*k));
	k->raddr = BF_RNET | (i & 0xffffu);
	k->rport = (uint16_t)(1024u + (i >> 16));
	k->laddr = BF_LADDR;
	k->lport = BF_LPORT;
}

static struct tern_stack *
stack_make(uint32_t n)
{
	struct tern_config cfg;
	struct rte_mbuf *m[8];
	struct tern_stack *s;
	uint16_t k;

	tern_config_defaults(&cfg);
	cfg.n_ifaces = 1;
	cfg.iface[0].port_id = 200;		/* not an ethdev: virtual */
	cfg.iface[0].ip = BF_LADDR;
	cfg.iface[0].prefix_len = 16;
	cfg.iface[0].mac.addr_bytes[0] = 0x02;
	cfg.iface[0].mac.addr_bytes[5] = 0x02;
	cfg.tcp_max_conns = n;
	s = tern_stack_create(&cfg, rte_lcore_id(), 0, bf_pool);
	if (s == NULL) {
		fprintf(stderr, "bench_flow: tern_stack_create(%u conns): %s\n", n,
			rte_strerror(rte_errno));
		return NULL;
	}
	while ((k = tern_stack_tx_drain(s, 0, m, 8)) > 0)	/* gratuitous ARP */
		rte_pktmbuf_free_bulk(m, k);
	return s;
}

static int
frames_make(struct bench_flow *f)
{
	struct eth_hdr_v e = { .type = ETHERTYPE_IPV4 };
	struct ip4_hdr_v ip = { .hdr_len = IP4_HDR_LEN, .total_len = IP4_HDR_LEN + TCP_HDR_LEN,
				.ttl = 64, .proto = IP4_PROTO_TCP, .dst = BF_LADDR };
	struct tcp_seg t = { .dst_port = BF_LPORT, .flags = TCP_FLAG_ACK, .wnd = 1024 };
	uint32_t k;

	if (rte_pktmbuf_alloc_bulk(bf_pool, f->pkts, BENCH_FLOW_BURST) != 0)
		return -1;
	for (k = 0; k < BENCH_FLOW_BURST; k++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(f->pkts[k], BF_FRAME_LEN);

		eth_hdr_emit(p, &e);
		ip4_hdr_emit(p + ETH_HDR_LEN, &ip, true);
		tcp_hdr_emit(p + ETH_HDR_LEN + IP4_HDR_LEN, &t);
	}
	return 0;
}

/* Insert n connections through the library; tcbs[i] is connection i. */
static int
conns_fill(struct bench_flow *f, void **tcbs)
{
	struct bench_key k;
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		key_of_index(i, &k);
		tcbs[i] = tcp_conn_alloc(f->s, 0, k.laddr, k.lport, k.raddr, k.rport);
		if (tcbs[i] == NULL) {
			fprintf(stderr, "bench_flow: tcp_conn_alloc failed at %u of %u "
				"(table of %u)\n", i, f->n, f->n);
			return -1;
		}
	}
	/* the raw table must find them under our key layout */
	for (i = 0; i < f->n; i++) {
		void *d = NULL;

		key_of_index(i, &k);
		if (rte_hash_lookup_data(f->h, &k, &d) < 0 || d != tcbs[i]) {
			fprintf(stderr, "bench_flow: key layout differs from tcp_conn.c\n");
			return -1;
		}
	}
	return 0;
}

static int
seq_make(struct bench_flow *f, void *const *tcbs)
{
	uint32_t len = rte_align32pow2(f->n < BF_SEQ_MIN ? BF_SEQ_MIN : f->n);
	uint32_t i;

	f->mask = len - 1;
	f->keys = aligned_alloc(64, (size_t)len * sizeof(*f->keys));
	f->sigs = aligned_alloc(64, (size_t)len * sizeof(*f->sigs));
	f->want = aligned_alloc(64, (size_t)len * sizeof(*f->want));
	if (f->keys == NULL || f->sigs == NULL || f->want == NULL)
		return -1;
	rte_srand(0x7e27);
	for (i = 0; i < len; i++) {
		uint32_t idx = (uint32_t)rte_rand_max(f->n);

		key_of_index(idx, &f->keys[i]);
		f->sigs[i] = rte_hash_hash(f->h, &f->keys[i]);
		f->want[i] = tcbs[idx];
	}
	return 0;
}

static void
flow_free(struct bench_flow *f)
{
	if (f == NULL)
		return;
	rte_pktmbuf_free_bulk(f->pkts, BENCH_FLOW_BURST);
	tern_stack_free(f->s);
	free(f->keys);
	free(f->sigs);
	free(f->want);
	free(f);
}

static struct bench_flow *
flow_make(uint32_t n)
{
	struct bench_flow *f = calloc(1, sizeof(*f));
	void **tcbs = calloc(n, sizeof(*tcbs));
	int rc = -1;

	if (f == NULL || tcbs == NULL)
		goto out;
	f->n = n;
	f->s = stack_make(n);
	if (f->s == NULL)
		goto out;
	f->h = f->s->tcp->hash;
	if (frames_make(f) == 0 && conns_fill(f, tcbs) == 0 && seq_make(f, tcbs) == 0)
		rc = 0;
out:
	free(tcbs);
	if (rc != 0 && f != NULL) {
		flow_free(f);
		f = NULL;
	}
	return f;
}

struct bench_flow *
bench_flow_get(uint32_t n)
{
	if (bf_cur != NULL && bf_cur->n == n) {
		bf_cur->errors = 0;	/* judged per benchmark */
		return bf_cur;
	}
	bench_eal_init("flow", 1024);
	if (bf_pool == NULL)
		bf_pool = rte_pktmbuf_pool_create("bench_flow", 255, 0, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (bf_pool == NULL) {
		fprintf(stderr, "bench_flow: pool: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	flow_free(bf_cur);
	bf_cur = flow_make(n);
	return bf_cur;
}

/* The next `count` (1 or BENCH_FLOW_BURST) entries of the sequence; a
 * burst starts at a multiple of its size, so it never runs off the end. */
static inline uint32_t
next(struct bench_flow *f, uint32_t count)
{
	uint32_t p = f->pos & ~(count - 1);

	f->pos = (p + count) & f->mask;
	return p;
}

static inline void
check1(struct bench_flow *f, uint32_t p, const void *got)
{
	if (unlikely(got != f->want[p]))
		f->errors++;
}

void *
bench_flow_lib_single(struct bench_flow *f)
{
	uint32_t p = next(f, 1);
	const struct bench_key *k = &f->keys[p];
	struct tcb *tcb = tcp_conn_lookup(f->s, k->laddr, k->lport, k->raddr, k->rport);

	check1(f, p, tcb);
	return tcb;
}

static inline void
frames_rewrite(struct bench_flow *f, uint32_t p)
{
	uint32_t k;

	for (k = 0; k < BENCH_FLOW_BURST; k++) {
		uint8_t *fr = rte_pktmbuf_mtod(f->pkts[k], uint8_t *);
		uint32_t a = rte_cpu_to_be_32(f->keys[p + k].raddr);
		uint16_t port = rte_cpu_to_be_16(f->keys[p + k].rport);

		memcpy(fr + BF_OFF_SADDR, &a, sizeof(a));
		memcpy(fr + BF_OFF_SPORT, &port, sizeof(port));
	}
}

unsigned int
bench_flow_rewrite_only(struct bench_flow *f)
{
	frames_rewrite(f, next(f, BENCH_FLOW_BURST));
	return BENCH_FLOW_BURST;
}

unsigned int
bench_flow_lib_burst(struct bench_flow *f)
{
	uint32_t p = next(f, BENCH_FLOW_BURST);
	const struct tcp_table *t = f->s->tcp;
	unsigned int k, hits = 0;

	frames_rewrite(f, p);
	for (k = 0; k < BENCH_FLOW_BURST; k++) {
		struct frame_tuple *x = &f->tuples[k];

		frame_peek(rte_pktmbuf_mtod(f->pkts[k], const uint8_t *),
			   rte_pktmbuf_data_len(f->pkts[k]), x);
		x->hash = flow_hash_sw(&(struct flow_tuple){ .raddr = x->raddr,
			.laddr = x->laddr, .rport = x->rport, .lport = x->lport,
			.proto = x->proto });
	}
	tcp_conn_lookup_burst(f->s, 0, f->pkts, f->tuples, BENCH_FLOW_BURST);
	if (unlikely(t->hint_n != BENCH_FLOW_BURST))
		f->errors += BENCH_FLOW_BURST;
	for (k = 0; k < t->hint_n; k++) {
		check1(f, p + k, (struct tcb *)t->hint[k].entry);
		hits += t->hint[k].entry != NULL;
	}
	return hits;
}

void *
bench_flow_hash_single(struct bench_flow *f)
{
	uint32_t p = next(f, 1);
	void *d = NULL;

	rte_hash_lookup_data(f->h, &f->keys[p], &d);
	check1(f, p, d);
	return d;
}

void *
bench_flow_hash_single_sig(struct bench_flow *f)
{
	uint32_t p = next(f, 1);
	void *d = NULL;

	rte_hash_lookup_with_hash_data(f->h, &f->keys[p], f->sigs[p], &d);
	check1(f, p, d);
	return d;
}

static unsigned int
bulk_check(struct bench_flow *f, uint32_t p, uint64_t hit_mask, void *const *d)
{
	unsigned int k;

	for (k = 0; k < BENCH_FLOW_BURST; k++)
		check1(f, p + k, (hit_mask >> k) & 1 ? d[k] : NULL);
	return (unsigned int)__builtin_popcountll(hit_mask);
}

unsigned int
bench_flow_hash_bulk(struct bench_flow *f)
{
	uint32_t p = next(f, BENCH_FLOW_BURST);
	const void *kp[BENCH_FLOW_BURST];
	void *d[BENCH_FLOW_BURST];
	uint64_t hits = 0;
	unsigned int k;

	for (k = 0; k < BENCH_FLOW_BURST; k++)
		kp[k] = &f->keys[p + k];
	rte_hash_lookup_bulk_data(f->h, kp, BENCH_FLOW_BURST, &hits, d);
	return bulk_check(f, p, hits, d);
}

unsigned int
bench_flow_hash_bulk_sig(struct bench_flow *f)
{
	uint32_t p = next(f, BENCH_FLOW_BURST);
	const void *kp[BENCH_FLOW_BURST];
	void *d[BENCH_FLOW_BURST];
	uint64_t hits = 0;
	unsigned int k;

	for (k = 0; k < BENCH_FLOW_BURST; k++)
		kp[k] = &f->keys[p + k];
	rte_hash_lookup_with_hash_bulk_data(f->h, kp, &f->sigs[p], BENCH_FLOW_BURST,
					    &hits, d);
	return bulk_check(f, p, hits, d);
}

uint64_t
bench_flow_errors(const struct bench_flow *f)
{
	return f->errors;
}
