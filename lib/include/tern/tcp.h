/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP over the app channel: helpers that build and send the TCP commands
 * of chan.h. Outcomes arrive as events (TERN_EV_TCP_*).
 *
 * Zero copy: TERN_CMD_TCP_SEND hands an mbuf chain to the stack, which
 * keeps it until acknowledged and transmits segments that reference it
 * (indirect mbufs), never copies. TERN_EV_TCP_DATA hands received mbufs to
 * the app, which owns and frees them and credits the bytes back with
 * tern_tcp_recvd() so the receive window reopens (an app that stops
 * crediting closes the window and the peer probes).
 *
 * tern_tcp_info_get() reads a connection's state (cwnd, windows, RTT ...)
 * directly, on the stack's own lcore.
 *
 * Threading: as chan.h: one app thread per channel.
 */
#ifndef TERN_TCP_H
#define TERN_TCP_H

#include <errno.h>
#include <stdint.h>

#include <tern/chan.h>
#include <tern/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Per-connection options (tern_tcp_setopt(), TERN_CMD_TCP_SETOPT). Each
 *  starts from the stack's tern_config value named beside it. Set on a
 *  connection handle it changes that connection; on a listener handle it
 *  changes what the connections it accepts from then on start with; with
 *  handle 0 it changes the channel's defaults, which every later
 *  TERN_CMD_TCP_CONNECT and TERN_CMD_TCP_LISTEN of the channel starts
 *  with (commands run in order: set, then connect). A bad option, value or
 *  handle, or an option that can no longer change, gets TERN_EV_CMD_ERROR:
 *  -ENOPROTOOPT, -EINVAL, -EBADF, -EISCONN. */
enum tern_tcp_opt {
	TERN_TCP_OPT_NONE = 0,
	/** Receive buffer, bytes (tcp_rcvbuf): the window offered is this
	 *  minus bytes not yet credited and bytes held out of order. 1 KiB ..
	 *  1 GiB. The window scale is chosen from it when the SYN is sent
	 *  (RFC 7323 2.2): later changes move the window within that scale's
	 *  reach (65535 << scale), and a shrink never pulls back a right edge
	 *  already advertised (RFC 9293 3.8.6). */
	TERN_TCP_OPT_RCVBUF,
	/** Send buffer, bytes (tcp_sndbuf): where TERN_EV_TCP_FULL is raised.
	 *  1 KiB .. 1 GiB, any time. */
	TERN_TCP_OPT_SNDBUF,
	/** MSS clamp, bytes; 0 = none (the interface MTU - 40): the MSS option
	 *  we send and the largest segment we send are at most this.
	 *  TERN_MSS_MIN .. 65495. Only before the SYN (-EISCONN after). */
	TERN_TCP_OPT_MAXSEG,
	/** 1 = Nagle's algorithm off (tcp_nodelay). Any time. */
	TERN_TCP_OPT_NODELAY,
	/** Congestion control, enum tern_tcp_cc (tcp_cc). Any time. */
	TERN_TCP_OPT_CC,
	/** 1 = keep-alive on (tcp_keepalive_ms != 0), RFC 9293 3.8.4. */
	TERN_TCP_OPT_KEEPALIVE,
	/** Idle time before the first probe, ms (tcp_keepalive_ms, or 7200000
	 *  when that is 0). 1 .. 2^31-1. */
	TERN_TCP_OPT_KEEPIDLE_MS,
	/** Time between probes, ms (tcp_keepalive_intvl_ms). 1 .. 2^31-1. */
	TERN_TCP_OPT_KEEPINTVL_MS,
	/** Unanswered probes before the connection is given up with
	 *  -ETIMEDOUT (tcp_keepalive_probes). 1 .. 255. */
	TERN_TCP_OPT_KEEPCNT,
	/** User timeout, ms; 0 = off (default): RFC 5482 semantics with RFC
	 *  9293 3.8.3's R2 in time: when sent data has stayed unacknowledged
	 *  this long, the connection is aborted (RST, TERN_EV_TCP_CLOSED
	 *  -ETIMEDOUT) even if tcp_max_retries is not reached. Any time; the
	 *  UTO option itself is not sent. 0 .. 2^31-1. */
	TERN_TCP_OPT_USER_TIMEOUT_MS,
	/** IPv4 TOS byte (DSCP << 2 | ECN bits) of every segment; default 0.
	 *  0 .. 255, any time. The two ECN bits are the stack's (RFC 3168:
	 *  ECT(0) on new data when ECN is in use, else Not-ECT): only the
	 *  DSCP part of the value is used. */
	TERN_TCP_OPT_TOS,
	/** IPv4 TTL of every segment; 0 = the stack's default (64).
	 *  0 .. 255, any time. */
	TERN_TCP_OPT_TTL,
	TERN_TCP_OPT_COUNT
};

/** Smallest TERN_TCP_OPT_MAXSEG: 48 (as TERN_MTU_MIN). */
#define TERN_MSS_MIN 48u

/** Send one TCP command on channel `c`; the helpers below use it.
 *  @param c       the app's channel
 *  @param type    enum tern_cmd_type
 *  @param handle  the connection or listener (0 where the command has none)
 *  @param m       payload (TERN_CMD_TCP_SEND) or NULL
 *  @param len     the command's number (struct tern_cmd's `len` union)
 *  @param cookie  the app's tag, echoed in the events the command causes
 *  @return 0, or -EAGAIN when the command ring is full (the caller still
 *  owns `m`). */
static inline int
tern_tcp_cmd(struct tern_chan *c, uint16_t type, uint64_t handle, struct rte_mbuf *m,
	     uint32_t len, uint64_t cookie)
{
	struct tern_cmd cmd = { .type = type, .handle = handle, .m = m, .len = len,
				.cookie = cookie };

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -EAGAIN;
}

/** As tern_tcp_cmd(), for a command already filled in.
 *  @param c    the app's channel
 *  @param cmd  the command
 *  @return 0, or -EAGAIN when the command ring is full. */
static inline int
tern_tcp_cmd_send(struct tern_chan *c, const struct tern_cmd *cmd)
{
	return tern_chan_send(c, cmd, 1) == 1 ? 0 : -EAGAIN;
}

/** Listen on a local port. Result: TERN_EV_TCP_LISTENING with the listener
 *  handle, or TERN_EV_CMD_ERROR (-EINVAL port 0, -EADDRINUSE, -ENOSPC).
 *  Accepted connections start with the channel's options at this moment
 *  (tern_tcp_setopt() with handle 0), changed later on the listener.
 *  @param c        the app's channel
 *  @param port     local port, not 0
 *  @param backlog  most connections in SYN-RECEIVED; 0 = tcp.backlog
 *  @param cookie   echoed in TERN_EV_TCP_LISTENING and every ACCEPTED
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_listen(struct tern_chan *c, uint16_t port, uint32_t backlog, uint64_t cookie)
{
	struct tern_cmd cmd = { .type = TERN_CMD_TCP_LISTEN, .port = port,
				.backlog = backlog, .cookie = cookie };

	return tern_tcp_cmd_send(c, &cmd);
}

/** Open a connection (RFC 9293 3.10.1 active OPEN) with the channel's
 *  options (tern_tcp_setopt() with handle 0). TERN_EV_TCP_CONNECTING comes
 *  at once with the handle, which close and abort accept before the
 *  handshake completes (RFC 9293 3.10.4: the TCB is deleted, no RST);
 *  then TERN_EV_TCP_CONNECTED, or TERN_EV_TCP_CLOSED (-ECONNREFUSED,
 *  -ETIMEDOUT, -ECONNABORTED; 0 after a close in SYN-SENT). A connect
 *  refused before any SYN gets TERN_EV_CMD_ERROR: -EINVAL (bad address),
 *  -ENETUNREACH, -EADDRINUSE (explicit local port taken), -EADDRNOTAVAIL
 *  (no ephemeral port, or a local port another lcore owns), -ENOBUFS (no
 *  free TCB). All carry `cookie`.
 *  @param c           the app's channel
 *  @param addr        peer IPv4, host order
 *  @param port        peer port
 *  @param local_port  local port; 0 = an ephemeral one
 *  @param cookie      the app's tag for this connection's events
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_connect(struct tern_chan *c, uint32_t addr, uint16_t port,
		 uint16_t local_port, uint64_t cookie)
{
	struct tern_cmd cmd = { .type = TERN_CMD_TCP_CONNECT, .addr = addr,
				.port = port, .local_port = local_port, .cookie = cookie };

	return tern_tcp_cmd_send(c, &cmd);
}

/** Queue the packet data of `m` for sending (RFC 9293 3.10.2 SEND).
 *  Refusals come as TERN_EV_CMD_ERROR: -EPIPE (write side closed),
 *  -ENOBUFS (queue over twice the send buffer: `m` comes back), -EBADF.
 *  @param c       the app's channel
 *  @param handle  the connection
 *  @param m       the bytes (any chain); the stack owns it on 0
 *  @return 0, or -EAGAIN (command ring full: the caller keeps `m`). */
static inline int
tern_tcp_send(struct tern_chan *c, uint64_t handle, struct rte_mbuf *m)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_SEND, handle, m, 0, 0);
}

/** Credit received bytes back (the app consumed them): the window reopens.
 *  @param c       the app's channel
 *  @param handle  the connection
 *  @param len     bytes consumed from TERN_EV_TCP_DATA events
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_recvd(struct tern_chan *c, uint64_t handle, uint32_t len)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_RECVD, handle, NULL, len, 0);
}

/** Close the write side (FIN after queued data); reading goes on. In
 *  SYN-SENT the connection is deleted (TERN_EV_TCP_CLOSED, status 0).
 *  @param c       the app's channel
 *  @param handle  the connection
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_shutdown(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_SHUTDOWN, handle, NULL, 0, 0);
}

/** Orderly close of both directions (RFC 9293 3.10.4); TERN_EV_TCP_CLOSED
 *  follows. In SYN-SENT the connection is deleted at once, without a RST
 *  (status 0); queued data is dropped.
 *  @param c       the app's channel
 *  @param handle  the connection
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_close(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_CLOSE, handle, NULL, 0, 0);
}

/** Abort (RFC 9293 3.10.5): RST to the peer (none in SYN-SENT), queued
 *  data dropped; TERN_EV_TCP_CLOSED (-ECONNABORTED) follows.
 *  @param c       the app's channel
 *  @param handle  the connection
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_abort(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_ABORT, handle, NULL, 0, 0);
}

/** Stop listening; established connections are unaffected, half-open ones
 *  are dropped.
 *  @param c       the app's channel
 *  @param handle  the listener
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_unlisten(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_UNLISTEN, handle, NULL, 0, 0);
}

/** Disable (1) or enable (0) Nagle's algorithm on a connection; the same
 *  as TERN_TCP_OPT_NODELAY.
 *  @param c       the app's channel
 *  @param handle  the connection
 *  @param on      non-zero: Nagle off
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_nodelay(struct tern_chan *c, uint64_t handle, int on)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_NODELAY, handle, NULL, on ? 1 : 0, 0);
}

/** Congestion control for one connection; the same as TERN_TCP_OPT_CC.
 *  New connections start with the stack's tern_config.tcp_cc (or the
 *  channel's or listener's TERN_TCP_OPT_CC). Switching an established
 *  connection keeps cwnd and ssthresh and starts the new algorithm's own
 *  state afresh. A bad handle or algorithm gets TERN_EV_CMD_ERROR
 *  (-EBADF / -EINVAL).
 *  @param c       the app's channel
 *  @param handle  the connection
 *  @param algo    the algorithm
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_set_cc(struct tern_chan *c, uint64_t handle, enum tern_tcp_cc algo)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_CC, handle, NULL, (uint32_t)algo, 0);
}

/** Set a per-connection option (enum tern_tcp_opt says which values and
 *  when). Nothing confirms success; a refusal is TERN_EV_CMD_ERROR with
 *  `cookie`.
 *  @param c       the app's channel
 *  @param handle  a connection, a listener, or 0 for the channel's defaults
 *  @param opt     the option
 *  @param value   its value
 *  @param cookie  echoed in a TERN_EV_CMD_ERROR
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_tcp_setopt(struct tern_chan *c, uint64_t handle, enum tern_tcp_opt opt,
		uint32_t value, uint64_t cookie)
{
	struct tern_cmd cmd = { .type = TERN_CMD_TCP_SETOPT, .handle = handle,
				.opt = (uint16_t)opt, .value = value, .cookie = cookie };

	return tern_tcp_cmd_send(c, &cmd);
}

/** Connection states (RFC 9293 3.3.2), as tern_tcp_info.state reports
 *  them; ordered so that the synchronized states are >= ESTABLISHED. */
enum tern_tcp_state {
	TERN_TCP_ST_CLOSED = 0,
	TERN_TCP_ST_LISTEN,
	TERN_TCP_ST_SYN_SENT,
	TERN_TCP_ST_SYN_RECEIVED,
	TERN_TCP_ST_ESTABLISHED,
	TERN_TCP_ST_FIN_WAIT_1,
	TERN_TCP_ST_FIN_WAIT_2,
	TERN_TCP_ST_CLOSE_WAIT,
	TERN_TCP_ST_CLOSING,
	TERN_TCP_ST_LAST_ACK,
	TERN_TCP_ST_TIME_WAIT,
	TERN_TCP_ST_COUNT
};

/** tern_tcp_info.options: what the handshake negotiated, and Nagle. */
#define TERN_TCP_INFO_OPT_SACK		0x1u	/**< both sides sent SACK-permitted */
#define TERN_TCP_INFO_OPT_TS		0x2u	/**< timestamps (RFC 7323) in use */
#define TERN_TCP_INFO_OPT_WSCALE	0x4u	/**< window scaling in use */
#define TERN_TCP_INFO_OPT_NODELAY	0x8u	/**< Nagle's algorithm off */

/** A snapshot of one connection (tern_tcp_info_get()). Sizes are in bytes
 *  unless the name gives the unit; times are the stack's clock
 *  (tern_stack_now(), ns). */
struct tern_tcp_info {
	uint8_t state;		/**< enum tern_tcp_state */
	uint8_t cc;		/**< enum tern_tcp_cc in use */
	uint8_t in_recovery;	/**< 1 during fast recovery (RFC 5681/6582) */
	uint8_t snd_wscale;	/**< shift applied to the peer's windows */
	uint8_t rcv_wscale;	/**< shift applied to the windows we send */
	uint8_t options;	/**< TERN_TCP_INFO_OPT_* */
	uint16_t backoff;	/**< RTO doublings since the last new ACK */
	uint16_t retries;	/**< consecutive retransmissions or probes */
	uint16_t dupacks;	/**< duplicate ACKs counted since the last new ACK */
	uint32_t local_addr;	/**< host order */
	uint32_t remote_addr;	/**< host order */
	uint16_t local_port;
	uint16_t remote_port;
	uint32_t snd_mss;	/**< payload bytes per full segment we send */
	uint32_t peer_mss;	/**< MSS option the peer sent (0 = none) */
	uint32_t cwnd;		/**< congestion window */
	uint32_t ssthresh;	/**< UINT32_MAX until the first congestion event */
	uint32_t snd_wnd;	/**< the peer's receive window (scaled) */
	uint32_t inflight;	/**< snd.max - snd.una: sent, not cumulatively
				 *   acknowledged (a SYN or FIN counts 1) */
	uint32_t unsent;	/**< queued by the app, never sent */
	uint32_t sndq_bytes;	/**< queued by the app: unacknowledged + unsent */
	uint32_t sndbuf;	/**< send queue limit (TERN_EV_TCP_FULL) */
	uint32_t rcv_wnd;	/**< the window we last advertised */
	uint32_t rcv_unread;	/**< delivered, not yet credited (tern_tcp_recvd) */
	uint32_t rcv_ooo;	/**< held out of order for reassembly */
	uint32_t rcvbuf;	/**< receive buffer */
	uint32_t srtt_us;	/**< smoothed RTT (RFC 6298); 0 = no sample yet */
	uint32_t rttvar_us;	/**< RTT variation */
	uint32_t rto_us;	/**< retransmission timeout now (backoff applied) */
	uint64_t last_rx_ns;	/**< last segment received */
	uint64_t last_data_tx_ns; /**< last data segment sent (0 = none) */
	char cc_name[16];	/**< "newreno", "cubic" */
	uint32_t sacked;	/**< bytes above snd.una the peer SACKed */
	uint32_t pipe;		/**< RFC 6675 pipe during a SACK recovery,
				 *   otherwise inflight - sacked */
	uint8_t sack_recovery;	/**< 1 when the recovery is RFC 6675's */
	uint8_t ecn;		/**< TERN_TCP_INFO_ECN_* (RFC 3168) */
};

/** tern_tcp_info.ecn: Explicit Congestion Notification (RFC 3168). */
#define TERN_TCP_INFO_ECN_OK	0x1u	/**< negotiated on the handshake: new
					 *   data goes out ECT(0) */
#define TERN_TCP_INFO_ECN_ECHO	0x2u	/**< a CE arrived: our ACKs carry ECE
					 *   until the peer's CWR */
#define TERN_TCP_INFO_ECN_CWR	0x4u	/**< the window was cut for an ECE: CWR
					 *   goes on the next new data */

/** Snapshot of one connection.
 *
 *  Threading: reads the TCB without locks, so it must be called on the
 *  lcore that owns `s` (the one that calls tern_stack_poll(), or the
 *  input/process functions, for it), between two iterations; an app that
 *  polls its channel on that lcore (the default) can call it at any time.
 *  It changes nothing and costs about one handle check and a copy.
 *
 *  A handle stays valid until TERN_EV_TCP_CLOSED (TIME-WAIT is held by
 *  the stack in a compact record, without the connection's TCB).
 *
 *  @param s       the stack that owns the connection
 *  @param handle  the connection
 *  @param out     filled on success
 *  @return 0; -EBADF when the handle is stale (its slot was freed or
 *  reused: handles carry a generation), belongs to another lcore, or is a
 *  listener's; -EINVAL when `s` or `out` is NULL. */
int tern_tcp_info_get(struct tern_stack *s, uint64_t handle, struct tern_tcp_info *out);

/** Whether stack `s` owns the replies of a connection from local port
 *  `lport` to `raddr`:`rport` (host order): with several lcores, a frame is
 *  handed to the lcore that owns its 4-tuple, so an active open from an
 *  app-chosen local port must use a port that maps home, or
 *  TERN_CMD_TCP_CONNECT refuses it with -EADDRNOTAVAIL (counted:
 *  flow_connect_away). Ephemeral ports (local port 0) always map home.
 *  Always true with one lcore. Any thread; reads only the port's flow map.
 *  @param s      the stack that would open the connection
 *  @param raddr  peer IPv4, host order
 *  @param rport  peer port
 *  @param lport  the local port in question
 *  @return 1 when home; 0 when another lcore owns it; -EINVAL when `s` is
 *  NULL, -ENETUNREACH when no route reaches `raddr`. */
int tern_tcp_port_is_home(const struct tern_stack *s, uint32_t raddr, uint16_t rport,
			  uint16_t lport);

/** Name of a connection state.
 *  @param state  an enum tern_tcp_state
 *  @return "ESTABLISHED", "FIN-WAIT-1", ...; "?" when out of range. */
const char *tern_tcp_state_name(unsigned int state);

#ifdef __cplusplus
}
#endif

#endif
