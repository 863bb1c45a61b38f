/* SPDX-License-Identifier: BSD-3-Clause
 *
 * App channels: how payloads reach applications. Per lcore and app, a pair
 * of single-producer/single-consumer rings of fixed-size elements in a
 * memzone: events flow stack -> app, commands app -> stack. Payload is never
 * copied: mbufs travel by pointer, so an app in the same process, on another
 * lcore, or in a DPDK secondary process (same hugepage mapping) reads them
 * in place.
 *
 * Threading: exactly one thread calls tern_chan_recv/tern_chan_send on a
 * channel (the app side); the owning stack's lcore is the only other party.
 * Events are enqueued after input processing, never from inside it.
 */
#ifndef TERN_CHAN_H
#define TERN_CHAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct tern_stack;
struct tern_chan;

/** Event types (stack -> app). */
enum tern_ev_type {
	TERN_EV_NONE = 0,
	TERN_EV_UDP_BOUND,	/**< bind done: handle set, or status = -errno */
	TERN_EV_UDP_DATAGRAM,	/**< m = payload (data offset at the first payload
				 *   byte), addr/port = sender, len = bytes */
	TERN_EV_UDP_CLOSED,	/**< socket closed (after TERN_CMD_UDP_CLOSE) */
	TERN_EV_UDP_ERROR,	/**< ICMP destination unreachable for a sent
				 *   datagram: status = -ECONNREFUSED (port),
				 *   -EHOSTUNREACH, -ENETUNREACH, -ENOPROTOOPT
				 *   or -EMSGSIZE; addr/port = destination */
	TERN_EV_CMD_ERROR,	/**< a command was rejected: status = -errno,
				 *   cookie echoed; its mbuf was freed */
	TERN_EV_TCP_LISTENING,	/**< listen done: handle = listener, port = local
				 *   port, or status = -errno (EADDRINUSE ...) */
	TERN_EV_TCP_ACCEPTED,	/**< new connection on a listener: handle = the
				 *   connection, cookie = the listener's cookie,
				 *   addr/port = peer, len = send space */
	TERN_EV_TCP_CONNECTED,	/**< active open done (status 0, len = send
				 *   space); on failure a TERN_EV_TCP_CLOSED with
				 *   -ECONNREFUSED / -ETIMEDOUT comes instead */
	TERN_EV_TCP_DATA,	/**< in-order bytes: m = mbuf chain (data offset
				 *   at the first byte), len = bytes. Credit them
				 *   back with TERN_CMD_TCP_RECVD when consumed */
	TERN_EV_TCP_WRITABLE,	/**< send space freed: len = bytes the app may
				 *   now queue (sent after TERN_EV_TCP_FULL) */
	TERN_EV_TCP_PEER_CLOSED, /**< the peer sent FIN: no more data will come */
	TERN_EV_TCP_CLOSED,	/**< the connection is over for the app (handle
				 *   stale): status 0 after an orderly close (sent
				 *   on entering TIME-WAIT, which the stack then
				 *   holds for 2*MSL on its own), -ECONNRESET,
				 *   -ECONNREFUSED, -ETIMEDOUT or -ECONNABORTED */
	TERN_EV_TCP_FULL,	/**< the send queue reached tcp.sndbuf: hold
				 *   further sends until TERN_EV_TCP_WRITABLE
				 *   (sends still accepted up to twice the limit) */
	TERN_EV_COUNT
};

/** Send-side flow control: every TERN_CMD_TCP_SEND is queued whole and in
 *  order while the queue holds less than twice tcp.sndbuf. The send that
 *  makes it reach tcp.sndbuf raises TERN_EV_TCP_FULL; the app should hold
 *  further data until TERN_EV_TCP_WRITABLE (queue below half the limit).
 *  Sends issued before the app saw TERN_EV_TCP_FULL still fit in the slack,
 *  so byte order is never at risk. An app that ignores it and reaches twice
 *  the limit gets TERN_EV_CMD_ERROR -ENOBUFS with its chain back in `m`.
 *  Every other rejected command frees its mbuf. */

/** Command types (app -> stack). */
enum tern_cmd_type {
	TERN_CMD_NONE = 0,
	TERN_CMD_UDP_BIND,	/**< port = local port (0 = ephemeral) */
	TERN_CMD_UDP_SENDTO,	/**< handle, m = payload, addr/port = destination */
	TERN_CMD_UDP_CLOSE,	/**< handle */
	TERN_CMD_TCP_LISTEN,	/**< port = local port, len = backlog (0 = default) */
	TERN_CMD_TCP_UNLISTEN,	/**< handle = listener */
	TERN_CMD_TCP_CONNECT,	/**< addr/port = peer; port in `reserved` low 16
				 *   bits = local port (0 = ephemeral) */
	TERN_CMD_TCP_SEND,	/**< handle, m = bytes to send (any chain) */
	TERN_CMD_TCP_RECVD,	/**< handle, len = bytes consumed (window credit) */
	TERN_CMD_TCP_SHUTDOWN,	/**< handle: close the write side (FIN) */
	TERN_CMD_TCP_CLOSE,	/**< handle: close both sides; the handle stays
				 *   valid until TERN_EV_TCP_CLOSED */
	TERN_CMD_TCP_ABORT,	/**< handle: send RST, drop everything */
	TERN_CMD_TCP_NODELAY,	/**< handle, len = 1 disables Nagle, 0 enables */
	TERN_CMD_TCP_CC,	/**< handle, len = congestion control algorithm
				 *   (enum tern_tcp_cc, tern/config.h) */
	TERN_CMD_COUNT
};

/** One event. `m` belongs to the app once received: it must be freed or
 *  handed back with a command. */
struct tern_event {
	uint16_t type;		/**< enum tern_ev_type */
	uint16_t port;		/**< peer (datagram) or local (bound) port */
	int32_t status;		/**< 0 or -errno */
	uint64_t handle;	/**< socket handle (lcore, slot, generation) */
	uint64_t cookie;	/**< the app's tag from the command */
	uint32_t addr;		/**< peer IPv4, host order */
	uint32_t len;		/**< payload bytes in m */
	struct rte_mbuf *m;	/**< payload, or NULL */
};

/** One command. Ownership of `m` passes to the stack on a successful
 *  tern_chan_send, whatever the command's outcome. */
struct tern_cmd {
	uint16_t type;		/**< enum tern_cmd_type */
	uint16_t port;
	uint32_t reserved;
	uint64_t handle;
	uint64_t cookie;
	uint32_t addr;
	uint32_t len;
	struct rte_mbuf *m;
};

/** Create the channel `app` (<= 15 chars) on `stack`'s lcore, rings of
 *  `size` elements (power of two; 0 = configured default). Call from the
 *  stack's lcore or before the stack runs. Returns NULL with rte_errno set
 *  (EEXIST, ENOSPC: too many channels, ENOMEM, EINVAL). */
struct tern_chan *tern_chan_create(struct tern_stack *stack, const char *app,
				   unsigned int size);

/** Find an existing channel by lcore and app name, e.g. from a secondary
 *  process. Returns NULL with rte_errno = ENOENT. */
struct tern_chan *tern_chan_lookup(unsigned int lcore_id, const char *app);

/** Dequeue up to `n` events. Returns the number dequeued. App side only. */
unsigned int tern_chan_recv(struct tern_chan *c, struct tern_event *ev,
			    unsigned int n);

/** Enqueue up to `n` commands, in order. Returns the number enqueued; the
 *  rest (and their mbufs) still belong to the caller. App side only. */
unsigned int tern_chan_send(struct tern_chan *c, const struct tern_cmd *cmd,
			    unsigned int n);

/** Events waiting to be received (approximate from another thread). */
unsigned int tern_chan_pending(const struct tern_chan *c);

/** Detach the channel from its stack and free it. Call when the stack is no
 *  longer polling (or from its lcore). Undelivered mbufs are freed. */
void tern_chan_free(struct tern_chan *c);

#ifdef __cplusplus
}
#endif

#endif
