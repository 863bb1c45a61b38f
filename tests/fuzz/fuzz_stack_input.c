/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target: arbitrary bytes as one received Ethernet frame into a real
 * stack (virtual interface, real EAL, real mbufs, a TCP listener on port 80
 * and a UDP socket on port 7 behind an app channel), then process and drain
 * whatever it answers. The first input byte picks a frame "shape" (raw;
 * forced to our MAC + ARP or IPv4; IPv4 to us; or a TCP segment to port 80
 * with valid IP and TCP checksums, so the fuzzer reaches TCP's state
 * machine instead of the checksum check). Every input must leave the mbuf pool at its
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

#include "wire/cksum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define POOL_SIZE 1023u

/* Fuzz harness state: process-wide, test code only. */
static struct rte_mempool *pool;
static struct tern_stack *stack;
static uint64_t now_ns;
static struct tern_chan *chan;

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
	cfg.tcp_max_conns = 64;
	stack = pool ? tern_stack_create(&cfg, rte_lcore_id(), 0, pool) : NULL;
	chan = stack ? tern_chan_create(stack, "fuzz", 0) : NULL;
	if (chan == NULL || tern_tcp_listen(chan, 80, 8, 0) != 0 ||
	    tern_udp_bind(chan, 7, 0) != 0)
		abort();
	return 0;
}

/* The app side: accept everything, consume data, free what arrives. */
static void
app_drain(void)
{
	struct tern_event ev[32];
	unsigned int n, k;

	while ((n = tern_chan_recv(chan, ev, 32)) > 0) {
		for (k = 0; k < n; k++) {
			/* one frame per input cannot carry on a
			 * connection: end it so nothing is held over */
			if (ev[k].type == TERN_EV_TCP_ACCEPTED)
				tern_tcp_abort(chan, ev[k].handle);
			rte_pktmbuf_free(ev[k].m);
		}
	}
}

/* Make the frame a TCP segment 198.18.0.1:x -> 198.18.0.2:80 whose IP
 * and TCP checksums are right, whatever else the fuzzer chose. */
static void
shape_tcp(uint8_t *p, size_t size)
{
	uint16_t tot = (uint16_t)(size - 14), ck;
	uint8_t *ip = p + 14, *tcp = p + 34;

	memcpy(p, our_mac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] &= 0x40;			/* no fragments */
	ip[7] = 0;
	ip[9] = 6;
	ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 1;
	ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = 2;
	tcp[2] = 0;
	tcp[3] = 80;
	ip[10] = ip[11] = 0;
	ck = cksum_ip4_hdr(ip, 20);
	memcpy(ip + 10, &ck, 2);
	tcp[16] = tcp[17] = 0;
	ck = (uint16_t)~cksum_fold(cksum_raw(tcp, tot - 20u,
		cksum_pseudo_ip4(0xc6120001u, 0xc6120002u, 6, (uint16_t)(tot - 20))));
	memcpy(tcp + 16, &ck, 2);
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
	shape = data[0] % 5;
	data++;
	size--;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		abort();
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)size);
	memcpy(p, data, size);
	if (shape == 4 && size >= 54) {
		shape_tcp(p, size);
	} else if (shape != 0 && size >= 14) {
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
	app_drain();
	tern_stack_process(stack, now_ns);
	drain();
	/* step time until ARP gives up on queued frames (3 retries, 1 s
	 * apart) and half-open connections give up their SYN-ACK retries
	 * (backoff from 1 s, re-armed at each coarse step), so the pool is
	 * back at its baseline */
	for (k = 0; k < 24; k++) {
		now_ns += 10ull * 1000000000ull;
		tern_stack_process(stack, now_ns);
		app_drain();
		drain();
	}
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz: %u mbufs in use after an input\n",
			rte_mempool_in_use_count(pool));
		tern_stats_dump_json(stderr);
		abort();
	}
	return 0;
}
