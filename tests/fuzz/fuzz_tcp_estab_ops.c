/* SPDX-License-Identifier: BSD-3-Clause
 *
 * fuzz_tcp_estab's operations: the input read as a program, one
 * operation after another (op_run, called by the harness until the input
 * or MAX_OPS runs out). Segments around a connection's real numbers,
 * in-order data, pure and duplicate ACKs with SACK blocks, app operations
 * (send, close, shutdown, abort, credit withheld, Nagle, CUBIC or
 * NewReno) and clock steps; the byte layout of each is at its function.
 */
#include <stdint.h>
#include <stdlib.h>

#include <rte_mbuf.h>

#include "fuzz_tcp_estab.h"

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

void
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
