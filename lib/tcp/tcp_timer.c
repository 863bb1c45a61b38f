/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Per-connection timers. Each TCB keeps an array of absolute deadlines
 * (tcb->timer_ns[], 0 = off) and sits at most once in the stack's wheel,
 * never later than its earliest deadline. Arming only moves the wheel entry
 * when the new deadline is earlier; cancelling just clears the slot (the
 * entry is dropped from the wheel once no deadline is left), so an early
 * wake-up finds nothing due and re-arms at the real earliest. The wheel
 * calls tcp_timer_expired() (kind STACK_TIMER_TCP) from the timer phase of
 * the loop; it runs the handler of every due deadline from a table indexed
 * by enum tcp_timer_id, then re-arms the entry. Handlers never transmit:
 * they set TCB flags and call tcp_output_schedule(); a handler that frees
 * the TCB (tcp_conn_close) ends the processing of that TCB. Keepalive is
 * lazy: input only records idle_since_ns, the timer works out the rest.
 * SYN-ACK retransmissions are bounded (synack_timeout): none while the
 * listener sends SYN cookies, and a per-stack budget otherwise.
 */
#include <errno.h>

#include "tcp/tcp_private.h"

/* A handler returns false when it freed the TCB. */
struct timer_handler {
	bool (*fn)(struct tern_stack *s, struct tcb *tcb, uint64_t now);
};

/* Enough doublings to reach any configurable rto_max from any rto_min. */
#define TCP_BACKOFF_MAX 30u

void
tcp_timer_arm(struct tern_stack *s, struct tcb *tcb, enum tcp_timer_id id,
	      uint64_t deadline_ns)
{
	if (deadline_ns == 0)
		deadline_ns = 1;	/* 0 means "off" */
	tcb->timer_ns[id] = deadline_ns;
	tcb->timer.kind = STACK_TIMER_TCP;
	if (!tw_is_armed(&tcb->timer.tw) || deadline_ns < tcb->timer.tw.deadline_ns)
		stack_timer_arm(s, &tcb->timer, deadline_ns);
}

static uint64_t
earliest_deadline(const struct tcb *tcb)
{
	uint64_t min = 0;
	unsigned int i;

	for (i = 0; i < TCP_T_COUNT; i++)
		if (tcb->timer_ns[i] != 0 && (min == 0 || tcb->timer_ns[i] < min))
			min = tcb->timer_ns[i];
	return min;
}

void
tcp_timer_cancel(struct tern_stack *s, struct tcb *tcb, enum tcp_timer_id id)
{
	if (tcb->timer_ns[id] == 0)
		return;
	tcb->timer_ns[id] = 0;
	if (earliest_deadline(tcb) == 0)
		stack_timer_cancel(s, &tcb->timer);
}

void
tcp_timer_cancel_all(struct tern_stack *s, struct tcb *tcb)
{
	unsigned int i;

	for (i = 0; i < TCP_T_COUNT; i++)
		tcb->timer_ns[i] = 0;
	stack_timer_cancel(s, &tcb->timer);
}

/* Give up on the connection: RST to the peer and CLOSED with -ETIMEDOUT.
 * Output sends the RST (timers never transmit) and frees the TCB in this
 * same loop iteration; nothing else may fire meanwhile. */
static void
abort_timed_out(struct tern_stack *s, struct tcb *tcb, unsigned int ctr)
{
	stack_ctr_inc(s, ctr);
	tcp_timer_cancel_all(s, tcb);
	tcb->close_status = -ETIMEDOUT;
	tcb->flags |= TCB_F_SEND_RST;
	tcp_output_schedule(s, tcb);
}

/* The first timeout of a loss episode is a congestion event for the
 * algorithm (RFC 5681 3.1 eq. 4: ssthresh from FlightSize, cwnd to the
 * loss window); later ones of the same episode (backoff > 0: no new ACK
 * since) leave ssthresh alone, and cwnd is still the loss window. Out of
 * fast recovery; RFC 6582: recover = highest sent. */
/* RFC 6675 5.1: the SACK recovery ends too; the scoreboard stays so that
 * the go-back resend skips what the peer holds, unless this is a second
 * timeout in a row: then the peer may have reneged (RFC 2018 8) and
 * everything is resent. */
static void
rto_congestion(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	tcp_cc_rto(tcb, now, tcb->backoff == 0);
	tcb->recover = tcb->snd.max;
	tcb->dupacks = 0;
	tcb->rack.tlp_on = 0;		/* the probe did not do it */
	tcb->flags &= ~(TCB_F_FAST_RECOVERY | TCB_F_SACK_RECOVERY | TCB_F_TLP);
	if (tcb->backoff > 0 && tcb->sb != NULL && tcb->sb->n > 0) {
		tcp_sack_clear(tcb);
		stack_ctr_inc(s, CTR_TCP_SACK_RENEGE);
	}
}

/* Back off and count one more try, resent or not. */
static void
rto_backoff(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (tcb->backoff < TCP_BACKOFF_MAX)
		tcb->backoff++;
	tcb->retries++;
	tcb->flags &= ~TCB_F_RTT_TIMING;	/* Karn: no sample from a resend */
	tcp_timer_arm(s, tcb, TCP_T_RTO, now + tcp_rto_ns(s, tcb));
}

/* A SYN-ACK went unanswered (RFC 4987 4.1, the amplification of a SYN
 * flood). While the listener answers with SYN cookies, nothing is resent:
 * the half-open entry goes at its first timeout (a real peer resends its
 * SYN and gets a cookie or a SYN-ACK for it, one per SYN). Otherwise the
 * stack's budget (tcp.synack_rexmit_per_s) bounds what all listeners
 * resend; over it the try is skipped, backed off and counted. Simultaneous
 * opens (no listener) are not limited. Returns false when the TCB went. */
static bool
synack_timeout(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (tcb->listener != NULL && tcp_cookie_pressure(s, tcb->listener, now)) {
		stack_ctr_inc(s, CTR_TCP_SYNACK_SHED);
		tcp_conn_close(s, tcb, 0);	/* the app never knew it */
		return false;
	}
	if (tcb->listener != NULL && s->cfg.tcp_synack_rexmit_per_s != 0 &&
	    !token_bucket_take(&s->tcp->synack_budget, now)) {
		stack_ctr_inc(s, CTR_TCP_SYNACK_BUDGET);
		rto_backoff(s, tcb, now);
		return true;
	}
	rto_backoff(s, tcb, now);
	tcb->flags |= TCB_F_REXMIT_RTO;
	stack_ctr_inc(s, CTR_TCP_RTO);
	tcp_output_schedule(s, tcb);
	return true;
}

/* RFC 6298 5.4-5.7: retransmit from snd.una, back off, restart. */
static bool
on_rto(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	switch (tcb->state) {
	case TCP_ST_SYN_SENT:
		if (tcb->retries >= s->cfg.tcp_syn_retries) {
			stack_ctr_inc(s, CTR_TCP_SYN_TIMEOUT);
			tcp_conn_close(s, tcb, -ETIMEDOUT);
			return false;
		}
		break;
	case TCP_ST_SYN_RECEIVED:
		if (tcb->retries >= s->cfg.tcp_synack_retries) {
			abort_timed_out(s, tcb, CTR_TCP_SYNACK_TIMEOUT);
			return true;
		}
		return synack_timeout(s, tcb, now);
	case TCP_ST_CLOSED:
	case TCP_ST_LISTEN:
	case TCP_ST_TIME_WAIT:
		return true;
	default:
		if (tcb->snd.una == tcb->snd.max)
			return true;	/* everything acknowledged meanwhile */
		if (tcb->retries >= s->cfg.tcp_max_retries || tcp_uto_expired(s, tcb, now)) {
			abort_timed_out(s, tcb, CTR_TCP_TIMEOUT);
			return true;
		}
		rto_congestion(s, tcb, now);
		break;
	}
	rto_backoff(s, tcb, now);
	if (tcb->uto_ms != 0 && tcb->state >= TCP_ST_ESTABLISHED &&
	    tcb->timer_ns[TCP_T_RTO] > tcb->uto_start_ns + (uint64_t)tcb->uto_ms * NS_PER_MS)
		/* the user timeout comes before the next retransmission */
		tcp_timer_arm(s, tcb, TCP_T_RTO,
			      tcb->uto_start_ns + (uint64_t)tcb->uto_ms * NS_PER_MS);
	tcb->flags |= TCB_F_REXMIT_RTO;
	stack_ctr_inc(s, CTR_TCP_RTO);
	tcp_output_schedule(s, tcb);
	return true;
}

/* RFC 9293 3.8.6.1: probe the zero window, backing off like the RTO but
 * without a limit on the count: a peer that keeps answering with a zero
 * window is alive, and the connection stays (RFC 1122 4.2.2.17). */
/* RFC 9293 3.8.6.1: probe a zero window with backoff. RFC 1122 4.2.2.17
 * lets the connection stay open only while the peer answers the probes:
 * tcp_max_retries probes in a row without any segment from the peer
 * (idle_since_ns not moved since the last one) abort it, as unanswered
 * retransmissions do (a vanished peer would otherwise hold the connection
 * and its send queue forever). */
static bool
on_persist(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (tcb->persist_sent_ns != 0 && tcb->idle_since_ns < tcb->persist_sent_ns)
		tcb->persist_unanswered++;
	else
		tcb->persist_unanswered = 0;
	if (tcb->persist_unanswered >= s->cfg.tcp_max_retries) {
		abort_timed_out(s, tcb, CTR_TCP_PERSIST_TIMEOUT);
		return true;
	}
	tcb->persist_sent_ns = now;
	tcb->flags |= TCB_F_PROBE;
	tcp_output_schedule(s, tcb);
	if (tcb->backoff < TCP_BACKOFF_MAX)
		tcb->backoff++;
	tcp_timer_arm(s, tcb, TCP_T_PERSIST, now + tcp_rto_ns(s, tcb));
	return true;
}

static bool
on_delack(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	RTE_SET_USED(now);
	tcb->flags |= TCB_F_ACK_NOW;
	tcp_output_schedule(s, tcb);
	return true;
}

/* RFC 1122 4.2.3.6, computed from idle_since_ns alone: probe k (0-based)
 * goes out at idle + keepalive + k * interval; when probe number
 * `keepalive_probes` would be due, no answer came and we give up. Any
 * segment from the peer moves idle_since_ns and restarts the sequence. */
static bool
on_keepalive(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	uint64_t intvl = (uint64_t)tcb->ka_intvl_ms * NS_PER_MS;
	uint64_t idle = (uint64_t)tcb->ka_idle_ms * NS_PER_MS;
	uint64_t start;

	if (!tcb->ka_on || !tcp_state_is_synced(tcb->state) ||
	    tcb->state == TCP_ST_TIME_WAIT)
		return true;
	start = tcb->idle_since_ns + idle;
	if (now < start || tcb->snd.una != tcb->snd.max) {
		/* not idle long enough, or the RTO watches the peer already */
		tcp_timer_arm(s, tcb, TCP_T_KEEPALIVE, now < start ? start : now + idle);
		return true;
	}
	/* count probes actually sent in this idle period (a stalled loop or
	 * a probe lost to an mbuf shortage must not count as unanswered);
	 * anything received starts a new period */
	if (tcb->ka_since_ns != tcb->idle_since_ns) {
		tcb->ka_since_ns = tcb->idle_since_ns;
		tcb->ka_probes = 0;
	}
	if (tcb->ka_probes >= tcb->ka_cnt) {
		abort_timed_out(s, tcb, CTR_TCP_TIMEOUT);
		return true;
	}
	tcb->flags |= TCB_F_KEEPALIVE;
	tcp_output_schedule(s, tcb);
	tcp_timer_arm(s, tcb, TCP_T_KEEPALIVE, now + intvl);
	return true;
}

static bool
on_fin_wait_2(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	RTE_SET_USED(now);
	if (tcb->state != TCP_ST_FIN_WAIT_2)
		return true;
	stack_ctr_inc(s, CTR_TCP_FIN_WAIT_2_TIMEOUT);
	tcp_conn_close(s, tcb, 0);
	return false;
}

/* No TCB waits in TIME-WAIT any more: input hands it to a record
 * (tcp_timewait.c, its own wheel entry) before any timer can run. A
 * deadline left armed by mistake still ends the connection. */
static bool
on_time_wait(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	RTE_SET_USED(now);
	tcp_conn_close(s, tcb, 0);
	return false;
}

/* RFC 8985 6.3: the reorder window of a segment sent before a delivered
 * one ran out: look again; a loss found starts (or feeds) the recovery. */
static bool
on_rack(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (!(tcb->flags & TCB_F_RACK) || !tcp_state_is_synced(tcb->state) ||
	    tcb->snd.una == tcb->snd.max)
		return true;
	if (tcp_rack_timeout(s, tcb, now) || (tcb->flags & TCB_F_REXMIT_FAST))
		tcp_in_loss_detected(s, tcb, now);
	return true;
}

/* RFC 8985 7.3: the probe timeout; output sends the probe. */
static bool
on_tlp(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (tcp_state_is_synced(tcb->state) && tcb->state != TCP_ST_TIME_WAIT)
		tcp_tlp_timeout(s, tcb, now);
	return true;
}

static const struct timer_handler timer_handlers[TCP_T_COUNT] = {
	[TCP_T_RTO] = { on_rto },
	[TCP_T_PERSIST] = { on_persist },
	[TCP_T_DELACK] = { on_delack },
	[TCP_T_KEEPALIVE] = { on_keepalive },
	[TCP_T_FIN_WAIT_2] = { on_fin_wait_2 },
	[TCP_T_TIME_WAIT] = { on_time_wait },
	[TCP_T_RACK] = { on_rack },
	[TCP_T_TLP] = { on_tlp },
};

void
tcp_timer_expired(struct tern_stack *s, struct stack_timer *t, uint64_t now_ns)
{
	struct tcb *tcb = container_of(t, struct tcb, timer);
	uint64_t next;
	unsigned int i;

	for (i = 0; i < TCP_T_COUNT; i++) {
		uint64_t d = tcb->timer_ns[i];

		if (d == 0 || d > now_ns)
			continue;
		tcb->timer_ns[i] = 0;
		if (!timer_handlers[i].fn(s, tcb, now_ns))
			return;		/* TCB freed */
	}
	/* the wheel disarmed the entry; put it back at what is left */
	next = earliest_deadline(tcb);
	if (next != 0 && (!tw_is_armed(&t->tw) || next < t->tw.deadline_ns))
		stack_timer_arm(s, t, next);
}
