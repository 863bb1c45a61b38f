/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP states: names, and tcp_set_state(), the one place a TCB changes
 * state. Entering a state does the bookkeeping that belongs to the state
 * itself (counters, leaving the app on TIME-WAIT, the orphaned FIN-WAIT-2
 * timeout, stopping timers that no longer apply); the protocol decisions
 * stay in input, output and the timers.
 */
#include "tcp/tcp_private.h"

static const char *const state_names[TCP_ST_COUNT] = {
	[TCP_ST_CLOSED] = "CLOSED",
	[TCP_ST_LISTEN] = "LISTEN",
	[TCP_ST_SYN_SENT] = "SYN-SENT",
	[TCP_ST_SYN_RECEIVED] = "SYN-RECEIVED",
	[TCP_ST_ESTABLISHED] = "ESTABLISHED",
	[TCP_ST_FIN_WAIT_1] = "FIN-WAIT-1",
	[TCP_ST_FIN_WAIT_2] = "FIN-WAIT-2",
	[TCP_ST_CLOSE_WAIT] = "CLOSE-WAIT",
	[TCP_ST_CLOSING] = "CLOSING",
	[TCP_ST_LAST_ACK] = "LAST-ACK",
	[TCP_ST_TIME_WAIT] = "TIME-WAIT",
};

const char *
tcp_state_name(unsigned int st)
{
	return st < TCP_ST_COUNT ? state_names[st] : "?";
}

void
tcp_set_state(struct tern_stack *s, struct tcb *tcb, enum tcp_state st)
{
	uint64_t now = s->now_ns;

	if (tcb->state == st)
		return;
	tcb->state = (uint8_t)st;
	switch (st) {
	case TCP_ST_ESTABLISHED:
		stack_ctr_inc(s, CTR_TCP_ESTABLISHED);
		break;
	case TCP_ST_FIN_WAIT_2:
		/* our FIN is acknowledged: nothing left to retransmit */
		tcp_timer_cancel(s, tcb, TCP_T_RTO);
		tcp_timer_cancel(s, tcb, TCP_T_PERSIST);
		/* an orphan must not wait forever for the peer's FIN */
		if (tcb->flags & TCB_F_ORPHAN)
			tcp_timer_arm(s, tcb, TCP_T_FIN_WAIT_2,
				      now + (uint64_t)s->cfg.tcp_fin_wait2_ms * NS_PER_MS);
		break;
	case TCP_ST_TIME_WAIT:
		/* RFC 9293 3.10.7.4: hold for 2*MSL; nothing else runs. The
		 * connection is over for the app (as close() returns in a
		 * sockets API); input hands the 4-tuple to a TIME-WAIT record
		 * and frees the TCB once this segment is done
		 * (tcp_tw_enter) */
		tcp_timer_cancel_all(s, tcb);
		stack_ctr_inc(s, CTR_TCP_TIME_WAIT);
		tcp_conn_detach(s, tcb, 0);
		break;
	case TCP_ST_CLOSED:
		tcp_timer_cancel_all(s, tcb);
		break;
	default:
		break;
	}
}
