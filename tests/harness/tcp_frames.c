/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP test harness: segment builder and parser, the peer's view of a
 * connection, and per-state fixtures; see tcp_frames.h.
 */
#include <string.h>

#include <rte_lcore.h>

#include "harness.h"
#include "tcp_frames.h"
#include "wire/cksum.h"
#include "core/stack_private.h"
#include "stack/stack_loop.h"

/* ---- raw segments ------------------------------------------------------ */

struct rte_mbuf *
frame_tcp(const struct frame_ip *f, uint16_t sport, uint16_t dport, uint32_t seq,
	  uint32_t ack, uint8_t flags, uint16_t wnd, const struct tcp_opts *opts,
	  const void *payload, uint16_t len)
{
	uint8_t l4[TCP_HDR_MAX + 1600];
	struct tcp_seg s = { .src_port = sport, .dst_port = dport, .seq = seq,
			     .ack = ack, .flags = flags, .wnd = wnd };
	uint16_t ck;
	uint8_t hl;

	if (opts != NULL)
		s.opts = *opts;
	hl = tcp_hdr_emit(l4, &s);
	assert_true(hl + len <= sizeof(l4));
	if (len > 0)
		memcpy(l4 + hl, payload, len);
	ck = (uint16_t)~cksum_fold(cksum_raw(l4, hl + len,
		cksum_pseudo_ip4(f->src, f->dst, IP4_PROTO_TCP, (uint16_t)(hl + len))));
	memcpy(l4 + 16, &ck, 2);
	return frame_ip4(f, IP4_PROTO_TCP, l4, (uint16_t)(hl + len));
}

int
frame_parse_tcp(const struct rte_mbuf *m, struct parsed_tcp *p)
{
	static uint8_t buf[ETH_HDR_LEN + IP4_HDR_LEN + TCP_HDR_MAX + 2048];
	uint32_t len = pkt_to_bytes(m, buf, sizeof(buf));
	const uint8_t *l4;
	uint32_t l4_len;

	memset(p, 0, offsetof(struct parsed_tcp, payload));
	if (len > sizeof(buf) || eth_hdr_parse(buf, len, &p->eth) != 0 ||
	    p->eth.type != ETHERTYPE_IPV4)
		return -1;
	if (ip4_hdr_parse(buf + ETH_HDR_LEN, len - ETH_HDR_LEN, false, &p->ip) != 0 ||
	    p->ip.proto != IP4_PROTO_TCP)
		return -1;
	p->ip_cksum_ok = cksum_fold(cksum_raw(buf + ETH_HDR_LEN, p->ip.hdr_len, 0)) == 0xffff;
	l4 = buf + ETH_HDR_LEN + p->ip.hdr_len;
	l4_len = p->ip.total_len - p->ip.hdr_len;
	if (tcp_hdr_parse(l4, l4_len, &p->tcp) != CTR_NONE)
		return -1;
	p->cksum_ok = cksum_fold(cksum_raw(l4, l4_len, cksum_pseudo_ip4(p->ip.src,
		p->ip.dst, IP4_PROTO_TCP, (uint16_t)l4_len))) == 0xffff;
	p->len = l4_len - p->tcp.hdr_len;
	if (p->len > sizeof(p->payload))
		return -1;
	memcpy(p->payload, l4 + p->tcp.hdr_len, p->len);
	return 0;
}

/* ---- stack, clock, events ---------------------------------------------- */

void
tcfg_default(struct tern_config *cfg)
{
	tstack_config(cfg);
	cfg->arp_reachable_ms = 86400000;	/* long timers must not age the peer */
	/* the tests of RFC 6298's timer expect the RTO itself: tail loss
	 * probes (which come first) only where a test turns them on */
	cfg->tcp_tlp = 0;
}

static struct rte_mbuf *
arp_reply_from_peer(void)
{
	struct arp_pkt a = { .op = ARP_OP_REPLY, .sha = peer_mac, .spa = PEER_IP,
			     .tha = our_mac, .tpa = OUR_IP };

	return frame_arp(&our_mac, &peer_mac, &a);
}

void
tc_init(struct tconn *tc, const struct tern_config *cfg)
{
	memset(tc, 0, sizeof(*tc));
	if (cfg != NULL)
		tc->cfg = *cfg;
	else
		tcfg_default(&tc->cfg);
	tc->s = tstack_create(&tc->cfg);
	tc->c = tern_chan_create(tc->s, "t", 0);
	assert_non_null(tc->c);
	/* second-aligned start: every deadline armed from here is on a tick */
	tc->now = (tern_stack_now(tc->s) / SEC + 2) * SEC;
	tstack_rx(tc->s, arp_reply_from_peer(), tc->now);
	tstack_tx_discard(tc->s);
	tc->iss = PEER_ISS;
	tc->snd_nxt = PEER_ISS;
	tc->wnd = 65535;
	tc->ts_val = 5000;
}

void
tc_fini(struct tconn *tc)
{
	struct tern_event ev;

	while (tern_chan_recv(tc->c, &ev, 1) == 1)
		rte_pktmbuf_free(ev.m);
	tstack_tx_discard(tc->s);
	tern_stack_free(tc->s);
	tc->s = NULL;
}

int
tc_teardown(void **state)
{
	struct tern_stack *left = stack_registry_get(rte_lcore_id());
	int rc;

	if (left != NULL) {
		tstack_tx_discard(left);
		tern_stack_free(left);
	}
	rc = harness_teardown(state);
	return left != NULL ? -1 : rc;
}

void
tc_run(struct tconn *tc)
{
	tstack_process(tc->s, tc->now);
}

void
tc_advance(struct tconn *tc, uint64_t ns)
{
	tc->ts_val += (uint32_t)(((tc->now + ns) / MS) - (tc->now / MS));
	tc->now += ns;
	tstack_process(tc->s, tc->now);
}

struct tern_event
tc_ev(struct tconn *tc)
{
	struct tern_event ev;

	assert_int_equal(tern_chan_recv(tc->c, &ev, 1), 1);
	return ev;
}

struct tern_event
tc_ev_type(struct tconn *tc, uint16_t type)
{
	struct tern_event ev = tc_ev(tc);

	if (ev.type != type)
		print_error("event type %u, expected %u (status %d)\n",
			    ev.type, type, ev.status);
	rte_pktmbuf_free(ev.m);
	ev.m = NULL;
	assert_int_equal(ev.type, type);
	return ev;
}

uint64_t
tc_connecting(struct tconn *tc, uint64_t cookie)
{
	struct tern_event ev = tc_ev_type(tc, TERN_EV_TCP_CONNECTING);

	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.cookie, cookie);
	assert_int_equal(ev.addr, PEER_IP);
	assert_int_equal(ev.peer_port, tc->pport);
	assert_true(ev.handle != 0);
	tc->h = ev.handle;
	return ev.handle;
}

void
tc_no_ev(struct tconn *tc)
{
	struct tern_event ev;

	if (tern_chan_recv(tc->c, &ev, 1) == 1) {
		print_error("unexpected event type %u status %d\n", ev.type, ev.status);
		rte_pktmbuf_free(ev.m);
		fail();
	}
}

enum tcp_state
tc_state(const struct tconn *tc)
{
	struct tcb *tcb = tcp_conn_lookup(tc->s, OUR_IP, tc->lport, PEER_IP, tc->pport);

	if (tcb == NULL)	/* TIME-WAIT is a record, not a TCB */
		return tcp_tw_lookup(tc->s, OUR_IP, tc->lport, PEER_IP, tc->pport) != NULL ?
			TCP_ST_TIME_WAIT : TCP_ST_CLOSED;
	return (enum tcp_state)tcb->state;
}

uint64_t
tc_ctr(const struct tconn *tc, unsigned int id)
{
	return tc->s->ctr[id];
}

/* ---- segments in ---------------------------------------------------------- */

struct rte_mbuf *
tc_build(struct tconn *tc, struct tseg seg)
{
	struct frame_ip f = frame_ip_default();
	struct tcp_opts o;
	uint32_t seq, ack;
	uint16_t wnd;

	memset(&o, 0, sizeof(o));
	seq = seg.abs ? seg.seq : tc->snd_nxt + (uint32_t)seg.dseq;
	ack = seg.abs ? seg.ack : tc->rcv_nxt + (uint32_t)seg.dack;
	if (!seg.abs && !(seg.flags & F_ACK))
		ack = 0;
	wnd = seg.wnd == 0 ? (uint16_t)tc->wnd :
	      seg.wnd == TSEG_WND_ZERO ? 0 : (uint16_t)seg.wnd;
	if (seg.raw_opts) {
		o = seg.opts;
	} else if (!seg.no_opts && tc->ts_ok) {
		o.present = TCP_OPTF_TS;
		o.ts_val = seg.tsval ? seg.tsval : tc->ts_val;
		o.ts_ecr = tc->ts_recent;
	}
	return frame_tcp(&f, seg.sport ? seg.sport : tc->pport, tc->lport, seq, ack,
			 seg.flags, wnd, &o, seg.data, seg.len);
}

void
tc_in(struct tconn *tc, struct tseg seg)
{
	tstack_rx(tc->s, tc_build(tc, seg), tc->now);
}

void
tc_data(struct tconn *tc, const void *data, uint16_t len, uint8_t flags)
{
	tc_in(tc, TSEG(.flags = (uint8_t)(F_ACK | flags), .data = data, .len = len));
	tc->snd_nxt += len + ((flags & F_FIN) ? 1 : 0);
}

void
tc_ack(struct tconn *tc)
{
	tc_in(tc, TSEG(.flags = F_ACK));
}

/* ---- segments out --------------------------------------------------------- */

static void
learn(struct tconn *tc, const struct parsed_tcp *p)
{
	const struct tcp_seg *t = &p->tcp;
	uint32_t end;

	if (t->flags & F_RST)
		return;
	if (t->flags & F_SYN) {
		tc->irs = t->seq;
		tc->rcv_nxt = t->seq;
		tc->tern_ws = (t->opts.present & TCP_OPTF_WSCALE) ? t->opts.wscale : 0;
		tc->tern_mss = (t->opts.present & TCP_OPTF_MSS) ? t->opts.mss : 536;
	}
	end = t->seq + p->len + ((t->flags & F_SYN) ? 1 : 0) + ((t->flags & F_FIN) ? 1 : 0);
	if (seq_gt(end, tc->rcv_nxt))
		tc->rcv_nxt = end;
	if (t->opts.present & TCP_OPTF_TS)
		tc->ts_recent = t->opts.ts_val;
	tc->tern_wnd = (t->flags & F_SYN) || !tc->ws_ok ? t->wnd :
		       (uint32_t)t->wnd << tc->tern_ws;
}

unsigned int
tc_out(struct tconn *tc, struct parsed_tcp *p, unsigned int max)
{
	struct rte_mbuf *m[64];
	struct parsed_tcp scratch;
	unsigned int n, i, got = 0;

	while ((n = tstack_tx(tc->s, m, 64)) > 0) {
		for (i = 0; i < n; i++) {
			struct parsed_tcp *q = got < max ? &p[got] : &scratch;
			int rc = frame_parse_tcp(m[i], q);

			rte_pktmbuf_free(m[i]);
			assert_int_equal(rc, 0);
			assert_true(rte_is_same_ether_addr(&q->eth.dst, &peer_mac));
			assert_true(rte_is_same_ether_addr(&q->eth.src, &our_mac));
			assert_int_equal(q->ip.src, OUR_IP);
			assert_int_equal(q->ip.dst, PEER_IP);
			assert_true(q->ip_cksum_ok);
			assert_true(q->cksum_ok);
			if (tc->pport != 0) {
				assert_int_equal(q->tcp.src_port, tc->lport);
				assert_int_equal(q->tcp.dst_port, tc->pport);
			}
			learn(tc, q);
			got++;
		}
	}
	return got;
}

void
tc_out1(struct tconn *tc, struct parsed_tcp *p)
{
	unsigned int n = tc_out(tc, p, 1);

	if (n != 1)
		print_error("expected one segment from tern, got %u\n", n);
	assert_int_equal(n, 1);
}

void
tc_out_none(struct tconn *tc)
{
	static struct parsed_tcp p;
	unsigned int n = tc_out(tc, &p, 1);

	if (n != 0)
		print_error("unexpected segment: flags 0x%x seq %u ack %u len %u\n",
			    p.tcp.flags, p.tcp.seq, p.tcp.ack, p.len);
	assert_int_equal(n, 0);
}

void
tc_expect(const struct parsed_tcp *p, uint8_t flags, uint32_t seq, uint32_t ack,
	  uint32_t len)
{
	if (p->tcp.flags != flags || p->tcp.seq != seq || p->len != len ||
	    ((flags & F_ACK) && p->tcp.ack != ack))
		print_error("segment: flags 0x%x seq %u ack %u len %u; expected "
			    "flags 0x%x seq %u ack %u len %u\n", p->tcp.flags, p->tcp.seq,
			    p->tcp.ack, p->len, flags, seq, ack, len);
	assert_int_equal(p->tcp.flags, flags);
	assert_int_equal(p->tcp.seq, seq);
	if (flags & F_ACK)
		assert_int_equal(p->tcp.ack, ack);
	assert_int_equal(p->len, len);
}

void
tc_expect_ack(struct tconn *tc, uint32_t ack)
{
	static struct parsed_tcp p;

	tc_out1(tc, &p);
	tc_expect(&p, F_ACK, tc->rcv_nxt, ack, 0);
}

/* An ACK of `ack`, now or after the delayed-ACK timer (RFC 9293 allows
 * either for a FIN); the clock may move by tcp_delack_ms. */
static void
expect_ack_soon(struct tconn *tc, uint32_t ack)
{
	static struct parsed_tcp p;

	if (tc_out(tc, &p, 1) == 0) {
		tc_advance(tc, (uint64_t)tc->cfg.tcp_delack_ms * MS);
		tc_out1(tc, &p);
	}
	tc_expect(&p, F_ACK, tc->rcv_nxt, ack, 0);
}

/* ---- payload helpers ------------------------------------------------------ */

void
tc_fill(uint8_t *b, uint32_t n, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7u + seed * 31u + (i >> 8));
}

struct rte_mbuf *
tc_mbuf(const void *data, uint32_t len)
{
	return len <= 2048 ? pkt_from_bytes(data, (uint16_t)len) :
	       pkt_chain_from_bytes(data, len, 2048);
}

void
tc_send(struct tconn *tc, const void *data, uint32_t len)
{
	assert_int_equal(tern_tcp_send(tc->c, tc->h, tc_mbuf(data, len)), 0);
	tc_run(tc);
}

/* ---- fixtures -------------------------------------------------------------- */

void
tc_listen(struct tconn *tc, uint32_t backlog)
{
	struct tern_event ev;

	assert_int_equal(tern_tcp_listen(tc->c, LISTEN_PORT, backlog, 0x11), 0);
	tc_run(tc);
	ev = tc_ev_type(tc, TERN_EV_TCP_LISTENING);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.port, LISTEN_PORT);
	assert_int_equal(ev.cookie, 0x11);
	tc->listener = ev.handle;
	tc->lport = LISTEN_PORT;
}

struct tcp_opts
tc_syn_opts_full(const struct tconn *tc)
{
	struct tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.present = TCP_OPTF_MSS | TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS;
	o.mss = PEER_MSS;
	o.wscale = PEER_WSCALE;
	o.ts_val = tc->ts_val;
	o.ts_ecr = tc->ts_recent;
	return o;
}

static struct tcp_opts
syn_opts(const struct tconn *tc, bool plain)
{
	struct tcp_opts o = tc_syn_opts_full(tc);

	if (plain) {
		memset(&o, 0, sizeof(o));
		o.present = TCP_OPTF_MSS;
		o.mss = PEER_MSS;
	}
	return o;
}

/* Our SYN or SYN-ACK carries MSS 1460 and, when `full`, WS/SACK-perm/TS;
 * none of them otherwise. */
static void
check_syn_opts(const struct tconn *tc, const struct parsed_tcp *p, bool full,
	       uint32_t ts_ecr)
{
	const struct tcp_opts *o = &p->tcp.opts;

	assert_true(o->present & TCP_OPTF_MSS);
	assert_int_equal(o->mss, 1460);
	if (!full) {
		assert_int_equal(o->present & (TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM |
					       TCP_OPTF_TS), 0);
		return;
	}
	assert_true(o->present & TCP_OPTF_WSCALE);
	assert_true(o->present & TCP_OPTF_SACK_PERM);
	assert_true(o->present & TCP_OPTF_TS);
	assert_int_equal(o->ts_ecr, ts_ecr);
	/* RFC 7323 2.2: the window in a SYN is never scaled */
	assert_int_equal(p->tcp.wnd, RTE_MIN(tc->cfg.tcp_rcvbuf, 65535u));
}

void
tc_passive_open(struct tconn *tc, bool plain)
{
	struct parsed_tcp p;
	struct tern_event ev;

	if (tc->listener == 0)
		tc_listen(tc, 0);
	tc->pport = PEER_PORT;
	tc->ws_shift = plain ? 0 : PEER_WSCALE;
	tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = syn_opts(tc, plain)));
	tc->snd_nxt++;
	tc_out1(tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc->iss + 1, 0);
	check_syn_opts(tc, &p, !plain, tc->ts_val);
	tc->ws_ok = tc->sack_ok = tc->ts_ok = !plain;
	if (plain)
		tc->tern_ws = 0;
	assert_int_equal(tc_state(tc), TCP_ST_SYN_RECEIVED);
	tc_no_ev(tc);
	if (tc->rtt != 0)
		tc_advance(tc, tc->rtt);
	tc_ack(tc);
	tc_out_none(tc);
	ev = tc_ev_type(tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.cookie, 0x11);
	assert_int_equal(ev.addr, PEER_IP);
	assert_int_equal(ev.port, PEER_PORT);
	assert_int_equal(ev.len, tc->cfg.tcp_sndbuf);
	assert_true(ev.handle != 0);
	tc->h = ev.handle;
	assert_int_equal(tc_state(tc), TCP_ST_ESTABLISHED);
}

struct tcp_opts
tc_syn_opts(const struct tconn *tc, uint8_t which)
{
	struct tcp_opts o = tc_syn_opts_full(tc);

	o.present = (uint8_t)(TCP_OPTF_MSS |
			      (which & (TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS)));
	return o;
}

void
tc_passive_open_opts(struct tconn *tc, const struct tcp_opts *syn)
{
	const uint8_t opt = TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS;
	struct parsed_tcp p;
	struct tern_event ev;

	if (tc->listener == 0)
		tc_listen(tc, 0);
	tc->pport = PEER_PORT;
	tc->ws_shift = (syn->present & TCP_OPTF_WSCALE) ? syn->wscale : 0;
	tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = *syn));
	tc->snd_nxt++;
	tc_out1(tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc->iss + 1, 0);
	assert_true(p.tcp.opts.present & TCP_OPTF_MSS);
	assert_int_equal(p.tcp.opts.present & opt, syn->present & opt);
	if (syn->present & TCP_OPTF_TS)
		assert_int_equal(p.tcp.opts.ts_ecr, syn->ts_val);
	tc->ws_ok = (syn->present & TCP_OPTF_WSCALE) != 0;
	tc->sack_ok = (syn->present & TCP_OPTF_SACK_PERM) != 0;
	tc->ts_ok = (syn->present & TCP_OPTF_TS) != 0;
	if (!tc->ws_ok)
		tc->tern_ws = 0;
	if (tc->rtt != 0)
		tc_advance(tc, tc->rtt);
	tc_ack(tc);
	tc_out_none(tc);
	ev = tc_ev_type(tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(ev.status, 0);
	tc->h = ev.handle;
	assert_int_equal(tc_state(tc), TCP_ST_ESTABLISHED);
}

void
tc_active_open(struct tconn *tc, bool plain)
{
	struct parsed_tcp p;
	struct tcp_opts o;
	struct tern_event ev;

	tc->lport = OUR_ACTIVE_PORT;
	tc->pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc->c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 0xc0), 0);
	tc_run(tc);
	ev = tc_ev_type(tc, TERN_EV_TCP_CONNECTING);
	assert_int_equal(ev.cookie, 0xc0);
	tc->h = ev.handle;
	tc_out1(tc, &p);
	tc_expect(&p, F_SYN, p.tcp.seq, 0, 0);
	check_syn_opts(tc, &p, true, 0);
	assert_int_equal(tc_state(tc), TCP_ST_SYN_SENT);
	tc->ws_shift = plain ? 0 : PEER_WSCALE;
	o = syn_opts(tc, plain);
	tc_in(tc, TSEG(.flags = F_SYN | F_ACK, .raw_opts = true, .opts = o));
	tc->snd_nxt++;
	tc->ws_ok = tc->sack_ok = tc->ts_ok = !plain;
	if (plain)
		tc->tern_ws = 0;
	tc_out1(tc, &p);
	tc_expect(&p, F_ACK, tc->irs + 1, tc->snd_nxt, 0);
	if (!plain) {
		assert_true(p.tcp.opts.present & TCP_OPTF_TS);
		assert_int_equal(p.tcp.opts.ts_ecr, tc->ts_val);
	} else {
		assert_int_equal(p.tcp.opts.present & TCP_OPTF_TS, 0);
	}
	ev = tc_ev_type(tc, TERN_EV_TCP_CONNECTED);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.cookie, 0xc0);
	assert_int_equal(ev.addr, PEER_IP);
	assert_int_equal(ev.port, PEER_LISTEN_PORT);
	assert_true(ev.handle == tc->h);	/* the handle CONNECTING gave */
	tc->h = ev.handle;
	assert_int_equal(tc_state(tc), TCP_ST_ESTABLISHED);
}

static void
app_close(struct tconn *tc, bool shutdown)
{
	if (shutdown)
		assert_int_equal(tern_tcp_shutdown(tc->c, tc->h), 0);
	else
		assert_int_equal(tern_tcp_close(tc->c, tc->h), 0);
	tc_run(tc);
}

/* The app closes; our FIN goes out at once. */
static void
to_fin_wait_1(struct tconn *tc, bool shutdown)
{
	struct parsed_tcp p;
	uint32_t fin_seq = tc->rcv_nxt;

	app_close(tc, shutdown);
	tc_out1(tc, &p);
	tc_expect(&p, F_FIN | F_ACK, fin_seq, tc->snd_nxt, 0);
	assert_int_equal(tc_state(tc), TCP_ST_FIN_WAIT_1);
	tc_no_ev(tc);
}

static void
to_close_wait(struct tconn *tc)
{
	tc_data(tc, NULL, 0, F_FIN);
	expect_ack_soon(tc, tc->snd_nxt);
	tc_ev_type(tc, TERN_EV_TCP_PEER_CLOSED);
	assert_int_equal(tc_state(tc), TCP_ST_CLOSE_WAIT);
}

void
tc_to_state(struct tconn *tc, enum tcp_state st, bool shutdown)
{
	struct parsed_tcp p;
	struct tern_event ev;

	tc_passive_open(tc, false);
	switch (st) {
	case TCP_ST_ESTABLISHED:
		return;
	case TCP_ST_FIN_WAIT_1:
	case TCP_ST_FIN_WAIT_2:
	case TCP_ST_TIME_WAIT:
		to_fin_wait_1(tc, shutdown);
		if (st == TCP_ST_FIN_WAIT_1)
			return;
		tc_ack(tc);
		tc_out_none(tc);
		assert_int_equal(tc_state(tc), TCP_ST_FIN_WAIT_2);
		tc_no_ev(tc);
		if (st == TCP_ST_FIN_WAIT_2)
			return;
		tc_data(tc, NULL, 0, F_FIN);
		expect_ack_soon(tc, tc->snd_nxt);
		if (shutdown)
			tc_ev_type(tc, TERN_EV_TCP_PEER_CLOSED);
		ev = tc_ev_type(tc, TERN_EV_TCP_CLOSED);
		assert_int_equal(ev.status, 0);
		assert_int_equal(ev.handle, tc->h);
		assert_int_equal(tc_state(tc), TCP_ST_TIME_WAIT);
		return;
	case TCP_ST_CLOSING:
		to_fin_wait_1(tc, shutdown);
		/* the peer's FIN crosses ours: it does not ACK our FIN */
		tc_in(tc, TSEG(.flags = F_FIN | F_ACK, .dack = -1));
		tc->snd_nxt++;
		tc_out1(tc, &p);
		tc_expect(&p, F_ACK, tc->rcv_nxt, tc->snd_nxt, 0);
		if (shutdown)
			tc_ev_type(tc, TERN_EV_TCP_PEER_CLOSED);
		tc_no_ev(tc);
		assert_int_equal(tc_state(tc), TCP_ST_CLOSING);
		return;
	case TCP_ST_CLOSE_WAIT:
	case TCP_ST_LAST_ACK:
		to_close_wait(tc);
		if (st == TCP_ST_CLOSE_WAIT)
			return;
		{
			uint32_t fin_seq = tc->rcv_nxt;

			app_close(tc, shutdown);
			tc_out1(tc, &p);
			tc_expect(&p, F_FIN | F_ACK, fin_seq, tc->snd_nxt, 0);
		}
		assert_int_equal(tc_state(tc), TCP_ST_LAST_ACK);
		tc_no_ev(tc);
		return;
	default:
		fail_msg("no fixture for state %d", st);
	}
}

struct tcb *
tc_tcb(const struct tconn *tc)
{
	return tcp_conn_lookup(tc->s, OUR_IP, tc->lport, PEER_IP, tc->pport);
}

void
tc_sack_in(struct tconn *tc, uint32_t seg, uint32_t base, uint32_t ack_seg, unsigned int n,
	   const uint32_t *ab)
{
	struct tseg g = TSEG(.flags = F_ACK, .abs = true, .seq = tc->snd_nxt,
			     .ack = base + ack_seg * seg, .raw_opts = true);
	unsigned int i;

	g.opts.present = TCP_OPTF_TS | (n > 0 ? TCP_OPTF_SACK : 0);
	g.opts.ts_val = tc->ts_val;
	g.opts.ts_ecr = tc->ts_recent;
	g.opts.n_sack = (uint8_t)n;
	for (i = 0; i < n; i++) {
		g.opts.sack[i].left = base + ab[2 * i] * seg;
		g.opts.sack[i].right = base + ab[2 * i + 1] * seg;
	}
	tc_in(tc, g);
}
