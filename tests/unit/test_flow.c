/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for lib/flow/flow_map.c: who owns a flow. RSS mode is checked
 * against the Microsoft RSS verification vectors (numbers from the
 * specification, independent of DPDK) and against DPDK's plain
 * rte_softrss() over an rte_ipv4_tuple the test builds itself, for L4 and
 * L3-only hash types; flow_port_pick() must choose ports whose replies the
 * NIC would hash to the asking queue, never a port in use, and nothing
 * when no port can work. SW mode: the hash is symmetric, stays distinct
 * and spread for a million flows from one client, and owners share out
 * evenly. Random inputs come from a seeded xorshift64* (no EAL needed).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_thash.h>

#include "flow/flow_map.h"

#define N_RANDOM 100000u
#define RSS_L4 (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP)
#define RSS_L3 RTE_ETH_RSS_IPV4
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct rng {
	uint64_t x;
};

static uint64_t
rng_next(struct rng *r)
{
	r->x ^= r->x >> 12;			/* xorshift64* */
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545f4914f6cdd1dull;
}

static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)((rng_next(r) >> 32) * n >> 32);
}

static struct flow_tuple
random_tuple(struct rng *r, uint8_t proto)
{
	uint64_t a = rng_next(r), b = rng_next(r);

	return (struct flow_tuple){ .raddr = (uint32_t)a, .laddr = (uint32_t)(a >> 32),
				    .rport = (uint16_t)b, .lport = (uint16_t)(b >> 16),
				    .proto = proto };
}

/* What the NIC computes, independently of flow_map: DPDK's plain Toeplitz
 * over the tuple in the order of the Microsoft specification. */
static uint32_t
nic_hash(const uint8_t *key, const struct flow_tuple *t, bool l4)
{
	union rte_thash_tuple u;

	memset(&u, 0, sizeof(u));
	u.v4.src_addr = t->raddr;
	u.v4.dst_addr = t->laddr;
	u.v4.sport = t->rport;
	u.v4.dport = t->lport;
	return rte_softrss((uint32_t *)&u.v4, l4 ? RTE_THASH_V4_L4_LEN : RTE_THASH_V4_L3_LEN, key);
}

/* A RETA as a NIC might hold it: every queue present, in random order. */
static void
random_reta(struct rng *r, uint16_t *reta, uint16_t size, uint16_t n_queues)
{
	uint16_t i;

	flow_reta_spread(reta, size, n_queues);
	for (i = size - 1; i > 0; i--) {
		uint16_t j = (uint16_t)rng_below(r, i + 1u), x = reta[i];

		reta[i] = reta[j];
		reta[j] = x;
	}
}

/* Ports in use, one bit each. */
struct port_set {
	uint64_t bits[65536 / 64];
	uint64_t asked;
};

static bool
port_set_has(void *arg, uint16_t port)
{
	struct port_set *s = arg;

	s->asked++;
	return (s->bits[port / 64] >> (port % 64)) & 1;
}

static void
port_set_add(struct port_set *s, uint16_t port)
{
	s->bits[port / 64] |= 1ull << (port % 64);
}

/* Microsoft RSS specification, "Verifying the RSS Hash Calculation":
 * IPv4 vectors with the verification key (flow_rss_key_default). */
static void
test_rss_ms_vectors(void **state)
{
	static const struct {
		uint32_t dst, src;
		uint16_t dport, sport;
		uint32_t l3, l4;
	} v[] = {
		{ IP(161, 142, 100, 80), IP(66, 9, 149, 187), 1766, 2794, 0x323e8fc2, 0x51ccc178 },
		{ IP(65, 69, 140, 83), IP(199, 92, 111, 2), 4739, 14230, 0xd718262a, 0xc626b0ea },
		{ IP(12, 22, 207, 184), IP(24, 19, 198, 95), 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
		{ IP(209, 142, 163, 6), IP(38, 27, 205, 30), 2217, 48228, 0x82989176, 0xafc7327f },
		{ IP(202, 188, 127, 2), IP(153, 39, 163, 191), 1303, 44251,
		  0x5d1809c5, 0x10e828a2 },
	};
	uint8_t key[FLOW_KEY_LEN_DEFAULT] __rte_aligned(4);
	uint16_t reta[128];
	struct flow_map l4, l3;
	unsigned int i;

	(void)state;
	flow_rss_key_default(key);
	flow_reta_spread(reta, 128, 4);
	assert_int_equal(flow_map_init_rss(&l4, 4, key, sizeof(key), reta, 128, RSS_L4), 0);
	assert_int_equal(flow_map_init_rss(&l3, 4, key, sizeof(key), reta, 128, RSS_L3), 0);
	for (i = 0; i < RTE_DIM(v); i++) {
		struct flow_tuple t = { .raddr = v[i].src, .laddr = v[i].dst, .rport = v[i].sport,
					.lport = v[i].dport, .proto = IPPROTO_TCP };

		assert_int_equal(flow_hash(&l4, &t), v[i].l4);
		assert_int_equal(flow_hash(&l3, &t), v[i].l3);
		/* and so does the reference the other tests use */
		assert_int_equal(nic_hash(key, &t, true), v[i].l4);
	}
}

/* flow_hash in RSS mode is exactly the NIC's hash: L4 for both protocols,
 * L3 only, and TCP in L4 with UDP falling back to L3; 40- and 52-byte
 * random keys. */
static void
test_rss_hash_equals_softrss(void **state)
{
	static const uint64_t hfs[] = { RSS_L4, RSS_L3, RSS_L3 | RTE_ETH_RSS_NONFRAG_IPV4_TCP };
	struct rng r = { 0x1234567u };
	uint8_t key[FLOW_KEY_LEN_MAX] __rte_aligned(4);
	uint16_t reta[128];
	struct flow_map m;
	unsigned int h, kl, i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)rng_next(&r);
	random_reta(&r, reta, 128, 3);
	for (kl = 40; kl <= FLOW_KEY_LEN_MAX; kl += FLOW_KEY_LEN_MAX - 40) {
		for (h = 0; h < RTE_DIM(hfs); h++) {
			assert_int_equal(flow_map_init_rss(&m, 3, key, (uint8_t)kl, reta, 128,
							   hfs[h]), 0);
			for (i = 0; i < N_RANDOM; i++) {
				uint8_t proto = i & 1 ? IPPROTO_UDP : IPPROTO_TCP;
				struct flow_tuple t = random_tuple(&r, proto);
				bool l4 = proto == IPPROTO_TCP ?
					(hfs[h] & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0 :
					(hfs[h] & RTE_ETH_RSS_NONFRAG_IPV4_UDP) != 0;
				uint32_t want = nic_hash(key, &t, l4), got;
				uint16_t q = flow_owner(&m, &t, &got);

				assert_int_equal(flow_hash(&m, &t), want);
				assert_int_equal(got, want);
				if (!flow_is_udp_ephemeral(&m, &t))
					assert_int_equal(q, reta[want & 127]);
			}
		}
	}
}

/* The port flow_port_pick chooses makes the NIC deliver the reply to the
 * queue that asked: checked with rte_softrss over the reply tuple. */
static void
test_rss_pick_reply_queue(void **state)
{
	static const uint16_t nqs[] = { 2, 3, 4 };
	struct rng r = { 0xfeedf00du };
	uint8_t key[40] __rte_aligned(4);
	uint16_t reta[128];
	struct flow_map m;
	unsigned int k, i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)rng_next(&r);
	for (k = 0; k < RTE_DIM(nqs); k++) {
		uint16_t nq = nqs[k];
		uint64_t tries = 0, measured = 0;

		random_reta(&r, reta, 128, nq);
		assert_int_equal(flow_map_init_rss(&m, nq, key, sizeof(key), reta, 128, RSS_L4), 0);
		for (i = 0; i < N_RANDOM; i++) {
			struct flow_tuple t = random_tuple(&r, IPPROTO_TCP);
			uint16_t q = (uint16_t)rng_below(&r, nq);
			uint16_t cursor = i & 1 ? (uint16_t)rng_next(&r) : 0;
			uint16_t start = cursor, p;
			uint32_t hash;

			p = flow_port_pick(&m, q, &t, &cursor, NULL, NULL);
			assert_in_range(p, FLOW_EPH_LO, FLOW_EPH_HI);
			t.lport = p;
			assert_int_equal(reta[nic_hash(key, &t, true) & 127], q);
			assert_int_equal(flow_owner(&m, &t, &hash), q);
			assert_int_equal(hash, nic_hash(key, &t, true));
			assert_int_equal(cursor, p == FLOW_EPH_HI ? FLOW_EPH_LO : p + 1);
			if (start >= FLOW_EPH_LO) {
				tries += (p - start + 16384u) % 16384u + 1u;
				measured++;
			}
		}
		/* each port is queue q's with probability 1/nq: ~nq tries */
		assert_true(measured > N_RANDOM / 16);
		assert_true(tries < measured * nq * 5 / 4);
	}
}

/* RSS hashing TCP by addresses only: the port cannot move the reply, so a
 * pick succeeds only on the queue the addresses already map to. */
static void
test_rss_l3_pick(void **state)
{
	struct rng r = { 77 };
	uint8_t key[40] __rte_aligned(4);
	uint16_t reta[128];
	struct flow_map m;
	struct port_set *used = calloc(1, sizeof(*used));
	unsigned int i;

	(void)state;
	assert_non_null(used);
	flow_rss_key_default(key);
	random_reta(&r, reta, 128, 4);
	assert_int_equal(flow_map_init_rss(&m, 4, key, sizeof(key), reta, 128, RSS_L3), 0);
	port_set_add(used, FLOW_EPH_LO);
	for (i = 0; i < 10000; i++) {
		struct flow_tuple t = random_tuple(&r, IPPROTO_TCP);
		uint16_t owner = reta[nic_hash(key, &t, false) & 127];
		uint16_t q, cursor = FLOW_EPH_LO, p;

		for (q = 0; q < 4; q++) {
			p = flow_port_pick(&m, q, &t, &cursor, port_set_has, used);
			if (q != owner) {
				assert_int_equal(p, 0);
				continue;
			}
			/* the first free port from the cursor */
			assert_int_equal(p, FLOW_EPH_LO + 1);
			t.lport = p;
			assert_int_equal(flow_owner(&m, &t, &(uint32_t){ 0 }), q);
		}
	}
	free(used);
}

/* SW mode: swapping the endpoints gives the same hash, so both directions
 * of a flow have one owner; and the hash is not degenerate. */
static void
test_sw_symmetric(void **state)
{
	static const uint16_t nqs[] = { 2, 3, 4 };
	struct rng r = { 99 };
	struct flow_map m[RTE_DIM(nqs)];
	unsigned int i, k, differ = 0;

	(void)state;
	for (k = 0; k < RTE_DIM(nqs); k++)
		assert_int_equal(flow_map_init_sw(&m[k], nqs[k]), 0);
	for (i = 0; i < N_RANDOM; i++) {
		struct flow_tuple t = random_tuple(&r, i & 1 ? IPPROTO_UDP : IPPROTO_TCP);
		struct flow_tuple s = { .raddr = t.laddr, .laddr = t.raddr, .rport = t.lport,
					.lport = t.rport, .proto = t.proto };
		struct flow_tuple u = t;
		uint32_t ht, hs;

		assert_int_equal(flow_hash(&m[0], &t), flow_hash(&m[0], &s));
		t.proto = s.proto = IPPROTO_TCP;
		for (k = 0; k < RTE_DIM(nqs); k++)
			assert_int_equal(flow_owner(&m[k], &t, &ht), flow_owner(&m[k], &s, &hs));
		assert_int_equal(ht, hs);
		/* a one-sided change (only the remote port) changes the hash */
		u.proto = IPPROTO_TCP;
		u.rport ^= 1;
		differ += flow_hash_sw(&u) != ht;
		/* the protocol is part of the flow: TCP and UDP never share */
		u.proto = IPPROTO_UDP;
		differ += flow_hash_sw(&u) != flow_hash_sw(&(struct flow_tuple){
			.raddr = u.raddr, .laddr = u.laddr, .rport = u.rport,
			.lport = u.lport, .proto = IPPROTO_TCP });
	}
	assert_int_equal(differ, 2 * N_RANDOM);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* A million connections from one client address to 16 server ports, the
 * connection table's worst shape: the hash must stay distinct, fill 2^20
 * buckets (low bits) as evenly as a random function would, and spread
 * owners over 2 and 4 queues within 5%. */
static void
test_sw_distribution(void **state)
{
	const uint32_t n_sports = 16, n_cports = 65536 - 1024;
	const uint32_t n = n_sports * n_cports;
	uint32_t *h = malloc(n * sizeof(*h));
	uint16_t *load = calloc(1u << 20, sizeof(*load));
	uint32_t owners[2][4] = { { 0 } };
	struct flow_map m2, m4;
	uint32_t i, distinct, max_load = 0;

	(void)state;
	assert_non_null(h);
	assert_non_null(load);
	assert_int_equal(flow_map_init_sw(&m2, 2), 0);
	assert_int_equal(flow_map_init_sw(&m4, 4), 0);
	for (i = 0; i < n; i++) {
		struct flow_tuple t = { .raddr = IP(10, 0, 0, 1), .laddr = IP(10, 0, 0, 2),
					.rport = (uint16_t)(1024 + i / n_sports),
					.lport = (uint16_t)(8000 + i % n_sports),
					.proto = IPPROTO_TCP };

		h[i] = flow_hash(&m2, &t);
		owners[0][flow_queue_of_hash(&m2, h[i])]++;
		owners[1][flow_queue_of_hash(&m4, h[i])]++;
		if (++load[h[i] & ((1u << 20) - 1)] > max_load)
			max_load = load[h[i] & ((1u << 20) - 1)];
	}
	/* a random function puts at most ~9 of 1M keys into one of 1M bins */
	assert_true(max_load <= 12);
	qsort(h, n, sizeof(*h), cmp_u32);
	for (i = 1, distinct = 1; i < n; i++)
		distinct += h[i] != h[i - 1];
	assert_true((uint64_t)distinct * 1000 >= (uint64_t)n * 999);
	for (i = 0; i < 2; i++)
		assert_in_range(owners[0][i], n / 2 * 95 / 100, n / 2 * 105 / 100);
	for (i = 0; i < 4; i++)
		assert_in_range(owners[1][i], n / 4 * 95 / 100, n / 4 * 105 / 100);
	free(h);
	free(load);
}

/* SW mode picks: the reply hashes to the queue, in-use ports are skipped
 * until none is left, and then pick reports 0 - only when truly none of
 * the queue's ports is free. */
static void
test_sw_pick_in_use(void **state)
{
	struct rng r = { 5 };
	struct port_set *used = calloc(1, sizeof(*used));
	struct flow_tuple t = { .raddr = IP(192, 0, 2, 7), .laddr = IP(198, 51, 100, 1),
				.rport = 443, .proto = IPPROTO_TCP };
	struct flow_map m;
	uint32_t p, picked = 0, left = 0;
	uint16_t cursor = 0;

	(void)state;
	assert_non_null(used);
	assert_int_equal(flow_map_init_sw(&m, 3), 0);
	for (p = FLOW_EPH_LO; p <= FLOW_EPH_HI; p++)
		if (rng_below(&r, 10) != 0)
			port_set_add(used, (uint16_t)p);	/* 90% taken */
	for (;;) {
		uint16_t got = flow_port_pick(&m, 1, &t, &cursor, port_set_has, used);

		if (got == 0)
			break;
		assert_false(port_set_has(used, got));
		t.lport = got;
		assert_int_equal(flow_owner(&m, &t, &(uint32_t){ 0 }), 1);
		port_set_add(used, got);
		picked++;
	}
	/* every port is now taken or belongs to another queue */
	for (p = FLOW_EPH_LO; p <= FLOW_EPH_HI; p++) {
		t.lport = (uint16_t)p;
		left += !port_set_has(used, (uint16_t)p) &&
			flow_owner(&m, &t, &(uint32_t){ 0 }) == 1;
	}
	assert_int_equal(left, 0);
	assert_true(picked > 16384 / 10 / 3 / 2);
	/* all taken: 0 for TCP and UDP alike, without asking forever */
	memset(used->bits, 0xff, sizeof(used->bits));
	used->asked = 0;
	assert_int_equal(flow_port_pick(&m, 0, &t, &cursor, port_set_has, used), 0);
	assert_true(used->asked <= FLOW_EPH_HI - FLOW_EPH_LO + 1);
	t.proto = IPPROTO_UDP;
	assert_int_equal(flow_port_pick(&m, 0, &t, &cursor, port_set_has, used), 0);
	free(used);
}

/* UDP to an ephemeral port belongs to the port's partition, whoever sends;
 * UDP picks land in the partition directly and skip ports in use. */
static void
test_udp_partition(void **state)
{
	struct rng r = { 31337 };
	struct port_set *used = calloc(1, sizeof(*used));
	struct flow_map m;
	uint16_t cursor, p, q;
	unsigned int i;

	(void)state;
	assert_non_null(used);
	assert_int_equal(flow_map_init_sw(&m, 4), 0);
	for (i = 0; i < N_RANDOM; i++) {
		struct flow_tuple t = random_tuple(&r, IPPROTO_UDP);
		uint32_t hash;

		q = flow_owner(&m, &t, &hash);
		assert_int_equal(hash, flow_hash_sw(&t));
		if (t.lport >= FLOW_EPH_LO)
			assert_int_equal(q, (t.lport - FLOW_EPH_LO) % 4);
		else
			assert_int_equal(q, m.reta[hash & 127]);
	}
	for (q = 0; q < 4; q++) {
		struct flow_tuple t = random_tuple(&r, IPPROTO_UDP);

		cursor = FLOW_EPH_LO;
		used->asked = 0;
		p = flow_port_pick(&m, q, &t, &cursor, port_set_has, used);
		assert_int_equal(p, FLOW_EPH_LO + q);		/* no scan */
		assert_int_equal(used->asked, 1);
		port_set_add(used, p);
		port_set_add(used, (uint16_t)(p + 4));
		p = flow_port_pick(&m, q, &t, &cursor, port_set_has, used);
		assert_int_equal(p, FLOW_EPH_LO + q + 8);	/* skips its own used */
		assert_int_equal(cursor, p + 1);
		cursor = FLOW_EPH_HI;				/* wraps to the start */
		p = flow_port_pick(&m, q, &t, &cursor, port_set_has, used);
		assert_int_equal(p, (FLOW_EPH_HI - FLOW_EPH_LO) % 4 == q ?
				 FLOW_EPH_HI : FLOW_EPH_LO + q + 8);
	}
	/* a narrow range: 10 ports over 4 queues */
	assert_int_equal(flow_map_set_ephemeral(&m, 20000, 20009), 0);
	memset(used, 0, sizeof(*used));
	for (q = 0; q < 4; q++) {
		struct flow_tuple t = random_tuple(&r, IPPROTO_UDP);
		unsigned int count = 0;

		cursor = 0;
		while ((p = flow_port_pick(&m, q, &t, &cursor, port_set_has, used)) != 0) {
			assert_in_range(p, 20000, 20009);
			assert_int_equal((p - 20000) % 4, q);
			t.lport = p;
			assert_int_equal(flow_owner(&m, &t, &(uint32_t){ 0 }), q);
			port_set_add(used, p);
			count++;
		}
		assert_int_equal(count, q < 2 ? 3 : 2);
	}
	free(used);
}

/* One queue: everything is queue 0's and no frame is ever foreign; a pick
 * is the first free port from the cursor. */
static void
test_single(void **state)
{
	struct rng r = { 8 };
	struct flow_map m;
	uint16_t cursor = FLOW_EPH_HI, p;
	unsigned int i;

	(void)state;
	flow_map_init_single(&m);
	assert_false(flow_map_is_steering(&m));
	for (i = 0; i < 1000; i++) {
		struct flow_tuple t = random_tuple(&r, i & 1 ? IPPROTO_UDP : IPPROTO_TCP);
		uint32_t hash;

		assert_int_equal(flow_owner(&m, &t, &hash), 0);
		assert_int_equal(hash, flow_hash_sw(&t));
	}
	p = flow_port_pick(&m, 0, &(struct flow_tuple){ .proto = IPPROTO_TCP }, &cursor,
			   NULL, NULL);
	assert_int_equal(p, FLOW_EPH_HI);
	assert_int_equal(cursor, FLOW_EPH_LO);
	assert_int_equal(flow_port_pick(&m, 1, &(struct flow_tuple){ .proto = IPPROTO_TCP },
					&cursor, NULL, NULL), 0);
	assert_int_equal(flow_map_init_sw(&m, 1), 0);
	assert_false(flow_map_is_steering(&m));
	assert_int_equal(flow_map_init_sw(&m, 2), 0);
	assert_true(flow_map_is_steering(&m));
}

/* A cursor outside the range starts where the tuple says: the same tuple
 * the same port, other peers elsewhere. */
static void
test_cursor_from_tuple(void **state)
{
	struct rng r = { 4242 };
	struct flow_map m;
	unsigned int i, same = 0;
	uint16_t prev = 0;

	(void)state;
	assert_int_equal(flow_map_init_sw(&m, 2), 0);
	for (i = 0; i < 1000; i++) {
		struct flow_tuple t = random_tuple(&r, IPPROTO_TCP);
		uint16_t c1 = 0, c2 = 1, p1, p2;

		p1 = flow_port_pick(&m, 1, &t, &c1, NULL, NULL);
		t.lport ^= 0x5555;				/* ignored */
		p2 = flow_port_pick(&m, 1, &t, &c2, NULL, NULL);
		assert_int_equal(p1, p2);
		assert_in_range(p1, FLOW_EPH_LO, FLOW_EPH_HI);
		same += p1 == prev;
		prev = p1;
	}
	assert_true(same < 10);
}

static void
test_init_rejects(void **state)
{
	uint8_t key[FLOW_KEY_LEN_MAX] = { 0 };
	uint16_t reta[FLOW_RETA_MAX + 1];
	struct flow_map m;

	(void)state;
	flow_rss_key_default(key);
	flow_reta_spread(reta, RTE_DIM(reta), 4);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 128, RSS_L4), 0);
	assert_true(flow_map_is_steering(&m));
	reta[77] = 4;					/* >= n_queues */
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 128, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 5, key, 40, reta, 128, RSS_L4), 0);
	reta[77] = 1;
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 64, RSS_L4), 0);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 0, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 96, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 1024, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, FLOW_RETA_MAX, RSS_L4), 0);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 52, reta, 128, RSS_L4), 0);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 41, reta, 128, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 4, NULL, 40, reta, 128, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, NULL, 128, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 0, key, 40, reta, 128, RSS_L4), -EINVAL);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 128, 0), -ENOTSUP);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 128,
					   RTE_ETH_RSS_NONFRAG_IPV4_TCP), -ENOTSUP);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 128,
					   RSS_L4 | RTE_ETH_RSS_L3_SRC_ONLY), -ENOTSUP);
	assert_int_equal(flow_map_init_rss(&m, 4, key, 40, reta, 128,
					   RTE_ETH_RSS_NONFRAG_IPV4_TCP |
					   RTE_ETH_RSS_NONFRAG_IPV4_UDP), 0);
	assert_int_equal(flow_map_init_sw(&m, 0), -EINVAL);
	assert_int_equal(flow_map_init_sw(&m, FLOW_RETA_SW + 1), -EINVAL);
	assert_int_equal(flow_map_init_sw(&m, 4), 0);
	assert_int_equal(flow_map_set_ephemeral(&m, 0, 100), -EINVAL);
	assert_int_equal(flow_map_set_ephemeral(&m, 200, 100), -EINVAL);
	assert_int_equal(flow_map_set_ephemeral(&m, 100, 102), -EINVAL);	/* 3 < 4 queues */
	assert_int_equal(m.eph_lo, FLOW_EPH_LO);
	assert_int_equal(flow_map_set_ephemeral(&m, 100, 103), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rss_ms_vectors),
		cmocka_unit_test(test_rss_hash_equals_softrss),
		cmocka_unit_test(test_rss_pick_reply_queue),
		cmocka_unit_test(test_rss_l3_pick),
		cmocka_unit_test(test_sw_symmetric),
		cmocka_unit_test(test_sw_distribution),
		cmocka_unit_test(test_sw_pick_in_use),
		cmocka_unit_test(test_udp_partition),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_cursor_from_tuple),
		cmocka_unit_test(test_init_rejects),
	};

	return cmocka_run_group_tests_name("unit_flow", tests, NULL, NULL);
}
