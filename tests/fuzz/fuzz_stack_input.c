/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target: arbitrary bytes as one received Ethernet frame into a real
 * stack (virtual interface, real EAL, real mbufs), then process and drain
 * whatever it answers. The first input byte picks a frame "shape" prefix
 * (raw, or forced to our MAC + IPv4/ARP ethertype) so the fuzzer reaches the
 * deeper layers quickly. Every input must leave the mbuf pool at its
 * baseline. Built as a libFuzzer target with clang (-Dfuzz=true) and, for
 * the regular suites, linked with replay.c to run the committed corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define POOL_SIZE 1023u

/* Fuzz harness state: process-wide, test code only. */
static struct rte_mempool *pool;
static struct tern_stack *stack;
static uint64_t now_ns;

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { (char *)"fuzz", (char *)"--no-huge", (char *)"--no-pci",
			(char *)"--no-shconf", (char *)"--no-telemetry", (char *)"-m",
			(char *)"128", (char *)"-l", (char *)"0",
			(char *)"--log-level=*:error", NULL };
	struct tern_config cfg;

	(void)argc;
	(void)argv;
	if (rte_eal_init(10, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	tern_config_defaults(&cfg);
	cfg.n_ifaces = 1;
	cfg.iface[0].port_id = 200;		/* virtual */
	cfg.iface[0].ip = 0xc6120002u;		/* 198.18.0.2/24 */
	cfg.iface[0].prefix_len = 24;
	cfg.iface[0].gw = 0xc6120001u;
	memcpy(cfg.iface[0].mac.addr_bytes, our_mac, 6);
	cfg.icmp_burst = 1000000;
	cfg.icmp_rate_per_s = 1000000;
	stack = pool ? tern_stack_create(&cfg, rte_lcore_id(), 0, pool) : NULL;
	if (stack == NULL)
		abort();
	return 0;
}

static void
drain(void)
{
	struct rte_mbuf *out[64];
	uint16_t n;

	while ((n = tern_stack_tx_drain(stack, 0, out, 64)) > 0)
		rte_pktmbuf_free_bulk(out, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;
	uint8_t *p;
	uint8_t shape;
	int k;

	if (size < 1 || size > 2000)
		return 0;
	shape = data[0] % 4;
	data++;
	size--;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		abort();
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)size);
	memcpy(p, data, size);
	if (shape != 0 && size >= 14) {
		memcpy(p, our_mac, 6);
		p[12] = 0x08;
		p[13] = shape == 1 ? 0x06 : 0x00;
		if (shape == 3 && size >= 34) {		/* IPv4 to us */
			p[14] = 0x45;
			p[30] = 198; p[31] = 18; p[32] = 0; p[33] = 2;
		}
	}
	now_ns += 1000000;
	tern_stack_input(stack, 0, &m, 1, now_ns);
	tern_stack_process(stack, now_ns);
	drain();
	/* frames queued behind ARP resolution: step time until the resolver
	 * gives up (3 retries, 1 s apart) so the pool comes back */
	for (k = 0; k < 5; k++) {
		now_ns += 1100000000ull;
		tern_stack_process(stack, now_ns);
		drain();
	}
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz: %u mbufs in use after an input\n",
			rte_mempool_in_use_count(pool));
		abort();
	}
	return 0;
}
