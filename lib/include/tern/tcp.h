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

#ifdef __cplusplus
}
#endif

#endif
