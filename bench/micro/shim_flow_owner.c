/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fixture for bench_flow_owner.cc: lib/flow's per-frame and per-connect
 * decisions. A flow_map in SW or RSS mode, a random sequence of 64 Ki TCP
 * 4-tuples (received direction) with the owner each must get, computed
 * independently at setup (rte_softrss over the tuple in RSS mode), and a
 * set of ephemeral ports half of which are taken (what in_use() answers
 * for flow_port_pick). Operations:
 *   hash_sw  flow_hash_sw()       the connection table's signature
 *   hash     flow_hash()          per frame, in the map's mode
 *   owner    flow_owner()         per frame: hash + RETA
 *   pick     flow_port_pick()     per connect, each queue its own cursor
 * Owners are compared inside the operation (one compare), as is a pick
 * that found nothing; picked ports are recorded and verified (free, and
 * the NIC's reply owner is the asking queue) by bench_fo_check() after
 * the timed loop. Needs
 * no EAL.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_thash.h>

#include "flow/flow_map.h"
#include "shim_flow_owner.h"

#define FO_SEQ 65536u
#define FO_RSS_HF (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | \
		   RTE_ETH_RSS_NONFRAG_IPV4_UDP)

struct bench_fo {
	unsigned int mode;
	uint16_t n_queues;
	uint32_t pos;
	uint64_t errors;
	struct flow_map map;
	uint8_t key[40] __rte_aligned(4);
	uint16_t cursor[FLOW_RETA_SW];
	struct flow_tuple t[FO_SEQ];
	uint16_t want[FO_SEQ];
	uint16_t picked[FO_SEQ];	/* 0: not picked yet */
	uint64_t used[65536 / 64];
};

/* Process-level bench state: the current fixture. */
static struct bench_fo *fo_cur;

static const char *const fo_names[BENCH_FO_COUNT] = { "sw", "rss" };

const char *
bench_fo_mode_name(unsigned int mode)
{
	return mode < BENCH_FO_COUNT ? fo_names[mode] : "?";
}

static uint64_t
rng_next(uint64_t *x)
{
	*x ^= *x >> 12;			/* xorshift64* */
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

static bool
port_used(void *arg, uint16_t port)
{
	const struct bench_fo *f = arg;

	return (f->used[port / 64] >> (port % 64)) & 1;
}

static uint16_t
owner_expected(const struct bench_fo *f, const struct flow_tuple *t)
{
	union rte_thash_tuple u;

	if (f->mode == BENCH_FO_SW)
		return flow_queue_of_hash(&f->map, flow_hash_sw(t));
	memset(&u, 0, sizeof(u));
	u.v4.src_addr = t->raddr;
	u.v4.dst_addr = t->laddr;
	u.v4.sport = t->rport;
	u.v4.dport = t->lport;
	return f->map.reta[rte_softrss((uint32_t *)&u.v4, RTE_THASH_V4_L4_LEN, f->key) &
			   (f->map.reta_size - 1u)];
}

static int
map_make(struct bench_fo *f, uint64_t *x)
{
	uint16_t reta[128];
	unsigned int i;

	if (f->mode == BENCH_FO_SW)
		return flow_map_init_sw(&f->map, f->n_queues);
	for (i = 0; i < sizeof(f->key); i++)
		f->key[i] = (uint8_t)rng_next(x);
	for (i = 0; i < RTE_DIM(reta); i++)
		reta[i] = (uint16_t)(rng_next(x) % f->n_queues);
	return flow_map_init_rss(&f->map, f->n_queues, f->key, sizeof(f->key), reta,
				 RTE_DIM(reta), FO_RSS_HF);
}

static struct bench_fo *
fo_make(unsigned int mode, uint16_t n_queues)
{
	struct bench_fo *f = calloc(1, sizeof(*f));
	uint64_t x = 0x5eed0000u + mode * 16 + n_queues;
	unsigned int i;

	if (f == NULL)
		return NULL;
	f->mode = mode;
	f->n_queues = n_queues;
	if (map_make(f, &x) != 0) {
		fprintf(stderr, "bench_flow_owner: flow_map_init (%s, %u queues) failed\n",
			bench_fo_mode_name(mode), n_queues);
		free(f);
		return NULL;
	}
	for (i = 0; i < FO_SEQ; i++) {
		uint64_t a = rng_next(&x), b = rng_next(&x);

		f->t[i] = (struct flow_tuple){ .raddr = (uint32_t)a, .laddr = (uint32_t)(a >> 32),
					       .rport = (uint16_t)b, .lport = (uint16_t)(b >> 16),
					       .proto = IPPROTO_TCP };
		f->want[i] = owner_expected(f, &f->t[i]);
	}
	for (i = 0; i < RTE_DIM(f->used); i++)
		f->used[i] = rng_next(&x);	/* each port taken with p = 1/2 */
	return f;
}

struct bench_fo *
bench_fo_get(unsigned int mode, uint16_t n_queues)
{
	if (fo_cur != NULL && fo_cur->mode == mode && fo_cur->n_queues == n_queues) {
		fo_cur->errors = 0;	/* judged per benchmark */
		return fo_cur;
	}
	free(fo_cur);
	fo_cur = mode < BENCH_FO_COUNT && n_queues > 0 && n_queues <= FLOW_RETA_SW ?
		 fo_make(mode, n_queues) : NULL;
	return fo_cur;
}

static inline uint32_t
next(struct bench_fo *f)
{
	uint32_t p = f->pos;

	f->pos = (p + 1) & (FO_SEQ - 1);
	return p;
}

uint32_t
bench_fo_hash_sw(struct bench_fo *f)
{
	return flow_hash_sw(&f->t[next(f)]);
}

uint32_t
bench_fo_hash(struct bench_fo *f)
{
	return flow_hash(&f->map, &f->t[next(f)]);
}

uint16_t
bench_fo_owner(struct bench_fo *f)
{
	uint32_t p = next(f), hash;
	uint16_t q = flow_owner(&f->map, &f->t[p], &hash);

	f->errors += q != f->want[p];
	return q;
}

uint16_t
bench_fo_pick(struct bench_fo *f)
{
	uint32_t p = next(f);
	uint16_t q = (uint16_t)(p % f->n_queues);
	uint16_t port = flow_port_pick(&f->map, q, &f->t[p], &f->cursor[q], port_used, f);

	f->picked[p] = port;
	f->errors += port == 0;
	return port;
}

int
bench_fo_check(struct bench_fo *f)
{
	uint64_t bad = 0;
	uint32_t p;

	for (p = 0; p < FO_SEQ; p++) {
		struct flow_tuple t = f->t[p];

		if (f->picked[p] == 0)
			continue;
		t.lport = f->picked[p];
		bad += port_used(f, t.lport) ||
		       owner_expected(f, &t) != p % f->n_queues;
	}
	if (f->errors != 0 || bad != 0) {
		fprintf(stderr, "bench_flow_owner: %" PRIu64 " wrong owners or failed "
			"picks, %" PRIu64 " wrong picks\n", f->errors, bad);
		return -1;
	}
	return 0;
}

uint64_t
bench_fo_tsc(void)
{
	return rte_rdtsc();
}
