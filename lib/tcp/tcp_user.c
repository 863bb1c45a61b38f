/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The user side of TCP (RFC 9293 3.10.1-3.10.6, over the app channel):
 * LISTEN, CONNECT (OPEN), SEND, RECEIVE credit, SHUTDOWN/CLOSE, ABORT, and
 * the events TCP raises towards apps. Commands run from
 * tern_stack_process(), after input and before timers and output; they
 * only update TCBs and schedule output. Events are staged and reach the
 * app's ring after processing, never from inside it.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include <tern/tcp.h>

#include "core/handle.h"
#include "tcp/tcp_private.h"
#include "ip/ip4.h"

static void conn_event(struct tern_stack *s, struct tcb *tcb, uint16_t type,
		       struct rte_mbuf *m, uint32_t len);
static struct tcb *conn_of(struct tern_stack *s, struct tern_chan *c,
			   const struct tern_cmd *cmd);

static void
cmd_error(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd,
	  int status, struct rte_mbuf *give_back)
{
	struct tern_event ev = { .type = TERN_EV_CMD_ERROR, .status = status,
				 .handle = cmd->handle, .cookie = cmd->cookie,
				 .addr = cmd->addr, .port = cmd->port, .m = give_back,
				 .len = give_back ? rte_pktmbuf_pkt_len(give_back) : 0 };

	stack_ctr_inc(s, CTR_TCP_CMD_BAD);
	if (give_back == NULL)
		rte_pktmbuf_free(cmd->m);
	stack_event(s, c, &ev);
}

static uint64_t
listener_handle(const struct tern_stack *s, const struct tcp_listener *l)
{
	return handle_encode(HANDLE_TCP_LISTENER, s->lcore_id,
			     (uint32_t)(l - s->tcp->listeners), l->gen);
}

static struct tcp_listener *
listener_from_handle(struct tern_stack *s, uint64_t h)
{
	struct tcp_listener *l;
	uint32_t slot;

	if (!handle_decode(h, HANDLE_TCP_LISTENER, s->lcore_id, s->tcp->n_listeners, &slot))
		return NULL;
	l = &s->tcp->listeners[slot];
	return l->port != 0 && handle_gen_is(h, l->gen) ? l : NULL;
}

/* ---- per-connection options (enum tern_tcp_opt) -------------------------- */

#define UOPT_BUF_MIN 1024u
#define UOPT_BUF_MAX (1u << 30)
#define UOPT_MSS_MAX 65495u			/* 65535 - 40 */
#define UOPT_KA_IDLE_DEFAULT_MS 7200000u	/* RFC 1122 4.2.3.6: two hours */

void
tcp_uopts_default(const struct tern_config *cfg, struct tcp_uopts *o)
{
	memset(o, 0, sizeof(*o));
	o->rcvbuf = cfg->tcp_rcvbuf;
	o->sndbuf = cfg->tcp_sndbuf;
	o->ka_on = cfg->tcp_keepalive_ms != 0;
	o->ka_idle_ms = cfg->tcp_keepalive_ms ? cfg->tcp_keepalive_ms : UOPT_KA_IDLE_DEFAULT_MS;
	o->ka_intvl_ms = cfg->tcp_keepalive_intvl_ms;
	o->ka_cnt = (uint8_t)RTE_MIN(cfg->tcp_keepalive_probes, 255u);
	o->nodelay = cfg->tcp_nodelay != 0;
	o->cc = cfg->tcp_cc < TCP_CC_COUNT ? cfg->tcp_cc : TCP_CC_NEWRENO;
}

void
tcp_uopts_apply(const struct tern_stack *s, struct tcb *tcb, const struct tcp_uopts *o)
{
	uint32_t mss = s->iface[tcb->iface].mtu - 40u;

	tcb->rcvbuf = o->rcvbuf;
	tcb->sndbuf = o->sndbuf;
	/* the scale is chosen once, for the SYN (RFC 7323 2.2) */
	tcb->rcv.wscale = s->cfg.tcp_wscale ? tcp_wscale_for(o->rcvbuf) : 0;
	tcb->mss_clamp = o->mss_clamp;
	tcb->mss = (uint16_t)(o->mss_clamp != 0 ? RTE_MIN(mss, o->mss_clamp) : mss);
	tcb->ka_on = o->ka_on;
	tcb->ka_idle_ms = o->ka_idle_ms;
	tcb->ka_intvl_ms = o->ka_intvl_ms;
	tcb->ka_cnt = o->ka_cnt;
	tcb->uto_ms = o->uto_ms;
	tcb->tos = o->tos;
	tcb->ttl = o->ttl;
	if (o->nodelay)
		tcb->flags |= TCB_F_NODELAY;
	else
		tcb->flags &= ~TCB_F_NODELAY;
	tcp_cc_select(tcb, o->cc);
}

/* At the first RTO of a run the timer was armed one (un-backed-off) RTO
 * ago, when the oldest outstanding data was sent or last acknowledged:
 * the user timeout counts from there. */
bool
tcp_uto_expired(const struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (tcb->retries == 0) {
		uint64_t rto = tcp_rto_ns(s, tcb);

		tcb->uto_start_ns = now > rto ? now - rto : 0;
	}
	return tcb->uto_ms != 0 && now >= tcb->uto_start_ns + (uint64_t)tcb->uto_ms * NS_PER_MS;
}

/* Range check; 0 or -EINVAL / -ENOPROTOOPT. */
static int
uopt_check(unsigned int opt, uint32_t v)
{
	switch (opt) {
	case TERN_TCP_OPT_RCVBUF:
	case TERN_TCP_OPT_SNDBUF:
		return v >= UOPT_BUF_MIN && v <= UOPT_BUF_MAX ? 0 : -EINVAL;
	case TERN_TCP_OPT_MAXSEG:
		return v == 0 || (v >= TERN_MSS_MIN && v <= UOPT_MSS_MAX) ? 0 : -EINVAL;
	case TERN_TCP_OPT_NODELAY:
	case TERN_TCP_OPT_KEEPALIVE:
		return v <= 1 ? 0 : -EINVAL;
	case TERN_TCP_OPT_CC:
		return v < TCP_CC_COUNT ? 0 : -EINVAL;
	case TERN_TCP_OPT_KEEPIDLE_MS:
	case TERN_TCP_OPT_KEEPINTVL_MS:
		return v >= 1 && v <= INT32_MAX ? 0 : -EINVAL;
	case TERN_TCP_OPT_KEEPCNT:
		return v >= 1 && v <= 255 ? 0 : -EINVAL;
	case TERN_TCP_OPT_USER_TIMEOUT_MS:
		return v <= INT32_MAX ? 0 : -EINVAL;
	case TERN_TCP_OPT_TOS:
	case TERN_TCP_OPT_TTL:
		return v <= 255 ? 0 : -EINVAL;
	default:
		return -ENOPROTOOPT;
	}
}

/* Write a checked value into a set of defaults. */
static void
uopt_store(struct tcp_uopts *o, unsigned int opt, uint32_t v)
{
	switch (opt) {
	case TERN_TCP_OPT_RCVBUF: o->rcvbuf = v; break;
	case TERN_TCP_OPT_SNDBUF: o->sndbuf = v; break;
	case TERN_TCP_OPT_MAXSEG: o->mss_clamp = (uint16_t)v; break;
	case TERN_TCP_OPT_NODELAY: o->nodelay = (uint8_t)v; break;
	case TERN_TCP_OPT_CC: o->cc = (uint8_t)v; break;
	case TERN_TCP_OPT_KEEPALIVE: o->ka_on = (uint8_t)v; break;
	case TERN_TCP_OPT_KEEPIDLE_MS: o->ka_idle_ms = v; break;
	case TERN_TCP_OPT_KEEPINTVL_MS: o->ka_intvl_ms = v; break;
	case TERN_TCP_OPT_KEEPCNT: o->ka_cnt = (uint8_t)v; break;
	case TERN_TCP_OPT_USER_TIMEOUT_MS: o->uto_ms = v; break;
	case TERN_TCP_OPT_TOS: o->tos = (uint8_t)v; break;
	case TERN_TCP_OPT_TTL: o->ttl = (uint8_t)v; break;
	default: break;
	}
}

/* The defaults channel `c` set with handle 0; NULL when it set none. */
static struct tcp_uopts *
chan_uopts(struct tern_stack *s, const struct tern_chan *c, bool create)
{
	struct tcp_chan_uopts *e = s->tcp->chan_uopts, *free_e = NULL;
	unsigned int i;

	for (i = 0; i < STACK_MAX_CHANS; i++) {
		if (e[i].chan == c)
			return &e[i].o;
		if (e[i].chan == NULL && free_e == NULL)
			free_e = &e[i];
	}
	if (!create || free_e == NULL)
		return NULL;
	free_e->chan = (struct tern_chan *)(uintptr_t)c;
	tcp_uopts_default(&s->cfg, &free_e->o);
	return &free_e->o;
}

/* What a connect or listen of channel `c` starts with. */
static void
chan_uopts_get(struct tern_stack *s, const struct tern_chan *c, struct tcp_uopts *o)
{
	const struct tcp_uopts *d = chan_uopts(s, c, false);

	if (d != NULL)
		*o = *d;
	else
		tcp_uopts_default(&s->cfg, o);
}

/* The keep-alive timer after a change: armed from the last segment
 * received when on (output arms it lazily otherwise), off when off. */
static void
ka_rearm(struct tern_stack *s, struct tcb *tcb)
{
	if (!tcp_state_is_synced(tcb->state) || tcb->state == TCP_ST_TIME_WAIT)
		return;
	if (tcb->ka_on)
		tcp_timer_arm(s, tcb, TCP_T_KEEPALIVE,
			      tcb->idle_since_ns + (uint64_t)tcb->ka_idle_ms * NS_PER_MS);
	else
		tcp_timer_cancel(s, tcb, TCP_T_KEEPALIVE);
}

/* An option on a live connection: 0 or -errno. */
static int
conn_setopt(struct tern_stack *s, struct tcb *tcb, unsigned int opt, uint32_t v)
{
	switch (opt) {
	case TERN_TCP_OPT_RCVBUF:
		tcb->rcvbuf = v;
		if (!(tcb->flags & TCB_F_SYN_ISSUED) && s->cfg.tcp_wscale)
			tcb->rcv.wscale = tcp_wscale_for(v);
		if (tcp_state_is_synced(tcb->state) && !(tcb->flags & TCB_F_PEER_FIN)) {
			tcb->flags |= TCB_F_WND_UPDATE;
			tcp_output_schedule(s, tcb);
		}
		return 0;
	case TERN_TCP_OPT_SNDBUF:
		tcb->sndbuf = v;
		if ((tcb->flags & TCB_F_WANT_WRITABLE) && tcb->sndq.bytes < v / 2)
			tcp_ev_writable(s, tcb);
		return 0;
	case TERN_TCP_OPT_MAXSEG:
		/* RFC 9293 3.7.1: the MSS option travels only on the SYN */
		if (tcb->flags & TCB_F_SYN_ISSUED)
			return -EISCONN;
		tcb->mss_clamp = (uint16_t)v;
		tcb->mss = (uint16_t)(s->iface[tcb->iface].mtu - 40u);
		if (v != 0 && v < tcb->mss)
			tcb->mss = (uint16_t)v;
		return 0;
	case TERN_TCP_OPT_NODELAY:
		if (v) {
			tcb->flags |= TCB_F_NODELAY;
			tcp_output_schedule(s, tcb);	/* held small segments may go */
		} else {
			tcb->flags &= ~TCB_F_NODELAY;
		}
		return 0;
	case TERN_TCP_OPT_CC:
		return tcp_cc_select(tcb, v);
	case TERN_TCP_OPT_KEEPALIVE:
		tcb->ka_on = (uint8_t)v;
		ka_rearm(s, tcb);
		return 0;
	case TERN_TCP_OPT_KEEPIDLE_MS:
		tcb->ka_idle_ms = v;
		if (tcb->ka_on)
			ka_rearm(s, tcb);
		return 0;
	case TERN_TCP_OPT_KEEPINTVL_MS: tcb->ka_intvl_ms = v; return 0;
	case TERN_TCP_OPT_KEEPCNT: tcb->ka_cnt = (uint8_t)v; return 0;
	case TERN_TCP_OPT_USER_TIMEOUT_MS: tcb->uto_ms = v; return 0;
	case TERN_TCP_OPT_TOS: tcb->tos = (uint8_t)v; return 0;
	case TERN_TCP_OPT_TTL: tcb->ttl = (uint8_t)v; return 0;
	default: return -ENOPROTOOPT;
	}
}

/* TERN_CMD_TCP_SETOPT: handle 0 = the channel's defaults, a listener's
 * handle = what it accepts from now on, a connection's = that one. */
static void
cmd_setopt(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	int err = uopt_check(cmd->opt, cmd->value);
	struct tcp_listener *l;
	struct tcb *tcb;

	if (err == 0 && cmd->handle == 0) {
		uopt_store(chan_uopts(s, c, true), cmd->opt, cmd->value);
	} else if (err == 0 && ((cmd->handle >> HANDLE_TYPE_SHIFT) & HANDLE_TYPE_MASK) == HANDLE_TCP_LISTENER) {
		l = listener_from_handle(s, cmd->handle);
		if (l == NULL || l->chan != c)
			err = -EBADF;
		else
			uopt_store(&l->opts, cmd->opt, cmd->value);
	} else if (err == 0) {
		tcb = conn_of(s, c, cmd);
		if (tcb == NULL)
			return;			/* -EBADF sent */
		err = conn_setopt(s, tcb, cmd->opt, cmd->value);
	}
	if (err != 0) {
		cmd_error(s, c, cmd, err, NULL);
		return;
	}
	rte_pktmbuf_free(cmd->m);
}

static void
cmd_listen(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcp_table *t = s->tcp;
	struct tern_event ev = { .type = TERN_EV_TCP_LISTENING, .cookie = cmd->cookie,
				 .port = cmd->port };
	struct tcp_listener *l = NULL;
	uint16_t i;

	if (cmd->port == 0 || t->listen_by_port[cmd->port] != 0) {
		cmd_error(s, c, cmd, cmd->port == 0 ? -EINVAL : -EADDRINUSE, NULL);
		return;
	}
	for (i = 0; i < t->n_listeners && l == NULL; i++)
		if (t->listeners[i].port == 0)
			l = &t->listeners[i];
	if (l == NULL) {
		cmd_error(s, c, cmd, -ENOSPC, NULL);
		return;
	}
	rte_pktmbuf_free(cmd->m);
	l->port = cmd->port;
	l->backlog = (uint16_t)(cmd->backlog ? RTE_MIN(cmd->backlog, 65535u) : s->cfg.tcp_backlog);
	l->n_syn = 0;
	l->chan = c;
	l->cookie = cmd->cookie;
	chan_uopts_get(s, c, &l->opts);
	l->gen++;
	t->listen_by_port[l->port] = (uint16_t)(l - t->listeners) + 1;
	ev.handle = listener_handle(s, l);
	stack_event(s, c, &ev);
}

/* Connections still in SYN-RECEIVED for `l` are dropped with it; the peer's
 * next segment finds no listener and gets a RST. */
static void
listener_release(struct tern_stack *s, struct tcp_listener *l)
{
	struct tcp_table *t = s->tcp;
	uint32_t i;

	for (i = 0; i < t->n_tcbs && l->n_syn > 0; i++)
		if (t->tcbs[i].listener == l && t->tcbs[i].state != TCP_ST_CLOSED)
			tcp_conn_free(s, &t->tcbs[i]);
	t->listen_by_port[l->port] = 0;
	l->port = 0;
	l->chan = NULL;
	l->gen++;
}

static void
cmd_unlisten(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcp_listener *l = listener_from_handle(s, cmd->handle);

	if (l == NULL || l->chan != c) {
		cmd_error(s, c, cmd, -EBADF, NULL);
		return;
	}
	rte_pktmbuf_free(cmd->m);
	listener_release(s, l);
}

static void
cmd_connect(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	uint16_t lport = cmd->local_port;
	struct tcp_uopts o;
	struct route r;
	struct tcb *tcb;
	void *e = NULL;			/* the 4-tuple's entry: TCB or record */

	if (cmd->addr == 0 || cmd->port == 0 || route_is_broadcast(s, cmd->addr) ||
	    (cmd->addr >> 28) == 0xe) {
		cmd_error(s, c, cmd, -EINVAL, NULL);
		return;
	}
	if (!route_lookup(s, cmd->addr, &r)) {
		cmd_error(s, c, cmd, -ENETUNREACH, NULL);
		return;
	}
	/* an explicit local port whose 4-tuple a live TCB holds is refused:
	 * inserting it again would repoint the table's entry. A TIME-WAIT
	 * record (tcp_timewait.c) is not a TCB: the connect takes the
	 * 4-tuple over and the record ends (below). */
	if (lport != 0)
		e = tcp_conn_entry(s, r.src, lport, cmd->addr, cmd->port);
	if (e != NULL && !tcp_entry_is_tw(e)) {
		cmd_error(s, c, cmd, -EADDRINUSE, NULL);
		return;
	}
	/* Another lcore would own the replies (steering hands frames to the
	 * owner of the 4-tuple, and the TCB lives here): refused. */
	if (lport != 0 && !tcp_conn_is_home(s, r.src, lport, cmd->addr, cmd->port)) {
		stack_ctr_inc(s, CTR_FLOW_CONNECT_AWAY);
		cmd_error(s, c, cmd, -EADDRNOTAVAIL, NULL);
		return;
	}
	/* our ISN clock and timestamp offset run ahead of the old
	 * incarnation's (RFC 6528, RFC 7323 7.1), so the peer accepts the
	 * new one (RFC 6191) */
	if (e != NULL) {
		stack_ctr_inc(s, CTR_TCP_TIME_WAIT_REUSED);
		tcp_tw_remove(s, tcp_entry_tw(e));
	}
	if (lport == 0)
		lport = tcp_ephemeral_port(s, r.src, cmd->addr, cmd->port);
	tcb = lport ? tcp_conn_alloc(s, r.iface, r.src, lport, cmd->addr, cmd->port) : NULL;
	if (tcb == NULL) {
		cmd_error(s, c, cmd, lport ? -ENOBUFS : -EADDRNOTAVAIL, NULL);
		return;
	}
	rte_pktmbuf_free(cmd->m);
	chan_uopts_get(s, c, &o);
	tcp_uopts_apply(s, tcb, &o);
	tcb->chan = c;
	tcb->cookie = cmd->cookie;
	tcb->flags |= TCB_F_ACCEPTED;	/* the app is told of every outcome */
	tcb->iss = tcp_isn_clocked(s, tcb, s->now_ns);
	tcb->snd.una = tcb->snd.nxt = tcb->snd.max = tcb->iss;
	tcp_set_state(s, tcb, TCP_ST_SYN_SENT);
	stack_ctr_inc(s, CTR_TCP_ACTIVE_OPENS);
	/* The handle now, so the app can CLOSE or ABORT in SYN-SENT (RFC 9293
	 * 3.10.4/3.10.5); it is staged before any outcome of the handshake. */
	conn_event(s, tcb, TERN_EV_TCP_CONNECTING, NULL, 0);
	tcp_output_schedule(s, tcb);
}

static struct tcb *
conn_of(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcb *tcb = tcp_conn_from_handle(s, cmd->handle);

	if (tcb == NULL || tcb->chan != c || (tcb->flags & TCB_F_ORPHAN)) {
		cmd_error(s, c, cmd, -EBADF, NULL);
		return NULL;
	}
	return tcb;
}

static void
cmd_send(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcb *tcb = conn_of(s, c, cmd);
	uint32_t len;

	if (tcb == NULL)
		return;
	if (cmd->m == NULL) {
		cmd_error(s, c, cmd, -EINVAL, NULL);
		return;
	}
	if (!tcp_state_may_send(tcb->state) || (tcb->flags & TCB_F_FIN_PENDING)) {
		cmd_error(s, c, cmd, -EPIPE, NULL);
		return;
	}
	len = rte_pktmbuf_pkt_len(cmd->m);
	/* tcp.sndbuf is where the app is told to hold (TERN_EV_TCP_FULL); the
	 * slack up to twice that absorbs the sends it issued before it knew,
	 * so they are taken in order. Past it the chain goes back. */
	if (tcb->sndq.bytes >= 2ull * tcb->sndbuf) {
		stack_ctr_inc(s, CTR_TCP_SND_REFUSED);
		cmd_error(s, c, cmd, -ENOBUFS, cmd->m);
		return;
	}
	if (len == 0) {
		rte_pktmbuf_free(cmd->m);
		return;
	}
	tcp_sndq_append(tcb, cmd->m);
	if (tcp_snd_space(tcb) == 0 && !(tcb->flags & TCB_F_WANT_WRITABLE)) {
		tcb->flags |= TCB_F_WANT_WRITABLE;
		stack_ctr_inc(s, CTR_TCP_SND_FULL);
		conn_event(s, tcb, TERN_EV_TCP_FULL, NULL, 0);
	}
	tcp_output_schedule(s, tcb);
}

static void
cmd_recvd(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcb *tcb = conn_of(s, c, cmd);

	if (tcb == NULL)
		return;
	rte_pktmbuf_free(cmd->m);
	tcb->unread -= RTE_MIN(cmd->len, tcb->unread);
	if (tcp_state_is_synced(tcb->state) && !(tcb->flags & TCB_F_PEER_FIN)) {
		tcb->flags |= TCB_F_WND_UPDATE;
		tcp_output_schedule(s, tcb);
	}
}

/* RFC 9293 3.10.4 CLOSE, for the write side only. */
static void
shut_write(struct tern_stack *s, struct tcb *tcb)
{
	switch (tcb->state) {
	case TCP_ST_SYN_SENT:
		tcp_conn_close(s, tcb, 0);
		return;
	case TCP_ST_SYN_RECEIVED:
	case TCP_ST_ESTABLISHED:
		tcb->flags |= TCB_F_FIN_PENDING;
		tcp_set_state(s, tcb, TCP_ST_FIN_WAIT_1);
		break;
	case TCP_ST_CLOSE_WAIT:
		tcb->flags |= TCB_F_FIN_PENDING;
		tcp_set_state(s, tcb, TCP_ST_LAST_ACK);
		break;
	default:
		return;			/* already closing */
	}
	tcp_output_schedule(s, tcb);
}

static void
cmd_close(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd, bool orphan)
{
	struct tcb *tcb = conn_of(s, c, cmd);

	if (tcb == NULL)
		return;
	rte_pktmbuf_free(cmd->m);
	if (orphan) {
		tcb->flags |= TCB_F_ORPHAN;
		if (tcb->state == TCP_ST_FIN_WAIT_2)
			tcp_timer_arm(s, tcb, TCP_T_FIN_WAIT_2, s->now_ns +
				      (uint64_t)s->cfg.tcp_fin_wait2_ms * NS_PER_MS);
	}
	shut_write(s, tcb);
}

static void
cmd_abort(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcb *tcb = conn_of(s, c, cmd);

	if (tcb == NULL)
		return;
	rte_pktmbuf_free(cmd->m);
	stack_ctr_inc(s, CTR_TCP_ABORTS);
	if (tcb->state == TCP_ST_SYN_SENT) {
		tcp_conn_close(s, tcb, -ECONNABORTED);	/* nothing to reset */
		return;
	}
	tcb->flags |= TCB_F_SEND_RST | TCB_F_ORPHAN;
	tcp_output_schedule(s, tcb);
}

static void
cmd_nodelay(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcb *tcb = conn_of(s, c, cmd);

	if (tcb == NULL)
		return;
	rte_pktmbuf_free(cmd->m);
	if (cmd->len) {
		tcb->flags |= TCB_F_NODELAY;
		tcp_output_schedule(s, tcb);	/* held small segments may go */
	} else {
		tcb->flags &= ~TCB_F_NODELAY;
	}
}

/* Per-connection congestion control (TERN_CMD_TCP_CC, len = algorithm). */
static void
cmd_cc(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct tcb *tcb = conn_of(s, c, cmd);

	if (tcb == NULL)
		return;
	if (tcp_cc_select(tcb, cmd->len) != 0) {
		cmd_error(s, c, cmd, -EINVAL, NULL);
		return;
	}
	rte_pktmbuf_free(cmd->m);
}

void
tcp_cmd_run(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	switch (cmd->type) {
	case TERN_CMD_TCP_LISTEN: cmd_listen(s, c, cmd); break;
	case TERN_CMD_TCP_UNLISTEN: cmd_unlisten(s, c, cmd); break;
	case TERN_CMD_TCP_CONNECT: cmd_connect(s, c, cmd); break;
	case TERN_CMD_TCP_SEND: cmd_send(s, c, cmd); break;
	case TERN_CMD_TCP_RECVD: cmd_recvd(s, c, cmd); break;
	case TERN_CMD_TCP_SHUTDOWN: cmd_close(s, c, cmd, false); break;
	case TERN_CMD_TCP_CLOSE: cmd_close(s, c, cmd, true); break;
	case TERN_CMD_TCP_ABORT: cmd_abort(s, c, cmd); break;
	case TERN_CMD_TCP_NODELAY: cmd_nodelay(s, c, cmd); break;
	case TERN_CMD_TCP_CC: cmd_cc(s, c, cmd); break;
	case TERN_CMD_TCP_SETOPT: cmd_setopt(s, c, cmd); break;
	default: cmd_error(s, c, cmd, -EINVAL, NULL); break;
	}
}

void
tcp_chan_closed(struct tern_stack *s, struct tern_chan *c)
{
	struct tcp_table *t = s->tcp;
	uint32_t i;
	uint16_t k;

	for (k = 0; k < t->n_listeners; k++)
		if (t->listeners[k].port != 0 && t->listeners[k].chan == c)
			listener_release(s, &t->listeners[k]);
	for (k = 0; k < STACK_MAX_CHANS; k++)
		if (t->chan_uopts[k].chan == c)
			t->chan_uopts[k].chan = NULL;
	for (i = 0; i < t->n_tcbs; i++) {
		struct tcb *tcb = &t->tcbs[i];

		if (tcb->state == TCP_ST_CLOSED || tcb->chan != c)
			continue;
		/* nobody left to read: reset the peer, forget the app */
		tcb->chan = NULL;
		tcb->flags |= TCB_F_ORPHAN | TCB_F_SEND_RST;
		tcp_output_schedule(s, tcb);
	}
}

static void
conn_event(struct tern_stack *s, struct tcb *tcb, uint16_t type, struct rte_mbuf *m,
	   uint32_t len)
{
	struct tern_event ev = { .type = type, .handle = tcp_conn_handle(s, tcb),
				 .cookie = tcb->cookie, .addr = tcb->raddr,
				 .port = tcb->rport, .m = m, .len = len };

	stack_event(s, tcb->chan, &ev);
}

void
tcp_ev_accepted(struct tern_stack *s, struct tcb *tcb)
{
	tcb->flags |= TCB_F_ACCEPTED;
	if (tcb->chan != NULL)
		conn_event(s, tcb, TERN_EV_TCP_ACCEPTED, NULL, tcp_snd_space(tcb));
}

void
tcp_ev_connected(struct tern_stack *s, struct tcb *tcb)
{
	if (tcb->chan != NULL)
		conn_event(s, tcb, TERN_EV_TCP_CONNECTED, NULL, tcp_snd_space(tcb));
}

void
tcp_ev_data(struct tern_stack *s, struct tcb *tcb, struct rte_mbuf *m, uint32_t len)
{
	tcb->unread += len;
	if (tcb->chan == NULL || (tcb->flags & TCB_F_ORPHAN)) {
		rte_pktmbuf_free(m);
		return;
	}
	conn_event(s, tcb, TERN_EV_TCP_DATA, m, len);
}

void
tcp_ev_peer_closed(struct tern_stack *s, struct tcb *tcb)
{
	tcb->flags |= TCB_F_PEER_FIN;
	if (tcb->chan != NULL && !(tcb->flags & TCB_F_ORPHAN))
		conn_event(s, tcb, TERN_EV_TCP_PEER_CLOSED, NULL, 0);
}

void
tcp_ev_writable(struct tern_stack *s, struct tcb *tcb)
{
	tcb->flags &= ~TCB_F_WANT_WRITABLE;
	if (tcb->chan != NULL && !(tcb->flags & TCB_F_ORPHAN))
		conn_event(s, tcb, TERN_EV_TCP_WRITABLE, NULL, tcp_snd_space(tcb));
}

int
tern_tcp_port_is_home(const struct tern_stack *s, uint32_t raddr, uint16_t rport,
		      uint16_t lport)
{
	struct route r;

	if (s == NULL)
		return -EINVAL;
	if (!route_lookup(s, raddr, &r))
		return -ENETUNREACH;
	return tcp_conn_is_home(s, r.src, lport, raddr, rport) ? 1 : 0;
}
