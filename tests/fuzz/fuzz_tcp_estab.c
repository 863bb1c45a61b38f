/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target: TCP with connections already established. For every input
 * the harness, playing the peer at 198.18.0.1, opens five connections to
 * a real stack (virtual interface, real EAL and mbufs): two passive ones
 * through the listener on port 80 (one with MSS, window scale, SACK and
 * timestamps, one with no options, its ISS just below the 2^32 wrap) and
 * one active one (tern_tcp_connect to port 5000), all three ESTABLISHED;
 * and two left half-way for the input to finish or break: one in
 * SYN-RECEIVED (the peer's SYN answered) and one in SYN-SENT (tern's SYN
 * to port 5001 unanswered). The input is then read
 * as a program of operations: segments built around each connection's
 * real sequence numbers (the peer's SND.NXT and what tern sent, learned
 * from tern's own output) with valid checksums, so the fuzzer lands in
 * the established-state, reassembly, SACK, FIN and RST code instead of the
 * checksum or window checks; runs of duplicate ACKs (fast retransmit, SACK
 * recovery); app operations (send, close, shutdown, abort, credit
 * withheld, Nagle, CUBIC or NewReno) and clock steps that fire the timers.
 * Both byte streams are checked end to end: every byte the peer sends
 * at sequence number x is peer_byte(x), whichever segment carries it (a
 * SYN's text too, from the SYN's sequence number + 1), so
 * the app must read exactly peer_byte(IRS + 1), peer_byte(IRS + 2) ...
 * (reassembly, trimming, duplicates); the app's bytes are app_byte(x) at
 * tern's x, so every data segment tern sends, first or retransmitted,
 * must carry exactly those.
 * Every input ends in a full teardown: the app aborts what it still holds
 * and the clock runs until every TCB and TIME-WAIT record is gone. The
 * mbuf pool and the reassembly and SACK pools must then be back at their
 * baseline and the connection and TIME-WAIT tables empty, or the target
 * aborts (the fuzzer reports it): that also keeps inputs independent of
 * each other.
 * Built as a libFuzzer target with clang (-Dfuzz=true) and, for the
 * regular suites, linked with replay.c to run the committed corpus.
 * This file is the harness (the stack, the app, the loop, set-up and
 * teardown); the peer's segments are fuzz_tcp_estab_peer.c, the
 * operations fuzz_tcp_estab_ops.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

#include "core/stack_private.h"
#include "tcp/tcp_private.h"

#include "fuzz_tcp_estab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define POOL_SIZE 4095u
#define MAX_OPS 512

/* Fuzz harness state: process-wide, test code only. */
struct rte_mempool *pool;
struct tern_stack *stack;
struct tern_chan *chan;
uint64_t now_ns;
struct peer_conn conns[N_CONNS];
static unsigned int base_reass, base_sack;
int arp_wanted;

static void
stack_config(struct tern_config *cfg)
{
	tern_config_defaults(cfg);
	cfg->n_ifaces = 1;
	cfg->iface[0].port_id = 200;		/* virtual */
	cfg->iface[0].ip = OUR_IP;
	cfg->iface[0].prefix_len = 24;
	cfg->iface[0].gw = 0xc61200feu;
	cfg->iface[0].mac = our_mac;
	snprintf(cfg->tcp_secret_file, sizeof(cfg->tcp_secret_file), "none");
	cfg->tcp_max_conns = 64;
	/* small buffers: full send queues, closed windows and persist
	 * probes within a few operations */
	cfg->tcp_sndbuf = 16384;
	cfg->tcp_rcvbuf = 8192;
	/* short lives, so a teardown takes seconds of simulated time */
	cfg->tcp_msl_ms = 1000;
	cfg->tcp_fin_wait2_ms = 3000;
	cfg->tcp_rto_max_ms = 2000;
	cfg->tcp_max_retries = 4;
	cfg->tcp_syn_retries = 2;
	cfg->tcp_synack_retries = 2;
	cfg->tcp_keepalive_ms = 5000;
	cfg->tcp_keepalive_intvl_ms = 1000;
	cfg->tcp_keepalive_probes = 2;
	cfg->icmp_burst = 1000000;
	cfg->icmp_rate_per_s = 1000000;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { (char *)"fuzz", (char *)"--no-huge", (char *)"--no-pci",
			(char *)"--no-shconf", (char *)"--no-telemetry", (char *)"-m",
			(char *)"256", (char *)"-l", (char *)"0",
			(char *)"--log-level=*:error", NULL };
	struct tern_config cfg;

	(void)argc;
	(void)argv;
	if (rte_eal_init(10, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	stack_config(&cfg);
	stack = pool ? tern_stack_create(&cfg, rte_lcore_id(), 0, pool) : NULL;
	chan = stack ? tern_chan_create(stack, "fuzz", 0) : NULL;
	if (chan == NULL || tern_tcp_listen(chan, LISTEN_PORT, 8, 0) != 0)
		abort();
	base_reass = rte_mempool_in_use_count(stack->tcp->reass_pool);
	base_sack = rte_mempool_in_use_count(stack->tcp->sack_pool);
	return 0;
}

/* ---- the two byte streams ------------------------------------------------- */

void
stream_fail(const char *what, const struct peer_conn *c, uint32_t seq)
{
	fprintf(stderr, "fuzz: %s: conn %u (peer port %u) at seq %u\n", what,
		(unsigned int)(c - conns), c->pport, seq);
	abort();
}

/* ---- the app ------------------------------------------------------------ */

static struct peer_conn *
conn_by_handle(uint64_t h)
{
	unsigned int k;

	for (k = 0; k < N_CONNS; k++)
		if (conns[k].h == h && h != 0)
			return &conns[k];
	return NULL;
}

/* The app now holds a connection: both streams start after the SYNs
 * (read from the TCB: a fuzzed handshake may have moved the peer's ISS). */
static void
app_adopt(struct peer_conn *c, uint64_t h)
{
	const struct tcb *tcb = tcp_conn_from_handle(stack, h);

	c->h = h;
	c->snd_check = c->rcv_check = tcb != NULL;
	if (tcb != NULL) {
		c->app_rcv = tcb->irs + 1;
		c->app_snd = tcb->iss + 1;
	}
}

/* In-order data: exactly the peer's bytes, none missing or repeated. */
static void
app_read(struct peer_conn *c, const struct rte_mbuf *m, uint32_t len)
{
	uint32_t k = 0, seg;
	const uint8_t *p;

	if (rte_pktmbuf_pkt_len(m) != len)
		stream_fail("data event length", c, c->app_rcv);
	for (; m != NULL; m = m->next) {
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		for (seg = 0; seg < m->data_len; seg++, k++)
			if (p[seg] != peer_byte(c->app_rcv + k))
				stream_fail("app read bytes the peer did not send", c,
					    c->app_rcv + k);
	}
	c->app_rcv += len;
}

/* A new connection: adopt it when its peer port belongs to a slot the
 * app no longer holds (the peer opened again), else abort it. */
static void
app_accept(const struct tern_event *ev)
{
	unsigned int k;

	for (k = 0; k < N_CONNS; k++) {
		if (conns[k].pport == ev->port && conns[k].h == 0) {
			app_adopt(&conns[k], ev->handle);
			return;
		}
	}
	tern_tcp_abort(chan, ev->handle);
}

static void
app_event(const struct tern_event *ev)
{
	struct peer_conn *c = conn_by_handle(ev->handle);

	switch (ev->type) {
	case TERN_EV_TCP_ACCEPTED:
		app_accept(ev);
		break;
	case TERN_EV_TCP_CONNECTED:
		if (ev->cookie < N_CONNS && conns[ev->cookie].h == 0)
			app_adopt(&conns[ev->cookie], ev->handle);
		else
			tern_tcp_abort(chan, ev->handle);
		break;
	case TERN_EV_TCP_DATA:
		if (c == NULL)
			break;
		if (c->rcv_check)
			app_read(c, ev->m, ev->len);
		if (!c->hold)
			tern_tcp_recvd(chan, ev->handle, ev->len);
		break;
	case TERN_EV_CMD_ERROR:
		/* a refused send: the app's stream has a gap from here */
		if (c != NULL)
			c->snd_check = 0;
		break;
	case TERN_EV_TCP_CLOSED:
		if (c != NULL)
			c->h = 0;
		break;
	default:
		break;
	}
	rte_pktmbuf_free(ev->m);
}

static void
app_drain(void)
{
	struct tern_event ev[32];
	unsigned int n, k;

	while ((n = tern_chan_recv(chan, ev, 32)) > 0)
		for (k = 0; k < n; k++)
			app_event(&ev[k]);
}

/* One loop iteration, as tern_stack_poll would run it, with the app and
 * the peer's learning in between. */
void
run(void)
{
	tern_stack_process(stack, now_ns);
	app_drain();
	tern_stack_process(stack, now_ns);
	drain_tx();
	app_drain();
	if (arp_wanted) {
		arp_wanted = 0;
		peer_arp();
		tern_stack_process(stack, now_ns);
		drain_tx();
	}
}

static void
advance(uint64_t ns)
{
	now_ns += ns;
	run();
}

/* ---- set-up: three established connections, two half-way ----------------------- */

static void
conn_reset(struct peer_conn *c, uint16_t pport, uint32_t iss, int full)
{
	memset(c, 0, sizeof(*c));
	c->pport = pport;
	c->iss = iss;
	c->snd_nxt = iss + 1;
	c->peer_max = iss + 1;
	c->full_opts = (uint8_t)full;
}

static void
open_passive(struct peer_conn *c, uint16_t pport, uint32_t iss, int full)
{
	struct tcp_seg s = { .seq = iss, .flags = TCP_FLAG_SYN, .wnd = 65535 };

	conn_reset(c, pport, iss, full);
	c->lport = LISTEN_PORT;
	if (full)
		syn_opts(&s);
	peer_send(c, &s, 0);
	run();
	if (!c->synced)
		abort();			/* no SYN-ACK */
	memset(&s, 0, sizeof(s));
	s.seq = c->snd_nxt;
	s.ack = c->rcv_nxt;
	s.flags = TCP_FLAG_ACK;
	s.wnd = full ? 65535 >> PEER_WS : 65535;
	seg_default_opts(c, &s);
	peer_send(c, &s, 0);
	run();
	if (c->h == 0)
		abort();			/* not accepted */
}

static void
open_active(struct peer_conn *c, unsigned int idx, uint32_t iss)
{
	struct tcp_seg s = { .seq = iss, .flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
			     .wnd = 65535 };

	conn_reset(c, PEER_LISTEN_PORT, iss, 1);
	if (tern_tcp_connect(chan, PEER_IP, PEER_LISTEN_PORT, 0, idx) != 0)
		abort();
	run();
	if (!c->synced)
		abort();			/* no SYN */
	s.ack = c->rcv_nxt;
	syn_opts(&s);
	s.opts.ts_ecr = c->ts_recent;
	peer_send(c, &s, 0);
	run();
	if (c->h == 0)
		abort();			/* not connected */
}

/* SYN-RECEIVED: the peer's SYN answered, the handshake left to the input. */
static void
open_half(struct peer_conn *c, uint16_t pport, uint32_t iss)
{
	struct tcp_seg s = { .seq = iss, .flags = TCP_FLAG_SYN, .wnd = 65535 };

	conn_reset(c, pport, iss, 1);
	c->lport = LISTEN_PORT;
	syn_opts(&s);
	peer_send(c, &s, 0);
	run();
	if (!c->synced)
		abort();			/* no SYN-ACK */
}

/* SYN-SENT: tern's SYN to port 5001, the answer left to the input (a
 * SYN-ACK is a segment with SYN, ACK and the SYN options, dseq -1). */
static void
open_pending(struct peer_conn *c, unsigned int idx, uint32_t iss)
{
	conn_reset(c, PEER_LISTEN_PORT + 1, iss, 1);
	if (tern_tcp_connect(chan, PEER_IP, c->pport, 0, idx) != 0)
		abort();
	run();
	if (!c->synced)
		abort();			/* no SYN */
}

static void
setup(void)
{
	peer_arp();
	run();
	open_passive(&conns[0], 40000, 1000000, 1);
	open_passive(&conns[1], 40001, 0xfffffff0u, 0);
	open_active(&conns[2], 2, 0x7ffffff8u);
	open_half(&conns[3], 40002, 0x12345678u);
	open_pending(&conns[4], 4, 0x80000000u);
}
/* ---- teardown: nothing may outlive an input --------------------------------- */

static long long
timer_rel(uint64_t deadline_ns)
{
	return deadline_ns == 0 ? -1 : (long long)(deadline_ns - now_ns);
}

static long long
tcb_wheel_rel(const struct tcb *tcb)
{
	return tcb->timer.tw.pprev == NULL ? -1 : timer_rel(tcb->timer.tw.deadline_ns);
}

/* What a TCB that outlived its teardown was doing (for the report). */
static void
dump_tcbs(void)
{
	const struct tcp_table *t = stack->tcp;
	const struct tcb *tcb;
	uint32_t k;

	for (k = 0; k < t->n_tcbs; k++) {
		tcb = &t->tcbs[k];
		if (tcb->state == TCP_ST_CLOSED)
			continue;
		fprintf(stderr, "fuzz: tcb %u: state %u flags %#x lport %u rport %u "
			"una %u nxt %u max %u wnd %u rcv.nxt %u sndq %u retries %u "
			"backoff %u persist %u ka %u timers(ns from now) rto %lld "
			"persist %lld delack %lld ka %lld fw2 %lld tw %lld wheel %lld\n",
			k, tcb->state, tcb->flags, tcb->lport, tcb->rport,
			tcb->snd.una, tcb->snd.nxt, tcb->snd.max, tcb->snd.wnd,
			tcb->rcv.nxt, tcb->sndq.bytes, tcb->retries, tcb->backoff,
			tcb->persist_unanswered, tcb->ka_probes,
			timer_rel(tcb->timer_ns[TCP_T_RTO]),
			timer_rel(tcb->timer_ns[TCP_T_PERSIST]),
			timer_rel(tcb->timer_ns[TCP_T_DELACK]),
			timer_rel(tcb->timer_ns[TCP_T_KEEPALIVE]),
			timer_rel(tcb->timer_ns[TCP_T_FIN_WAIT_2]),
			timer_rel(tcb->timer_ns[TCP_T_TIME_WAIT]),
			(long long)tcb_wheel_rel(tcb));
	}
}

static void
teardown(void)
{
	unsigned int k;

	for (k = 0; k < N_CONNS; k++)
		if (conns[k].h != 0)
			tern_tcp_abort(chan, conns[k].h);
	run();
	/* the peer is gone: TIME-WAIT, FIN-WAIT-2, LAST-ACK, retransmissions
	 * and half-open entries all end on their timers (bounded by the
	 * short config above: a couple of minutes at most). TIME-WAIT is a
	 * record, not a TCB: one left over would answer the next input's SYN
	 * on the same 4-tuple with an ACK */
	for (k = 0; k < 600 && (stack->tcp->n_used > 0 || stack->tcp->tw.n_live > 0); k++)
		advance(500 * MS);
	if (stack->tcp->n_used != 0 || stack->tcp->tw.n_live != 0 ||
	    rte_mempool_in_use_count(pool) != 0 ||
	    rte_mempool_in_use_count(stack->tcp->reass_pool) != base_reass ||
	    rte_mempool_in_use_count(stack->tcp->sack_pool) != base_sack) {
		fprintf(stderr, "fuzz: after teardown %u TCBs, %u TIME-WAIT records, "
			"%u mbufs, reass %u/%u, sack %u/%u in use\n", stack->tcp->n_used,
			stack->tcp->tw.n_live,
			rte_mempool_in_use_count(pool),
			rte_mempool_in_use_count(stack->tcp->reass_pool), base_reass,
			rte_mempool_in_use_count(stack->tcp->sack_pool), base_sack);
		tern_stats_dump_json(stderr);
		dump_tcbs();
		abort();
	}
	for (k = 0; k < N_CONNS; k++)
		if (conns[k].h != 0)
			abort();		/* a handle never closed */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	unsigned int k;

	if (size > 4096)
		return 0;
	now_ns += 1000 * MS;
	setup();
	for (k = 0; k < MAX_OPS && r.left > 0; k++)
		op_run(&r);
	teardown();
	return 0;
}
