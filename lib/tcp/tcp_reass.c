/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The out-of-order queue of one connection (RFC 9293 3.10.7.4, seventh
 * step: segments beyond RCV.NXT are held until the gap before them fills).
 * tcp_input.c calls tcp_reass_insert() for every in-window segment that
 * does not start at RCV.NXT, and tcp_reass_pull() after each in-order
 * arrival, until it returns NULL, to take what became contiguous as one
 * mbuf chain; tcp_conn_free() calls tcp_reass_free(). The queue is a small
 * sorted array of non-overlapping pieces (struct tcp_reass in tcb.h),
 * taken from the stack's pool (tcp_reass_pool_create, called by
 * tcp_table_create) on the first out-of-order segment and given back as
 * soon as it is empty, so the common in-order connection carries one NULL
 * pointer. Bytes that arrived first win: a new segment keeps only the
 * parts that fill holes (indirect clones when it fills more than one), and
 * a segment with nothing new is a counted duplicate, noted for D-SACK
 * (RFC 2883) like the first duplicate stretch of any segment. The queue
 * also remembers the blocks most recently reported (RFC 2018 4, for
 * tcp_sack_blocks) and holds the text of a SYN below rcv.nxt until the
 * connection is established (tcp_reass_hold, tcp_reass_take_held).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "core/obj_pool.h"
#include "tcp/tcp_private.h"

/* A part of a new segment that lands in a hole of the queue. */
struct reass_piece {
	uint32_t seq;
	uint32_t len;
};

struct rte_mbuf *
tcp_mbuf_cut_front(struct rte_mbuf *m, uint32_t n)
{
	while (n > 0 && n >= m->data_len && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		n -= m->data_len;
		next->pkt_len = m->pkt_len - m->data_len;
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (n > 0)
		rte_pktmbuf_adj(m, (uint16_t)n);
	return m;
}

/* Queues held at once per stack: a sixteenth of the connections (at
 * least 64, at most one each). Past that an out-of-order segment is
 * dropped and counted (tcp_rx_reass_full) and the peer resends it. */
#define REASS_POOL_DIV 16u
#define REASS_POOL_MIN 64u

struct rte_mempool *
tcp_reass_pool_create(uint32_t n_conns, unsigned int lcore_id, int socket)
{
	uint32_t n = obj_pool_size(n_conns, REASS_POOL_DIV, REASS_POOL_MIN);

	return obj_pool_create("tern_reass", lcore_id, n, sizeof(struct tcp_reass), socket);
}

void
tcp_reass_pool_free(struct rte_mempool *mp)
{
	obj_pool_free(mp);
}

static struct tcp_reass *
reass_get(struct tern_stack *s, struct tcb *tcb)
{
	struct tcp_reass *r;

	/* Decision: allocated on first use rather than embedded, so a TCB
	 * stays small for the usual in-order connection. */
	if (tcb->reass != NULL)
		return tcb->reass;
	if (rte_mempool_get(s->tcp->reass_pool, (void **)&r) != 0)
		return NULL;
	memset(r, 0, offsetof(struct tcp_reass, seg));	/* seg[] is read below n */
	tcb->reass = r;
	return r;
}

static void
reass_put_if_empty(struct tcb *tcb)
{
	if (tcb->reass != NULL && tcb->reass->n == 0) {
		obj_pool_put(tcb->reass);
		tcb->reass = NULL;
	}
}

/* The holes of the queue inside [seq, seq + len), in order. */
static unsigned int
reass_holes(const struct tcp_reass *r, uint32_t seq, uint32_t len,
	    struct reass_piece *p)
{
	uint32_t cur = seq, end = seq + len;
	unsigned int i, n = 0;

	for (i = 0; i < r->n && seq_lt(cur, end); i++) {
		const struct tcp_reass_seg *e = &r->seg[i];
		uint32_t e_end = e->seq + e->len;

		if (seq_leq(e_end, cur))
			continue;
		if (seq_lt(cur, e->seq)) {
			p[n].seq = cur;
			p[n].len = seq_min(e->seq, end) - cur;
			n++;
		}
		cur = seq_max(cur, e_end);
	}
	if (seq_lt(cur, end)) {
		p[n].seq = cur;
		p[n].len = end - cur;
		n++;
	}
	return n;
}

/* Put one piece at its sorted place; the caller checked there is room. */
static void
reass_place(struct tcp_reass *r, uint32_t seq, uint32_t len, struct rte_mbuf *m)
{
	unsigned int i = r->n;

	while (i > 0 && seq_gt(r->seg[i - 1].seq, seq))
		i--;
	memmove(&r->seg[i + 1], &r->seg[i], (r->n - i) * sizeof(r->seg[0]));
	r->seg[i].seq = seq;
	r->seg[i].len = len;
	r->seg[i].m = m;
	r->n++;
	r->bytes += len;
}

/* Cut `m` (data at `seq`) down to the piece `p`. */
static struct rte_mbuf *
piece_cut(struct rte_mbuf *m, uint32_t seq, const struct reass_piece *p)
{
	m = tcp_mbuf_cut_front(m, p->seq - seq);
	stack_mbuf_trim_to(m, p->len);
	return m;
}

bool
tcp_reass_block(const struct tcp_reass *r, uint32_t seq, uint32_t *left, uint32_t *right)
{
	unsigned int i, k;

	for (i = 0; i < r->n; i++)
		if (seq_in(seq, r->seg[i].seq, r->seg[i].seq + r->seg[i].len))
			break;
	if (i == r->n)
		return false;
	for (k = i; k > 0 && r->seg[k - 1].seq + r->seg[k - 1].len == r->seg[k].seq; k--)
		;
	*left = r->seg[k].seq;
	for (k = i; k + 1u < r->n && r->seg[k].seq + r->seg[k].len == r->seg[k + 1].seq; k++)
		;
	*right = r->seg[k].seq + r->seg[k].len;
	return true;
}

/* RFC 2018 4: the block holding `seq` (the segment that triggered this
 * ACK) becomes the most recent; the blocks reported before it follow,
 * less those it now covers (it may have merged them). */
static void
reass_recent_push(struct tcp_reass *r, uint32_t seq)
{
	uint32_t old[TCP_SACK_RECENT], left, right;
	unsigned int i, n = 1;

	if (!tcp_reass_block(r, seq, &left, &right))
		return;
	memcpy(old, r->recent, sizeof(old));
	for (i = 0; i < r->n_recent && n < TCP_SACK_RECENT; i++)
		if (!seq_in(old[i], left, right))
			r->recent[n++] = old[i];
	r->recent[0] = seq;
	r->n_recent = (uint8_t)n;
}

/* RFC 2883 4: the first stretch of [seq, seq + len) that was queued
 * already (the holes `p` are what was not). */
static void
reass_dup_note(struct tcb *tcb, uint32_t seq, uint32_t len, const struct reass_piece *p,
	       unsigned int n)
{
	uint32_t end = seq + len, cur = seq;
	unsigned int i;

	for (i = 0; i < n && p[i].seq == cur; i++)
		cur = p[i].seq + p[i].len;
	if (seq_lt(cur, end))
		tcp_dsack_note(tcb, cur, i < n ? p[i].seq : end);
}

int
tcp_reass_insert(struct tern_stack *s, struct tcb *tcb, struct rte_mbuf *m,
		 uint32_t seq, uint32_t len)
{
	struct reass_piece p[TCP_REASS_MAX + 1];
	struct rte_mbuf *pm[TCP_REASS_MAX + 1];
	struct tcp_reass *r = reass_get(s, tcb);
	unsigned int i, n;

	if (r == NULL) {
		stack_drop(s, m, CTR_TCP_RX_REASS_FULL);
		return -ENOMEM;
	}
	n = reass_holes(r, seq, len, p);
	reass_dup_note(tcb, seq, len, p, n);
	if (n == 0) {
		/* all of it queued before: D-SACK, then the block holding it */
		reass_recent_push(r, seq);
		stack_drop(s, m, CTR_TCP_RX_DUP);
		return 0;
	}
	if (r->n + n > TCP_REASS_MAX) {
		stack_drop(s, m, CTR_TCP_RX_REASS_FULL);
		reass_put_if_empty(tcb);
		return -ENOSPC;
	}
	/* more than one hole: the later pieces share m's buffers */
	for (i = 1; i < n; i++) {
		pm[i] = rte_pktmbuf_clone(m, s->pool);
		if (pm[i] == NULL)
			break;
	}
	if (i < n)
		stack_ctr_add(s, CTR_TCP_RX_REASS_FULL, n - i);	/* resent later */
	n = i;
	pm[0] = m;
	for (i = 0; i < n; i++)
		reass_place(r, p[i].seq, p[i].len, piece_cut(pm[i], seq, &p[i]));
	reass_recent_push(r, seq);
	stack_ctr_inc(s, CTR_TCP_RX_OOO);
	return 0;
}

int
tcp_reass_hold(struct tern_stack *s, struct tcb *tcb, struct rte_mbuf *m, uint32_t seq,
	       uint32_t len)
{
	struct tcp_reass *r = reass_get(s, tcb);

	if (r == NULL || r->n != 0) {
		stack_drop(s, m, CTR_TCP_RX_REASS_FULL);
		return -ENOMEM;
	}
	reass_place(r, seq, len, m);
	return 0;
}

/* Drop the first `k` entries. */
static void
reass_shift(struct tcp_reass *r, unsigned int k)
{
	memmove(&r->seg[0], &r->seg[k], (r->n - k) * sizeof(r->seg[0]));
	r->n = (uint16_t)(r->n - k);
}

/* Take the queued data that starts at `nxt` as one chain. A queued piece
 * that data arriving in order covered (partly) was received twice:
 * RFC 2883 reports it (the first such piece). */
static struct rte_mbuf *
reass_pull_from(struct tern_stack *s, struct tcb *tcb, uint32_t nxt, uint32_t *len)
{
	struct tcp_reass *r = tcb->reass;
	struct rte_mbuf *head = NULL;
	bool dup = false;
	unsigned int i;

	*len = 0;
	if (r == NULL)
		return NULL;
	for (i = 0; i < r->n; i++) {
		struct tcp_reass_seg *e = &r->seg[i];
		uint32_t cut;

		if (seq_gt(e->seq, nxt))
			break;			/* a hole is left */
		if (!dup && seq_lt(e->seq, nxt)) {
			tcp_dsack_note(tcb, e->seq, seq_min(e->seq + e->len, nxt));
			dup = true;
		}
		if (seq_leq(e->seq + e->len, nxt)) {
			/* covered by data that came in order meanwhile */
			r->bytes -= e->len;
			stack_drop(s, e->m, CTR_TCP_RX_DUP);
			continue;
		}
		cut = nxt - e->seq;
		e->m = tcp_mbuf_cut_front(e->m, cut);
		e->seq = nxt;
		e->len -= cut;
		r->bytes -= cut;
		if (head != NULL && rte_pktmbuf_chain(head, e->m) != 0)
			break;			/* RTE_MBUF_MAX_NB_SEGS: next pull */
		if (head == NULL)
			head = e->m;
		r->bytes -= e->len;
		*len += e->len;
		nxt += e->len;
	}
	reass_shift(r, i);
	reass_put_if_empty(tcb);
	return head;
}

struct rte_mbuf *
tcp_reass_pull(struct tern_stack *s, struct tcb *tcb, uint32_t *len)
{
	return reass_pull_from(s, tcb, tcb->rcv.nxt, len);
}

struct rte_mbuf *
tcp_reass_take_held(struct tern_stack *s, struct tcb *tcb, uint32_t seq, uint32_t *len)
{
	return reass_pull_from(s, tcb, seq, len);
}

void
tcp_reass_free(struct tern_stack *s, struct tcb *tcb)
{
	struct tcp_reass *r = tcb->reass;
	unsigned int i;

	RTE_SET_USED(s);
	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		rte_pktmbuf_free(r->seg[i].m);
	r->n = 0;
	reass_put_if_empty(tcb);
}
