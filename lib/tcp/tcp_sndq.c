/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The send queue: the app's mbufs, kept until the peer acknowledges them.
 * tcp_user.c appends each TERN_CMD_TCP_SEND chain (tcp_sndq_append); input
 * drops acknowledged bytes from the front (tcp_sndq_ack), freeing each
 * segment as soon as all of its bytes are acknowledged; output reads byte
 * ranges by offset from the first unacknowledged byte (tcp_sndq_ref: new
 * indirect mbufs that share the app's buffers, or a copy for small pieces;
 * tcp_sndq_copy for ports that cannot transmit chains). The segments of
 * every appended chain are linked through m->next into one list; head_off
 * bytes of the head segment are already acknowledged. Payload is never
 * copied except for pieces of at most SNDQ_COPY_MAX bytes.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp/tcp_private.h"

/* Pieces this small are cheaper to copy than to reference. */
#define SNDQ_COPY_MAX 128u

void
tcp_sndq_append(struct tcb *tcb, struct rte_mbuf *m)
{
	struct tcp_sndq *q = &tcb->sndq;
	struct rte_mbuf *last = m;
	uint32_t bytes = 0;
	uint16_t n = 0;

	if (m == NULL)
		return;
	for (;;) {
		bytes += last->data_len;
		n++;
		if (last->next == NULL)
			break;
		last = last->next;
	}
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = last;
	q->bytes += bytes;
	q->nsegs = (uint16_t)(q->nsegs + n);
}

/* Unlink and free the head segment (its buffer lives on while indirect
 * mbufs of segments in flight still reference it). */
static void
pop_head(struct tcp_sndq *q)
{
	struct rte_mbuf *m = q->head;

	q->head = m->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->head_off = 0;
	q->nsegs--;
	m->next = NULL;
	m->nb_segs = 1;
	rte_pktmbuf_free_seg(m);
}

void
tcp_sndq_ack(struct tcb *tcb, uint32_t n)
{
	struct tcp_sndq *q = &tcb->sndq;

	if (n > q->bytes)
		n = q->bytes;
	q->bytes -= n;
	while (q->head != NULL) {
		uint32_t avail = q->head->data_len - q->head_off;

		if (n < avail)
			break;		/* empty segments are dropped too */
		n -= avail;
		pop_head(q);
	}
	if (q->head != NULL)
		q->head_off = (uint16_t)(q->head_off + n);
}

void
tcp_sndq_free(struct tcb *tcb)
{
	struct tcp_sndq *q = &tcb->sndq;

	while (q->head != NULL)
		pop_head(q);
	q->bytes = 0;
}

/* The segment holding queue offset `off`; *start = offset of its first
 * byte within its own data. NULL when off is beyond the queue. */
static const struct rte_mbuf *
seek(const struct tcp_sndq *q, uint32_t off, uint32_t *start)
{
	const struct rte_mbuf *m = q->head;
	uint32_t pos = q->head_off;

	while (m != NULL && off >= m->data_len - pos) {
		off -= m->data_len - pos;
		pos = 0;
		m = m->next;
	}
	*start = pos + off;
	return m;
}

/* Append `len` bytes of `seg` from `start` to chain `dst` (last segment
 * `*lastp`): copied into its tailroom when small, else an indirect mbuf. */
static int
put_piece(struct tern_stack *s, struct rte_mbuf *dst, struct rte_mbuf **lastp,
	  struct rte_mbuf *seg, uint32_t start, uint16_t len)
{
	struct rte_mbuf *last = *lastp, *mi;

	/* never write into a buffer someone else can see */
	if (len <= SNDQ_COPY_MAX && RTE_MBUF_DIRECT(last) &&
	    rte_mbuf_refcnt_read(last) == 1 && rte_pktmbuf_tailroom(last) >= len) {
		memcpy(rte_pktmbuf_mtod_offset(last, char *, last->data_len),
		       rte_pktmbuf_mtod_offset(seg, const char *, start), len);
		last->data_len = (uint16_t)(last->data_len + len);
		dst->pkt_len += len;
		return 0;
	}
	mi = rte_pktmbuf_alloc(s->pool);
	if (mi == NULL)
		return -ENOMEM;
	rte_pktmbuf_attach(mi, seg);
	mi->data_off = (uint16_t)(mi->data_off + start);
	mi->data_len = len;
	mi->pkt_len = len;
	stack_mbuf_reset_tx(mi);
	last->next = mi;
	*lastp = mi;
	dst->nb_segs++;
	dst->pkt_len += len;
	return 0;
}

int
tcp_sndq_ref(struct tern_stack *s, const struct tcb *tcb, uint32_t off,
	     uint32_t len, struct rte_mbuf *dst)
{
	const struct rte_mbuf *m;
	struct rte_mbuf *last = rte_pktmbuf_lastseg(dst), *orig_last;
	uint32_t start, pkt_len = dst->pkt_len;
	uint16_t data_len = last->data_len, nb_segs = dst->nb_segs;

	orig_last = last;
	m = seek(&tcb->sndq, off, &start);
	while (len > 0 && m != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - start);

		if (n > 0 && put_piece(s, dst, &last, (struct rte_mbuf *)(uintptr_t)m,
				       start, (uint16_t)n) != 0)
			goto undo;
		len -= n;
		start = 0;
		m = m->next;
	}
	return 0;
undo:
	rte_pktmbuf_free(orig_last->next);
	orig_last->next = NULL;
	orig_last->data_len = data_len;
	dst->pkt_len = pkt_len;
	dst->nb_segs = nb_segs;
	return -ENOMEM;
}

void
tcp_sndq_copy(const struct tcb *tcb, uint32_t off, uint32_t len, void *dst)
{
	uint8_t *p = dst;
	uint32_t start;
	const struct rte_mbuf *m = seek(&tcb->sndq, off, &start);

	while (len > 0 && m != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - start);

		memcpy(p, rte_pktmbuf_mtod_offset(m, const uint8_t *, start), n);
		p += n;
		len -= n;
		start = 0;
		m = m->next;
	}
}
