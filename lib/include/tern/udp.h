/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP over the app channel: small helpers that build and send the UDP
 * commands of chan.h. Results arrive as events (TERN_EV_UDP_BOUND,
 * TERN_EV_UDP_DATAGRAM, TERN_EV_UDP_ERROR, TERN_EV_UDP_CLOSED).
 *
 * Zero copy: a datagram event's mbuf may be sent straight back with
 * tern_udp_sendto(); the stack writes the UDP/IP/Ethernet headers into the
 * mbuf's headroom (or a header mbuf when it is shared or lacks headroom).
 */
#ifndef TERN_UDP_H
#define TERN_UDP_H

#include <errno.h>
#include <stdint.h>

#include <tern/chan.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tern_stack;

/** Largest UDP payload of one unfragmented datagram over a 1500-byte MTU
 *  (1500 - 20 - 8). tern does not fragment, so a larger payload is refused
 *  (TERN_EV_CMD_ERROR -EMSGSIZE). It is the default and what every
 *  interface of at least that MTU can carry; tern_udp_max_payload() gives
 *  the figure for the interface a destination is reached through. */
#define TERN_UDP_MAX_PAYLOAD 1472u

/** Largest UDP payload of one unfragmented datagram to `addr`: the MTU of
 *  the interface that routes to it, minus the IPv4 (20) and UDP (8)
 *  headers. Any thread (reads the stack's fixed interface table).
 *  @param s     the stack that would send
 *  @param addr  destination IPv4, host order
 *  @return the byte count (> 0); -EINVAL when `s` is NULL; -ENETUNREACH
 *  when no route reaches `addr`. */
int tern_udp_max_payload(const struct tern_stack *s, uint32_t addr);

/** Bind a local port. Result: TERN_EV_UDP_BOUND with the socket handle and
 *  its local_port, or with status -EADDRINUSE / -ENOSPC.
 *  @param c       the app's channel
 *  @param port    local port; 0 = an ephemeral one
 *  @param cookie  echoed in TERN_EV_UDP_BOUND
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_udp_bind(struct tern_chan *c, uint16_t port, uint64_t cookie)
{
	struct tern_cmd cmd = {
		.type = TERN_CMD_UDP_BIND, .port = port, .cookie = cookie,
	};

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -EAGAIN;
}

/** Send one datagram. Refusals come as TERN_EV_CMD_ERROR (-EBADF,
 *  -EMSGSIZE, -ENETUNREACH ...).
 *  @param c       the app's channel
 *  @param handle  the socket
 *  @param m       the payload; the stack owns it on 0
 *  @param addr    destination IPv4, host order
 *  @param port    destination port
 *  @return 0, or -EAGAIN (command ring full: the caller keeps `m`). */
static inline int
tern_udp_sendto(struct tern_chan *c, uint64_t handle, struct rte_mbuf *m,
		uint32_t addr, uint16_t port)
{
	struct tern_cmd cmd = {
		.type = TERN_CMD_UDP_SENDTO, .handle = handle, .m = m,
		.addr = addr, .port = port,
	};

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -EAGAIN;
}

/** Close a socket; TERN_EV_UDP_CLOSED follows.
 *  @param c       the app's channel
 *  @param handle  the socket
 *  @return 0, or -EAGAIN (command ring full). */
static inline int
tern_udp_close(struct tern_chan *c, uint64_t handle)
{
	struct tern_cmd cmd = { .type = TERN_CMD_UDP_CLOSE, .handle = handle };

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -EAGAIN;
}

#ifdef __cplusplus
}
#endif

#endif
