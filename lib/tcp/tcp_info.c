/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern_tcp_info_get(): a read-only snapshot of one connection for apps and
 * operators (traces, dashboards, debugging): state, windows, bytes in
 * flight and queued, the RTT estimator, recovery, the congestion
 * control in use and ECN. Called by the app on the lcore that owns the stack,
 * between loop iterations (never from inside input, timers or output), so
 * it reads the TCB without locks. It only reads; it never schedules
 * output or touches a timer. The public state numbers mirror the internal
 * enum tcp_state one for one (checked below).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_string_fns.h>

#include <tern/tcp.h>

#include "tcp/tcp_private.h"

#define STATE_SAME(x) ((int)TERN_TCP_ST_##x == (int)TCP_ST_##x)
_Static_assert(STATE_SAME(CLOSED) && STATE_SAME(LISTEN) && STATE_SAME(SYN_SENT) &&
	       STATE_SAME(SYN_RECEIVED) && STATE_SAME(ESTABLISHED) &&
	       STATE_SAME(FIN_WAIT_1) && STATE_SAME(FIN_WAIT_2) &&
	       STATE_SAME(CLOSE_WAIT) && STATE_SAME(CLOSING) && STATE_SAME(LAST_ACK) &&
	       STATE_SAME(TIME_WAIT) && STATE_SAME(COUNT),
	       "public TCP states must mirror enum tcp_state");
_Static_assert((int)TERN_TCP_CC_COUNT == (int)TCP_CC_COUNT,
	       "public cc ids must mirror enum tcp_cc_algo");

/* Queued bytes that were never sent. snd.max - snd.una counts our SYN
 * while it is unacknowledged, and the FIN once sent (all data is then
 * sent, so the min() below absorbs it). */
static uint32_t
unsent_bytes(const struct tcb *tcb)
{
	uint32_t sent = tcb->snd.max - tcb->snd.una;

	if ((tcb->state == TCP_ST_SYN_SENT || tcb->state == TCP_ST_SYN_RECEIVED) && sent > 0)
		sent--;
	return tcb->sndq.bytes - RTE_MIN(tcb->sndq.bytes, sent);
}

static uint8_t
info_options(const struct tcb *tcb)
{
	uint8_t o = 0;

	if (tcb->flags & TCB_F_SACK_OK)
		o |= TERN_TCP_INFO_OPT_SACK;
	if (tcb->flags & TCB_F_TS_OK)
		o |= TERN_TCP_INFO_OPT_TS;
	if (tcb->flags & TCB_F_WS_OK)
		o |= TERN_TCP_INFO_OPT_WSCALE;
	if (tcb->flags & TCB_F_NODELAY)
		o |= TERN_TCP_INFO_OPT_NODELAY;
	return o;
}

static uint8_t
info_ecn(const struct tcb *tcb)
{
	uint8_t e = 0;

	if (!(tcb->flags & TCB_F_ECN_OK))
		return 0;
	e |= TERN_TCP_INFO_ECN_OK;
	if (tcb->flags & TCB_F_ECN_ECHO)
		e |= TERN_TCP_INFO_ECN_ECHO;
	if (tcb->flags & TCB_F_ECN_CWR)
		e |= TERN_TCP_INFO_ECN_CWR;
	return e;
}

void
tcp_info_fill(const struct tern_stack *s, const struct tcb *tcb, struct tern_tcp_info *out)
{
	bool ws = (tcb->flags & TCB_F_WS_OK) != 0;

	memset(out, 0, sizeof(*out));
	out->state = tcb->state;
	out->cc = tcb->cc_algo;
	out->in_recovery = (tcb->flags & TCB_F_FAST_RECOVERY) ? 1 : 0;
	out->snd_wscale = ws ? tcb->snd.wscale : 0;
	out->rcv_wscale = ws ? tcb->rcv.wscale : 0;
	out->options = info_options(tcb);
	out->backoff = tcb->backoff;
	out->retries = tcb->retries;
	out->dupacks = tcb->dupacks;
	out->local_addr = tcb->laddr;
	out->remote_addr = tcb->raddr;
	out->local_port = tcb->lport;
	out->remote_port = tcb->rport;
	out->snd_mss = tcb->mss;
	out->peer_mss = tcb->peer_mss;
	out->cwnd = tcb->cwnd;
	out->ssthresh = tcb->ssthresh;
	out->snd_wnd = tcb->snd.wnd;
	out->inflight = tcb->snd.max - tcb->snd.una;
	out->unsent = unsent_bytes(tcb);
	out->sndq_bytes = tcb->sndq.bytes;
	out->sndbuf = tcb->sndbuf;
	out->rcv_wnd = tcb->rcv.wnd;
	out->rcv_unread = tcb->unread;
	out->rcv_ooo = tcp_reass_bytes(tcb);
	out->rcvbuf = tcb->rcvbuf;
	out->srtt_us = tcb->rtt.srtt_us;
	out->rttvar_us = tcb->rtt.rttvar_us;
	out->rto_us = (uint32_t)RTE_MIN(tcp_rto_ns(s, tcb) / NS_PER_US, (uint64_t)UINT32_MAX);
	out->last_rx_ns = tcb->idle_since_ns;
	out->last_data_tx_ns = tcb->last_tx_ns;
	strlcpy(out->cc_name, tcp_cc_name(tcb), sizeof(out->cc_name));
	out->sacked = tcb->sb != NULL ? tcb->sb->bytes : 0;
	out->sack_recovery = (tcb->flags & TCB_F_SACK_RECOVERY) ? 1 : 0;
	out->pipe = out->sack_recovery ? tcp_sack_pipe(tcb) : out->inflight - out->sacked;
	/* in SYN-SENT the flag only says our SYN asked */
	out->ecn = tcb->state != TCP_ST_SYN_SENT ? info_ecn(tcb) : 0;
}

int
tern_tcp_info_get(struct tern_stack *s, uint64_t handle, struct tern_tcp_info *out)
{
	const struct tcb *tcb;

	if (s == NULL || out == NULL)
		return -EINVAL;
	tcb = tcp_conn_from_handle(s, handle);
	if (tcb == NULL)
		return -EBADF;
	tcp_info_fill(s, tcb, out);
	return 0;
}

const char *
tern_tcp_state_name(unsigned int state)
{
	return tcp_state_name(state);
}
