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
#include "tcp/tcp_seq.h"
#include "wire/cksum.h"
#include "wire/eth_hdr.h"
#include "wire/ip4_hdr.h"
#include "wire/tcp_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define POOL_SIZE 4095u
#define OUR_IP 0xc6120002u		/* 198.18.0.2 */
#define PEER_IP 0xc6120001u		/* 198.18.0.1 */
#define LISTEN_PORT 80
#define PEER_LISTEN_PORT 5000
#define N_CONNS 5
#define MAX_OPS 512
#define MAX_SEG_DATA 1460u
#define MS 1000000ull
#define PEER_WS 7

/* The peer's view of one connection, and the app's. */
struct peer_conn {
	uint64_t h;			/* the app's handle, 0 = none */
	uint16_t lport;			/* tern's port */
	uint16_t pport;			/* the peer's port */
	uint32_t iss;			/* the peer's ISS */
	uint32_t snd_nxt;		/* the peer's next sequence number */
	uint32_t peer_max;		/* end of the highest segment the peer sent */
	uint32_t peer_una;		/* the last ACK the peer sent */
	uint16_t peer_wnd;		/* and its window field */
	uint32_t irs;			/* tern's ISS */
	uint32_t rcv_nxt;		/* highest end of what tern sent */
	uint32_t ts_recent;		/* tern's last TSval */
	uint32_t app_rcv;		/* sequence number of the app's next byte in */
	uint32_t app_snd;		/* sequence number of the app's next byte out */
	uint8_t full_opts;		/* the peer offers MSS, WS, SACK, TS */
	uint8_t ts_ok;			/* timestamps negotiated */
	uint8_t synced;			/* tern's SYN seen */
	uint8_t rcv_check;		/* app_rcv is known */
	uint8_t snd_check;		/* app_snd is exact (no send was refused) */
	uint8_t hold;			/* the app withholds receive credit */
	uint8_t nodelay;		/* the app turned Nagle off */
	uint8_t cubic;			/* the app chose CUBIC */
};

/* Fuzz harness state: process-wide, test code only. */
static struct rte_mempool *pool;
static struct tern_stack *stack;
static struct tern_chan *chan;
static uint64_t now_ns;
static struct peer_conn conns[N_CONNS];
static unsigned int base_reass, base_sack;
static int arp_wanted;

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };

/* The input as a stream of bytes; zeros once it runs out. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t
rd8(struct reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

static uint16_t
rd16(struct reader *r)
{
	uint16_t hi = rd8(r);

	return (uint16_t)(hi << 8 | rd8(r));
}

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

static uint8_t
peer_byte(uint32_t seq)
{
	return (uint8_t)(seq ^ (seq >> 8) ^ 0x5a);
}

static uint8_t
app_byte(uint32_t seq)
{
	return (uint8_t)(seq * 7u + (seq >> 11));
}

static void
stream_fail(const char *what, const struct peer_conn *c, uint32_t seq)
{
	fprintf(stderr, "fuzz: %s: conn %u (peer port %u) at seq %u\n", what,
		(unsigned int)(c - conns), c->pport, seq);
	abort();
}

/* ---- the peer: segments in ------------------------------------------------ */

static uint32_t
peer_tsval(void)
{
	return (uint32_t)(now_ns / MS) + 0x10000000u;
}

/* Ethernet + IPv4 + TCP peer -> us, checksums right. */
static void
peer_send(struct peer_conn *c, const struct tcp_seg *seg, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct eth_hdr_v eth = { .dst = our_mac, .src = peer_mac, .type = ETHERTYPE_IPV4 };
	struct ip4_hdr_v ip = { .hdr_len = IP4_HDR_LEN, .ttl = 64, .proto = IP4_PROTO_TCP,
				.src = PEER_IP, .dst = OUR_IP };
	struct tcp_seg s = *seg;
	uint8_t *p, *l4;
	uint32_t end, text;
	uint16_t ck, k;
	uint8_t hl;

	if (m == NULL)
		abort();
	p = (uint8_t *)rte_pktmbuf_append(m, ETH_HDR_LEN + IP4_HDR_LEN + TCP_HDR_MAX + len);
	if (p == NULL)
		abort();
	s.src_port = c->pport;
	s.dst_port = c->lport;
	/* a SYN takes s.seq itself: its text starts one later (tern
	 * delivers text on a SYN, RFC 9293 3.10.7.2/3) */
	text = s.seq + ((s.flags & TCP_FLAG_SYN) ? 1 : 0);
	end = text + len + ((s.flags & TCP_FLAG_FIN) ? 1 : 0);
	if (seq_gt(end, c->peer_max))
		c->peer_max = end;
	if (s.flags & TCP_FLAG_ACK) {		/* for duplicate ACKs */
		c->peer_una = s.ack;
		c->peer_wnd = s.wnd;
	}
	l4 = p + ETH_HDR_LEN + IP4_HDR_LEN;
	hl = tcp_hdr_emit(l4, &s);
	for (k = 0; k < len; k++)
		l4[hl + k] = peer_byte(text + k);
	ck = (uint16_t)~cksum_fold(cksum_raw(l4, hl + len,
		cksum_pseudo_ip4(PEER_IP, OUR_IP, IP4_PROTO_TCP, (uint16_t)(hl + len))));
	memcpy(l4 + 16, &ck, 2);
	ip.total_len = (uint16_t)(IP4_HDR_LEN + hl + len);
	eth_hdr_emit(p, &eth);
	ip4_hdr_emit(p + ETH_HDR_LEN, &ip, true);
	rte_pktmbuf_trim(m, (uint16_t)(TCP_HDR_MAX - hl));
	tern_stack_input(stack, 0, &m, 1, now_ns);
}

/* An ARP request from the peer for us: tern learns the peer (RFC 826). */
static void
peer_arp(void)
{
	static const uint8_t req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 0x01, 198, 18, 0, 1,
		0, 0, 0, 0, 0, 0, 198, 18, 0, 2 };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL)
		abort();
	memcpy(rte_pktmbuf_append(m, sizeof(req)), req, sizeof(req));
	tern_stack_input(stack, 0, &m, 1, now_ns);
}

static void
seg_default_opts(const struct peer_conn *c, struct tcp_seg *s)
{
	if (c->ts_ok) {
		s->opts.present |= TCP_OPTF_TS;
		s->opts.ts_val = peer_tsval();
		s->opts.ts_ecr = c->ts_recent;
	}
}

static void
syn_opts(struct tcp_seg *s)
{
	s->opts.present = TCP_OPTF_MSS | TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS;
	s->opts.mss = 1460;
	s->opts.wscale = PEER_WS;
	s->opts.ts_val = peer_tsval();
}

/* ---- the peer: segments out (what tern sent) -------------------------------- */

static struct peer_conn *
conn_of(uint16_t lport, uint16_t pport)
{
	unsigned int k;

	for (k = 0; k < N_CONNS; k++)
		if (conns[k].pport == pport && (conns[k].lport == lport || conns[k].lport == 0))
			return &conns[k];
	return NULL;
}

/* Tern's data: exactly the app's bytes at their sequence numbers, none
 * beyond what the app gave, and a FIN right after the last of them. */
static void
check_out_seq(const struct peer_conn *c, const struct tcp_seg *s, const uint8_t *p,
	      uint32_t len)
{
	uint32_t k;

	if (s->flags & TCP_FLAG_SYN)
		return;
	for (k = 0; k < len; k++)
		if (p[k] != app_byte(s->seq + k))
			stream_fail("tern sent bytes the app did not", c, s->seq + k);
	if (len > 0 && seq_gt(s->seq + len, c->app_snd))
		stream_fail("tern sent beyond the app's data", c, s->seq + len);
	if ((s->flags & TCP_FLAG_FIN) && s->seq + len != c->app_snd)
		stream_fail("tern's FIN is not after the app's last byte", c, s->seq + len);
}

/* Learn from one frame tern sent: where its sequence space is, what it
 * acknowledged of ours, its timestamp; and check its checksum and data. */
static void
peer_learn(const struct rte_mbuf *m)
{
	static uint8_t buf[4096];
	uint32_t len = rte_pktmbuf_pkt_len(m), l4_len;
	const uint8_t *p = rte_pktmbuf_read(m, 0, RTE_MIN(len, (uint32_t)sizeof(buf)), buf);
	struct ip4_hdr_v ip;
	struct tcp_seg s;
	struct peer_conn *c;
	const uint8_t *l4;
	uint32_t end;

	if (p == NULL || len > sizeof(buf))
		abort();			/* larger than any MTU */
	if (len < ETH_HDR_LEN + IP4_HDR_LEN)
		return;
	if (p[12] == 0x08 && p[13] == 0x06) {
		if (p[21] == 1)			/* tern resolves the peer: answer */
			arp_wanted = 1;
		return;
	}
	if (ip4_hdr_parse(p + ETH_HDR_LEN, len - ETH_HDR_LEN, true, &ip) != CTR_NONE ||
	    ip.proto != IP4_PROTO_TCP)
		return;
	l4 = p + ETH_HDR_LEN + ip.hdr_len;
	l4_len = ip.total_len - ip.hdr_len;
	if (tcp_hdr_parse(l4, l4_len, &s) != CTR_NONE)
		abort();			/* tern emitted a bad header */
	if (cksum_fold(cksum_raw(l4, l4_len, cksum_pseudo_ip4(ip.src, ip.dst,
			IP4_PROTO_TCP, (uint16_t)l4_len))) != 0xffff)
		abort();			/* tern emitted a bad checksum */
	c = conn_of(s.src_port, s.dst_port);
	if (c == NULL)
		return;
	end = s.seq + (l4_len - s.hdr_len) +
	      ((s.flags & TCP_FLAG_SYN) ? 1 : 0) + ((s.flags & TCP_FLAG_FIN) ? 1 : 0);
	if (s.flags & TCP_FLAG_SYN) {
		c->lport = s.src_port;
		if (!c->synced || s.seq != c->irs) {	/* a new incarnation */
			c->irs = s.seq;
			c->rcv_nxt = end;
			if (s.flags & TCP_FLAG_ACK)
				c->snd_nxt = c->peer_max = s.ack;
		}
		c->synced = 1;
		c->ts_ok = c->full_opts && (s.opts.present & TCP_OPTF_TS);
	}
	if ((s.flags & TCP_FLAG_ACK) && seq_gt(s.ack, c->peer_max))
		stream_fail("tern acknowledged bytes the peer never sent", c, s.ack);
	if (c->snd_check)
		check_out_seq(c, &s, l4 + s.hdr_len, l4_len - s.hdr_len);
	if (c->synced && seq_gt(end, c->rcv_nxt))
		c->rcv_nxt = end;
	if ((s.flags & TCP_FLAG_ACK) && seq_gt(s.ack, c->snd_nxt))
		c->snd_nxt = s.ack;
	if (s.opts.present & TCP_OPTF_TS)
		c->ts_recent = s.opts.ts_val;
}

static void
drain_tx(void)
{
	struct rte_mbuf *out[64];
	uint16_t n, k;

	while ((n = tern_stack_tx_drain(stack, 0, out, 64)) > 0) {
		for (k = 0; k < n; k++)
			peer_learn(out[k]);
		rte_pktmbuf_free_bulk(out, n);
	}
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
static void
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

/* ---- operations ---------------------------------------------------------- */

/* SACK blocks over tern's data: offsets from what the peer acknowledges. */
static void
op_sack(struct reader *r, struct tcp_seg *s, uint8_t n)
{
	uint8_t k;

	for (k = 0; k < n && k < TCP_OPT_MAX_SACK; k++) {
		s->opts.sack[k].left = s->ack + (uint32_t)rd8(r) * 64u;
		s->opts.sack[k].right = s->opts.sack[k].left + (uint32_t)rd8(r) * 64u;
	}
	s->opts.n_sack = k;
	s->opts.present |= TCP_OPTF_SACK;
}

/* A segment around the connection's real numbers:
 * [conn][flags][dseq:16][dack:16][wnd:16][opts][len]. */
static void
op_segment(struct reader *r)
{
	struct peer_conn *c = &conns[rd8(r) % N_CONNS];
	struct tcp_seg s = { 0 };
	uint8_t opts;
	uint16_t len;

	s.flags = (uint8_t)((rd8(r) & 0x3f) ^ TCP_FLAG_ACK);
	s.seq = c->snd_nxt + (uint32_t)(int32_t)(int16_t)rd16(r);
	s.ack = (uint32_t)(int32_t)(int16_t)rd16(r);
	s.wnd = rd16(r);
	opts = rd8(r);
	/* acknowledge around everything tern sent, or around the peer's
	 * last ACK (a step forward or a duplicate) */
	s.ack += (opts & 0x80) ? c->peer_una : c->rcv_nxt;
	len = (uint16_t)RTE_MIN((uint32_t)rd8(r) * 8u, MAX_SEG_DATA);
	if (!(opts & 0x01))
		seg_default_opts(c, &s);
	if (opts & 0x02)
		op_sack(r, &s, (uint8_t)(((opts >> 2) & 3) + 1));
	if (opts & 0x10) {			/* timestamps moved (PAWS) */
		s.opts.present |= TCP_OPTF_TS;
		s.opts.ts_val = peer_tsval() + (uint32_t)(int32_t)(int8_t)rd8(r) * 1000u;
		s.opts.ts_ecr = c->ts_recent;
	}
	if (opts & 0x20)
		syn_opts(&s);
	if (opts & 0x40)
		s.urp = rd16(r);
	peer_send(c, &s, len);
}

/* In-order data (optionally with FIN) acknowledging everything:
 * [conn][len][fin]. */
static void
op_data(struct reader *r)
{
	struct peer_conn *c = &conns[rd8(r) % N_CONNS];
	uint16_t len = (uint16_t)RTE_MIN((uint32_t)rd8(r) * 8u, MAX_SEG_DATA);
	struct tcp_seg s = { .seq = c->snd_nxt, .ack = c->rcv_nxt,
			     .flags = TCP_FLAG_ACK | TCP_FLAG_PSH, .wnd = 1024 };

	if (rd8(r) & 1)
		s.flags |= TCP_FLAG_FIN;
	seg_default_opts(c, &s);
	peer_send(c, &s, len);
}

/* A pure ACK of everything tern sent: [conn][wnd:16]. */
static void
op_ack(struct reader *r)
{
	struct peer_conn *c = &conns[rd8(r) % N_CONNS];
	struct tcp_seg s = { .seq = c->snd_nxt, .ack = c->rcv_nxt,
			     .flags = TCP_FLAG_ACK };

	s.wnd = rd16(r);
	seg_default_opts(c, &s);
	peer_send(c, &s, 0);
}

/* Duplicate ACKs (same ACK, same window, no data), optionally with SACK
 * blocks: [conn][count][opts] (opts as op_segment). */
static void
op_dupacks(struct reader *r)
{
	struct peer_conn *c = &conns[rd8(r) % N_CONNS];
	struct tcp_seg s = { .seq = c->snd_nxt, .ack = c->peer_una, .flags = TCP_FLAG_ACK,
			     .wnd = c->peer_wnd };
	uint8_t n = (uint8_t)(1 + rd8(r) % 6), opts = rd8(r), k;

	seg_default_opts(c, &s);
	if (opts & 0x02)
		op_sack(r, &s, (uint8_t)(((opts >> 2) & 3) + 1));
	for (k = 0; k < n; k++) {
		if (c->ts_ok)
			s.opts.ts_val = peer_tsval();
		peer_send(c, &s, 0);
		now_ns += 100000;
		run();
	}
}

/* The app sends `len` bytes as a chain of mbufs: [conn][len]. */
static void
op_send(struct reader *r)
{
	struct peer_conn *c = &conns[rd8(r) % N_CONNS];
	uint32_t len = ((uint32_t)rd8(r) + 1) * 32u, seg, k;
	struct rte_mbuf *head = NULL, *m;
	uint8_t *p;

	while (len > 0) {
		seg = RTE_MIN(len, 2000u);
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			abort();
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)seg);
		for (k = 0; k < seg; k++)
			p[k] = app_byte(c->app_snd++);
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			abort();
		len -= seg;
	}
	if (c->h == 0 || tern_tcp_send(chan, c->h, head) != 0) {
		rte_pktmbuf_free(head);
		c->snd_check = 0;
	}
}

/* close, shutdown, abort, withhold/resume receive credit, Nagle off/on,
 * CUBIC/NewReno: [conn][what]. */
static void
op_app(struct reader *r)
{
	struct peer_conn *c = &conns[rd8(r) % N_CONNS];

	switch (rd8(r) % 6) {
	case 0:
		if (c->h != 0)
			tern_tcp_close(chan, c->h);
		break;
	case 1:
		if (c->h != 0)
			tern_tcp_shutdown(chan, c->h);
		break;
	case 2:
		if (c->h != 0)
			tern_tcp_abort(chan, c->h);
		break;
	case 3:
		c->hold = !c->hold;
		break;
	case 4:
		c->nodelay = !c->nodelay;
		if (c->h != 0)
			tern_tcp_nodelay(chan, c->h, c->nodelay);
		break;
	default:
		c->cubic = !c->cubic;
		if (c->h != 0)
			tern_tcp_set_cc(chan, c->h, c->cubic ? TERN_TCP_CC_CUBIC :
					TERN_TCP_CC_NEWRENO);
		break;
	}
}

static void
op_clock(struct reader *r)
{
	static const uint64_t step_ms[8] = { 1, 5, 40, 200, 1000, 3000, 10000, 60000 };

	now_ns += step_ms[rd8(r) % 8] * MS;
}

static void
op_run(struct reader *r)
{
	switch (rd8(r) % 9) {
	case 0: case 1: case 2:
		op_segment(r);
		break;
	case 3:
		op_data(r);
		break;
	case 4:
		op_ack(r);
		break;
	case 5:
		op_send(r);
		break;
	case 6:
		op_app(r);
		break;
	case 7:
		op_clock(r);
		break;
	default:
		op_dupacks(r);
		break;
	}
	now_ns += 100000;			/* 100 us between operations */
	run();
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
