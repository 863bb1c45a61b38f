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

/** Largest UDP payload sent in one unfragmented datagram over a 1500 MTU. */
#define TERN_UDP_MAX_PAYLOAD 1472u

/** Ask to bind local `port` (0 = ephemeral). Returns 0 or -ENOBUFS. */
static inline int
tern_udp_bind(struct tern_chan *c, uint16_t port, uint64_t cookie)
{
	struct tern_cmd cmd = {
		.type = TERN_CMD_UDP_BIND, .port = port, .cookie = cookie,
	};

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -ENOBUFS;
}

/** Send the packet data of `m` to `addr`:`port` (host order) from the
 *  socket `handle`. On 0 the stack owns `m`; on -ENOBUFS the caller does. */
static inline int
tern_udp_sendto(struct tern_chan *c, uint64_t handle, struct rte_mbuf *m,
		uint32_t addr, uint16_t port)
{
	struct tern_cmd cmd = {
		.type = TERN_CMD_UDP_SENDTO, .handle = handle, .m = m,
		.addr = addr, .port = port,
	};

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -ENOBUFS;
}

/** Close socket `handle`. Returns 0 or -ENOBUFS. */
static inline int
tern_udp_close(struct tern_chan *c, uint64_t handle)
{
	struct tern_cmd cmd = { .type = TERN_CMD_UDP_CLOSE, .handle = handle };

	return tern_chan_send(c, &cmd, 1) == 1 ? 0 : -ENOBUFS;
}

#ifdef __cplusplus
}
#endif

#endif
