/* SPDX-License-Identifier: BSD-3-Clause
 *
 * SACK on the sending side: the RFC 6675 scoreboard and its queries, and
 * the receiving side's D-SACK note (RFC 2883). tcp_input_ack.c feeds every
 * ACK's SACK blocks to tcp_sack_update() (which also forgets what the
 * cumulative ACK covers) and asks tcp_sack_is_lost_una() whether to start
 * a loss recovery; tcp_output.c asks for pipe (SetPipe), for the next
 * segment to resend (NextSeg rules 1, 3 and 4; rule 2, new data, is plain
 * sending), how much SACKed data lies in a range (the flight outside
 * recovery) and which SACKed ranges a go-back-N after an RTO skips;
 * a D-SACK block goes to tcp_undo.c (RFC 3708);
 * tcp_input.c and tcp_reass.c note duplicates for D-SACK, and
 * tcp_output_seg.c asks tcp_sack_blocks() for the blocks every segment we
 * send carries (RFC 2018 4 order). The scoreboard is a sorted
 * array of SACKed ranges (struct tcp_scoreboard, tcb.h); the holes between
 * them are what may be lost. Decisions: a range is forgotten rather than
 * two merged when the array is full (under-claiming SACKed data only costs
 * a needless resend; over-claiming would leave a hole unsent); the array
 * comes from the stack's pool (tcp_sack_pool_create, called by
 * tcp_table_create) on the first SACK block and goes back once empty
 * outside a recovery, so in-order connections carry only a pointer.
 */
#include <stddef.h>
#include <string.h>

#include <rte_mempool.h>

#include "core/obj_pool.h"
#include "tcp/tcp_private.h"
#include "wire/tcp_hdr.h"

/* RFC 6675 DupThresh. */
#define SACK_DUP_THRESH 3u

/* Scoreboards held at once per stack: an eighth of the connections (at
 * least 64, at most one each); they are small and live through a
 * recovery. Past that a connection's SACK blocks are ignored and counted
 * (tcp_sack_nomem): it recovers as without SACK. */
#define SACK_POOL_DIV 8u
#define SACK_POOL_MIN 64u

struct rte_mempool *
tcp_sack_pool_create(uint32_t n_conns, unsigned int lcore_id, int socket)
{
	uint32_t n = obj_pool_size(n_conns, SACK_POOL_DIV, SACK_POOL_MIN);

	return obj_pool_create("tern_sack", lcore_id, n, sizeof(struct tcp_scoreboard),
			       socket);
}

void
tcp_sack_pool_free(struct rte_mempool *mp)
{
	obj_pool_free(mp);
}

static struct tcp_scoreboard *
sb_get(struct tern_stack *s, struct tcb *tcb)
{
	struct tcp_scoreboard *sb = tcb->sb;

	if (sb != NULL)
		return sb;
	if (rte_mempool_get(s->tcp->sack_pool, (void **)&sb) != 0) {
		stack_ctr_inc(s, CTR_TCP_SACK_NOMEM);
		return NULL;
	}
	memset(sb, 0, offsetof(struct tcp_scoreboard, r));	/* r[] is read below n */
	sb->high_rxt = tcb->snd.una;
	sb->rescue_rxt = tcb->snd.una;
	tcb->sb = sb;
	return sb;
}

void
tcp_sack_free(struct tcb *tcb)
{
	if (tcb->sb != NULL)
		obj_pool_put(tcb->sb);
	tcb->sb = NULL;
}

/* A cumulative ACK that ends inside or at the left edge of a SACKed
 * range: the peer dropped data it had SACKed (reneged, RFC 2018 8); no
 * honest receiver acknowledges up to data it holds without covering it. */
static bool
sb_reneged(const struct tcp_scoreboard *sb, uint32_t ack)
{
	return sb->n > 0 && seq_leq(sb->r[0].left, ack) && seq_lt(ack, sb->r[0].right);
}

/* Forget every SACKed byte below `una` (cumulatively acknowledged now). */
static void
sb_prune(struct tcp_scoreboard *sb, uint32_t una)
{
	uint16_t i = 0;

	while (i < sb->n && seq_leq(sb->r[i].right, una)) {
		sb->bytes -= sb->r[i].right - sb->r[i].left;
		i++;
	}
	if (i < sb->n && seq_lt(sb->r[i].left, una)) {
		sb->bytes -= una - sb->r[i].left;
		sb->r[i].left = una;
	}
	if (i > 0) {
		memmove(&sb->r[0], &sb->r[i], (size_t)(sb->n - i) * sizeof(sb->r[0]));
		sb->n = (uint16_t)(sb->n - i);
	}
	if (seq_lt(sb->high_rxt, una))
		sb->high_rxt = una;
}

/* Add [left, right) to the ranges; returns the bytes it newly covers. */
static uint32_t
sb_insert(struct tern_stack *s, struct tcp_scoreboard *sb, uint32_t left, uint32_t right)
{
	uint32_t old = 0, span;
	uint16_t i = 0, j;

	while (i < sb->n && seq_lt(sb->r[i].right, left))
		i++;
	for (j = i; j < sb->n && seq_leq(sb->r[j].left, right); j++)
		old += sb->r[j].right - sb->r[j].left;
	if (j == i) {			/* touches nothing: a new range at i */
		if (sb->n == TCP_SACK_MAX) {
			stack_ctr_inc(s, CTR_TCP_SACK_OVERFLOW);
			if (i == sb->n)
				return 0;	/* it would be the highest: forget it */
			sb->n--;		/* forget the highest instead */
			sb->bytes -= sb->r[sb->n].right - sb->r[sb->n].left;
		}
		memmove(&sb->r[i + 1], &sb->r[i], (size_t)(sb->n - i) * sizeof(sb->r[0]));
		sb->r[i].left = left;
		sb->r[i].right = right;
		sb->n++;
		sb->bytes += right - left;
		return right - left;
	}
	left = seq_min(left, sb->r[i].left);
	right = seq_max(right, sb->r[j - 1].right);
	sb->r[i].left = left;
	sb->r[i].right = right;
	memmove(&sb->r[i + 1], &sb->r[j], (size_t)(sb->n - j) * sizeof(sb->r[0]));
	sb->n = (uint16_t)(sb->n - (j - i - 1));
	span = right - left;
	sb->bytes += span - old;
	return span - old;
}

/* RFC 2883 4: the first block reports a duplicate when it lies below the
 * cumulative ACK or inside the second block. */
static bool
first_is_dsack(const struct tcp_opts *o, uint32_t ack)
{
	const struct tcp_sack_block *b = o->sack;

	if (seq_leq(b[0].right, ack))
		return true;
	return o->n_sack >= 2 && seq_geq(b[0].left, b[1].left) &&
	       seq_leq(b[0].right, b[1].right);
}

uint32_t
tcp_sack_update(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
		uint32_t ack)
{
	uint32_t base = seq_max(ack, tcb->snd.una), newly = 0;
	struct tcp_scoreboard *sb;
	uint8_t k = 0;

	if (tcb->sb != NULL) {
		sb_prune(tcb->sb, base);
		if (sb_reneged(tcb->sb, base)) {
			stack_ctr_inc(s, CTR_TCP_SACK_RENEGE);
			tcp_sack_clear(tcb);
		}
	}
	if ((o->present & TCP_OPTF_SACK) && o->n_sack > 0) {
		if (first_is_dsack(o, ack)) {
			stack_ctr_inc(s, CTR_TCP_RX_DSACK);
			tcp_undo_dsack(s, tcb, o->sack[0].left, o->sack[0].right);
			if (tcb->flags & TCB_F_RACK)
				tcp_rack_dsack(tcb);
			k = 1;
		}
		for (; k < o->n_sack; k++) {
			uint32_t left = o->sack[k].left, right = o->sack[k].right;

			if (seq_leq(right, base))
				continue;	/* old news */
			if (!seq_lt(left, right) || seq_gt(right, tcb->snd.max)) {
				stack_ctr_inc(s, CTR_TCP_RX_SACK_BAD);
				continue;	/* never sent: not ours to believe */
			}
			sb = sb_get(s, tcb);
			if (sb == NULL)
				break;
			newly += sb_insert(s, sb, seq_max(left, base), right);
		}
	}
	if (tcb->sb != NULL && tcb->sb->n == 0 && !(tcb->flags & TCB_F_SACK_RECOVERY))
		tcp_sack_free(tcb);
	return newly;
}

void
tcp_sack_clear(struct tcb *tcb)
{
	if (tcb->sb == NULL)
		return;
	tcb->sb->n = 0;
	tcb->sb->bytes = 0;
}

void
tcp_sack_recovery_start(struct tcb *tcb)
{
	tcb->sb->high_rxt = tcb->snd.una;
	tcb->sb->rescue_rxt = tcb->snd.una;
	tcb->sb->head_rxt_seq = tcb->snd.una - 1;	/* not resent yet */
}

void
tcp_sack_resent(struct tcb *tcb, uint32_t seq)
{
	if (seq == tcb->snd.una) {
		tcb->sb->head_rxt_seq = seq;
		tcb->sb->head_rxt_max = tcb->snd.max;
	}
}

/* Decision: RFC 6675 alone leaves a lost retransmission to the RTO, and
 * the one at snd.una stalls the whole connection meanwhile. Like the
 * holes' own rule, it is deemed lost again once more than (DupThresh - 1)
 * * SMSS bytes sent after it were SACKed. Only the head is tracked; a
 * head reached by a partial ACK counts from now (later, never sooner). */
bool
tcp_sack_head_rxt_lost(struct tcb *tcb)
{
	struct tcp_scoreboard *sb = tcb->sb;

	if (sb == NULL || !seq_lt(tcb->snd.una, sb->high_rxt))
		return false;		/* the head was not resent */
	if (sb->head_rxt_seq != tcb->snd.una) {
		sb->head_rxt_seq = tcb->snd.una;
		sb->head_rxt_max = tcb->snd.max;
		return false;
	}
	return tcp_sack_sacked_in(tcb, sb->head_rxt_max, tcb->snd.max) >
	       (SACK_DUP_THRESH - 1) * tcb->mss;
}

/* RFC 6675 IsLost() for the bytes of hole k (below range k): DupThresh
 * ranges above it, or more than (DupThresh - 1) * SMSS SACKed bytes. */
static bool
hole_lost(const struct tcp_scoreboard *sb, uint16_t k, uint32_t above, uint32_t mss)
{
	return (uint32_t)(sb->n - k) >= SACK_DUP_THRESH || above > (SACK_DUP_THRESH - 1) * mss;
}

/* The lost part of unSACKed [start, end), hole k: with RACK (RFC 8985)
 * what lies below its lost_end, whatever DupThresh says; otherwise the
 * whole hole or none of it. Returns the end of the lost part (start:
 * none). */
static uint32_t
lost_upto(const struct tcb *tcb, uint16_t k, uint32_t above, uint32_t start, uint32_t end)
{
	if (tcb->flags & TCB_F_RACK) {
		uint32_t l = tcp_rack_lost_below(tcb);

		return seq_gt(l, start) ? seq_min(l, end) : start;
	}
	if (k < tcb->sb->n && hole_lost(tcb->sb, k, above, tcb->mss))
		return end;
	return start;
}

bool
tcp_sack_is_lost_una(const struct tcb *tcb)
{
	const struct tcp_scoreboard *sb = tcb->sb;

	return sb != NULL && sb->n > 0 && seq_lt(tcb->snd.una, sb->r[0].left) &&
	       hole_lost(sb, 0, sb->bytes, tcb->mss);
}

/* Bytes of [a, b) resent in this recovery ([snd.una, high_rxt)); a >= snd.una. */
static uint32_t
resent_in(const struct tcp_scoreboard *sb, uint32_t a, uint32_t b)
{
	if (!seq_gt(sb->high_rxt, a))
		return 0;
	return seq_min(b, sb->high_rxt) - a;
}

uint32_t
tcp_sack_pipe(const struct tcb *tcb)
{
	const struct tcp_scoreboard *sb = tcb->sb;
	uint32_t pipe = 0, start = tcb->snd.una, above = sb->bytes;
	uint16_t k;

	for (k = 0; k < sb->n; k++) {
		uint32_t end = sb->r[k].left;

		pipe += end - lost_upto(tcb, k, above, start, end);
		pipe += resent_in(sb, start, end);
		above -= sb->r[k].right - end;
		start = sb->r[k].right;
	}
	/* above the highest SACKed byte only RACK deems anything lost */
	if (seq_lt(start, tcb->snd.max))
		pipe += tcb->snd.max - lost_upto(tcb, k, 0, start, tcb->snd.max) +
			resent_in(sb, start, tcb->snd.max);
	return pipe;
}

/* First hole byte at or above high_rxt below the highest SACKed byte,
 * only in holes deemed lost when `lost_only`. */
static bool
next_hole(const struct tcb *tcb, uint32_t max, bool lost_only, uint32_t *seq,
	  uint32_t *len)
{
	const struct tcp_scoreboard *sb = tcb->sb;
	uint32_t start = tcb->snd.una, above = sb->bytes;
	uint16_t k;

	for (k = 0; k < sb->n; k++) {
		uint32_t end = sb->r[k].left, from = seq_max(start, sb->high_rxt);

		if (lost_only)
			end = lost_upto(tcb, k, above, start, end);
		if (seq_lt(from, end)) {
			*seq = from;
			*len = RTE_MIN(end - from, max);
			return true;
		}
		above -= sb->r[k].right - sb->r[k].left;
		start = sb->r[k].right;
	}
	/* RACK may deem lost what lies above the highest SACKed byte */
	if (lost_only && (tcb->flags & TCB_F_RACK)) {
		uint32_t from = seq_max(start, sb->high_rxt);
		uint32_t end = lost_upto(tcb, k, 0, start, tcb->snd.max);

		if (seq_lt(from, end)) {
			*seq = from;
			*len = RTE_MIN(end - from, max);
			return true;
		}
	}
	return false;
}

bool
tcp_sack_next_lost(const struct tcb *tcb, uint32_t max, uint32_t *seq, uint32_t *len)
{
	return tcb->sb != NULL && next_hole(tcb, max, true, seq, len);
}

bool
tcp_sack_next_unsacked(const struct tcb *tcb, uint32_t max, uint32_t *seq, uint32_t *len)
{
	return tcb->sb != NULL && next_hole(tcb, max, false, seq, len);
}

/* NextSeg rule 4: once per recovery (HighACK past RescueRxt), the segment
 * that ends with the highest unSACKed byte outstanding. Decision: not when
 * that byte was resent in this recovery already (below HighRxt): the
 * rescue is for a tail nothing has repaired yet. */
bool
tcp_sack_rescue(const struct tcb *tcb, uint32_t max, uint32_t *seq, uint32_t *len)
{
	const struct tcp_scoreboard *sb = tcb->sb;
	uint32_t start, end;

	if (sb == NULL || !seq_gt(tcb->snd.una, sb->rescue_rxt))
		return false;
	end = tcb->snd.max;
	start = sb->n > 0 ? sb->r[sb->n - 1].right : tcb->snd.una;
	if (!seq_lt(start, end) && sb->n > 0) {
		end = sb->r[sb->n - 1].left;
		start = sb->n >= 2 ? sb->r[sb->n - 2].right : tcb->snd.una;
	}
	if (!seq_lt(start, end) || !seq_gt(end, sb->high_rxt))
		return false;
	start = seq_max(start, sb->high_rxt);
	*len = RTE_MIN(end - start, max);
	*seq = end - *len;
	return true;
}

uint32_t
tcp_sack_sacked_in(const struct tcb *tcb, uint32_t from, uint32_t to)
{
	const struct tcp_scoreboard *sb = tcb->sb;
	uint32_t n = 0;
	uint16_t k;

	if (sb == NULL)
		return 0;
	for (k = 0; k < sb->n && seq_lt(sb->r[k].left, to); k++) {
		uint32_t a = seq_max(sb->r[k].left, from), b = seq_min(sb->r[k].right, to);

		if (seq_lt(a, b))
			n += b - a;
	}
	return n;
}

uint32_t
tcp_sack_skip(const struct tcb *tcb, uint32_t seq, uint32_t *room)
{
	const struct tcp_scoreboard *sb = tcb->sb;
	uint16_t k;

	*room = UINT32_MAX;
	if (sb == NULL)
		return seq;
	for (k = 0; k < sb->n; k++) {
		if (seq_lt(seq, sb->r[k].left)) {
			*room = sb->r[k].left - seq;
			return seq;
		}
		if (seq_lt(seq, sb->r[k].right))
			seq = sb->r[k].right;
	}
	return seq;
}

void
tcp_dsack_note(struct tcb *tcb, uint32_t left, uint32_t right)
{
	if (!(tcb->flags & TCB_F_SACK_OK) || !seq_lt(left, right))
		return;
	tcb->dsack_left = left;
	tcb->dsack_right = right;
}

/* ---- the receiver's blocks -------------------------------------------------- */

/* Append [left, right) unless a block after `first` has it already. */
static void
sack_block_add(struct tcp_opts *o, uint8_t first, uint32_t left, uint32_t right)
{
	uint8_t k;

	for (k = first; k < o->n_sack; k++)
		if (o->sack[k].left == left)
			return;
	o->sack[o->n_sack].left = left;
	o->sack[o->n_sack].right = right;
	o->n_sack++;
}

/* RFC 2018 4: the first block holds the segment that triggered the ACK
 * (recent[0]) and the next ones repeat the blocks reported most recently,
 * newest first, so a sender that loses some ACKs still hears of every
 * island; the list is not sorted. Islands never reported (more of them
 * than blocks fit) come last, lowest first. A D-SACK block already in `o`
 * (RFC 2883 4) stays first, and when it reports a duplicate of queued
 * data, recent[0] is that data: the block holding it comes second. */
void
tcp_sack_blocks(const struct tcb *tcb, struct tcp_opts *o)
{
	const struct tcp_reass *r = tcb->reass;
	uint8_t first = o->n_sack;
	uint32_t left, right;
	uint16_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_recent && o->n_sack < TCP_OPT_MAX_SACK; i++)
		if (seq_geq(r->recent[i], tcb->rcv.nxt) &&
		    tcp_reass_block(r, r->recent[i], &left, &right))
			sack_block_add(o, first, left, right);
	for (i = 0; i < r->n && o->n_sack < TCP_OPT_MAX_SACK; i++) {
		if (seq_lt(r->seg[i].seq, tcb->rcv.nxt) ||
		    (i > 0 && r->seg[i - 1].seq + r->seg[i - 1].len == r->seg[i].seq))
			continue;	/* held below rcv.nxt, or inside a block */
		tcp_reass_block(r, r->seg[i].seq, &left, &right);
		sack_block_add(o, first, left, right);
	}
	if (o->n_sack > 0)
		o->present |= TCP_OPTF_SACK;
}
