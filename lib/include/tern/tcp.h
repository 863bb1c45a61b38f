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

static inline int
tern_tcp_cmd(struct tern_chan *c, uint16_t type, uint64_t handle, struct rte_mbuf *m,
	     uint32_t len, uint64_t cookie)
{
	struct tern_cmd cmd = { .type = type, .handle = handle, .m = m, .len = len,
				.cookie = cookie };

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -ENOBUFS;
}

/** Listen on local `port` with a SYN/accept backlog (0 = default).
 *  Result: TERN_EV_TCP_LISTENING. Returns 0 or -ENOBUFS (ring full). */
static inline int
tern_tcp_listen(struct tern_chan *c, uint16_t port, uint32_t backlog, uint64_t cookie)
{
	struct tern_cmd cmd = { .type = TERN_CMD_TCP_LISTEN, .port = port,
				.len = backlog, .cookie = cookie };

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -ENOBUFS;
}

/** Open a connection to `addr`:`port` (host order) from `local_port`
 *  (0 = ephemeral). Result: TERN_EV_TCP_CONNECTED or TERN_EV_TCP_CLOSED;
 *  both carry `cookie` and the connection handle. */
static inline int
tern_tcp_connect(struct tern_chan *c, uint32_t addr, uint16_t port,
		 uint16_t local_port, uint64_t cookie)
{
	struct tern_cmd cmd = { .type = TERN_CMD_TCP_CONNECT, .addr = addr,
				.port = port, .reserved = local_port, .cookie = cookie };

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -ENOBUFS;
}

/** Queue the packet data of `m` for sending. On 0 the stack owns `m`. */
static inline int
tern_tcp_send(struct tern_chan *c, uint64_t handle, struct rte_mbuf *m)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_SEND, handle, m, 0, 0);
}

/** Credit `len` received bytes back (the app consumed them). */
static inline int
tern_tcp_recvd(struct tern_chan *c, uint64_t handle, uint32_t len)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_RECVD, handle, NULL, len, 0);
}

/** Close the write side (FIN after queued data); reading goes on. */
static inline int
tern_tcp_shutdown(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_SHUTDOWN, handle, NULL, 0, 0);
}

/** Orderly close of both directions; TERN_EV_TCP_CLOSED follows. */
static inline int
tern_tcp_close(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_CLOSE, handle, NULL, 0, 0);
}

/** Abort: RST to the peer, queued data dropped; TERN_EV_TCP_CLOSED
 *  (-ECONNABORTED) follows. */
static inline int
tern_tcp_abort(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_ABORT, handle, NULL, 0, 0);
}

/** Stop listening; established connections are unaffected. */
static inline int
tern_tcp_unlisten(struct tern_chan *c, uint64_t handle)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_UNLISTEN, handle, NULL, 0, 0);
}

/** Disable (1) or enable (0) Nagle's algorithm on a connection. */
static inline int
tern_tcp_nodelay(struct tern_chan *c, uint64_t handle, int on)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_NODELAY, handle, NULL, on ? 1 : 0, 0);
}

/** Congestion control for one connection: `algo` is an enum tern_tcp_cc.
 *  New connections start with the stack's tern_config.tcp_cc (passive
 *  ones too: switch after TERN_EV_TCP_ACCEPTED). Switching an established
 *  connection keeps cwnd and ssthresh and starts the new algorithm's own
 *  state afresh. A bad handle or algorithm gets TERN_EV_CMD_ERROR
 *  (-EBADF / -EINVAL). Returns 0 or -ENOBUFS (ring full). */
static inline int
tern_tcp_set_cc(struct tern_chan *c, uint64_t handle, enum tern_tcp_cc algo)
{
	return tern_tcp_cmd(c, TERN_CMD_TCP_CC, handle, NULL, (uint32_t)algo, 0);
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
};

/** Snapshot of connection `handle` of stack `s` into `out`.
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
 *  @return 1 when home; 0 when another lcore owns it; -EINVAL when `s` is
 *  NULL, -ENETUNREACH when no route reaches `raddr`. */
int tern_tcp_port_is_home(const struct tern_stack *s, uint32_t raddr, uint16_t rport,
			  uint16_t lport);

/** Name of an enum tern_tcp_state ("ESTABLISHED", "FIN-WAIT-1", ...);
 *  "?" when out of range. */
const char *tern_tcp_state_name(unsigned int state);

#ifdef __cplusplus
}
#endif

#endif
